//! `ask`'s streaming writer: the answer's text, as it arrives, to stdout (and nothing else), with
//! a final newline so the shell prompt starts on its own line. A closed pipe (`| head -1`) stops
//! the run: nobody is reading the rest of an answer that costs money.

use std::io::Write;
use std::time::Duration;

use llmx_core::engine::{Event, Sink, SinkError};
use llmx_core::provider::StreamEvent;
use llmx_core::safe::StreamFilter;

pub struct TextStream<W: Write> {
    out: W,
    name: &'static str,
    wrote: bool,
    ends_with_newline: bool,
    /// On a terminal, control characters are shown, not obeyed; into a pipe the text is
    /// passed on byte for byte.
    filter: Option<StreamFilter>,
}

impl<W: Write> TextStream<W> {
    pub fn new(out: W, name: &'static str) -> Self {
        TextStream {
            out,
            name,
            wrote: false,
            ends_with_newline: false,
            filter: None,
        }
    }

    /// Neutralise control characters (the output is a terminal).
    pub fn for_terminal(mut self) -> Self {
        self.filter = Some(StreamFilter::default());
        self
    }

    #[cfg(test)]
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> Sink for TextStream<W> {
    fn event(&mut self, _at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        let fail = |e| SinkError::new(self.name, e);
        match event {
            Event::Delta {
                event: StreamEvent::TextDelta(text),
                ..
            } if !text.is_empty() => {
                let shown = match &mut self.filter {
                    Some(f) => std::borrow::Cow::Owned(f.push(text)),
                    None => std::borrow::Cow::Borrowed(text.as_str()),
                };
                self.out
                    .write_all(shown.as_bytes())
                    .and_then(|_| self.out.flush())
                    .map_err(fail)?;
                self.wrote = true;
                self.ends_with_newline = shown.ends_with('\n');
                Ok(())
            }
            // Tool calls follow the text, one `name(arguments)` line each.
            Event::JobFinished { result, .. } if !result.response.tool_calls.is_empty() => {
                let mut out = String::new();
                if let Some(f) = &mut self.filter {
                    out.push_str(&f.finish());
                }
                if self.wrote && !(self.ends_with_newline && out.is_empty()) {
                    out.push('\n');
                }
                for c in &result.response.tool_calls {
                    let line = crate::render::Call::of(c).line();
                    match self.filter {
                        Some(_) => out.push_str(&llmx_core::safe::visible(
                            &line,
                            llmx_core::safe::Lines::Fold,
                        )),
                        None => out.push_str(&line),
                    }
                    out.push('\n');
                }
                self.out
                    .write_all(out.as_bytes())
                    .and_then(|_| self.out.flush())
                    .map_err(fail)?;
                self.wrote = true;
                self.ends_with_newline = true;
                Ok(())
            }
            Event::RunFinished { .. } if self.wrote => {
                let held = self.filter.as_mut().map(StreamFilter::finish);
                let held = held.unwrap_or_default();
                let newline = if self.ends_with_newline && held.is_empty() {
                    ""
                } else {
                    "\n"
                };
                write!(self.out, "{held}{newline}")
                    .and_then(|_| self.out.flush())
                    .map_err(fail)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_then_one_newline_and_a_closed_pipe_is_an_error() {
        let mut s = TextStream::new(Vec::new(), "stdout");
        for t in ["Hello", ", world"] {
            let ev = StreamEvent::TextDelta(t.into());
            s.event(Duration::ZERO, &Event::Delta { job: 0, event: &ev })
                .unwrap();
        }
        let fin = Event::RunFinished {
            results: &[],
            stopped: None,
            wall: Duration::ZERO,
        };
        s.event(Duration::ZERO, &fin).unwrap();
        assert_eq!(s.into_inner(), b"Hello, world\n");

        let mut s = TextStream::new(Vec::new(), "stdout").for_terminal();
        for t in ["title\x1b]0;pwned\x07 ok\r", "\nnext\r"] {
            let ev = StreamEvent::TextDelta(t.into());
            s.event(Duration::ZERO, &Event::Delta { job: 0, event: &ev })
                .unwrap();
        }
        s.event(Duration::ZERO, &fin).unwrap();
        assert_eq!(
            String::from_utf8(s.into_inner()).unwrap(),
            "title^[]0;pwned^G ok\nnext^M\n"
        );

        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut s = TextStream::new(Closed, "stdout");
        let ev = StreamEvent::TextDelta("x".into());
        let e = s
            .event(Duration::ZERO, &Event::Delta { job: 0, event: &ev })
            .unwrap_err();
        assert!(e.is_broken_pipe());
        assert_eq!(e.output, "stdout");
    }
}

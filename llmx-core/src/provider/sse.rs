//! Bytes to server-sent events, for every dialect (wire-formats §7.3). Knows nothing of JSON or
//! providers: it accepts `\n`, `\r\n` and `\r` line endings, skips comment lines, keeps `event:`
//! names, joins multi-line `data:`, and is fed arbitrary byte slices (a chunk may end mid-line or
//! mid-character). It never panics on any input.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` name, if the stream named it (Anthropic, Groq's `event: error`).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

impl SseEvent {
    /// `data: [DONE]`, the OpenAI family's end marker.
    pub(crate) fn is_done(&self) -> bool {
        self.data.trim() == "[DONE]"
    }

    /// The event written out again: its name, its data lines, the blank line.
    pub(crate) fn to_text(&self) -> String {
        let mut s = String::with_capacity(self.data.len() + 32);
        if let Some(e) = &self.event {
            s.push_str("event: ");
            s.push_str(e);
            s.push('\n');
        }
        for line in self.data.split('\n') {
            s.push_str("data: ");
            s.push_str(line);
            s.push('\n');
        }
        s.push('\n');
        s
    }
}

/// An incremental SSE decoder.
#[derive(Debug, Default)]
pub(crate) struct SseReader {
    line: Vec<u8>,
    /// The previous byte was `\r`: a `\n` right after it belongs to the same line ending.
    after_cr: bool,
    event: Option<String>,
    data: Option<String>,
    /// Buffers of events already read, for the next ones' text: no allocation per event.
    spare: Vec<String>,
}

/// How many spare buffers are kept, and the largest kept (a huge event's buffer is let go).
const SPARE: usize = 8;
const SPARE_BYTES: usize = 64 << 10;

impl SseReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed bytes; returns the events completed by them, in order. Lines are found a slice at a
    /// time and the line buffer keeps its capacity: no allocation per line.
    #[cfg(test)]
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        self.push_into(bytes, &mut out);
        out
    }

    /// [`SseReader::push`] appending to `out` (a buffer the caller reuses).
    pub fn push_into(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) {
        let mut rest = bytes;
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
        }
        while let Some(i) = memchr::memchr2(b'\n', b'\r', rest) {
            // A line wholly in this slice is read where it is; one begun in an earlier slice
            // is completed in the line buffer.
            if self.line.is_empty() {
                self.field(&rest[..i], out);
            } else {
                self.line.extend_from_slice(&rest[..i]);
                self.end_line(out);
            }
            let cr = rest[i] == b'\r';
            rest = &rest[i + 1..];
            if cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    None => self.after_cr = true,
                    Some(_) => {}
                }
            }
        }
        self.line.extend_from_slice(rest);
    }

    /// Bytes held for the event being read (a server that never ends an event must not grow
    /// this without bound: the caller caps it).
    pub fn pending(&self) -> usize {
        self.line.len() + self.data.as_ref().map_or(0, String::len)
    }

    /// The body ended: dispatch a last event that had no blank line after it.
    pub fn finish(&mut self) -> Option<SseEvent> {
        let mut out = Vec::new();
        if !self.line.is_empty() {
            self.end_line(&mut out);
        }
        self.dispatch(&mut out);
        out.pop()
    }

    /// An event the caller is done with: its text's buffer is kept for a later event.
    pub fn recycle(&mut self, ev: SseEvent) {
        let mut d = ev.data;
        if self.spare.len() < SPARE && d.capacity() <= SPARE_BYTES {
            d.clear();
            self.spare.push(d);
        }
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        let mut line = std::mem::take(&mut self.line);
        self.field(&line, out);
        line.clear();
        self.line = line;
    }

    fn field(&mut self, line: &[u8], out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line[0] == b':' {
            return; // comment: keep-alives like `: OPENROUTER PROCESSING`
        }
        // Valid UTF-8 (every real server's) is checked the fast way; the rest replaced.
        let text = match std::str::from_utf8(line) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => String::from_utf8_lossy(line),
        };
        let (field, value) = match text.find(':') {
            Some(i) => {
                let v = &text[i + 1..];
                (&text[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (text.as_ref(), ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => {
                    let mut d = self.spare.pop().unwrap_or_default();
                    d.push_str(value);
                    self.data = Some(d);
                }
            },
            "event" => self.event = Some(value.to_string()),
            _ => {} // id, retry and unknown fields carry nothing llmx needs
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = self.event.take();
        if let Some(data) = self.data.take() {
            out.push(SseEvent { event, data });
        }
    }
}

/// Decode a whole body at once (the tests' replays of recordings).
#[cfg(test)]
pub(crate) fn parse_all(body: &[u8]) -> Vec<SseEvent> {
    let mut r = SseReader::new();
    let mut events = r.push(body);
    events.extend(r.finish());
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: event.map(str::to_string),
            data: data.to_string(),
        }
    }

    #[test]
    fn line_endings_all_work() {
        for sep in ["\n", "\r\n", "\r"] {
            let body = format!("data: a{sep}{sep}event: x{sep}data: b{sep}data: c{sep}{sep}");
            assert_eq!(
                parse_all(body.as_bytes()),
                vec![ev(None, "a"), ev(Some("x"), "b\nc")],
                "separator {sep:?}"
            );
        }
    }

    #[test]
    fn comments_and_unknown_fields_are_skipped() {
        let body = b": OPENROUTER PROCESSING\n\nid: 7\nretry: 10\ndata:x\n\n: \n\n";
        assert_eq!(parse_all(body), vec![ev(None, "x")]);
    }

    #[test]
    fn a_recycled_buffer_carries_nothing_into_the_next_event() {
        let mut r = SseReader::new();
        let long = "x".repeat(1000);
        let first = r.push(format!("data: {long}\ndata: more\n\n").as_bytes());
        assert_eq!(first, vec![ev(None, &format!("{long}\nmore"))]);
        first.into_iter().for_each(|e| r.recycle(e));
        assert_eq!(r.pending(), 0);
        assert_eq!(
            r.push(b"data: a\n\ndata: b\n\n"),
            vec![ev(None, "a"), ev(None, "b")]
        );
        // A huge event's buffer is let go, not kept for the rest of the stream.
        let huge = r.push(format!("data: {}\n\n", "y".repeat(SPARE_BYTES + 1)).as_bytes());
        huge.into_iter().for_each(|e| r.recycle(e));
        assert!(r.spare.iter().all(|s| s.capacity() <= SPARE_BYTES));
    }

    #[test]
    fn last_event_without_blank_line_is_kept() {
        assert_eq!(parse_all(b"data: tail"), vec![ev(None, "tail")]);
    }

    #[test]
    fn split_at_every_byte_matches_whole() {
        let body = "event: a\r\ndata: {\"t\":\"é\"}   \r\n\r\ndata: [DONE]\r\n\r\n".as_bytes();
        let whole = parse_all(body);
        for i in 0..=body.len() {
            let mut r = SseReader::new();
            let mut got = r.push(&body[..i]);
            got.extend(r.push(&body[i..]));
            got.extend(r.finish());
            assert_eq!(got, whole, "split at {i}");
        }
        assert!(whole[1].is_done());
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x2545F4914F6CDD1Du64;
        for _ in 0..2000 {
            let mut bytes = Vec::new();
            for _ in 0..(seed % 64) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                bytes.push(b"data:event\r\n :[]{}\xff\xc3"[(seed % 19) as usize]);
            }
            let _ = parse_all(&bytes);
        }
    }
}

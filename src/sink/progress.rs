//! The progress display: one line per model on stderr (waiting, streaming with tokens so far,
//! retrying, falling back, done in X s, failed), drawn by indicatif and cleared before results
//! are printed. A sink of the run's events.

use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use llmx_core::engine::{Event, Sink, SinkError};
use llmx_core::provider::StreamEvent;
use llmx_core::safe::{self, Lines};

pub struct Progress {
    multi: MultiProgress,
    bars: Vec<ProgressBar>,
    labels: Vec<String>,
    /// Characters streamed so far, per model (shown as approximate tokens).
    chars: Vec<u64>,
    /// No `^C` echoed into the display while it is drawn (see [`crate::sys::QuietControlEcho`]).
    quiet_echo: Option<crate::sys::QuietControlEcho>,
}

impl Progress {
    pub fn new(labels: &[String]) -> Progress {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {prefix:.bold} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bars = labels
            .iter()
            .map(|l| {
                let b = multi.add(ProgressBar::new_spinner());
                b.set_style(style.clone());
                b.set_prefix(safe::visible(l, Lines::Fold).into_owned());
                b.set_message("waiting");
                b.enable_steady_tick(Duration::from_millis(120));
                b
            })
            .collect();
        Progress {
            multi,
            bars,
            labels: labels.to_vec(),
            chars: vec![0; labels.len()],
            quiet_echo: Some(crate::sys::QuietControlEcho::new()),
        }
    }

    /// Remove the bars so the results print on a clean screen, and give the terminal its echo
    /// back.
    pub fn clear(&mut self) {
        for b in &self.bars {
            b.finish_and_clear();
        }
        let _ = self.multi.clear();
        self.quiet_echo.take();
    }
}

impl Sink for Progress {
    fn event(&mut self, _at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        match event {
            Event::AttemptStarted { job, attempt, .. } => {
                if let Some(b) = self.bars.get(*job) {
                    b.set_message(if *attempt > 1 {
                        format!("sending (attempt {attempt})")
                    } else {
                        "sending".into()
                    });
                }
            }
            Event::RetryScheduled {
                job, wait, error, ..
            } => {
                if let Some(b) = self.bars.get(*job) {
                    b.set_message(format!(
                        "retrying in {:.1}s ({})",
                        wait.as_secs_f64(),
                        error.kind.as_str()
                    ));
                }
            }
            Event::FellBack { job, to, .. } => {
                if let Some(b) = self.bars.get(*job) {
                    b.set_message(
                        safe::visible(&format!("falling back to {to}"), Lines::Fold).into_owned(),
                    );
                }
            }
            Event::Delta {
                job,
                event: StreamEvent::TextDelta(t) | StreamEvent::ReasoningDelta(t),
            } => {
                if let (Some(b), Some(c)) = (self.bars.get(*job), self.chars.get_mut(*job)) {
                    *c += t.chars().count() as u64;
                    // About four characters a token: the provider's own count comes with usage.
                    b.set_message(format!("streaming (~{} tokens)", c.div_ceil(4)));
                }
            }
            Event::JobFinished { result, .. } => {
                if let Some(b) = self.bars.get(result.index) {
                    let label = self
                        .labels
                        .get(result.index)
                        .map(String::as_str)
                        .unwrap_or("");
                    let ms = result.latency.map(|l| l.as_millis() as u64);
                    let msg = match &result.error {
                        Some(e) => format!(
                            "failed: {}",
                            llmx_core::provider::error::cut(
                                &crate::error::shown(e, &result.provider),
                                llmx_core::provider::error::SHOWN_CHARS
                            )
                        ),
                        None => format!(
                            "done in {}",
                            crate::render::secs(result.total.map(|t| t.as_millis() as u64).or(ms))
                        ),
                    };
                    b.set_prefix(safe::visible(label, Lines::Fold).into_owned());
                    b.finish_with_message(safe::visible(&msg, Lines::Fold).into_owned());
                }
            }
            Event::RunFinished { .. } => self.clear(),
            _ => {}
        }
        Ok(())
    }
}

/// `ask`'s wait for the first token: a spinner on stderr (a terminal only), gone the moment
/// the answer starts or the call ends.
pub struct Waiting {
    bar: Option<ProgressBar>,
}

impl Waiting {
    pub fn new(model: &str) -> Waiting {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(format!("waiting for {}", safe::visible(model, Lines::Fold)));
        bar.enable_steady_tick(Duration::from_millis(100));
        Waiting { bar: Some(bar) }
    }

    fn done(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl Sink for Waiting {
    fn event(&mut self, _at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        match event {
            Event::FirstToken { .. }
            | Event::Delta { .. }
            | Event::JobFinished { .. }
            | Event::RunFinished { .. } => self.done(),
            Event::RetryScheduled { wait, error, .. } => {
                if let Some(b) = &self.bar {
                    b.set_message(format!(
                        "retrying in {:.1}s ({})",
                        wait.as_secs_f64(),
                        error.kind.as_str()
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

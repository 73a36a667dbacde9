//! The progress display: one line per model on stderr (waiting, streaming with tokens so far,
//! done in X s, failed), drawn by indicatif and cleared before results are printed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::{Reporter, Row};
use crate::provider::StreamEvent;

pub struct Progress {
    multi: MultiProgress,
    bars: Vec<ProgressBar>,
    labels: Vec<String>,
    /// Characters streamed so far, per model (shown as approximate tokens).
    chars: Vec<AtomicU64>,
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
                b.set_prefix(l.clone());
                b.set_message("waiting");
                b.enable_steady_tick(Duration::from_millis(120));
                b
            })
            .collect();
        Progress {
            multi,
            bars,
            labels: labels.to_vec(),
            chars: labels.iter().map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Remove the bars so the results print on a clean screen.
    pub fn clear(&self) {
        for b in &self.bars {
            b.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

impl Reporter for Progress {
    fn on_start(&self, i: usize) {
        if let Some(b) = self.bars.get(i) {
            b.set_message("sending");
        }
    }

    fn on_event(&self, i: usize, ev: &StreamEvent) {
        if let (StreamEvent::TextDelta(t) | StreamEvent::ReasoningDelta(t), Some(b), Some(c)) =
            (ev, self.bars.get(i), self.chars.get(i))
        {
            let n =
                c.fetch_add(t.chars().count() as u64, Ordering::Relaxed) + t.chars().count() as u64;
            // About four characters a token: the provider's own count arrives with the usage.
            b.set_message(format!("streaming (~{} tokens)", n.div_ceil(4)));
        }
    }

    fn on_done(&self, i: usize, row: &Row) {
        if let Some(b) = self.bars.get(i) {
            let label = self.labels.get(i).map(String::as_str).unwrap_or("");
            let msg = match &row.error {
                Some(e) => format!("failed: {e}"),
                None => format!("done in {}", crate::render::secs(row.latency_ms)),
            };
            b.set_prefix(label.to_string());
            b.finish_with_message(msg);
        }
    }
}

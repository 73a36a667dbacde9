//! `-v` / `-vv` on stderr: one line per request, status and end (`-v`), and with `-vv` every
//! header and body line, like `curl -v`: `>` what llmx sent, `<` what came back. Records come
//! masked from the core; server text is made safe for the terminal here, line by line.

use std::fmt::Write as _;
use std::io::Write as _;

use llmx_core::provider::wire_log::{Record, WireLog};
use llmx_core::safe;

pub struct StderrWireLog {
    full: bool,
}

impl StderrWireLog {
    /// `verbose` is how many `-v` were given (at least one).
    pub fn new(verbose: u8) -> StderrWireLog {
        StderrWireLog { full: verbose > 1 }
    }
}

fn secs(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

/// The lines one record prints, unfiltered.
pub fn lines(r: &Record<'_>) -> String {
    let mut out = String::new();
    match r {
        Record::Sent {
            n,
            label,
            method,
            url,
            headers,
            body,
        } => {
            let _ = writeln!(out, "[{n}] {method} {url} ({label})");
            for (k, v) in *headers {
                let _ = writeln!(out, "[{n}] > {k}: {v}");
            }
            if let Some(b) = body {
                for line in b.lines() {
                    let _ = writeln!(out, "[{n}] > {line}");
                }
            }
        }
        Record::Status {
            n,
            status,
            after,
            request_id,
            headers,
        } => {
            let id = request_id
                .map(|i| format!(", request id {i}"))
                .unwrap_or_default();
            let _ = writeln!(out, "[{n}] {status} after {}{id}", secs(*after));
            for (k, v) in *headers {
                let _ = writeln!(out, "[{n}] < {k}: {v}");
            }
        }
        Record::Body { n, bytes } => {
            for line in String::from_utf8_lossy(bytes).lines() {
                if !line.is_empty() {
                    let _ = writeln!(out, "[{n}] < {line}");
                }
            }
        }
        Record::Done { n, after, bytes } => {
            let _ = writeln!(out, "[{n}] done after {}, {bytes} bytes", secs(*after));
        }
        Record::Failed { n, after, error } => {
            let _ = writeln!(out, "[{n}] failed after {}: {error}", secs(*after));
        }
    }
    out
}

impl WireLog for StderrWireLog {
    fn full(&self) -> bool {
        self.full
    }

    fn record(&self, r: &Record<'_>) {
        let text = lines(r);
        let mut e = std::io::stderr().lock();
        for line in text.lines() {
            let line = safe::visible(line, safe::Lines::Fold);
            let _ = e
                .write_all(line.as_bytes())
                .and_then(|_| e.write_all(b"\n"));
        }
    }
}

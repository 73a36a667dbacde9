//! `-v` / `-vv`: what the HTTP layer sends and gets back, handed to a front end to show. Every
//! record is masked before it leaves here — keys, custom auth headers and URL user info never
//! reach a log — while server text (response headers, bodies) arrives as received, for the
//! front end to make safe for wherever it shows it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One thing that happened to one HTTP exchange; `n` numbers the exchanges of a process.
#[derive(Debug)]
pub enum Record<'a> {
    /// A request is going out (`headers` and `body` only when the log asks for them).
    Sent {
        n: u64,
        /// `provider/model`.
        label: &'a str,
        method: &'a str,
        url: &'a str,
        headers: &'a [(String, String)],
        body: Option<&'a str>,
    },
    /// The response's status arrived, `after` the request went out.
    Status {
        n: u64,
        status: u16,
        after: Duration,
        request_id: Option<&'a str>,
        headers: &'a [(String, String)],
    },
    /// Part of the response body (only when the log asks for bodies).
    Body { n: u64, bytes: &'a [u8] },
    /// The body ended: `bytes` read in all.
    Done { n: u64, after: Duration, bytes: u64 },
    /// The exchange failed (no response, a cut stream, an error status); `error` is masked.
    Failed {
        n: u64,
        after: Duration,
        error: &'a str,
    },
}

/// Where records go. `full` asks for headers and bodies too (`-vv`).
pub trait WireLog: Send + Sync {
    fn full(&self) -> bool;
    fn record(&self, r: &Record<'_>);
}

/// The response headers that carry a provider's request id, most specific first.
const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "request-id",
    "x-amzn-requestid",
    "x-goog-request-id",
    "cf-ray",
];

/// The log of one exchange (nothing when no log is set).
pub struct Exchange {
    log: Option<Arc<dyn WireLog>>,
    /// `provider/model`.
    label: String,
    n: u64,
    started: Instant,
    bytes: AtomicU64,
}

static NEXT: AtomicU64 = AtomicU64::new(1);

impl Exchange {
    pub(crate) fn new(log: Option<Arc<dyn WireLog>>, label: String) -> Exchange {
        let n = if log.is_some() {
            NEXT.fetch_add(1, Ordering::Relaxed)
        } else {
            0
        };
        Exchange {
            log,
            label,
            n,
            started: Instant::now(),
            bytes: AtomicU64::new(0),
        }
    }

    /// Whether anything is logged, and whether headers and bodies are.
    pub(crate) fn on(&self) -> Option<bool> {
        self.log.as_ref().map(|l| l.full())
    }

    pub(crate) fn sent(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&str>,
    ) {
        if let Some(log) = &self.log {
            log.record(&Record::Sent {
                n: self.n,
                label: &self.label,
                method,
                url,
                headers,
                body,
            });
        }
    }

    pub(crate) fn status(&self, status: u16, headers: &reqwest::header::HeaderMap) {
        let Some(log) = &self.log else { return };
        let request_id = REQUEST_ID_HEADERS
            .iter()
            .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()));
        let all: Vec<(String, String)> = if log.full() {
            headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        log.record(&Record::Status {
            n: self.n,
            status,
            after: self.started.elapsed(),
            request_id,
            headers: &all,
        });
    }

    /// `raw` bytes of body arrived; with `-vv` they are shown as `shown` gives them (scrubbed
    /// of the request's secrets).
    pub(crate) fn body(&self, raw: &[u8], shown: impl FnOnce(&[u8]) -> String) {
        let Some(log) = &self.log else { return };
        self.bytes.fetch_add(raw.len() as u64, Ordering::Relaxed);
        if log.full() {
            log.record(&Record::Body {
                n: self.n,
                bytes: shown(raw).as_bytes(),
            });
        }
    }

    pub(crate) fn done(&self) {
        if let Some(log) = &self.log {
            log.record(&Record::Done {
                n: self.n,
                after: self.started.elapsed(),
                bytes: self.bytes.load(Ordering::Relaxed),
            });
        }
    }

    pub(crate) fn failed(&self, error: &str) {
        if let Some(log) = &self.log {
            log.record(&Record::Failed {
                n: self.n,
                after: self.started.elapsed(),
                error,
            });
        }
    }
}

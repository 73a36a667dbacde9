//! The access log: one line per request on stderr — time, request id, wire, method and path,
//! the model asked for and the one that answered, status, attempts, latency, time to first
//! token, tokens and cost — as text or one JSON object a line. Never a prompt, an answer or a
//! credential; everything a client or server chose (paths, model names) is made safe for a
//! terminal.

use std::io::Write as _;
use std::time::Instant;

use hyper::Method;
use llmx_core::safe::{visible, Lines};
use serde_json::json;

use super::http::Ask;
use super::Server;
use crate::cli::LogFormat;

/// One request's line, filled in as the request goes.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub at: std::time::SystemTime,
    pub id: String,
    pub wire: &'static str,
    pub method: String,
    pub path: String,
    pub started: Instant,
    pub status: u16,
    pub asked: Option<String>,
    pub answered: Option<String>,
    pub attempts: Option<u32>,
    pub latency_ms: Option<u64>,
    pub ttft_ms: Option<u64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cost: Option<f64>,
    pub error: Option<String>,
    /// Written later, by whoever finishes the response (a stream, when it ends).
    pub deferred: bool,
}

impl Entry {
    pub fn new(ask: &Ask, method: &Method, path: &str) -> Entry {
        Entry {
            at: std::time::SystemTime::now(),
            id: ask.id.clone(),
            wire: "openai",
            method: method.to_string(),
            path: path.chars().take(200).collect(),
            started: ask.started,
            status: 0,
            asked: None,
            answered: None,
            attempts: None,
            latency_ms: None,
            ttft_ms: None,
            input_tokens: None,
            output_tokens: None,
            cost: None,
            error: None,
            deferred: false,
        }
    }

    /// The row's figures.
    pub fn fill(&mut self, row: &llmx_core::row::Row) {
        self.answered = Some(format!("{}/{}", row.provider, row.model_id));
        self.attempts = Some(row.attempts);
        self.latency_ms = row.latency_ms;
        self.ttft_ms = row.ttft_ms;
        self.input_tokens = row.input_tokens;
        self.output_tokens = row.output_tokens;
        self.cost = row.cost_usd;
        self.error = row.error_kind.map(|k| k.as_str().to_string());
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// The line as text; `total_ms` is the request's time from start to the end of its response.
pub(crate) fn text(e: &Entry, total_ms: u64) -> String {
    let safe = |s: &str| visible(s, Lines::Fold).replace(' ', "%20");
    let ms = |v: Option<u64>| v.map_or_else(|| "-".into(), |v| format!("{v}ms"));
    format!(
        "{} {} {} {} {} {} model={} answered={} attempts={} latency={} ttft={} tokens={}/{} cost={} total={}ms{}",
        llmx_core::clock::rfc3339(e.at),
        e.id,
        e.wire,
        e.method,
        safe(&e.path),
        e.status,
        e.asked.as_deref().map_or_else(|| "-".into(), safe),
        e.answered.as_deref().map_or_else(|| "-".into(), safe),
        opt(e.attempts),
        ms(e.latency_ms),
        ms(e.ttft_ms),
        opt(e.input_tokens),
        opt(e.output_tokens),
        e.cost.map_or_else(|| "unknown".into(), |c| llmx_core::row::usd(Some(c))),
        total_ms,
        e.error
            .as_deref()
            .map_or_else(String::new, |k| format!(" error={}", safe(k))),
    )
}

/// The line as one JSON object (control characters `\u`-escaped).
pub(crate) fn json_line(e: &Entry, total_ms: u64) -> String {
    let v = json!({
        "time": llmx_core::clock::rfc3339(e.at),
        "request_id": e.id,
        "wire": e.wire,
        "method": e.method,
        "path": e.path,
        "status": e.status,
        "model": e.asked,
        "answered_by": e.answered,
        "attempts": e.attempts,
        "latency_ms": e.latency_ms,
        "ttft_ms": e.ttft_ms,
        "input_tokens": e.input_tokens,
        "output_tokens": e.output_tokens,
        "cost_usd": e.cost,
        "total_ms": total_ms,
        "error": e.error,
    });
    llmx_core::safe::json_escape_controls(&v.to_string()).into_owned()
}

/// Lines waiting for the writer thread; past this, lines are dropped (and counted).
const QUEUE: usize = 10_000;

enum Msg {
    /// A request's entry and its total time, made into a line on the log's thread (not on the
    /// server's, where it would take a request's time).
    Line(Box<Entry>, u64),
    /// Answer once every line before it is written.
    Flush(std::sync::mpsc::Sender<()>),
}

/// The access log's writer: a thread of its own, so a stderr nobody reads (a paused pager, a
/// full pipe) never stops the server — lines queue, then are dropped and counted, and the log
/// says how many when it can write again.
pub(crate) struct AccessLog {
    tx: std::sync::mpsc::SyncSender<Msg>,
    dropped: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The writer thread, woken by a flush.
    thread: Option<std::thread::Thread>,
}

/// How long the writer lets lines gather before writing them (in one write). It sleeps through
/// it rather than waiting on the queue, so a request's line wakes no thread: on a busy server
/// that was a context switch per request.
const GATHER: std::time::Duration = std::time::Duration::from_millis(10);

impl AccessLog {
    pub fn start(format: LogFormat) -> AccessLog {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(QUEUE);
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let seen = dropped.clone();
        let thread = std::thread::Builder::new()
            .name("llmx-access-log".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let urgent = |m: &Msg| matches!(m, Msg::Flush(_));
                    let mut flushes = Vec::new();
                    let mut lines = Vec::new();
                    for m in llmx_core::gather::gather(first, &rx, GATHER, QUEUE, urgent) {
                        match m {
                            Msg::Line(e, total_ms) => lines.push((e, total_ms)),
                            Msg::Flush(done) => flushes.push(done),
                        }
                    }
                    let lost = seen.swap(0, std::sync::atomic::Ordering::Relaxed);
                    let mut out = String::new();
                    if lost > 0 {
                        out.push_str(&format!(
                            "note: {lost} access log line(s) dropped: stderr was not being read\n"
                        ));
                    }
                    for (e, total_ms) in lines {
                        out.push_str(&match format {
                            LogFormat::Text => text(&e, total_ms),
                            LogFormat::Json => json_line(&e, total_ms),
                        });
                        out.push('\n');
                    }
                    let _ = std::io::stderr().lock().write_all(out.as_bytes());
                    for done in flushes {
                        let _ = done.send(());
                    }
                }
            })
            .ok()
            .map(|h| h.thread().clone());
        AccessLog {
            tx,
            dropped,
            thread,
        }
    }

    fn send(&self, e: Entry) {
        let total_ms = e.started.elapsed().as_millis() as u64;
        if self.tx.try_send(Msg::Line(Box::new(e), total_ms)).is_err() {
            self.dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

impl AccessLog {
    /// Wait (a little, at most) until every line sent so far is written: before the server exits.
    pub fn flush(&self) {
        let (done, wait) = std::sync::mpsc::channel();
        let give_up = std::time::Instant::now() + std::time::Duration::from_secs(2);
        let mut msg = Msg::Flush(done);
        loop {
            match self.tx.try_send(msg) {
                Ok(()) => break,
                Err(std::sync::mpsc::TrySendError::Full(m))
                    if std::time::Instant::now() < give_up =>
                {
                    msg = m;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(_) => return,
            }
        }
        if let Some(t) = &self.thread {
            t.unpark();
        }
        let _ = wait.recv_timeout(give_up.saturating_duration_since(std::time::Instant::now()));
    }
}

/// Write `e` to the access log, unless it is off (`-q`).
pub(crate) fn write(server: &Server, e: Entry) {
    if let Some(log) = &server.log {
        log.send(e);
    }
}

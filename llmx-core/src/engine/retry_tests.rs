//! Retries, fallbacks, timeouts and the size cap against the mock server, on tokio's paused
//! clock: waits cost no real time, and the clock says how long llmx would have waited.
//!
//! The mock server runs on the test's own runtime and the client sets no timers of its own, so
//! the only timers are the ones under test (a pending timer fires as soon as the runtime idles).

use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use crate::engine::{self, Event, Fanout, FnSink, Job, Link};
use crate::provider::http::HttpClient;
use crate::provider::run::{call, CallLimits, CallOutcome, RetryPolicy, Target};
use crate::provider::{ChatRequest, Dialect, ErrorKind, Message, Registry};
use crate::row::Row;
use crate::secret::Secret;
use llmx_mock::{serve_with_log, MockConfig, Recorded};

type Log = std::sync::Arc<std::sync::Mutex<Vec<Recorded>>>;

/// Start the mock server on this runtime; its request log and base URL.
async fn server(config: Value) -> (Log, String) {
    let config: MockConfig = serde_json::from_value(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = Log::default();
    tokio::spawn(serve_with_log(
        listener,
        config,
        std::future::pending(),
        log.clone(),
    ));
    (log, url)
}

fn target(provider: &str, model: &str, url: &str) -> Target {
    let registry = Registry::builtin();
    let p = registry.get(provider).unwrap().clone();
    let base_url = match p.dialect {
        Dialect::OpenAi => format!("{url}/v1"),
        _ => url.to_string(),
    };
    Target {
        provider: p,
        model: model.into(),
        base_url,
        key: Some(Secret::new("sk-test-retry-0123456789")),
        aws: None,
        google: None,
    }
}

fn request(stream: bool) -> ChatRequest {
    ChatRequest {
        messages: vec![Message::user("hi")],
        stream,
        ..Default::default()
    }
}

/// No per-attempt timers unless a test sets one; retries as in the CLI's defaults.
fn limits() -> CallLimits {
    CallLimits {
        total: None,
        first_byte: None,
        stall: None,
        max_answer_bytes: 4 << 20,
        retry: RetryPolicy::default(),
    }
}

async fn ask(t: &Target, limits: CallLimits, stream: bool) -> CallOutcome {
    let transport = crate::provider::run::HttpTransport {
        client: HttpClient::untimed().unwrap(),
    };
    let mut req = request(stream);
    req.model = t.model.clone();
    call(&transport, t, &req, limits, &mut |_| {}).await
}

fn count(log: &Log, model: &str) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|r| r.json()["model"] == model || r.path.contains(model))
        .count()
}

#[tokio::test(start_paused = true)]
async fn rate_limit_waits_as_asked_then_succeeds() {
    let (log, url) = server(json!({"models": {"m": {"text": "fine",
        "failures": [{"kind": "status", "status": 429, "retry_after": "2"}]}}}))
    .await;
    let t0 = Instant::now();
    let out = ask(&target("openai", "m", &url), limits(), true).await;
    assert_eq!(out.error, None);
    assert_eq!(out.response.text, "fine");
    assert_eq!(out.attempts, 2);
    assert_eq!(count(&log, "m"), 2, "exactly two requests");
    assert!(
        t0.elapsed() >= Duration::from_secs(2),
        "waited {:?}",
        t0.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn anthropic_overloaded_529_is_retried() {
    let (log, url) = server(json!({"models": {"claude-x": {"text": "back",
        "failures": [{"kind": "status", "status": 529}]}}}))
    .await;
    let out = ask(&target("anthropic", "claude-x", &url), limits(), true).await;
    assert_eq!(out.error, None, "{:?}", out.error);
    assert_eq!(out.response.text, "back");
    assert_eq!((out.attempts, count(&log, "claude-x")), (2, 2));
}

fn job(links: &[(&str, &str)], url: &str) -> Job {
    Job {
        label: "chain".into(),
        links: links
            .iter()
            .map(|(p, m)| Link {
                target: target(p, m, url),
                preflight: None,
                notes: Vec::new(),
            })
            .collect(),
        request: request(true),
    }
}

/// Run one job through the engine: its row, and the events a sink saw, in order.
async fn run_with_events(j: Job, limits: CallLimits) -> (Row, Vec<String>) {
    let engine = crate::engine::tests::engine();
    let opts = engine::RunOptions {
        concurrency: None,
        limits,
        budget: None,
    };
    let mut seen = Vec::new();
    let mut sinks = Fanout::new();
    sinks.push(FnSink(|_at, ev: &Event<'_>| {
        seen.push(match ev {
            Event::RunStarted { jobs } => format!("run started ({} job)", jobs.len()),
            Event::AttemptStarted { link, attempt, .. } => format!("attempt {attempt} {link}"),
            Event::RetryScheduled { error, .. } => format!("retry after {}", error.kind.as_str()),
            Event::FellBack { from, to, .. } => format!("fell back {from} -> {to}"),
            Event::FirstToken { .. } => "first token".into(),
            Event::Delta { .. } => "delta".into(),
            Event::JobFinished { result, .. } => format!("finished {}", result.label),
            Event::RunFinished { results, .. } => format!("run finished ({})", results.len()),
        });
        Ok(())
    }));
    let outcome = engine
        .run(&[j], opts, &mut sinks, std::future::pending())
        .await;
    drop(sinks);
    let row = Row::project(&outcome.results[0], &crate::catalog::Catalog::embedded());
    seen.dedup();
    (row, seen)
}

async fn run_one(j: Job, limits: CallLimits) -> Row {
    run_with_events(j, limits).await.0
}

#[tokio::test(start_paused = true)]
async fn server_errors_exhaust_retries_then_the_fallback_answers() {
    let (log, url) = server(json!({"models": {
        "broken": {"failures": [
            {"kind": "status", "status": 500}, {"kind": "status", "status": 500},
            {"kind": "status", "status": 500}]},
        "backup": {"text": "from the backup", "input_tokens": 3, "output_tokens": 3}
    }}))
    .await;
    let (row, events) = run_with_events(
        job(&[("openai", "broken"), ("openai", "backup")], &url),
        limits(),
    )
    .await;
    assert_eq!(
        events,
        [
            "run started (1 job)",
            "attempt 1 openai/broken",
            "retry after server",
            "attempt 2 openai/broken",
            "retry after server",
            "attempt 3 openai/broken",
            "fell back openai/broken -> openai/backup",
            "attempt 1 openai/backup",
            "delta", // the model id the provider reports, before any text
            "first token",
            "delta",
            "finished chain",
            "run finished (1)"
        ]
    );
    assert_eq!(row.error, None, "{row:?}");
    assert_eq!(row.output, "from the backup");
    assert_eq!(row.model_id, "backup");
    assert_eq!(
        row.attempts, 4,
        "three tries of the broken model, one of the backup"
    );
    let from = row.fallback_from.unwrap();
    assert!(
        from.starts_with("openai/broken (") && from.contains("500"),
        "{from}"
    );
    assert_eq!((count(&log, "broken"), count(&log, "backup")), (3, 1));
}

#[tokio::test(start_paused = true)]
async fn auth_errors_are_not_retried_but_fall_back() {
    let (log, url) = server(json!({"models": {
        "locked": {"failures": [{"kind": "status", "status": 401}]},
        "open": {"text": "ok"}
    }}))
    .await;
    let t0 = Instant::now();
    let row = run_one(
        job(&[("anthropic", "locked"), ("openai", "open")], &url),
        limits(),
    )
    .await;
    assert_eq!(row.output, "ok");
    assert_eq!(row.provider, "openai");
    assert_eq!(row.attempts, 2);
    assert_eq!((count(&log, "locked"), count(&log, "open")), (1, 1));
    assert!(
        t0.elapsed() < Duration::from_millis(100),
        "no backoff before a fallback"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stream_cut_after_content_is_neither_retried_nor_fallen_back_from() {
    let (log, url) = server(json!({"models": {
        "flaky": {"text": "partial answer here", "chunk_chars": 4,
                  "failures": [{"kind": "cut_after", "chunks": 2}]},
        "other": {"text": "other"}
    }}))
    .await;
    let row = run_one(
        job(&[("openai", "flaky"), ("openai", "other")], &url),
        limits(),
    )
    .await;
    assert_eq!(row.error_kind, Some(ErrorKind::Network));
    assert!(row.error.as_deref().unwrap().contains("stream cut"));
    assert_eq!(row.output, "partial ", "what arrived is kept");
    assert_eq!(row.attempts, 1);
    assert_eq!((count(&log, "flaky"), count(&log, "other")), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn a_stalled_stream_times_out() {
    let (_log, url) = server(json!({"models": {"slowpoke": {"text": "one two three",
        "chunk_chars": 4, "failures": [{"kind": "stall", "after_chunks": 1}]}}}))
    .await;
    let mut l = limits();
    l.stall = Some(Duration::from_secs(30));
    l.retry.retries = 0;
    let t0 = Instant::now();
    let out = ask(&target("openai", "slowpoke", &url), l, true).await;
    let e = out.error.expect("stalled");
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert!(
        e.message.starts_with("stream stalled: no data for 30s"),
        "{}",
        e.message
    );
    assert!(t0.elapsed() >= Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn an_oversized_answer_is_cut_with_a_marker() {
    let big = "x".repeat(5000);
    let (_log, url) =
        server(json!({"models": {"chatty": {"text": big, "chunk_chars": 100}}})).await;
    let mut l = limits();
    l.max_answer_bytes = 1000;
    for stream in [true, false] {
        let out = ask(&target("openai", "chatty", &url), l, stream).await;
        let e = out.error.expect("cut");
        assert_eq!(e.kind, ErrorKind::TooLarge, "stream={stream}");
        assert!(
            out.response.text.ends_with("[llmx: answer cut at 0.0 MiB]"),
            "{}",
            &out.response.text[out.response.text.len() - 40..]
        );
        assert!(out.response.text.len() <= 1000 + 40);
        assert_eq!(out.attempts, 1, "a cut answer is not retried");
    }
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_the_wait_budget() {
    let (log, url) = server(json!({"models": {"m": {"failures": [
        {"kind": "status", "status": 429, "retry_after": "120"}]}}}))
    .await;
    let out = ask(&target("openai", "m", &url), limits(), true).await;
    let e = out.error.unwrap();
    assert_eq!(e.kind, ErrorKind::RateLimit);
    assert!(e.message.contains("retry budget"), "{}", e.message);
    assert_eq!(count(&log, "m"), 1);
}

/// Timing columns mean one thing each: `ttft_ms`/`latency_ms` are the answering attempt's,
/// `total_ms` runs from the first send to the end, the failed attempt and the wait included.
#[tokio::test(start_paused = true)]
async fn a_retried_row_times_the_attempt_that_answered() {
    let (_log, url) = server(json!({"models": {"m": {"text": "fine", "ttft_ms": 100,
        "failures": [{"kind": "status", "status": 429, "retry_after": "2"}]}}}))
    .await;
    let row = run_one(job(&[("openai", "m")], &url), limits()).await;
    assert_eq!(row.error, None);
    assert_eq!(row.attempts, 2);
    assert_eq!(
        row.ttft_ms,
        Some(100),
        "not 2100: the wait is not time to first token"
    );
    assert_eq!(row.latency_ms, Some(100));
    assert_eq!(row.total_ms, Some(2100));
}

#[tokio::test(start_paused = true)]
async fn a_fallback_row_counts_the_whole_chain_in_total_ms() {
    let (_log, url) = server(json!({"models": {
        "slow-broken": {"header_delay_ms": 300, "failures": [{"kind": "status", "status": 500}]},
        "backup": {"text": "from the backup", "ttft_ms": 50}
    }}))
    .await;
    let mut l = limits();
    l.retry.retries = 0;
    let row = run_one(
        job(&[("openai", "slow-broken"), ("openai", "backup")], &url),
        l,
    )
    .await;
    assert_eq!(row.error, None);
    assert!(row.fallback_from.is_some());
    assert_eq!((row.ttft_ms, row.latency_ms), (Some(50), Some(50)));
    assert_eq!(
        row.total_ms,
        Some(350),
        "the failed link's 300 ms count in the total"
    );
}

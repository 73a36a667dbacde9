//! What real servers do that a tidy mock would not, scripted in the mock server: llama.cpp's
//! empty 200 stream and its one-stream-at-a-time interruptions, gateways' JSON answers to
//! streamed requests, clean `stop`s with no text, zero or missing usage, cost and retry advice
//! in headers. Each test asserts what the row says.

use serde_json::{json, Value};

use crate::support::*;

/// A world whose built-in `llamacpp` provider (no key) points at the mock server.
fn llamacpp(config: Value) -> World {
    let mut w = World::with_server(config);
    let url = w.requests_url();
    w.set("LLMX_LLAMACPP_BASE_URL", &format!("{url}/v1"));
    w
}

fn json_rows(w: &World, args: &[&str]) -> (i32, Vec<Value>) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = w.run(&all);
    assert!(out.stderr.len() < 10_000, "{out:?}");
    let rows = out.json().as_array().cloned().expect("json rows");
    (out.code, rows)
}

const OVER_CONTEXT: &str = "Requested tokens (3000) exceed context window of 2048";

#[test]
fn an_empty_200_stream_is_asked_again_unstreamed_for_the_servers_reason() {
    let w = llamacpp(json!({"models": {"smollm2": {"failures": [
        {"kind": "empty_stream"},
        {"kind": "status", "status": 400, "message": OVER_CONTEXT}
    ]}}}));
    let (code, rows) = json_rows(&w, &["compare", "-m", "llamacpp/smollm2", "-p", "long"]);
    assert_eq!(code, 1);
    let r = &rows[0];
    assert_eq!(r["error_kind"], "bad_request", "{r}");
    assert_eq!(
        r["error"],
        format!(
            "the server sent an empty stream; asked again without streaming, it said: HTTP 400: {OVER_CONTEXT}"
        )
    );
    assert_eq!(r["attempts"], 2);
    let reqs = w.requests();
    assert_eq!(
        reqs.len(),
        2,
        "one streamed request, one unstreamed; no retries"
    );
    assert_eq!(reqs[0].json()["stream"], true);
    assert_eq!(reqs[1].json().get("stream"), None);
}

#[test]
fn an_empty_stream_whose_unstreamed_answer_arrives_is_that_answer() {
    let w = llamacpp(json!({"models": {"smollm2": {"text": "Hello there.",
        "failures": [{"kind": "empty_stream"}]}}}));
    let (code, rows) = json_rows(&w, &["compare", "-m", "llamacpp/smollm2", "-p", "hi"]);
    assert_eq!(code, 0);
    let r = &rows[0];
    assert_eq!(r["output"], "Hello there.");
    assert_eq!(r["attempts"], 2);
    assert_eq!(r["ttft_ms"], Value::Null, "nothing streamed: TTFT unknown");
    assert!(r["latency_ms"].is_u64());
}

#[test]
fn an_empty_stream_and_an_empty_answer_is_an_empty_failure() {
    let w = llamacpp(json!({"models": {"smollm2": {"failures": [
        {"kind": "empty_stream"}, {"kind": "empty_stream"}
    ]}}}));
    let (code, rows) = json_rows(&w, &["compare", "-m", "llamacpp/smollm2", "-p", "hi"]);
    assert_eq!(code, 1);
    assert_eq!(rows[0]["error_kind"], "empty");
    assert_eq!(w.requests().len(), 2);
}

#[test]
fn a_json_body_to_a_streamed_request_is_read_as_a_whole_answer() {
    let w = World::with_server(json!({"models": {"gw": {"text": "The whole answer.",
        "ignore_stream": true, "input_tokens": 7, "output_tokens": 3}}}));
    let (code, rows) = json_rows(&w, &["compare", "-m", "openai/gw", "-p", "hi"]);
    assert_eq!(code, 0, "{rows:?}");
    let r = &rows[0];
    assert_eq!(r["output"], "The whole answer.");
    assert_eq!(
        (r["input_tokens"].clone(), r["output_tokens"].clone()),
        (json!(7), json!(3))
    );
    assert_eq!(r["tokens_estimated"], false);
    assert_eq!(r["ttft_ms"], Value::Null, "TTFT unknown, not invented");
    assert_eq!(r["attempts"], 1);
    assert_eq!(w.requests().len(), 1);
    assert_eq!(w.requests()[0].json()["stream"], true);

    // `ask` streams it to stdout all the same.
    let out = w.run(&["ask", "-m", "openai/gw", "hi"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.trim_end(), "The whole answer.");
}

#[test]
fn a_clean_stop_with_no_text_is_an_empty_failure_counted_in_the_exit_code() {
    let w = World::with_server(json!({"models": {
        "gw": {"text": ""},
        "claude-x": {"text": "", "output_tokens": 0}
    }}));
    let (code, rows) = json_rows(
        &w,
        &["compare", "-m", "openai/gw,anthropic/claude-x", "-p", "hi"],
    );
    assert_eq!(code, 1);
    assert_eq!(rows[0]["error_kind"], "empty");
    assert_eq!(
        rows[0]["error"],
        "the server answered with no text (finish reason: stop, 0 output tokens reported)"
    );
    assert_eq!(rows[1]["error_kind"], "empty");
    assert_eq!(
        rows[1]["error"],
        "the server answered with no text (finish reason: end_turn, 0 output tokens reported)"
    );
    let table = w.run(&["compare", "-m", "openai/gw", "-p", "hi"]);
    assert_eq!(table.code, 1);
    assert!(table.stdout.contains("failed: the server"), "{table:?}");
    assert!(table.stdout.contains("0 ok, 1 failed"), "{table:?}");
}

/// 16 words of answer with `input_tokens: 0, output_tokens: 0` reported: the counts are
/// estimated, marked, and the priced model's cost is an estimate — never a computed $0.
#[test]
fn zero_usage_beside_an_answer_is_estimated_never_free() {
    let text = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen";
    let w = World::with_server(json!({"models": {"gpt-4o-mini": {"text": text,
        "input_tokens": 0, "output_tokens": 0}}}));
    let (code, rows) = json_rows(
        &w,
        &[
            "compare",
            "-m",
            "openai/gpt-4o-mini",
            "-p",
            "Count to sixteen",
        ],
    );
    assert_eq!(code, 0);
    let r = &rows[0];
    // Sixteen words, four of them longer than six letters.
    assert_eq!(r["output_tokens"], 20, "an estimate from the text");
    assert_eq!(r["input_tokens"], 3 + 4 + 4);
    assert_eq!(r["tokens_estimated"], true);
    assert_eq!(r["cost_estimated"], true);
    let cost = r["cost_usd"].as_f64().expect("a cost");
    // gpt-4o-mini: $0.15 in, $0.60 out per million.
    assert!(
        (cost - (11.0 * 0.15 + 20.0 * 0.60) / 1e6).abs() < 1e-12,
        "{cost}"
    );

    let table = w.run(&[
        "compare",
        "-m",
        "openai/gpt-4o-mini",
        "-p",
        "Count to sixteen",
    ]);
    assert!(table.stdout.contains("~11"), "{table:?}");
    assert!(table.stdout.contains("~20"), "{table:?}");
    assert!(
        table.stdout.contains("total cost ~$0.000014 estimated"),
        "{table:?}"
    );
}

#[test]
fn a_stream_with_no_usage_gets_estimates_marked_as_such() {
    let w = llamacpp(
        json!({"models": {"smollm2": {"text": "Paris is the capital of France.",
        "no_usage": true, "chunk_delay_ms": 5}}}),
    );
    let (code, rows) = json_rows(
        &w,
        &[
            "compare",
            "-m",
            "llamacpp/smollm2",
            "-p",
            "Capital of France?",
        ],
    );
    assert_eq!(code, 0);
    let r = &rows[0];
    assert_eq!(r["output_tokens"], 8);
    assert_eq!(r["input_tokens"], 3 + 4 + 5);
    assert_eq!(r["tokens_estimated"], true);
    assert!(r["tokens_per_s"].as_f64().is_some_and(|t| t > 0.0), "{r}");
    assert_eq!(r["cost_usd"], Value::Null, "a local model has no price");

    let csv = w.run(&[
        "compare",
        "-m",
        "llamacpp/smollm2",
        "-p",
        "Capital of France?",
        "--format",
        "csv",
    ]);
    let (headers, rows) = read_csv(&csv.stdout);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(rows[0][col("tokens_estimated")], "true");
    assert_eq!(rows[0][col("output_tokens")], "8");

    let table = w.run(&[
        "compare",
        "-m",
        "llamacpp/smollm2",
        "-p",
        "Capital of France?",
    ]);
    assert!(table.stdout.contains("~8"), "{table:?}");
    assert!(
        table.stdout.contains("total cost unknown (1 unpriced)"),
        "{table:?}"
    );
    let md = w.run(&[
        "compare",
        "-m",
        "llamacpp/smollm2",
        "-p",
        "Capital?",
        "--format",
        "markdown",
    ]);
    assert!(md.stdout.contains("| llamacpp/smollm2 |"), "{md:?}");
    assert!(
        !md.stdout.contains("(llamacpp/smollm2)"),
        "the name once: {md:?}"
    );
}

#[test]
fn a_retried_row_reports_the_answering_attempt_and_the_whole_in_total_ms() {
    let w = World::with_server(json!({"models": {"m": {"text": "fine",
        "failures": [{"kind": "status", "status": 429, "retry_after": "1"}]}}}));
    let (code, rows) = json_rows(&w, &["compare", "-m", "openai/m", "-p", "hi"]);
    assert_eq!(code, 0);
    let r = &rows[0];
    assert_eq!(r["attempts"], 2);
    let (ttft, latency, total) = (
        r["ttft_ms"].as_u64().unwrap(),
        r["latency_ms"].as_u64().unwrap(),
        r["total_ms"].as_u64().unwrap(),
    );
    assert!(ttft <= latency);
    assert!(
        total >= latency + 1000,
        "total {total} holds the 1 s wait, latency {latency} does not"
    );
}

#[test]
fn a_fallback_row_has_a_latency_and_a_total_for_the_chain() {
    let w = World::with_server(json!({"models": {
        "down": {"header_delay_ms": 300, "failures": [{"kind": "status", "status": 500}]},
        "up": {"text": "from the backup"}
    }}));
    let (code, rows) = json_rows(
        &w,
        &[
            "compare",
            "-m",
            "openai/down|openai/up",
            "-p",
            "hi",
            "--retries",
            "0",
        ],
    );
    assert_eq!(code, 0, "{rows:?}");
    let r = &rows[0];
    assert_eq!(r["output"], "from the backup");
    let latency = r["latency_ms"].as_u64().unwrap();
    let total = r["total_ms"].as_u64().unwrap();
    assert!(total >= latency + 300, "latency {latency}, total {total}");
}

fn one_stream_server(concurrency: Option<u32>) -> World {
    let mut w = World::with_server(json!({
        "single_stream": true,
        "default": {"text": "a long answer that streams for a while", "chunk_chars": 2,
                    "chunk_delay_ms": 40}
    }));
    let url = w.requests_url();
    let limit = concurrency
        .map(|n| format!("concurrency = {n}\n"))
        .unwrap_or_default();
    w.config(&format!(
        "[providers.box]\ndialect = \"openai\"\nbase_url = \"{url}/v1\"\n{limit}"
    ));
    w
}

#[test]
fn a_stream_cut_by_a_second_request_says_so_and_the_limit_fixes_it() {
    let w = one_stream_server(None);
    let (code, rows) = json_rows(&w, &["compare", "-m", "box/a,box/b", "-p", "hi"]);
    assert_eq!(code, 1, "{rows:?}");
    let cut: Vec<&Value> = rows.iter().filter(|r| r["error"].is_string()).collect();
    assert_eq!(cut.len(), 1, "{rows:?}");
    assert_eq!(cut[0]["error_kind"], "network");
    let msg = cut[0]["error"].as_str().unwrap();
    assert!(msg.starts_with("stream cut"), "{msg}");
    assert!(
        msg.contains("another request to the same server was in flight")
            && msg.contains("set `concurrency = 1` under [providers.box]"),
        "{msg}"
    );

    let w = one_stream_server(Some(1));
    let (code, rows) = json_rows(&w, &["compare", "-m", "box/a,box/b", "-p", "hi"]);
    assert_eq!(code, 0, "{rows:?}");
    for r in &rows {
        assert_eq!(r["output"], "a long answer that streams for a while");
    }
}

#[test]
fn a_built_in_provider_takes_a_concurrency_limit_too() {
    let mut w = World::with_server(json!({
        "single_stream": true,
        "default": {"text": "streams a while", "chunk_chars": 3, "chunk_delay_ms": 20}
    }));
    let url = w.requests_url();
    w.set("LLMX_LLAMACPP_BASE_URL", &format!("{url}/v1"));
    w.config("[providers.llamacpp]\nconcurrency = 1\n");
    let (code, rows) = json_rows(
        &w,
        &[
            "compare",
            "-m",
            "llamacpp/a,llamacpp/b,llamacpp/c",
            "-p",
            "hi",
        ],
    );
    assert_eq!(code, 0, "{rows:?}");
    assert_eq!(w.requests().len(), 3);
}

#[test]
fn a_gateways_cost_header_is_the_rows_cost() {
    let w = World::with_server(json!({"models": {
        "gw": {"text": "priced by the gateway", "headers": {"x-litellm-response-cost": "0.00000122"}}
    }}));
    let (code, rows) = json_rows(&w, &["compare", "-m", "openai/gw", "-p", "hi"]);
    assert_eq!(code, 0);
    assert_eq!(rows[0]["cost_usd"], json!(0.00000122));
    assert_eq!(rows[0]["cost_estimated"], false);
    let raw = w.run(&[
        "compare",
        "-m",
        "openai/gw",
        "-p",
        "hi",
        "--format",
        "jsonl",
    ]);
    assert!(
        raw.stdout.contains("\"cost_usd\":0.00000122,"),
        "no exponent: {raw:?}"
    );
    let csv = w.run(&["compare", "-m", "openai/gw", "-p", "hi", "--format", "csv"]);
    assert!(csv.stdout.contains(",0.00000122,"), "no exponent: {csv:?}");
}

#[test]
fn x_should_retry_is_honoured_both_ways() {
    let w = World::with_server(json!({"models": {
        "final": {"headers": {"x-should-retry": "false"},
                  "failures": [{"kind": "status", "status": 500}, {"kind": "status", "status": 500}]},
        "again": {"text": "second time lucky", "headers": {"x-should-retry": "true"},
                  "failures": [{"kind": "status", "status": 400}]}
    }}));
    let (code, rows) = json_rows(
        &w,
        &["compare", "-m", "openai/final,openai/again", "-p", "hi"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        (rows[0]["error_kind"].clone(), rows[0]["attempts"].clone()),
        (json!("server"), json!(1))
    );
    assert_eq!(rows[1]["output"], "second time lucky");
    assert_eq!(rows[1]["attempts"], 2);
}

#[test]
fn files_keep_the_whole_error_and_the_table_summarises_it_then_shows_it_below() {
    let long = format!("upstream said: {}end", "detail ".repeat(150));
    let w = World::with_server(json!({"models": {"m": {"failures": [
        {"kind": "status", "status": 400, "message": long},
        {"kind": "status", "status": 400, "message": long}
    ]}}}));
    let (_, rows) = json_rows(&w, &["compare", "-m", "openai/m", "-p", "hi"]);
    let err = rows[0]["error"].as_str().unwrap();
    assert_eq!(err, format!("HTTP 400: {}", long.trim_end()));
    let table = w.run(&["compare", "-m", "openai/m", "-p", "hi"]);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(
        lines[1].starts_with("openai/m") && lines[1].contains("failed: bad request"),
        "the row has the kind: {table:?}"
    );
    let below = lines[2..].join(" ");
    let words = below.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains(&format!(
            "* openai/m: failed: HTTP 400: {}",
            long.trim_end()
        )),
        "the whole error is below: {table:?}"
    );
    assert!(lines.iter().all(|l| l.chars().count() <= 120), "{table:?}");
}

/// Gemini's streaming endpoint answers a JSON array when the server ignores `alt=sse`: the real
/// recording in `tests/fixtures/real/gemini/stream_json_array.json`, replayed verbatim.
#[test]
fn a_json_array_to_a_gemini_stream_request_is_read_as_the_stream_it_holds() {
    let file = format!(
        "{}/tests/fixtures/real/gemini/stream_json_array.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let w = World::with_server(json!({"replays": [{
        "path": "/v1beta/models/gemini-3.6-flash:streamGenerateContent", "file": file
    }]}));
    let (code, rows) = json_rows(
        &w,
        &["compare", "-m", "gemini/gemini-3.6-flash", "-p", "hi"],
    );
    assert_eq!(code, 0, "{rows:?}");
    let r = &rows[0];
    assert_eq!(r["output"], "Scoop");
    assert_eq!(
        (r["input_tokens"].clone(), r["output_tokens"].clone()),
        (json!(11), json!(293))
    );
    assert_eq!(r["reasoning_tokens"], 291);
    assert_eq!(r["tokens_estimated"], false);
    assert_eq!(r["ttft_ms"], Value::Null);
    assert_eq!(r["finish_reason"], "stop");
}

/// A real llama.cpp server past its context window sends an empty 200 stream and leaves the
/// connection broken: the unstreamed probe goes on a new connection, so the row takes two
/// attempts, not three.
#[test]
fn the_probe_after_an_empty_stream_goes_on_a_new_connection() {
    let w = llamacpp(json!({"models": {"smollm2": {"text": "Hello there.",
        "failures": [{"kind": "empty_stream_broken"}]}}}));
    let (code, rows) = json_rows(&w, &["compare", "-m", "llamacpp/smollm2", "-p", "hi"]);
    assert_eq!(code, 0, "{rows:?}");
    assert_eq!(rows[0]["output"], "Hello there.");
    assert_eq!(rows[0]["attempts"], 2, "{}", rows[0]);
}

/// A 400 whose body drips slower than --ttfb-timeout: the status came with the head, so the
/// row is a bad request (not a timeout) and is not retried.
#[test]
fn a_slow_error_body_is_its_status_not_a_timeout() {
    let w = World::with_server(json!({"models": {"m": {"failures": [
        {"kind": "slow_status", "status": 400, "drip_ms": 15}
    ]}}}));
    let (code, rows) = json_rows(
        &w,
        &[
            "compare",
            "-m",
            "openai/m",
            "-p",
            "hi",
            "--ttfb-timeout",
            "0.5",
        ],
    );
    assert_eq!(code, 1);
    let r = &rows[0];
    assert_eq!(r["error_kind"], "bad_request", "{r}");
    assert_eq!(r["attempts"], 1, "{r}");
    assert_eq!(w.requests().len(), 1);
}

/// Limits are shown as they were given: half a second is 0.5s, not 0s.
#[test]
fn a_fractional_timeout_is_shown_as_given() {
    let w = World::with_server(json!({"models": {"slow": {"text": "late", "ttft_ms": 3000}}}));
    let (_, rows) = json_rows(
        &w,
        &[
            "compare",
            "-m",
            "openai/slow",
            "-p",
            "hi",
            "--timeout",
            "0.5",
            "--retries",
            "0",
        ],
    );
    let err = rows[0]["error"].as_str().unwrap().to_string();
    assert!(err.contains("no complete answer within 0.5s"), "{err}");
}

//! `llmx compare` end to end: three dialects at once, every format, rows in order, failures in
//! their row, Ctrl-C.

use serde_json::{json, Value};

use crate::support::*;

const CLAUDE_TEXT: &str = "Paris, \"la Ville Lumière\",\nis the capital.";

/// Three models, one per dialect, with distinct scripted first-token delays and usage.
fn three_dialects() -> World {
    World::with_server(json!({
        "models": {
            "gpt-5.4-mini": {
                "text": "Paris is the capital of France.",
                "input_tokens": 20, "output_tokens": 8, "cached_tokens": 4,
                "ttft_ms": 30, "chunk_delay_ms": 2
            },
            "claude-sonnet-5-5": {
                "text": CLAUDE_TEXT,
                "input_tokens": 1000, "output_tokens": 50, "cached_tokens": 200,
                "model_id": "claude-sonnet-5-5-20261015",
                "ttft_ms": 150, "chunk_delay_ms": 2
            },
            "gemini-3.7-flash": {
                "text": "The capital of France is Paris.",
                "input_tokens": 40, "output_tokens": 30, "reasoning_tokens": 12,
                "ttft_ms": 80, "chunk_delay_ms": 2
            }
        }
    }))
}

const MODELS: &str = "gpt,claude,gemini";

/// Costs from the catalog's prices ($/M), which the aliases resolve to: gpt-5.4-mini 0.75 in,
/// 0.075 cached, 4.50 out; claude-sonnet-5-5 (priced as claude-sonnet-5) 3 in, 0.30 cache read,
/// 15 out; gemini-3.7-flash 0.75 in, 3.75 out (thoughts billed as output).
const GPT_COST: f64 = (16.0 * 0.75 + 4.0 * 0.075 + 8.0 * 4.5) / 1e6;
const CLAUDE_COST: f64 = (800.0 * 3.0 + 200.0 * 0.3 + 50.0 * 15.0) / 1e6;
const GEMINI_COST: f64 = (40.0 * 0.75 + 30.0 * 3.75) / 1e6;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn three_dialects_json_exact_usage_and_cost() {
    let w = three_dialects();
    let out = w.run(&[
        "compare",
        "-m",
        MODELS,
        "-p",
        "What is the capital of France?",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stderr, "",
        "nothing on stderr when it is not a terminal"
    );
    let rows = out.json();
    let rows = rows.as_array().expect("array");
    let labels: Vec<&str> = rows.iter().map(|r| r["model"].as_str().unwrap()).collect();
    assert_eq!(labels, ["gpt", "claude", "gemini"]);

    let gpt = &rows[0];
    assert_eq!(gpt["provider"], "openai");
    assert_eq!(gpt["model_id"], "gpt-5.4-mini");
    assert_eq!(gpt["output"], "Paris is the capital of France.");
    assert_eq!(
        (gpt["input_tokens"].as_u64(), gpt["output_tokens"].as_u64()),
        (Some(20), Some(8))
    );
    assert_eq!(gpt["cached_tokens"], 4);
    assert!(
        close(gpt["cost_usd"].as_f64().unwrap(), GPT_COST),
        "{}",
        gpt["cost_usd"]
    );
    assert_eq!(gpt["finish_reason"], "stop");
    assert_eq!(gpt["error"], Value::Null);

    let claude = &rows[1];
    assert_eq!(claude["provider"], "anthropic");
    assert_eq!(
        claude["model_id"], "claude-sonnet-5-5-20261015",
        "the id the provider reports"
    );
    assert_eq!(claude["output"], CLAUDE_TEXT);
    assert_eq!(
        (
            claude["input_tokens"].as_u64(),
            claude["output_tokens"].as_u64()
        ),
        (Some(1000), Some(50))
    );
    assert_eq!(claude["cached_tokens"], 200);
    assert!(
        close(claude["cost_usd"].as_f64().unwrap(), CLAUDE_COST),
        "{}",
        claude["cost_usd"]
    );

    let gemini = &rows[2];
    assert_eq!(gemini["provider"], "gemini");
    assert_eq!(
        (
            gemini["input_tokens"].as_u64(),
            gemini["output_tokens"].as_u64()
        ),
        (Some(40), Some(30))
    );
    assert_eq!(gemini["reasoning_tokens"], 12);
    assert!(
        close(gemini["cost_usd"].as_f64().unwrap(), GEMINI_COST),
        "{}",
        gemini["cost_usd"]
    );

    // Timing: plausible and ordered as scripted, never exact.
    for (row, scripted) in [(gpt, 30), (claude, 150), (gemini, 80)] {
        let ttft = row["ttft_ms"].as_u64().expect("ttft");
        let latency = row["latency_ms"].as_u64().expect("latency");
        assert!(ttft >= scripted, "ttft {ttft} < scripted {scripted}");
        assert!(latency >= ttft, "latency {latency} < ttft {ttft}");
        assert!(latency < 10_000, "latency {latency}");
        assert!(
            row["tokens_per_s"].as_f64().is_some_and(|t| t > 0.0),
            "{row}"
        );
    }
    let t = |r: &Value| r["ttft_ms"].as_u64().unwrap();
    assert!(t(gpt) < t(gemini) && t(gemini) < t(claude));
}

#[test]
fn each_dialect_receives_its_documented_request() {
    let w = three_dialects();
    let out = w.run(&[
        "compare",
        "-m",
        MODELS,
        "-p",
        "Capital of France?",
        "--system",
        "Be brief.",
        "--temperature",
        "0.3",
        "--max-tokens",
        "64",
        "-q",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let reqs = w.requests();
    assert_eq!(reqs.len(), 3, "one request per model");
    let find = |prefix: &str| {
        reqs.iter()
            .find(|r| r.path.starts_with(prefix))
            .unwrap_or_else(|| {
                panic!(
                    "no request to {prefix}: {:?}",
                    reqs.iter().map(|r| &r.path).collect::<Vec<_>>()
                )
            })
    };

    let openai = find("/v1/chat/completions");
    assert_eq!(openai.method, "POST");
    assert_eq!(
        openai.header("authorization"),
        Some(format!("Bearer {OPENAI_KEY}").as_str())
    );
    assert_eq!(
        openai.json(),
        json!({
            "model": "gpt-5.4-mini",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Capital of France?"}
            ],
            "temperature": 0.3,
            "max_completion_tokens": 64,
            "stream": true,
            "stream_options": {"include_usage": true}
        })
    );

    let anthropic = find("/v1/messages");
    assert_eq!(anthropic.header("x-api-key"), Some(ANTHROPIC_KEY));
    assert_eq!(anthropic.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(anthropic.header("authorization"), None);
    let body = anthropic.json();
    assert_eq!(body["model"], "claude-sonnet-5-5");
    assert_eq!(body["system"], "Be brief.");
    assert_eq!(body["max_tokens"], 64);
    assert_eq!(body["temperature"], 0.3);
    assert_eq!(body["stream"], true);
    assert_eq!(body["messages"][0]["role"], "user");

    let gemini = find("/v1beta/models/gemini-3.7-flash:streamGenerateContent");
    assert_eq!(
        gemini.path,
        "/v1beta/models/gemini-3.7-flash:streamGenerateContent?alt=sse"
    );
    assert!(
        !gemini.path.contains("key="),
        "the key never goes in the URL"
    );
    assert_eq!(gemini.header("x-goog-api-key"), Some(GEMINI_KEY));
    let body = gemini.json();
    assert_eq!(body["systemInstruction"]["parts"][0]["text"], "Be brief.");
    assert_eq!(
        body["contents"][0]["parts"][0]["text"],
        "Capital of France?"
    );
    assert_eq!(body["generationConfig"]["maxOutputTokens"], 64);
    assert_eq!(body["generationConfig"]["temperature"], 0.3);
}

#[test]
fn csv_round_trips_through_a_csv_reader() {
    let w = three_dialects();
    let out = w.run(&["compare", "-m", MODELS, "-p", "Capital?", "--format", "csv"]);
    assert_eq!(out.code, 0, "{out:?}");
    let (headers, rows) = read_csv(&out.stdout);
    assert_eq!(
        headers,
        [
            "model",
            "provider",
            "model_id",
            "output",
            "tool_calls",
            "latency_ms",
            "ttft_ms",
            "total_ms",
            "input_tokens",
            "output_tokens",
            "cached_tokens",
            "reasoning_tokens",
            "tokens_estimated",
            "tokens_per_s",
            "cost_usd",
            "cost_estimated",
            "finish_reason",
            "error",
            "error_kind",
            "attempts",
            "fallback_from",
            "notes"
        ]
    );
    assert_eq!(rows.len(), 3);
    // Rows are written as each model finishes, so find claude's by name.
    let claude = rows.iter().find(|r| r[0] == "claude").expect("claude row");
    assert_eq!(
        claude[3], CLAUDE_TEXT,
        "commas, quotes and newlines survive"
    );
    assert_eq!(claude[4], "[]", "no tool calls");
    assert_eq!(claude[8..13], ["1000", "50", "200", "0", "false"]);
    assert!(close(claude[14].parse().unwrap(), CLAUDE_COST));
    assert_eq!(claude[15], "false", "cost from reported counts");
    assert_eq!(claude[17], "", "no error");
    assert_eq!(claude[21], "[]", "no notes");
}

/// JSONL (like CSV) is written a line at a time as each model finishes: gpt answers after 30 ms,
/// gemini after 80 ms, claude after 150 ms.
#[test]
fn jsonl_is_one_object_per_line_as_each_model_finishes() {
    let w = three_dialects();
    let out = w.run(&[
        "compare", "-m", MODELS, "-p", "Capital?", "--format", "jsonl",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 3);
    let order: Vec<&str> = lines.iter().map(|l| l["model"].as_str().unwrap()).collect();
    assert_eq!(order, ["gpt", "gemini", "claude"], "finish order");
    assert_eq!(lines[1]["output_tokens"], 30);
}

#[test]
fn markdown_is_a_github_table() {
    let w = three_dialects();
    let out = w.run(&[
        "compare", "-m", MODELS, "-p", "Capital?", "--format", "markdown",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("| Model |"), "{}", lines[0]);
    assert!(
        lines[1].starts_with("|---") || lines[1].starts_with("| ---") || lines[1].starts_with("|:"),
        "{}",
        lines[1]
    );
    let body: Vec<&&str> = lines
        .iter()
        .filter(|l| {
            l.starts_with("| gpt") || l.starts_with("| claude") || l.starts_with("| gemini")
        })
        .collect();
    assert_eq!(body.len(), 3, "{}", out.stdout);
    assert!(
        body[1].contains("Paris, \"la Ville Lumière\",<br>is the capital."),
        "{}",
        body[1]
    );
}

#[test]
fn table_shows_every_model_and_the_total() {
    let w = three_dialects();
    let out = w.run(&["compare", "-m", MODELS, "-p", "Capital?"]);
    assert_eq!(out.code, 0, "{out:?}");
    let t = &out.stdout;
    for needle in [
        "Model",
        "gpt · openai/gpt-5.4-mini",
        "Paris, \"la Ville Lumière\",",
        "Latency",
        "TTFT",
        "Cost",
        "Status",
        "gpt",
        "claude",
        "gemini",
        "$0.003210",
    ] {
        assert!(t.contains(needle), "missing {needle}:\n{t}");
    }
    let total = GPT_COST + CLAUDE_COST + GEMINI_COST;
    assert!(
        t.contains(&format!(
            "total cost ${total:.6} · 3 models · 3 ok, 0 failed"
        )),
        "{t}"
    );
    assert!(!t.contains("\x1b["), "no colour in a pipe");
}

#[test]
fn output_file_format_comes_from_the_extension() {
    let w = three_dialects();
    let out = w.run(&[
        "compare",
        "-m",
        MODELS,
        "-p",
        "Capital?",
        "-o",
        "results.csv",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("wrote 3 rows to results.csv"),
        "{}",
        out.stderr
    );
    let (headers, rows) = read_csv(&std::fs::read_to_string(w.path("results.csv")).unwrap());
    assert_eq!(headers[0], "model");
    assert_eq!(rows.len(), 3);
}

#[test]
fn rows_keep_the_given_order_whatever_finishes_first() {
    let w = World::with_server(json!({
        "models": {
            "slow": {"text": "slow answer", "ttft_ms": 300},
            "mid": {"text": "mid answer", "ttft_ms": 150},
            "fast": {"text": "fast answer"}
        }
    }));
    let out = w.run(&[
        "compare",
        "-m",
        "openai/slow,openai/mid",
        "-m",
        "openai/fast,openai/slow",
        "-p",
        "x",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let rows = out.json();
    let got: Vec<(&str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["model"].as_str().unwrap(), r["output"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("openai/slow", "slow answer"),
            ("openai/mid", "mid answer"),
            ("openai/fast", "fast answer"),
            ("openai/slow", "slow answer"),
        ]
    );
    assert_eq!(w.requests().len(), 4, "the same model twice is asked twice");
}

#[test]
fn a_failing_model_stays_in_its_row() {
    let w = World::with_server(json!({
        "models": {
            "gpt-5.4-mini": {"text": "fine", "input_tokens": 5, "output_tokens": 1},
            "claude-sonnet-5-5": {"failures": [{
                "kind": "status", "status": 401,
                "message": format!("invalid x-api-key {ANTHROPIC_KEY}")
            }]},
            "gemini-3.7-flash": {"text": "also fine", "input_tokens": 5, "output_tokens": 2}
        }
    }));
    let out = w.run(&["compare", "-m", MODELS, "-p", "x", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = out.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows[0]["output"], "fine");
    assert_eq!(rows[0]["error"], Value::Null);
    assert_eq!(rows[2]["output"], "also fine");
    assert_eq!(rows[2]["output_tokens"], 2);
    let err = rows[1]["error"].as_str().expect("error");
    assert!(err.contains("401"), "{err}");
    assert!(
        err.contains("invalid x-api-key"),
        "the provider's own message: {err}"
    );
    assert!(!err.contains('\n'), "one line: {err}");
    assert_eq!(rows[1]["cost_usd"], Value::Null);
}

#[test]
fn failures_of_every_kind_fill_only_their_rows() {
    let w = World::with_server(json!({
        "models": {
            "ok": {"text": "good answer"},
            "limited": {"failures": [{"kind": "status", "status": 429, "retry_after": "1"}]},
            "broken": {"failures": [{"kind": "status", "status": 500}]},
            "garbage": {"failures": [{"kind": "malformed_json"}]},
            "cut": {"text": "a long answer that will be cut", "chunk_chars": 4,
                     "failures": [{"kind": "cut_after", "chunks": 2}]},
            "inband": {"failures": [{"kind": "error_event", "after_chunks": 1, "message": "overloaded"}]}
        }
    }));
    let models = "openai/ok,openai/limited,openai/broken,openai/garbage,openai/cut,openai/inband";
    let out = w.run(&[
        "compare",
        "-m",
        models,
        "-p",
        "x",
        "--format",
        "json",
        "--retries",
        "0",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = out.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows[0]["output"], "good answer");
    assert_eq!(rows[0]["error"], Value::Null);
    let err = |i: usize| rows[i]["error"].as_str().unwrap_or("").to_string();
    assert!(err(1).contains("429"), "{}", err(1));
    assert!(err(2).contains("500"), "{}", err(2));
    assert!(!err(3).is_empty());
    assert!(err(4).contains("stream cut"), "{}", err(4));
    assert_eq!(
        rows[4]["output"], "a long a",
        "what arrived before the cut is kept"
    );
    assert!(err(5).contains("overloaded"), "{}", err(5));

    // Connection refused: a server that is not there.
    let mut w = World::offline();
    w.set("OPENAI_API_KEY", OPENAI_KEY);
    w.set("LLMX_OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
    let out = w.run(&["compare", "-m", "gpt,mock/a", "-p", "x", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = out.json();
    assert!(
        rows[0]["error"].as_str().unwrap().contains("127.0.0.1:9"),
        "{}",
        rows[0]["error"]
    );
    assert_eq!(rows[1]["error"], Value::Null);
}

#[test]
fn a_request_over_its_timeout_fails_alone() {
    let w = World::with_server(json!({
        "models": {
            "stuck": {"header_delay_ms": 5000},
            "quick": {"text": "quick"}
        }
    }));
    let out = w.run(&[
        "compare",
        "-m",
        "openai/stuck,openai/quick",
        "-p",
        "x",
        "--timeout",
        "0.3",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = out.json();
    // The row carries the message; the advice to raise the flag is the table's and stderr's.
    assert!(
        rows[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("no complete answer within"),
        "{}",
        rows[0]["error"]
    );
    assert!(!rows[0]["error"].as_str().unwrap().contains("--"));
    assert_eq!(rows[1]["output"], "quick");
    let table = w.run(&[
        "compare",
        "-m",
        "openai/stuck,openai/quick",
        "-p",
        "x",
        "--timeout",
        "0.3",
    ]);
    assert!(table.stdout.contains("(raise --timeout)"), "{table:?}");
}

#[test]
fn a_missing_key_beside_runnable_models_is_that_rows_error() {
    let mut w = three_dialects();
    w.unset("GEMINI_API_KEY");
    let out = w.run(&["compare", "-m", MODELS, "-p", "x", "--format", "csv"]);
    assert_eq!(out.code, 1, "{out:?}");
    let (_, rows) = read_csv(&out.stdout);
    let gemini = rows.iter().find(|r| r[0] == "gemini").expect("gemini row");
    // The row carries what a library user needs; the CLI's `llmx keys set` advice is stderr's.
    assert_eq!(
        gemini[17],
        "no API key for gemini: set GEMINI_API_KEY (or GOOGLE_API_KEY)"
    );
    assert_eq!(gemini[5], "", "never sent, so no latency");
    assert_eq!(w.requests().len(), 2, "nothing sent for the keyless model");
    // Where a person reads it, the CLI says how to store a key (where a keyring can hold one).
    let table = w.run(&["compare", "-m", MODELS, "-p", "x", "--full"]);
    assert!(!table.stdout.contains("keys set"), "no keyring: {table:?}");
    w.test_keyring();
    let table = w.run(&["compare", "-m", MODELS, "-p", "x", "--full"]);
    assert!(
        table.stdout.contains("or run `llmx keys set gemini`"),
        "{table:?}"
    );
    let alone = w.run(&["compare", "-m", "gemini", "-p", "x"]);
    assert_eq!(alone.code, 2, "{alone:?}");
    assert!(
        alone.stderr.contains(
            "no API key for gemini: set GEMINI_API_KEY (or GOOGLE_API_KEY), or run `llmx keys set gemini`"
        ),
        "{alone:?}"
    );
}

#[test]
fn no_stream_sends_plain_requests_and_still_counts() {
    let w = three_dialects();
    let out = w.run(&[
        "compare",
        "-m",
        MODELS,
        "-p",
        "x",
        "--no-stream",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let rows = out.json();
    for r in rows.as_array().unwrap() {
        assert_eq!(r["ttft_ms"], Value::Null, "no TTFT without streaming: {r}");
        assert!(r["latency_ms"].as_u64().is_some());
    }
    assert_eq!(rows[1]["output_tokens"], 50);
    let paths: Vec<String> = w.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths.contains(&"/v1beta/models/gemini-3.7-flash:generateContent".to_string()),
        "{paths:?}"
    );
    for r in w.requests() {
        assert_ne!(r.json()["stream"], true);
    }
}

#[test]
fn prompt_from_stdin_file_and_inline_text() {
    let w = World::with_server(json!({}));
    let prompt = w.write("prompt.txt", "Explain borrowing.\n");
    let out = w.run_stdin(
        &["compare", "-m", "gpt", "-", "--format", "json"],
        Some(b"from stdin\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let out2 = w.run(&[
        "compare",
        "-m",
        "gpt",
        prompt.to_str().unwrap(),
        "-p",
        "Context:",
        "--format",
        "json",
    ]);
    assert_eq!(out2.code, 0, "{out2:?}");
    let out3 = w.run_stdin(
        &["compare", "-m", "gpt", "--format", "json"],
        Some(b"piped without dash"),
    );
    assert_eq!(out3.code, 0, "{out3:?}");
    let sent: Vec<String> = w
        .requests()
        .iter()
        .map(|r| {
            r.json()["messages"][0]["content"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        sent,
        [
            "from stdin",
            "Context:\n\nExplain borrowing.",
            "piped without dash"
        ]
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_prints_what_finished_and_exits_130() {
    let w = World::with_server(json!({
        "models": {
            "fast": {"text": "done quickly"},
            "never": {"header_delay_ms": 60000}
        }
    }));
    let child = w.spawn(&[
        "compare",
        "-m",
        "openai/fast,openai/never",
        "-p",
        "x",
        "--format",
        "json",
    ]);
    // Wait until both requests reached the server, then interrupt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while w.requests().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "requests never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    send_signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["output"], "done quickly");
    assert_eq!(rows[0]["error"], Value::Null);
    assert_eq!(rows[1]["error"], "cancelled");
}

/// A finished row is on disk as soon as its model answers (in the temporary file beside the
/// target), and SIGTERM keeps it: the file is completed and renamed into place, exit 143.
#[cfg(unix)]
#[test]
fn sigterm_keeps_the_rows_that_finished_in_the_output_file() {
    let w = World::with_server(json!({
        "models": {
            "fast": {"text": "done quickly", "input_tokens": 3, "output_tokens": 2},
            "never": {"text": "half an answer and then nothing", "chunk_chars": 14,
                      "failures": [{"kind": "stall", "after_chunks": 1}]}
        }
    }));
    std::fs::write(w.path("out.jsonl"), "an older run\n").unwrap();
    let mut child = w.spawn(&[
        "compare",
        "-m",
        "openai/fast,openai/never",
        "-p",
        "x",
        "-o",
        "out.jsonl",
    ]);
    // Wait until the fast row is in the temporary file (the target still holds the old run).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let tmp = std::fs::read_dir(w.dir.path())
            .unwrap()
            .flatten()
            .find(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with(".out.jsonl.") && name.ends_with(".llmx.tmp")
            });
        let written = tmp
            .and_then(|e| std::fs::read_to_string(e.path()).ok())
            .unwrap_or_default();
        if written.contains("done quickly") {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the finished row never reached the disk: {written:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        std::fs::read_to_string(w.path("out.jsonl")).unwrap(),
        "an older run\n",
        "the target is replaced only when the run ends"
    );
    // Let the stalled model's first chunk arrive, then terminate.
    std::thread::sleep(std::time::Duration::from_millis(200));
    send_signal(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{out:?}");
    let text = std::fs::read_to_string(w.path("out.jsonl")).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(rows[0]["model"], "openai/fast");
    assert_eq!(rows[0]["output"], "done quickly");
    assert_eq!(rows[0]["error"], Value::Null);
    assert_eq!(rows[1]["model"], "openai/never");
    assert_eq!(rows[1]["error_kind"], "cancelled");
    assert_eq!(
        rows[1]["output"], "half an answer",
        "a cancelled row keeps the text that had arrived"
    );
    let leftovers: Vec<String> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A sink that fails stops the run at once (no more money on answers nobody can keep), and the
/// error names the output; it is exit 1, not 2, because requests were sent.
/// A failed output (stdout on a full disk) starts no new request, but the ones in flight are
/// paid for: they finish, whole, into the recovery file the error names.
#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_stops_new_requests_and_keeps_those_in_flight() {
    use std::process::Stdio;
    let long = "streamed words ".repeat(2_000);
    let w = World::with_server(json!({
        "models": {
            "fast": {"text": "done quickly"},
            "slow": {"text": long, "ttft_ms": 400, "chunk_delay_ms": 1, "chunk_chars": 300},
            "third": {"text": "never asked"}
        }
    }));
    let out = w
        .command(&[
            "compare",
            "-m",
            "openai/fast,openai/slow,openai/third",
            "-j",
            "2",
            "-p",
            "x",
            "--format",
            "jsonl",
        ])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write stdout: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let saved = stderr
        .split("the results were saved to `")
        .nth(1)
        .and_then(|r| r.split('`').next())
        .unwrap_or_else(|| panic!("no recovery file named: {stderr}"));
    let rows: Vec<Value> = std::fs::read_to_string(saved)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let row = |m: &str| rows.iter().find(|r| r["model"] == m).unwrap().clone();
    assert_eq!(row("openai/fast")["output"], "done quickly");
    let slow = row("openai/slow");
    assert_eq!(
        slow["error"],
        Value::Null,
        "the request in flight finished: {slow}"
    );
    assert_eq!(slow["output"].as_str().unwrap(), long, "whole");
    assert_eq!(row("openai/third")["error_kind"], "cancelled");
    assert_eq!(
        w.requests().len(),
        2,
        "no request started after the output failed"
    );
}

//! `llmx ask`: the answer and nothing else on stdout, for every dialect, streamed or not.

use serde_json::{json, Value};

use crate::support::*;

const ANSWER: &str = "Ownership means each value has one owner.";

fn world() -> World {
    World::with_server(json!({
        "default": {
            "text": ANSWER, "input_tokens": 9, "output_tokens": 8,
            "chunk_chars": 5, "chunk_delay_ms": 1
        }
    }))
}

#[test]
fn ask_prints_only_the_answer_for_every_dialect_streamed_or_not() {
    let cases = [
        (
            "openai/gpt-4o-mini",
            "/v1/chat/completions",
            "/v1/chat/completions",
        ),
        (
            "anthropic/claude-sonnet-4-5",
            "/v1/messages",
            "/v1/messages",
        ),
        (
            "gemini/gemini-2.5-flash",
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            "/v1beta/models/gemini-2.5-flash:generateContent",
        ),
    ];
    for (model, stream_path, plain_path) in cases {
        for stream in [true, false] {
            let w = world();
            let mut args = vec!["ask", "-m", model, "What is ownership?"];
            if !stream {
                args.push("--no-stream");
            }
            let out = w.run(&args);
            assert_eq!(out.code, 0, "{model} {out:?}");
            assert_eq!(out.stdout, format!("{ANSWER}\n"), "{model} stream={stream}");
            assert_eq!(out.stderr, "", "{model}");
            let reqs = w.requests();
            assert_eq!(reqs.len(), 1);
            let r = &reqs[0];
            assert_eq!(r.path, if stream { stream_path } else { plain_path });
            let body = r.json();
            let text = match model.split('/').next().unwrap() {
                "openai" => {
                    assert!(r
                        .header("authorization")
                        .is_some_and(|h| h.starts_with("Bearer ")));
                    assert_eq!(body["stream"].as_bool().unwrap_or(false), stream);
                    body["messages"][0]["content"].clone()
                }
                "anthropic" => {
                    assert_eq!(r.header("x-api-key"), Some(ANTHROPIC_KEY));
                    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
                    assert!(
                        body["max_tokens"].as_u64().is_some_and(|n| n > 0),
                        "always sent"
                    );
                    assert_eq!(body["stream"].as_bool().unwrap_or(false), stream);
                    body["messages"][0]["content"].clone()
                }
                _ => {
                    assert_eq!(r.header("x-goog-api-key"), Some(GEMINI_KEY));
                    body["contents"][0]["parts"][0]["text"].clone()
                }
            };
            let text = match text {
                Value::String(s) => s,
                other => other.to_string(),
            };
            assert!(text.contains("What is ownership?"), "{model}: {body}");
        }
    }
}

#[test]
fn piped_stdin_follows_the_prompt_flag() {
    let w = world();
    let out = w.run_stdin(
        &["ask", "-m", "gpt", "-p", "Summarise:"],
        Some(b"my notes\nline two\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("{ANSWER}\n"));
    let sent = w.requests()[0].json();
    assert_eq!(
        sent["messages"][0]["content"],
        "Summarise:\n\nmy notes\nline two"
    );
    let out = w.run_stdin(&["ask", "-m", "gpt", "-"], Some(b"dash reads stdin"));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        w.requests()[1].json()["messages"][0]["content"],
        "dash reads stdin"
    );
    // A question as the argument keeps the piped data too: `echo data | llmx ask -m M "q"`.
    let out = w.run_stdin(&["ask", "-m", "gpt", "What is in it?"], Some(b"data\n"));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        w.requests()[2].json()["messages"][0]["content"],
        "What is in it?\n\ndata"
    );
    // /dev/null is not data: the question alone.
    let out = w.run(&["ask", "-m", "gpt", "alone"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(w.requests()[3].json()["messages"][0]["content"], "alone");
}

#[test]
fn stats_go_to_stderr_and_json_holds_the_row() {
    let w = world();
    let out = w.run(&["ask", "-m", "gpt", "hi", "--stats"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("{ANSWER}\n"));
    let stats = out.stderr.trim_end();
    assert!(
        stats.starts_with("gpt (openai/gpt-5.4-mini) · latency "),
        "{stats}"
    );
    assert!(stats.contains("9 in / 8 out"), "{stats}");
    assert!(stats.contains("finish stop"), "{stats}");

    let out = w.run(&["ask", "-m", "gpt", "hi", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let row = out.json();
    assert_eq!(row["output"], ANSWER);
    assert_eq!(row["input_tokens"], 9);
    assert_eq!(row["model_id"], "gpt-5.4-mini");
    let cost = (9.0 * 0.75 + 8.0 * 4.5) / 1e6;
    assert!((row["cost_usd"].as_f64().unwrap() - cost).abs() < 1e-12);
}

#[test]
fn a_failed_ask_says_why_on_stderr_and_exits_1() {
    let w = World::with_server(json!({
        "default": {"failures": [{"kind": "status", "status": 503, "message": "model overloaded"}]}
    }));
    let out = w.run(&["ask", "-m", "gpt", "hi", "--retries", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    assert!(out.stderr.starts_with("error: gpt: "), "{}", out.stderr);
    assert!(out.stderr.contains("model overloaded"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1);
}

#[test]
fn the_offline_mock_provider_needs_no_key_and_no_server() {
    let w = World::offline();
    let out = w.run(&["ask", "-m", "mock/echo", "hello world"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .starts_with("Mock answer from `echo`: your prompt has 2 words"),
        "{}",
        out.stdout
    );
    let out = w.run(&[
        "compare",
        "-m",
        "mock/a,mock/b",
        "-p",
        "hi",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json().as_array().unwrap().len(), 2);
}

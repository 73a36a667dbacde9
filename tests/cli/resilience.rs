//! Retries, fallbacks, routing and failure classification through the real binary.

use serde_json::{json, Value};

use crate::support::*;

#[test]
fn failure_matrix_every_kind_in_its_own_row() {
    let huge = "y".repeat(200_000);
    let mut w = World::with_server(json!({
        "models": {
            "good": {"text": "all good", "input_tokens": 4, "output_tokens": 2},
            "auth": {"failures": [{"kind": "status", "status": 401, "message": "bad key"}]},
            "limited": {"failures": [{"kind": "status", "status": 429, "retry_after": "0"}]},
            "busy": {"failures": [{"kind": "status", "status": 529}]},
            "badreq": {"failures": [{"kind": "status", "status": 400, "message": "max_tokens too large"}]},
            "missing": {"failures": [{"kind": "status", "status": 404, "message": "no such model"}]},
            "boom": {"failures": [{"kind": "status", "status": 500}]},
            "slow": {"header_delay_ms": 3000},
            "garbage": {"failures": [{"kind": "malformed_json"}]},
            "stalled": {"text": "a b c d", "chunk_chars": 2, "failures": [{"kind": "stall", "after_chunks": 1}]},
            "huge": {"text": huge, "chunk_chars": 4096}
        }
    }));
    w.set("MISTRAL_API_KEY", "mistral-test-key-0123456789");
    w.set("LLMX_MISTRAL_BASE_URL", "http://127.0.0.1:9/v1");
    let models = "openai/good,openai/auth,openai/limited,anthropic/busy,openai/badreq,openai/missing,\
                  openai/boom,openai/slow,mistral/refused,openai/garbage,openai/stalled,openai/huge";
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
        "--ttfb-timeout",
        "0.5",
        "--stall-timeout",
        "0.5",
        "--max-answer-mb",
        "0.1",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let rows = out.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 12);
    assert_eq!(rows[0]["output"], "all good");
    assert_eq!(rows[0]["error"], Value::Null);
    assert_eq!(rows[0]["error_kind"], Value::Null);
    assert_eq!(rows[0]["output_tokens"], 2);
    assert_eq!(rows[0]["attempts"], 1);
    let kinds: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r["error_kind"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(
        kinds,
        [
            "auth",
            "rate_limit",
            "overloaded",
            "bad_request",
            "not_found",
            "server",
            "timeout",
            "network",
            "decode",
            "timeout",
            "too_large"
        ],
        "{rows:#?}"
    );
    assert!(rows[1]["error"].as_str().unwrap().contains("bad key"));
    assert!(rows[4]["error"]
        .as_str()
        .unwrap()
        .contains("max_tokens too large"));
    assert!(rows[10]["error"]
        .as_str()
        .unwrap()
        .starts_with("stream stalled"));
    assert!(rows[11]["output"]
        .as_str()
        .unwrap()
        .ends_with("[llmx: answer cut at 0.1 MiB]"));
    for r in rows {
        assert!(
            !r["error"].as_str().unwrap_or("").contains('\n'),
            "one line: {r}"
        );
    }
}

#[test]
fn retries_are_counted_and_skip_what_must_not_be_retried() {
    let w = World::with_server(json!({
        "models": {
            "flaky": {"text": "second time lucky", "failures": [{"kind": "status", "status": 503, "retry_after": "0"}]},
            "locked": {"failures": [{"kind": "status", "status": 401}]}
        }
    }));
    let out = w.run(&[
        "compare",
        "-m",
        "openai/flaky,openai/locked",
        "-p",
        "x",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = out.json();
    assert_eq!(rows[0]["output"], "second time lucky");
    assert_eq!(rows[0]["attempts"], 2);
    assert_eq!(rows[1]["attempts"], 1, "401 is never retried");
    let table = w.run(&["compare", "-m", "openai/flaky", "-p", "x"]);
    assert_eq!(table.code, 0, "{table:?}");
}

#[test]
fn a_fallback_chain_answers_from_the_next_model() {
    let w = World::with_server(json!({
        "models": {
            "claude-sonnet-4-5": {"failures": [
                {"kind": "status", "status": 401}, {"kind": "status", "status": 401}
            ]},
            "gpt-4o": {"text": "gpt stepped in", "input_tokens": 10, "output_tokens": 3}
        }
    }));
    let chain = "anthropic/claude-sonnet-4-5|openai/gpt-4o";
    let out = w.run(&["compare", "-m", chain, "-p", "x", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let row = &out.json()[0];
    assert_eq!(row["model"], chain);
    assert_eq!(row["provider"], "openai");
    assert_eq!(row["model_id"], "gpt-4o");
    assert_eq!(row["output"], "gpt stepped in");
    assert!(row["fallback_from"]
        .as_str()
        .unwrap()
        .starts_with("anthropic/claude-sonnet-4-5 ("));
    let cost = (10.0 * 2.5 + 3.0 * 10.0) / 1e6;
    assert!(
        (row["cost_usd"].as_f64().unwrap() - cost).abs() < 1e-12,
        "priced as the model that answered"
    );

    // ask follows the same chain and prints only the answer.
    let out = w.run(&["ask", "-m", chain, "hi"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "gpt stepped in\n");

    // A missing key moves on too.
    let mut nokey = World::with_server(json!({"models": {"gpt-4o": {"text": "keyed"}}}));
    nokey.unset("ANTHROPIC_API_KEY");
    let out = nokey.run(&["ask", "-m", chain, "hi"]);
    assert_eq!(out.stdout, "keyed\n", "{out:?}");
    assert_eq!(nokey.requests().len(), 1);
}

/// groq, together and openrouter all pointed at one mock server.
pub fn llama_world(keys: &[&str]) -> World {
    let mut w = World::with_server(json!({
        "models": {
            "llama-3.3-70b-versatile": {"text": "groq answer"},
            "meta-llama/Llama-3.3-70B-Instruct-Turbo": {"text": "together answer"},
            "meta-llama/llama-3.3-70b-instruct": {"text": "openrouter answer",
                "failures": [{"kind": "status", "status": 500}]}
        }
    }));
    let url = format!("{}/v1", w.requests_url());
    for p in ["GROQ", "TOGETHER", "OPENROUTER"] {
        w.set(&format!("LLMX_{p}_BASE_URL"), &url);
    }
    for k in keys {
        w.set(
            &format!("{k}_API_KEY"),
            &format!("{}-test-key-0123456789", k.to_lowercase()),
        );
    }
    w
}

fn sent_models(w: &World) -> Vec<String> {
    w.requests()
        .iter()
        .map(|r| r.json()["model"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn cheapest_route_picks_the_cheaper_provider_with_a_key() {
    // Prices ($/M in + out): openrouter 0.05 + 0.24, groq 0.59 + 0.79, together 0.88 + 0.88.
    let w = llama_world(&["GROQ", "TOGETHER", "OPENROUTER"]);
    let out = w.run(&[
        "compare",
        "-m",
        "llama-3.3-70b:cheapest",
        "-p",
        "x",
        "--format",
        "json",
        "--retries",
        "0",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let row = &out.json()[0];
    // OpenRouter is cheapest but answers 500, so the next cheapest (groq) answers.
    assert_eq!(
        sent_models(&w),
        [
            "meta-llama/llama-3.3-70b-instruct",
            "llama-3.3-70b-versatile"
        ]
    );
    assert_eq!(row["provider"], "groq");
    assert_eq!(row["output"], "groq answer");
    assert!(row["fallback_from"]
        .as_str()
        .unwrap()
        .starts_with("openrouter/"));

    // Without a key for openrouter (or groq), they are skipped.
    let w = llama_world(&["TOGETHER", "GROQ"]);
    let out = w.run(&[
        "compare",
        "-m",
        "llama-3.3-70b",
        "--route",
        "cheapest",
        "-p",
        "x",
        "--format",
        "json",
    ]);
    assert_eq!(out.json()[0]["provider"], "groq", "{out:?}");
    let w = llama_world(&["TOGETHER"]);
    let out = w.run(&[
        "compare",
        "-m",
        "llama-3.3-70b:cheapest",
        "-p",
        "x",
        "--format",
        "json",
    ]);
    assert_eq!(out.json()[0]["provider"], "together", "{out:?}");
    assert_eq!(sent_models(&w), ["meta-llama/Llama-3.3-70B-Instruct-Turbo"]);
}

#[test]
fn provider_pin_and_no_fallback() {
    let w = llama_world(&["GROQ", "TOGETHER", "OPENROUTER"]);
    let out = w.run(&[
        "compare",
        "-m",
        "groq/llama-3.3-70b-versatile",
        "--route",
        "provider=together",
        "-p",
        "x",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()[0]["provider"], "together");
    assert_eq!(out.json()[0]["output"], "together answer");

    let w = llama_world(&["GROQ", "TOGETHER", "OPENROUTER"]);
    let out = w.run(&[
        "compare",
        "-m",
        "llama-3.3-70b:cheapest",
        "--no-fallback",
        "--retries",
        "0",
        "-p",
        "x",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let row = &out.json()[0];
    assert_eq!(row["provider"], "openrouter");
    assert_eq!(row["error_kind"], "server");
    assert_eq!(sent_models(&w).len(), 1, "no fallback");

    let w = llama_world(&["GROQ"]);
    let out = w.run(&[
        "compare",
        "-m",
        "llama-3.3-70b",
        "--route",
        "provider=anthropic",
        "-p",
        "x",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("does not serve llama-3.3-70b"),
        "{}",
        out.stderr
    );
    let none = llama_world(&[]);
    let out = none.run(&["compare", "-m", "llama-3.3-70b:cheapest", "-p", "x"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("set GROQ_API_KEY"), "{}", out.stderr);
}

//! Seeing what is sent: `--dry-run` prints, for every dialect, the endpoint, the key's source,
//! the headers (secrets masked) and the exact body a real run then sends, and sends nothing;
//! `-v` logs each exchange and `-vv` its headers and bodies, secrets masked.

use serde_json::{json, Value};

use crate::support::{World, ANTHROPIC_KEY, GEMINI_KEY, OPENAI_KEY};

const MODELS: &str = "openai/gpt-4o-mini,anthropic/claude-haiku-4-5,gemini/gemini-2.5-flash";

fn server() -> World {
    let mut w = World::with_server(json!({"models": {
        "gpt-4o-mini": {"text": "openai answer"},
        "claude-haiku-4-5": {"text": "anthropic answer"},
        "gemini-2.5-flash": {"text": "gemini answer"}
    }}));
    w.set("LLMX_NO_HISTORY", "1");
    w
}

/// The JSON bodies of a dry run's plan, in order: the indented block after each `body:`.
fn bodies(plan: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut lines = plan.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(indent) = line.strip_suffix("body:").map(str::len) else {
            continue;
        };
        let mut text = String::new();
        while let Some(next) = lines.peek() {
            let deeper = next.len() > indent + 1 && next[..indent + 2].trim().is_empty();
            if !deeper {
                break;
            }
            text.push_str(next);
            text.push('\n');
            lines.next();
        }
        out.push(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")));
    }
    out
}

#[test]
fn dry_run_shows_each_dialects_request_exactly_and_sends_nothing() {
    let w = server();
    let args = [
        "compare",
        "-m",
        MODELS,
        "-p",
        "Why is the sky blue?",
        "--system",
        "Be brief.",
        "--max-tokens",
        "100",
        "--temperature",
        "0.5",
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let out = w.run(&dry);
    assert_eq!(out.code, 0, "{out:?}");
    out.assert_no_secrets();
    assert!(w.requests().is_empty(), "a dry run sends nothing");
    let url = w.requests_url();
    let plan = &out.stdout;
    assert!(
        plan.starts_with("Dry run: compare of 3 models; nothing is sent.\n"),
        "{plan}"
    );
    for line in [
        format!("    POST {url}/v1/chat/completions (openai wire)"),
        format!("    POST {url}/v1/messages (anthropic wire)"),
        format!(
            "    POST {url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse (gemini wire)"
        ),
        "  key: from env OPENAI_API_KEY (not shown)".to_string(),
        "  key: from env ANTHROPIC_API_KEY (not shown)".to_string(),
        "  key: from env GEMINI_API_KEY (not shown)".to_string(),
        "    authorization: Bearer sk-…cdef".to_string(),
        "    x-api-key: sk-…cdef".to_string(),
        "    x-goog-api-key: AIz…cdef".to_string(),
        "    anthropic-version: 2023-06-01".to_string(),
    ] {
        let line = line.replacen("    ", "  ", 1);
        assert!(plan.contains(&line), "missing `{line}` in:\n{plan}");
    }
    assert_eq!(plan.matches("  worst case: $").count(), 3, "{plan}");
    assert!(plan.contains("Worst case of the run: $"), "{plan}");
    let shown = bodies(plan);
    assert_eq!(shown.len(), 3, "{plan}");

    // The real run sends exactly those bodies.
    let out = w.run(&args);
    assert_eq!(out.code, 0, "{out:?}");
    let mut sent: Vec<(String, Value)> = w
        .requests()
        .iter()
        .map(|r| (r.path.clone(), serde_json::from_slice(&r.body).unwrap()))
        .collect();
    sent.sort_by(|a, b| a.0.cmp(&b.0));
    let by_path = |p: &str| {
        sent.iter()
            .find(|(path, _)| path.starts_with(p))
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(shown[0], by_path("/v1/chat/completions"));
    assert_eq!(shown[1], by_path("/v1/messages"));
    assert_eq!(shown[2], by_path("/v1beta/models/gemini-2.5-flash"));
    assert_eq!(shown[1]["system"], "Be brief.");
    assert_eq!(shown[2]["generationConfig"]["maxOutputTokens"], 100);
}

#[test]
fn dry_run_of_ask_and_bench_and_a_chain_with_a_missing_key() {
    let mut w = server();
    w.unset("GEMINI_API_KEY");
    let out = w.run(&[
        "ask",
        "-m",
        "gemini/gemini-2.5-flash|openai/gpt-4o-mini",
        "hi",
        "--dry-run",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with("Dry run: ask; nothing is sent."),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("  1. gemini/gemini-2.5-flash (first)\n    not sent: no API key for gemini"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("  2. openai/gpt-4o-mini (if the one before fails)\n    POST "),
        "{}",
        out.stdout
    );
    // gpt-4o-mini writes at most 16,384 tokens: the worst case is known without --max-tokens.
    assert!(!out.stdout.contains("unknown"), "{}", out.stdout);

    w.write(
        "set.jsonl",
        "{\"id\":\"first\",\"prompt\":\"one\"}\n{\"id\":\"second\",\"prompt\":\"two\"}\n",
    );
    let out = w.run(&[
        "bench",
        "-m",
        "openai/gpt-4o-mini,anthropic/claude-haiku-4-5",
        "set.jsonl",
        "--repeat",
        "3",
        "-o",
        "rows.csv",
        "--max-tokens",
        "10",
        "--max-cost",
        "0.000001",
        "--dry-run",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with(
            "Dry run: bench of 2 prompts × 2 models × 3 repeats = 12 requests; the bodies shown \
             are the first prompt's (`first`); nothing is sent."
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("openai/gpt-4o-mini (6 requests)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("the run would be refused"),
        "{}",
        out.stdout
    );
    assert!(!w.path("rows.csv").exists(), "a dry run writes no rows");
    assert!(w.requests().is_empty());
}

#[test]
fn verbose_logs_each_exchange_and_very_verbose_its_headers_and_bodies_masked() {
    let w = server();
    let url = w.requests_url();
    let out = w.run(&["ask", "-m", "openai/gpt-4o-mini", "hello", "-v"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "openai answer\n");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stderr);
    assert_eq!(
        lines[0],
        format!("[1] POST {url}/v1/chat/completions (openai/gpt-4o-mini)")
    );
    assert!(
        lines[1].starts_with("[1] 200 after ") && lines[1].ends_with(", request id req_mock"),
        "{}",
        out.stderr
    );
    assert!(
        lines[2].starts_with("[1] done after ") && lines[2].ends_with(" bytes"),
        "{}",
        out.stderr
    );

    let out = w.run(&[
        "compare", "-m", MODELS, "-p", "hello", "-vv", "--format", "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    out.assert_no_secrets();
    let err = &out.stderr;
    for want in [
        "> authorization: Bearer sk-…cdef",
        "> x-api-key: sk-…cdef",
        "> x-goog-api-key: AIz…cdef",
        "< content-type: text/event-stream",
        "< data: ",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    assert_eq!(err.matches("] POST ").count(), 3, "{err}");
    assert!(err.contains("> {\"contents\":"), "the Gemini body: {err}");
    for key in [OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY] {
        assert!(!err.contains(key));
    }
}

#[test]
fn verbose_names_a_failed_exchange_and_its_request_id() {
    let w = World::with_server(json!({"models": {
        "gpt-4o-mini": {"failures": [{"kind": "status", "status": 401}]}
    }}));
    let out = w.run(&[
        "ask",
        "-m",
        "openai/gpt-4o-mini",
        "hello",
        "-vv",
        "--retries",
        "0",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_no_secrets();
    assert!(
        out.stderr.contains("[1] 401 after ") && out.stderr.contains(", request id req_mock"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("[1] failed after "), "{}", out.stderr);
}

#[test]
fn a_gateways_auth_header_and_url_password_never_show() {
    let mut w = server();
    let url = w.requests_url();
    let with_password = url.replacen("http://", "http://user:hunter2hunter2@", 1);
    w.config(&format!(
        "[providers.gw]\ndialect = \"openai\"\nbase_url = \"{with_password}/v1\"\n\
         headers = {{ \"x-gateway-auth\" = \"gw-secret-0123456789\" }}\n"
    ));
    for extra in ["--dry-run", "-vv"] {
        let out = w.run(&["ask", "-m", "gw/gpt-4o-mini", "hello", extra]);
        assert_eq!(out.code, 0, "{extra}: {out:?}");
        for secret in ["hunter2hunter2", "gw-secret-0123456789"] {
            assert!(!out.stdout.contains(secret), "{extra}: {out:?}");
            assert!(!out.stderr.contains(secret), "{extra}: {out:?}");
        }
        let text = format!("{}{}", out.stdout, out.stderr);
        assert!(text.contains("x-gateway-auth: gw-…6789"), "{extra}: {text}");
        assert!(text.contains("http://***@127.0.0.1"), "{extra}: {text}");
    }
}

//! `--max-cost` through the binary against a server that bills as providers document (the mock's
//! `bill`: the request's text — tool definitions included — at four characters a token, images
//! by their documented formulas, the whole output allowance written): what the rows say was
//! spent never passes the cap, for tools, images and fallback chains, in compare and in bench at
//! `-j 256`; and a provider that bills more than it documents stops the run.

use serde_json::{json, Value};

use crate::support::{read_csv, World};

/// A tools file of about `kb` kilobytes: one tool whose description is long.
fn tools_file(w: &World, kb: usize) -> std::path::PathBuf {
    let description = "Look up the weather for a city and report it in detail. ".repeat(kb * 18);
    w.write(
        "tools.json",
        json!([{
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": description,
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}
            }
        }])
        .to_string(),
    )
}

fn billing_server(extra: Value) -> World {
    let mut models = json!({
        "gpt-4o-mini": {"text": "cheap answer", "bill": true},
        "gpt-4o": {"text": "dear answer", "bill": true},
        "claude-haiku-4-5": {"text": "haiku answer", "bill": true},
        "gemini-2.5-flash": {"text": "flash answer", "bill": true}
    });
    if let (Some(m), Value::Object(more)) = (models.as_object_mut(), extra) {
        m.extend(more);
    }
    World::with_server(json!({ "models": models }))
}

/// The cost column of every row, summed (a missing cost would be a defect here: every model is
/// priced and every answer billed).
fn spent(costs: impl Iterator<Item = Option<f64>>) -> f64 {
    costs.map(|c| c.expect("every billed row is priced")).sum()
}

#[test]
fn compare_with_a_big_tools_file_never_spends_past_the_cap() {
    let w = billing_server(json!({}));
    let tools = tools_file(&w, 60);
    let models = "openai/gpt-4o-mini,openai/gpt-4o-mini,openai/gpt-4o,anthropic/claude-haiku-4-5,\
                  anthropic/claude-haiku-4-5,gemini/gemini-2.5-flash,gemini/gemini-2.5-flash,openai/gpt-4o";
    let tools = tools.to_string_lossy().into_owned();
    let mut ran = 0;
    for cap in ["0.0005", "0.05", "0.5", "5"] {
        let before = w.requests().len();
        let out = w.run(&[
            "compare",
            "-m",
            models,
            "-p",
            "What is the weather in Paris?",
            "--tools",
            &tools,
            "--max-tokens",
            "200",
            "--max-cost",
            cap,
            "--format",
            "json",
        ]);
        let cap: f64 = cap.parse().unwrap();
        if out.code == 2 {
            // Refused before sending: the worst case of the whole run passes the cap.
            assert!(out.stderr.contains("exceeds --max-cost"), "{out:?}");
            assert_eq!(w.requests().len(), before, "nothing sent when refused");
            continue;
        }
        assert_eq!(out.code, 0, "{out:?}");
        ran += 1;
        let rows = out.json();
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), 8);
        let total = spent(rows.iter().map(|r| r["cost_usd"].as_f64()));
        assert!(total <= cap, "spent {total} against a cap of {cap}");
        // The server billed the tool definitions: far more input than the prompt's words.
        assert!(rows
            .iter()
            .all(|r| r["input_tokens"].as_u64().unwrap() > 10_000));
    }
    assert!(ran >= 1, "some cap lets the run go");
    // The case: 8 models with a 60 KB tools file against $0.0005 is refused.
    assert_eq!(w.requests().len() % 8, 0);
}

#[test]
fn bench_at_j256_with_tools_images_and_a_failing_cheap_link_stays_within_the_cap() {
    // The cheap first link of the chain always fails, so the dearer second link answers: the
    // reservation is the dearer link's.
    let failures: Vec<Value> = (0..400)
        .map(|_| json!({"kind": "status", "status": 400, "message": "no"}))
        .collect();
    let w = billing_server(json!({"gpt-4o-mini": {"failures": failures}}));
    let tools = tools_file(&w, 6).to_string_lossy().into_owned();
    let photo = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/photo.png");
    let body: String = (1..=150)
        .map(|i| format!("{{\"id\": \"p{i:03}\", \"prompt\": \"What is in picture {i}?\"}}\n"))
        .collect();
    w.write("set.jsonl", body);
    let cap = 0.05;
    let out = w.run(&[
        "bench",
        "-m",
        "openai/gpt-4o-mini|anthropic/claude-haiku-4-5,gemini/gemini-2.5-flash",
        "set.jsonl",
        "--tools",
        &tools,
        "--image",
        photo,
        "--max-tokens",
        "200",
        "--retries",
        "0",
        "-j",
        "256",
        "--max-cost",
        "0.05",
        "-o",
        "out.csv",
        "-q",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("stopped sending"), "{}", out.stderr);
    let (head, rows) = read_csv(&std::fs::read_to_string(w.path("out.csv")).unwrap());
    let cost = head.iter().position(|h| h == "cost_usd").unwrap();
    let total = spent(rows.iter().map(|r| r[cost].parse::<f64>().ok()));
    assert!(total <= cap, "spent {total} against a cap of {cap}");
    assert!(!rows.is_empty() && rows.len() < 300, "{} rows", rows.len());
    // Most of the cap is used: the reservations are released as answers come in cheaper.
    assert!(total > cap / 4.0, "spent only {total}");
    // Every answered chain row came from the dearer link.
    let provider = head.iter().position(|h| h == "provider").unwrap();
    let model = head.iter().position(|h| h == "model").unwrap();
    assert!(rows
        .iter()
        .filter(|r| r[model].starts_with("openai/gpt-4o-mini|"))
        .all(|r| r[provider] == "anthropic"));
}

#[test]
fn a_provider_billing_past_its_documented_worst_case_stops_the_run() {
    let w = billing_server(json!({
        "claude-haiku-4-5": {"text": "greedy", "bill": true, "bill_factor": 50.0}
    }));
    jsonl(&w, 40);
    let out = w.run(&[
        "bench",
        "-m",
        "anthropic/claude-haiku-4-5",
        "set.jsonl",
        "--max-tokens",
        "50",
        "-j",
        "1",
        "--max-cost",
        "1",
        "-o",
        "out.csv",
        "-q",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        w.requests().len(),
        1,
        "nothing more is sent after the overrun"
    );
    assert!(
        out.stderr.contains("more than the") && out.stderr.contains("llmx stopped sending"),
        "{}",
        out.stderr
    );
    // The same through compare: the row is kept and the exit says it.
    let out = w.run(&[
        "compare",
        "-m",
        "anthropic/claude-haiku-4-5",
        "-p",
        "hi",
        "--max-tokens",
        "50",
        "--max-cost",
        "1",
        "--format",
        "csv",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("greedy"), "{out:?}");
    assert!(
        out.stderr.contains("llmx stopped sending"),
        "{}",
        out.stderr
    );
}

fn jsonl(w: &World, n: usize) {
    let body: String = (1..=n)
        .map(|i| format!("{{\"id\": \"p{i:02}\", \"prompt\": \"question {i}\"}}\n"))
        .collect();
    w.write("set.jsonl", body);
}

/// The default aliases carry their documented maximum output, so `--max-cost` bounds them
/// without `--max-tokens`; the models whose maximum is not documented are each named.
#[test]
fn the_default_aliases_run_under_a_cap_and_models_without_a_maximum_are_named() {
    let mut w = World::with_server(json!({"models": {
        "gpt-5.4-mini": {"text": "gpt answer"},
        "claude-sonnet-5-5": {"text": "claude answer"},
        "gemini-3.7-flash": {"text": "gemini answer"}
    }}));
    w.set("LLMX_NO_HISTORY", "1");
    let out = w.run(&[
        "compare",
        "-m",
        "gpt,claude,gemini",
        "-p",
        "hi",
        "--max-cost",
        "0.5",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    // 128k output tokens at $4.50/M is $0.576 for gpt alone: the worst case is known and
    // passes the cap, model by model.
    assert!(
        out.stderr
            .contains("exceeds --max-cost $0.5000 (gpt $0.5760, claude $"),
        "{}",
        out.stderr
    );
    assert!(w.requests().is_empty(), "nothing is sent over the cap");
    let out = w.run(&[
        "compare",
        "-m",
        "gpt,claude,gemini",
        "-p",
        "hi",
        "--max-cost",
        "5",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(w.requests().len(), 3);

    let url = format!("{}/v1", w.requests_url());
    w.set("LLMX_XAI_BASE_URL", &url);
    w.set("LLMX_MISTRAL_BASE_URL", &url);
    w.set("XAI_API_KEY", "xai-test-key");
    w.set("MISTRAL_API_KEY", "mistral-test-key");
    let three = |extra: &[&str]| {
        let mut args = vec![
            "compare",
            "-m",
            "gpt,grok,mistral",
            "-p",
            "hi",
            "--max-cost",
            "5",
        ];
        args.extend_from_slice(extra);
        w.run(&args)
    };
    let out = three(&[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: --max-cost needs --max-tokens: the catalog has no maximum output for `grok` \
         (xai/grok-4.5) and `mistral` (mistral/mistral-small-latest), so their worst case is \
         unknown\n"
    );
    let out = three(&["--max-tokens", "100"]);
    assert_eq!(out.code, 0, "{out:?}");
}

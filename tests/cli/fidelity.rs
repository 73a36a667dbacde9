//! Trust and fidelity, round 3 (issue 27): budgets and numbers that hold against servers that
//! report the impossible, and numbers that match what real providers put on the wire.

use serde_json::{json, Value};

use crate::support::World;

fn rows(out: &crate::support::Out) -> Vec<Value> {
    out.json().as_array().unwrap().clone()
}

fn by_model<'a>(rows: &'a [Value], model: &str) -> &'a Value {
    rows.iter().find(|r| r["model"] == model).unwrap()
}

#[test]
fn absurd_token_counts_and_costs_are_unknown_and_never_summed() {
    let mut w = World::with_server(json!({"models": {
        "gpt-4o-mini": {"text": "many tokens", "input_tokens": u64::MAX, "output_tokens": u64::MAX},
        "gpt-4o": {"text": "a dear answer", "cost": 1.7e308},
        "gpt-4.1": {"text": "another", "cost": 1.7e308}
    }}));
    w.set("LLMX_DATA_DIR", &w.path("data").display().to_string());
    let models = "openai/gpt-4o-mini,openai/gpt-4o,openai/gpt-4.1";
    let out = w.run(&["compare", "-m", models, "-p", "hi", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let r = rows(&out);
    let many = by_model(&r, "openai/gpt-4o-mini");
    assert_eq!(many["tokens_estimated"], true, "{many}");
    assert!(many["input_tokens"].as_u64().unwrap() < 100, "{many}");
    assert!(many["cost_usd"].as_f64().unwrap() < 0.01, "{many}");
    assert!(
        many["notes"].to_string().contains("18446744073709551615 input tokens, more than any request can be billed for; treated as unknown"),
        "{many}"
    );
    for m in ["openai/gpt-4o", "openai/gpt-4.1"] {
        let dear = by_model(&r, m);
        let c = dear["cost_usd"].as_f64().unwrap();
        assert!(
            c.is_finite() && c < 0.01,
            "priced from its tokens instead: {dear}"
        );
        assert!(
            dear["notes"]
                .to_string()
                .contains("which no request can cost"),
            "{dear}"
        );
    }
    let out = w.run(&["compare", "-m", models, "-p", "hi"]);
    let total = out.stdout.lines().last().unwrap().to_string();
    assert!(total.starts_with("total cost $0.0"), "{total}");
    assert!(!out.stdout.contains("inf"), "{}", out.stdout);
    let out = w.run(&["usage"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains("inf"), "{}", out.stdout);
}

/// A 2 KB tools file whose `$ref`s fan out 8 × 8 levels deep: Gemini (which needs them
/// inlined) gets nothing and says why; the other rows run.
#[test]
fn a_ref_fan_out_stops_only_the_gemini_row_before_sending() {
    let w = World::with_server(json!({"models": {
        "gpt-4o-mini": {"text": "fine"},
        "gemini-2.5-flash": {"text": "never asked"}
    }}));
    // 8 levels, each property referring 8 times to the next: 8⁸ copies if inlined.
    let schema: Value =
        serde_json::from_str(include_str!("../fixtures/ref_fan_out_schema.json")).unwrap();
    let tools = json!([{"name": "deep", "description": "d", "parameters": schema}]);
    w.write("tools.json", tools.to_string());
    let out = w.run(&[
        "compare",
        "-m",
        "openai/gpt-4o-mini,gemini/gemini-2.5-flash",
        "-p",
        "hi",
        "--tools",
        "tools.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let r = rows(&out);
    assert_eq!(by_model(&r, "openai/gpt-4o-mini")["output"], "fine");
    let g = by_model(&r, "gemini/gemini-2.5-flash");
    assert!(
        g["error"].as_str().unwrap().contains(
            "tool `deep`: its schema, with every $ref inlined as Gemini needs, passes 20000 schema objects; use fewer $refs"
        ),
        "{g}"
    );
    assert!(
        w.requests().iter().all(|r| !r.path.contains("gemini")),
        "nothing sent to Gemini"
    );
}

/// Anthropic's `stop_reason: refusal` with no text is the model's answer, not an empty reply:
/// status `refused`, finish reason `refusal`, no error, exit 0.
#[test]
fn a_refusal_is_an_answer_not_a_failure() {
    let w = World::with_server(json!({"models": {
        "claude-haiku-4-5": {"text": "", "finish": "refusal"},
        "gpt-4o-mini": {"text": "fine"}
    }}));
    let models = "anthropic/claude-haiku-4-5,openai/gpt-4o-mini";
    let out = w.run(&["compare", "-m", models, "-p", "hi", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let r = rows(&out);
    let refused = by_model(&r, "anthropic/claude-haiku-4-5");
    assert_eq!(refused["finish_reason"], "refusal", "{refused}");
    assert_eq!(refused["error"], Value::Null, "{refused}");
    let out = w.run(&["compare", "-m", models, "-p", "hi"]);
    assert_eq!(out.code, 0, "{out:?}");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("anthropic/claude-haiku-4-5"))
        .unwrap();
    assert!(line.contains("refused"), "{line}");
}

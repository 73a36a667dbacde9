//! `llmx serve` with the official openai and anthropic Python SDKs as its clients
//! (tests/sdk/openai_client.py, tests/sdk/anthropic_client.py):
//! what the SDK parses from our answers, and the exact bytes the mock upstream received.
//!
//! The SDK comes from a venv `.ci/run` makes (`LLMX_SDK_PYTHON` names its python). Without it
//! the test says so and passes, unless `LLMX_REQUIRE_SDK=1` (which `.ci/run` sets).

use std::process::Command;

use serde_json::{json, Value};

use crate::serve::{assert_token_never_upstream, Serve, MODELS};
use crate::support::World;

/// Run `tests/sdk/SCRIPT BASE TOKEN` (no provider env of the caller's); what it printed.
fn run_script(python: &str, script: &str, base: &str) -> Value {
    let path = format!("{}/tests/sdk/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python)
        .args([path.as_str(), base, super::serve::TOKEN])
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_BASE_URL")
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script's JSON")
}

/// The python that has the SDKs. Without one the test says so and is skipped, unless
/// `LLMX_REQUIRE_SDK` is set (as `.ci/run` does): then it fails.
fn sdk_python() -> Option<String> {
    let found = std::env::var("LLMX_SDK_PYTHON").ok().filter(|python| {
        Command::new(python)
            .args(["-c", "import openai, anthropic"])
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            std::env::var("LLMX_REQUIRE_SDK").is_err(),
            "LLMX_REQUIRE_SDK is set but LLMX_SDK_PYTHON names no python with the SDKs"
        );
        eprintln!(
            "note: skipped: no SDKs (set LLMX_SDK_PYTHON to a python that has them; .ci/run does)"
        );
    }
    found
}

#[test]
fn the_openai_python_sdk_gets_what_it_expects() {
    let Some(python) = sdk_python() else {
        return;
    };
    let tool = json!({"text": "", "tool_calls": [{"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}]});
    let mut w = World::with_server(json!({"models": {
        "tooly": tool,
        "limited": {"failures": [{"kind": "status", "status": 429, "retry_after": "7"}]},
        "denied": {"failures": [{"kind": "status", "status": 401}]},
        "broken": {"failures": [{"kind": "status", "status": 500}, {"kind": "status", "status": 500}]},
        "cut": {"text": "one two three four five six", "chunk_chars": 4,
                "failures": [{"kind": "cut_after", "chunks": 2}]},
    }}));
    let s = Serve::start(&mut w, &["--retries", "0"]);
    let v = run_script(
        &python,
        "openai_client.py",
        &format!("http://{}/v1", s.addr),
    );

    for (model, id) in MODELS {
        let m = &v[model];
        let hello = format!("Hello from {id}.");
        assert_eq!(m["plain"]["content"], hello.as_str(), "{model}: {m}");
        assert_eq!(m["plain"]["model"], model);
        assert_eq!(m["plain"]["finish_reason"], "stop");
        assert_eq!(m["plain"]["usage"]["total_tokens"], 13);
        assert!(m["plain"]["usage"]["cost"].as_f64().unwrap() > 0.0, "{m}");
        assert_eq!(
            m["plain"]["provider_header"],
            model.split('/').next().unwrap()
        );
        assert_eq!(m["streamed"], hello.as_str());
        assert_eq!(m["usage_chunks_unasked"], 0);
        assert_eq!(m["finish"], "stop");
        assert_eq!(m["usage_when_asked"], 13);
    }
    for model in ["openai/tooly", "anthropic/tooly", "gemini/tooly"] {
        let t = &v[model];
        assert_eq!(t["finish"], "tool_calls", "{model}: {t}");
        assert_eq!(t["call"]["name"], "get_weather");
        assert_eq!(t["call"]["arguments"], json!({"city": "Paris"}));
        let streamed = &t["streamed"]["0"];
        assert_eq!(streamed["name"], "get_weather", "{t}");
        assert!(streamed["id"].as_str().is_some_and(|i| !i.is_empty()));
        let args: Value = serde_json::from_str(streamed["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(args, json!({"city": "Paris"}));
        assert_eq!(t["final_finish"], "tool_calls");
    }
    // What each upstream received for the tool result the SDK sent back.
    let reqs = w.requests();
    let last_to = |needle: &str| {
        reqs.iter()
            .rev()
            .find(|r| {
                r.path.contains(needle) && String::from_utf8_lossy(&r.body).contains("temp_c")
            })
            .unwrap_or_else(|| panic!("no tool result went to {needle}"))
            .json()
    };
    let o = last_to("/v1/chat/completions");
    assert_eq!(o["messages"][2]["role"], "tool");
    assert_eq!(o["messages"][2]["content"], "{\"temp_c\": 21}");
    let a = last_to("/v1/messages");
    assert_eq!(a["messages"][2]["content"][0]["type"], "tool_result");
    let g = last_to("tooly:");
    assert_eq!(
        g["contents"][2]["parts"][0]["functionResponse"]["response"],
        json!({"temp_c": 21})
    );

    // The mock says what images it was sent.
    assert!(
        v["image"]
            .as_str()
            .unwrap()
            .starts_with("I see 1 image: image/png"),
        "{}",
        v["image"]
    );
    let img = reqs
        .iter()
        .find(|r| String::from_utf8_lossy(&r.body).contains("What colour?"))
        .expect("the image request")
        .json();
    let url = img["messages"][0]["content"][1]["image_url"]["url"]
        .as_str()
        .unwrap();
    assert!(
        url.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "{url}"
    );
    let schema = reqs
        .iter()
        .find(|r| String::from_utf8_lossy(&r.body).contains("A city as JSON"))
        .unwrap()
        .json();
    assert_eq!(
        schema["generationConfig"]["responseMimeType"],
        "application/json"
    );
    assert_eq!(
        schema["generationConfig"]["responseJsonSchema"]["required"],
        json!(["name"])
    );

    let ids: Vec<&str> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        ids.contains(&"openai/gpt-4o-mini") && ids.contains(&"anthropic/claude-sonnet-4-5"),
        "{ids:?}"
    );

    let e = &v["errors"];
    assert_eq!(e["unknown_model"]["class"], "NotFoundError", "{e}");
    assert!(e["unknown_model"]["message"]
        .as_str()
        .unwrap()
        .contains("gpt-4o-mini"));
    assert_eq!(e["rate_limited"]["class"], "RateLimitError");
    assert_eq!(e["rate_limited"]["retry_after"], "7");
    assert_eq!(e["upstream_denied"]["status"], 502);
    assert_eq!(e["bad_token"]["class"], "AuthenticationError");

    assert_eq!(v["fallback_plain"]["model"], "anthropic/claude-sonnet-4-5");
    assert_eq!(
        v["fallback_plain"]["content"],
        "Hello from claude-sonnet-4-5."
    );
    assert_eq!(v["fallback_stream"], "Hello from claude-sonnet-4-5.");
    assert_eq!(v["cut"]["text"], "one two ");
    assert!(
        v["cut"]["error"].is_object(),
        "a cut stream looked complete: {}",
        v["cut"]
    );

    assert_token_never_upstream(&w);
    s.stop();
}

#[test]
fn the_anthropic_python_sdk_gets_what_it_expects() {
    let Some(python) = sdk_python() else {
        return;
    };
    let tool = json!({"text": "", "tool_calls": [{"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}]});
    let mut w = World::with_server(json!({"models": {"tooly": tool}}));
    let s = Serve::start(&mut w, &[]);
    let v = run_script(
        &python,
        "anthropic_client.py",
        &format!("http://{}", s.addr),
    );
    for (model, id) in MODELS {
        let m = &v[model];
        let hello = format!("Hello from {id}.");
        assert_eq!(m["text"], hello.as_str(), "{model}: {m}");
        assert_eq!(m["stop_reason"], "end_turn");
        assert_eq!(m["usage"], json!([10, 3]));
        assert_eq!(m["streamed"], hello.as_str());
        assert_eq!(m["final_stop"], "end_turn");
        assert_eq!(m["final_usage"], json!([10, 3]));
    }
    for model in ["openai/tooly", "anthropic/tooly", "gemini/tooly"] {
        let t = &v[model];
        assert_eq!(t["stop_reason"], "tool_use", "{model}: {t}");
        assert_eq!(t["call"]["name"], "get_weather");
        assert_eq!(t["call"]["input"], json!({"city": "Paris"}));
        assert_eq!(
            t["streamed"]["input"],
            json!({"city": "Paris"}),
            "{model}: {t}"
        );
        assert_eq!(t["again"], "tool_use");
    }
    // The tool result the SDK sent back, as each upstream received it.
    let reqs = w.requests();
    let to = |needle: &str| {
        reqs.iter()
            .rev()
            .find(|r| r.path.contains(needle) && String::from_utf8_lossy(&r.body).contains("21 C"))
            .unwrap_or_else(|| panic!("no tool result went to {needle}"))
            .json()
    };
    assert_eq!(to("/v1/chat/completions")["messages"][2]["role"], "tool");
    assert_eq!(
        to("/v1/messages")["messages"][2]["content"][0]["type"],
        "tool_result"
    );
    assert_eq!(
        to("tooly:")["contents"][2]["parts"][0]["functionResponse"]["name"],
        "get_weather"
    );
    assert!(
        v["image"]
            .as_str()
            .unwrap()
            .starts_with("I see 1 image: image/png"),
        "{}",
        v["image"]
    );
    assert!(v["count_tokens"].as_u64().unwrap() > 0);
    assert_eq!(v["errors"]["unknown_model"], json!(["NotFoundError", 404]));
    assert_eq!(
        v["errors"]["bad_token"],
        json!(["AuthenticationError", 401])
    );
    assert_token_never_upstream(&w);
    s.stop();
}

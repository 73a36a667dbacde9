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

/// Run `tests/sdk/SCRIPT ARGS...` (no provider env of the caller's); what it printed.
fn run_script(python: &str, script: &str, args: &[&str]) -> Value {
    let path = format!("{}/tests/sdk/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python)
        .arg(&path)
        .args(args)
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
        &[&format!("http://{}/v1", s.addr), super::serve::TOKEN],
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
        &[&format!("http://{}", s.addr), super::serve::TOKEN],
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
    // Every dialect's upstream saw the image (the mock says what images it was sent).
    for (model, _) in MODELS {
        let said = v["images"][model].as_str().unwrap_or_default();
        assert!(
            said.starts_with("I see 1 image: image/png"),
            "{model}: {said}"
        );
    }
    assert!(v["count_tokens"].as_u64().unwrap() > 0);
    // Anthropic's own count, forwarded: the mock counts the text it was sent.
    assert!(v["count_tokens_anthropic"].as_u64().unwrap() > 0);
    assert!(reqs.iter().any(|r| r.path == "/v1/messages/count_tokens"));
    assert_eq!(v["errors"]["unknown_model"], json!(["NotFoundError", 404]));
    assert_eq!(
        v["errors"]["bad_token"],
        json!(["AuthenticationError", 401])
    );
    assert_token_never_upstream(&w);
    s.stop();
}

#[test]
fn the_openai_python_sdk_responses_api_gets_what_it_expects() {
    let Some(python) = sdk_python() else {
        return;
    };
    let tool = json!({"text": "", "tool_calls": [
        {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
        // A namespaced function: by its own name where the group is sent as is (OpenAI),
        // by its flat name where llmx flattened the group (the others); each only if offered.
        {"name": "exec", "arguments": "{\"cmd\":\"ls\"}"},
        {"name": "shell__exec", "arguments": "{\"cmd\":\"ls\"}"}]});
    let thinker = json!({"reasoning": "Six times seven.", "reasoning_tokens": 4, "text": "42."});
    let fell = json!({"kind": "error_event", "after_chunks": 2, "message": "upstream fell over"});
    let cut = json!({"text": "one two three four five six", "chunk_chars": 4,
        // One failure for each dialect's request to `cut`.
        "failures": [fell.clone(), fell.clone(), fell]});
    let mut w =
        World::with_server(json!({"models": {"tooly": tool, "thinker": thinker, "cut": cut}}));
    let s = Serve::start(&mut w, &["--retries", "0"]);
    let v = run_script(
        &python,
        "responses_client.py",
        &[&format!("http://{}/v1", s.addr), super::serve::TOKEN],
    );
    let order = [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ];
    for (model, id) in MODELS {
        let m = &v[model];
        let hello = format!("Hello from {id}.");
        assert_eq!(m["text"], hello.as_str(), "{model}: {m}");
        assert_eq!(m["status"], "completed");
        assert_eq!(m["model"], model);
        assert_eq!(
            m["usage"],
            json!({"input": 10, "output": 3, "total": 13, "cached": 0, "reasoning": 0})
        );
        assert_eq!(m["provider_header"], model.split('/').next().unwrap());
        assert_eq!(m["streamed"], hello.as_str());
        assert_eq!(m["final_text"], hello.as_str());
        assert_eq!(m["final_usage"], m["usage"]);
        let kinds: Vec<&str> = m["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(&kinds[..4], order, "{model}: {kinds:?}");
        assert_eq!(
            &kinds[kinds.len() - 4..],
            [
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "response.completed"
            ],
            "{model}: {kinds:?}"
        );
    }
    for p in ["openai", "anthropic", "gemini"] {
        let t = &v[format!("{p}/tooly").as_str()];
        assert_eq!(t["calls"][0]["name"], "get_weather", "{p}: {t}");
        assert_eq!(t["calls"][0]["arguments"], json!({"city": "Paris"}));
        // The namespaced function comes back under its own names.
        assert_eq!(t["calls"][1]["name"], "exec", "{p}: {t}");
        assert_eq!(t["calls"][1]["namespace"], "shell", "{p}: {t}");
        assert_eq!(t["calls"][1]["arguments"], json!({"cmd": "ls"}));
        assert_eq!(t["streamed_calls"][0]["name"], "get_weather");
        assert_eq!(t["streamed_calls"][1]["arguments"], json!({"cmd": "ls"}));
        assert!(t["arg_deltas"].as_str().unwrap().contains("Paris"), "{t}");
        assert_eq!(t["after"], "Hello from after.", "{p}: {t}");
    }
    // The bytes each upstream received for the loop's second turn.
    let reqs = w.requests();
    let second = |needle: &str| {
        reqs.iter()
            .find(|r| {
                r.path.contains(needle) && String::from_utf8_lossy(&r.body).contains("temp_c")
            })
            .unwrap_or_else(|| panic!("no tool result went to {needle}"))
            .json()
    };
    // OpenAI's own row gets the client's Responses body as it came: only `model` and `store`.
    let o = second("/v1/responses");
    assert_eq!(o["model"], "after");
    assert_eq!(o["store"], false);
    assert_eq!(o["tools"][1]["type"], "namespace", "{o}");
    assert_eq!(o["tools"][2]["type"], "web_search", "{o}");
    let items = o["input"].as_array().unwrap();
    assert_eq!(items.last().unwrap()["type"], "function_call_output");
    assert_eq!(items.last().unwrap()["output"], "{\"temp_c\": 21}");
    assert!(!reqs.iter().any(|r| r.path.contains("/chat/completions")
        && String::from_utf8_lossy(&r.body).contains("temp_c")));
    // The others get it translated: the call under its flat name, the output as a tool result.
    let a = second("/v1/messages");
    assert_eq!(a["messages"][1]["content"][1]["name"], "shell__exec", "{a}");
    assert_eq!(a["messages"][2]["content"][0]["type"], "tool_result");
    assert_eq!(
        a["messages"][2]["content"][0]["content"],
        "{\"temp_c\": 21}"
    );
    let tools: Vec<&str> = a["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(tools, ["get_weather", "shell__exec"]);
    let g = second("after:");
    assert_eq!(
        g["contents"][2]["parts"][0]["functionResponse"]["name"],
        "get_weather"
    );
    // Notes say what translation dropped; the passthrough drops nothing.
    let notes = |m: &str| v[m]["notes_header"].as_str().unwrap_or("").to_string();
    assert_eq!(
        notes("openai/gpt-4o-mini"),
        "",
        "passthrough noted something"
    );

    for p in ["openai", "anthropic", "gemini"] {
        let r = &v[format!("{p}/thinker").as_str()];
        assert_eq!(r["summary"], "Six times seven.", "{p}: {r}");
        assert_eq!(r["item_summary"], "Six times seven.");
        assert_eq!(r["items"], json!(["reasoning", "message"]), "{p}: {r}");
        assert_eq!(r["text"], "42.");
        // Anthropic counts thinking inside its output tokens and reports no split.
        let reasoning = if p == "anthropic" { 0 } else { 4 };
        assert_eq!(r["reasoning_tokens"], reasoning, "{p}: {r}");
    }
    // Signed reasoning keeps its seal for the next turn; unsigned reasoning has none.
    assert_eq!(v["openai/thinker"]["sealed"], "mock-sealed");
    assert_eq!(v["anthropic/thinker"]["sealed"], "mock");
    assert_eq!(v["gemini/thinker"]["sealed"], Value::Null);

    // Every dialect's upstream saw the image (the mock says what images it was sent).
    for (model, _) in MODELS {
        let said = v["images"][model].as_str().unwrap_or_default();
        assert!(
            said.starts_with("I see 1 image: image/png"),
            "{model}: {said}"
        );
    }
    let e = &v["errors"]["previous_response_id"];
    assert_eq!(e["class"], "BadRequestError", "{e}");
    assert!(e["message"].as_str().unwrap().contains("stateless"), "{e}");
    for p in ["openai", "anthropic", "gemini"] {
        let c = &v[format!("{p}/cut").as_str()];
        let kinds = c["kinds"].as_array().unwrap();
        assert!(
            kinds.contains(&json!("response.output_text.delta")),
            "{p}: {c}"
        );
        assert_eq!(kinds.last().unwrap(), "response.failed", "{p}: {c}");
        assert!(!kinds.contains(&json!("response.completed")), "{p}: {c}");
        assert_eq!(c["error"]["code"], "server_error", "{p}: {c}");
        assert!(
            c["error"]["message"]
                .as_str()
                .unwrap()
                .contains("upstream fell over"),
            "{p}: {c}"
        );
    }
    assert_token_never_upstream(&w);
    s.stop();
}

/// What a recording says the model answered: its text, its calls (name, parsed arguments) and
/// its input and output tokens, read from the recorded bytes with no llmx code involved.
fn recorded_answer(wire: &str, response: &Value) -> Value {
    let sse: Vec<Value> = response["sse_text"]
        .as_str()
        .unwrap_or("")
        .split("\n\n")
        .filter_map(|e| e.lines().find_map(|l| l.strip_prefix("data: ")))
        .filter_map(|d| serde_json::from_str(d.trim()).ok())
        .collect();
    let body = &response["body"];
    let mut text = String::new();
    let mut calls: Vec<(String, String)> = Vec::new();
    let mut usage = (0u64, 0u64);
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    match (wire, sse.is_empty()) {
        ("chat", true) => {
            let m = &body["choices"][0]["message"];
            text = m["content"].as_str().unwrap_or("").into();
            for c in m["tool_calls"].as_array().into_iter().flatten() {
                let f = &c["function"];
                calls.push((
                    f["name"].as_str().unwrap().into(),
                    f["arguments"].as_str().unwrap().into(),
                ));
            }
            usage = (
                n(&body["usage"]["prompt_tokens"]),
                n(&body["usage"]["completion_tokens"]),
            );
        }
        ("chat", false) => {
            for c in &sse {
                let d = &c["choices"][0]["delta"];
                text += d["content"].as_str().unwrap_or("");
                for t in d["tool_calls"].as_array().into_iter().flatten() {
                    let i = t["index"].as_u64().unwrap() as usize;
                    if calls.len() <= i {
                        calls.push((
                            t["function"]["name"].as_str().unwrap().into(),
                            String::new(),
                        ));
                    }
                    calls[i].1 += t["function"]["arguments"].as_str().unwrap_or("");
                }
                if c["usage"].is_object() {
                    usage = (
                        n(&c["usage"]["prompt_tokens"]),
                        n(&c["usage"]["completion_tokens"]),
                    );
                }
            }
        }
        ("messages", true) => {
            for b in body["content"].as_array().into_iter().flatten() {
                match b["type"].as_str() {
                    Some("text") => text += b["text"].as_str().unwrap(),
                    Some("tool_use") => {
                        calls.push((b["name"].as_str().unwrap().into(), b["input"].to_string()))
                    }
                    _ => {}
                }
            }
            let u = &body["usage"];
            let input = n(&u["input_tokens"])
                + n(&u["cache_read_input_tokens"])
                + n(&u["cache_creation_input_tokens"]);
            usage = (input, n(&u["output_tokens"]));
        }
        ("messages", false) => {
            for e in &sse {
                match e["type"].as_str() {
                    Some("message_start") => {
                        let u = &e["message"]["usage"];
                        usage.0 = n(&u["input_tokens"])
                            + n(&u["cache_read_input_tokens"])
                            + n(&u["cache_creation_input_tokens"]);
                    }
                    Some("content_block_start") if e["content_block"]["type"] == "tool_use" => {
                        calls.push((
                            e["content_block"]["name"].as_str().unwrap().into(),
                            String::new(),
                        ))
                    }
                    Some("content_block_delta") => match e["delta"]["type"].as_str() {
                        Some("text_delta") => text += e["delta"]["text"].as_str().unwrap(),
                        Some("input_json_delta") => {
                            calls.last_mut().unwrap().1 +=
                                e["delta"]["partial_json"].as_str().unwrap()
                        }
                        _ => {}
                    },
                    Some("message_delta") => usage.1 = n(&e["usage"]["output_tokens"]),
                    _ => {}
                }
            }
        }
        (_, is_json) => {
            let r = if is_json {
                body.clone()
            } else {
                sse.iter()
                    .find(|e| e["type"] == "response.completed")
                    .unwrap()["response"]
                    .clone()
            };
            for i in r["output"].as_array().into_iter().flatten() {
                match i["type"].as_str() {
                    Some("message") => {
                        for c in i["content"].as_array().into_iter().flatten() {
                            text += c["text"].as_str().unwrap_or("");
                        }
                    }
                    Some("function_call") => calls.push((
                        i["name"].as_str().unwrap().into(),
                        i["arguments"].as_str().unwrap().into(),
                    )),
                    _ => {}
                }
            }
            usage = (
                n(&r["usage"]["input_tokens"]),
                n(&r["usage"]["output_tokens"]),
            );
        }
    }
    let calls: Vec<Value> = calls
        .into_iter()
        .map(|(name, args)| {
            let args: Value = if args.is_empty() {
                json!({})
            } else {
                serde_json::from_str(&args).unwrap()
            };
            json!({"name": name, "arguments": args})
        })
        .collect();
    json!({"text": text, "calls": calls, "usage": [usage.0, usage.1]})
}

#[test]
fn recorded_provider_answers_replayed_through_the_server_reach_the_sdk_unchanged() {
    let Some(python) = sdk_python() else {
        return;
    };
    let fixtures = format!("{}/tests/fixtures/real", env!("CARGO_MANIFEST_DIR"));
    // (inbound wire, the recording's dialect, the recording)
    let cases = [
        ("chat", "openai", "openai/chat_plain"),
        ("chat", "openai", "openai/chat_stream_usage"),
        ("chat", "openai", "openai/chat_tool_call"),
        ("chat", "openai", "openai/chat_tool_call_stream"),
        ("messages", "anthropic", "anthropic/messages_plain"),
        ("messages", "anthropic", "anthropic/messages_stream"),
        ("messages", "anthropic", "anthropic/messages_tool_use"),
        (
            "messages",
            "anthropic",
            "anthropic/messages_tool_use_stream",
        ),
        (
            "messages",
            "anthropic",
            "anthropic/messages_thinking_stream",
        ),
        ("responses", "openai", "openai_responses/responses_plain"),
        ("responses", "openai", "openai_responses/responses_stream"),
        (
            "responses",
            "openai",
            "openai_responses/responses_tool_call_stream",
        ),
    ];
    // Each recording is the upstream of a provider of its own (`recN`, its own path on the
    // mock); the Responses ones are `responses = true` rows, so they get the client's body.
    let recs: Vec<Value> = cases
        .iter()
        .map(|(_, _, name)| {
            let text = std::fs::read_to_string(format!("{fixtures}/{name}.json")).unwrap();
            serde_json::from_str(&text).unwrap()
        })
        .collect();
    let upstream = |i: usize| -> String {
        let path = recs[i]["request"]["path"].as_str().unwrap();
        format!("/rec{i}{}", path.split('?').next().unwrap())
    };
    let replays: Vec<Value> = (0..cases.len())
        .map(|i| json!({"path": upstream(i), "file": format!("{fixtures}/{}.json", cases[i].2)}))
        .collect();
    let mut w = World::with_server(json!({"replays": replays}));
    let url = w.requests_url();
    let mut config = String::new();
    let mut asked = Vec::new();
    for (i, (wire, dialect, _)) in cases.iter().enumerate() {
        let base = if *dialect == "openai" {
            format!("{url}/rec{i}/v1")
        } else {
            format!("{url}/rec{i}")
        };
        let responses = if *wire == "responses" {
            "responses = true\n"
        } else {
            ""
        };
        config += &format!(
            "[providers.rec{i}]\ndialect = \"{dialect}\"\nbase_url = \"{base}\"\n{responses}\n"
        );
        let mut body = recs[i]["request"]["body"].clone();
        body["model"] = json!(format!("rec{i}/{}", body["model"].as_str().unwrap()));
        let stream = recs[i]["response"]["sse_text"].is_string();
        asked.push(json!({"wire": wire, "stream": stream, "body": body}));
    }
    w.config(&config);
    let s = Serve::start(&mut w, &["--retries", "0"]);
    let list = w.dir.path().join("cases.json");
    std::fs::write(&list, Value::Array(asked).to_string()).unwrap();
    let base = format!("http://{}", s.addr);
    let list = list.display().to_string();
    let got = run_script(
        &python,
        "replay_client.py",
        &[&base, super::serve::TOKEN, &list],
    );
    let requests = w.requests();
    for (i, (wire, _, name)) in cases.iter().enumerate() {
        let want = recorded_answer(wire, &recs[i]["response"]);
        assert!(
            !want["text"].as_str().unwrap().is_empty()
                || !want["calls"].as_array().unwrap().is_empty(),
            "{name}: the recording has no answer"
        );
        assert_eq!(got[i], want, "{name}");
        // The upstream got the request once, at the recorded path.
        let n = requests
            .iter()
            .filter(|r| r.path.starts_with(&upstream(i)))
            .count();
        assert_eq!(n, 1, "{name}");
    }
    assert_token_never_upstream(&w);
    s.stop();
}

/// The mock's Batch APIs as the official SDKs parse them: what a batch client is tested
/// against has the providers' shapes.
#[test]
fn the_mock_servers_batch_apis_are_what_the_official_sdks_parse() {
    let Some(python) = sdk_python() else {
        return;
    };
    let has_genai = Command::new(&python)
        .args(["-c", "import google.genai"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_genai || std::env::var("LLMX_REQUIRE_SDK").is_err(),
        "LLMX_REQUIRE_SDK is set but the SDK python has no google-genai"
    );
    if !has_genai {
        eprintln!("note: skipped: no google-genai in the SDK python (tests/sdk/requirements.txt)");
        return;
    }
    let w = World::with_server(json!({"batch": {"finish_ms": 150, "error_every": 3,
        "expire_every": 5, "max_requests": 50}}));
    let v = run_script(
        &python,
        "batch_client.py",
        &[&w.requests_url(), "sk-not-a-real-key"],
    );
    // Of six requests: the 3rd and 6th fail with their own 400, the 5th expires.
    let o = &v["openai"];
    assert_eq!(o["file"]["purpose"], "batch");
    assert_eq!(o["first_status"], "validating");
    assert_eq!(o["status"], "expired", "{o}");
    assert_eq!(
        o["counts"],
        json!({"total": 6, "completed": 3, "failed": 3})
    );
    assert_eq!(o["metadata"], json!({"llmx_run": "r1"}));
    let r = &o["results"];
    for c in ["c1", "c2", "c4"] {
        assert_eq!(r[c]["text"], "Hello from gpt-4o-mini.", "{c}: {r}");
    }
    assert_eq!(r["c3"]["status"], 400);
    assert_eq!(r["c6"]["status"], 400);
    assert_eq!(r["c5"]["error"], "batch_expired");
    let order: Vec<&str> = o["order"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(order.len(), 6);
    assert_ne!(
        order,
        ["c1", "c2", "c4", "c3", "c5", "c6"],
        "results in the order sent"
    );
    assert_eq!(
        o["too_many"],
        json!({"status": "failed", "codes": ["too_many_tasks"]})
    );
    assert_eq!(o["cancelled"], "cancelled");
    for id in o["ids"].as_array().unwrap() {
        assert!(
            o["listed"].as_array().unwrap().contains(id),
            "{id} not listed"
        );
    }

    let a = &v["anthropic"];
    assert_eq!(a["first_status"], "in_progress");
    assert_eq!(
        a["counts"],
        json!({"processing": 0, "succeeded": 3, "errored": 2, "canceled": 0, "expired": 1})
    );
    assert!(a["results_url"].as_str().unwrap().ends_with("/results"));
    assert!(a["ended_at"].is_string());
    let r = &a["results"];
    for c in ["c1", "c2", "c4"] {
        assert_eq!(r[c]["text"], "Hello from claude-sonnet-4-5.", "{c}: {r}");
    }
    assert_eq!(r["c3"]["error"], "invalid_request_error");
    assert_eq!(r["c5"]["result"], "expired");
    assert_eq!(a["order"].as_array().unwrap().len(), 6);
    assert_eq!(
        a["too_many"],
        json!({"class": "BadRequestError", "status": 400})
    );
    assert_eq!(a["cancelled"]["canceled"], 3);
    assert_eq!(a["listed"].as_array().unwrap().len(), 2);

    // Gemini: the responses in the order of the requests (its batches expire whole, so the
    // mock fails the 5th as well); the SDK reads the server's BATCH_STATE_* as JOB_STATE_*.
    let g = &v["gemini"];
    assert_eq!(g["first_state"], "JobState.JOB_STATE_PENDING");
    assert_eq!(g["state"], "JobState.JOB_STATE_SUCCEEDED");
    assert_eq!(g["display_name"], "intent-g");
    let texts: Vec<bool> = g["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"] == "Hello from gemini-2.5-flash.")
        .collect();
    assert_eq!(texts, [true, true, false, true, false, false], "{g}");
    assert_eq!(g["results"][2]["error"]["code"], 400);
    assert_eq!(g["cancelled"], "JobState.JOB_STATE_CANCELLED");
    assert!(g["listed"].as_array().unwrap().contains(&g["name"]));

    // Gemini with an input file the SDK uploaded: the responses file it downloads is keyed,
    // shuffled, and fails the same cells.
    let f = &v["gemini_file"];
    assert!(f["uploaded"].as_str().unwrap().starts_with("files/"), "{f}");
    assert_eq!(f["display_name"], "intent-file");
    assert_eq!(f["state"], "JobState.JOB_STATE_SUCCEEDED");
    assert!(f["dest"].as_str().unwrap().starts_with("files/"), "{f}");
    let r = &f["results"];
    for c in ["f1", "f2", "f4"] {
        assert_eq!(r[c]["text"], "Hello from gemini-2.5-flash.", "{c}: {r}");
    }
    for c in ["f3", "f5", "f6"] {
        assert_eq!(r[c]["error"], 400, "{c}: {r}");
    }
    assert_eq!(f["order"].as_array().unwrap().len(), 6);
}

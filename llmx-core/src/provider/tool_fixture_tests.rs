//! Tool calls and images against real recordings: every recorded tool call parses, whole and
//! streamed one byte at a time, to the calls the provider's SDK reads (id, name, arguments
//! object); and the request bodies llmx builds for tools, tool choice and images are the ones
//! the SDKs sent for the same logical call.

use base64::Engine;
use serde_json::{json, Value};

use super::fixture_tests::{body_bytes, decode_stream, dialect_of, load, root};
use super::sse::SseReader;
use super::*;

/// A call as the SDK reads it: id, name, arguments object.
type Expected = (Option<&'static str>, &'static str, Value);

fn expected() -> Vec<(&'static str, Vec<Expected>)> {
    let retrieve = |id, name: &str| (Some(id), "retrieve_entity_info", json!({ "name": name }));
    vec![
        (
            "openai/chat_tool_call.json",
            vec![(
                Some("call_TTY8UFNo7rNCaOBUNtlRSvMG"),
                "lookup_population",
                json!({"country": "Crumpet"}),
            )],
        ),
        (
            "openai/chat_tool_call_stream.json",
            vec![(
                Some("call_1EYWDzueHEp8OsB8jJSEp7WB"),
                "multiply",
                json!({"a": 1231, "b": 2331}),
            )],
        ),
        (
            "anthropic/messages_tool_use.json",
            vec![
                retrieve("toolu_0167cfEnoQaPviGdVXA95zcu", "Alice"),
                retrieve("toolu_01EEe2V5HD1Ac4rKiUR4HD2T", "Bob"),
                retrieve("toolu_01XFyAjstT3966qvRynZyVPo", "Charlie"),
                retrieve("toolu_013mnQZbgtK2oe3Mo3XKJsx3", "Daisy"),
            ],
        ),
        (
            "anthropic/messages_tool_use_stream.json",
            vec![(
                Some("toolu_01DYJo37oETVsCdLTTcCWcdq"),
                "get_weather",
                json!({"location": "San Francisco, CA"}),
            )],
        ),
        (
            // A tool without parameters: its only fragment is "", read as {}.
            "anthropic/messages_tool_use_stream_no_args.json",
            vec![(
                Some("toolu_01CzN6riCPqw4pVSuTd9Dwn7"),
                "pelican_name_generator",
                json!({}),
            )],
        ),
        (
            "gemini/tool_call.json",
            vec![(None, "get_user_country", json!({}))],
        ),
        (
            "gemini/tool_call_stream.json",
            vec![(None, "get_capital", json!({"country": "France"}))],
        ),
        (
            "gemini/tool_call_thought_signature_stream.json",
            vec![(None, "get_country", json!({}))],
        ),
        (
            "gemini/tool_result_followup.json",
            vec![(
                None,
                "final_result",
                json!({"city": "Mexico City", "country": "Mexico"}),
            )],
        ),
        (
            // One complete delta with the finish reason.
            "groq/chat_stream_tool_call.json",
            vec![(
                Some("fc_bfb39741-3748-4def-9886-a93fc9c64a90"),
                "get_something_by_name",
                json!({"name": "example"}),
            )],
        ),
        (
            "mistral/chat_tool_call.json",
            vec![(
                Some("Caf7Pyrd8"),
                "get_weather",
                json!({"location": "New York City"}),
            )],
        ),
        (
            "mistral/chat_tool_call_stream.json",
            vec![(
                Some("aX2gaLIyo"),
                "get_weather",
                json!({"location": "New York City"}),
            )],
        ),
        (
            "openrouter/chat_tool_call.json",
            vec![(
                Some("3sniiMddS"),
                "divide",
                json!({"numerator": 123, "denominator": 456, "on_inf": "infinity"}),
            )],
        ),
        (
            // The upstream repeats the id and name on every fragment.
            "openrouter/chat_tool_call_stream.json",
            vec![(Some("0"), "llm_version", json!({}))],
        ),
        (
            "ollama/openai_compat_cloud_tool_call.json",
            vec![(
                Some("call_o2vnpxrw"),
                "final_result",
                json!({"city": "Paris", "country": "France"}),
            )],
        ),
        ("openai/chat_tool_result_followup.json", vec![]),
        ("openai/chat_tool_result_followup_stream.json", vec![]),
        ("anthropic/messages_tool_result_followup.json", vec![]),
        ("gemini/tool_result_followup_stream.json", vec![]),
        ("mistral/chat_tool_result_followup.json", vec![]),
    ]
}

fn calls_of(r: &ChatResponse) -> Vec<(Option<String>, String, Value)> {
    r.tool_calls
        .iter()
        .map(|c| {
            let args = c
                .parsed_arguments()
                .unwrap_or_else(|| panic!("arguments of {} are not an object", c.name));
            (c.id.clone(), c.name.clone(), args)
        })
        .collect()
}

fn owned(e: &[Expected]) -> Vec<(Option<String>, String, Value)> {
    e.iter()
        .map(|(id, n, a)| (id.map(str::to_string), n.to_string(), a.clone()))
        .collect()
}

/// A stream fed to the reader and decoder one byte at a time, as a slow network delivers it.
fn decode_bytewise(d: Dialect, bytes: &[u8]) -> ChatResponse {
    let mut reader = SseReader::new();
    let mut dec = d.wire().stream_decoder();
    let mut r = ChatResponse::default();
    for b in bytes {
        for ev in reader.push(std::slice::from_ref(b)) {
            for se in dec.event(&ev).unwrap() {
                r.apply(se);
            }
        }
    }
    if let Some(ev) = reader.finish() {
        for se in dec.event(&ev).unwrap() {
            r.apply(se);
        }
    }
    r
}

#[test]
fn every_tool_call_recording_parses_to_the_calls_the_sdk_reads() {
    for (rel, want) in expected() {
        let fx = load(rel);
        let d = dialect_of(rel);
        let bytes = body_bytes(&fx);
        let streamed = fx["response"]["sse_text"].is_string();
        let r = if streamed {
            let whole = decode_stream(d, &bytes).unwrap();
            let slow = decode_bytewise(d, &bytes);
            assert_eq!(whole.tool_calls, slow.tool_calls, "{rel}: byte by byte");
            whole
        } else {
            d.wire().parse_response(&bytes).unwrap()
        };
        assert_eq!(calls_of(&r), owned(&want), "{rel}");
        if !want.is_empty() {
            // OpenRouter's recorded stream never sends a finish reason.
            if rel != "openrouter/chat_tool_call_stream.json" {
                assert_eq!(r.finish, FinishReason::ToolCalls, "{rel}");
            }
        }
    }
    // The bare Gemini stream: thought parts, text, then a call with a signature and an id.
    let bytes = std::fs::read(root().join("gemini/stream_tool_call.sse")).unwrap();
    let r = decode_bytewise(Dialect::Gemini, &bytes);
    assert_eq!(
        calls_of(&r),
        owned(&[(
            Some("u959pftr"),
            "get_weather",
            json!({"country": "Egypt", "unit": "C", "city": "Cairo"})
        )])
    );
    assert_eq!(r.finish, FinishReason::ToolCalls);
}

/// Feed a hand-written OpenAI stream of `chunks` (each a `delta.tool_calls` list).
fn openai_calls(chunks: &[Value]) -> Vec<ToolCall> {
    let mut body = String::new();
    for c in chunks {
        let v = json!({"choices": [{"index": 0, "delta": {"tool_calls": c}}]});
        body += &format!("data: {v}\n\n");
    }
    body += "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n";
    decode_bytewise(Dialect::OpenAi, body.as_bytes()).tool_calls
}

fn call(id: Option<&str>, name: &str, args: &str) -> ToolCall {
    ToolCall {
        id: id.map(str::to_string),
        name: name.into(),
        arguments: args.into(),
        signature: None,
    }
}

#[test]
fn openai_fragments_assemble_however_servers_number_them() {
    // The spec: id and name first, then fragments by index; two calls in parallel.
    let calls = openai_calls(&[
        json!([{"index": 0, "id": "call_a", "type": "function", "function": {"name": "f", "arguments": ""}}]),
        json!([{"index": 1, "id": "call_b", "type": "function", "function": {"name": "g", "arguments": ""}}]),
        json!([{"index": 0, "function": {"arguments": "{\"x\":"}}]),
        json!([{"index": 1, "function": {"arguments": "{\"y\":2}"}}]),
        json!([{"index": 0, "function": {"arguments": "1}"}}]),
    ]);
    assert_eq!(
        calls,
        vec![
            call(Some("call_a"), "f", "{\"x\":1}"),
            call(Some("call_b"), "g", "{\"y\":2}")
        ]
    );
    // Every call at index 0, told apart by id; integer ids.
    let calls = openai_calls(&[
        json!([{"index": 0, "id": 7, "function": {"name": "f", "arguments": "{\"a\""}}]),
        json!([{"index": 0, "function": {"arguments": ":1}"}}]),
        json!([{"index": 0, "id": 8, "function": {"name": "g", "arguments": "{}"}}]),
    ]);
    assert_eq!(
        calls,
        vec![
            call(Some("7"), "f", "{\"a\":1}"),
            call(Some("8"), "g", "{}")
        ]
    );
    // The name (and id) repeated on every fragment.
    let calls = openai_calls(&[
        json!([{"index": 0, "id": "c", "function": {"name": "f", "arguments": "{\"q\":"}}]),
        json!([{"index": 0, "id": "c", "function": {"name": "f", "arguments": "\"hi\"}"}}]),
    ]);
    assert_eq!(calls, vec![call(Some("c"), "f", "{\"q\":\"hi\"}")]);
    // No ids at all, the name repeated while the arguments grow, then a second whole call at
    // the same index.
    let calls = openai_calls(&[
        json!([{"index": 0, "function": {"name": "f", "arguments": "{\"q\":"}}]),
        json!([{"index": 0, "function": {"name": "f", "arguments": "1}"}}]),
        json!([{"index": 0, "function": {"name": "g", "arguments": "{\"r\":2}"}}]),
    ]);
    assert_eq!(
        calls,
        vec![call(None, "f", "{\"q\":1}"), call(None, "g", "{\"r\":2}")]
    );
    // Arguments as an object (Ollama), and no index at all.
    let calls =
        openai_calls(&[json!([{"id": "o", "function": {"name": "f", "arguments": {"k": [1]}}}])]);
    assert_eq!(calls, vec![call(Some("o"), "f", "{\"k\":[1]}")]);
}

#[test]
fn unparseable_arguments_keep_their_text() {
    let r = openai::parse_response(
        br#"{"choices":[{"message":{"content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"a\": 1,"}}]},"finish_reason":"tool_calls"}]}"#,
    )
    .unwrap();
    assert_eq!(r.tool_calls, vec![call(Some("c"), "f", "{\"a\": 1,")]);
    assert_eq!(r.tool_calls[0].parsed_arguments(), None);
    assert_eq!(r.finish, FinishReason::ToolCalls);
    // A JSON value that is not an object is not arguments either.
    assert_eq!(call(None, "f", "[1]").parsed_arguments(), None);
}

#[test]
fn gemini_malformed_function_call_is_an_error() {
    let body =
        br#"{"candidates":[{"content":{"parts":[]},"finishReason":"MALFORMED_FUNCTION_CALL"}]}"#;
    let e = gemini::parse_response(body).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ToolCall);
    assert!(
        e.message.contains("MALFORMED_FUNCTION_CALL"),
        "{}",
        e.message
    );
    let sse = format!("data: {}\r\n\r\n", std::str::from_utf8(body).unwrap());
    let e = decode_stream(Dialect::Gemini, sse.as_bytes()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ToolCall);
}

/// The logical tools of a recorded OpenAI-shaped request.
fn tools_from_openai(tools: &Value) -> Vec<Tool> {
    tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let f = &t["function"];
            Tool {
                name: f["name"].as_str().unwrap().into(),
                description: f["description"].as_str().map(str::to_string),
                parameters: f.get("parameters").cloned(),
            }
        })
        .collect()
}

fn choice_from_openai(c: &Value) -> Option<ToolChoice> {
    match c {
        Value::Null => None,
        Value::String(s) if s == "auto" => Some(ToolChoice::Auto),
        Value::String(s) if s == "none" => Some(ToolChoice::None),
        Value::String(s) if s == "required" => Some(ToolChoice::Required),
        other => Some(ToolChoice::Named(
            other["function"]["name"].as_str().unwrap().into(),
        )),
    }
}

/// `v` with every `type` name lower-cased: the JSON Schema a user writes for what Google's
/// SDK sent upper-cased.
fn lower_types(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| match (k.as_str(), x) {
                    ("type", Value::String(t)) => (k.clone(), json!(t.to_ascii_lowercase())),
                    _ => (k.clone(), lower_types(x)),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(lower_types).collect()),
        other => other.clone(),
    }
}

fn built(provider: &str, req: &ChatRequest) -> HttpCall {
    let reg = Registry::builtin();
    build_request(reg.get(provider).unwrap(), "http://h", req)
}

#[test]
fn tool_requests_are_what_the_sdks_sent() {
    for (rel, provider) in [
        ("openai/chat_tool_call.json", "openai"),
        ("openai/chat_tool_call_stream.json", "openai"),
        ("mistral/chat_tool_call.json", "mistral"),
        ("openrouter/chat_tool_call.json", "openrouter"),
        ("groq/chat_stream_tool_call.json", "groq"),
    ] {
        let sent = &load(rel)["request"]["body"];
        let req = ChatRequest {
            model: "m".into(),
            messages: vec![Message::user("q")],
            tools: tools_from_openai(&sent["tools"]).into(),
            tool_choice: choice_from_openai(&sent["tool_choice"]),
            ..Default::default()
        };
        let call = built(provider, &req);
        assert_eq!(call.body["tools"], sent["tools"], "{rel}");
        assert_eq!(
            call.body.get("tool_choice"),
            sent.get("tool_choice"),
            "{rel}"
        );
        assert!(call.notes.is_empty(), "{rel}: {:?}", call.notes);
    }
    for rel in [
        "anthropic/messages_tool_use.json",
        "anthropic/messages_tool_use_stream.json",
        "anthropic/messages_tool_use_stream_no_args.json",
    ] {
        let sent = &load(rel)["request"]["body"];
        let tools = sent["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| Tool {
                name: t["name"].as_str().unwrap().into(),
                description: t["description"].as_str().map(str::to_string),
                parameters: Some(t["input_schema"].clone()),
            })
            .collect();
        let choice = match sent["tool_choice"]["type"].as_str() {
            Some("auto") => Some(ToolChoice::Auto),
            None => None,
            Some(other) => panic!("{rel}: {other}"),
        };
        let req = ChatRequest {
            model: "m".into(),
            messages: vec![Message::user("q")],
            tools,
            tool_choice: choice,
            ..Default::default()
        };
        let call = built("anthropic", &req);
        assert_eq!(call.body["tools"], sent["tools"], "{rel}");
        assert_eq!(
            call.body.get("tool_choice"),
            sent.get("tool_choice"),
            "{rel}"
        );
    }
    for rel in ["gemini/tool_call.json", "gemini/tool_call_stream.json"] {
        let sent = &load(rel)["request"]["body"];
        let tools = sent["tools"][0]["functionDeclarations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| Tool {
                name: t["name"].as_str().unwrap().into(),
                description: t["description"].as_str().map(str::to_string),
                parameters: Some(lower_types(&t["parameters"])),
            })
            .collect();
        let req = ChatRequest {
            model: "m".into(),
            messages: vec![Message::user("q")],
            tools,
            ..Default::default()
        };
        let call = built("gemini", &req);
        assert_eq!(call.body["tools"], sent["tools"], "{rel}");
        assert!(call.notes.is_empty(), "{rel}: {:?}", call.notes);
    }
}

#[test]
fn tool_choice_in_each_dialect() {
    let tool = Tool {
        name: "get_weather".into(),
        description: None,
        parameters: None,
    };
    let body = |provider: &str, c: ToolChoice| {
        let req = ChatRequest {
            model: "m".into(),
            messages: vec![Message::user("q")],
            tools: vec![tool.clone()].into(),
            tool_choice: Some(c),
            ..Default::default()
        };
        built(provider, &req).body
    };
    let named = || ToolChoice::Named("get_weather".into());
    assert_eq!(
        body("openai", ToolChoice::Required)["tool_choice"],
        "required"
    );
    assert_eq!(body("openai", ToolChoice::None)["tool_choice"], "none");
    assert_eq!(
        body("openai", named())["tool_choice"],
        json!({"type": "function", "function": {"name": "get_weather"}})
    );
    // A tool without parameters: OpenAI gets none, Anthropic the empty object it requires.
    assert!(body("openai", ToolChoice::Auto)["tools"][0]["function"]
        .get("parameters")
        .is_none());
    assert_eq!(
        body("anthropic", ToolChoice::Auto)["tools"][0]["input_schema"],
        json!({"type": "object", "properties": {}})
    );
    assert_eq!(
        body("anthropic", ToolChoice::Required)["tool_choice"],
        json!({"type": "any"})
    );
    assert_eq!(
        body("anthropic", ToolChoice::None)["tool_choice"],
        json!({"type": "none"})
    );
    assert_eq!(
        body("anthropic", named())["tool_choice"],
        json!({"type": "tool", "name": "get_weather"})
    );
    let config = |c| body("gemini", c)["toolConfig"]["functionCallingConfig"].clone();
    assert_eq!(config(ToolChoice::Auto), json!({"mode": "AUTO"}));
    assert_eq!(config(ToolChoice::Required), json!({"mode": "ANY"}));
    assert_eq!(config(ToolChoice::None), json!({"mode": "NONE"}));
    assert_eq!(
        config(named()),
        json!({"mode": "ANY", "allowedFunctionNames": ["get_weather"]})
    );
}

#[test]
fn gemini_schema_changes_are_notes_on_the_call() {
    let req = ChatRequest {
        model: "m".into(),
        messages: vec![Message::user("q")],
        tools: vec![Tool {
            name: "lookup".into(),
            description: Some("Look it up.".into()),
            parameters: Some(json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {"id": {"type": "string"}}
            })),
        }]
        .into(),
        ..Default::default()
    };
    let call = built("gemini", &req);
    assert_eq!(
        call.body["tools"][0]["functionDeclarations"][0]["parameters"],
        json!({"type": "OBJECT", "properties": {"id": {"type": "STRING"}}})
    );
    assert_eq!(
        call.notes,
        vec!["tool lookup: dropped additionalProperties (not in Gemini's schema subset)"]
    );
    // OpenAI and Anthropic take the schema as written.
    assert!(built("openai", &req).notes.is_empty());
    assert!(built("anthropic", &req).notes.is_empty());
}

/// The image part of a recorded request's first message.
fn recorded_image(body: &Value, is_image: impl Fn(&Value) -> bool) -> Value {
    let msg = body["messages"]
        .get(0)
        .or_else(|| body["contents"].get(0))
        .unwrap();
    let parts = msg["content"]
        .as_array()
        .or(msg["parts"].as_array())
        .unwrap();
    parts.iter().find(|p| is_image(p)).unwrap().clone()
}

fn one_image(part: Part) -> ChatRequest {
    ChatRequest {
        model: "m".into(),
        messages: vec![Message {
            role: Role::User,
            content: vec![part, Part::Text("What is this?".into())],
        }],
        ..Default::default()
    }
}

#[test]
fn image_requests_are_what_the_sdks_sent() {
    let std64 = base64::engine::general_purpose::STANDARD;
    // OpenAI and compatible: a URL as given, a file as a data URL of its sniffed type.
    for (rel, provider) in [
        ("openai/chat_image_url.json", "openai"),
        ("groq/chat_image_url.json", "groq"),
        ("openai/chat_image_base64.json", "openai"),
    ] {
        let sent = recorded_image(&load(rel)["request"]["body"], |p| p["type"] == "image_url");
        let url = sent["image_url"]["url"].as_str().unwrap();
        let part = match url.split_once(";base64,") {
            Some((_, data)) => Part::Image(std::sync::Arc::new(Image::Inline(
                image::inline(&std64.decode(data).unwrap()).unwrap(),
            ))),
            None => Part::image_url(url),
        };
        let call = built(provider, &one_image(part));
        assert_eq!(call.body["messages"][0]["content"][0], sent, "{rel}");
    }
    for rel in [
        "anthropic/messages_image_url.json",
        "anthropic/messages_image_base64.json",
    ] {
        let sent = recorded_image(&load(rel)["request"]["body"], |p| p["type"] == "image");
        let part = match sent["source"]["type"].as_str().unwrap() {
            "url" => Part::image_url(sent["source"]["url"].as_str().unwrap()),
            _ => {
                let bytes = std64
                    .decode(sent["source"]["data"].as_str().unwrap())
                    .unwrap();
                Part::Image(std::sync::Arc::new(Image::Inline(
                    image::inline(&bytes).unwrap(),
                )))
            }
        };
        let call = built("anthropic", &one_image(part));
        assert_eq!(call.body["messages"][0]["content"][0], sent, "{rel}");
    }
    // Gemini: inline data. Google's SDK sent URL-safe base64, which Gemini reads as well as the
    // standard alphabet llmx sends: the bytes and the type must match.
    let sent = recorded_image(
        &load("gemini/image_inline_base64.json")["request"]["body"],
        |p| p.get("inlineData").is_some(),
    );
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(sent["inlineData"]["data"].as_str().unwrap())
        .unwrap();
    let part = Part::Image(std::sync::Arc::new(Image::Inline(
        image::inline(&bytes).unwrap(),
    )));
    let call = built("gemini", &one_image(part));
    let ours = &call.body["contents"][0]["parts"][0]["inlineData"];
    assert_eq!(ours["mimeType"], sent["inlineData"]["mimeType"]);
    assert_eq!(std64.decode(ours["data"].as_str().unwrap()).unwrap(), bytes);
}

#[test]
fn a_temperature_outside_anthropics_range_is_clamped_and_noted() {
    let req = ChatRequest {
        model: "m".into(),
        messages: vec![Message::user("q")],
        temperature: Some(1.5),
        ..Default::default()
    };
    let call = built("anthropic", &req);
    assert_eq!(call.body["temperature"], json!(1.0));
    assert_eq!(
        call.notes,
        vec!["temperature 1.5 sent as 1 (Anthropic accepts 0 to 1)"]
    );
    assert_eq!(built("openai", &req).body["temperature"], json!(1.5));
    assert!(built("openai", &req).notes.is_empty());
}

//! Whole conversations in all three dialects, checked against the follow-up requests the
//! official SDKs sent to the real APIs (`tests/fixtures/real`): each recorded request read into
//! llmx's conversation and built again comes out as the SDK sent it; a conversation read from
//! one dialect is built into the others with their own shapes (tool messages, `tool_use` and
//! `tool_result` blocks alternating, `functionCall` and `functionResponse` parts); and the
//! signatures a provider put on its reasoning (Anthropic's thinking, Gemini's thought
//! signatures) come back from a recorded answer and go out again on the next turn.

use serde_json::{json, Value};

use super::fixture_tests::load;
use super::registry::Registry;
use super::types::{ChatRequest, Message, Part, Role, ToolResult};
use super::{anthropic, gemini, openai, Dialect};

fn recorded_body(rel: &str) -> Value {
    load(rel)["request"]["body"].clone()
}

fn build(d: Dialect, req: &ChatRequest) -> Value {
    let p = Registry::builtin()
        .all()
        .iter()
        .find(|p| p.dialect == d && !p.is_offline())
        .unwrap()
        .clone();
    super::build_request(&p, "https://example.test", req).body
}

/// A turn's content with one text block written as the plain string every API takes for it
/// (the SDKs differ on which form they send; the providers read both the same).
fn normalised(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut out = serde_json::Map::new();
            for (k, x) in o {
                let x = match (k.as_str(), x) {
                    ("content", Value::Array(a)) if a.len() == 1 && a[0]["type"] == "text" => {
                        a[0]["text"].clone()
                    }
                    _ => normalised(x),
                };
                out.insert(k.clone(), x);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(normalised).collect()),
        other => other.clone(),
    }
}

/// Read `rel`'s recorded request in dialect `d` and build it again: the fields that carry the
/// conversation are what the SDK sent.
fn round_trip(d: Dialect, rel: &str, fields: &[&str]) -> (ChatRequest, Value) {
    let recorded = recorded_body(rel);
    let parsed = d.wire().parse_request(&recorded).unwrap();
    let built = build(d, &parsed);
    for f in fields {
        assert_eq!(
            normalised(&built[*f]),
            normalised(&recorded[*f]),
            "{rel}: `{f}` differs"
        );
    }
    (parsed, built)
}

#[test]
fn openai_follow_ups_round_trip_as_the_sdk_sent_them() {
    for rel in [
        "openai/chat_tool_result_followup.json",
        "openai/chat_tool_result_followup_stream.json",
        "openai/chat_multiturn.json",
    ] {
        round_trip(Dialect::OpenAi, rel, &["messages", "tools"]);
    }
    let (req, _) = round_trip(
        Dialect::OpenAi,
        "openai/chat_tool_result_followup.json",
        &["messages", "tools"],
    );
    // Two rounds of call → result: assistant turns carry the calls, tool turns the results.
    let roles: Vec<Role> = req.messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::User,
            Role::Assistant,
            Role::Tool,
            Role::Assistant,
            Role::Tool
        ]
    );
}

#[test]
fn anthropic_follow_ups_round_trip_as_the_sdk_sent_them() {
    let (req, _) = round_trip(
        Dialect::Anthropic,
        "anthropic/messages_tool_result_followup.json",
        &["messages", "system", "tools", "tool_choice"],
    );
    let results: Vec<&ToolResult> = req.messages[2]
        .content
        .iter()
        .filter_map(|p| match p {
            Part::ToolResult(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0].is_error, Some(false));
    round_trip(
        Dialect::Anthropic,
        "anthropic/messages_stream_prefill_stop_sequence.json",
        &["messages", "stop_sequences"],
    );
}

#[test]
fn gemini_follow_ups_round_trip_as_the_sdk_sent_them() {
    for rel in [
        "gemini/tool_result_followup.json",
        "gemini/tool_result_followup_stream.json",
    ] {
        let (_, built) = round_trip(Dialect::Gemini, rel, &["contents"]);
        let recorded = recorded_body(rel);
        assert_eq!(
            built["systemInstruction"]["parts"], recorded["systemInstruction"]["parts"],
            "{rel}"
        );
    }
}

/// The OpenAI follow-up (two rounds of tool calls, each answered by a `tool` message) built
/// for Anthropic and Gemini: their shapes, their alternation, and the results named after
/// their calls.
#[test]
fn one_conversation_goes_out_in_every_dialect() {
    let req =
        openai::parse_request(&recorded_body("openai/chat_tool_result_followup.json")).unwrap();
    let a = build(Dialect::Anthropic, &req);
    let turns = a["messages"].as_array().unwrap();
    let roles: Vec<&str> = turns.iter().map(|t| t["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "assistant", "user", "assistant", "user"]);
    assert_eq!(
        turns[1]["content"],
        json!([{"type": "tool_use", "id": "call_TTY8UFNo7rNCaOBUNtlRSvMG",
                "name": "lookup_population", "input": {"country": "Crumpet"}}])
    );
    assert_eq!(
        turns[2]["content"],
        json!([{"type": "tool_result", "tool_use_id": "call_TTY8UFNo7rNCaOBUNtlRSvMG",
                "content": "123124"}])
    );
    let g = build(Dialect::Gemini, &req);
    let contents = g["contents"].as_array().unwrap();
    let roles: Vec<&str> = contents
        .iter()
        .map(|t| t["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "model", "user", "model", "user"]);
    assert_eq!(
        contents[2]["parts"][0]["functionResponse"],
        json!({"name": "lookup_population", "id": "call_TTY8UFNo7rNCaOBUNtlRSvMG",
               "response": {"output": "123124"}})
    );
    assert_eq!(
        contents[3]["parts"][0]["functionCall"],
        json!({"name": "can_have_dragons", "id": "call_aq9UyiSFkzX6W8Ydc33DoI9Y",
               "args": {"population": 123124}})
    );

    // Anthropic's parallel calls answered by one user turn of results, built for OpenAI: one
    // `tool` message per result, in order.
    let req = anthropic::parse_request(&recorded_body(
        "anthropic/messages_tool_result_followup.json",
    ))
    .unwrap();
    let o = build(Dialect::OpenAi, &req);
    let msgs = o["messages"].as_array().unwrap();
    assert_eq!(msgs[0]["role"], "system");
    assert_eq!(msgs[2]["tool_calls"].as_array().unwrap().len(), 4);
    assert_eq!(
        msgs[2]["content"],
        "I'll help you find out who is the youngest by retrieving information about each family \
         member. I'll retrieve their entity information to compare their ages."
    );
    let tools: Vec<&Value> = msgs.iter().filter(|m| m["role"] == "tool").collect();
    assert_eq!(tools.len(), 4);
    assert_eq!(tools[3]["tool_call_id"], "toolu_013mnQZbgtK2oe3Mo3XKJsx3");
    assert_eq!(
        tools[3]["content"],
        "daisy is bob's daughter and charlie's younger sister"
    );
}

/// Instructions anywhere in the conversation: `system`/`developer` turns go to Anthropic's
/// `system` and Gemini's `systemInstruction`; consecutive user turns are merged where the wire
/// demands alternation.
#[test]
fn instructions_move_and_turns_of_one_role_merge() {
    let req = ChatRequest {
        system: Some("Be brief.".into()),
        messages: vec![
            Message::text_of(Role::Developer, "Answer in French."),
            Message::user("Hello"),
            Message::user("Are you there?"),
        ],
        ..Default::default()
    };
    let a = build(Dialect::Anthropic, &req);
    assert_eq!(a["system"], "Be brief.\n\nAnswer in French.");
    assert_eq!(
        a["messages"],
        json!([{"role": "user", "content": [
            {"type": "text", "text": "Hello"}, {"type": "text", "text": "Are you there?"}]}])
    );
    let g = build(Dialect::Gemini, &req);
    assert_eq!(
        g["systemInstruction"],
        json!({"parts": [{"text": "Be brief."}, {"text": "Answer in French."}]})
    );
    assert_eq!(g["contents"].as_array().unwrap().len(), 1);
    let o = build(Dialect::OpenAi, &req);
    assert_eq!(
        o["messages"][1],
        json!({"role": "developer", "content": "Answer in French."})
    );

    // A `system` entry inside an Anthropic `messages` list (Claude Code sends one) is read and
    // goes back to `system`; what no dialect can read is refused with where it is.
    let req = anthropic::parse_request(&json!({"model": "m", "max_tokens": 5, "messages": [
        {"role": "system", "content": "Stay on topic."},
        {"role": "user", "content": "hi"}
    ]}))
    .unwrap();
    let a = build(Dialect::Anthropic, &req);
    assert_eq!(a["system"], "Stay on topic.");
    assert_eq!(a["messages"], json!([{"role": "user", "content": "hi"}]));
    let e = openai::parse_request(&json!({"messages": [{"role": "wizard", "content": "x"}]}))
        .unwrap_err();
    assert_eq!(e, "messages[0]: unknown role `wizard`");
    let e = anthropic::parse_request(&json!({"messages": [
        {"role": "user", "content": [{"type": "video"}]}
    ]}))
    .unwrap_err();
    assert_eq!(
        e,
        "messages[0]: content block type `video` is not supported"
    );
    assert!(gemini::parse_request(&json!({"contents": 3})).is_err());
}

/// Anthropic signs each thinking block: the signature streamed in a recorded answer is kept
/// with the block's text, and the next turn sends the block back, signature and all.
#[test]
fn anthropic_thinking_signatures_go_back_on_the_next_turn() {
    let r = super::fixture_tests::ok("anthropic/messages_thinking_stream.json");
    let sse = load("anthropic/messages_thinking_stream.json")["response"]["sse_text"]
        .as_str()
        .unwrap()
        .to_string();
    let signature = sse
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find_map(|v| v["delta"]["signature"].as_str().map(str::to_string))
        .expect("the recording streams a signature");
    assert_eq!(r.signed_reasoning.len(), 1);
    assert_eq!(
        r.signed_reasoning[0].signature.as_deref(),
        Some(&*signature)
    );
    assert_eq!(r.signed_reasoning[0].text, r.reasoning);
    let mut next = ChatRequest {
        messages: vec![
            Message::user("first"),
            r.assistant_turn(),
            Message::user("and?"),
        ],
        ..Default::default()
    };
    next.model = "claude-sonnet-4-5".into();
    let body = build(Dialect::Anthropic, &next);
    let first = &body["messages"][1]["content"][0];
    assert_eq!(first["type"], "thinking");
    assert_eq!(first["signature"], signature);
    assert_eq!(first["thinking"], r.reasoning);
    // A dialect that has no place for it says so rather than dropping it silently.
    let o = super::build_request(
        Registry::builtin().get("openai").unwrap(),
        "https://example.test",
        &next,
    );
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("signed reasoning not sent")),
        "{:?}",
        o.notes
    );
}

/// Gemini 3 puts a thought signature on the part that carries a function call: it comes back
/// on that call, from a recorded stream and a recorded bare body alike, and goes out with it.
#[test]
fn gemini_thought_signatures_go_back_with_their_calls() {
    let recorded = load("gemini/tool_call_thought_signature_stream.json");
    let sse = recorded["response"]["sse_text"].as_str().unwrap();
    let signature = sse
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find_map(|v| {
            v["candidates"][0]["content"]["parts"]
                .as_array()?
                .iter()
                .find(|p| p["functionCall"].is_object())?["thoughtSignature"]
                .as_str()
                .map(str::to_string)
        })
        .expect("the recording carries a thought signature on its call");
    let r = super::fixture_tests::ok("gemini/tool_call_thought_signature_stream.json");
    let call = &r.tool_calls[0];
    assert_eq!(call.signature.as_deref(), Some(&*signature));
    let mut req = gemini::parse_request(&recorded["request"]["body"]).unwrap();
    let id = call.id.clone();
    let name = call.name.clone();
    req.messages.push(r.assistant_turn());
    req.messages.push(Message {
        role: Role::Tool,
        content: vec![Part::ToolResult(ToolResult {
            call_id: id,
            name: None,
            is_error: None,
            content: vec![Part::Text("{\"temperature\": 21}".into())],
        })],
    });
    let body = build(Dialect::Gemini, &req);
    let contents = body["contents"].as_array().unwrap();
    let model_turn = &contents[contents.len() - 2];
    assert_eq!(model_turn["role"], "model");
    let part = model_turn["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["functionCall"].is_object())
        .unwrap();
    assert_eq!(part["thoughtSignature"], signature);
    let last = &contents[contents.len() - 1];
    assert_eq!(last["parts"][0]["functionResponse"]["name"], name);
    assert_eq!(
        last["parts"][0]["functionResponse"]["response"],
        json!({"temperature": 21})
    );

    // The bare recorded body (signatures on several calls) decodes the same way.
    let text =
        std::fs::read(super::fixture_tests::root().join("gemini/stream_tool_call.sse")).unwrap();
    let r = super::fixture_tests::decode_stream(Dialect::Gemini, &text).unwrap();
    assert!(!r.tool_calls.is_empty());
    assert!(r.tool_calls.iter().any(|c| c.signature.is_some()));
}

#[test]
fn a_gateway_clients_thought_signature_reaches_gemini_with_its_call() {
    // What `llmx serve` hands a Chat Completions client, echoed back on the next turn.
    let body = json!({"model": "gemini-2.5-flash", "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
            "extra_content": {"google": {"thought_signature": "c2lnbmVk"}}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp_c\": 21}"},
    ]});
    let req = openai::parse_request(&body).unwrap();
    let sent = build(Dialect::Gemini, &req);
    let part = &sent["contents"][1]["parts"][0];
    assert_eq!(part["functionCall"]["name"], "get_weather");
    assert_eq!(part["thoughtSignature"], "c2lnbmVk");
    // Fields the conversation does not hold travel to OpenAI-compatible upstreams as they came.
    let mut with_extra = body.clone();
    with_extra["top_p"] = json!(0.3);
    with_extra["provider"] = json!({"sort": "price"});
    let req = openai::parse_request(&with_extra).unwrap();
    let out = build(Dialect::OpenAi, &req);
    assert_eq!(out["top_p"], 0.3);
    assert!(out.get("provider").is_none());
}

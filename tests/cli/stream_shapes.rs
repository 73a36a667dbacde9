//! The streams `llmx serve` writes, event by event: for each inbound wire (Chat Completions,
//! Anthropic Messages, OpenAI Responses) × each upstream dialect on the mock (OpenAI,
//! Anthropic, Gemini), a text answer, a two-tool answer and a failure after the first token.
//! Each stream is reduced to its sequence of event kinds (a run of the same delta is one
//! entry) and compared whole, so a missing, extra or reordered event fails.

use serde_json::{json, Value};

use crate::serve::Serve;
use crate::support::World;

/// One SSE event: its `event:` name (if any) and its data (JSON, or the raw text).
fn events(text: &str) -> Vec<(Option<String>, Value)> {
    text.split("\n\n")
        .filter(|e| !e.trim().is_empty() && !e.starts_with(':'))
        .map(|e| {
            let name = e
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .map(str::to_string);
            let data = e
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap_or("");
            let v = serde_json::from_str(data).unwrap_or_else(|_| json!(data));
            (name, v)
        })
        .collect()
}

/// A Chat Completions chunk's kind.
fn chat_kind(v: &Value) -> String {
    if v == "[DONE]" {
        return "[DONE]".into();
    }
    if v["error"].is_object() {
        return "error".into();
    }
    let c = &v["choices"][0];
    if let Some(f) = c["finish_reason"].as_str() {
        return format!("finish:{f}");
    }
    let d = &c["delta"];
    if let Some(t) = d["tool_calls"].get(0) {
        let part = if t["id"].is_string() { "head" } else { "args" };
        return format!("tool{}:{part}", t["index"]);
    }
    if d["role"].is_string() {
        return "role".into();
    }
    if d["content"].is_string() {
        return "content".into();
    }
    format!("other:{v}")
}

/// An Anthropic event's kind, with its block type or stop reason.
fn messages_kind(name: &str, v: &Value) -> String {
    match name {
        "content_block_start" => format!("start:{}", v["content_block"]["type"].as_str().unwrap()),
        "content_block_delta" => format!("delta:{}", v["delta"]["type"].as_str().unwrap()),
        "content_block_stop" => "stop".into(),
        "message_delta" => format!(
            "message_delta:{}",
            v["delta"]["stop_reason"].as_str().unwrap()
        ),
        other => other.into(),
    }
}

/// A Responses event's kind, with its item type where it has one.
fn responses_kind(name: &str, v: &Value) -> String {
    let short = name.trim_start_matches("response.");
    match v["item"]["type"].as_str() {
        Some(t) => format!("{short}:{t}"),
        None => short.to_string(),
    }
}

/// The kinds in order, a run of the same one kept once.
fn shape(kinds: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in kinds {
        if out.last() != Some(&k) {
            out.push(k);
        }
    }
    out
}

#[derive(Clone, Copy, Debug)]
enum Wire {
    Chat,
    Messages,
    Responses,
}

/// The stream for `model` asked on `wire`, with the two tools offered; its shape. Checks on the
/// way what the shape cannot show: every Anthropic block index in order, every Responses
/// `sequence_number` counting from 0.
fn stream(s: &Serve, wire: Wire, model: &str) -> Vec<String> {
    let (path, body) = match wire {
        Wire::Chat => (
            "/v1/chat/completions",
            json!({"model": model, "stream": true,
                "messages": [{"role": "user", "content": "go"}],
                "tools": [
                    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}},
                    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}]}),
        ),
        Wire::Messages => (
            "/v1/messages",
            json!({"model": model, "stream": true, "max_tokens": 100,
                "messages": [{"role": "user", "content": "go"}],
                "tools": [{"name": "get_weather", "input_schema": {"type": "object"}},
                          {"name": "get_time", "input_schema": {"type": "object"}}]}),
        ),
        Wire::Responses => (
            "/v1/responses",
            json!({"model": model, "stream": true, "input": "go",
                "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}},
                          {"type": "function", "name": "get_time", "parameters": {"type": "object"}}]}),
        ),
    };
    let r = s.post(path, &body);
    assert_eq!(r.status, 200, "{wire:?} {model}: {}", r.text());
    let ev = events(&r.text());
    match wire {
        Wire::Chat => shape(ev.iter().map(|(_, v)| chat_kind(v)).collect()),
        Wire::Messages => {
            let mut open = Vec::new();
            for (name, v) in &ev {
                match name.as_deref() {
                    Some("content_block_start") => open.push(v["index"].as_u64().unwrap()),
                    Some("content_block_delta" | "content_block_stop") => {
                        assert_eq!(Some(&v["index"].as_u64().unwrap()), open.last(), "{v}")
                    }
                    _ => {}
                }
            }
            let want: Vec<u64> = (0..open.len() as u64).collect();
            assert_eq!(open, want, "{model}: block indexes");
            shape(
                ev.iter()
                    .map(|(n, v)| messages_kind(n.as_deref().expect("named event"), v))
                    .collect(),
            )
        }
        Wire::Responses => {
            for (i, (name, v)) in ev.iter().enumerate() {
                assert_eq!(v["sequence_number"], i, "{model}: {name:?} {v}");
                assert_eq!(name.as_deref(), v["type"].as_str(), "{v}");
            }
            shape(
                ev.iter()
                    .map(|(n, v)| responses_kind(n.as_deref().expect("named event"), v))
                    .collect(),
            )
        }
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// What each wire's stream must be, for a text answer, two calls, and a failure after the
/// first token. A Messages client of an Anthropic upstream gets the upstream's own events as
/// they came: the mock streams like the recordings, with a `ping` after the first block's start
/// and an empty text block before calls (serve::messages_to_anthropic_go_through_as_they_came
/// checks them byte for byte).
fn expected(wire: Wire, dialect: &str, case: &str) -> Vec<String> {
    if let (Wire::Messages, "anthropic") = (wire, dialect) {
        return strings(match case {
            "text" => &[
                "message_start",
                "start:text",
                "ping",
                "delta:text_delta",
                "stop",
                "message_delta:end_turn",
                "message_stop",
            ],
            "tools" => &[
                "message_start",
                "start:text",
                "ping",
                "stop",
                "start:tool_use",
                "delta:input_json_delta",
                "stop",
                "start:tool_use",
                "delta:input_json_delta",
                "stop",
                "message_delta:tool_use",
                "message_stop",
            ],
            _ => &[
                "message_start",
                "start:text",
                "ping",
                "delta:text_delta",
                "error",
            ],
        });
    }
    strings(match (wire, case) {
        (Wire::Chat, "text") => &["role", "content", "finish:stop", "[DONE]"],
        (Wire::Chat, "tools") => &[
            "role",
            "tool0:head",
            "tool0:args",
            "tool1:head",
            "tool1:args",
            "finish:tool_calls",
            "[DONE]",
        ],
        (Wire::Chat, _) => &["role", "content", "error"],
        (Wire::Messages, "text") => &[
            "message_start",
            "start:text",
            "delta:text_delta",
            "stop",
            "message_delta:end_turn",
            "message_stop",
        ],
        (Wire::Messages, "tools") => &[
            "message_start",
            "start:tool_use",
            "delta:input_json_delta",
            "stop",
            "start:tool_use",
            "delta:input_json_delta",
            "stop",
            "message_delta:tool_use",
            "message_stop",
        ],
        (Wire::Messages, _) => &["message_start", "start:text", "delta:text_delta", "error"],
        (Wire::Responses, "text") => &[
            "created",
            "in_progress",
            "output_item.added:message",
            "content_part.added",
            "output_text.delta",
            "output_text.done",
            "content_part.done",
            "output_item.done:message",
            "completed",
        ],
        (Wire::Responses, "tools") => &[
            "created",
            "in_progress",
            "output_item.added:function_call",
            "function_call_arguments.delta",
            "function_call_arguments.done",
            "output_item.done:function_call",
            "output_item.added:function_call",
            "function_call_arguments.delta",
            "function_call_arguments.done",
            "output_item.done:function_call",
            "completed",
        ],
        (Wire::Responses, _) => &[
            "created",
            "in_progress",
            "output_item.added:message",
            "content_part.added",
            "output_text.delta",
            "failed",
        ],
    })
}

#[test]
fn every_wire_streams_in_its_own_order_from_every_dialect() {
    let fell = json!({"kind": "error_event", "after_chunks": 2, "message": "upstream fell over"});
    // One failure for each request to `fails` (3 wires × 3 dialects); a retry would use one
    // more and show as a second answer.
    let fails: Vec<Value> = (0..9).map(|_| fell.clone()).collect();
    let mut w = World::with_server(json!({"models": {
        "text": {"text": "one two three four five six", "chunk_chars": 4},
        "tools": {"text": "", "tool_calls": [
            {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
            {"name": "get_time", "arguments": "{\"tz\":\"CET\"}"}]},
        "fails": {"text": "one two three four five six", "chunk_chars": 4, "failures": fails},
    }}));
    let s = Serve::start(&mut w, &[]);
    let mut wrong = Vec::new();
    for wire in [Wire::Chat, Wire::Messages, Wire::Responses] {
        for dialect in ["openai", "anthropic", "gemini"] {
            for case in ["text", "tools", "fails"] {
                let got = stream(&s, wire, &format!("{dialect}/{case}"));
                let want = expected(wire, dialect, case);
                if got != want {
                    wrong.push(format!(
                        "{wire:?} × {dialect} × {case}:\n  got  {got:?}\n  want {want:?}"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    s.stop();
}

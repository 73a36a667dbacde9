//! The OpenAI Responses wire out of `llmx serve`: a `response` object for a whole answer, and
//! for a stream the Responses events in OpenAI's order — `response.created`,
//! `response.in_progress`, each output item's `added` / deltas / `done`, and always a last
//! `response.completed` or `response.failed` (Codex CLI treats a stream without one as an
//! error). Every event carries its `sequence_number`. Written from the same job events as the
//! other wires.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use llmx_core::job::JobResult;
use llmx_core::provider::{ErrorKind, FinishReason, StreamEvent};
use llmx_core::row::Row;
use serde_json::{json, Map, Value};

use super::chat::Answer;
use super::render::{sse, Render};

/// What a response object repeats of its request, and how calls go back to namespaces.
#[derive(Debug, Default)]
pub(crate) struct Echo {
    /// The request's settings, as OpenAI's response object repeats them.
    pub fields: Map<String, Value>,
    /// Flattened namespace functions: flat name → (namespace, function).
    pub namespaced: HashMap<String, (String, String)>,
}

impl Echo {
    /// The settings a response repeats, from the request body (OpenAI's defaults where it
    /// sent none).
    pub fn of(v: &Value, namespaced: HashMap<String, (String, String)>) -> Echo {
        let or = |k: &str, d: Value| if v[k].is_null() { d } else { v[k].clone() };
        let mut f = Map::new();
        f.insert("instructions".into(), or("instructions", Value::Null));
        f.insert(
            "max_output_tokens".into(),
            or("max_output_tokens", Value::Null),
        );
        f.insert(
            "parallel_tool_calls".into(),
            or("parallel_tool_calls", json!(true)),
        );
        f.insert("previous_response_id".into(), Value::Null);
        f.insert(
            "reasoning".into(),
            json!({"effort": v["reasoning"]["effort"], "summary": v["reasoning"]["summary"]}),
        );
        f.insert("store".into(), json!(false));
        f.insert("temperature".into(), or("temperature", Value::Null));
        f.insert(
            "text".into(),
            or("text", json!({"format": {"type": "text"}})),
        );
        f.insert("tool_choice".into(), or("tool_choice", json!("auto")));
        f.insert("tools".into(), or("tools", json!([])));
        f.insert("top_p".into(), or("top_p", Value::Null));
        f.insert("truncation".into(), json!("disabled"));
        f.insert("metadata".into(), or("metadata", json!({})));
        f.insert("user".into(), or("user", Value::Null));
        Echo {
            fields: f,
            namespaced,
        }
    }
}

/// A `response` object.
fn object(
    answer: &Answer,
    echo: &Echo,
    model: &str,
    status: &str,
    output: Vec<Value>,
    usage: Value,
) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(answer.id));
    o.insert("object".into(), json!("response"));
    o.insert("created_at".into(), json!(answer.created));
    o.insert("status".into(), json!(status));
    o.insert("error".into(), Value::Null);
    o.insert("incomplete_details".into(), Value::Null);
    o.insert("model".into(), json!(model));
    o.insert("output".into(), Value::Array(output));
    o.extend(echo.fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    o.insert("usage".into(), usage);
    Value::Object(o)
}

/// How a finished answer's response ends: `completed`, or `incomplete` with the reason when
/// the output limit or a filter cut it.
fn finish(o: &mut Value, r: &JobResult) {
    let reason = match r.response.finish {
        FinishReason::Length => "max_output_tokens",
        FinishReason::ContentFilter => "content_filter",
        _ => return,
    };
    o["status"] = json!("incomplete");
    o["incomplete_details"] = json!({"reason": reason});
}

/// The usage object: Responses' counts, OpenRouter's `cost` (`null` when unknown), and whether
/// the counts are llmx's estimates.
pub(crate) fn usage(row: &Row) -> Value {
    let total = match (row.input_tokens, row.output_tokens) {
        (Some(i), Some(o)) => Some(i + o),
        _ => None,
    };
    json!({
        "input_tokens": row.input_tokens,
        "input_tokens_details": {"cached_tokens": row.cached_tokens.unwrap_or(0)},
        "output_tokens": row.output_tokens,
        "output_tokens_details": {"reasoning_tokens": row.reasoning_tokens.unwrap_or(0)},
        "total_tokens": total,
        "cost": super::chat::money(row.cost_usd),
        "estimated": row.tokens_estimated,
    })
}

/// A call as a `function_call` item, named as the client named it (namespace and all).
fn call_item(answer: &Answer, echo: &Echo, i: usize, c: &llmx_core::provider::ToolCall) -> Value {
    let arguments = if c.arguments.trim().is_empty() {
        "{}".to_string()
    } else {
        c.arguments.clone()
    };
    let mut item = json!({
        "id": format!("fc_{}_{i}", answer.id),
        "type": "function_call",
        "status": "completed",
        "call_id": c.id.clone().unwrap_or_else(|| format!("call_{}_{i}", answer.id)),
        "name": c.name,
        "arguments": arguments,
    });
    if let Some((ns, f)) = echo.namespaced.get(&c.name) {
        item["name"] = json!(f);
        item["namespace"] = json!(ns);
    }
    item
}

fn reasoning_item(id: String, text: &str, sealed: Option<&str>) -> Value {
    let summary = if text.is_empty() {
        json!([])
    } else {
        json!([{"type": "summary_text", "text": text}])
    };
    let mut item = json!({"id": id, "type": "reasoning", "summary": summary});
    if let Some(s) = sealed {
        item["encrypted_content"] = json!(s);
    }
    item
}

fn message_item(id: String, text: &str, status: &str) -> Value {
    json!({
        "id": id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    })
}

/// A whole answer as a `response` object: its reasoning (signed reasoning with the signature
/// as `encrypted_content`), its message and its calls.
pub(crate) fn whole(r: &JobResult, row: &Row, answer: &Answer, echo: &Echo) -> Value {
    let mut output = Vec::new();
    if r.response.signed_reasoning.is_empty() {
        if !r.response.reasoning.is_empty() {
            output.push(reasoning_item(
                format!("rs_{}_0", answer.id),
                &r.response.reasoning,
                None,
            ));
        }
    } else {
        for (i, b) in r.response.signed_reasoning.iter().enumerate() {
            let sealed = b.redacted.as_deref().or(b.signature.as_deref());
            output.push(reasoning_item(
                format!("rs_{}_{i}", answer.id),
                &b.text,
                sealed,
            ));
        }
    }
    if !r.response.text.is_empty() {
        output.push(message_item(
            format!("msg_{}", answer.id),
            &r.response.text,
            "completed",
        ));
    }
    for (i, c) in r.response.tool_calls.iter().enumerate() {
        output.push(call_item(answer, echo, i, c));
    }
    let model = format!("{}/{}", r.provider, r.model);
    let mut o = object(answer, echo, &model, "completed", output, usage(row));
    finish(&mut o, r);
    o["llmx"] = super::chat::llmx_object(r, row);
    o
}

/// The item being streamed.
enum Open {
    None,
    Reasoning {
        id: String,
        index: usize,
        text: String,
    },
    Message {
        id: String,
        index: usize,
        text: String,
    },
}

/// The Responses events of one stream.
pub(crate) struct Responses {
    answer: Answer,
    echo: Arc<Echo>,
    model: String,
    seq: u64,
    /// The finished output items, in order.
    items: Vec<Value>,
    open: Open,
    /// A message item was streamed.
    said: bool,
}

impl Responses {
    pub fn new(answer: Answer, echo: Arc<Echo>) -> Responses {
        Responses {
            answer,
            echo,
            model: String::new(),
            seq: 0,
            items: Vec::new(),
            open: Open::None,
            said: false,
        }
    }

    /// One event, numbered.
    fn ev(&mut self, kind: &str, mut v: Value) -> Bytes {
        v["type"] = json!(kind);
        v["sequence_number"] = json!(self.seq);
        self.seq += 1;
        sse(Some(kind), &v)
    }

    fn lifecycle(&mut self, kind: &str, o: Value) -> Bytes {
        self.ev(kind, json!({"response": o}))
    }

    fn open_reasoning(&mut self, out: &mut Vec<Bytes>) {
        if matches!(self.open, Open::Reasoning { .. }) {
            return;
        }
        self.close(None, out);
        let index = self.items.len();
        let id = format!("rs_{}_{index}", self.answer.id);
        out.push(self.ev(
            "response.output_item.added",
            json!({"output_index": index, "item": {"id": id, "type": "reasoning", "summary": []}}),
        ));
        out.push(self.ev(
            "response.reasoning_summary_part.added",
            json!({"item_id": id, "output_index": index, "summary_index": 0,
                "part": {"type": "summary_text", "text": ""}}),
        ));
        self.open = Open::Reasoning {
            id,
            index,
            text: String::new(),
        };
    }

    fn open_message(&mut self, out: &mut Vec<Bytes>) {
        if matches!(self.open, Open::Message { .. }) {
            return;
        }
        self.close(None, out);
        let index = self.items.len();
        let id = format!("msg_{}", self.answer.id);
        let mut item = message_item(id.clone(), "", "in_progress");
        item["content"] = json!([]);
        out.push(self.ev(
            "response.output_item.added",
            json!({"output_index": index, "item": item}),
        ));
        out.push(self.ev(
            "response.content_part.added",
            json!({"item_id": id, "output_index": index, "content_index": 0,
                "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []}}),
        ));
        self.said = true;
        self.open = Open::Message {
            id,
            index,
            text: String::new(),
        };
    }

    /// Finish the open item (a reasoning item sealed by `sealed`, the provider's signature).
    fn close(&mut self, sealed: Option<&str>, out: &mut Vec<Bytes>) {
        match std::mem::replace(&mut self.open, Open::None) {
            Open::None => {}
            Open::Reasoning { id, index, text } => {
                out.push(self.ev(
                    "response.reasoning_summary_text.done",
                    json!({"item_id": id, "output_index": index, "summary_index": 0, "text": text}),
                ));
                out.push(self.ev(
                    "response.reasoning_summary_part.done",
                    json!({"item_id": id, "output_index": index, "summary_index": 0,
                        "part": {"type": "summary_text", "text": text}}),
                ));
                let item = reasoning_item(id, &text, sealed);
                out.push(self.ev(
                    "response.output_item.done",
                    json!({"output_index": index, "item": item}),
                ));
                self.items.push(item);
            }
            Open::Message { id, index, text } => {
                out.push(self.ev(
                    "response.output_text.done",
                    json!({"item_id": id, "output_index": index, "content_index": 0,
                        "text": text, "logprobs": []}),
                ));
                out.push(self.ev(
                    "response.content_part.done",
                    json!({"item_id": id, "output_index": index, "content_index": 0,
                        "part": {"type": "output_text", "text": text, "annotations": [], "logprobs": []}}),
                ));
                let item = message_item(id, &text, "completed");
                out.push(self.ev(
                    "response.output_item.done",
                    json!({"output_index": index, "item": item}),
                ));
                self.items.push(item);
            }
        }
    }

    fn text(&mut self, t: &str, out: &mut Vec<Bytes>) {
        self.open_message(out);
        let Open::Message { id, index, text } = &mut self.open else {
            return;
        };
        text.push_str(t);
        let v = json!({"item_id": id, "output_index": index, "content_index": 0,
            "delta": t, "logprobs": []});
        out.push(self.ev("response.output_text.delta", v));
    }

    fn in_progress(&self) -> Value {
        object(
            &self.answer,
            &self.echo,
            &self.model,
            "in_progress",
            Vec::new(),
            Value::Null,
        )
    }
}

/// The `error.code` of a failed response, from the codes Codex CLI acts on.
pub(crate) fn failed_code(kind: Option<ErrorKind>, message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    match kind {
        Some(ErrorKind::RateLimit) => "rate_limit_exceeded",
        Some(ErrorKind::BadRequest)
            if m.contains("context length")
                || m.contains("context_length")
                || m.contains("context window")
                || m.contains("prompt is too long")
                || m.contains("too many tokens") =>
        {
            "context_length_exceeded"
        }
        Some(ErrorKind::Auth) if m.contains("quota") || m.contains("billing") => {
            "insufficient_quota"
        }
        _ => "server_error",
    }
}

impl Render for Responses {
    fn set_model(&mut self, link: &str) {
        self.model = link.to_string();
    }

    fn start(&mut self) -> Vec<Bytes> {
        let o = self.in_progress();
        let created = self.lifecycle("response.created", o.clone());
        vec![created, self.lifecycle("response.in_progress", o)]
    }

    fn delta(&mut self, ev: &StreamEvent) -> Vec<Bytes> {
        let mut out = Vec::new();
        match ev {
            StreamEvent::ReasoningDelta(t) => {
                self.open_reasoning(&mut out);
                if let Open::Reasoning { id, index, text } = &mut self.open {
                    text.push_str(t);
                    let v = json!({"item_id": id, "output_index": index, "summary_index": 0,
                        "delta": t});
                    out.push(self.ev("response.reasoning_summary_text.delta", v));
                }
            }
            StreamEvent::ReasoningSignature(s) if matches!(self.open, Open::Reasoning { .. }) => {
                self.close(Some(s), &mut out);
            }
            StreamEvent::RedactedReasoning(data) => {
                self.close(None, &mut out);
                let index = self.items.len();
                let item = reasoning_item(format!("rs_{}_{index}", self.answer.id), "", Some(data));
                out.push(self.ev(
                    "response.output_item.added",
                    json!({"output_index": index, "item": item}),
                ));
                out.push(self.ev(
                    "response.output_item.done",
                    json!({"output_index": index, "item": item}),
                ));
                self.items.push(item);
            }
            StreamEvent::TextDelta(t) => self.text(t, &mut out),
            _ => {}
        }
        out
    }

    fn keep_alive(&self) -> Bytes {
        Bytes::from_static(b": keep-alive\n\n")
    }

    fn end(&mut self, r: &JobResult, row: &Row) -> Vec<Bytes> {
        self.model = format!("{}/{}", r.provider, r.model);
        let mut out = Vec::new();
        self.close(None, &mut out);
        if !self.said && !r.response.text.is_empty() {
            // The answer came whole (no text deltas): its message is still one item.
            self.text(&r.response.text, &mut out);
            self.close(None, &mut out);
        }
        for (i, c) in r.response.tool_calls.iter().enumerate() {
            let index = self.items.len();
            let item = call_item(&self.answer, &self.echo, i, c);
            let id = item["id"].clone();
            let mut head = item.clone();
            head["status"] = json!("in_progress");
            head["arguments"] = json!("");
            out.push(self.ev(
                "response.output_item.added",
                json!({"output_index": index, "item": head}),
            ));
            let v = json!({"item_id": id, "output_index": index, "delta": item["arguments"]});
            out.push(self.ev("response.function_call_arguments.delta", v));
            let v = json!({"item_id": id, "output_index": index, "arguments": item["arguments"],
                "name": item["name"]});
            out.push(self.ev("response.function_call_arguments.done", v));
            out.push(self.ev(
                "response.output_item.done",
                json!({"output_index": index, "item": item}),
            ));
            self.items.push(item);
        }
        let mut o = object(
            &self.answer,
            &self.echo,
            &self.model,
            "completed",
            self.items.clone(),
            usage(row),
        );
        finish(&mut o, r);
        o["llmx"] = super::chat::llmx_object(r, row);
        out.push(self.lifecycle("response.completed", o));
        out
    }

    fn fail(&mut self, kind: Option<ErrorKind>, message: &str) -> Bytes {
        let mut o = object(
            &self.answer,
            &self.echo,
            &self.model,
            "failed",
            self.items.clone(),
            Value::Null,
        );
        let code = if kind.is_none() {
            "server_error"
        } else {
            failed_code(kind, message)
        };
        o["error"] = json!({"code": code, "message": message});
        self.lifecycle("response.failed", o)
    }
}

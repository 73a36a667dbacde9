//! OpenAI's Responses wire (`POST /v1/responses`) in the mock, shaped like the recordings in
//! tests/fixtures/real/openai_responses: a `response` object, or the named events with their
//! `sequence_number` — `response.created`, `response.in_progress`, each output item's `added`,
//! deltas and `done`, then `response.completed` (or `response.incomplete` at the output limit).

use serde_json::{json, Value};

use super::render::Plan;

/// The mock's id for its response.
const ID: &str = "resp_mock";

impl Plan {
    fn responses_usage(&self) -> Value {
        json!({
            "input_tokens": self.input,
            "input_tokens_details": {"cached_tokens": self.cached},
            "output_tokens": self.output,
            "output_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
            "total_tokens": self.input.saturating_add(self.output),
        })
    }

    fn responses_object(&self, status: &str, output: Vec<Value>, usage: bool) -> Value {
        let mut o = json!({
            "id": ID, "object": "response", "created_at": 1_700_000_000, "status": status,
            "error": null, "incomplete_details": null, "model": self.model, "output": output,
            "parallel_tool_calls": true, "store": false, "tools": [], "usage": null,
        });
        if status == "incomplete" {
            o["incomplete_details"] = json!({"reason": "max_output_tokens"});
        }
        if usage && self.usage {
            o["usage"] = self.responses_usage();
        }
        o
    }

    fn reasoning_item(&self) -> Value {
        json!({"id": "rs_mock", "type": "reasoning",
            "summary": [{"type": "summary_text", "text": self.reasoning}],
            "encrypted_content": "mock-sealed"})
    }

    fn message_item(&self) -> Value {
        json!({"id": "msg_mock", "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": self.text, "annotations": [], "logprobs": []}]})
    }

    fn call_item(&self, i: usize) -> Value {
        let mut item = json!({"id": format!("fc_mock{i}"), "type": "function_call",
            "status": "completed", "call_id": self.call_id(i), "name": self.calls[i].name,
            "arguments": self.calls[i].arguments});
        if let Some(Some(ns)) = self.namespaces.get(i) {
            item["namespace"] = json!(ns);
        }
        item
    }

    /// Say which namespace group of the request's `tools` offered each call's function.
    pub fn namespaces_from(&mut self, req: &Value) {
        let group_of = |name: &str| {
            req["tools"].as_array().into_iter().flatten().find_map(|t| {
                let inner = t["tools"].as_array()?;
                inner
                    .iter()
                    .any(|f| f["name"] == name)
                    .then(|| t["name"].as_str().unwrap_or("").to_string())
            })
        };
        self.namespaces = self.calls.iter().map(|c| group_of(&c.name)).collect();
    }

    /// The output items, in order.
    fn responses_output(&self) -> Vec<Value> {
        let mut out = Vec::new();
        if !self.reasoning.is_empty() {
            out.push(self.reasoning_item());
        }
        if !self.text.is_empty() || self.calls.is_empty() {
            out.push(self.message_item());
        }
        out.extend((0..self.calls.len()).map(|i| self.call_item(i)));
        out
    }

    fn final_status(&self) -> &'static str {
        if self.length {
            "incomplete"
        } else {
            "completed"
        }
    }

    /// The whole (non-streamed) body.
    pub fn responses_whole(&self) -> Value {
        self.responses_object(self.final_status(), self.responses_output(), true)
    }

    /// Every event of the stream: the head, one entry per content chunk, and the tail.
    pub fn responses_events(&self) -> (String, Vec<String>, String) {
        let mut seq = 0u64;
        let mut ev = |kind: &str, mut v: Value| {
            v["type"] = json!(kind);
            v["sequence_number"] = json!(seq);
            seq += 1;
            format!("event: {kind}\ndata: {v}\n\n")
        };
        let started = self.responses_object("in_progress", Vec::new(), false);
        let head = ev("response.created", json!({"response": started}))
            + &ev("response.in_progress", json!({"response": started}));
        let mut chunks = Vec::new();
        let mut index = 0usize;
        let pieces = |s: &str| -> Vec<String> {
            let chars: Vec<char> = s.chars().collect();
            chars
                .chunks(self.chunk_chars.max(1))
                .map(|c| c.iter().collect())
                .collect()
        };
        if !self.reasoning.is_empty() {
            let at = json!({"item_id": "rs_mock", "output_index": index, "summary_index": 0});
            let with = |mut v: Value, k: &str, x: Value| {
                v[k] = x;
                v
            };
            let mut first = ev(
                "response.output_item.added",
                json!({"output_index": index, "item": {"id": "rs_mock", "type": "reasoning", "summary": []}}),
            );
            first += &ev(
                "response.reasoning_summary_part.added",
                with(
                    at.clone(),
                    "part",
                    json!({"type": "summary_text", "text": ""}),
                ),
            );
            for (k, p) in pieces(&self.reasoning).into_iter().enumerate() {
                let d = ev(
                    "response.reasoning_summary_text.delta",
                    with(at.clone(), "delta", json!(p)),
                );
                chunks.push(if k == 0 { first.clone() + &d } else { d });
            }
            let done = ev(
                "response.reasoning_summary_text.done",
                with(at.clone(), "text", json!(self.reasoning)),
            ) + &ev(
                "response.reasoning_summary_part.done",
                with(
                    at,
                    "part",
                    json!({"type": "summary_text", "text": self.reasoning}),
                ),
            ) + &ev(
                "response.output_item.done",
                json!({"output_index": index, "item": self.reasoning_item()}),
            );
            if let Some(last) = chunks.last_mut() {
                *last += &done;
            }
            index += 1;
        }
        let mut message_open = false;
        if !self.text.is_empty() || self.calls.is_empty() {
            let at = json!({"item_id": "msg_mock", "output_index": index, "content_index": 0});
            let mut item = self.message_item();
            item["status"] = json!("in_progress");
            item["content"] = json!([]);
            let mut first = ev(
                "response.output_item.added",
                json!({"output_index": index, "item": item}),
            );
            let mut part = at.clone();
            part["part"] =
                json!({"type": "output_text", "text": "", "annotations": [], "logprobs": []});
            first += &ev("response.content_part.added", part);
            let texts = pieces(&self.text);
            if texts.is_empty() {
                chunks.push(first.clone());
            }
            for (k, p) in texts.into_iter().enumerate() {
                let mut d = at.clone();
                d["delta"] = json!(p);
                d["logprobs"] = json!([]);
                let d = ev("response.output_text.delta", d);
                chunks.push(if k == 0 { first.clone() + &d } else { d });
            }
            message_open = true;
        }
        let close_message = |ev: &mut dyn FnMut(&str, Value) -> String| {
            let at = json!({"item_id": "msg_mock", "output_index": index, "content_index": 0});
            let mut done = at.clone();
            done["text"] = json!(self.text);
            done["logprobs"] = json!([]);
            let mut part = at;
            part["part"] = json!({"type": "output_text", "text": self.text, "annotations": [], "logprobs": []});
            ev("response.output_text.done", done)
                + &ev("response.content_part.done", part)
                + &ev(
                    "response.output_item.done",
                    json!({"output_index": index, "item": self.message_item()}),
                )
        };
        if message_open && !self.calls.is_empty() {
            let done = close_message(&mut ev);
            if let Some(last) = chunks.last_mut() {
                *last += &done;
            }
            message_open = false;
        }
        let first_call = index + usize::from(!self.text.is_empty() || self.calls.is_empty());
        for i in 0..self.calls.len() {
            let at = first_call + i;
            let id = format!("fc_mock{i}");
            let mut item = self.call_item(i);
            item["status"] = json!("in_progress");
            item["arguments"] = json!("");
            chunks.push(ev(
                "response.output_item.added",
                json!({"output_index": at, "item": item}),
            ));
            for a in pieces(&self.calls[i].arguments) {
                chunks.push(ev(
                    "response.function_call_arguments.delta",
                    json!({"item_id": id, "output_index": at, "delta": a}),
                ));
            }
            let done = ev(
                "response.function_call_arguments.done",
                json!({"item_id": id, "output_index": at, "arguments": self.calls[i].arguments}),
            ) + &ev(
                "response.output_item.done",
                json!({"output_index": at, "item": self.call_item(i)}),
            );
            if let Some(last) = chunks.last_mut() {
                *last += &done;
            }
        }
        let mut tail = String::new();
        if message_open {
            tail += &close_message(&mut ev);
        }
        let status = self.final_status();
        let kind = if status == "incomplete" {
            "response.incomplete"
        } else {
            "response.completed"
        };
        let done = self.responses_object(status, self.responses_output(), true);
        tail += &ev(kind, json!({"response": done}));
        (head, chunks, tail)
    }
}

/// A failure inside a 200 stream, as the Responses API reports one.
pub fn stream_error(message: Option<&str>) -> String {
    let msg = message.unwrap_or("The server had an error while processing your request.");
    let v = json!({"type": "response.failed", "sequence_number": 9999, "response": {
        "id": ID, "object": "response", "status": "failed", "output": [], "usage": null,
        "error": {"code": "server_error", "message": msg}}});
    format!("event: response.failed\ndata: {v}\n\n")
}

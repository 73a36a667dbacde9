//! A committed stream in the client's wire: OpenAI's `chat.completion.chunk` events, or
//! Anthropic's Messages events in their exact order. Both are written from the same job
//! events (the core's conversation model is the one mapping each way); only the shapes differ.

use bytes::Bytes;
use llmx_core::job::JobResult;
use llmx_core::provider::{ErrorKind, FinishReason, StreamEvent};
use llmx_core::row::Row;
use serde_json::{json, Value};

use super::chat::Answer;

/// One stream's writer.
pub(crate) trait Render: Send {
    /// The link now answering (`provider/model`).
    fn set_model(&mut self, link: &str);
    /// What opens the stream.
    fn start(&mut self) -> Vec<Bytes>;
    /// A piece of the answer as it arrives (nothing for the pieces this wire does not show).
    fn delta(&mut self, ev: &StreamEvent) -> Vec<Bytes>;
    /// Said while the upstream is silent.
    fn keep_alive(&self) -> Bytes;
    /// A finished answer's last events (its calls, the finish, usage, the end marker).
    fn end(&mut self, r: &JobResult, row: &Row) -> Vec<Bytes>;
    /// The error event that ends a stream that failed after it was committed (no end marker):
    /// the upstream's failure of `kind`, or (`None`) the server stopping.
    fn fail(&mut self, kind: Option<ErrorKind>, message: &str) -> Bytes;
}

/// `data: JSON` (OpenAI), or `event: TYPE` then `data: JSON` (Anthropic).
pub(crate) fn sse(event: Option<&str>, v: &Value) -> Bytes {
    let mut s = String::with_capacity(256);
    if let Some(e) = event {
        s.push_str("event: ");
        s.push_str(e);
        s.push('\n');
    }
    s.push_str("data: ");
    s.push_str(&v.to_string());
    s.push_str("\n\n");
    Bytes::from(s)
}

/// OpenAI's chunks.
pub(crate) struct OpenAi {
    pub answer: Answer,
    pub model: String,
    pub include_usage: bool,
}

impl OpenAi {
    fn chunk(&self, delta: Value, finish: Option<&str>) -> Value {
        json!({
            "id": self.answer.id,
            "object": "chat.completion.chunk",
            "created": self.answer.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}],
        })
    }
}

impl Render for OpenAi {
    fn set_model(&mut self, link: &str) {
        self.model = link.to_string();
    }

    fn start(&mut self) -> Vec<Bytes> {
        vec![sse(
            None,
            &self.chunk(json!({"role": "assistant", "content": ""}), None),
        )]
    }

    fn delta(&mut self, ev: &StreamEvent) -> Vec<Bytes> {
        let d = match ev {
            StreamEvent::TextDelta(t) => json!({"content": t}),
            StreamEvent::ReasoningDelta(t) => json!({"reasoning_content": t}),
            _ => return Vec::new(),
        };
        vec![sse(None, &self.chunk(d, None))]
    }

    fn keep_alive(&self) -> Bytes {
        Bytes::from_static(b": keep-alive\n\n")
    }

    fn end(&mut self, r: &JobResult, row: &Row) -> Vec<Bytes> {
        self.model = format!("{}/{}", r.provider, r.model);
        let mut out = Vec::new();
        for (i, call) in super::chat::tool_calls(r, &self.answer)
            .into_iter()
            .enumerate()
        {
            let args = call["function"]["arguments"].clone();
            let mut head = call;
            head["index"] = json!(i);
            head["function"]["arguments"] = json!("");
            out.push(sse(None, &self.chunk(json!({"tool_calls": [head]}), None)));
            let more = json!({"tool_calls": [{"index": i, "function": {"arguments": args}}]});
            out.push(sse(None, &self.chunk(more, None)));
        }
        if let Some(d) = super::chat::reasoning_details(r) {
            out.push(sse(
                None,
                &self.chunk(json!({"reasoning_details": d}), None),
            ));
        }
        let mut last = self.chunk(json!({}), Some(super::chat::finish_reason(r)));
        last["llmx"] = super::chat::llmx_object(r, row);
        if !self.include_usage {
            last["usage"] = super::chat::usage(row);
        }
        out.push(sse(None, &last));
        if self.include_usage {
            let mut u = self.chunk(json!({}), None);
            u["choices"] = json!([]);
            u["usage"] = super::chat::usage(row);
            out.push(sse(None, &u));
        }
        out.push(Bytes::from_static(b"data: [DONE]\n\n"));
        out
    }

    fn fail(&mut self, kind: Option<ErrorKind>, message: &str) -> Bytes {
        let code = kind.map_or("shutting_down", ErrorKind::as_str);
        sse(
            None,
            &super::http::error_body(message, "server_error", code),
        )
    }
}

/// Which content block is open in an Anthropic stream.
#[derive(Clone, Copy, PartialEq)]
enum Open {
    None,
    Thinking,
    Text,
    Tool,
}

/// Anthropic's Messages events: `message_start` (with the input's usage), each block's
/// `content_block_start` / `_delta` / `_stop`, `message_delta` (stop reason, usage),
/// `message_stop`; `ping` while the upstream is silent.
pub(crate) struct Anthropic {
    pub answer: Answer,
    pub model: String,
    /// llmx's estimate of the input, for `message_start` (the real count comes at the end).
    pub input_tokens: u64,
    open: Open,
    /// The index of the next block.
    next: usize,
    /// The upstream speaks Messages too: its own events are handed on as they came, and
    /// nothing is written from the decoded ones.
    verbatim: bool,
    /// The last event handed on was the upstream's own `error`.
    upstream_error: bool,
}

impl Anthropic {
    pub fn new(answer: Answer, model: String, input_tokens: u64) -> Anthropic {
        Anthropic {
            answer,
            model,
            input_tokens,
            open: Open::None,
            next: 0,
            verbatim: false,
            upstream_error: false,
        }
    }

    fn close(&mut self, out: &mut Vec<Bytes>) {
        if self.open != Open::None {
            let index = self.next - 1;
            out.push(sse(
                Some("content_block_stop"),
                &json!({"type": "content_block_stop", "index": index}),
            ));
            self.open = Open::None;
        }
    }

    fn open_block(&mut self, kind: Open, block: Value, out: &mut Vec<Bytes>) {
        if self.open == kind {
            return;
        }
        self.close(out);
        out.push(sse(
            Some("content_block_start"),
            &json!({"type": "content_block_start", "index": self.next, "content_block": block}),
        ));
        self.next += 1;
        self.open = kind;
    }

    fn block_delta(&self, delta: Value) -> Bytes {
        sse(
            Some("content_block_delta"),
            &json!({"type": "content_block_delta", "index": self.next - 1, "delta": delta}),
        )
    }
}

/// Anthropic's `stop_reason` for how an answer ended.
pub(crate) fn stop_reason(r: &JobResult) -> &'static str {
    if !r.response.tool_calls.is_empty() {
        return "tool_use";
    }
    match r.response.finish {
        FinishReason::Length => "max_tokens",
        FinishReason::Refusal | FinishReason::ContentFilter => "refusal",
        _ if r.response.finish_raw.as_deref() == Some("stop_sequence") => "stop_sequence",
        _ => "end_turn",
    }
}

/// Anthropic's error `type` for a failure of this kind.
pub(crate) fn anthropic_error_type(kind: Option<ErrorKind>) -> &'static str {
    match kind {
        Some(ErrorKind::RateLimit) => "rate_limit_error",
        Some(ErrorKind::Overloaded) => "overloaded_error",
        Some(ErrorKind::BadRequest) => "invalid_request_error",
        Some(ErrorKind::NotFound) => "not_found_error",
        Some(ErrorKind::Timeout) => "timeout_error",
        _ => "api_error",
    }
}

impl Render for Anthropic {
    fn set_model(&mut self, link: &str) {
        self.model = link.to_string();
    }

    fn start(&mut self) -> Vec<Bytes> {
        if self.verbatim {
            return Vec::new();
        }
        let message = json!({
            "id": self.answer.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": null,
            "stop_sequence": null,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": 0},
        });
        vec![sse(
            Some("message_start"),
            &json!({"type": "message_start", "message": message}),
        )]
    }

    fn delta(&mut self, ev: &StreamEvent) -> Vec<Bytes> {
        let mut out = Vec::new();
        if let StreamEvent::Verbatim(e) = ev {
            self.verbatim = true;
            self.upstream_error = e.starts_with("event: error");
            return vec![Bytes::from(e.clone())];
        }
        if self.verbatim {
            return out;
        }
        match ev {
            StreamEvent::ReasoningDelta(t) => {
                let block = json!({"type": "thinking", "thinking": "", "signature": ""});
                self.open_block(Open::Thinking, block, &mut out);
                out.push(self.block_delta(json!({"type": "thinking_delta", "thinking": t})));
            }
            StreamEvent::ReasoningSignature(s) if self.open == Open::Thinking => {
                out.push(self.block_delta(json!({"type": "signature_delta", "signature": s})));
            }
            StreamEvent::RedactedReasoning(data) => {
                self.close(&mut out);
                out.push(sse(
                    Some("content_block_start"),
                    &json!({"type": "content_block_start", "index": self.next,
                        "content_block": {"type": "redacted_thinking", "data": data}}),
                ));
                out.push(sse(
                    Some("content_block_stop"),
                    &json!({"type": "content_block_stop", "index": self.next}),
                ));
                self.next += 1;
            }
            StreamEvent::TextDelta(t) => {
                self.open_block(Open::Text, json!({"type": "text", "text": ""}), &mut out);
                out.push(self.block_delta(json!({"type": "text_delta", "text": t})));
            }
            _ => {}
        }
        out
    }

    fn keep_alive(&self) -> Bytes {
        sse(Some("ping"), &json!({"type": "ping"}))
    }

    fn end(&mut self, r: &JobResult, row: &Row) -> Vec<Bytes> {
        let mut out = Vec::new();
        if self.verbatim {
            return out;
        }
        self.close(&mut out);
        for (i, call) in r.response.tool_calls.iter().enumerate() {
            let id = call
                .id
                .clone()
                .unwrap_or_else(|| format!("toolu_{}_{i}", self.answer.id));
            out.push(sse(
                Some("content_block_start"),
                &json!({"type": "content_block_start", "index": self.next,
                    "content_block": {"type": "tool_use", "id": id, "name": call.name, "input": {}}}),
            ));
            self.next += 1;
            self.open = Open::Tool;
            // The arguments as JSON text fragments (here one); no arguments is `{}`.
            let args = if call.arguments.trim().is_empty() {
                "{}"
            } else {
                call.arguments.as_str()
            };
            out.push(self.block_delta(json!({"type": "input_json_delta", "partial_json": args})));
            self.close(&mut out);
        }
        out.push(sse(
            Some("message_delta"),
            &json!({
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason(r), "stop_sequence": null},
                "usage": {
                    "input_tokens": row.input_tokens,
                    "output_tokens": row.output_tokens.unwrap_or(0),
                    "cache_read_input_tokens": row.cached_tokens,
                },
            }),
        ));
        out.push(sse(Some("message_stop"), &json!({"type": "message_stop"})));
        out
    }

    fn fail(&mut self, kind: Option<ErrorKind>, message: &str) -> Bytes {
        if self.upstream_error {
            // The upstream's own error event went out already.
            return Bytes::new();
        }
        sse(
            Some("error"),
            &json!({"type": "error", "error": {"type": anthropic_error_type(kind), "message": message}}),
        )
    }
}

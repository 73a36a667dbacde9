//! A committed stream in the client's wire: OpenAI's `chat.completion.chunk` events, or
//! Anthropic's Messages events in their exact order. Both are written from the same job
//! events (the core's conversation model is the one mapping each way); only the shapes differ.

use bytes::Bytes;
use llmx_core::job::JobResult;
use llmx_core::provider::{ErrorKind, FinishReason, StreamEvent};
use llmx_core::row::Row;
use serde::Serialize;
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
pub(crate) fn sse(event: Option<&str>, v: &impl Serialize) -> Bytes {
    let mut s = Vec::with_capacity(256);
    if let Some(e) = event {
        s.extend_from_slice(b"event: ");
        s.extend_from_slice(e.as_bytes());
        s.push(b'\n');
    }
    s.extend_from_slice(b"data: ");
    // Writing JSON into memory fails only for a map with non-string keys, which none has.
    let _ = serde_json::to_writer(&mut s, v);
    s.extend_from_slice(b"\n\n");
    Bytes::from(s)
}

/// A `chat.completion.chunk`, written as it is (no JSON tree built for every delta). Fields in
/// the order a JSON map of them is written, so every chunk reads the same either way.
#[derive(Serialize)]
struct Chunk<'a, D> {
    choices: [ChunkChoice<'a, D>; 1],
    created: i64,
    id: &'a str,
    model: &'a str,
    object: &'static str,
}

#[derive(Serialize)]
struct ChunkChoice<'a, D> {
    delta: D,
    finish_reason: Option<&'a str>,
    index: u32,
    logprobs: (),
}

#[derive(Serialize)]
struct ContentDelta<'a> {
    content: &'a str,
}

#[derive(Serialize)]
struct ReasoningDelta<'a> {
    reasoning_content: &'a str,
}

/// OpenAI's chunks.
pub(crate) struct OpenAi {
    pub answer: Answer,
    pub model: String,
    pub include_usage: bool,
}

impl OpenAi {
    fn chunk(&self, delta: Value, finish: Option<&str>) -> Value {
        serde_json::to_value(self.typed(delta, finish)).unwrap_or(Value::Null)
    }

    fn typed<'a, D: Serialize>(&'a self, delta: D, finish: Option<&'a str>) -> Chunk<'a, D> {
        Chunk {
            choices: [ChunkChoice {
                delta,
                finish_reason: finish,
                index: 0,
                logprobs: (),
            }],
            created: self.answer.created,
            id: &self.answer.id,
            model: &self.model,
            object: "chat.completion.chunk",
        }
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
        let chunk = match ev {
            StreamEvent::TextDelta(t) => sse(None, &self.typed(ContentDelta { content: t }, None)),
            StreamEvent::ReasoningDelta(t) => sse(
                None,
                &self.typed(
                    ReasoningDelta {
                        reasoning_content: t,
                    },
                    None,
                ),
            ),
            _ => return Vec::new(),
        };
        vec![chunk]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::serve::chat::Wire;

    fn openai() -> OpenAi {
        OpenAi {
            answer: Answer {
                id: "chatcmpl-llmx-7".into(),
                created: 1_700_000_000,
                links: 1,
                wire: Wire::Chat,
                echo: None,
            },
            model: "openai/gpt-4o-mini".into(),
            include_usage: false,
        }
    }

    /// What a delta chunk was when it was built as a JSON tree: the typed chunk must be the
    /// same bytes, whatever the text holds.
    fn as_tree(o: &OpenAi, delta: Value) -> Bytes {
        sse(
            None,
            &json!({
                "id": o.answer.id,
                "object": "chat.completion.chunk",
                "created": o.answer.created,
                "model": o.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": null, "logprobs": null}],
            }),
        )
    }

    #[test]
    fn a_delta_chunk_is_the_same_bytes_as_its_json_tree() {
        let mut o = openai();
        for text in [
            "Hello",
            "",
            "quote \" back \\ slash",
            "line\nbreak\t\u{1b}[2J",
            "日本 \u{2028} é",
        ] {
            let got = o.delta(&StreamEvent::TextDelta(text.into()));
            assert_eq!(got, vec![as_tree(&o, json!({"content": text}))], "{text:?}");
            let got = o.delta(&StreamEvent::ReasoningDelta(text.into()));
            assert_eq!(
                got,
                vec![as_tree(&o, json!({"reasoning_content": text}))],
                "{text:?}"
            );
        }
        let start = o.start();
        assert_eq!(
            start,
            vec![as_tree(&o, json!({"role": "assistant", "content": ""}))]
        );
        let text = String::from_utf8(start[0].to_vec()).unwrap();
        assert!(
            text.starts_with("data: {\"choices\":[{\"delta\":"),
            "{text}"
        );
        assert!(
            text.ends_with("\"object\":\"chat.completion.chunk\"}\n\n"),
            "{text}"
        );
    }
}

//! What the mock server writes, dialect by dialect, shaped like the real recordings: OpenAI
//! chunks with a role-only first delta, a finish chunk, an optional `choices: []` usage chunk and
//! `[DONE]`; Anthropic's named events with `ping` and trailing-space padding; Gemini's whole
//! response objects separated by CRLF.

use serde_json::{json, Value};

use super::{MockCall, Script};

/// The dialect a request arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    OpenAi,
    Anthropic,
    Gemini,
    /// OpenAI's Responses wire.
    Responses,
    /// Amazon Bedrock's Converse. Its stream pieces are rendered as one `TYPE<TAB>JSON` line an
    /// event, framed into binary event-stream messages as they are sent (see `bedrock::frames`).
    Bedrock,
}

/// One answer, ready to render.
pub struct Plan {
    pub(crate) dialect: Dialect,
    pub(crate) model: String,
    pub(crate) text: String,
    pub(crate) reasoning: String,
    pub(crate) input: u64,
    pub(crate) output: u64,
    pub(crate) cached: u64,
    pub(crate) reasoning_tokens: u64,
    pub(crate) cost: Option<f64>,
    pub(crate) length: bool,
    /// `finish: "refusal"`: the model declined (Anthropic's `stop_reason: refusal`).
    pub(crate) refusal: bool,
    pub(crate) chunk_chars: usize,
    pub(crate) include_usage: bool,
    /// Whether to report usage at all.
    pub(crate) usage: bool,
    /// Tool calls after the text.
    pub(crate) calls: Vec<MockCall>,
    /// The namespace each call's function was offered in (the Responses wire's groups).
    pub(crate) namespaces: Vec<Option<String>>,
}

fn chunks_of(s: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    chars.chunks(n.max(1)).map(|c| c.iter().collect()).collect()
}

impl Plan {
    /// `calls` are the tool calls to make; `images` what the request's images were, which the
    /// default answer describes.
    pub fn new(
        script: &Script,
        requested: &str,
        dialect: Dialect,
        include_usage: bool,
        calls: Vec<MockCall>,
        images: &[String],
    ) -> Plan {
        let text = match &script.text {
            Some(t) => t.clone(),
            None if !images.is_empty() => format!(
                "I see {} image{}: {}.",
                images.len(),
                if images.len() == 1 { "" } else { "s" },
                images.join(", ")
            ),
            None if !calls.is_empty() => String::new(),
            None => format!("Hello from {requested}."),
        };
        Plan {
            dialect,
            model: script
                .model_id
                .clone()
                .unwrap_or_else(|| requested.to_string()),
            output: script.output_tokens.unwrap_or_else(|| {
                let args: usize = calls.iter().map(|c| c.arguments.len() / 4 + 1).sum();
                (text.split_whitespace().count() + args) as u64
            }),
            text,
            reasoning: script.reasoning.clone().unwrap_or_default(),
            input: script.input_tokens.unwrap_or(10),
            cached: script.cached_tokens,
            reasoning_tokens: script.reasoning_tokens,
            cost: script.cost,
            length: script.finish.as_deref() == Some("length"),
            refusal: script.finish.as_deref() == Some("refusal"),
            chunk_chars: script.chunk_chars.unwrap_or(8),
            include_usage: include_usage && !script.no_usage,
            usage: !script.no_usage,
            namespaces: Vec::new(),
            calls,
        }
    }

    /// Report these counts (what the request is billed as).
    pub fn bill(&mut self, input: u64, output: u64) {
        self.input = input;
        self.output = output;
    }

    /// Call `i`'s id: the script's, else one shaped like the provider's (Gemini sends none).
    pub(crate) fn call_id(&self, i: usize) -> Option<String> {
        if let Some(id) = &self.calls[i].id {
            return Some(id.clone());
        }
        match self.dialect {
            Dialect::OpenAi | Dialect::Responses => Some(format!("call_mock{i}")),
            Dialect::Anthropic => Some(format!("toolu_mock{i}")),
            Dialect::Bedrock => Some(format!("tooluse_mock{i}")),
            Dialect::Gemini => None,
        }
    }

    /// Call `i`'s arguments as an object (Anthropic and Gemini carry no text).
    fn call_args(&self, i: usize) -> Value {
        serde_json::from_str(&self.calls[i].arguments).unwrap_or_else(|_| json!({}))
    }

    fn openai_usage(&self) -> Value {
        let mut u = json!({
            "prompt_tokens": self.input,
            "completion_tokens": self.output,
            "total_tokens": self.input.saturating_add(self.output),
            "prompt_tokens_details": {"cached_tokens": self.cached},
            "completion_tokens_details": {"reasoning_tokens": self.reasoning_tokens}
        });
        if let Some(c) = self.cost {
            u["cost"] = json!(c);
        }
        u
    }

    fn anthropic_usage(&self) -> Value {
        json!({
            "input_tokens": self.input - self.cached.min(self.input),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": self.cached,
            "output_tokens": self.output
        })
    }

    /// Converse's usage: cache reads outside `inputTokens`, inside `totalTokens`.
    fn bedrock_usage(&self) -> Value {
        let mut u = json!({
            "inputTokens": self.input - self.cached.min(self.input),
            "outputTokens": self.output,
            "totalTokens": self.input.saturating_add(self.output)
        });
        if self.cached > 0 {
            u["cacheReadInputTokens"] = json!(self.cached);
        }
        u
    }

    /// One ConverseStream event in the render's text form (see [`Dialect::Bedrock`]), padded
    /// with a `p` field as the real events are.
    fn bedrock_event(name: &str, mut data: Value) -> String {
        data["p"] = json!("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0");
        format!("{name}\t{data}\n")
    }

    fn gemini_usage(&self, done: bool) -> Value {
        let mut u = json!({"promptTokenCount": self.input});
        if done {
            u["candidatesTokenCount"] = json!(self.output - self.reasoning_tokens.min(self.output));
            u["totalTokenCount"] = json!(self.input.saturating_add(self.output));
            if self.reasoning_tokens > 0 {
                u["thoughtsTokenCount"] = json!(self.reasoning_tokens);
            }
            if self.cached > 0 {
                u["cachedContentTokenCount"] = json!(self.cached);
            }
        }
        u
    }

    fn finish(&self) -> &'static str {
        if self.refusal {
            return match self.dialect {
                Dialect::OpenAi | Dialect::Responses => "stop",
                Dialect::Anthropic => "refusal",
                Dialect::Bedrock => "content_filtered",
                Dialect::Gemini => "SAFETY",
            };
        }
        if !self.calls.is_empty() && !self.length {
            return match self.dialect {
                Dialect::OpenAi | Dialect::Responses => "tool_calls",
                Dialect::Anthropic | Dialect::Bedrock => "tool_use",
                Dialect::Gemini => "STOP",
            };
        }
        match (self.dialect, self.length) {
            (Dialect::OpenAi | Dialect::Responses, false) => "stop",
            (Dialect::OpenAi | Dialect::Responses, true) => "length",
            (Dialect::Anthropic | Dialect::Bedrock, false) => "end_turn",
            (Dialect::Anthropic | Dialect::Bedrock, true) => "max_tokens",
            (Dialect::Gemini, false) => "STOP",
            (Dialect::Gemini, true) => "MAX_TOKENS",
        }
    }

    /// The complete non-streamed body.
    pub fn whole_body(&self) -> String {
        match self.dialect {
            Dialect::OpenAi => {
                let mut msg = json!({"role": "assistant", "content": self.text});
                if !self.reasoning.is_empty() {
                    msg["reasoning_content"] = json!(self.reasoning);
                }
                if !self.calls.is_empty() {
                    if self.text.is_empty() {
                        msg["content"] = Value::Null;
                    }
                    let calls: Vec<Value> = (0..self.calls.len())
                        .map(|i| json!({"id": self.call_id(i), "type": "function",
                            "function": {"name": self.calls[i].name, "arguments": self.calls[i].arguments}}))
                        .collect();
                    msg["tool_calls"] = json!(calls);
                }
                let mut v = json!({
                    "id": "chatcmpl-mock",
                    "object": "chat.completion",
                    "created": 1_700_000_000,
                    "model": self.model,
                    "choices": [{"index": 0, "message": msg, "logprobs": null, "finish_reason": self.finish()}],
                });
                if self.usage {
                    v["usage"] = self.openai_usage();
                }
                v
            }
            Dialect::Anthropic => {
                let mut content = Vec::new();
                if !self.reasoning.is_empty() {
                    content.push(json!({"type": "thinking", "thinking": self.reasoning, "signature": "mock"}));
                }
                if !self.text.is_empty() || self.calls.is_empty() {
                    content.push(json!({"type": "text", "text": self.text}));
                }
                for i in 0..self.calls.len() {
                    content.push(json!({"type": "tool_use", "id": self.call_id(i),
                        "name": self.calls[i].name, "input": self.call_args(i)}));
                }
                let mut v = json!({
                    "id": "msg_mock",
                    "type": "message",
                    "role": "assistant",
                    "model": self.model,
                    "content": content,
                    "stop_reason": self.finish(),
                    "stop_sequence": null,
                });
                if self.usage {
                    v["usage"] = self.anthropic_usage();
                }
                v
            }
            Dialect::Gemini => {
                let mut parts = Vec::new();
                if !self.reasoning.is_empty() {
                    parts.push(json!({"text": self.reasoning, "thought": true}));
                }
                if !self.text.is_empty() || self.calls.is_empty() {
                    parts.push(json!({"text": self.text}));
                }
                for i in 0..self.calls.len() {
                    parts.push(json!({"functionCall": self.gemini_call(i)}));
                }
                let mut v = json!({
                    "candidates": [{"content": {"parts": parts, "role": "model"}, "finishReason": self.finish(), "index": 0}],
                    "modelVersion": self.model,
                    "responseId": "mock"
                });
                if self.usage {
                    v["usageMetadata"] = self.gemini_usage(true);
                }
                v
            }
            Dialect::Responses => self.responses_whole(),
            Dialect::Bedrock => {
                let mut content = Vec::new();
                if !self.reasoning.is_empty() {
                    content.push(json!({"reasoningContent": {"reasoningText": {"text": self.reasoning, "signature": "mock"}}}));
                }
                if !self.text.is_empty() || self.calls.is_empty() {
                    content.push(json!({"text": self.text}));
                }
                for i in 0..self.calls.len() {
                    content.push(json!({"toolUse": {"toolUseId": self.call_id(i),
                        "name": self.calls[i].name, "input": self.call_args(i)}}));
                }
                let mut v = json!({
                    "output": {"message": {"role": "assistant", "content": content}},
                    "stopReason": self.finish(),
                    "metrics": {"latencyMs": 1}
                });
                if self.usage {
                    v["usage"] = self.bedrock_usage();
                }
                v
            }
        }
        .to_string()
    }

    fn openai_chunk(&self, delta: Value, finish: Option<&str>) -> String {
        let v = json!({
            "id": "chatcmpl-mock",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
            "usage": null
        });
        format!("data: {v}\n\n")
    }

    fn anthropic_event(name: &str, data: Value) -> String {
        // Real streams pad the JSON with trailing spaces.
        format!("event: {name}\ndata: {data}      \n\n")
    }

    /// `content_block_start` of block 0 (thinking when there is reasoning, else text).
    fn anthropic_first_block_start(&self) -> String {
        let block = if self.reasoning.is_empty() {
            json!({"type": "text", "text": ""})
        } else {
            json!({"type": "thinking", "thinking": ""})
        };
        Self::anthropic_event(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": block}),
        )
    }

    /// What is sent right after the headers, before the first token.
    pub fn stream_head(&self) -> String {
        match self.dialect {
            Dialect::OpenAi => self.openai_chunk(json!({"role": "assistant", "content": ""}), None),
            Dialect::Anthropic => {
                let mut message = json!({
                    "id": "msg_mock", "type": "message", "role": "assistant",
                    "model": self.model, "content": [], "stop_reason": null,
                    "stop_sequence": null});
                if self.usage {
                    let mut usage = self.anthropic_usage();
                    usage["output_tokens"] = json!(1);
                    message["usage"] = usage;
                }
                Self::anthropic_event(
                    "message_start",
                    json!({"type": "message_start", "message": message}),
                ) + &self.anthropic_first_block_start()
                    + &Self::anthropic_event("ping", json!({"type": "ping"}))
            }
            Dialect::Gemini => String::new(),
            Dialect::Responses => self.responses_events().0,
            Dialect::Bedrock => Self::bedrock_event("messageStart", json!({"role": "assistant"})),
        }
    }

    /// One string per content chunk (reasoning chunks first), each a complete SSE event.
    pub fn content_chunks(&self) -> Vec<String> {
        let mut out = Vec::new();
        let r = chunks_of(&self.reasoning, self.chunk_chars);
        let t = chunks_of(&self.text, self.chunk_chars);
        match self.dialect {
            Dialect::OpenAi => {
                for c in r {
                    out.push(self.openai_chunk(json!({"reasoning_content": c}), None));
                }
                for c in t {
                    out.push(self.openai_chunk(json!({"content": c}), None));
                }
                // Each call: id, name and empty arguments first, then argument fragments.
                for i in 0..self.calls.len() {
                    let first = json!({"tool_calls": [{"index": i, "id": self.call_id(i),
                        "type": "function", "function": {"name": self.calls[i].name, "arguments": ""}}]});
                    out.push(self.openai_chunk(first, None));
                    for a in chunks_of(&self.calls[i].arguments, self.chunk_chars) {
                        let more =
                            json!({"tool_calls": [{"index": i, "function": {"arguments": a}}]});
                        out.push(self.openai_chunk(more, None));
                    }
                }
            }
            Dialect::Anthropic => {
                let mut index = 0;
                if !r.is_empty() {
                    // The first block's start went out with the head, as in the recordings.
                    for c in r {
                        let mut ev = String::new();
                        ev += &Self::anthropic_event(
                            "content_block_delta",
                            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": c}}),
                        );
                        out.push(ev);
                    }
                    if let Some(last) = out.last_mut() {
                        // The block's signature comes last, as in the real streams.
                        *last += &Self::anthropic_event(
                            "content_block_delta",
                            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "mock"}}),
                        );
                        *last += &Self::anthropic_event(
                            "content_block_stop",
                            json!({"type": "content_block_stop", "index": 0}),
                        );
                    }
                    index = 1;
                }
                for (i, c) in t.into_iter().enumerate() {
                    let mut ev = String::new();
                    if i == 0 && index > 0 {
                        ev += &Self::anthropic_event(
                            "content_block_start",
                            json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}),
                        );
                    }
                    ev += &Self::anthropic_event(
                        "content_block_delta",
                        json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": c}}),
                    );
                    out.push(ev);
                }
                // Each call its own block: an empty `input`, a first empty fragment (as the
                // recordings show), then the arguments in pieces.
                for i in 0..self.calls.len() {
                    let block = index + 1 + i;
                    let mut ev = String::new();
                    if i == 0 {
                        ev += &Self::anthropic_event(
                            "content_block_stop",
                            json!({"type": "content_block_stop", "index": index}),
                        );
                    }
                    ev += &Self::anthropic_event(
                        "content_block_start",
                        json!({"type": "content_block_start", "index": block, "content_block":
                            {"type": "tool_use", "id": self.call_id(i), "name": self.calls[i].name, "input": {}}}),
                    );
                    ev += &Self::anthropic_event(
                        "content_block_delta",
                        json!({"type": "content_block_delta", "index": block,
                            "delta": {"type": "input_json_delta", "partial_json": ""}}),
                    );
                    out.push(ev);
                    let args = self.call_args(i).to_string();
                    let pieces = chunks_of(&args, self.chunk_chars);
                    let n = pieces.len();
                    for (k, a) in pieces.into_iter().enumerate() {
                        let mut ev = Self::anthropic_event(
                            "content_block_delta",
                            json!({"type": "content_block_delta", "index": block,
                                "delta": {"type": "input_json_delta", "partial_json": a}}),
                        );
                        if k + 1 == n {
                            ev += &Self::anthropic_event(
                                "content_block_stop",
                                json!({"type": "content_block_stop", "index": block}),
                            );
                        }
                        out.push(ev);
                    }
                }
            }
            Dialect::Responses => return self.responses_events().1,
            Dialect::Bedrock => {
                // Reasoning in block 0 (its signature last), then text (no block start, as
                // ConverseStream sends none for text), then each call its own block.
                let mut index = 0;
                for c in r {
                    out.push(Self::bedrock_event(
                        "contentBlockDelta",
                        json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": c}}}),
                    ));
                }
                if let Some(last) = out.last_mut() {
                    *last += &Self::bedrock_event(
                        "contentBlockDelta",
                        json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "mock"}}}),
                    );
                    *last +=
                        &Self::bedrock_event("contentBlockStop", json!({"contentBlockIndex": 0}));
                    index = 1;
                }
                for c in t {
                    out.push(Self::bedrock_event(
                        "contentBlockDelta",
                        json!({"contentBlockIndex": index, "delta": {"text": c}}),
                    ));
                }
                for i in 0..self.calls.len() {
                    let block = index + 1 + i;
                    let mut ev = String::new();
                    if i == 0 {
                        ev += &Self::bedrock_event(
                            "contentBlockStop",
                            json!({"contentBlockIndex": index}),
                        );
                    }
                    ev += &Self::bedrock_event(
                        "contentBlockStart",
                        json!({"contentBlockIndex": block, "start": {"toolUse": {"toolUseId": self.call_id(i), "name": self.calls[i].name}}}),
                    );
                    out.push(ev);
                    let args = self.call_args(i).to_string();
                    for a in chunks_of(&args, self.chunk_chars) {
                        out.push(Self::bedrock_event(
                            "contentBlockDelta",
                            json!({"contentBlockIndex": block, "delta": {"toolUse": {"input": a}}}),
                        ));
                    }
                    if let Some(last) = out.last_mut() {
                        *last += &Self::bedrock_event(
                            "contentBlockStop",
                            json!({"contentBlockIndex": block}),
                        );
                    }
                }
            }
            Dialect::Gemini => {
                for c in r {
                    out.push(self.gemini_event(json!([{"text": c, "thought": true}]), None));
                }
                for c in t {
                    out.push(self.gemini_event(json!([{"text": c}]), None));
                }
                for i in 0..self.calls.len() {
                    out.push(
                        self.gemini_event(json!([{"functionCall": self.gemini_call(i)}]), None),
                    );
                }
            }
        }
        out
    }

    /// A Gemini `functionCall`: whole, arguments as an object, an id only when scripted.
    fn gemini_call(&self, i: usize) -> Value {
        let mut c = json!({"name": self.calls[i].name, "args": self.call_args(i)});
        if let Some(id) = self.call_id(i) {
            c["id"] = json!(id);
        }
        c
    }

    fn gemini_event(&self, parts: Value, finish: Option<&str>) -> String {
        let mut cand = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
        if let Some(f) = finish {
            cand["finishReason"] = json!(f);
        }
        let mut v = json!({
            "candidates": [cand],
            "modelVersion": self.model,
            "responseId": "mock"
        });
        if self.usage {
            v["usageMetadata"] = self.gemini_usage(finish.is_some());
        }
        format!("data: {v}\r\n\r\n")
    }

    /// What follows the last content chunk: finish, usage, end marker.
    pub fn stream_tail(&self) -> String {
        match self.dialect {
            Dialect::OpenAi => {
                let mut s = self.openai_chunk(json!({}), Some(self.finish()));
                if self.include_usage {
                    let v = json!({
                        "id": "chatcmpl-mock",
                        "object": "chat.completion.chunk",
                        "created": 1_700_000_000,
                        "model": self.model,
                        "choices": [],
                        "usage": self.openai_usage()
                    });
                    s += &format!("data: {v}\n\n");
                }
                s + "data: [DONE]\n\n"
            }
            Dialect::Anthropic => {
                let index = if self.reasoning.is_empty() { 0 } else { 1 };
                let mut delta = json!({"type": "message_delta",
                               "delta": {"stop_reason": self.finish(), "stop_sequence": null}});
                if self.usage {
                    delta["usage"] = json!({"output_tokens": self.output});
                }
                // With calls, every block was closed with its content.
                let stop = if self.calls.is_empty() {
                    Self::anthropic_event(
                        "content_block_stop",
                        json!({"type": "content_block_stop", "index": index}),
                    )
                } else {
                    String::new()
                };
                stop + &Self::anthropic_event("message_delta", delta)
                    + &Self::anthropic_event("message_stop", json!({"type": "message_stop"}))
            }
            Dialect::Gemini => self.gemini_event(json!([{"text": ""}]), Some(self.finish())),
            Dialect::Responses => self.responses_events().2,
            Dialect::Bedrock => {
                let index = if self.reasoning.is_empty() { 0 } else { 1 };
                let mut s = if self.calls.is_empty() {
                    Self::bedrock_event("contentBlockStop", json!({"contentBlockIndex": index}))
                } else {
                    String::new()
                };
                s += &Self::bedrock_event("messageStop", json!({"stopReason": self.finish()}));
                let mut meta = json!({"metrics": {"latencyMs": 1}});
                if self.usage {
                    meta["usage"] = self.bedrock_usage();
                }
                s + &Self::bedrock_event("metadata", meta)
            }
        }
    }
}

/// An HTTP error body in the dialect's envelope.
pub fn error_body(dialect: Dialect, status: u16, message: Option<&str>) -> (&'static str, String) {
    let (oa_type, an_type, g_status, default_msg) = match status {
        400 => (
            "invalid_request_error",
            "invalid_request_error",
            "INVALID_ARGUMENT",
            "Invalid request",
        ),
        401 => (
            "invalid_request_error",
            "authentication_error",
            "UNAUTHENTICATED",
            "invalid x-api-key",
        ),
        403 => (
            "invalid_request_error",
            "permission_error",
            "PERMISSION_DENIED",
            "Permission denied",
        ),
        404 => (
            "invalid_request_error",
            "not_found_error",
            "NOT_FOUND",
            "model not found",
        ),
        429 => (
            "rate_limit_exceeded",
            "rate_limit_error",
            "RESOURCE_EXHAUSTED",
            "Rate limit reached",
        ),
        529 => (
            "server_error",
            "overloaded_error",
            "UNAVAILABLE",
            "Overloaded",
        ),
        503 => (
            "server_error",
            "overloaded_error",
            "UNAVAILABLE",
            "The model is overloaded",
        ),
        _ => (
            "server_error",
            "api_error",
            "INTERNAL",
            "Internal server error",
        ),
    };
    let msg = message.unwrap_or(default_msg);
    let body = match dialect {
        Dialect::OpenAi | Dialect::Responses => {
            json!({"error": {"message": msg, "type": oa_type, "param": null, "code": null}})
        }
        Dialect::Anthropic => {
            json!({"type": "error", "error": {"type": an_type, "message": msg}, "request_id": "req_mock"})
        }
        Dialect::Gemini => json!({"error": {"code": status, "message": msg, "status": g_status}}),
        Dialect::Bedrock => json!({ "message": msg }),
    };
    ("application/json", body.to_string())
}

/// An error event inside a 200 stream, as each provider sends one.
pub fn stream_error(dialect: Dialect, message: Option<&str>) -> String {
    match dialect {
        Dialect::Responses => super::responses::stream_error(message),
        Dialect::OpenAi => {
            let msg = message.unwrap_or("Internal server error");
            format!(
                "data: {}\n\n",
                json!({"error": {"code": 500, "message": msg}})
            )
        }
        Dialect::Anthropic => {
            let msg = message.unwrap_or("Overloaded");
            format!(
                "event: error\ndata: {}\n\n",
                json!({"type": "error", "error": {"type": "overloaded_error", "message": msg}})
            )
        }
        Dialect::Bedrock => {
            let msg = message.unwrap_or("The system encountered an unexpected error during processing. Try your request again.");
            format!("!internalServerException\t{}\n", json!({ "message": msg }))
        }
        Dialect::Gemini => {
            let msg = message.unwrap_or("The model is overloaded.");
            format!(
                "data: {}\r\n\r\n",
                json!({"error": {"code": 503, "message": msg, "status": "UNAVAILABLE"}})
            )
        }
    }
}

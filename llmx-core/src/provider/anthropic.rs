//! The Anthropic Messages dialect. Pure functions: build the request, parse a response, decode
//! stream events, parse an error.

use serde_json::{json, Map, Value};

use super::dialect::StreamDecode;
use super::error::{ErrorKind, ProviderError};
use super::sse::SseEvent;
use super::types::{
    ChatRequest, ChatResponse, Extra, FinishReason, Part, Reasoning, Role, StreamEvent, ToolCall,
    ToolChoice, Usage,
};
use super::{error_from_body, num, AuthStyle, HttpCall};

/// The API version llmx speaks, pinned in one place.
pub(crate) const API_VERSION: &str = "2023-06-01";

/// Anthropic requires `max_tokens`; this is what llmx sends when the user gives none. It is large
/// enough for long answers and within every current model's output limit.
pub(crate) const DEFAULT_MAX_TOKENS: u32 = 8192;

/// `POST {base}/v1/messages`.
pub(crate) fn build_request(req: &ChatRequest, base_url: &str) -> HttpCall {
    if let Some(client) = req
        .client
        .as_ref()
        .filter(|c| c.wire == super::types::ClientWire::Messages)
    {
        return as_sent(req, client, base_url);
    }
    let mut notes = Vec::new();
    let (system, messages) = conversation(req, &mut notes);
    let mut body = Map::new();
    body.insert("model".into(), json!(req.model));
    body.insert(
        "max_tokens".into(),
        json!(req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS)),
    );
    if let Some(system) = system {
        body.insert("system".into(), json!(system));
    }
    body.insert("messages".into(), Value::Array(messages));
    if let Some(t) = req.temperature {
        // The Messages API takes 0 to 1; llmx's flag allows OpenAI's 0 to 2.
        let sent = t.clamp(0.0, 1.0);
        if sent != t {
            notes.push(format!(
                "temperature {t} sent as {sent} (Anthropic accepts 0 to 1)"
            ));
        }
        body.insert("temperature".into(), json!(sent));
    }
    if !req.stop.is_empty() {
        body.insert("stop_sequences".into(), json!(req.stop));
    }
    if req.stream {
        body.insert("stream".into(), json!(true));
    }
    if !req.tools.is_empty() {
        let tools = req
            .tools
            .iter()
            .map(|t| {
                let mut o = t.head();
                // `input_schema` is required: a tool without parameters takes an empty object.
                o.insert("input_schema".into(), t.schema_or_empty());
                Value::Object(o)
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = &req.tool_choice {
        let c = match choice {
            ToolChoice::Auto => json!({"type": "auto"}),
            ToolChoice::None => json!({"type": "none"}),
            ToolChoice::Required => json!({"type": "any"}),
            ToolChoice::Named(n) => json!({"type": "tool", "name": n}),
        };
        body.insert("tool_choice".into(), c);
    }
    if let Some(p) = Extra::get(req, Extra::TOP_P) {
        body.insert("top_p".into(), p.clone());
    }
    if let Some(u) = Extra::get(req, Extra::USER).and_then(Value::as_str) {
        body.insert("metadata".into(), json!({"user_id": u}));
    }
    notes.extend(Extra::dropped(
        req,
        &[Extra::TOP_P, Extra::USER],
        "Anthropic Messages",
    ));
    HttpCall {
        url: format!("{base_url}/v1/messages"),
        headers: vec![("anthropic-version".into(), API_VERSION.into())],
        body: Value::Object(body),
        auth: AuthStyle::Header("x-api-key"),
        notes,
        verbatim: false,
    }
}

/// Vertex AI's version of the Messages API, carried in the body.
pub const VERTEX_VERSION: &str = "vertex-2023-10-16";

/// `call` as Claude on Vertex AI takes it: posted to `BASE/PATH/MODEL:rawPredict` (or
/// `:streamRawPredict`), the model named by the URL and not the body, the version in the body
/// as `anthropic_version` rather than a header, the OAuth2 token as a bearer token.
pub(crate) fn vertex(
    mut call: HttpCall,
    req: &ChatRequest,
    base_url: &str,
    path: &str,
) -> HttpCall {
    let action = if req.stream {
        "streamRawPredict"
    } else {
        "rawPredict"
    };
    call.url = format!("{base_url}/{path}/{}:{action}", req.model);
    if let Value::Object(body) = &mut call.body {
        body.remove("model");
        body.insert("anthropic_version".into(), json!(VERTEX_VERSION));
    }
    call.headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("anthropic-version"));
    call.auth = AuthStyle::Bearer;
    call
}

/// A Messages client's own request, as it came: its body with only `model` changed (and
/// `max_tokens`, if llmx's caps lowered it), its `anthropic-version` and `anthropic-beta`
/// headers. The answer goes back to the client as it comes.
fn as_sent(req: &ChatRequest, client: &super::types::ClientBody, base_url: &str) -> HttpCall {
    let mut body = client.body.clone();
    body["model"] = json!(req.model);
    if let Some(n) = req.max_tokens {
        if body["max_tokens"].as_u64() != Some(u64::from(n)) {
            body["max_tokens"] = json!(n);
        }
    }
    let version = client
        .headers
        .iter()
        .find(|(k, _)| k == "anthropic-version")
        .map_or(API_VERSION, |(_, v)| v.as_str());
    let mut headers = vec![("anthropic-version".to_string(), version.to_string())];
    headers.extend(
        client
            .headers
            .iter()
            .filter(|(k, _)| k == "anthropic-beta")
            .cloned(),
    );
    HttpCall {
        url: format!("{base_url}/v1/messages"),
        headers,
        body,
        auth: AuthStyle::Header("x-api-key"),
        notes: Vec::new(),
        verbatim: true,
    }
}

/// The conversation as Messages wants it: every instruction (the request's system prompt and
/// any system or developer turn) in `system`; user and assistant turns alternating, with tool
/// results as `tool_result` blocks of user turns and consecutive turns of one role merged;
/// signed reasoning sent back as `thinking` blocks.
fn conversation(req: &ChatRequest, notes: &mut Vec<String>) -> (Option<String>, Vec<Value>) {
    let mut unsigned = false;
    let (system, turns) = super::merged_turns(req, |p| {
        if let Part::Reasoning(r) = p {
            unsigned |= r.signature.is_none() && r.redacted.is_none() && !r.text.is_empty();
        }
        block(p)
    });
    if unsigned {
        notes.push(
            "earlier turns' unsigned reasoning not sent (Anthropic takes only signed thinking)"
                .into(),
        );
    }
    let messages = turns
        .into_iter()
        .map(|(role, blocks)| json!({"role": role, "content": compact(blocks)}))
        .collect();
    let system = (!system.is_empty()).then(|| system.join("\n\n"));
    (system, messages)
}

/// One text block travels as a plain string; anything else as its blocks.
fn compact(blocks: Vec<Value>) -> Value {
    match blocks.as_slice() {
        [b] if b["type"] == "text" => b["text"].clone(),
        _ => Value::Array(blocks),
    }
}

/// A part as a content block; `None` for what is not sent (empty text, unsigned reasoning).
fn block(p: &Part) -> Option<Value> {
    Some(match p {
        Part::Text(t) if t.is_empty() => return None,
        Part::Text(t) => json!({"type": "text", "text": t}),
        Part::Image(img) => match img.prefer_url() {
            Ok(u) => json!({"type": "image", "source": {"type": "url", "url": u}}),
            Err(i) => json!({
                "type": "image",
                "source": {"type": "base64", "media_type": i.media_type, "data": i.data}
            }),
        },
        Part::ToolCall(c) => json!({
            "type": "tool_use",
            "id": c.id.clone().unwrap_or_default(),
            "name": c.name,
            "input": c.parsed_arguments().unwrap_or_else(|| json!({})),
        }),
        Part::ToolResult(r) => {
            let mut o = Map::new();
            o.insert("type".into(), json!("tool_result"));
            o.insert(
                "tool_use_id".into(),
                json!(r.call_id.clone().unwrap_or_default()),
            );
            let inner: Vec<Value> = r.content.iter().filter_map(block).collect();
            if !inner.is_empty() {
                o.insert("content".into(), compact(inner));
            }
            if let Some(e) = r.is_error {
                o.insert("is_error".into(), json!(e));
            }
            Value::Object(o)
        }
        Part::Reasoning(r) => match (&r.redacted, &r.signature) {
            (Some(data), _) => json!({"type": "redacted_thinking", "data": data}),
            (None, Some(sig)) => json!({"type": "thinking", "thinking": r.text, "signature": sig}),
            (None, None) => return None,
        },
    })
}

pub fn finish_reason(raw: &str) -> FinishReason {
    match raw {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" | "model_context_window_exceeded" => FinishReason::Length,
        "tool_use" => FinishReason::ToolCalls,
        "refusal" => FinishReason::Refusal,
        _ => FinishReason::Other,
    }
}

/// Anthropic's `input_tokens` excludes cache reads and writes; llmx's input total includes them.
/// Fields absent from `u` stay unset so a later `message_delta` only overwrites what it carries.
pub fn usage(u: &Value) -> Usage {
    let read = num(&u["cache_read_input_tokens"]);
    let write = num(&u["cache_creation_input_tokens"]);
    let input = num(&u["input_tokens"]).map(|i| {
        i.saturating_add(read.unwrap_or(0))
            .saturating_add(write.unwrap_or(0))
    });
    Usage {
        input_tokens: input,
        output_tokens: num(&u["output_tokens"]),
        cached_input_tokens: read.unwrap_or(0),
        cache_write_tokens: write.unwrap_or(0),
        reasoning_tokens: 0,
        provider_cost_usd: None,
        raw: Some(u.clone()),
        ..Default::default()
    }
}

pub(crate) fn parse_response(body: &[u8]) -> Result<ChatResponse, ProviderError> {
    let v: Value = super::parse_json(body)
        .map_err(|e| ProviderError::decode(format!("response is not valid JSON: {e}")))?;
    if v["type"].as_str() == Some("error") {
        return Err(error_from_body(&v, None));
    }
    let blocks = v["content"]
        .as_array()
        .ok_or_else(|| ProviderError::decode("response has no `content` list"))?;
    let mut r = ChatResponse::default();
    for b in blocks {
        match b["type"].as_str() {
            Some("text") => r.text.push_str(b["text"].as_str().unwrap_or("")),
            Some("thinking") => r.push_reasoning_block(Reasoning {
                text: b["thinking"].as_str().unwrap_or("").to_string(),
                signature: b["signature"].as_str().map(str::to_string),
                redacted: None,
            }),
            Some("redacted_thinking") => r.push_reasoning_block(Reasoning {
                redacted: Some(b["data"].as_str().unwrap_or("").to_string()),
                ..Default::default()
            }),
            Some("tool_use") => r.tool_calls.push(ToolCall {
                id: b["id"].as_str().map(str::to_string),
                name: b["name"].as_str().unwrap_or("").to_string(),
                arguments: input_text(&b["input"]),
                signature: None,
            }),
            _ => {}
        }
    }
    let finish_raw = v["stop_reason"].as_str().map(str::to_string);
    Ok(ChatResponse {
        finish: finish_raw
            .as_deref()
            .map(finish_reason)
            .unwrap_or(FinishReason::Unknown),
        finish_raw,
        usage: usage(&v["usage"]),
        model_id: v["model"].as_str().map(str::to_string),
        ..r
    })
}

/// A `tool_use` block's `input` object as JSON text (absent is no arguments).
fn input_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Decodes the named events of a Messages stream.
#[derive(Debug, Default)]
pub(crate) struct StreamDecoder {
    finished: bool,
    /// The content-block index of each tool call begun, in order.
    calls: Vec<u64>,
    /// The id of the message being streamed (its `message_start`).
    message: Option<String>,
}

impl StreamDecode for StreamDecoder {
    /// A stream ends with `message_stop` (or, at the least, a stop reason in `message_delta`).
    fn finished(&self) -> bool {
        self.finished
    }

    fn event(&mut self, ev: &SseEvent) -> Result<Vec<StreamEvent>, ProviderError> {
        if ev.event.as_deref() == Some("message_stop") {
            self.finished = true;
        }
        let data = ev.data.trim();
        // Gateways that speak OpenAI's SSE add its `[DONE]` after Anthropic's stream: nothing.
        if data.is_empty() || ev.is_done() {
            return Ok(Vec::new());
        }
        let v: Value = super::parse_json(data.as_bytes())
            .map_err(|e| ProviderError::decode(format!("stream event is not valid JSON: {e}")))?;
        let kind = v["type"].as_str().or(ev.event.as_deref()).unwrap_or("");
        let mut out = Vec::new();
        match kind {
            "error" => return Err(error_from_body(&v, None)),
            "message_start" => {
                let m = &v["message"];
                // A second message in one stream (a new id mid-answer) is two answers spliced
                // together: the stream is broken, not one answer to keep.
                let id = m["id"].as_str().map(str::to_string);
                if let (Some(before), Some(now)) = (&self.message, &id) {
                    if before != now {
                        return Err(ProviderError::new(
                            ErrorKind::Decode,
                            format!("the stream started a second message (`{now}` after `{before}`) before the first ended"),
                        ));
                    }
                }
                self.message = id.or(self.message.take());
                if let Some(id) = m["model"].as_str() {
                    out.push(StreamEvent::ModelId(id.to_string()));
                }
                if m["usage"].is_object() {
                    out.push(StreamEvent::Usage(usage(&m["usage"])));
                }
            }
            "content_block_start" if v["content_block"]["type"] == "tool_use" => {
                let b = &v["content_block"];
                self.calls.push(v["index"].as_u64().unwrap_or(u64::MAX));
                // The start carries an empty `input`; the arguments follow as fragments. A
                // server that sends them whole here sends no fragments.
                let input = match &b["input"] {
                    Value::Object(o) if o.is_empty() => String::new(),
                    other => input_text(other),
                };
                out.push(StreamEvent::ToolCall {
                    index: self.calls.len() - 1,
                    id: b["id"].as_str().map(str::to_string),
                    name: b["name"].as_str().map(str::to_string),
                    arguments: input,
                    signature: None,
                });
            }
            "content_block_start" if v["content_block"]["type"] == "redacted_thinking" => {
                let data = v["content_block"]["data"].as_str().unwrap_or("");
                out.push(StreamEvent::RedactedReasoning(data.to_string()));
            }
            "content_block_delta" => {
                let d = &v["delta"];
                match d["type"].as_str() {
                    Some("input_json_delta") => {
                        let block = v["index"].as_u64().unwrap_or(u64::MAX);
                        let fragment = d["partial_json"].as_str().unwrap_or("");
                        if let Some(i) = self.calls.iter().rposition(|b| *b == block) {
                            if !fragment.is_empty() {
                                out.push(StreamEvent::ToolCall {
                                    index: i,
                                    id: None,
                                    name: None,
                                    arguments: fragment.to_string(),
                                    signature: None,
                                });
                            }
                        }
                    }
                    Some("text_delta") => {
                        let t = d["text"].as_str().unwrap_or("");
                        if !t.is_empty() {
                            out.push(StreamEvent::TextDelta(t.to_string()));
                        }
                    }
                    Some("thinking_delta") => {
                        let t = d["thinking"].as_str().unwrap_or("");
                        if !t.is_empty() {
                            out.push(StreamEvent::ReasoningDelta(t.to_string()));
                        }
                    }
                    Some("signature_delta") => {
                        if let Some(sig) = d["signature"].as_str().filter(|s| !s.is_empty()) {
                            out.push(StreamEvent::ReasoningSignature(sig.to_string()));
                        }
                    }
                    _ => {}
                }
            }
            "message_stop" => self.finished = true,
            "message_delta" => {
                if let Some(r) = v["delta"]["stop_reason"].as_str() {
                    self.finished = true;
                    out.push(StreamEvent::Finish {
                        reason: finish_reason(r),
                        raw: Some(r.to_string()),
                    });
                }
                if v["usage"].is_object() {
                    out.push(StreamEvent::Usage(usage(&v["usage"])));
                }
            }
            _ => {} // ping, content_block_start/stop and future event types
        }
        Ok(out)
    }
}

/// Anthropic names its error types; `overloaded_error` is the 529 family even when it arrives
/// inside a 200 stream.
pub(crate) fn parse_error(status: u16, body: &[u8]) -> ProviderError {
    let v: Value = super::parse_json(body).unwrap_or(Value::Null);
    error_from_body(&v, Some(status))
}

/// Map Anthropic's `error.type` names onto llmx's kinds.
pub(crate) fn kind_from_type(t: &str) -> Option<ErrorKind> {
    Some(match t {
        "authentication_error" | "permission_error" | "billing_error" => ErrorKind::Auth,
        "rate_limit_error" => ErrorKind::RateLimit,
        "overloaded_error" => ErrorKind::Overloaded,
        "invalid_request_error" | "request_too_large" => ErrorKind::BadRequest,
        "not_found_error" => ErrorKind::NotFound,
        "timeout_error" => ErrorKind::Timeout,
        "api_error" => ErrorKind::Server,
        _ => return None,
    })
}

/// A Messages request body as llmx's conversation: `system` (a string or text blocks), the
/// turns with their text, image, `tool_use`, `tool_result`, `thinking` and `redacted_thinking`
/// blocks (a `system` turn inside `messages`, as Claude Code sends one, stays an instruction),
/// the tools and the settings llmx carries. `Err` names what is malformed.
pub fn parse_request(v: &Value) -> Result<ChatRequest, String> {
    let Some(list) = v["messages"].as_array() else {
        return Err("`messages` must be an array".into());
    };
    let mut messages = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        let at = |what: &str| format!("messages[{i}]: {what}");
        let known = [
            ("user", Role::User),
            ("assistant", Role::Assistant),
            ("system", Role::System),
        ];
        let role = super::role_of(m, &known).map_err(|e| at(&e))?;
        let content = blocks(&m["content"]).map_err(|e| at(&e))?;
        messages.push(super::types::Message { role, content });
    }
    let system = match &v["system"] {
        Value::String(s) => Some(s.clone()),
        Value::Array(b) => Some(
            b.iter()
                .filter_map(|x| x["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n\n"),
        ),
        _ => None,
    };
    let tools = v["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["name"].is_string())
        .map(|t| super::types::Tool {
            name: t["name"].as_str().unwrap_or("").to_string(),
            description: t["description"].as_str().map(str::to_string),
            parameters: Some(t["input_schema"].clone()).filter(|p| !p.is_null()),
        })
        .collect();
    let tool_choice = match v["tool_choice"]["type"].as_str() {
        Some("auto") => Some(ToolChoice::Auto),
        Some("none") => Some(ToolChoice::None),
        Some("any") => Some(ToolChoice::Required),
        Some("tool") => v["tool_choice"]["name"]
            .as_str()
            .map(|n| ToolChoice::Named(n.to_string())),
        _ => None,
    };
    Ok(ChatRequest {
        model: v["model"].as_str().unwrap_or("").to_string(),
        system,
        messages,
        temperature: v["temperature"].as_f64(),
        max_tokens: num(&v["max_tokens"]).and_then(|n| u32::try_from(n).ok()),
        stop: super::strings(&v["stop_sequences"]),
        stream: v["stream"].as_bool() == Some(true),
        tools,
        tool_choice,
        extra: None,
        client: None,
    })
}

/// A turn's `content`: a string, or blocks.
fn blocks(v: &Value) -> Result<Vec<Part>, String> {
    let list = match v {
        Value::String(s) => return Ok(vec![Part::Text(s.clone())]),
        Value::Array(l) => l,
        _ => return Err("`content` must be a string or a list of blocks".into()),
    };
    list.iter()
        .map(|b| {
            Ok(match b["type"].as_str() {
                Some("text") => Part::Text(b["text"].as_str().unwrap_or("").to_string()),
                Some("image") => {
                    let s = &b["source"];
                    match s["type"].as_str() {
                        Some("base64") => Part::image_inline(
                            s["media_type"].as_str().unwrap_or(""),
                            s["data"].as_str().unwrap_or(""),
                        ),
                        Some("url") => Part::image_url(s["url"].as_str().unwrap_or("")),
                        _ => return Err("an image source must be base64 or url".into()),
                    }
                }
                Some("tool_use") => Part::ToolCall(ToolCall {
                    id: b["id"].as_str().map(str::to_string),
                    name: b["name"].as_str().unwrap_or("").to_string(),
                    arguments: input_text(&b["input"]),
                    signature: None,
                }),
                Some("tool_result") => Part::ToolResult(super::types::ToolResult {
                    call_id: b["tool_use_id"].as_str().map(str::to_string),
                    name: None,
                    is_error: b["is_error"].as_bool(),
                    content: match &b["content"] {
                        Value::Null => Vec::new(),
                        c => blocks(c)?,
                    },
                }),
                Some("thinking") => Part::Reasoning(Reasoning {
                    text: b["thinking"].as_str().unwrap_or("").to_string(),
                    signature: b["signature"].as_str().map(str::to_string),
                    redacted: None,
                }),
                Some("redacted_thinking") => Part::Reasoning(Reasoning {
                    redacted: Some(b["data"].as_str().unwrap_or("").to_string()),
                    ..Default::default()
                }),
                Some(t) => return Err(format!("content block type `{t}` is not supported")),
                None => return Err("a content block has no `type`".into()),
            })
        })
        .collect()
}

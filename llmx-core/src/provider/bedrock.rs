//! Amazon Bedrock's Converse API (`POST /model/MODEL/converse`) and ConverseStream
//! (`/converse-stream`, answered in AWS's binary event-stream framing, decoded by
//! [`super::eventstream`] into one event per message): text, system, images as bytes, tools
//! (`toolConfig`, `toolUse`/`toolResult` blocks), reasoning with its signature, stop reasons and
//! usage. Bedrock counts cache reads and writes outside `inputTokens` (but inside
//! `totalTokens`); llmx's input total includes them, as for every provider.

use serde_json::{json, Map, Value};

use super::dialect::StreamDecode;
use super::error::{ErrorKind, ProviderError};
use super::sse::SseEvent;
use super::types::{
    ChatRequest, ChatResponse, FinishReason, Part, Reasoning, StreamEvent, ToolCall, ToolChoice,
    Usage,
};
use super::{AuthStyle, Extra, HttpCall};

/// The request for `req`: `converse` or `converse-stream` under `base_url`.
pub(crate) fn build_request(req: &ChatRequest, base_url: &str) -> HttpCall {
    let mut notes = Vec::new();
    let (system, messages) = conversation(req, &mut notes);
    let mut body = Map::new();
    body.insert("messages".into(), Value::Array(messages));
    if !system.is_empty() {
        let blocks: Vec<Value> = system.into_iter().map(|t| json!({"text": t})).collect();
        body.insert("system".into(), Value::Array(blocks));
    }
    let mut config = Map::new();
    if let Some(n) = req.max_tokens {
        config.insert("maxTokens".into(), json!(n));
    }
    if let Some(t) = req.temperature {
        config.insert("temperature".into(), json!(t));
    }
    if let Some(p) = Extra::get(req, Extra::TOP_P) {
        config.insert("topP".into(), p.clone());
    }
    if !req.stop.is_empty() {
        config.insert("stopSequences".into(), json!(req.stop));
    }
    if !config.is_empty() {
        body.insert("inferenceConfig".into(), Value::Object(config));
    }
    if !req.tools.is_empty() && req.tool_choice != Some(ToolChoice::None) {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut spec = t.head();
                spec.insert("inputSchema".into(), json!({ "json": t.schema_or_empty() }));
                json!({ "toolSpec": spec })
            })
            .collect();
        let mut tc = Map::new();
        tc.insert("tools".into(), Value::Array(tools));
        match &req.tool_choice {
            Some(ToolChoice::Auto) => {
                tc.insert("toolChoice".into(), json!({"auto": {}}));
            }
            Some(ToolChoice::Required) => {
                tc.insert("toolChoice".into(), json!({"any": {}}));
            }
            Some(ToolChoice::Named(n)) => {
                tc.insert("toolChoice".into(), json!({"tool": {"name": n}}));
            }
            Some(ToolChoice::None) | None => {}
        }
        body.insert("toolConfig".into(), Value::Object(tc));
    } else if req.tool_choice == Some(ToolChoice::None) && !req.tools.is_empty() {
        // Converse has no "none": the tools are left out so none can be called.
        notes.push("tool choice `none` sent as no tools (Bedrock's Converse has no `none`)".into());
    }
    notes.extend(Extra::dropped(req, &[Extra::TOP_P], "Bedrock Converse"));
    let action = if req.stream {
        "converse-stream"
    } else {
        "converse"
    };
    HttpCall {
        url: format!("{base_url}/model/{}/{action}", path_segment(&req.model)),
        headers: Vec::new(),
        body: Value::Object(body),
        auth: AuthStyle::Bearer,
        notes,
        verbatim: false,
    }
}

/// A model id (or inference profile ARN) as one path segment: every byte but the unreserved
/// ones percent-encoded (`:` as `%3A`, `/` as `%2F`), as AWS's SDKs send it.
pub fn path_segment(id: &str) -> String {
    crate::percent::encode(id, false)
}

/// The system prompts, and the turns: user and assistant messages of content blocks, tool
/// results as user blocks; consecutive turns of one role merged (Converse alternates them).
fn conversation(req: &ChatRequest, notes: &mut Vec<String>) -> (Vec<String>, Vec<Value>) {
    let mut url_images = false;
    let (system, turns) = super::merged_turns(req, |p| block(p, &mut url_images));
    if url_images {
        notes.push("image URLs not sent (Bedrock takes image bytes only)".into());
    }
    let messages = turns
        .into_iter()
        .map(|(role, content)| json!({"role": role, "content": content}))
        .collect();
    (system, messages)
}

fn block(p: &Part, url_images: &mut bool) -> Option<Value> {
    Some(match p {
        Part::Text(t) if t.is_empty() => return None,
        Part::Text(t) => json!({ "text": t }),
        Part::Image(img) => match img.prefer_inline() {
            Ok(i) => {
                let format = i.media_type.strip_prefix("image/").unwrap_or("png");
                let format = if format == "jpg" { "jpeg" } else { format };
                json!({"image": {"format": format, "source": {"bytes": i.data}}})
            }
            Err(_) => {
                *url_images = true;
                return None;
            }
        },
        Part::ToolCall(c) => json!({"toolUse": {
            "toolUseId": c.id.clone().unwrap_or_default(),
            "name": c.name,
            "input": c.parsed_arguments().unwrap_or_else(|| json!({})),
        }}),
        Part::ToolResult(r) => {
            let mut content: Vec<Value> = r
                .content
                .iter()
                .filter_map(|p| block(p, url_images))
                .collect();
            if content.is_empty() {
                content.push(json!({"text": ""}));
            }
            let mut o = Map::new();
            o.insert(
                "toolUseId".into(),
                json!(r.call_id.clone().unwrap_or_default()),
            );
            o.insert("content".into(), Value::Array(content));
            if let Some(e) = r.is_error {
                o.insert("status".into(), json!(if e { "error" } else { "success" }));
            }
            json!({ "toolResult": o })
        }
        Part::Reasoning(r) => match (&r.redacted, &r.signature) {
            (Some(data), _) => json!({"reasoningContent": {"redactedContent": data}}),
            (None, Some(sig)) => json!({"reasoningContent": {
                "reasoningText": {"text": r.text, "signature": sig}
            }}),
            (None, None) => return None,
        },
    })
}

/// Converse's stop reasons: Anthropic's, and the filters' own.
pub fn finish_reason(raw: &str) -> FinishReason {
    match raw {
        "content_filtered" | "guardrail_intervened" => FinishReason::ContentFilter,
        other => super::anthropic::finish_reason(other),
    }
}

/// Converse's usage: `inputTokens` leaves out cache reads and writes; llmx's input total
/// includes them.
pub fn usage(u: &Value) -> Usage {
    let num = |v: &Value| v.as_u64();
    let read = num(&u["cacheReadInputTokens"]);
    let write = num(&u["cacheWriteInputTokens"]);
    Usage {
        input_tokens: num(&u["inputTokens"]).map(|i| {
            i.saturating_add(read.unwrap_or(0))
                .saturating_add(write.unwrap_or(0))
        }),
        output_tokens: num(&u["outputTokens"]),
        cached_input_tokens: read.unwrap_or(0),
        cache_write_tokens: write.unwrap_or(0),
        raw: Some(u.clone()),
        ..Default::default()
    }
}

pub(crate) fn parse_response(body: &[u8]) -> Result<ChatResponse, ProviderError> {
    let v: Value = super::parse_json(body)
        .map_err(|e| ProviderError::decode(format!("response is not valid JSON: {e}")))?;
    let blocks = v["output"]["message"]["content"]
        .as_array()
        .ok_or_else(|| ProviderError::decode("response has no `output.message.content` list"))?;
    let mut r = ChatResponse::default();
    for b in blocks {
        if let Some(t) = b["text"].as_str() {
            r.text.push_str(t);
        } else if b["toolUse"].is_object() {
            let u = &b["toolUse"];
            r.tool_calls.push(ToolCall {
                id: u["toolUseId"].as_str().map(str::to_string),
                name: u["name"].as_str().unwrap_or("").to_string(),
                arguments: match &u["input"] {
                    Value::Null => String::new(),
                    other => other.to_string(),
                },
                signature: None,
            });
        } else if b["reasoningContent"].is_object() {
            let rc = &b["reasoningContent"];
            match rc["redactedContent"].as_str() {
                Some(data) => r.push_reasoning_block(Reasoning {
                    redacted: Some(data.to_string()),
                    ..Default::default()
                }),
                None => r.push_reasoning_block(Reasoning {
                    text: rc["reasoningText"]["text"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    signature: rc["reasoningText"]["signature"]
                        .as_str()
                        .map(str::to_string),
                    redacted: None,
                }),
            }
        }
    }
    let finish_raw = v["stopReason"].as_str().map(str::to_string);
    Ok(ChatResponse {
        finish: finish_raw
            .as_deref()
            .map(finish_reason)
            .unwrap_or(FinishReason::Unknown),
        finish_raw,
        usage: usage(&v["usage"]),
        ..r
    })
}

/// Decodes ConverseStream's events (each event-stream message, named by its `:event-type`).
#[derive(Debug, Default)]
pub(crate) struct StreamDecoder {
    /// `messageStop` came.
    stopped: bool,
    /// The content-block index of each tool call begun, in order.
    calls: Vec<u64>,
}

impl StreamDecode for StreamDecoder {
    /// The answer is whole once `messageStop` has come (the usage follows in `metadata`).
    fn finished(&self) -> bool {
        self.stopped
    }

    fn event(&mut self, ev: &SseEvent) -> Result<Vec<StreamEvent>, ProviderError> {
        let name = ev.event.as_deref().unwrap_or("");
        if let Some(kind) = name.strip_prefix("exception:") {
            let v: Value = super::parse_json(ev.data.as_bytes()).unwrap_or(Value::Null);
            let message = v["message"].as_str().unwrap_or(kind);
            return Err(ProviderError::new(
                exception_kind(kind),
                format!("{kind}: {message}"),
            ));
        }
        if let Some(code) = name.strip_prefix("error:") {
            return Err(ProviderError::new(
                ErrorKind::Server,
                format!("{code}: {}", ev.data),
            ));
        }
        let v: Value = super::parse_json(ev.data.as_bytes())
            .map_err(|e| ProviderError::decode(format!("stream event is not valid JSON: {e}")))?;
        let mut out = Vec::new();
        match name {
            "contentBlockStart" => {
                let u = &v["start"]["toolUse"];
                if u.is_object() {
                    self.calls
                        .push(v["contentBlockIndex"].as_u64().unwrap_or(u64::MAX));
                    out.push(StreamEvent::ToolCall {
                        index: self.calls.len() - 1,
                        id: u["toolUseId"].as_str().map(str::to_string),
                        name: u["name"].as_str().map(str::to_string),
                        arguments: String::new(),
                        signature: None,
                    });
                }
            }
            "contentBlockDelta" => {
                let d = &v["delta"];
                if let Some(t) = d["text"].as_str().filter(|t| !t.is_empty()) {
                    out.push(StreamEvent::TextDelta(t.to_string()));
                } else if let Some(input) = d["toolUse"]["input"].as_str() {
                    let block = v["contentBlockIndex"].as_u64().unwrap_or(u64::MAX);
                    if let Some(i) = self.calls.iter().rposition(|b| *b == block) {
                        if !input.is_empty() {
                            out.push(StreamEvent::ToolCall {
                                index: i,
                                id: None,
                                name: None,
                                arguments: input.to_string(),
                                signature: None,
                            });
                        }
                    }
                } else if d["reasoningContent"].is_object() {
                    let rc = &d["reasoningContent"];
                    if let Some(t) = rc["text"].as_str().filter(|t| !t.is_empty()) {
                        out.push(StreamEvent::ReasoningDelta(t.to_string()));
                    }
                    if let Some(s) = rc["signature"].as_str().filter(|s| !s.is_empty()) {
                        out.push(StreamEvent::ReasoningSignature(s.to_string()));
                    }
                    if let Some(r) = rc["redactedContent"].as_str() {
                        out.push(StreamEvent::RedactedReasoning(r.to_string()));
                    }
                }
            }
            "messageStop" => {
                self.stopped = true;
                if let Some(r) = v["stopReason"].as_str() {
                    out.push(StreamEvent::Finish {
                        reason: finish_reason(r),
                        raw: Some(r.to_string()),
                    });
                }
            }
            "metadata" if v["usage"].is_object() => {
                out.push(StreamEvent::Usage(usage(&v["usage"])));
            }
            _ => {} // messageStart, contentBlockStop, and event types to come
        }
        Ok(out)
    }
}

/// An exception inside a stream, by its `:exception-type`.
fn exception_kind(t: &str) -> ErrorKind {
    match t {
        "throttlingException" | "modelNotReadyException" => ErrorKind::RateLimit,
        "serviceUnavailableException" => ErrorKind::Overloaded,
        "validationException" => ErrorKind::BadRequest,
        "accessDeniedException" => ErrorKind::Auth,
        "resourceNotFoundException" => ErrorKind::NotFound,
        "modelTimeoutException" => ErrorKind::Timeout,
        _ => ErrorKind::Server,
    }
}

/// A non-2xx answer: Bedrock names the error in a header and puts `{"message": …}` in the
/// body; the status says which family it is (429 throttling or a model not ready yet, 503
/// unavailable: both retried).
pub(crate) fn parse_error(status: u16, body: &[u8]) -> ProviderError {
    let v: Value = super::parse_json(body).unwrap_or(Value::Null);
    let message = v["message"]
        .as_str()
        .or(v["Message"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let kind = match status {
        400 => ErrorKind::BadRequest,
        401 | 403 => ErrorKind::Auth,
        404 => ErrorKind::NotFound,
        408 => ErrorKind::Timeout,
        413 => ErrorKind::TooLarge,
        429 => ErrorKind::RateLimit,
        503 => ErrorKind::Overloaded,
        _ => ErrorKind::Server,
    };
    ProviderError::new(kind, format!("HTTP {status}: {message}")).with_status(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::types::{Message, Role, ToolResult};

    fn event(name: &str, data: Value) -> SseEvent {
        SseEvent {
            event: Some(name.into()),
            data: data.to_string(),
        }
    }

    #[test]
    fn a_conversation_with_tools_becomes_converse_blocks() {
        let req = ChatRequest {
            model: "us.anthropic.claude-3-5-haiku-20241022-v1:0".into(),
            system: Some("Be brief.".into()),
            messages: vec![
                Message {
                    role: Role::User,
                    content: vec![Part::Text("Weather in Paris?".into())],
                },
                Message {
                    role: Role::Assistant,
                    content: vec![Part::ToolCall(ToolCall {
                        id: Some("tu_1".into()),
                        name: "weather".into(),
                        arguments: r#"{"city":"Paris"}"#.into(),
                        signature: None,
                    })],
                },
                Message {
                    role: Role::Tool,
                    content: vec![Part::ToolResult(ToolResult {
                        call_id: Some("tu_1".into()),
                        content: vec![Part::Text("18 C".into())],
                        ..Default::default()
                    })],
                },
            ],
            max_tokens: Some(64),
            temperature: Some(0.2),
            stream: true,
            tools: vec![crate::provider::Tool {
                name: "weather".into(),
                description: Some("Look it up.".into()),
                parameters: None,
            }]
            .into(),
            tool_choice: Some(ToolChoice::Required),
            ..Default::default()
        };
        let call = build_request(&req, "https://bedrock-runtime.us-east-1.amazonaws.com");
        assert_eq!(
            call.url,
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream"
        );
        assert_eq!(
            call.body,
            json!({
                "messages": [
                    {"role": "user", "content": [{"text": "Weather in Paris?"}]},
                    {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tu_1", "name": "weather", "input": {"city": "Paris"}}}]},
                    {"role": "user", "content": [{"toolResult": {"toolUseId": "tu_1", "content": [{"text": "18 C"}]}}]}
                ],
                "system": [{"text": "Be brief."}],
                "inferenceConfig": {"maxTokens": 64, "temperature": 0.2},
                "toolConfig": {
                    "tools": [{"toolSpec": {"name": "weather", "description": "Look it up.", "inputSchema": {"json": {"type": "object", "properties": {}}}}}],
                    "toolChoice": {"any": {}}
                }
            })
        );
    }

    #[test]
    fn a_whole_answer_counts_cache_tokens_in_its_input() {
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [
                {"reasoningContent": {"reasoningText": {"text": "Hmm.", "signature": "sig"}}},
                {"text": "Calling it."},
                {"toolUse": {"toolUseId": "t1", "name": "weather", "input": {"city": "Oslo"}}}
            ]}},
            "stopReason": "tool_use",
            "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 45, "cacheReadInputTokens": 20, "cacheWriteInputTokens": 10},
            "metrics": {"latencyMs": 300}
        });
        let r = parse_response(body.to_string().as_bytes()).unwrap();
        assert_eq!(r.text, "Calling it.");
        assert_eq!(r.finish, FinishReason::ToolCalls);
        assert_eq!(r.usage.input_tokens, Some(40));
        assert_eq!(r.usage.cached_input_tokens, 20);
        assert_eq!(r.usage.cache_write_tokens, 10);
        assert_eq!(r.tool_calls[0].arguments, r#"{"city":"Oslo"}"#);
        assert_eq!(r.signed_reasoning[0].signature.as_deref(), Some("sig"));
    }

    #[test]
    fn a_stream_of_text_and_a_tool_call_then_usage() {
        let mut d = StreamDecoder::default();
        let mut all = Vec::new();
        for e in [
            event(
                "messageStart",
                json!({"role": "assistant", "p": "abcdefgh"}),
            ),
            event(
                "contentBlockDelta",
                json!({"contentBlockIndex": 0, "delta": {"text": "Hel"}, "p": "ab"}),
            ),
            event(
                "contentBlockDelta",
                json!({"contentBlockIndex": 0, "delta": {"text": "lo"}}),
            ),
            event("contentBlockStop", json!({"contentBlockIndex": 0})),
            event(
                "contentBlockStart",
                json!({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "t1", "name": "weather"}}}),
            ),
            event(
                "contentBlockDelta",
                json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{\"city\":"}}}),
            ),
            event(
                "contentBlockDelta",
                json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "\"Oslo\"}"}}}),
            ),
            event("messageStop", json!({"stopReason": "tool_use"})),
            event(
                "metadata",
                json!({"usage": {"inputTokens": 7, "outputTokens": 3, "totalTokens": 10}, "metrics": {"latencyMs": 9}}),
            ),
        ] {
            all.extend(d.event(&e).unwrap());
        }
        assert!(d.finished());
        let mut r = ChatResponse::default();
        for e in all {
            r.apply(e);
        }
        assert_eq!(r.text, "Hello");
        assert_eq!(r.tool_calls[0].arguments, r#"{"city":"Oslo"}"#);
        assert_eq!(r.usage.input_tokens, Some(7));
        assert_eq!(r.finish, FinishReason::ToolCalls);
        // An exception inside the stream is an error of its kind.
        let e = d
            .event(&event(
                "exception:throttlingException",
                json!({"message": "Too many requests"}),
            ))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::RateLimit);
    }

    #[test]
    fn errors_are_classified_by_status() {
        let e = parse_error(
            429,
            br#"{"message":"Too many requests, please wait before trying again."}"#,
        );
        assert_eq!(e.kind, ErrorKind::RateLimit);
        assert!(e.message.contains("Too many requests"));
        assert_eq!(parse_error(503, b"{}").kind, ErrorKind::Overloaded);
        assert_eq!(parse_error(403, b"{}").kind, ErrorKind::Auth);
    }
}

//! The Google Gemini `generateContent` dialect (v1beta). Pure functions: build the request, parse
//! a response, decode stream events, parse an error. The key travels in the `x-goog-api-key`
//! header, never in the URL, because URLs end up in error messages and logs.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::dialect::StreamDecode;
use super::error::{ErrorKind, ProviderError};
use super::sse::SseEvent;
use super::types::{
    ChatRequest, ChatResponse, Extra, FinishReason, Part, Role, StreamEvent, ToolCall, ToolChoice,
    Usage,
};
use super::{error_from_body, num, AuthStyle, HttpCall};

/// `POST {base}/v1beta/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse`.
/// `models` is where the provider keeps its models (`v1beta/models` at Google AI Studio,
/// `v1/publishers/google/models` at Vertex AI in express mode).
pub(crate) fn build_request(req: &ChatRequest, base_url: &str, models: &str) -> HttpCall {
    let model = req.model.strip_prefix("models/").unwrap_or(&req.model);
    let url = if req.stream {
        format!("{base_url}/{models}/{model}:streamGenerateContent?alt=sse")
    } else {
        format!("{base_url}/{models}/{model}:generateContent")
    };
    let mut notes = Vec::new();
    let (system, contents) = conversation(req, &mut notes);
    let mut body = Map::new();
    body.insert("contents".into(), Value::Array(contents));
    if !system.is_empty() {
        let parts: Vec<Value> = system.iter().map(|t| json!({"text": t})).collect();
        body.insert("systemInstruction".into(), json!({ "parts": parts }));
    }
    let mut config = Map::new();
    if let Some(t) = req.temperature {
        config.insert("temperature".into(), json!(t));
    }
    if let Some(n) = req.max_tokens {
        config.insert("maxOutputTokens".into(), json!(n));
    }
    if !req.stop.is_empty() {
        config.insert("stopSequences".into(), json!(req.stop));
    }
    if let Some(p) = Extra::get(req, Extra::TOP_P) {
        config.insert("topP".into(), p.clone());
    }
    if let Some(n) = Extra::get(req, Extra::SEED) {
        config.insert("seed".into(), n.clone());
    }
    let mut carried = vec![Extra::TOP_P, Extra::SEED];
    if let Some(f) = Extra::get(req, Extra::RESPONSE_FORMAT) {
        // JSON mode, and a schema as plain JSON Schema; a text format asks for nothing.
        match f["type"].as_str() {
            Some("json_object") => {
                config.insert("responseMimeType".into(), json!("application/json"));
                carried.push(Extra::RESPONSE_FORMAT);
            }
            Some("json_schema") => {
                config.insert("responseMimeType".into(), json!("application/json"));
                if let Some(schema) = f["json_schema"].get("schema") {
                    config.insert("responseJsonSchema".into(), schema.clone());
                }
                carried.push(Extra::RESPONSE_FORMAT);
            }
            Some("text") => carried.push(Extra::RESPONSE_FORMAT),
            _ => {}
        }
    }
    notes.extend(Extra::dropped(req, &carried, "Gemini"));
    if !config.is_empty() {
        body.insert("generationConfig".into(), Value::Object(config));
    }
    if !req.tools.is_empty() {
        let declarations: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut d = t.head();
                if let Some(p) = &t.parameters {
                    let (schema, changes) = super::schema::for_gemini(p);
                    if !changes.is_empty() {
                        notes.push(format!("tool {}: {}", t.name, changes.join("; ")));
                    }
                    d.insert("parameters".into(), schema);
                }
                Value::Object(d)
            })
            .collect();
        body.insert(
            "tools".into(),
            json!([{ "functionDeclarations": declarations }]),
        );
    }
    if let Some(choice) = &req.tool_choice {
        let config = match choice {
            ToolChoice::Auto => json!({"mode": "AUTO"}),
            ToolChoice::None => json!({"mode": "NONE"}),
            ToolChoice::Required => json!({"mode": "ANY"}),
            ToolChoice::Named(n) => json!({"mode": "ANY", "allowedFunctionNames": [n]}),
        };
        body.insert(
            "toolConfig".into(),
            json!({ "functionCallingConfig": config }),
        );
    }
    HttpCall {
        url,
        headers: Vec::new(),
        body: Value::Object(body),
        auth: AuthStyle::Header("x-goog-api-key"),
        notes,
        verbatim: false,
    }
}

/// The conversation as `contents`: user and `model` turns (consecutive turns of one role
/// merged), tool calls as `functionCall` parts with their `thoughtSignature`, tool results as
/// `functionResponse` parts of user turns (named after their call); every instruction in
/// `systemInstruction`.
fn conversation(req: &ChatRequest, notes: &mut Vec<String>) -> (Vec<String>, Vec<Value>) {
    let mut system: Vec<String> = req.system.iter().cloned().collect();
    let mut turns: Vec<(&'static str, Vec<Value>)> = Vec::new();
    // Tool names by call id, for results that do not name their tool; and the calls of the
    // last model turn in order, for results with neither (Gemini pairs them by order).
    let mut names: std::collections::HashMap<&str, &str> = Default::default();
    let mut unanswered: std::collections::VecDeque<&str> = Default::default();
    let mut dropped = false;
    for m in &req.messages {
        let role = match m.role {
            Role::System | Role::Developer => {
                system.push(m.text());
                continue;
            }
            Role::Assistant => "model",
            Role::User | Role::Tool => "user",
        };
        let mut parts = Vec::new();
        for p in &m.content {
            match p {
                Part::Text(t) if t.is_empty() => {}
                Part::Text(t) => parts.push(json!({"text": t})),
                Part::Image(img) => parts.push(image(img)),
                Part::ToolCall(c) => {
                    if let Some(id) = &c.id {
                        names.insert(id, &c.name);
                    }
                    unanswered.push_back(&c.name);
                    let mut call = Map::new();
                    call.insert("name".into(), json!(c.name));
                    call.insert(
                        "args".into(),
                        c.parsed_arguments().unwrap_or_else(|| json!({})),
                    );
                    if let Some(id) = &c.id {
                        call.insert("id".into(), json!(id));
                    }
                    let mut part = Map::new();
                    part.insert("functionCall".into(), Value::Object(call));
                    if let Some(sig) = &c.signature {
                        part.insert("thoughtSignature".into(), json!(sig));
                    }
                    parts.push(Value::Object(part));
                }
                Part::ToolResult(r) => {
                    let name = r
                        .name
                        .as_deref()
                        .or_else(|| r.call_id.as_deref().and_then(|id| names.get(id).copied()))
                        .or_else(|| unanswered.front().copied())
                        .unwrap_or_default();
                    if let Some(i) = unanswered.iter().position(|n| *n == name) {
                        unanswered.remove(i);
                    }
                    let mut resp = Map::new();
                    resp.insert("name".into(), json!(name));
                    resp.insert("response".into(), function_response(r));
                    if let Some(id) = &r.call_id {
                        resp.insert("id".into(), json!(id));
                    }
                    parts.push(json!({ "functionResponse": resp }));
                    // Images of a result travel beside it.
                    for q in &r.content {
                        if let Part::Image(img) = q {
                            parts.push(image(img));
                        }
                    }
                }
                Part::Reasoning(r) => {
                    dropped |= r.signature.is_some() || r.redacted.is_some();
                }
            }
        }
        if parts.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some((r, b)) if *r == role => b.extend(parts),
            _ => turns.push((role, parts)),
        }
    }
    if dropped {
        notes.push("earlier turns' signed reasoning not sent (Gemini takes its own signatures only, on function calls)".into());
    }
    let contents = turns
        .into_iter()
        .map(|(role, parts)| json!({"role": role, "parts": parts}))
        .collect();
    (system, contents)
}

/// A tool result as `functionResponse.response`: a JSON object as it is; other text under
/// `output` (or `error` for a failed result), as Gemini's API reference names them.
fn function_response(r: &super::types::ToolResult) -> Value {
    let text = r.text();
    if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(&text) {
        return v;
    }
    let key = if r.is_error == Some(true) {
        "error"
    } else {
        "output"
    };
    json!({ key: text })
}

/// The Developer API does not fetch arbitrary URLs: llmx fetches them and sends the bytes. A
/// URL it could not fetch stops the row before sending; a file URI (the Files API's) is the
/// only URL form left.
fn image(img: &super::types::Image) -> Value {
    match img.prefer_inline() {
        Ok(i) => json!({"inlineData": {"mimeType": i.media_type, "data": i.data}}),
        Err(u) => json!({"fileData": {"fileUri": u}}),
    }
}

pub fn finish_reason(raw: &str) -> FinishReason {
    match raw {
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY"
        | "LANGUAGE" => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}

/// `usageMetadata`: thoughts are billed as output, so they are counted in `output_tokens` and
/// also reported as reasoning. Zero fields are omitted by Gemini and default to 0.
pub fn usage(u: &Value) -> Usage {
    let prompt = num(&u["promptTokenCount"]);
    let tool_prompt = num(&u["toolUsePromptTokenCount"]).unwrap_or(0);
    let candidates = num(&u["candidatesTokenCount"]);
    let thoughts = num(&u["thoughtsTokenCount"]).unwrap_or(0);
    Usage {
        input_tokens: prompt.map(|p| p.saturating_add(tool_prompt)),
        output_tokens: match (candidates, thoughts) {
            (None, 0) => None,
            (c, t) => Some(c.unwrap_or(0).saturating_add(t)),
        },
        cached_input_tokens: num(&u["cachedContentTokenCount"]).unwrap_or(0),
        cache_write_tokens: 0,
        reasoning_tokens: thoughts,
        provider_cost_usd: None,
        raw: Some(u.clone()),
        ..Default::default()
    }
}

/// Text, thought-summary text and function calls of the first candidate.
fn candidate_parts(v: &Value) -> (String, String, Vec<ToolCall>) {
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut calls = Vec::new();
    if let Some(parts) = v["candidates"][0]["content"]["parts"].as_array() {
        for p in parts {
            if let Some(t) = p["text"].as_str() {
                if p["thought"].as_bool() == Some(true) {
                    reasoning.push_str(t);
                } else {
                    text.push_str(t);
                }
            }
            let call = &p["functionCall"];
            // A call names its function; one without a name is no call (never one named "").
            let name = call["name"].as_str().filter(|n| !n.trim().is_empty());
            if let (true, Some(name)) = (call.is_object(), name) {
                calls.push(ToolCall {
                    id: call["id"].as_str().map(str::to_string),
                    name: name.to_string(),
                    arguments: match &call["args"] {
                        Value::Null => String::new(),
                        args => args.to_string(),
                    },
                    signature: p["thoughtSignature"].as_str().map(str::to_string),
                });
            }
        }
    }
    (text, reasoning, calls)
}

/// Gemini's own finish reason for a function call it could not form: a failure, not a stop.
fn malformed_call(raw: &str) -> Option<ProviderError> {
    (raw == "MALFORMED_FUNCTION_CALL").then(|| {
        ProviderError::new(
            ErrorKind::ToolCall,
            "the model produced a function call Gemini could not parse (finish reason \
             MALFORMED_FUNCTION_CALL)",
        )
    })
}

fn finish_of(v: &Value) -> Option<(FinishReason, String)> {
    if let Some(r) = v["candidates"][0]["finishReason"].as_str() {
        return Some((finish_reason(r), r.to_string()));
    }
    // A blocked prompt comes back with no candidates and a block reason.
    v["promptFeedback"]["blockReason"]
        .as_str()
        .map(|r| (FinishReason::ContentFilter, r.to_string()))
}

fn model_of(v: &Value) -> Option<String> {
    v["modelVersion"].as_str().map(str::to_string)
}

pub(crate) fn parse_response(body: &[u8]) -> Result<ChatResponse, ProviderError> {
    let v: Value = super::parse_json(body)
        .map_err(|e| ProviderError::decode(format!("response is not valid JSON: {e}")))?;
    if v.get("error").is_some_and(|e| !e.is_null()) {
        return Err(error_from_body(&v, None));
    }
    if !v["candidates"].is_array() && !v["promptFeedback"].is_object() {
        return Err(ProviderError::decode("response has no `candidates`"));
    }
    let (text, reasoning, tool_calls) = candidate_parts(&v);
    let finish = finish_of(&v);
    if let Some(e) = finish.as_ref().and_then(|f| malformed_call(&f.1)) {
        return Err(e);
    }
    // Gemini says `STOP` after a function call; llmx says what the model stopped for.
    let finish = finish.map(|(reason, raw)| match reason {
        FinishReason::Stop if !tool_calls.is_empty() => (FinishReason::ToolCalls, raw),
        other => (other, raw),
    });
    Ok(ChatResponse {
        text,
        reasoning,
        finish: finish
            .as_ref()
            .map(|f| f.0)
            .unwrap_or(FinishReason::Unknown),
        finish_raw: finish.map(|f| f.1),
        usage: if v["usageMetadata"].is_object() {
            usage(&v["usageMetadata"])
        } else {
            Usage::default()
        },
        model_id: model_of(&v),
        tool_calls,
        ..Default::default()
    })
}

/// Decodes an `alt=sse` stream: every event is a whole response object holding only new parts;
/// usage is cumulative.
#[derive(Debug, Default)]
pub(crate) struct StreamDecoder {
    seen_model: bool,
    finished: bool,
    /// Function calls seen so far (each arrives whole, in one chunk).
    calls: usize,
}

impl StreamDecode for StreamDecoder {
    /// The last chunk of a Gemini stream carries the candidate's `finishReason`.
    fn finished(&self) -> bool {
        self.finished
    }

    fn event(&mut self, ev: &SseEvent) -> Result<Vec<StreamEvent>, ProviderError> {
        let data = ev.data.trim();
        if data.is_empty() || ev.is_done() {
            return Ok(Vec::new());
        }
        let v: Value = super::parse_json(data.as_bytes())
            .map_err(|e| ProviderError::decode(format!("stream chunk is not valid JSON: {e}")))?;
        if v.get("error").is_some_and(|e| !e.is_null()) {
            return Err(error_from_body(&v, None));
        }
        let mut out = Vec::new();
        if !self.seen_model {
            if let Some(m) = model_of(&v) {
                self.seen_model = true;
                out.push(StreamEvent::ModelId(m));
            }
        }
        let (text, reasoning, calls) = candidate_parts(&v);
        if !reasoning.is_empty() {
            out.push(StreamEvent::ReasoningDelta(reasoning));
        }
        if !text.is_empty() {
            out.push(StreamEvent::TextDelta(text));
        }
        for c in calls {
            out.push(StreamEvent::ToolCall {
                index: self.calls,
                id: c.id,
                name: Some(c.name),
                arguments: c.arguments,
                signature: c.signature,
            });
            self.calls += 1;
        }
        if let Some((reason, raw)) = finish_of(&v) {
            if let Some(e) = malformed_call(&raw) {
                return Err(e);
            }
            let reason = match reason {
                FinishReason::Stop if self.calls > 0 => FinishReason::ToolCalls,
                other => other,
            };
            self.finished = true;
            out.push(StreamEvent::Finish {
                reason,
                raw: Some(raw),
            });
        }
        if v["usageMetadata"].is_object() {
            out.push(StreamEvent::Usage(usage(&v["usageMetadata"])));
        }
        Ok(out)
    }
}

/// Gemini reports an invalid key as a 400 whose details name `API_KEY_INVALID`; that is an auth
/// failure. A 429 may say how long to wait in a `RetryInfo` detail.
pub(crate) fn parse_error(status: u16, body: &[u8]) -> ProviderError {
    let v: Value = super::parse_json(body).unwrap_or(Value::Null);
    // Vertex AI's streaming endpoints wrap the error object in a list.
    let v = match v {
        Value::Array(items) => items.into_iter().next().unwrap_or(Value::Null),
        v => v,
    };
    let mut e = error_from_body(&v, Some(status));
    if let Some(details) = v["error"]["details"].as_array() {
        for d in details {
            if d["reason"].as_str() == Some("API_KEY_INVALID") {
                e.kind = ErrorKind::Auth;
            }
            if let Some(delay) = d["retryDelay"].as_str() {
                if let Some(secs) = delay.strip_suffix('s').and_then(|s| s.parse::<f64>().ok()) {
                    if secs.is_finite() && secs >= 0.0 {
                        e.retry_after = Some(Duration::from_secs_f64(secs.min(86_400.0)));
                    }
                }
            }
        }
    }
    e
}

/// A `generateContent` request body as llmx's conversation: `contents` of user and `model`
/// turns (text, thought text, `inlineData` images, `functionCall` parts with their
/// `thoughtSignature`, `functionResponse` parts), `systemInstruction`, the function
/// declarations and the settings llmx carries. `Err` names what is malformed.
pub fn parse_request(v: &Value) -> Result<ChatRequest, String> {
    let Some(list) = v["contents"].as_array() else {
        return Err("`contents` must be an array".into());
    };
    let mut messages = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let role = match c["role"].as_str() {
            Some("model") => Role::Assistant,
            Some("user") | None => Role::User,
            Some(r) => return Err(format!("contents[{i}]: unknown role `{r}`")),
        };
        let mut content = Vec::new();
        for p in c["parts"].as_array().into_iter().flatten() {
            let call = &p["functionCall"];
            let result = &p["functionResponse"];
            if call.is_object() {
                content.push(Part::ToolCall(ToolCall {
                    id: call["id"].as_str().map(str::to_string),
                    name: call["name"].as_str().unwrap_or("").to_string(),
                    arguments: match &call["args"] {
                        Value::Null => String::new(),
                        a => a.to_string(),
                    },
                    signature: p["thoughtSignature"].as_str().map(str::to_string),
                }));
            } else if result.is_object() {
                content.push(Part::ToolResult(super::types::ToolResult {
                    call_id: result["id"].as_str().map(str::to_string),
                    name: result["name"].as_str().map(str::to_string),
                    is_error: None,
                    content: vec![Part::Text(result["response"].to_string())],
                }));
            } else if let Some(d) = p.get("inlineData") {
                content.push(Part::image_inline(
                    d["mimeType"].as_str().unwrap_or(""),
                    d["data"].as_str().unwrap_or(""),
                ));
            } else if let Some(t) = p["text"].as_str() {
                content.push(if p["thought"].as_bool() == Some(true) {
                    Part::Reasoning(super::types::Reasoning {
                        text: t.to_string(),
                        signature: p["thoughtSignature"].as_str().map(str::to_string),
                        redacted: None,
                    })
                } else {
                    Part::Text(t.to_string())
                });
            }
        }
        messages.push(super::types::Message { role, content });
    }
    let system = v["systemInstruction"]["parts"].as_array().map(|parts| {
        parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    });
    let tools = v["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["functionDeclarations"].as_array())
        .flatten()
        .map(|d| super::types::Tool {
            name: d["name"].as_str().unwrap_or("").to_string(),
            description: d["description"].as_str().map(str::to_string),
            parameters: Some(d["parameters"].clone()).filter(|p| !p.is_null()),
        })
        .collect();
    let config = &v["generationConfig"];
    let fc = &v["toolConfig"]["functionCallingConfig"];
    let tool_choice = match fc["mode"].as_str() {
        Some("AUTO") => Some(ToolChoice::Auto),
        Some("NONE") => Some(ToolChoice::None),
        Some("ANY") => match fc["allowedFunctionNames"].as_array().map(Vec::as_slice) {
            Some([one]) => one.as_str().map(|n| ToolChoice::Named(n.to_string())),
            _ => Some(ToolChoice::Required),
        },
        _ => None,
    };
    Ok(ChatRequest {
        model: String::new(),
        system,
        messages,
        temperature: config["temperature"].as_f64(),
        max_tokens: num(&config["maxOutputTokens"]).and_then(|n| u32::try_from(n).ok()),
        stop: super::strings(&config["stopSequences"]),
        stream: false,
        tools,
        tool_choice,
        extra: None,
        client: None,
    })
}

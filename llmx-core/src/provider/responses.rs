//! OpenAI's Responses wire, read into the conversation model: what a client of `llmx serve`
//! (Codex CLI, the openai SDKs' `responses.create`) sends to `POST /v1/responses`. The server
//! is stateless, so the whole conversation must be in `input` (`store` is treated as false).
//!
//! `input` items map onto messages: `message` items by role (`developer` stays developer
//! instructions), `function_call` items become the assistant turn's calls, each
//! `function_call_output` a tool result, and `reasoning` items the assistant's reasoning (the
//! summary text, with `encrypted_content` as its signature, which is what llmx's own answers
//! put there). Function tools become tools; `namespace` groups become `NAMESPACE__FUNCTION`
//! tools, and [`Inbound::namespaced`] maps a call back. Fields without a place in the
//! conversation model keep their Chat Completions names in [`ChatRequest::extra`]
//! (`reasoning_effort`, `response_format`, `parallel_tool_calls`, ...), so every dialect carries
//! or notes them as it does for a Chat Completions client.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::types::{
    ChatRequest, ChatResponse, Message, Part, Reasoning, Role, StreamEvent, Tool, ToolCall,
    ToolChoice,
};

/// A Responses request in llmx's terms.
#[derive(Debug, Default)]
pub struct Inbound {
    pub request: ChatRequest,
    /// `NAMESPACE__FUNCTION` → (`NAMESPACE`, `FUNCTION`), for each function of a namespace
    /// group: a call of the flat name goes back to the client under its own names.
    pub namespaced: HashMap<String, (String, String)>,
    /// What the request asked that llmx does not carry (dropped tools, items, fields).
    pub notes: Vec<String>,
}

/// Why a Responses request cannot be served; the text names the field and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub message: String,
    /// OpenAI's `param` for the error: the field at fault.
    pub param: &'static str,
}

fn refused(param: &'static str, message: impl Into<String>) -> Refused {
    Refused {
        message: message.into(),
        param,
    }
}

/// The separator of a flattened namespace function's name.
pub const NAMESPACE_JOIN: &str = "__";

/// Fields read into the conversation or deliberately ignored (`store`: always false here;
/// `include`: encrypted reasoning is returned where llmx has it). Every other field a client
/// sends is named in a note.
const READ: &[&str] = &[
    "model",
    "input",
    "instructions",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "reasoning",
    "max_output_tokens",
    "temperature",
    "top_p",
    "text",
    "stream",
    "store",
    "include",
    "user",
    "safety_identifier",
    "prompt_cache_key",
    "service_tier",
    "previous_response_id",
    "background",
    "conversation",
    "prompt",
    "truncation",
    "stream_options",
];

/// Read a Responses request body. `Err` for what a stateless server cannot do
/// (`previous_response_id`, `conversation`, `background`, stored prompts, item references) and
/// for malformed input; what is dropped is noted instead.
pub fn parse_request(v: &Value) -> Result<Inbound, Refused> {
    stateless(v)?;
    let mut notes = Vec::new();
    let messages = input(&v["input"], &mut notes)?;
    let mut namespaced = HashMap::new();
    let (tools, dropped_types) = tools(&v["tools"], &mut namespaced, &mut notes);
    let tool_choice = tool_choice(&v["tool_choice"], &dropped_types, &tools, &mut notes)?;
    let left: Vec<String> = v
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, x)| !READ.contains(&k.as_str()) && !x.is_null())
        .map(|(k, _)| format!("`{k}`"))
        .collect();
    if !left.is_empty() {
        notes.push(format!(
            "{} dropped: llmx does not carry them from the Responses wire",
            left.join(", ")
        ));
    }
    if v["truncation"].as_str().is_some_and(|t| t != "disabled") {
        notes.push("`truncation` ignored: llmx never truncates the input".into());
    }
    let request = ChatRequest {
        model: v["model"].as_str().unwrap_or("").to_string(),
        system: v["instructions"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        messages,
        temperature: v["temperature"].as_f64(),
        max_tokens: super::num(&v["max_output_tokens"]).and_then(|n| u32::try_from(n).ok()),
        stop: Vec::new(),
        stream: v["stream"].as_bool() == Some(true),
        tools: tools.into(),
        tool_choice,
        extra: extra(v),
        client: Some(std::sync::Arc::new(super::types::ClientBody {
            wire: super::types::ClientWire::Responses,
            body: v.clone(),
            notes: notes.clone(),
            headers: Vec::new(),
        })),
    };
    Ok(Inbound {
        request,
        namespaced,
        notes,
    })
}

/// The refusals of a stateless server.
fn stateless(v: &Value) -> Result<(), Refused> {
    let stateful = |f: &str| !v[f].is_null() && v[f] != json!(false);
    if stateful("previous_response_id") {
        return Err(refused(
            "previous_response_id",
            "`previous_response_id` is not supported: llmx serve is stateless and keeps no \
             responses; send the whole conversation in `input` (as Codex CLI does with \
             `store: false`)",
        ));
    }
    if stateful("conversation") {
        return Err(refused(
            "conversation",
            "`conversation` is not supported: llmx serve is stateless; send the whole \
             conversation in `input`",
        ));
    }
    if stateful("background") {
        return Err(refused(
            "background",
            "`background: true` is not supported: llmx serve answers while the request is \
             open; leave `background` out",
        ));
    }
    if stateful("prompt") {
        return Err(refused(
            "prompt",
            "stored prompts (`prompt`) are not supported: send the instructions and input \
             themselves",
        ));
    }
    Ok(())
}

/// `input`: a string (one user message) or a list of items.
fn input(v: &Value, notes: &mut Vec<String>) -> Result<Vec<Message>, Refused> {
    let list = match v {
        Value::String(s) => return Ok(vec![Message::user(s.clone())]),
        Value::Array(l) => l,
        Value::Null => return Err(refused("input", "`input` is required")),
        _ => {
            return Err(refused(
                "input",
                "`input` must be a string or a list of items",
            ))
        }
    };
    let mut out: Vec<Message> = Vec::with_capacity(list.len());
    let mut skipped: Vec<String> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = |what: String| refused("input", format!("input[{i}]: {what}"));
        let kind = item["type"]
            .as_str()
            .unwrap_or(if item["role"].is_string() {
                "message"
            } else {
                ""
            });
        match kind {
            "message" => {
                let known = [
                    ("user", Role::User),
                    ("assistant", Role::Assistant),
                    ("system", Role::System),
                    ("developer", Role::Developer),
                ];
                let role = super::role_of(item, &known).map_err(at)?;
                let content = parts(&item["content"]).map_err(at)?;
                push(&mut out, role, content);
            }
            "function_call" => {
                let name = item["name"].as_str().unwrap_or("");
                let name = match item["namespace"].as_str().filter(|n| !n.is_empty()) {
                    Some(ns) => format!("{ns}{NAMESPACE_JOIN}{name}"),
                    None => name.to_string(),
                };
                let call = ToolCall {
                    id: super::openai::call_id(&item["call_id"]),
                    name,
                    arguments: super::openai::arguments_text(&item["arguments"]),
                    signature: None,
                };
                push(&mut out, Role::Assistant, vec![Part::ToolCall(call)]);
            }
            "function_call_output" => {
                let content = match &item["output"] {
                    Value::String(s) => vec![Part::Text(s.clone())],
                    Value::Null => Vec::new(),
                    o => parts(o).map_err(at)?,
                };
                let result = super::types::ToolResult {
                    call_id: super::openai::call_id(&item["call_id"]),
                    name: None,
                    is_error: None,
                    content,
                };
                out.push(Message {
                    role: Role::Tool,
                    content: vec![Part::ToolResult(result)],
                });
            }
            "reasoning" => {
                if let Some(r) = reasoning(item) {
                    push(&mut out, Role::Assistant, vec![Part::Reasoning(r)]);
                }
            }
            "item_reference" => {
                return Err(at(
                    "`item_reference` needs stored items: llmx serve is stateless; send the \
                     item itself"
                        .into(),
                ))
            }
            "" => return Err(at("an item has no `type`".into())),
            other => {
                let named = format!("`{other}`");
                if !skipped.contains(&named) {
                    skipped.push(named);
                }
            }
        }
    }
    if !skipped.is_empty() {
        notes.push(format!(
            "input items of type {} dropped: the conversation model has no such item",
            skipped.join(", ")
        ));
    }
    Ok(out)
}

/// Append `content` to the last message when it is an assistant turn being continued (a
/// reasoning item, then the message, then the calls are one turn), else start a message.
fn push(out: &mut Vec<Message>, role: Role, content: Vec<Part>) {
    match out.last_mut() {
        Some(last) if role == Role::Assistant && last.role == Role::Assistant => {
            last.content.extend(content)
        }
        _ => out.push(Message { role, content }),
    }
}

/// A `reasoning` item passed back: its summary (or reasoning text), signed by its
/// `encrypted_content`; without text, the encrypted content alone is redacted reasoning.
fn reasoning(item: &Value) -> Option<Reasoning> {
    let texts = |key: &str| -> Vec<String> {
        item[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["text"].as_str().map(str::to_string))
            .collect()
    };
    let mut text = texts("content").join("\n\n");
    if text.is_empty() {
        text = texts("summary").join("\n\n");
    }
    let sealed = item["encrypted_content"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    match (text.is_empty(), sealed) {
        (true, None) => None,
        (true, Some(data)) => Some(Reasoning {
            redacted: Some(data),
            ..Default::default()
        }),
        (false, signature) => Some(Reasoning {
            text,
            signature,
            redacted: None,
        }),
    }
}

/// A message's `content`: a string or a list of `input_text` / `output_text` / `refusal` /
/// `input_image` parts.
fn parts(v: &Value) -> Result<Vec<Part>, String> {
    let list = match v {
        Value::String(s) => return Ok(vec![Part::Text(s.clone())]),
        Value::Null => return Ok(Vec::new()),
        Value::Array(l) => l,
        _ => return Err("`content` must be a string or a list of parts".into()),
    };
    list.iter()
        .map(|p| match p["type"].as_str() {
            Some("input_text" | "output_text" | "text") => {
                Ok(Part::Text(p["text"].as_str().unwrap_or("").to_string()))
            }
            Some("refusal") => Ok(Part::Text(p["refusal"].as_str().unwrap_or("").to_string())),
            Some("input_image") => match p["image_url"].as_str().filter(|u| !u.is_empty()) {
                Some(url) => Ok(super::openai::image_of_url(url)),
                None => Err(
                    "an `input_image` needs an `image_url` (a URL or a `data:` URL); \
                     llmx serve keeps no files for `file_id`"
                        .into(),
                ),
            },
            Some(t) => Err(format!("content part type `{t}` is not supported")),
            None => Err("a content part has no `type`".into()),
        })
        .collect()
}

/// The function tools, `namespace` groups flattened; the other tool types are dropped (their
/// types returned, for `tool_choice`) with a note.
fn tools(
    v: &Value,
    namespaced: &mut HashMap<String, (String, String)>,
    notes: &mut Vec<String>,
) -> (Vec<Tool>, Vec<String>) {
    let mut out = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    let function = |t: &Value, name: String| Tool {
        name,
        description: t["description"].as_str().map(str::to_string),
        parameters: Some(t["parameters"].clone()).filter(|p| !p.is_null()),
    };
    for t in v.as_array().into_iter().flatten() {
        match t["type"].as_str().unwrap_or("") {
            "function" => out.push(function(t, t["name"].as_str().unwrap_or("").to_string())),
            "namespace" => {
                let ns = t["name"].as_str().unwrap_or("");
                for f in t["tools"].as_array().into_iter().flatten() {
                    let name = f["name"].as_str().unwrap_or("");
                    if f["type"].as_str() != Some("function") {
                        let kind = format!("`{}`", f["type"].as_str().unwrap_or("?"));
                        if !dropped.contains(&kind) {
                            dropped.push(kind);
                        }
                        continue;
                    }
                    let flat = format!("{ns}{NAMESPACE_JOIN}{name}");
                    namespaced.insert(flat.clone(), (ns.to_string(), name.to_string()));
                    out.push(function(f, flat));
                }
            }
            other => {
                let kind = format!("`{other}`");
                if !dropped.contains(&kind) {
                    dropped.push(kind);
                }
            }
        }
    }
    if !dropped.is_empty() {
        notes.push(format!(
            "tools of type {} dropped: llmx offers models function tools only",
            dropped.join(", ")
        ));
    }
    (out, dropped)
}

/// `tool_choice`: `auto` / `none` / `required`, a named function, or `allowed_tools` (its
/// mode kept). A choice that requires a tool type llmx dropped is refused.
fn tool_choice(
    v: &Value,
    dropped: &[String],
    tools: &[Tool],
    notes: &mut Vec<String>,
) -> Result<Option<ToolChoice>, Refused> {
    let needs_dropped = |what: &str| {
        refused(
            "tool_choice",
            format!(
                "`tool_choice` requires {what}, which llmx cannot offer a model (it offers \
                 function tools only); use \"auto\" or name a function tool"
            ),
        )
    };
    Ok(match v {
        Value::Null => None,
        Value::String(s) => match s.as_str() {
            "auto" => Some(ToolChoice::Auto),
            "none" => Some(ToolChoice::None),
            "required" if tools.is_empty() && !dropped.is_empty() => {
                return Err(needs_dropped(&format!(
                    "a tool of type {}",
                    dropped.join(", ")
                )))
            }
            "required" => Some(ToolChoice::Required),
            other => {
                return Err(refused(
                    "tool_choice",
                    format!("unknown `tool_choice` \"{other}\": use auto, none or required"),
                ))
            }
        },
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("function") => {
                let name = o.get("name").and_then(Value::as_str).unwrap_or("");
                let flat = match o.get("namespace").and_then(Value::as_str) {
                    Some(ns) => format!("{ns}{NAMESPACE_JOIN}{name}"),
                    None => name.to_string(),
                };
                Some(ToolChoice::Named(flat))
            }
            Some("allowed_tools") => {
                notes.push(
                    "`tool_choice.allowed_tools` sent as its mode: every function tool stays \
                     on offer"
                        .into(),
                );
                match o.get("mode").and_then(Value::as_str) {
                    Some("required") => Some(ToolChoice::Required),
                    _ => Some(ToolChoice::Auto),
                }
            }
            Some(other) => return Err(needs_dropped(&format!("a `{other}` tool"))),
            None => return Err(refused("tool_choice", "`tool_choice` has no `type`")),
        },
        _ => {
            return Err(refused(
                "tool_choice",
                "`tool_choice` must be a string or an object",
            ))
        }
    })
}

/// The settings with a Chat Completions name, under that name: `top_p`,
/// `parallel_tool_calls`, `reasoning.effort` → `reasoning_effort`, `text.format` →
/// `response_format`, `text.verbosity` → `verbosity`, `user`, `safety_identifier`,
/// `prompt_cache_key`, `service_tier`.
fn extra(v: &Value) -> Option<std::sync::Arc<Map<String, Value>>> {
    let mut m = Map::new();
    for k in [
        "top_p",
        "parallel_tool_calls",
        "user",
        "safety_identifier",
        "prompt_cache_key",
        "service_tier",
    ] {
        if !v[k].is_null() {
            m.insert(k.into(), v[k].clone());
        }
    }
    if let Some(e) = v["reasoning"]["effort"].as_str() {
        m.insert("reasoning_effort".into(), json!(e));
    }
    if let Some(verbosity) = v["text"]["verbosity"].as_str() {
        m.insert("verbosity".into(), json!(verbosity));
    }
    let f = &v["text"]["format"];
    match f["type"].as_str() {
        Some("json_schema") => {
            let mut schema = Map::new();
            for k in ["name", "schema", "strict", "description"] {
                if !f[k].is_null() {
                    schema.insert(k.into(), f[k].clone());
                }
            }
            m.insert(
                "response_format".into(),
                json!({"type": "json_schema", "json_schema": schema}),
            );
        }
        Some("json_object") => {
            m.insert("response_format".into(), json!({"type": "json_object"}));
        }
        _ => {}
    }
    (!m.is_empty()).then(|| std::sync::Arc::new(m))
}

// ---- Outbound: the Responses wire to a provider that speaks it (OpenAI's own row, and config
// rows marked `responses = true`). ----

/// The request to `POST {base_url}/responses`: the Responses client's own body as it came,
/// with `model` changed and `store` forced off (this wire is chosen only for a request that
/// has one; see [`super::Provider::wire_for`]).
pub(crate) fn build_request(req: &ChatRequest, base_url: &str) -> super::HttpCall {
    let mut body = req
        .client_body(super::types::ClientWire::Responses)
        .cloned()
        .unwrap_or_else(|| json!({"input": []}));
    body["model"] = json!(req.model);
    body["store"] = json!(false);
    if let Some(n) = req.max_tokens {
        if body["max_output_tokens"].as_u64() != Some(u64::from(n)) {
            body["max_output_tokens"] = json!(n);
        }
    }
    super::HttpCall {
        url: format!("{base_url}/responses"),
        headers: Vec::new(),
        body,
        auth: super::AuthStyle::Bearer,
        notes: Vec::new(),
        verbatim: false,
    }
}

/// Usage as the Responses API reports it.
fn usage_of(u: &Value) -> super::types::Usage {
    super::types::Usage {
        input_tokens: super::num(&u["input_tokens"]),
        output_tokens: super::num(&u["output_tokens"]),
        cached_input_tokens: super::num(&u["input_tokens_details"]["cached_tokens"]).unwrap_or(0),
        reasoning_tokens: super::num(&u["output_tokens_details"]["reasoning_tokens"]).unwrap_or(0),
        raw: Some(u.clone()),
        ..Default::default()
    }
}

/// How a finished response ended.
fn finish_of(o: &Value, calls: bool) -> (super::types::FinishReason, Option<String>) {
    use super::types::FinishReason as F;
    let reason = o["incomplete_details"]["reason"].as_str();
    match (o["status"].as_str(), reason) {
        (Some("incomplete"), Some("max_output_tokens")) => (F::Length, reason.map(Into::into)),
        (Some("incomplete"), Some("content_filter")) => (F::ContentFilter, reason.map(Into::into)),
        (Some("incomplete"), r) => (F::Other, r.map(Into::into)),
        _ if calls => (F::ToolCalls, Some("completed".into())),
        (s, _) => (F::Stop, s.map(Into::into)),
    }
}

/// A failed response (`response.failed`, or an `error` event) as a typed error.
fn failure(e: &Value) -> super::ProviderError {
    use super::ErrorKind as K;
    let code = e["code"].as_str().unwrap_or("");
    let message = e["message"]
        .as_str()
        .unwrap_or("the response failed")
        .to_string();
    let kind = match code {
        "rate_limit_exceeded" => K::RateLimit,
        "insufficient_quota" => K::Auth,
        "context_length_exceeded" | "invalid_prompt" => K::BadRequest,
        _ => K::Server,
    };
    super::ProviderError::new(kind, format!("{message} ({code})"))
}

/// A whole `response` object.
pub(crate) fn parse_response(body: &[u8]) -> Result<ChatResponse, super::ProviderError> {
    let o = super::parse_json(body).map_err(|e| {
        super::ProviderError::new(
            super::ErrorKind::Decode,
            format!("the response is not JSON: {e}"),
        )
    })?;
    if o["status"] == "failed" {
        return Err(failure(&o["error"]));
    }
    let mut r = ChatResponse {
        model_id: o["model"].as_str().map(str::to_string),
        usage: usage_of(&o["usage"]),
        ..Default::default()
    };
    for item in o["output"].as_array().into_iter().flatten() {
        match item["type"].as_str() {
            Some("message") => {
                for c in item["content"].as_array().into_iter().flatten() {
                    if let Some(t) = c["text"].as_str().or(c["refusal"].as_str()) {
                        r.text.push_str(t);
                    }
                }
            }
            Some("reasoning") => {
                let text: Vec<&str> = item["summary"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s["text"].as_str())
                    .collect();
                let text = text.join("\n\n");
                r.reasoning.push_str(&text);
                if let Some(sealed) = item["encrypted_content"].as_str() {
                    r.signed_reasoning.push(sealed_reasoning(text, sealed));
                }
            }
            Some("function_call") => r.tool_calls.push(call_of(item)),
            _ => {}
        }
    }
    (r.finish, r.finish_raw) = finish_of(&o, !r.tool_calls.is_empty());
    Ok(r)
}

/// A reasoning item's text sealed by its `encrypted_content`: signed reasoning, or redacted
/// when it has no text.
fn sealed_reasoning(text: String, sealed: &str) -> Reasoning {
    if text.is_empty() {
        Reasoning {
            redacted: Some(sealed.to_string()),
            ..Default::default()
        }
    } else {
        Reasoning {
            text,
            signature: Some(sealed.to_string()),
            redacted: None,
        }
    }
}

/// A `function_call` item as a call (a namespaced function under its flat name).
fn call_of(item: &Value) -> ToolCall {
    let name = item["name"].as_str().unwrap_or("");
    ToolCall {
        id: super::openai::call_id(&item["call_id"]),
        name: match item["namespace"].as_str().filter(|n| !n.is_empty()) {
            Some(ns) => format!("{ns}{NAMESPACE_JOIN}{name}"),
            None => name.to_string(),
        },
        arguments: super::openai::arguments_text(&item["arguments"]),
        signature: None,
    }
}

/// Decodes a Responses event stream.
#[derive(Default)]
pub(crate) struct StreamDecoder {
    /// Output index → call number, for the calls begun so far.
    calls: HashMap<u64, usize>,
    /// Output indexes of reasoning items whose summary text was streamed.
    reasoned: Vec<u64>,
    done: bool,
}

impl super::dialect::StreamDecode for StreamDecoder {
    fn event(
        &mut self,
        ev: &super::sse::SseEvent,
    ) -> Result<Vec<StreamEvent>, super::ProviderError> {
        let v = super::parse_json(ev.data.as_bytes()).map_err(|e| {
            super::ProviderError::new(
                super::ErrorKind::Decode,
                format!("a stream event is not JSON: {e}"),
            )
        })?;
        let at = v["output_index"].as_u64().unwrap_or(0);
        let mut out = Vec::new();
        match v["type"].as_str().unwrap_or("") {
            "response.created" => {
                if let Some(m) = v["response"]["model"].as_str() {
                    out.push(StreamEvent::ModelId(m.to_string()));
                }
            }
            "response.output_text.delta" | "response.refusal.delta" => {
                if let Some(d) = v["delta"].as_str() {
                    out.push(StreamEvent::TextDelta(d.to_string()));
                }
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                if !self.reasoned.contains(&at) {
                    self.reasoned.push(at);
                }
                if let Some(d) = v["delta"].as_str() {
                    out.push(StreamEvent::ReasoningDelta(d.to_string()));
                }
            }
            "response.output_item.added" if v["item"]["type"] == "function_call" => {
                let index = self.calls.len();
                self.calls.insert(at, index);
                let c = call_of(&v["item"]);
                out.push(StreamEvent::ToolCall {
                    index,
                    id: c.id,
                    name: Some(c.name),
                    arguments: c.arguments,
                    signature: None,
                });
            }
            "response.function_call_arguments.delta" => {
                if let (Some(&index), Some(d)) = (self.calls.get(&at), v["delta"].as_str()) {
                    out.push(StreamEvent::ToolCall {
                        index,
                        id: None,
                        name: None,
                        arguments: d.to_string(),
                        signature: None,
                    });
                }
            }
            "response.output_item.done" if v["item"]["type"] == "reasoning" => {
                if let Some(sealed) = v["item"]["encrypted_content"].as_str() {
                    out.push(if self.reasoned.contains(&at) {
                        StreamEvent::ReasoningSignature(sealed.to_string())
                    } else {
                        StreamEvent::RedactedReasoning(sealed.to_string())
                    });
                }
            }
            "response.completed" | "response.incomplete" => {
                let o = &v["response"];
                out.push(StreamEvent::Usage(usage_of(&o["usage"])));
                let (reason, raw) = finish_of(o, !self.calls.is_empty());
                out.push(StreamEvent::Finish { reason, raw });
                self.done = true;
            }
            "response.failed" => return Err(failure(&v["response"]["error"])),
            "error" => return Err(failure(&v)),
            _ => {}
        }
        Ok(out)
    }

    fn finished(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_codex_turn_reads_into_one_conversation() {
        let v = json!({
            "model": "m",
            "input": [
                {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "be brief"}]},
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list files"}]},
                {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "think"}], "encrypted_content": "sig"},
                {"type": "function_call", "call_id": "c1", "name": "exec", "namespace": "shell", "arguments": "{\"cmd\":\"ls\"}"},
                {"type": "function_call_output", "call_id": "c1", "output": "a b"},
                {"type": "web_search_call", "id": "ws"},
            ],
            "tools": [
                {"type": "namespace", "name": "shell", "description": "d", "tools": [
                    {"type": "function", "name": "exec", "parameters": {"type": "object"}}]},
                {"type": "function", "name": "plan", "parameters": {"type": "object"}},
                {"type": "web_search"},
            ],
            "tool_choice": "auto",
            "reasoning": {"effort": "high", "summary": "auto"},
            "store": false,
            "include": ["reasoning.encrypted_content"],
            "client_metadata": {"x": 1},
            "max_output_tokens": 100,
        });
        let got = parse_request(&v).unwrap();
        let r = &got.request;
        assert_eq!(r.messages.len(), 4);
        assert_eq!(r.messages[0].role, Role::Developer);
        assert_eq!(r.messages[2].role, Role::Assistant);
        assert_eq!(
            r.messages[2].content,
            vec![
                Part::Reasoning(Reasoning {
                    text: "think".into(),
                    signature: Some("sig".into()),
                    redacted: None
                }),
                Part::ToolCall(ToolCall {
                    id: Some("c1".into()),
                    name: "shell__exec".into(),
                    arguments: "{\"cmd\":\"ls\"}".into(),
                    signature: None
                }),
            ]
        );
        assert_eq!(r.messages[3].role, Role::Tool);
        let names: Vec<&str> = r.tools.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["shell__exec", "plan"]);
        assert_eq!(
            got.namespaced["shell__exec"],
            ("shell".to_string(), "exec".to_string())
        );
        assert_eq!(r.max_tokens, Some(100));
        assert_eq!(r.extra.as_ref().unwrap()["reasoning_effort"], json!("high"));
        let notes = got.notes.join("; ");
        assert!(notes.contains("`web_search_call`"), "{notes}");
        assert!(
            notes.contains("tools of type `web_search` dropped"),
            "{notes}"
        );
        assert!(notes.contains("`client_metadata`"), "{notes}");
        assert!(!notes.contains("`include`"), "{notes}");
    }

    #[test]
    fn what_a_stateless_server_cannot_do_is_refused_by_name() {
        let e =
            parse_request(&json!({"model": "m", "input": "hi", "previous_response_id": "resp_1"}))
                .unwrap_err();
        assert_eq!(e.param, "previous_response_id");
        assert!(e.message.contains("stateless"), "{}", e.message);
        let e = parse_request(&json!({"model": "m", "input": "hi",
            "tools": [{"type": "web_search"}], "tool_choice": {"type": "web_search"}}))
        .unwrap_err();
        assert_eq!(e.param, "tool_choice");
        let e = parse_request(&json!({"model": "m"})).unwrap_err();
        assert_eq!(e.param, "input");
        let e =
            parse_request(&json!({"model": "m", "input": [{"type": "item_reference", "id": "x"}]}))
                .unwrap_err();
        assert!(e.message.contains("input[0]"), "{}", e.message);
    }

    #[test]
    fn text_format_and_images_keep_their_meaning() {
        let v = json!({"model": "m", "input": [{"role": "user", "content": [
            {"type": "input_text", "text": "what is it"},
            {"type": "input_image", "image_url": "https://example.com/a.png"}]}],
            "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "object"}, "strict": true}}});
        let got = parse_request(&v).unwrap();
        assert!(got.request.has_images());
        assert_eq!(
            got.request.extra.as_ref().unwrap()["response_format"],
            json!({"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": true}})
        );
        assert!(got.notes.is_empty(), "{:?}", got.notes);
    }
}

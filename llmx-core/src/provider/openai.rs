//! The OpenAI Chat Completions dialect, spoken by OpenAI and every compatible service
//! (OpenRouter, DeepSeek, Mistral, Groq, xAI, Together, Ollama, LM Studio, vLLM, llama.cpp).
//! Pure functions: build the request, parse a response, decode stream events, parse an error.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use super::dialect::StreamDecode;
use super::error::{ErrorKind, ProviderError};
use super::registry::{MaxTokensField, Provider};
use super::sse::SseEvent;
use super::types::{
    ChatRequest, ChatResponse, FinishReason, Part, Role, StreamEvent, ToolCall, ToolChoice, Usage,
};
use super::{error_from_body, num, AuthStyle, HttpCall};

/// `POST {base}/chat/completions`.
pub(crate) fn build_request(req: &ChatRequest, provider: &Provider, base_url: &str) -> HttpCall {
    let mut notes = Vec::new();
    let messages = messages(req, &mut notes);
    let mut body = Map::new();
    body.insert("model".into(), json!(req.model));
    body.insert("messages".into(), Value::Array(messages));
    if let Some(t) = req.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(n) = req.max_tokens {
        let field = match provider.max_tokens_field {
            MaxTokensField::MaxCompletionTokens => "max_completion_tokens",
            MaxTokensField::MaxTokens => "max_tokens",
        };
        body.insert(field.into(), json!(n));
    }
    if !req.stop.is_empty() {
        body.insert("stop".into(), json!(req.stop));
    }
    if req.stream {
        body.insert("stream".into(), json!(true));
        if provider.stream_usage_option {
            body.insert("stream_options".into(), json!({"include_usage": true}));
        }
    }
    if !req.tools.is_empty() {
        let tools = req
            .tools
            .iter()
            .map(|t| {
                let mut f = t.head();
                if let Some(p) = &t.parameters {
                    f.insert("parameters".into(), p.clone());
                }
                json!({"type": "function", "function": f})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = &req.tool_choice {
        body.insert("tool_choice".into(), tool_choice(choice));
    }
    // What a gateway's client sent beyond the conversation goes on as it came.
    for (k, v) in req.extra.iter().flat_map(|e| e.iter()) {
        body.entry(k.clone()).or_insert_with(|| v.clone());
    }
    HttpCall {
        url: chat_url(provider, base_url, &req.model),
        headers: Vec::new(),
        body: Value::Object(body),
        auth: AuthStyle::Bearer,
        notes,
        verbatim: false,
    }
}

/// Where a chat request goes: `{base}/chat/completions`, or — Azure OpenAI's deployments form,
/// an API version set and a base ending in `/openai` —
/// `{base}/deployments/{model}/chat/completions?api-version={v}`.
pub(crate) fn chat_url(provider: &Provider, base_url: &str, model: &str) -> String {
    match &provider.api_version {
        Some(v) if base_url.ends_with("/openai") => {
            let enc = |s: &str| -> String {
                url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
            };
            format!(
                "{base_url}/deployments/{}/chat/completions?api-version={}",
                enc(model).replace('+', "%20"),
                enc(v)
            )
        }
        _ => format!("{base_url}/chat/completions"),
    }
}

/// The conversation as Chat Completions messages: instructions as `system`/`developer`,
/// assistant turns with their `tool_calls`, every tool result its own `tool` message (by
/// `tool_call_id`). What the wire cannot carry is dropped and noted.
fn messages(req: &ChatRequest, notes: &mut Vec<String>) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(system) = &req.system {
        out.push(json!({"role": "system", "content": system}));
    }
    let mut dropped_reasoning = false;
    let mut dropped_error_flag = false;
    for m in &req.messages {
        match m.role {
            Role::System | Role::Developer => {
                let role = if m.role == Role::System {
                    "system"
                } else {
                    "developer"
                };
                out.push(json!({"role": role, "content": m.text()}));
            }
            Role::Assistant => {
                let mut msg = Map::new();
                msg.insert("role".into(), json!("assistant"));
                let text = m.text();
                let calls: Vec<Value> = m
                    .tool_calls()
                    .map(|c| {
                        json!({
                            "type": "function",
                            "id": c.id.clone().unwrap_or_default(),
                            "function": {"name": c.name, "arguments": c.arguments},
                        })
                    })
                    .collect();
                if !text.is_empty() || calls.is_empty() {
                    msg.insert("content".into(), json!(text));
                }
                if !calls.is_empty() {
                    msg.insert("tool_calls".into(), Value::Array(calls));
                }
                dropped_reasoning |= m.content.iter().any(|p| {
                    matches!(p, Part::Reasoning(r) if r.signature.is_some() || r.redacted.is_some())
                });
                out.push(Value::Object(msg));
            }
            Role::User | Role::Tool => {
                // Results first (each a `tool` message), then what else the turn says.
                let mut rest = Vec::new();
                for p in &m.content {
                    match p {
                        Part::ToolResult(r) => {
                            dropped_error_flag |= r.is_error == Some(true);
                            out.push(json!({
                                "role": "tool",
                                "tool_call_id": r.call_id.clone().unwrap_or_default(),
                                "content": r.text(),
                            }));
                            // A tool message carries text only: its images follow as the user's.
                            rest.extend(
                                r.content
                                    .iter()
                                    .filter(|q| matches!(q, Part::Image(_)))
                                    .cloned(),
                            );
                        }
                        Part::Text(_) | Part::Image(_) => rest.push(p.clone()),
                        Part::ToolCall(_) | Part::Reasoning(_) => {}
                    }
                }
                if !rest.is_empty() {
                    out.push(json!({"role": "user", "content": content(&rest)}));
                }
            }
        }
    }
    if dropped_reasoning {
        notes.push(
            "earlier turns' signed reasoning not sent (Chat Completions has no field for it)"
                .into(),
        );
    }
    if dropped_error_flag {
        notes.push(
            "a tool result's error flag not sent (Chat Completions has no field for it)".into(),
        );
    }
    out
}

fn tool_choice(c: &ToolChoice) -> Value {
    match c {
        ToolChoice::Auto => json!("auto"),
        ToolChoice::None => json!("none"),
        ToolChoice::Required => json!("required"),
        ToolChoice::Named(n) => json!({"type": "function", "function": {"name": n}}),
    }
}

/// A call id as servers send it: a string, or (some local servers) a number.
pub(crate) fn call_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Arguments as servers send them: a JSON string (the spec), or (Ollama, some gateways) the
/// object itself.
pub(crate) fn arguments_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `message.tool_calls` of a whole answer.
fn tool_calls(v: &Value) -> Vec<ToolCall> {
    let Some(calls) = v.as_array() else {
        return Vec::new();
    };
    calls
        .iter()
        .filter(|c| c["function"].is_object())
        .map(|c| ToolCall {
            id: call_id(&c["id"]),
            name: c["function"]["name"].as_str().unwrap_or("").to_string(),
            arguments: arguments_text(&c["function"]["arguments"]),
            signature: None,
        })
        .collect()
}

/// A single text part travels as a plain string (what every compatible server accepts);
/// anything richer as a list of typed parts.
fn content(parts: &[Part]) -> Value {
    if let [Part::Text(t)] = parts {
        return json!(t);
    }
    Value::Array(
        parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(json!({"type": "text", "text": t})),
                Part::Image(img) => {
                    let url = match img.prefer_url() {
                        Ok(u) => u.to_string(),
                        Err(i) => format!("data:{};base64,{}", i.media_type, i.data),
                    };
                    Some(json!({"type": "image_url", "image_url": {"url": url}}))
                }
                _ => None,
            })
            .collect(),
    )
}

pub fn finish_reason(raw: &str) -> FinishReason {
    match raw {
        "stop" | "end_turn" | "stop_sequence" | "eos" => FinishReason::Stop,
        "length" | "max_tokens" | "model_length" => FinishReason::Length,
        "tool_calls" | "function_call" | "tool_use" => FinishReason::ToolCalls,
        "content_filter" => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}

/// Normalise an OpenAI-shaped usage object (wire-formats §7.1), including DeepSeek's
/// `prompt_cache_hit_tokens` and OpenRouter's `cost`.
pub fn usage(u: &Value) -> Usage {
    let details = &u["prompt_tokens_details"];
    let cached = num(&details["cached_tokens"])
        .or_else(|| num(&u["prompt_cache_hit_tokens"]))
        .unwrap_or(0);
    let reasoning = num(&u["completion_tokens_details"]["reasoning_tokens"]).unwrap_or(0);
    let (prompt, completion) = (num(&u["prompt_tokens"]), num(&u["completion_tokens"]));
    // OpenAI counts reasoning inside `completion_tokens`; xAI counts it beside them
    // (`total = prompt + completion + reasoning`, e.g. 12 + 1 + 290 = 303). Output is what is
    // billed as output, reasoning included, so the totals decide which this is.
    let output = match (prompt, completion, num(&u["total_tokens"])) {
        (Some(p), Some(c), Some(t))
            if reasoning > 0
                && t == p.saturating_add(c).saturating_add(reasoning)
                && t != p.saturating_add(c) =>
        {
            Some(c.saturating_add(reasoning))
        }
        _ => completion,
    };
    Usage {
        input_tokens: prompt,
        output_tokens: output,
        cached_input_tokens: cached,
        cache_write_tokens: num(&details["cache_write_tokens"]).unwrap_or(0),
        reasoning_tokens: reasoning,
        // A negative or non-finite cost is no cost at all: unknown, never summed.
        provider_cost_usd: u["cost"].as_f64().filter(|c| c.is_finite() && *c >= 0.0),
        raw: Some(u.clone()),
        ..Default::default()
    }
}

/// Message content is a string, or (Mistral's reasoning models) a list of typed parts.
fn split_content(v: &Value) -> (String, String) {
    match v {
        Value::String(s) => (s.clone(), String::new()),
        Value::Array(parts) => {
            let mut text = String::new();
            let mut reasoning = String::new();
            for p in parts {
                match p["type"].as_str() {
                    Some("text") => text.push_str(p["text"].as_str().unwrap_or("")),
                    Some("thinking") => {
                        if let Some(inner) = p["thinking"].as_array() {
                            for t in inner {
                                reasoning.push_str(t["text"].as_str().unwrap_or(""));
                            }
                        } else if let Some(s) = p["thinking"].as_str() {
                            reasoning.push_str(s);
                        }
                    }
                    _ => {}
                }
            }
            (text, reasoning)
        }
        _ => (String::new(), String::new()),
    }
}

fn reasoning_of(v: &Value) -> Option<&str> {
    v["reasoning_content"]
        .as_str()
        .or_else(|| v["reasoning"].as_str())
}

/// Parse a non-streamed response body.
pub(crate) fn parse_response(body: &[u8]) -> Result<ChatResponse, ProviderError> {
    let v: Value = super::parse_json(body)
        .map_err(|e| ProviderError::decode(format!("response is not valid JSON: {e}")))?;
    if v.get("error").is_some_and(|e| !e.is_null()) {
        return Err(error_from_body(&v, None));
    }
    let choice = v["choices"]
        .get(0)
        .ok_or_else(|| ProviderError::decode("response has no `choices`"))?;
    let msg = &choice["message"];
    let (mut text, mut reasoning) = split_content(&msg["content"]);
    if let Some(r) = reasoning_of(msg) {
        reasoning.push_str(r);
    }
    // A refusal (structured outputs) comes as its own field: it is the answer.
    let refusal = msg["refusal"].as_str().filter(|r| !r.is_empty());
    if let (Some(r), true) = (refusal, text.is_empty()) {
        text = r.to_string();
    }
    let finish_raw = choice["finish_reason"].as_str().map(str::to_string);
    Ok(ChatResponse {
        text,
        reasoning,
        finish: match (refusal, finish_raw.as_deref()) {
            (Some(_), _) => FinishReason::Refusal,
            (None, Some(f)) => finish_reason(f),
            (None, None) => FinishReason::Unknown,
        },
        finish_raw,
        usage: if v["usage"].is_object() {
            usage(&v["usage"])
        } else {
            Usage::default()
        },
        model_id: v["model"].as_str().map(str::to_string),
        tool_calls: tool_calls(&msg["tool_calls"]),
        ..Default::default()
    })
}

/// Decodes the chunks of a streamed response.
#[derive(Debug, Default)]
pub(crate) struct StreamDecoder {
    seen_model: bool,
    finished: bool,
    calls: CallSlots,
    /// A `refusal` arrived: the finish is a refusal, whatever reason ends the stream.
    refused: bool,
    /// `[DONE]` arrived.
    done: bool,
}

/// A hash map with a fast hasher seeded at random per map (keys come from the server).
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Which call each streamed tool-call fragment belongs to. The spec keys fragments by `index`
/// with the id and name on the first; servers differ: some number every call 0 (telling them
/// apart by id), some send integer ids, some repeat the id and name on every fragment, some
/// send each call whole. A fragment joins the call with its id; without an id, the latest call
/// at its index, unless it names a tool and that call's arguments are already complete JSON
/// (a second whole call at a reused index); a new id, or an index not seen, starts a new call.
#[derive(Debug, Default)]
struct CallSlots {
    slots: Vec<Slot>,
    /// Slot by call id, and the latest slot at each index: a fragment finds its call in
    /// constant time however many calls the answer has.
    by_id: FastMap<String, usize>,
    by_index: FastMap<Option<u64>, usize>,
    /// The latest slot at each index that has no id yet (an id may come after).
    unnamed_at: FastMap<Option<u64>, usize>,
}

#[derive(Debug)]
struct Slot {
    index: Option<u64>,
    /// The call's id arrived (the id itself is the key of `by_id`).
    has_id: bool,
    named: bool,
    /// Whether the arguments so far are one whole JSON value, kept as they arrive.
    json: JsonProgress,
}

/// Whether streamed text is one complete JSON object or array so far, tracked a fragment at a
/// time (each byte seen once, not the whole text re-parsed per fragment).
#[derive(Debug, Default, Clone, Copy)]
struct JsonProgress {
    depth: u32,
    in_string: bool,
    escaped: bool,
    started: bool,
    /// The outer value closed, and only whitespace came after.
    closed: bool,
    /// Something that cannot be a single object or array.
    broken: bool,
}

impl JsonProgress {
    fn push(&mut self, text: &str) {
        for b in text.bytes() {
            if self.broken {
                return;
            }
            if self.in_string {
                match (self.escaped, b) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b' ' | b'\n' | b'\r' | b'\t' => {}
                _ if self.closed => self.broken = true,
                b'{' | b'[' => {
                    self.started = true;
                    self.depth += 1;
                }
                b'}' | b']' if self.depth > 0 => {
                    self.depth -= 1;
                    self.closed = self.depth == 0;
                }
                b'"' if self.started => self.in_string = true,
                _ if !self.started => self.broken = true,
                _ => {}
            }
        }
    }

    fn complete(&self) -> bool {
        self.closed && !self.broken
    }
}

impl CallSlots {
    fn find(&self, index: Option<u64>, id: Option<&str>, named: bool) -> Option<usize> {
        if let Some(id) = id {
            // The id may arrive after a first fragment that had none.
            return self
                .by_id
                .get(id)
                .or_else(|| self.unnamed_at.get(&index))
                .copied();
        }
        let i = *self.by_index.get(&index)?;
        let s = &self.slots[i];
        let complete = named && s.named && s.json.complete();
        (!complete).then_some(i)
    }

    fn fragment(&mut self, c: &CallView<'_>) -> StreamEvent {
        let index = c.index;
        let id = match c.id {
            Leaf::Text(t) => Some(t.to_string()).filter(|t| !t.is_empty()),
            Leaf::Json(v) => call_id(v),
        };
        let name = c.name.filter(|n| !n.is_empty());
        let arguments = match c.arguments {
            Leaf::Text(t) => t.to_string(),
            Leaf::Json(v) => arguments_text(v),
        };
        let slot = match self.find(index, id.as_deref(), name.is_some()) {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    index,
                    has_id: false,
                    named: false,
                    json: JsonProgress::default(),
                });
                let i = self.slots.len() - 1;
                self.by_index.insert(index, i);
                // A call that comes with its id is not waiting for one; nor is any before it
                // at this index.
                match id {
                    None => self.unnamed_at.insert(index, i),
                    Some(_) => self.unnamed_at.remove(&index),
                };
                i
            }
        };
        let s = &mut self.slots[slot];
        if !s.has_id {
            if let Some(new) = &id {
                s.has_id = true;
                self.by_id.insert(new.clone(), slot);
                if self.unnamed_at.get(&s.index) == Some(&slot) {
                    self.unnamed_at.remove(&s.index);
                }
            }
        }
        s.named |= name.is_some();
        s.json.push(&arguments);
        StreamEvent::ToolCall {
            index: slot,
            id,
            name: name.map(str::to_string),
            arguments,
            signature: None,
        }
    }
}

impl StreamDecode for StreamDecoder {
    fn finished(&self) -> bool {
        self.finished
    }

    /// Decode one SSE event. `[DONE]` yields nothing; an error chunk or `event: error` is an error.
    fn event(&mut self, ev: &SseEvent) -> Result<Vec<StreamEvent>, ProviderError> {
        let mut out = Vec::new();
        self.event_into(ev, &mut out)?;
        Ok(out)
    }

    fn event_into(
        &mut self,
        ev: &SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), ProviderError> {
        // `[DONE]` ends the answer: whatever a server sends after it is not part of it.
        if self.done {
            return Ok(());
        }
        if ev.is_done() {
            self.finished = true;
            self.done = true;
            return Ok(());
        }
        let data = ev.data.trim();
        if data.is_empty() {
            return Ok(());
        }
        // Most chunks are read into typed structs (no JSON tree per event); one that does not
        // fit them, or carries an error, is read the general way.
        let fast = ev
            .event
            .is_none()
            .then(|| serde_json::from_str::<FastChunk>(data).ok())
            .flatten();
        if let Some(chunk) = fast.filter(|c| !c.is_error()) {
            self.view(chunk.view(), out);
            return Ok(());
        }
        let v: Value = super::parse_json(data.as_bytes())
            .map_err(|e| ProviderError::decode(format!("stream chunk is not valid JSON: {e}")))?;
        if ev.event.as_deref() == Some("error") || v.get("error").is_some_and(|e| !e.is_null()) {
            return Err(error_from_body(&v, None));
        }
        // vLLM reports mid-stream failures as `{"object":"error","message":...}`.
        if v["object"].as_str() == Some("error") {
            return Err(error_from_body(&v, None));
        }
        self.view(ChunkView::of(&v), out);
        Ok(())
    }
}

impl StreamDecoder {
    /// The events of one chunk.
    fn view(&mut self, v: ChunkView<'_>, out: &mut Vec<StreamEvent>) {
        if !self.seen_model {
            if let Some(m) = v.model {
                self.seen_model = true;
                out.push(StreamEvent::ModelId(m.to_string()));
            }
        }
        if let Some(choice) = v.choice {
            if let Some(r) = choice.reasoning {
                if !r.is_empty() {
                    out.push(StreamEvent::ReasoningDelta(r.to_string()));
                }
            }
            let (text, reasoning) = match choice.content {
                Leaf::Text(t) => (t.to_string(), String::new()),
                Leaf::Json(v) => split_content(v),
            };
            if !reasoning.is_empty() {
                out.push(StreamEvent::ReasoningDelta(reasoning));
            }
            if !text.is_empty() {
                out.push(StreamEvent::TextDelta(text));
            }
            if let Some(r) = choice.refusal.filter(|r| !r.is_empty()) {
                self.refused = true;
                out.push(StreamEvent::TextDelta(r.to_string()));
            }
            let mut i = 0;
            while let Some(c) = choice.calls.get(i) {
                out.push(self.calls.fragment(&c));
                i += 1;
            }
            if let Some(f) = choice.finish {
                self.finished = true;
                out.push(StreamEvent::Finish {
                    reason: if self.refused {
                        FinishReason::Refusal
                    } else {
                        finish_reason(f)
                    },
                    raw: Some(f.to_string()),
                });
            }
        }
        if let Some(u) = v.usage.filter(|u| u.is_object()) {
            out.push(StreamEvent::Usage(usage(u)));
        }
    }
}

/// What one streamed chunk says, however it was read.
struct ChunkView<'v> {
    model: Option<&'v str>,
    choice: Option<ChoiceView<'v>>,
    usage: Option<&'v Value>,
}

struct ChoiceView<'v> {
    reasoning: Option<&'v str>,
    content: Leaf<'v>,
    refusal: Option<&'v str>,
    calls: Calls<'v>,
    finish: Option<&'v str>,
}

/// A chunk's tool-call fragments, as either reading holds them.
#[derive(Clone, Copy)]
enum Calls<'v> {
    Fast(Option<&'v Few<FastCall<'v>>>),
    General(&'v [Value]),
}

impl<'v> Calls<'v> {
    fn get(self, i: usize) -> Option<CallView<'v>> {
        match self {
            Calls::Fast(calls) => calls.and_then(|c| c.get(i)).map(|c| {
                let f = c.function.as_ref();
                CallView {
                    index: c.index,
                    id: c.id.as_deref().map_or(Leaf::Json(&NULL), Leaf::Text),
                    name: f.and_then(|f| f.name.as_deref()),
                    arguments: f
                        .and_then(|f| f.arguments.as_deref())
                        .map_or(Leaf::Json(&NULL), Leaf::Text),
                }
            }),
            Calls::General(calls) => calls.get(i).map(|c| CallView {
                index: c["index"].as_u64(),
                id: Leaf::Json(&c["id"]),
                name: c["function"]["name"].as_str(),
                arguments: Leaf::Json(&c["function"]["arguments"]),
            }),
        }
    }
}

/// The first element of a JSON array, the rest skipped unread (only a stream's first choice
/// is an answer).
struct First<T>(Option<T>);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for First<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Seq<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Seq<T> {
            type Value = First<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<First<T>, A::Error> {
                let first = seq.next_element::<T>()?;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        d.deserialize_seq(Seq(std::marker::PhantomData))
    }
}

/// One tool-call fragment.
struct CallView<'v> {
    index: Option<u64>,
    id: Leaf<'v>,
    name: Option<&'v str>,
    arguments: Leaf<'v>,
}

/// A field that is text as servers usually send it, or any JSON as some do.
#[derive(Clone, Copy)]
enum Leaf<'v> {
    Text(&'v str),
    Json(&'v Value),
}

static NULL: Value = Value::Null;

impl<'v> ChunkView<'v> {
    /// The general reading: any JSON, fields of any type.
    fn of(v: &'v Value) -> ChunkView<'v> {
        let choice = v["choices"].get(0).map(|choice| {
            let delta = &choice["delta"];
            ChoiceView {
                reasoning: reasoning_of(delta),
                content: Leaf::Json(&delta["content"]),
                refusal: delta["refusal"].as_str(),
                calls: Calls::General(delta["tool_calls"].as_array().map_or(&[], Vec::as_slice)),
                finish: choice["finish_reason"].as_str(),
            }
        });
        ChunkView {
            model: v["model"].as_str(),
            choice,
            usage: Some(&v["usage"]),
        }
    }
}

/// A string field borrowed from the chunk when it has no escapes. (serde borrows a bare
/// `Cow<str>` field marked `borrow`, but an `Option<Cow<str>>` is always copied.)
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// A JSON array whose first element is held inline: a chunk's tool calls are nearly always
/// one, and reading them allocates nothing for the list.
struct Few<T> {
    first: Option<T>,
    rest: Vec<T>,
}

impl<T> Few<T> {
    fn get(&self, i: usize) -> Option<&T> {
        match i {
            0 => self.first.as_ref(),
            _ => self.rest.get(i - 1),
        }
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Few<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Seq<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Seq<T> {
            type Value = Few<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Few<T>, A::Error> {
                let first = seq.next_element::<T>()?;
                let mut rest = Vec::new();
                if first.is_some() {
                    while let Some(x) = seq.next_element::<T>()? {
                        rest.push(x);
                    }
                }
                Ok(Few { first, rest })
            }
        }
        d.deserialize_seq(Seq(std::marker::PhantomData))
    }
}

/// A chunk as servers usually send it, read without a JSON tree: objects as structs, text
/// borrowed from the chunk where it has no escapes. Strict: a field of another type (content
/// as parts, arguments as an object, an index that is not a count), or a repeated key, fails
/// to read, and the chunk is read the general way; so both readings agree on every chunk this
/// one accepts.
#[derive(serde::Deserialize)]
struct FastChunk<'a> {
    #[serde(default, borrow)]
    model: Option<Text<'a>>,
    #[serde(default, borrow)]
    object: Option<Text<'a>>,
    /// Present and not null (what it says is read the general way).
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
    /// Boxed, as is the choice: the chunk stays small, and serde moves it whole at every
    /// level it returns through.
    #[serde(default, borrow)]
    choices: Option<First<Box<FastChoice<'a>>>>,
    #[serde(default)]
    usage: Option<Box<Value>>,
}

#[derive(serde::Deserialize)]
struct FastChoice<'a> {
    #[serde(default, borrow)]
    delta: Option<FastDelta<'a>>,
    #[serde(default, borrow)]
    finish_reason: Option<Text<'a>>,
}

#[derive(serde::Deserialize)]
struct FastDelta<'a> {
    #[serde(default, borrow)]
    content: Option<Text<'a>>,
    #[serde(default, borrow)]
    reasoning_content: Option<Text<'a>>,
    #[serde(default, borrow)]
    reasoning: Option<Text<'a>>,
    #[serde(default, borrow)]
    refusal: Option<Text<'a>>,
    #[serde(default, borrow)]
    tool_calls: Option<Few<FastCall<'a>>>,
}

#[derive(serde::Deserialize)]
struct FastCall<'a> {
    #[serde(default)]
    index: Option<u64>,
    #[serde(default, borrow)]
    id: Option<Text<'a>>,
    #[serde(default, borrow)]
    function: Option<FastFunction<'a>>,
}

#[derive(serde::Deserialize)]
struct FastFunction<'a> {
    #[serde(default, borrow)]
    name: Option<Text<'a>>,
    #[serde(default, borrow)]
    arguments: Option<Text<'a>>,
}

impl FastChunk<'_> {
    /// Whether the general reading would see an error here.
    fn is_error(&self) -> bool {
        self.error.is_some() || self.object.as_deref() == Some("error")
    }

    fn view(&self) -> ChunkView<'_> {
        let choice = self
            .choices
            .as_ref()
            .and_then(|c| c.0.as_ref())
            .map(|choice| {
                let delta = choice.delta.as_ref();
                let text = |f: for<'d> fn(&'d FastDelta<'_>) -> &'d Option<Text<'d>>| {
                    delta.and_then(|d| f(d).as_deref())
                };
                ChoiceView {
                    reasoning: text(|d| &d.reasoning_content).or_else(|| text(|d| &d.reasoning)),
                    content: text(|d| &d.content).map_or(Leaf::Json(&NULL), Leaf::Text),
                    refusal: text(|d| &d.refusal),
                    calls: Calls::Fast(delta.and_then(|d| d.tool_calls.as_ref())),
                    finish: choice.finish_reason.as_deref(),
                }
            });
        ChunkView {
            model: self.model.as_deref(),
            choice,
            usage: self.usage.as_deref(),
        }
    }
}

/// Turn an error body into a typed error. OpenAI's `insufficient_quota` 429 is a billing problem,
/// not a rate limit: retrying will not help.
pub(crate) fn parse_error(status: u16, body: &[u8]) -> ProviderError {
    let v: Value = super::parse_json(body).unwrap_or(Value::Null);
    let mut e = error_from_body(&v, Some(status));
    let code = v["error"]["code"].as_str().or(v["error"]["type"].as_str());
    if code == Some("insufficient_quota") {
        e.kind = ErrorKind::Auth;
    }
    e
}

/// A Chat Completions request body as llmx's conversation (what a client of a gateway sends):
/// `system`/`developer`/`user`/`assistant`/`tool` messages, content as a string or parts (text,
/// `image_url` with `data:` or http URLs), assistant `tool_calls`, the tools and the sampling
/// settings llmx carries. `Err` names what is malformed.
pub fn parse_request(v: &Value) -> Result<ChatRequest, String> {
    let Some(list) = v["messages"].as_array() else {
        return Err("`messages` must be an array".into());
    };
    let mut messages = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        let at = |what: &str| format!("messages[{i}]: {what}");
        let known = [
            ("system", Role::System),
            ("developer", Role::Developer),
            ("user", Role::User),
            ("assistant", Role::Assistant),
            ("tool", Role::Tool),
        ];
        let role = super::role_of(m, &known).map_err(|e| at(&e))?;
        let mut content = content_parts(&m["content"]).map_err(|e| at(&e))?;
        if role == Role::Assistant {
            // Signed reasoning a gateway handed its client (OpenRouter's `reasoning_details`),
            // echoed back: it goes before the turn's text and calls, as it was produced.
            let signed: Vec<Part> = m["reasoning_details"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(reasoning_detail)
                .collect();
            content.splice(0..0, signed);
            for c in m["tool_calls"].as_array().into_iter().flatten() {
                content.push(Part::ToolCall(ToolCall {
                    id: call_id(&c["id"]),
                    name: c["function"]["name"].as_str().unwrap_or("").to_string(),
                    arguments: arguments_text(&c["function"]["arguments"]),
                    // Gemini's thought signature, where a gateway put it (as Google's own
                    // OpenAI-compatible endpoint does).
                    signature: c["extra_content"]["google"]["thought_signature"]
                        .as_str()
                        .map(str::to_string),
                }));
            }
        }
        if role == Role::Tool {
            content = vec![Part::ToolResult(super::types::ToolResult {
                call_id: call_id(&m["tool_call_id"]),
                name: m["name"].as_str().map(str::to_string),
                is_error: None,
                content,
            })];
        }
        messages.push(super::types::Message { role, content });
    }
    let tools = v["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["function"].is_object())
        .map(|t| super::types::Tool {
            name: t["function"]["name"].as_str().unwrap_or("").to_string(),
            description: t["function"]["description"].as_str().map(str::to_string),
            parameters: Some(t["function"]["parameters"].clone()).filter(|p| !p.is_null()),
        })
        .collect();
    let tool_choice = match &v["tool_choice"] {
        Value::String(s) if s == "auto" => Some(ToolChoice::Auto),
        Value::String(s) if s == "none" => Some(ToolChoice::None),
        Value::String(s) if s == "required" => Some(ToolChoice::Required),
        Value::Object(o) => o
            .get("function")
            .and_then(|f| f["name"].as_str())
            .map(|n| ToolChoice::Named(n.to_string())),
        _ => None,
    };
    let stop = match &v["stop"] {
        Value::String(s) => vec![s.clone()],
        v => super::strings(v),
    };
    Ok(ChatRequest {
        model: v["model"].as_str().unwrap_or("").to_string(),
        system: None,
        messages,
        temperature: v["temperature"].as_f64(),
        max_tokens: num(&v["max_completion_tokens"])
            .or(num(&v["max_tokens"]))
            .and_then(|n| u32::try_from(n).ok()),
        stop,
        stream: v["stream"].as_bool() == Some(true),
        tools,
        tool_choice,
        extra: extra_fields(v),
        client: None,
    })
}

/// One `reasoning_details` entry as a reasoning part: `reasoning.text` with its signature, or
/// `reasoning.encrypted` (Anthropic's redacted thinking). Others carry nothing to send back.
fn reasoning_detail(d: &Value) -> Option<Part> {
    let r = match d["type"].as_str()? {
        "reasoning.text" => super::types::Reasoning {
            text: d["text"].as_str().unwrap_or("").to_string(),
            signature: d["signature"].as_str().map(str::to_string),
            redacted: None,
        },
        "reasoning.encrypted" => super::types::Reasoning {
            text: String::new(),
            signature: None,
            redacted: Some(d["data"].as_str()?.to_string()),
        },
        _ => return None,
    };
    Some(Part::Reasoning(r))
}

/// The fields of a Chat Completions body the conversation model reads itself, and the routing
/// fields a gateway consumes (OpenRouter's `models`, `provider`, `route`, `transforms`,
/// `plugins`, `usage`): none of them is passed on as it came.
pub const CONSUMED_FIELDS: &[&str] = &[
    "model",
    "messages",
    "temperature",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "stream",
    "stream_options",
    "tools",
    "tool_choice",
    "models",
    "provider",
    "route",
    "transforms",
    "plugins",
    "usage",
];

/// Every other field of the body, to send on unchanged (`None` when there is none).
fn extra_fields(v: &Value) -> Option<std::sync::Arc<Map<String, Value>>> {
    let extra: Map<String, Value> = v
        .as_object()?
        .iter()
        .filter(|(k, _)| !CONSUMED_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!extra.is_empty()).then(|| std::sync::Arc::new(extra))
}

/// An image part for a URL a client sent: a `data:…;base64,` URL is the bytes, anything else
/// a URL.
pub(crate) fn image_of_url(url: &str) -> Part {
    match url
        .strip_prefix("data:")
        .and_then(|r| r.split_once(";base64,"))
    {
        Some((media, data)) => Part::image_inline(media, data),
        None => Part::image_url(url),
    }
}

/// A message's `content`: a string, null, or a list of `text` and `image_url` parts.
fn content_parts(v: &Value) -> Result<Vec<Part>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![Part::Text(s.clone())]),
        Value::Array(parts) => parts
            .iter()
            .map(|p| match p["type"].as_str() {
                Some("text") => Ok(Part::Text(p["text"].as_str().unwrap_or("").to_string())),
                Some("image_url") => Ok(image_of_url(
                    p["image_url"]["url"]
                        .as_str()
                        .or(p["image_url"].as_str())
                        .unwrap_or(""),
                )),
                Some(t) => Err(format!("content part type `{t}` is not supported")),
                None => Err("a content part has no `type`".into()),
            })
            .collect(),
        _ => Err("`content` must be a string or a list of parts".into()),
    }
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;

    /// Decode `data` both ways: as `event` reads it (the typed reading when it fits), and
    /// always the general way.
    fn both(data: &str) -> (String, String) {
        let ev = SseEvent {
            event: None,
            data: data.to_string(),
        };
        let fast = format!("{:?}", StreamDecoder::default().event(&ev));
        let general = match super::super::parse_json(data.as_bytes()) {
            Ok(v)
                if v.get("error").is_some_and(|e| !e.is_null())
                    || v["object"].as_str() == Some("error") =>
            {
                format!(
                    "{:?}",
                    Err::<Vec<StreamEvent>, _>(error_from_body(&v, None))
                )
            }
            Ok(v) => {
                let mut out = Vec::new();
                StreamDecoder::default().view(ChunkView::of(&v), &mut out);
                format!("{:?}", Ok::<_, ProviderError>(out))
            }
            Err(_) => fast.clone(),
        };
        (fast, general)
    }

    #[test]
    fn the_typed_reading_agrees_with_the_general_one_on_every_chunk() {
        let mut chunks: Vec<String> = Vec::new();
        for rel in super::super::fixture_tests::chat_fixtures() {
            if super::super::fixture_tests::dialect_of(&rel) != super::super::Dialect::OpenAi {
                continue;
            }
            let fx = super::super::fixture_tests::load(&rel);
            let body = super::super::fixture_tests::body_bytes(&fx);
            for ev in super::super::sse::parse_all(&body) {
                chunks.push(ev.data);
            }
        }
        assert!(chunks.len() > 100, "{} chunks", chunks.len());
        chunks.extend(
            [
                r#"{"choices":[{"delta":{"content":"a"},"finish_reason":null}],"model":"m"}"#,
                r#"{"choices":[{"delta":{"content":"a","content":"b"}}]}"#,
                r#"{"choices":[{"delta":null}],"usage":null}"#,
                r#"{"choices":null,"usage":{"prompt_tokens":3,"completion_tokens":4}}"#,
                r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":7,"function":{"name":"f","arguments":{"a":1}}}]}}]}"#,
                r#"{"choices":[{"delta":{"tool_calls":[{"index":"0","function":null}]}}]}"#,
                r#"{"choices":[{"delta":{"tool_calls":{"index":0}}}]}"#,
                r#"{"choices":[7]}"#,
                r#"{"choices":[{"delta":{"content":[{"type":"text","text":"x"}],"reasoning":"r"}}]}"#,
                r#"{"choices":[{"delta":{"refusal":"no"},"finish_reason":"stop"}]}"#,
                r#"{"\u0065rror":{"message":"hidden"},"choices":[]}"#,
                r#"{"object":"error","message":"vllm"}"#,
                r#"{"choices":[{"delta":{"tool_calls":[{"index":1e400}]}}]}"#,
                r#"{"model":5,"choices":[{"finish_reason":1}]}"#,
            ]
            .map(String::from),
        );
        for data in &chunks {
            let (fast, general) = both(data);
            assert_eq!(fast, general, "{data}");
        }
    }
}

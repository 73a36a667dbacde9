//! The one provider-neutral model of a chat exchange: what llmx asks (a whole conversation:
//! system and developer instructions, user turns, assistant turns with their tool calls and
//! signed reasoning, tool results), what comes back, and the events of a stream. Every wire
//! dialect translates to and from these types and nothing else.

use serde::Serialize;
use serde_json::Value;

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions (OpenAI's `system`; moved to `system` for Anthropic, `systemInstruction`
    /// for Gemini).
    System,
    /// OpenAI's `developer` instructions (a system prompt elsewhere).
    Developer,
    User,
    Assistant,
    /// Tool results (OpenAI's `tool` messages; user turns of `tool_result` or
    /// `functionResponse` parts elsewhere).
    Tool,
}

/// One piece of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    /// Shared: every model of a run (and every repeat of a bench) sends the same bytes.
    Image(std::sync::Arc<Image>),
    /// A call the assistant made (in assistant turns).
    ToolCall(ToolCall),
    /// What a tool returned for a call.
    ToolResult(ToolResult),
    /// The assistant's reasoning, with the provider's signature so it can be sent back.
    Reasoning(Reasoning),
}

/// What a tool returned, answering the call with `call_id`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolResult {
    /// The call's id (Gemini may send none; it matches results to calls by name).
    pub call_id: Option<String>,
    /// The tool's name, when the conversation says it (Gemini needs it; it is otherwise found
    /// from the call with the same id).
    pub name: Option<String>,
    /// The result failed (Anthropic's `is_error`), when the conversation says either way.
    pub is_error: Option<bool>,
    /// Text and images.
    pub content: Vec<Part>,
}

impl ToolResult {
    /// The text parts, joined.
    pub fn text(&self) -> String {
        text_of(&self.content)
    }
}

/// Reasoning an assistant turn carried. Providers that sign it (Anthropic's thinking blocks)
/// need it back, signature and all, on the next turn of a tool loop.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reasoning {
    pub text: String,
    pub signature: Option<String>,
    /// Anthropic's `redacted_thinking`: encrypted, returned exactly as received.
    pub redacted: Option<String>,
}

fn text_of(parts: &[Part]) -> String {
    parts
        .iter()
        .filter_map(|p| match p {
            Part::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("")
}

/// An image to send: by URL, inline, or both (a URL llmx fetched for a dialect that takes no
/// URLs). A dialect that takes URLs sends the URL when there is one; the others send the bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Image {
    Url(String),
    Inline(Inline),
    Fetched { url: String, inline: Inline },
}

impl Image {
    /// The URL when there is one, else the bytes.
    pub fn prefer_url(&self) -> Result<&str, &Inline> {
        match self {
            Image::Url(u) | Image::Fetched { url: u, .. } => Ok(u),
            Image::Inline(i) => Err(i),
        }
    }

    /// The bytes when llmx has them, else the URL.
    pub fn prefer_inline(&self) -> Result<&Inline, &str> {
        match self {
            Image::Inline(i) | Image::Fetched { inline: i, .. } => Ok(i),
            Image::Url(u) => Err(u),
        }
    }
}

/// An image's bytes, base64-encoded, and their media type (`image/png`).
#[derive(Debug, Clone, PartialEq)]
pub struct Inline {
    pub media_type: String,
    pub data: String,
    /// The size of the decoded bytes.
    pub bytes: usize,
    /// Width and height in pixels, read from the bytes (for the token formulas providers
    /// document); `None` when the header could not be read.
    pub dims: Option<(u32, u32)>,
}

impl Part {
    /// An image sent as a URL only.
    pub fn image_url(url: impl Into<String>) -> Part {
        Part::Image(std::sync::Arc::new(Image::Url(url.into())))
    }

    /// An image sent inline.
    pub fn image_inline(media_type: impl Into<String>, data: impl Into<String>) -> Part {
        let data = data.into();
        let dims = super::image::decoded_dims(&data);
        Part::Image(std::sync::Arc::new(Image::Inline(Inline {
            media_type: media_type.into(),
            bytes: data.len() / 4 * 3,
            data,
            dims,
        })))
    }
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: Vec<Part>,
}

impl Message {
    /// A user message holding one text part.
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: vec![Part::Text(text.into())],
        }
    }

    /// A message of `role` holding one text part.
    pub fn text_of(role: Role, text: impl Into<String>) -> Self {
        Message {
            role,
            content: vec![Part::Text(text.into())],
        }
    }

    /// The text parts of this message, joined.
    pub fn text(&self) -> String {
        text_of(&self.content)
    }

    /// The tool calls of this (assistant) message.
    pub fn tool_calls(&self) -> impl Iterator<Item = &ToolCall> {
        self.content.iter().filter_map(|p| match p {
            Part::ToolCall(c) => Some(c),
            _ => None,
        })
    }
}

impl Part {
    /// The bytes of text this part puts before a model (what it can be billed for as input,
    /// at most one token a byte); images are counted by their providers' formulas instead.
    pub fn billed_bytes(&self) -> u64 {
        match self {
            Part::Text(t) => t.len() as u64,
            Part::Image(_) => 0,
            Part::ToolCall(c) => {
                (c.name.len() + c.arguments.len() + c.id.as_ref().map_or(0, String::len)) as u64
            }
            Part::ToolResult(r) => {
                r.call_id.as_ref().map_or(0, |i| i.len() as u64)
                    + r.name.as_ref().map_or(0, |n| n.len() as u64)
                    + r.content.iter().map(Part::billed_bytes).sum::<u64>()
            }
            Part::Reasoning(r) => {
                (r.text.len()
                    + r.signature.as_ref().map_or(0, String::len)
                    + r.redacted.as_ref().map_or(0, String::len)) as u64
            }
        }
    }
}

/// A chat request in llmx's own terms. The model id is the provider's id (no `provider/` prefix).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatRequest {
    pub model: String,
    pub system: Option<String>,
    pub messages: Vec<Message>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    pub stop: Vec<String>,
    pub stream: bool,
    /// Functions the model may call. Shared: every request of a benchmark holds the same
    /// tools file, once.
    pub tools: std::sync::Arc<[Tool]>,
    /// Whether and which tool the model must call; `None` leaves it to the provider's default.
    pub tool_choice: Option<ToolChoice>,
    /// Fields of a Chat Completions body this model does not carry as its own (`top_p`, `seed`,
    /// `response_format`, `user`, a provider's own extensions), as a client of `llmx serve` sent
    /// them: the OpenAI dialect sends them unchanged, the others carry what they can (see
    /// [`Extra`]) and note the rest.
    pub extra: Option<std::sync::Arc<serde_json::Map<String, serde_json::Value>>>,
    /// The body a client of `llmx serve` sent, in its own wire: a provider that speaks that
    /// wire gets it as it came (only `model` changed) instead of a translation.
    pub client: Option<std::sync::Arc<ClientBody>>,
}

/// The wire a client's request body was written in, where a provider may speak it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientWire {
    /// OpenAI Responses (`POST /v1/responses`).
    Responses,
    /// Anthropic Messages (`POST /v1/messages`).
    Messages,
}

/// A client's request body, kept for a provider that speaks its wire.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientBody {
    pub wire: ClientWire,
    pub body: serde_json::Value,
    /// What translating it to llmx's conversation dropped: said for the attempts that
    /// translate it, not for one that sends the body as it came.
    pub notes: Vec<String>,
    /// The client's headers of the wire's own that go with the body (Anthropic's
    /// `anthropic-version` and `anthropic-beta`), lower-case names.
    pub headers: Vec<(String, String)>,
}

/// The fields of [`ChatRequest::extra`] the Anthropic and Gemini dialects carry in their own
/// terms; every other one is dropped with a note.
pub struct Extra;

impl Extra {
    pub const TOP_P: &'static str = "top_p";
    pub const SEED: &'static str = "seed";
    pub const RESPONSE_FORMAT: &'static str = "response_format";
    pub const USER: &'static str = "user";

    /// The extra fields a dialect did not carry, named for a note; `None` when it carried all.
    pub fn dropped(req: &ChatRequest, carried: &[&str], dialect: &str) -> Option<String> {
        let extra = req.extra.as_ref()?;
        let left: Vec<String> = extra
            .iter()
            .filter(|(k, v)| !carried.contains(&k.as_str()) && !v.is_null())
            .map(|(k, _)| format!("`{k}`"))
            .collect();
        (!left.is_empty()).then(|| {
            format!(
                "{} dropped: the {dialect} API has no such field",
                left.join(", ")
            )
        })
    }

    /// A field of [`ChatRequest::extra`], if the client sent it (and not as `null`).
    pub fn get<'a>(req: &'a ChatRequest, key: &str) -> Option<&'a serde_json::Value> {
        req.extra.as_ref()?.get(key).filter(|v| !v.is_null())
    }
}

impl ChatRequest {
    /// The client's own body, when it was written in `wire`.
    pub fn client_body(&self, wire: ClientWire) -> Option<&serde_json::Value> {
        self.client
            .as_ref()
            .filter(|c| c.wire == wire)
            .map(|c| &c.body)
    }

    /// Every image of every message (tool results' included), in order.
    pub fn images(&self) -> impl Iterator<Item = &Image> {
        self.messages
            .iter()
            .flat_map(|m| &m.content)
            .flat_map(|p| match p {
                Part::ToolResult(r) => r.content.iter().collect::<Vec<_>>(),
                p => vec![p],
            })
            .filter_map(|p| match p {
                Part::Image(i) => Some(&**i),
                _ => None,
            })
    }

    /// Every image part (tool results' included), to change in place (URLs llmx downloaded
    /// become bytes).
    pub fn image_parts_mut(&mut self) -> Vec<&mut std::sync::Arc<Image>> {
        let mut out = Vec::new();
        for p in self.messages.iter_mut().flat_map(|m| m.content.iter_mut()) {
            match p {
                Part::Image(i) => out.push(i),
                Part::ToolResult(r) => {
                    for q in r.content.iter_mut() {
                        if let Part::Image(i) = q {
                            out.push(i);
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Whether any message carries an image.
    pub fn has_images(&self) -> bool {
        self.images().next().is_some()
    }
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: String,
    pub description: Option<String>,
    /// Its arguments as a JSON Schema object; `None` when it takes none.
    pub parameters: Option<Value>,
}

impl Tool {
    /// The bytes a tool definition puts before a model: providers bill definitions as input.
    pub fn billed_bytes(&self) -> u64 {
        let params = self.parameters.as_ref().map_or(0, |p| p.to_string().len());
        (self.name.len() + self.description.as_ref().map_or(0, String::len) + params) as u64
    }

    /// `{"name", "description"}` (the description only when there is one): what every
    /// dialect's tool object starts with.
    /// Its parameters' schema, or an empty object schema for a tool that takes none (for the
    /// wires that require one: Anthropic's `input_schema`, Converse's `inputSchema`).
    pub fn schema_or_empty(&self) -> Value {
        self.parameters
            .clone()
            .unwrap_or_else(|| serde_json::json!({"type": "object", "properties": {}}))
    }

    pub fn head(&self) -> serde_json::Map<String, Value> {
        let mut o = serde_json::Map::new();
        o.insert("name".into(), Value::String(self.name.clone()));
        if let Some(d) = &self.description {
            o.insert("description".into(), Value::String(d.clone()));
        }
        o
    }
}

/// Whether the model may, must or must not call a tool, or which one it must call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice {
    Auto,
    None,
    Required,
    Named(String),
}

impl std::fmt::Display for ToolChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ToolChoice::Auto => f.write_str("auto"),
            ToolChoice::None => f.write_str("none"),
            ToolChoice::Required => f.write_str("required"),
            ToolChoice::Named(n) => f.write_str(n),
        }
    }
}

/// A call the model asked for. `arguments` is the JSON text as the provider sent it (assembled
/// from stream fragments; Anthropic's and Gemini's argument objects written out), so a call
/// whose arguments are not valid JSON keeps exactly what arrived.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolCall {
    /// The provider's id for the call (Gemini sends none).
    pub id: Option<String>,
    pub name: String,
    pub arguments: String,
    /// Gemini's `thoughtSignature` on the part that carried the call: it must go back with
    /// the call on the next turn.
    pub signature: Option<String>,
}

impl ToolCall {
    /// The arguments as a JSON object: empty text is `{}` (a tool without parameters); `None`
    /// when they are not a JSON object.
    pub fn parsed_arguments(&self) -> Option<Value> {
        if self.arguments.trim().is_empty() {
            return Some(Value::Object(Default::default()));
        }
        match serde_json::from_str::<Value>(&self.arguments) {
            Ok(v @ Value::Object(_)) => Some(v),
            _ => None,
        }
    }
}

/// Why the model stopped, normalised across providers (the raw value is kept beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// A natural end or a stop sequence.
    Stop,
    /// The output token limit was reached.
    Length,
    /// The model asked for a tool.
    ToolCalls,
    /// The provider filtered the answer.
    ContentFilter,
    /// The model declined to answer (Anthropic's `refusal`, OpenAI's `refusal` message): an
    /// answer, not a failure.
    Refusal,
    /// Anything else the provider reported.
    Other,
    /// The provider did not say (e.g. a stream that ended without a finish event).
    #[default]
    Unknown,
}

impl FinishReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Refusal => "refusal",
            FinishReason::Other => "other",
            FinishReason::Unknown => "unknown",
        }
    }
}

/// Token usage normalised across providers (see wire-formats §7.1).
///
/// `input_tokens` is the total prompt size *including* cached reads and cache writes;
/// `output_tokens` includes reasoning tokens. `None` means the provider did not report it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Usage {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cached_input_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
    /// Cost the provider itself reported for the request, in USD (OpenRouter's `usage.cost`).
    pub provider_cost_usd: Option<f64>,
    /// The provider's usage object as it arrived.
    pub raw: Option<Value>,
    /// `input_tokens` is llmx's estimate, not the provider's count.
    pub input_estimated: bool,
    /// `output_tokens` is llmx's estimate, not the provider's count.
    pub output_estimated: bool,
}

impl Usage {
    /// Overwrite the fields `newer` carries. Streams report usage cumulatively, sometimes split
    /// across events (Anthropic's `message_start` then `message_delta`).
    pub fn merge(&mut self, newer: Usage) {
        if newer.input_tokens.is_some() {
            self.input_tokens = newer.input_tokens;
        }
        if newer.output_tokens.is_some() {
            self.output_tokens = newer.output_tokens;
        }
        self.cached_input_tokens = self.cached_input_tokens.max(newer.cached_input_tokens);
        self.cache_write_tokens = self.cache_write_tokens.max(newer.cache_write_tokens);
        self.reasoning_tokens = self.reasoning_tokens.max(newer.reasoning_tokens);
        if newer.provider_cost_usd.is_some() {
            self.provider_cost_usd = newer.provider_cost_usd;
        }
        if let Some(raw) = newer.raw {
            self.raw = Some(match self.raw.take() {
                Some(Value::Object(mut old)) => {
                    if let Value::Object(new) = raw {
                        old.extend(new);
                        Value::Object(old)
                    } else {
                        raw
                    }
                }
                _ => raw,
            });
        }
    }
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatResponse {
    pub text: String,
    pub reasoning: String,
    pub finish: FinishReason,
    /// The provider's own finish value (`end_turn`, `STOP`, `length`, ...).
    pub finish_raw: Option<String>,
    pub usage: Usage,
    /// The model id the provider reports having used (often a dated snapshot).
    pub model_id: Option<String>,
    /// The tools the model asked to call, in order.
    pub tool_calls: Vec<ToolCall>,
    /// The reasoning blocks a provider signed (Anthropic's thinking, with its signature, and
    /// redacted thinking), in order: what the next turn of a tool loop must send back.
    pub signed_reasoning: Vec<Reasoning>,
}

/// One decoded event of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    TextDelta(String),
    ReasoningDelta(String),
    Usage(Usage),
    Finish {
        reason: FinishReason,
        raw: Option<String>,
    },
    /// The model id the provider reports, seen on the first chunk that carries it.
    ModelId(String),
    /// The signature that closes the reasoning block streamed since the last one (Anthropic's
    /// `signature_delta`).
    ReasoningSignature(String),
    /// A reasoning block the provider sent encrypted (Anthropic's `redacted_thinking`).
    RedactedReasoning(String),
    /// An event of the client's own wire as the provider sent it (`event: …` / `data: …`,
    /// or a whole JSON answer), where the client's body went as it came: `llmx serve` hands it
    /// on unchanged. It says nothing new: the decoded events beside it carry the answer.
    Verbatim(String),
    /// A piece of tool call number `index` (0, 1, ... in the order the calls began): the id
    /// and name when they first arrive, and a fragment of the arguments' JSON text to append.
    ToolCall {
        index: usize,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
        /// Gemini's `thoughtSignature`, on the piece that carries it.
        signature: Option<String>,
    },
}

impl ChatResponse {
    /// The assistant turn this answer is in a conversation: its signed reasoning, its text and
    /// its tool calls (ids and signatures kept), to send back with the tools' results.
    pub fn assistant_turn(&self) -> Message {
        let mut content: Vec<Part> = self
            .signed_reasoning
            .iter()
            .cloned()
            .map(Part::Reasoning)
            .collect();
        if !self.text.is_empty() {
            content.push(Part::Text(self.text.clone()));
        }
        content.extend(self.tool_calls.iter().cloned().map(Part::ToolCall));
        Message {
            role: Role::Assistant,
            content,
        }
    }

    /// Record a whole answer's reasoning blocks (a non-streamed response), in order.
    pub fn push_reasoning_block(&mut self, block: Reasoning) {
        self.reasoning.push_str(&block.text);
        if block.signature.is_some() || block.redacted.is_some() {
            self.signed_reasoning.push(block);
        }
    }

    /// Fold one stream event into a response being assembled.
    pub fn apply(&mut self, event: StreamEvent) {
        match event {
            StreamEvent::TextDelta(t) => self.text.push_str(&t),
            StreamEvent::ReasoningDelta(t) => self.reasoning.push_str(&t),
            StreamEvent::Usage(u) => self.usage.merge(u),
            StreamEvent::Finish { reason, raw } => {
                self.finish = reason;
                self.finish_raw = raw;
            }
            StreamEvent::ModelId(id) => {
                if self.model_id.is_none() {
                    self.model_id = Some(id);
                }
            }
            StreamEvent::ReasoningSignature(signature) => {
                // The block is what streamed since the last signed block.
                let covered: usize = self.signed_reasoning.iter().map(|b| b.text.len()).sum();
                let text = self.reasoning.get(covered..).unwrap_or("").to_string();
                self.signed_reasoning.push(Reasoning {
                    text,
                    signature: Some(signature),
                    redacted: None,
                });
            }
            StreamEvent::RedactedReasoning(data) => self.signed_reasoning.push(Reasoning {
                redacted: Some(data),
                ..Default::default()
            }),
            StreamEvent::Verbatim(_) => {}
            StreamEvent::ToolCall {
                index,
                id,
                name,
                arguments,
                signature,
            } => {
                // Decoders number calls from 0 without gaps; anything else starts a new call.
                let i = index.min(self.tool_calls.len());
                if i == self.tool_calls.len() {
                    self.tool_calls.push(ToolCall::default());
                }
                let call = &mut self.tool_calls[i];
                if call.id.is_none() {
                    call.id = id.filter(|s| !s.is_empty());
                }
                if call.name.is_empty() {
                    call.name = name.unwrap_or_default();
                }
                if call.signature.is_none() {
                    call.signature = signature;
                }
                if call.arguments.is_empty() {
                    call.arguments = arguments;
                } else {
                    call.arguments.push_str(&arguments);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_merge_keeps_input_from_start_and_output_from_delta() {
        let mut u = Usage {
            input_tokens: Some(10),
            output_tokens: Some(1),
            cached_input_tokens: 4,
            ..Default::default()
        };
        u.merge(Usage {
            output_tokens: Some(35),
            ..Default::default()
        });
        assert_eq!(u.input_tokens, Some(10));
        assert_eq!(u.output_tokens, Some(35));
        assert_eq!(u.cached_input_tokens, 4);
    }
}

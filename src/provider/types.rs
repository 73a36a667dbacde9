//! The one provider-neutral model of a chat exchange: what llmx asks, what comes back, and the
//! events of a stream. Every wire dialect translates to and from these types and nothing else.

use serde::Serialize;
use serde_json::Value;

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// One piece of a message. Content is a list of parts so images (and later tool results) fit
/// beside text without changing the request type.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    /// Shared: every model of a run (and every repeat of a bench) sends the same bytes.
    Image(std::sync::Arc<Image>),
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
}

impl Part {
    /// An image sent as a URL only.
    pub fn image_url(url: impl Into<String>) -> Part {
        Part::Image(std::sync::Arc::new(Image::Url(url.into())))
    }

    /// An image sent inline.
    pub fn image_inline(media_type: impl Into<String>, data: impl Into<String>) -> Part {
        let data = data.into();
        Part::Image(std::sync::Arc::new(Image::Inline(Inline {
            media_type: media_type.into(),
            bytes: data.len() / 4 * 3,
            data,
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

    /// The text parts of this message, joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("")
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
    /// Functions the model may call.
    pub tools: Vec<Tool>,
    /// Whether and which tool the model must call; `None` leaves it to the provider's default.
    pub tool_choice: Option<ToolChoice>,
}

impl ChatRequest {
    /// Every image of every message, in order.
    pub fn images(&self) -> impl Iterator<Item = &Image> {
        self.messages
            .iter()
            .flat_map(|m| &m.content)
            .filter_map(|p| match p {
                Part::Image(i) => Some(&**i),
                Part::Text(_) => None,
            })
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
    /// `{"name", "description"}` (the description only when there is one): what every
    /// dialect's tool object starts with.
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
    /// The provider filtered or the model refused.
    ContentFilter,
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
    /// A piece of tool call number `index` (0, 1, ... in the order the calls began): the id
    /// and name when they first arrive, and a fragment of the arguments' JSON text to append.
    ToolCall {
        index: usize,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    },
}

impl ChatResponse {
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
            StreamEvent::ToolCall {
                index,
                id,
                name,
                arguments,
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
                call.arguments.push_str(&arguments);
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

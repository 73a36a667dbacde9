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
    /// An image the provider fetches itself (`https://...`).
    ImageUrl(String),
    /// An image sent inline: its media type (`image/png`) and base64 data.
    ImageBase64 {
        media_type: String,
        data: String,
    },
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

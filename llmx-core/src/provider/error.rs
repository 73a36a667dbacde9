//! Typed provider failures. Every failure is classified so retries, fallbacks, exit codes and the
//! `error_kind` column can act on it; the message is written for the user and never holds a key.

use std::time::Duration;

use serde::Serialize;

/// What kind of failure a provider call ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// 401/403 or a key the provider rejected.
    Auth,
    /// 429: too many requests or tokens.
    RateLimit,
    /// The provider is overloaded (Anthropic 529, 503).
    Overloaded,
    /// 400/413/422: the provider refused the request as sent.
    BadRequest,
    /// 404: unknown model or endpoint.
    NotFound,
    /// Other 5xx.
    Server,
    /// No answer in time.
    Timeout,
    /// Connection refused, reset, or a stream cut mid-way.
    Network,
    /// The provider answered with bytes llmx could not understand.
    Decode,
    /// The answer grew past llmx's size cap and was cut.
    TooLarge,
    /// No key was found for the provider.
    MissingKey,
    /// The user interrupted the run.
    Cancelled,
    /// The server answered without an error but sent no answer text (an empty stream, or a
    /// gateway's clean `stop` with nothing in it).
    Empty,
    /// The model tried to call a tool and produced a call that could not be used (Gemini's
    /// `MALFORMED_FUNCTION_CALL`, Groq's `tool_use_failed`).
    ToolCall,
    /// Known before sending that the model cannot take the request: the catalog lists no
    /// vision for a request with images, or no tool calling for one with tools.
    Unsupported,
    /// A batched request the provider did not run before its batch's window ended.
    BatchExpired,
    /// A batched request its batch's cancellation stopped before it ran.
    BatchCancelled,
    /// The provider's content filter refused the prompt (Azure OpenAI's `content_filter`):
    /// sending it again will not help; the prompt is what to change.
    ContentFilter,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::RateLimit => "rate_limit",
            ErrorKind::Overloaded => "overloaded",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Server => "server",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Network => "network",
            ErrorKind::Decode => "decode",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::MissingKey => "missing_key",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Empty => "empty",
            ErrorKind::ToolCall => "tool_call",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::BatchExpired => "batch_expired",
            ErrorKind::BatchCancelled => "batch_cancelled",
            ErrorKind::ContentFilter => "content_filter",
        }
    }

    /// Every kind, for parsing a stored name back.
    pub(crate) const ALL: [ErrorKind; 18] = [
        ErrorKind::Auth,
        ErrorKind::RateLimit,
        ErrorKind::Overloaded,
        ErrorKind::BadRequest,
        ErrorKind::NotFound,
        ErrorKind::Server,
        ErrorKind::Timeout,
        ErrorKind::Network,
        ErrorKind::Decode,
        ErrorKind::TooLarge,
        ErrorKind::MissingKey,
        ErrorKind::Cancelled,
        ErrorKind::Empty,
        ErrorKind::ToolCall,
        ErrorKind::Unsupported,
        ErrorKind::BatchExpired,
        ErrorKind::BatchCancelled,
        ErrorKind::ContentFilter,
    ];

    /// The kind [`ErrorKind::as_str`] names.
    pub fn parse(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Classify an HTTP status the provider answered with.
    pub(crate) fn from_status(status: u16) -> ErrorKind {
        match status {
            401 | 403 => ErrorKind::Auth,
            402 => ErrorKind::Auth,
            404 => ErrorKind::NotFound,
            408 => ErrorKind::Timeout,
            429 => ErrorKind::RateLimit,
            503 | 529 => ErrorKind::Overloaded,
            400..=499 => ErrorKind::BadRequest,
            _ => ErrorKind::Server,
        }
    }
}

/// Which of llmx's own limits ended a call, so the layer that shows the error can say which
/// setting to raise (the provider layer knows nothing of flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// One attempt's total time.
    Total,
    /// Time to the response headers.
    FirstByte,
    /// Silence inside a stream.
    Stall,
    /// The answer size cap.
    AnswerSize,
    /// The budget for waiting between retries.
    RetryBudget,
}

impl Limit {
    const ALL: [Limit; 5] = [
        Limit::Total,
        Limit::FirstByte,
        Limit::Stall,
        Limit::AnswerSize,
        Limit::RetryBudget,
    ];

    /// The name the history keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Total => "total",
            Limit::FirstByte => "first_byte",
            Limit::Stall => "stall",
            Limit::AnswerSize => "answer_size",
            Limit::RetryBudget => "retry_budget",
        }
    }

    pub fn parse(s: &str) -> Option<Limit> {
        Limit::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A failed provider call, ready to show in a row.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub kind: ErrorKind,
    /// The HTTP status, when the failure came with one (in-stream errors carry the provider's).
    pub status: Option<u16>,
    /// One line for the user: the provider's own message when it sent one, scrubbed of keys.
    pub message: String,
    /// How long the provider asked us to wait before trying again.
    pub retry_after: Option<Duration>,
    /// The limit of llmx's that ended the call, if one did.
    pub limit: Option<Limit>,
    /// What the server said about retrying (`x-should-retry: true|false`), when it said.
    pub should_retry: Option<bool>,
    /// The error body as the provider sent it (secrets scrubbed), kept only for a request
    /// whose client speaks the provider's wire (see [`super::HttpCall::verbatim`]).
    pub body: Option<String>,
}

impl ProviderError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ProviderError {
            kind,
            status: None,
            message: one_line(&message.into()),
            retry_after: None,
            limit: None,
            should_retry: None,
            body: None,
        }
    }

    /// The error of a call one of llmx's own limits ended.
    pub fn limit(kind: ErrorKind, limit: Limit, message: impl Into<String>) -> Self {
        ProviderError {
            limit: Some(limit),
            ..ProviderError::new(kind, message)
        }
    }

    pub fn decode(message: impl Into<String>) -> Self {
        ProviderError::new(ErrorKind::Decode, message)
    }

    /// Remove every secret from the message, then bound it to [`KEPT_CHARS`]: in that order,
    /// so a secret that straddles the cut cannot leave half of itself behind. Files keep this
    /// whole message; the table cuts it to [`SHOWN_CHARS`].
    pub fn scrubbed(mut self, secrets: &[&crate::secret::Secret]) -> Self {
        self.message = cut(&crate::secret::scrub(&self.message, secrets), KEPT_CHARS);
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
}

/// The longest message a table or a terminal line shows.
pub const SHOWN_CHARS: usize = 300;
/// The longest message kept, after scrubbing, for files (a provider's message can be a page
/// long; an HTML error page longer still).
pub(crate) const KEPT_CHARS: usize = 8192;
/// The longest message held before scrubbing: more than is kept, so the final cut comes
/// after scrubbing.
const RAW_CHARS: usize = 4 * KEPT_CHARS;

/// At most `max` characters of `s`, ending in `…` (after no trailing space) when cut. Shared
/// by error messages and the table's cells.
pub fn cut(s: &str, max: usize) -> String {
    if s.char_indices().nth(max).is_none() {
        return s.to_string();
    }
    let head: String = s.chars().take(max - 1).collect();
    format!("{}…", head.trim_end())
}

/// Fold a message onto one line and bound its length generously; the final cut comes after
/// scrubbing ([`ProviderError::scrubbed`]).
pub(crate) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(300));
    let mut last_space = false;
    for c in s.trim().chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        out.push(c);
    }
    cut(&out, RAW_CHARS)
}

/// A span of seconds as a person gave it: `0.5s`, `300s`, `1.25s` (never `0s` for half a
/// second, never `0.5000s`).
pub fn secs_shown(d: std::time::Duration) -> String {
    let s = format!("{:.3}", d.as_secs_f64());
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classification() {
        assert_eq!(ErrorKind::from_status(401), ErrorKind::Auth);
        assert_eq!(ErrorKind::from_status(429), ErrorKind::RateLimit);
        assert_eq!(ErrorKind::from_status(529), ErrorKind::Overloaded);
        assert_eq!(ErrorKind::from_status(503), ErrorKind::Overloaded);
        assert_eq!(ErrorKind::from_status(500), ErrorKind::Server);
        assert_eq!(ErrorKind::from_status(422), ErrorKind::BadRequest);
        assert_eq!(ErrorKind::from_status(404), ErrorKind::NotFound);
    }

    #[test]
    fn one_line_folds_and_bounds() {
        assert_eq!(one_line("  a\n\n  b\tc "), "a b c");
        let long = "x".repeat(100_000);
        assert_eq!(one_line(&long).chars().count(), RAW_CHARS);
    }

    #[test]
    fn a_key_straddling_the_cut_is_scrubbed_whole() {
        let key = crate::secret::Secret::new("sk-live-0123456789abcdefghij");
        let msg = format!("{}{}", "x".repeat(KEPT_CHARS - 10), key.expose());
        let e = ProviderError::new(ErrorKind::Auth, msg).scrubbed(&[&key]);
        assert!(!e.message.contains("sk-live"), "{}", e.message);
        assert!(!e.message.contains("01234"), "{}", e.message);
        assert_eq!(e.message.chars().count(), KEPT_CHARS);
    }
}

//! The shared provider layer: one internal model ([`types`]), one table of providers
//! ([`registry`]), one SSE reader ([`sse`]), one HTTP path ([`http`]), and a module of pure
//! functions per wire dialect ([`openai`], [`anthropic`], [`gemini`]) behind one trait
//! ([`dialect::WireDialect`]), plus the offline [`mock`] transport.
//! [`run`] takes a resolved target and a request and returns a timed outcome, the same way for
//! every dialect.

pub mod anthropic;
pub mod aws_env;
pub mod bedrock;
pub(crate) mod body;
pub mod dialect;
pub mod error;
pub mod estimate;
pub mod eventstream;
pub mod gemini;
pub mod google_auth;
pub mod http;
pub mod image;
pub mod mock;
pub mod openai;
pub mod registry;
pub mod responses;
pub mod run;
pub mod schema;
pub mod sigv4;
pub mod sse;
pub mod types;
pub mod wire_log;

use serde_json::Value;

pub use dialect::{Listing, StreamDecode, WireDialect};
pub use error::{ErrorKind, ProviderError};
pub use registry::{Dialect, Provider, Registry, TransportKind};
pub use types::{
    ChatRequest, ChatResponse, Extra, FinishReason, Image, Inline, Message, Part, Role,
    StreamEvent, Tool, ToolCall, ToolChoice, Usage,
};

/// How a request carries its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStyle {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// The key alone in the named header (`x-api-key`, `x-goog-api-key`).
    Header(&'static str),
}

/// A request a dialect built, before the key is added (that happens only in [`http`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCall {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub auth: AuthStyle,
    /// What the dialect had to drop or change to fit the provider (a schema keyword it
    /// refuses, a parameter outside its range), one note each, for the row to show.
    pub notes: Vec<String>,
    /// The body is the client's own, in the provider's wire: the answer's events (and an
    /// error's body) go back to the client as they came, as [`StreamEvent::Verbatim`] and
    /// [`ProviderError::body`].
    pub verbatim: bool,
}

/// Everything secret a request carries: the API key, the values of the `headers` the user's
/// config adds (a gateway's own auth header, say), and user info in the base URL. All of it is
/// exposed only where [`http`] builds the request, and all of it is scrubbed from every message.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub key: Option<crate::secret::Secret>,
    /// Header name and secret value, from the config file.
    pub headers: Vec<(String, crate::secret::Secret)>,
    /// The user name and password of the base URL, as written and percent-decoded.
    pub url_userinfo: Vec<crate::secret::Secret>,
    /// Bedrock's SigV4 signing: the request is signed instead of carrying a key.
    pub aws: Option<AwsSigning>,
    /// Vertex AI's OAuth2: an access token is got (or the kept one used) for each request.
    pub google: Option<std::sync::Arc<google_auth::GoogleAuth>>,
}

/// What signs a request for AWS: the credentials and the region.
#[derive(Debug, Clone)]
pub struct AwsSigning {
    pub creds: sigv4::AwsCredentials,
    pub region: String,
}

impl Credentials {
    /// What a request to `provider` at `base_url` with `key` carries.
    pub fn new(provider: &Provider, base_url: &str, key: Option<crate::secret::Secret>) -> Self {
        Credentials {
            key,
            headers: provider.secret_headers.clone(),
            url_userinfo: crate::secret::url_userinfo(base_url),
            aws: None,
            google: None,
        }
    }

    /// Whether anything secret would travel.
    pub fn any(&self) -> bool {
        self.key.is_some()
            || !self.headers.is_empty()
            || !self.url_userinfo.is_empty()
            || self.aws.is_some()
            || self.google.is_some()
    }

    /// Every secret value, for the scrubber.
    pub fn secrets(&self) -> Vec<&crate::secret::Secret> {
        self.key
            .iter()
            .chain(self.headers.iter().map(|(_, v)| v))
            .chain(self.url_userinfo.iter())
            .chain(self.aws.iter().flat_map(|a| {
                std::iter::once(&a.creds.secret_access_key).chain(a.creds.session_token.iter())
            }))
            .chain(self.google.iter().flat_map(|g| g.secrets()))
            .collect()
    }
}

/// The request's instructions (its system prompt, then every system or developer turn's text)
/// and its other turns as `user`/`assistant` lists of the blocks `block` makes (tool results
/// in user turns), consecutive turns of one role merged and empty ones dropped: the shape both
/// Anthropic's Messages and Bedrock's Converse take.
pub(crate) fn merged_turns(
    req: &ChatRequest,
    mut block: impl FnMut(&Part) -> Option<Value>,
) -> (Vec<String>, Vec<(&'static str, Vec<Value>)>) {
    let mut system: Vec<String> = req.system.iter().cloned().collect();
    let mut turns: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for m in &req.messages {
        let role = match m.role {
            Role::System | Role::Developer => {
                system.push(m.text());
                continue;
            }
            Role::Assistant => "assistant",
            Role::User | Role::Tool => "user",
        };
        let blocks: Vec<Value> = m.content.iter().filter_map(&mut block).collect();
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some((r, b)) if *r == role => b.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }
    (system, turns)
}

/// Parse JSON from a server leniently in one way: a number too large for an f64 (`1e400`),
/// which serde_json refuses outright, becomes `null`, so one absurd usage count cannot throw
/// away the text of the same event. Anything else malformed is still an error.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    match serde_json::from_slice(bytes) {
        Ok(v) => Ok(v),
        Err(e) if e.to_string().starts_with("number out of range") => {
            serde_json::from_slice(&null_out_of_range_numbers(bytes))
        }
        Err(e) => Err(e),
    }
}

/// `bytes` with every number outside strings that does not fit an f64 replaced by `null`.
fn null_out_of_range_numbers(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            out.push(b);
            if b == b'\\' && i + 1 < bytes.len() {
                out.push(bytes[i + 1]);
                i += 2;
                continue;
            }
            in_string = b != b'"';
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
        }
        if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
            {
                i += 1;
            }
            let token = &bytes[start..i];
            let fits = std::str::from_utf8(token)
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
                .is_some_and(f64::is_finite);
            out.extend_from_slice(if fits { token } else { b"null" });
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// The role a request's message names, from the names a wire knows.
pub(crate) fn role_of(m: &Value, known: &[(&str, Role)]) -> Result<Role, String> {
    match m["role"].as_str() {
        Some(r) => known
            .iter()
            .find(|(name, _)| *name == r)
            .map(|(_, role)| *role)
            .ok_or_else(|| format!("unknown role `{r}`")),
        None => Err("no `role`".into()),
    }
}

/// The strings of a JSON array (a stop list); nothing else.
pub(crate) fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// A JSON number as a token count; negative or fractional values are rejected, never panicking.
pub(crate) fn num(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
}

/// Build the HTTP request for a provider: its wire's request plus the provider's own headers.
/// A client body that was translated carries the translation's notes.
pub(crate) fn build_request(provider: &Provider, base_url: &str, req: &ChatRequest) -> HttpCall {
    let wire = provider.wire_for(req);
    let mut call = wire.build_request(req, provider, base_url);
    if let Some(c) = &req.client {
        if !wire.speaks(c.wire) {
            call.notes.extend(c.notes.iter().cloned());
        }
    }
    call.headers.extend(provider.headers.iter().cloned());
    if let Some(h) = provider.key_header {
        call.auth = AuthStyle::Header(h);
    }
    call
}

impl Provider {
    /// The wire a request goes to this provider in: its dialect's, or the client's own where
    /// the provider speaks that too (OpenAI's Responses).
    pub fn wire_for(&self, req: &ChatRequest) -> &'static dyn WireDialect {
        if self.responses
            && self.dialect == Dialect::OpenAi
            && req.client_body(types::ClientWire::Responses).is_some()
        {
            &dialect::Responses
        } else {
            self.dialect.wire()
        }
    }
}

/// The error envelope of any provider, read leniently: `{error:{message,code,type}}` (OpenAI,
/// Gemini, OpenRouter, Groq), `{type:"error", error:{type,message}}` (Anthropic),
/// `{error:"text"}` (Ollama), `{message}` / `{object:"error"}` (Mistral, vLLM).
///
/// `status` is the HTTP status when the error came as a response; errors inside a 200 stream
/// are classified from the codes the body carries.
pub(crate) fn error_from_body(v: &Value, status: Option<u16>) -> ProviderError {
    let err = &v["error"];
    let mut message = err["message"]
        .as_str()
        .or_else(|| err.as_str())
        .or_else(|| v["message"].as_str())
        .or_else(|| v["detail"].as_str())
        .map(str::to_string)
        .unwrap_or_default();
    // OpenRouter wraps an upstream's failure: "Provider returned error" + metadata.raw.
    if let Some(raw) = err["metadata"]["raw"].as_str() {
        let provider = err["metadata"]["provider_name"]
            .as_str()
            .unwrap_or("upstream");
        message = format!("{message} ({provider}: {raw})");
    }
    let body_status = num(&err["code"])
        .or_else(|| num(&err["status_code"]))
        .and_then(|c| u16::try_from(c).ok())
        .filter(|c| (400..600).contains(c));
    let typed = err["type"].as_str().and_then(anthropic::kind_from_type);
    let code_kind = match err["code"].as_str().or(err["status"].as_str()) {
        Some("rate_limit_exceeded") | Some("RESOURCE_EXHAUSTED") => Some(ErrorKind::RateLimit),
        Some("invalid_api_key") | Some("PERMISSION_DENIED") | Some("UNAUTHENTICATED") => {
            Some(ErrorKind::Auth)
        }
        Some("model_not_found") | Some("NOT_FOUND") => Some(ErrorKind::NotFound),
        Some("UNAVAILABLE") => Some(ErrorKind::Overloaded),
        Some("tool_use_failed") => Some(ErrorKind::ToolCall),
        // Azure OpenAI's filtered prompt (`innererror.code: ResponsibleAIPolicyViolation`).
        Some("content_filter") => Some(ErrorKind::ContentFilter),
        _ => None,
    };
    let effective_status = status.or(body_status);
    let kind = match (status, typed, code_kind, body_status) {
        // A status that names the problem (401, 404, 429, 529, ...) wins over a body type:
        // OpenAI sends its 401 as `type: invalid_request_error`. A bare 400 or 500 is refined
        // by the body's named type or code.
        (Some(s), _, _, _)
            if !matches!(
                ErrorKind::from_status(s),
                ErrorKind::BadRequest | ErrorKind::Server
            ) =>
        {
            ErrorKind::from_status(s)
        }
        // Groq's failed tool call arrives as an `invalid_request_error`; its code says more.
        (_, _, Some(ErrorKind::ToolCall), _) => ErrorKind::ToolCall,
        (_, Some(k), _, _) => k,
        (_, _, Some(k), _) => k,
        (Some(s), _, _, _) => ErrorKind::from_status(s),
        (None, _, _, Some(s)) => ErrorKind::from_status(s),
        _ => ErrorKind::Server,
    };
    if message.trim().is_empty() {
        message = match effective_status {
            Some(s) => format!("the provider answered HTTP {s} with no message"),
            None => "the provider reported an error with no message".to_string(),
        };
    }
    let message = match (status, body_status) {
        (Some(s), _) => format!("HTTP {s}: {message}"),
        (None, Some(s)) => format!("error in stream ({s}): {message}"),
        (None, None) => format!("error in stream: {message}"),
    };
    let mut e = ProviderError::new(kind, message);
    e.status = effective_status;
    e
}

#[cfg(test)]
mod conversation_tests;
#[cfg(test)]
pub(crate) mod fixture_tests;
#[cfg(test)]
mod mock_server_tests;
#[cfg(test)]
mod tool_fixture_tests;

#[cfg(test)]
mod usage_tests {
    use super::*;
    use crate::provider::sse::SseEvent;

    #[test]
    fn an_absurd_number_in_usage_keeps_the_text_of_its_event() {
        let mut d = openai::StreamDecoder::default();
        let ev = SseEvent {
            event: None,
            data: r#"{"choices":[{"index":0,"delta":{"content":"kept \"1e999\""},"finish_reason":null}],"usage":{"prompt_tokens":1e400,"completion_tokens":3}}"#.into(),
        };
        let out = d.event(&ev).unwrap();
        assert!(
            out.contains(&StreamEvent::TextDelta("kept \"1e999\"".into())),
            "{out:?}"
        );
        let usage = out.iter().find_map(|e| match e {
            StreamEvent::Usage(u) => Some(u.clone()),
            _ => None,
        });
        let usage = usage.expect("usage still read");
        assert_eq!(usage.input_tokens, None, "unknown, not 0");
        assert_eq!(usage.output_tokens, Some(3));
    }

    /// xAI's usage (grok-3-mini, as recorded by another project): reasoning beside
    /// `completion_tokens`, the total saying so. Output counts it, as it is billed.
    #[test]
    fn reasoning_counted_beside_completion_is_output_too() {
        let xai = openai::usage(&serde_json::json!({
            "prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 303,
            "completion_tokens_details": {"reasoning_tokens": 290}
        }));
        assert_eq!((xai.output_tokens, xai.reasoning_tokens), (Some(291), 290));
        // OpenAI's own: reasoning already inside completion_tokens.
        let openai = openai::usage(&serde_json::json!({
            "prompt_tokens": 12, "completion_tokens": 300, "total_tokens": 312,
            "completion_tokens_details": {"reasoning_tokens": 290}
        }));
        assert_eq!(
            (openai.output_tokens, openai.reasoning_tokens),
            (Some(300), 290)
        );
        // No total: nothing to decide from, taken as written.
        let bare = openai::usage(&serde_json::json!({
            "prompt_tokens": 12, "completion_tokens": 1,
            "completion_tokens_details": {"reasoning_tokens": 290}
        }));
        assert_eq!(bare.output_tokens, Some(1));
    }

    #[test]
    fn counts_near_the_top_saturate_and_bad_costs_are_unknown() {
        let u = anthropic::usage(&serde_json::json!({
            "input_tokens": u64::MAX - 1,
            "cache_read_input_tokens": 10,
            "output_tokens": 1
        }));
        assert_eq!(u.input_tokens, Some(u64::MAX));
        // (A reported cost that is no cost is unknown when priced: `catalog::tests`.)
        let negative = openai::usage(&serde_json::json!({"prompt_tokens": 1, "cost": -3.0}));
        assert_eq!(negative.provider_cost_usd, None);
    }
}

/// What servers put around and inside streams that is not one answer (issue 27, from
/// recordings of gateways and real servers).
#[cfg(test)]
mod stream_edge_tests {
    use super::dialect::StreamDecode;
    use super::sse::SseEvent;
    use super::*;

    fn ev(event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: event.map(str::to_string),
            data: data.to_string(),
        }
    }

    fn texts(out: &[StreamEvent]) -> String {
        out.iter()
            .filter_map(|e| match e {
                StreamEvent::TextDelta(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_done_after_an_anthropic_stream_is_nothing() {
        let mut d = anthropic::StreamDecoder::default();
        d.event(&ev(Some("message_stop"), r#"{"type":"message_stop"}"#))
            .unwrap();
        assert_eq!(d.event(&ev(None, "[DONE]")).unwrap(), Vec::new());
        assert!(d.finished());
    }

    #[test]
    fn nothing_after_an_openai_done_counts() {
        let mut d = openai::StreamDecoder::default();
        let chunk = |c: &str, f: Option<&str>| {
            serde_json::json!({"choices": [{"index": 0, "delta": {"content": c}, "finish_reason": f}]})
                .to_string()
        };
        let mut all = Vec::new();
        all.extend(d.event(&ev(None, &chunk("kept", Some("stop")))).unwrap());
        all.extend(d.event(&ev(None, "[DONE]")).unwrap());
        all.extend(
            d.event(&ev(None, &chunk(" and more", Some("length"))))
                .unwrap(),
        );
        assert_eq!(texts(&all), "kept");
        let finishes: Vec<_> = all
            .iter()
            .filter(|e| matches!(e, StreamEvent::Finish { .. }))
            .collect();
        assert_eq!(finishes.len(), 1, "{all:?}");
    }

    #[test]
    fn a_second_message_in_one_anthropic_stream_is_a_broken_stream() {
        let mut d = anthropic::StreamDecoder::default();
        let start = |id: &str| {
            ev(
                Some("message_start"),
                &serde_json::json!({"type": "message_start",
                    "message": {"id": id, "model": "claude", "usage": {"input_tokens": 1}}})
                .to_string(),
            )
        };
        d.event(&start("msg_1")).unwrap();
        d.event(&ev(
            Some("content_block_start"),
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"f","input":{}}}"#,
        ))
        .unwrap();
        let e = d.event(&start("msg_2")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Decode);
        assert!(e.message.contains("second message"), "{e:?}");
        // The same message announced twice is not two messages.
        let mut d = anthropic::StreamDecoder::default();
        d.event(&start("msg_1")).unwrap();
        assert!(d.event(&start("msg_1")).is_ok());
    }

    #[test]
    fn a_gemini_call_without_a_name_is_no_call() {
        let body = serde_json::json!({"candidates": [{"content": {"role": "model", "parts": [
            {"text": "here"},
            {"functionCall": {"args": {"x": 1}}},
            {"functionCall": {"name": "real", "args": {}}}
        ]}, "finishReason": "STOP"}]});
        let r = gemini::parse_response(body.to_string().as_bytes()).unwrap();
        let names: Vec<&str> = r.tool_calls.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["real"]);
    }
}

//! The one interface every wire dialect implements. The call path ([`super::run`]), the model
//! listing refresh and any later consumer (a local gateway) ask the dialect for its facts —
//! request shape, response and stream parsing, when a stream has properly ended, error bodies,
//! where its model listing lives and how it is authorised — instead of re-deriving them.
//!
//! Each dialect module keeps its pure functions (tested directly on real recordings); the types
//! here only wire them to the trait.

use super::error::ProviderError;
use super::registry::Provider;
use super::sse::SseEvent;
use super::types::{ChatRequest, ChatResponse, StreamEvent};
use super::{anthropic, bedrock, gemini, image, openai, responses, AuthStyle, HttpCall};

/// A wire format: how llmx's request becomes bytes and how the answer's bytes come back.
pub trait WireDialect: Sync {
    /// The dialect's name, as written in a config file (`openai`, `anthropic`, `gemini`).
    fn name(&self) -> &'static str;
    /// The HTTP request for `req` (the key is added later, by the HTTP layer alone).
    fn build_request(&self, req: &ChatRequest, provider: &Provider, base_url: &str) -> HttpCall;
    /// The other direction: a request body of this wire as llmx's conversation (what a client
    /// of a gateway sends). `Err` names what is malformed.
    fn parse_request(&self, body: &serde_json::Value) -> Result<ChatRequest, String>;
    /// A whole, non-streamed success body.
    fn parse_response(&self, body: &[u8]) -> Result<ChatResponse, ProviderError>;
    /// A decoder for one streamed answer.
    fn stream_decoder(&self) -> Box<dyn StreamDecode>;
    /// A non-2xx response body.
    fn parse_error(&self, status: u16, body: &[u8]) -> ProviderError;
    /// Where the provider lists its models, and how that request is authorised.
    fn listing(&self, base_url: &str) -> Listing;
    /// Whether the provider fetches an image by URL itself (else llmx sends the bytes).
    fn takes_image_urls(&self) -> bool {
        true
    }
    /// The most image data the provider documents taking.
    fn image_limits(&self) -> image::ImageLimits;
    /// The output limit the request carries when the user sets none, if the wire requires one.
    fn default_max_tokens(&self) -> Option<u32> {
        None
    }
    /// Whether a streamed answer comes in AWS's binary event-stream framing (Bedrock's
    /// ConverseStream) rather than as server-sent events.
    fn event_stream(&self) -> bool {
        false
    }
    /// Whether a client body written in `wire` goes out as it came (not translated).
    fn speaks(&self, _wire: super::types::ClientWire) -> bool {
        false
    }
}

/// Decodes the server-sent events of one streamed answer.
pub trait StreamDecode: Send {
    /// The provider-neutral events one SSE event carries; `Err` for an error inside the stream.
    fn event(&mut self, ev: &SseEvent) -> Result<Vec<StreamEvent>, ProviderError>;
    /// [`StreamDecode::event`] appending to `out` (a buffer the caller reuses: no allocation
    /// per event where the dialect overrides it).
    fn event_into(
        &mut self,
        ev: &SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), ProviderError> {
        out.extend(self.event(ev)?);
        Ok(())
    }
    /// Whether the stream reached its proper end (a finish reason, `[DONE]`, `message_stop`). A
    /// body that stops before that is a cut connection, even when the server closed it cleanly.
    fn finished(&self) -> bool;
}

/// A model listing request (`GET`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub url: String,
    pub auth: AuthStyle,
    pub headers: Vec<(String, String)>,
}

/// OpenAI Chat Completions and every compatible service.
pub struct OpenAi;
/// Anthropic Messages.
pub struct Anthropic;
/// Google Gemini `generateContent`.
pub struct Gemini;
/// OpenAI Responses, for a Responses client's request to a provider that speaks it.
pub struct Responses;
/// Amazon Bedrock's Converse and ConverseStream.
pub struct Bedrock;

impl WireDialect for Bedrock {
    fn name(&self) -> &'static str {
        "bedrock"
    }
    fn build_request(&self, req: &ChatRequest, _: &Provider, base_url: &str) -> HttpCall {
        bedrock::build_request(req, base_url)
    }
    fn parse_request(&self, _: &serde_json::Value) -> Result<ChatRequest, String> {
        Err("llmx does not take requests in Bedrock's Converse wire".into())
    }
    fn parse_response(&self, body: &[u8]) -> Result<ChatResponse, ProviderError> {
        bedrock::parse_response(body)
    }
    fn stream_decoder(&self) -> Box<dyn StreamDecode> {
        Box::new(bedrock::StreamDecoder::default())
    }
    fn parse_error(&self, status: u16, body: &[u8]) -> ProviderError {
        bedrock::parse_error(status, body)
    }
    fn listing(&self, base_url: &str) -> Listing {
        // Bedrock lists its models on the control-plane host (`bedrock.REGION…`), which
        // llmx does not ask: `models --refresh` skips Bedrock.
        Listing {
            url: format!("{base_url}/foundation-models"),
            auth: AuthStyle::Bearer,
            headers: Vec::new(),
        }
    }
    fn takes_image_urls(&self) -> bool {
        false
    }
    fn image_limits(&self) -> image::ImageLimits {
        image::BEDROCK
    }
    fn event_stream(&self) -> bool {
        true
    }
}

impl WireDialect for Responses {
    fn name(&self) -> &'static str {
        "responses"
    }
    fn build_request(&self, req: &ChatRequest, _: &Provider, base_url: &str) -> HttpCall {
        responses::build_request(req, base_url)
    }
    fn parse_request(&self, body: &serde_json::Value) -> Result<ChatRequest, String> {
        responses::parse_request(body)
            .map(|i| i.request)
            .map_err(|e| e.message)
    }
    fn parse_response(&self, body: &[u8]) -> Result<ChatResponse, ProviderError> {
        responses::parse_response(body)
    }
    fn stream_decoder(&self) -> Box<dyn StreamDecode> {
        Box::new(responses::StreamDecoder::default())
    }
    fn parse_error(&self, status: u16, body: &[u8]) -> ProviderError {
        openai::parse_error(status, body)
    }
    fn image_limits(&self) -> image::ImageLimits {
        image::OPENAI
    }
    fn listing(&self, base_url: &str) -> Listing {
        OpenAi.listing(base_url)
    }
    fn speaks(&self, wire: super::types::ClientWire) -> bool {
        wire == super::types::ClientWire::Responses
    }
}

impl WireDialect for OpenAi {
    fn name(&self) -> &'static str {
        "openai"
    }
    fn build_request(&self, req: &ChatRequest, provider: &Provider, base_url: &str) -> HttpCall {
        openai::build_request(req, provider, base_url)
    }
    fn parse_request(&self, body: &serde_json::Value) -> Result<ChatRequest, String> {
        openai::parse_request(body)
    }
    fn parse_response(&self, body: &[u8]) -> Result<ChatResponse, ProviderError> {
        openai::parse_response(body)
    }
    fn stream_decoder(&self) -> Box<dyn StreamDecode> {
        Box::new(openai::StreamDecoder::default())
    }
    fn parse_error(&self, status: u16, body: &[u8]) -> ProviderError {
        openai::parse_error(status, body)
    }
    fn image_limits(&self) -> image::ImageLimits {
        image::OPENAI
    }
    fn listing(&self, base_url: &str) -> Listing {
        Listing {
            url: format!("{base_url}/models"),
            auth: AuthStyle::Bearer,
            headers: Vec::new(),
        }
    }
}

impl WireDialect for Anthropic {
    fn default_max_tokens(&self) -> Option<u32> {
        Some(anthropic::DEFAULT_MAX_TOKENS)
    }
    fn speaks(&self, wire: super::types::ClientWire) -> bool {
        wire == super::types::ClientWire::Messages
    }

    fn name(&self) -> &'static str {
        "anthropic"
    }
    fn build_request(&self, req: &ChatRequest, provider: &Provider, base_url: &str) -> HttpCall {
        match provider.model_path.as_deref() {
            // Claude on Vertex AI: the Messages body without `model` and with Vertex's
            // `anthropic_version`, posted to the model's `rawPredict` / `streamRawPredict`.
            Some(path) => {
                anthropic::vertex(anthropic::build_request(req, base_url), req, base_url, path)
            }
            None => anthropic::build_request(req, base_url),
        }
    }
    fn parse_request(&self, body: &serde_json::Value) -> Result<ChatRequest, String> {
        anthropic::parse_request(body)
    }
    fn parse_response(&self, body: &[u8]) -> Result<ChatResponse, ProviderError> {
        anthropic::parse_response(body)
    }
    fn stream_decoder(&self) -> Box<dyn StreamDecode> {
        Box::new(anthropic::StreamDecoder::default())
    }
    fn parse_error(&self, status: u16, body: &[u8]) -> ProviderError {
        anthropic::parse_error(status, body)
    }
    fn image_limits(&self) -> image::ImageLimits {
        image::ANTHROPIC
    }
    fn listing(&self, base_url: &str) -> Listing {
        Listing {
            url: format!("{base_url}/v1/models"),
            auth: AuthStyle::Header("x-api-key"),
            headers: vec![("anthropic-version".into(), anthropic::API_VERSION.into())],
        }
    }
}

impl WireDialect for Gemini {
    fn name(&self) -> &'static str {
        "gemini"
    }
    fn build_request(&self, req: &ChatRequest, provider: &Provider, base_url: &str) -> HttpCall {
        gemini::build_request(
            req,
            base_url,
            provider.model_path.as_deref().unwrap_or("v1beta/models"),
        )
    }
    fn parse_request(&self, body: &serde_json::Value) -> Result<ChatRequest, String> {
        gemini::parse_request(body)
    }
    fn parse_response(&self, body: &[u8]) -> Result<ChatResponse, ProviderError> {
        gemini::parse_response(body)
    }
    fn stream_decoder(&self) -> Box<dyn StreamDecode> {
        Box::new(gemini::StreamDecoder::default())
    }
    fn parse_error(&self, status: u16, body: &[u8]) -> ProviderError {
        gemini::parse_error(status, body)
    }
    fn takes_image_urls(&self) -> bool {
        false
    }
    fn image_limits(&self) -> image::ImageLimits {
        image::GEMINI
    }
    fn listing(&self, base_url: &str) -> Listing {
        Listing {
            url: format!("{base_url}/v1beta/models"),
            auth: AuthStyle::Header("x-goog-api-key"),
            headers: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::sse::parse_all;

    fn finished_after(d: &dyn WireDialect, body: &str) -> bool {
        let mut dec = d.stream_decoder();
        for ev in parse_all(body.as_bytes()) {
            let _ = dec.event(&ev);
        }
        dec.finished()
    }

    #[test]
    fn each_dialect_knows_when_its_stream_has_ended() {
        let chunk = r#"data: {"model":"m","choices":[{"delta":{"content":"hi"}}]}"#;
        assert!(!finished_after(&OpenAi, &format!("{chunk}\n\n")));
        assert!(finished_after(
            &OpenAi,
            &format!("{chunk}\n\ndata: [DONE]\n\n")
        ));
        let fin = r#"data: {"choices":[{"delta":{},"finish_reason":"stop"}]}"#;
        assert!(finished_after(&OpenAi, &format!("{chunk}\n\n{fin}\n\n")));

        let delta = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n";
        assert!(!finished_after(&Anthropic, delta));
        let stop = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        assert!(finished_after(&Anthropic, &format!("{delta}{stop}")));

        let part = r#"data: {"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}"#;
        assert!(!finished_after(&Gemini, &format!("{part}\r\n\r\n")));
        let end =
            r#"data: {"candidates":[{"content":{"parts":[{"text":"."}]},"finishReason":"STOP"}]}"#;
        assert!(finished_after(
            &Gemini,
            &format!("{part}\r\n\r\n{end}\r\n\r\n")
        ));
    }

    #[test]
    fn listings_name_their_url_and_auth() {
        assert_eq!(
            OpenAi.listing("http://h/v1").url,
            "http://h/v1/models".to_string()
        );
        let a = Anthropic.listing("http://h");
        assert_eq!(a.url, "http://h/v1/models");
        assert_eq!(a.auth, AuthStyle::Header("x-api-key"));
        assert_eq!(a.headers[0].0, "anthropic-version");
        assert_eq!(
            Gemini.listing("http://h").auth,
            AuthStyle::Header("x-goog-api-key")
        );
    }
}

//! One call to one model, timed the same way for every dialect: latency from request start to
//! the last byte, time to first token at the first streamed token (text or reasoning). Whatever
//! arrived before a failure is kept in the outcome.

use std::time::Duration;

use tokio::time::Instant;

use super::error::{ErrorKind, ProviderError};
use super::http::HttpClient;
use super::registry::{Dialect, Provider};
use super::sse::SseReader;
use super::types::{ChatRequest, ChatResponse, StreamEvent};
use super::{build_request, mock, parse_response, StreamDecoder};
use crate::auth::{scrub, Secret};

/// A resolved model to call: which provider, which of its model ids, where, with which key.
#[derive(Debug, Clone)]
pub struct Target {
    pub provider: Provider,
    pub model: String,
    pub base_url: String,
    pub key: Option<Secret>,
}

/// What one call produced. `response` holds everything received, even when `error` is set.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    pub response: ChatResponse,
    pub error: Option<ProviderError>,
    pub latency: Duration,
    pub ttft: Option<Duration>,
    /// Whether any content arrived (a retry after that would pay twice for one answer).
    pub delivered: bool,
}

/// Limits for one call.
#[derive(Debug, Clone, Copy)]
pub struct CallLimits {
    /// The whole call, from send to last byte.
    pub total: Duration,
}

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            total: Duration::from_secs(300),
        }
    }
}

/// Call `target` with `req`. `on_event` sees every stream event as it arrives (a non-streamed
/// answer arrives as one text delta at the end).
pub async fn call(
    client: &HttpClient,
    target: &Target,
    req: &ChatRequest,
    limits: CallLimits,
    on_event: &mut (dyn FnMut(&StreamEvent) + Send),
) -> CallOutcome {
    let start = Instant::now();
    let deadline = start + limits.total;
    let mut out = CallOutcome {
        response: ChatResponse::default(),
        error: None,
        latency: Duration::ZERO,
        ttft: None,
        delivered: false,
    };
    let result = tokio::time::timeout_at(
        deadline,
        call_inner(client, target, req, start, &mut out, on_event),
    )
    .await;
    out.latency = start.elapsed();
    match result {
        Ok(Ok(())) => {}
        Ok(Err(mut e)) => {
            let secrets: Vec<&Secret> = target.key.iter().collect();
            e.message = scrub(&e.message, &secrets);
            out.error = Some(e);
        }
        Err(_) => {
            out.error = Some(ProviderError::new(
                ErrorKind::Timeout,
                format!(
                    "no complete answer within {}s (raise --timeout)",
                    limits.total.as_secs()
                ),
            ))
        }
    }
    out
}

fn deliver(
    ev: StreamEvent,
    start: Instant,
    out: &mut CallOutcome,
    on_event: &mut (dyn FnMut(&StreamEvent) + Send),
) {
    let is_token = matches!(
        &ev,
        StreamEvent::TextDelta(t) | StreamEvent::ReasoningDelta(t) if !t.is_empty()
    );
    if is_token {
        out.delivered = true;
        if out.ttft.is_none() {
            out.ttft = Some(start.elapsed());
        }
    }
    on_event(&ev);
    out.response.apply(ev);
}

async fn call_inner(
    client: &HttpClient,
    target: &Target,
    req: &ChatRequest,
    start: Instant,
    out: &mut CallOutcome,
    on_event: &mut (dyn FnMut(&StreamEvent) + Send),
) -> Result<(), ProviderError> {
    let dialect = target.provider.dialect;
    if dialect == Dialect::Mock {
        for (delay, ev) in mock::script(req) {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            deliver(ev, start, out, on_event);
        }
        if !req.stream {
            out.ttft = None;
        }
        return Ok(());
    }
    let call = build_request(&target.provider, &target.base_url, req);
    let mut resp = client.send(&call, target.key.as_ref(), dialect).await?;
    if !req.stream {
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| super::http::transport_error(&e, &call.url, target.key.as_ref()))?
        {
            body.extend_from_slice(&chunk);
        }
        let r = parse_response(dialect, &body)?;
        if !r.text.is_empty() {
            out.delivered = true;
            on_event(&StreamEvent::TextDelta(r.text.clone()));
        }
        out.response = r;
        return Ok(());
    }
    let mut reader = SseReader::new();
    let mut decoder = StreamDecoder::new(dialect);
    // A stream ends properly with a finish reason, `[DONE]` or `message_stop`; a body that
    // just stops is a cut connection, even when the server closed it cleanly.
    let mut finished = false;
    loop {
        let chunk = match resp.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                let mut err = super::http::transport_error(&e, &call.url, target.key.as_ref());
                err.kind = ErrorKind::Network;
                err.message = format!("stream cut: {}", err.message);
                return Err(err);
            }
        };
        for ev in reader.push(&chunk) {
            finished |= ev.is_done() || ev.event.as_deref() == Some("message_stop");
            for se in decoder.event(&ev)? {
                if matches!(se, StreamEvent::Finish { .. }) {
                    finished = true;
                }
                deliver(se, start, out, on_event);
            }
        }
    }
    if let Some(ev) = reader.finish() {
        finished |= ev.is_done() || ev.event.as_deref() == Some("message_stop");
        for se in decoder.event(&ev)? {
            if matches!(se, StreamEvent::Finish { .. }) {
                finished = true;
            }
            deliver(se, start, out, on_event);
        }
    }
    if !finished {
        return Err(ProviderError::new(
            ErrorKind::Network,
            "stream cut: the connection closed before the model finished",
        ));
    }
    Ok(())
}

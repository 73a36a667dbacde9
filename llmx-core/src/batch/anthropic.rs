//! Anthropic's Message Batches API.

use reqwest::Method;
use serde_json::{json, Value};

use super::{parse, Item, Outcome, State, Status};
use crate::provider::http::HttpClient;
use crate::provider::run::Target;
use crate::provider::{AuthStyle, Dialect, ErrorKind, HttpCall, ProviderError};

/// `{"custom_id", "params"}`: the Messages request itself.
pub(super) fn line(custom_id: &str, call: HttpCall) -> Value {
    json!({"custom_id": custom_id, "params": call.body})
}

async fn send(
    http: &HttpClient,
    target: &Target,
    method: Method,
    url: &str,
    body: Option<Vec<u8>>,
    cap: usize,
) -> Result<Vec<u8>, ProviderError> {
    let mut headers = target.provider.headers.clone();
    headers.push((
        "anthropic-version".into(),
        crate::provider::anthropic::API_VERSION.into(),
    ));
    http.exchange_bytes(
        method,
        url,
        &target.credentials(),
        AuthStyle::Header("x-api-key"),
        &headers,
        body.map(|b| ("application/json", b)),
        Dialect::Anthropic.wire(),
        cap,
    )
    .await
}

fn url(target: &Target, path: &str) -> String {
    format!("{}/v1/messages/batches{path}", target.base_url)
}

pub(super) async fn submit(
    http: &HttpClient,
    target: &Target,
    lines: &mut dyn Iterator<Item = String>,
) -> Result<String, ProviderError> {
    let (body, _) = super::body(b"{\"requests\":[", lines, b',', b"]}");
    let b = parse(
        &send(
            http,
            target,
            Method::POST,
            &url(target, ""),
            Some(body),
            1 << 20,
        )
        .await?,
    )?;
    b["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| ProviderError::decode("the batch has no id"))
}

pub(super) fn status_of(b: &Value) -> Status {
    let raw = b["processing_status"].as_str().unwrap_or("").to_string();
    let state = match raw.as_str() {
        "ended" => State::Ended,
        "canceling" => State::Cancelling,
        _ => State::Running,
    };
    let n = |k: &str| b["request_counts"][k].as_u64().unwrap_or(0);
    Status {
        counted: true,
        state,
        raw,
        total: ["processing", "succeeded", "errored", "canceled", "expired"]
            .iter()
            .map(|k| n(k))
            .sum(),
        succeeded: n("succeeded"),
        failed: n("errored") + n("canceled") + n("expired"),
        results: b["results_url"]
            .as_str()
            .map(str::to_string)
            .into_iter()
            .collect(),
    }
}

pub(super) async fn status(
    http: &HttpClient,
    target: &Target,
    id: &str,
) -> Result<Status, ProviderError> {
    on_batch(http, target, Method::GET, &format!("/{id}")).await
}

pub(super) async fn cancel(
    http: &HttpClient,
    target: &Target,
    id: &str,
) -> Result<Status, ProviderError> {
    on_batch(http, target, Method::POST, &format!("/{id}/cancel")).await
}

/// `method` to a batch's `path` (under `/v1/messages/batches`); the batch as it then stands.
async fn on_batch(
    http: &HttpClient,
    target: &Target,
    method: Method,
    path: &str,
) -> Result<Status, ProviderError> {
    let b = parse(&send(http, target, method, &url(target, path), None, 1 << 20).await?)?;
    Ok(status_of(&b))
}

/// Each line of the results file at `results_url`, as it arrives: fetched with the key only
/// from the provider's own origin (scheme, host and port of its base URL); any other place is
/// refused.
pub(super) async fn results_lines(
    http: &HttpClient,
    target: &Target,
    results_url: &str,
    on: &mut dyn FnMut(&[u8]) -> Result<(), ProviderError>,
) -> Result<(), ProviderError> {
    let origin = |u: &str| {
        reqwest::Url::parse(u).ok().map(|u| {
            (
                u.scheme().to_string(),
                u.host_str().map(str::to_string),
                u.port_or_known_default(),
            )
        })
    };
    if origin(results_url).is_none() || origin(results_url) != origin(&target.base_url) {
        return Err(ProviderError::new(
            ErrorKind::BadRequest,
            "the batch's results_url is not on the provider's own origin; llmx sends its key \
             nowhere else",
        ));
    }
    let mut headers = target.provider.headers.clone();
    headers.push((
        "anthropic-version".into(),
        crate::provider::anthropic::API_VERSION.into(),
    ));
    http.each_line(
        results_url,
        &target.credentials(),
        AuthStyle::Header("x-api-key"),
        &headers,
        Dialect::Anthropic.wire(),
        super::MAX_LINE_BYTES,
        on,
    )
    .await
}

/// One line of the results: `succeeded` (the message), `errored` (the request's error),
/// `expired` or `canceled`.
pub(super) fn item(line: &[u8]) -> Option<Item> {
    let v: Value = serde_json::from_slice(line).ok()?;
    let custom_id = v["custom_id"].as_str()?.to_string();
    let r = &v["result"];
    let outcome = match r["type"].as_str()? {
        "succeeded" => {
            match crate::provider::anthropic::parse_response(r["message"].to_string().as_bytes()) {
                Ok(response) => Outcome::Answer {
                    request_id: r["message"]["id"].as_str().map(str::to_string),
                    response: Box::new(response),
                },
                Err(e) => Outcome::Failed(e),
            }
        }
        // `{"type": "error", "error": {"type", "message"}}`, as an error body.
        "errored" => Outcome::Failed(crate::provider::error_from_body(&r["error"], None)),
        "expired" => Outcome::Expired,
        "canceled" => Outcome::Cancelled,
        _ => return None,
    };
    Some(Item { custom_id, outcome })
}

//! Gemini's Batch API with inline requests (`models/{model}:batchGenerateContent`), under the
//! 20 MB an inline batch may hold.

use reqwest::Method;
use serde_json::{json, Value};

use super::{parse, Item, Outcome, State, Status};
use crate::provider::http::HttpClient;
use crate::provider::run::Target;
use crate::provider::{AuthStyle, Dialect, HttpCall, ProviderError};

/// `{"request", "metadata": {"key"}}`: the `generateContent` request itself.
pub(super) fn line(custom_id: &str, call: HttpCall) -> Value {
    json!({"request": call.body, "metadata": {"key": custom_id}})
}

async fn send(
    http: &HttpClient,
    target: &Target,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<Value, ProviderError> {
    let bytes = http
        .exchange_bytes(
            method,
            &format!("{}/v1beta/{path}", target.base_url),
            &target.credentials(),
            AuthStyle::Header("x-goog-api-key"),
            &target.provider.headers,
            body.map(|b| ("application/json", b)),
            Dialect::Gemini.wire(),
            super::MAX_RESULTS_BYTES,
        )
        .await?;
    parse(&bytes)
}

/// A batch's id is its resource name, `batches/…`, checked so it stays a path under
/// `/v1beta/batches/`.
fn checked(name: &str) -> Result<&str, ProviderError> {
    let ok = name.strip_prefix("batches/").is_some_and(|id| {
        !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if ok {
        Ok(name)
    } else {
        Err(ProviderError::decode(format!(
            "`{name}` is not a batch name"
        )))
    }
}

/// Creating a Gemini batch is not idempotent: `intent` is its display name, so a batch whose
/// name was lost is found by listing.
pub(super) async fn submit(
    http: &HttpClient,
    target: &Target,
    lines: &mut dyn Iterator<Item = String>,
    intent: &str,
) -> Result<String, ProviderError> {
    let head = format!(
        "{{\"batch\":{{\"displayName\":{},\"inputConfig\":{{\"requests\":{{\"requests\":[",
        json!(intent)
    );
    let (body, _) = super::body(head.as_bytes(), lines, b',', b"]}}}}");
    let path = format!("models/{}:batchGenerateContent", target.model);
    let op = send(http, target, Method::POST, &path, Some(body)).await?;
    let name = op["name"].as_str().unwrap_or("");
    checked(name).map(str::to_string)
}

fn status_of(op: &Value) -> Status {
    let m = &op["metadata"];
    // The server sends `BATCH_STATE_*`; the guide and the SDK speak of `JOB_STATE_*`.
    let raw = m["state"].as_str().unwrap_or("").to_string();
    let state = match raw
        .trim_start_matches("BATCH_STATE_")
        .trim_start_matches("JOB_STATE_")
    {
        "SUCCEEDED" | "CANCELLED" | "EXPIRED" => State::Ended,
        "FAILED" => State::Failed(vec![(
            op["error"]["status"]
                .as_str()
                .unwrap_or("FAILED")
                .to_string(),
            op["error"]["message"]
                .as_str()
                .unwrap_or("the batch failed")
                .to_string(),
        )]),
        _ => State::Running,
    };
    // Counts are int64, written as strings.
    let n = |k: &str| {
        let v = &m["batchStats"][k];
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(0)
    };
    let done = state == State::Ended;
    Status {
        state,
        raw,
        total: n("requestCount"),
        succeeded: n("successfulRequestCount"),
        failed: n("failedRequestCount"),
        results: if done {
            op["name"]
                .as_str()
                .map(str::to_string)
                .into_iter()
                .collect()
        } else {
            Vec::new()
        },
    }
}

pub(super) async fn status(
    http: &HttpClient,
    target: &Target,
    name: &str,
) -> Result<Status, ProviderError> {
    Ok(status_of(
        &send(http, target, Method::GET, checked(name)?, None).await?,
    ))
}

pub(super) async fn cancel(
    http: &HttpClient,
    target: &Target,
    name: &str,
) -> Result<Status, ProviderError> {
    let path = format!("{}:cancel", checked(name)?);
    send(http, target, Method::POST, &path, Some(b"{}".to_vec())).await?;
    status(http, target, name).await
}

pub(super) async fn find(
    http: &HttpClient,
    target: &Target,
    intent: &str,
) -> Result<Option<String>, ProviderError> {
    let list = send(http, target, Method::GET, "batches?pageSize=100", None).await?;
    Ok(list["operations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|op| op["metadata"]["displayName"] == intent)
        .and_then(|op| op["name"].as_str().map(str::to_string)))
}

/// The inline responses of an ended batch, each with its request's key: the one it carries,
/// else the key of the request at its position (the responses come in the order of the
/// requests, and real servers leave their `metadata` out).
pub(super) async fn results(
    http: &HttpClient,
    target: &Target,
    name: &str,
    submitted: &[String],
    on: &mut dyn FnMut(Item),
) -> Result<(), ProviderError> {
    let op = send(http, target, Method::GET, checked(name)?, None).await?;
    let list = op["metadata"]["output"]["inlinedResponses"]["inlinedResponses"]
        .as_array()
        .or(op["response"]["inlinedResponses"]["inlinedResponses"].as_array());
    for (i, r) in list.into_iter().flatten().enumerate() {
        let key = r["metadata"]["key"]
            .as_str()
            .map(str::to_string)
            .or_else(|| submitted.get(i).cloned());
        let Some(custom_id) = key else {
            return Err(ProviderError::decode(
                "the batch has more responses than requests were sent",
            ));
        };
        let outcome = if r["error"].is_object() {
            // A `google.rpc.Status`: `{code, message, status}`, read as an error body.
            Outcome::Failed(crate::provider::error_from_body(
                &json!({"error": r["error"]}),
                None,
            ))
        } else {
            match crate::provider::gemini::parse_response(r["response"].to_string().as_bytes()) {
                Ok(response) => Outcome::Answer {
                    request_id: r["response"]["responseId"].as_str().map(str::to_string),
                    response: Box::new(response),
                },
                Err(e) => Outcome::Failed(e),
            }
        };
        on(Item { custom_id, outcome });
    }
    Ok(())
}

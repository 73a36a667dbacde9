//! Together's Batch API. It looks like OpenAI's but is not the same endpoints, so it is not an
//! OpenAI table row (docs.together.ai/docs/batch-inference, and together-python 1.5's
//! `files.upload` and `batches`, read for the wire):
//! - each line is `{"custom_id", "body"}`;
//! - a file is uploaded in three steps: `POST /files` with a form (`purpose=batch-api`,
//!   `file_name`, `file_type=jsonl`) is answered with a redirect to a signed URL (`Location`)
//!   and the file's id (`X-Together-File-Id`); the bytes are `PUT` at that URL, with no
//!   credentials; then `POST /files/{id}/preprocess`;
//! - `POST /batches` with `{input_file_id, endpoint, completion_window}` is answered with
//!   `{"job": {...}}`, `GET /batches/{id}` with the job itself; states are upper case
//!   (`VALIDATING`, `IN_PROGRESS`, `COMPLETED`, `FAILED`, `EXPIRED`, `CANCELLED`);
//! - results are the `output_file_id` and `error_file_id` files, read through
//!   `GET /files/{id}/content`, each line keyed by `custom_id` (their shape is not
//!   documented: OpenAI's `response: {status_code, body}` is read, and a bare completion
//!   under `response`, and an `error` object).

use reqwest::Method;
use serde_json::{json, Value};

use super::{parse, Item, Outcome, State, Status};
use crate::provider::http::HttpClient;
use crate::provider::run::Target;
use crate::provider::{AuthStyle, Dialect, HttpCall, ProviderError};

/// `{"custom_id", "body"}`, as Together's batch guide writes a line.
pub(super) fn line(custom_id: &str, call: HttpCall) -> Value {
    json!({"custom_id": custom_id, "body": call.body})
}

async fn send(
    http: &HttpClient,
    target: &Target,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, ProviderError> {
    let bytes = http
        .exchange_bytes(
            method,
            &format!("{}{path}", target.base_url),
            &target.credentials(),
            AuthStyle::Bearer,
            &target.provider.headers,
            body.map(|b| ("application/json", b.to_string().into_bytes())),
            Dialect::OpenAi.wire(),
            8 << 20,
        )
        .await?;
    parse(&bytes)
}

/// An id Together handed out, checked so it stays one segment of a path.
fn checked(id: &str) -> Result<&str, ProviderError> {
    if super::id_ok(id) {
        Ok(id)
    } else {
        Err(ProviderError::decode(format!("`{id}` is not an id")))
    }
}

pub(super) async fn submit(
    http: &HttpClient,
    target: &Target,
    lines: &mut dyn Iterator<Item = String>,
) -> Result<String, ProviderError> {
    let (jsonl, _) = super::body(b"", lines, b'\n', b"\n");
    let form = "purpose=batch-api&file_name=llmx-batch.jsonl&file_type=jsonl";
    let headers = http
        .redirect_of(
            Method::POST,
            &format!("{}/files", target.base_url),
            &target.credentials(),
            AuthStyle::Bearer,
            &target.provider.headers,
            Some((
                "application/x-www-form-urlencoded",
                form.as_bytes().to_vec(),
            )),
            Dialect::OpenAi.wire(),
        )
        .await?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let signed = header("location")
        .ok_or_else(|| ProviderError::decode("the file upload gave no URL to put the file at"))?;
    let file = checked(
        header("x-together-file-id")
            .ok_or_else(|| ProviderError::decode("the file upload gave no file id"))?,
    )?
    .to_string();
    http.put_signed(signed, jsonl).await?;
    send(
        http,
        target,
        Method::POST,
        &format!("/files/{file}/preprocess"),
        None,
    )
    .await?;
    let created = send(
        http,
        target,
        Method::POST,
        "/batches",
        Some(
            json!({"input_file_id": file, "endpoint": "/v1/chat/completions",
            "completion_window": "24h"}),
        ),
    )
    .await?;
    // `create` answers `{"job": {...}}` (and perhaps a `warning`); `retrieve` the job itself.
    let job = if created["job"].is_object() {
        &created["job"]
    } else {
        &created
    };
    checked(job["id"].as_str().unwrap_or("")).map(str::to_string)
}

pub(super) fn status_of(b: &Value) -> Status {
    let raw = b["status"].as_str().unwrap_or("").to_string();
    let state = match raw.to_ascii_uppercase().as_str() {
        "COMPLETED" | "EXPIRED" | "CANCELLED" => State::Ended,
        "CANCELING" | "CANCELLING" => State::Cancelling,
        "FAILED" => State::Failed(vec![(
            "failed".into(),
            b["error"]
                .as_str()
                .filter(|e| !e.is_empty())
                .unwrap_or("the batch failed")
                .to_string(),
        )]),
        _ => State::Running,
    };
    // Together's job has a `progress` percentage, not OpenAI's counts; where counts come,
    // they are read.
    let n = |k: &str| b["request_counts"][k].as_u64().unwrap_or(0);
    Status {
        counted: b["request_counts"].is_object(),
        state,
        raw,
        total: n("total"),
        succeeded: n("completed"),
        failed: n("failed"),
        results: ["output_file_id", "error_file_id"]
            .iter()
            .filter_map(|k| b[*k].as_str().filter(|s| !s.is_empty()))
            .map(str::to_string)
            .collect(),
    }
}

pub(super) async fn status(
    http: &HttpClient,
    target: &Target,
    id: &str,
) -> Result<Status, ProviderError> {
    let path = format!("/batches/{}", checked(id)?);
    Ok(status_of(
        &send(http, target, Method::GET, &path, None).await?,
    ))
}

pub(super) async fn cancel(
    http: &HttpClient,
    target: &Target,
    id: &str,
) -> Result<Status, ProviderError> {
    let path = format!("/batches/{}/cancel", checked(id)?);
    let b = send(http, target, Method::POST, &path, Some(json!({}))).await?;
    let job = if b["job"].is_object() { &b["job"] } else { &b };
    Ok(status_of(job))
}

/// One line of an output or error file: OpenAI's shape where it is one, else a completion
/// under `response`, or an `error`.
pub(super) fn item(line: &[u8]) -> Option<Item> {
    let v: Value = serde_json::from_slice(line).ok()?;
    if v["response"]["status_code"].is_u64() || v["error"]["code"].is_string() {
        return super::openai::item(line);
    }
    let custom_id = v["custom_id"].as_str()?.to_string();
    let outcome = if v["response"]["choices"].is_array() {
        match crate::provider::openai::parse_response(v["response"].to_string().as_bytes()) {
            Ok(response) => Outcome::Answer {
                response: Box::new(response),
                request_id: v["response"]["id"].as_str().map(str::to_string),
            },
            Err(e) => Outcome::Failed(e),
        }
    } else if !v["error"].is_null() {
        let error = match &v["error"] {
            Value::String(m) => json!({"error": {"message": m}}),
            e => json!({"error": e}),
        };
        Outcome::Failed(crate::provider::error_from_body(&error, None))
    } else {
        return None;
    };
    Some(Item { custom_id, outcome })
}

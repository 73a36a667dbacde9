//! OpenAI's Batch API: files and batches (and the services that serve the same endpoints).

use reqwest::Method;
use serde_json::{json, Value};

use super::{parse, Item, Outcome, State, Status, MAX_LINE_BYTES};
use crate::provider::http::HttpClient;
use crate::provider::run::Target;
use crate::provider::{AuthStyle, Dialect, ErrorKind, HttpCall, ProviderError};

/// `{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}`: the URL is the
/// request's path on the provider.
pub(super) fn line(custom_id: &str, _base_url: &str, call: HttpCall) -> Value {
    let path = reqwest::Url::parse(&call.url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| "/v1/chat/completions".into());
    json!({"custom_id": custom_id, "method": "POST", "url": path, "body": call.body})
}

async fn send(
    http: &HttpClient,
    target: &Target,
    method: Method,
    path: &str,
    body: Option<(&str, Vec<u8>)>,
    cap: usize,
) -> Result<Vec<u8>, ProviderError> {
    http.exchange_bytes(
        method,
        &format!("{}{path}", target.base_url),
        &target.credentials(),
        AuthStyle::Bearer,
        &target.provider.headers,
        body,
        Dialect::OpenAi.wire(),
        cap,
    )
    .await
}

/// A multipart boundary that does not occur in `data`.
fn boundary(data: &[u8]) -> String {
    let mut n: u64 = 0x6c6c_6d78;
    loop {
        let b = format!("llmx-batch-{n:016x}");
        if !data.windows(b.len()).any(|w| w == b.as_bytes()) {
            return b;
        }
        n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    }
}

pub(super) async fn submit(
    http: &HttpClient,
    target: &Target,
    lines: &mut dyn Iterator<Item = String>,
    intent: &str,
) -> Result<String, ProviderError> {
    // The multipart body is written around the lines: a boundary that may not occur in them
    // (JSON text escapes every control character, so no line holds "\r\n--").
    let b = boundary(intent.as_bytes());
    let head = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"llmx-batch.jsonl\"\r\n\
         Content-Type: application/jsonl\r\n\r\n"
    );
    let tail = format!("\n\r\n--{b}--\r\n");
    let (body, first) = super::body(head.as_bytes(), lines, b'\n', tail.as_bytes());
    let endpoint = first
        .and_then(|l| serde_json::from_str::<Value>(&l).ok())
        .and_then(|l| l["url"].as_str().map(str::to_string))
        .unwrap_or_else(|| "/v1/chat/completions".into());
    let content_type = format!("multipart/form-data; boundary={b}");
    let file = parse(
        &send(
            http,
            target,
            Method::POST,
            "/files",
            Some((&content_type, body)),
            1 << 20,
        )
        .await?,
    )?;
    let Some(file_id) = file["id"].as_str() else {
        return Err(ProviderError::decode("the uploaded file has no id"));
    };
    let create = json!({"input_file_id": file_id, "endpoint": endpoint,
        "completion_window": "24h", "metadata": {"llmx_intent": intent}});
    let batch = parse(
        &send(
            http,
            target,
            Method::POST,
            "/batches",
            Some(("application/json", create.to_string().into_bytes())),
            1 << 20,
        )
        .await?,
    )?;
    batch["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| ProviderError::decode("the batch has no id"))
}

pub(super) fn status_of(b: &Value) -> Status {
    let raw = b["status"].as_str().unwrap_or("").to_string();
    let state = match raw.as_str() {
        "completed" | "expired" | "cancelled" => State::Ended,
        "cancelling" => State::Cancelling,
        "failed" => State::Failed(
            b["errors"]["data"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    (
                        e["code"].as_str().unwrap_or("").to_string(),
                        e["message"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect(),
        ),
        _ => State::Running,
    };
    let n = |k: &str| b["request_counts"][k].as_u64().unwrap_or(0);
    let results = ["output_file_id", "error_file_id"]
        .iter()
        .filter_map(|k| b[*k].as_str().map(str::to_string))
        .collect();
    Status {
        counted: b["request_counts"].is_object(),
        state,
        raw,
        total: n("total"),
        succeeded: n("completed"),
        failed: n("failed"),
        results,
    }
}

pub(super) async fn status(
    http: &HttpClient,
    target: &Target,
    id: &str,
) -> Result<Status, ProviderError> {
    let b = parse(
        &send(
            http,
            target,
            Method::GET,
            &format!("/batches/{id}"),
            None,
            1 << 20,
        )
        .await?,
    )?;
    Ok(status_of(&b))
}

pub(super) async fn cancel(
    http: &HttpClient,
    target: &Target,
    id: &str,
) -> Result<Status, ProviderError> {
    let body = Some(("application/json", b"{}".to_vec()));
    let b = parse(
        &send(
            http,
            target,
            Method::POST,
            &format!("/batches/{id}/cancel"),
            body,
            1 << 20,
        )
        .await?,
    )?;
    Ok(status_of(&b))
}

/// Each line of file `id` (an output or error file), as it arrives.
pub(super) async fn file_lines(
    http: &HttpClient,
    target: &Target,
    id: &str,
    on: &mut dyn FnMut(&[u8]) -> Result<(), ProviderError>,
) -> Result<(), ProviderError> {
    http.each_line(
        &format!("{}/files/{id}/content", target.base_url),
        &target.credentials(),
        AuthStyle::Bearer,
        &target.provider.headers,
        Dialect::OpenAi.wire(),
        MAX_LINE_BYTES,
        on,
    )
    .await
}

pub(super) async fn find(
    http: &HttpClient,
    target: &Target,
    intent: &str,
) -> Result<Option<String>, ProviderError> {
    let list = parse(
        &send(
            http,
            target,
            Method::GET,
            "/batches?limit=100",
            None,
            8 << 20,
        )
        .await?,
    )?;
    Ok(list["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|b| b["metadata"]["llmx_intent"] == intent)
        .and_then(|b| b["id"].as_str().map(str::to_string)))
}

/// One line of an output or error file. A request's HTTP failure is under `response.body`
/// with its `status_code` (what OpenAI's servers write, though its guide shows `error`); a
/// request that never ran has `error` (`batch_expired`, `batch_cancelled`).
pub(super) fn item(line: &[u8]) -> Option<Item> {
    let v: Value = serde_json::from_slice(line).ok()?;
    let custom_id = v["custom_id"].as_str()?.to_string();
    let outcome = if let Some(code) = v["error"]["code"].as_str() {
        match code {
            "batch_expired" => Outcome::Expired,
            "batch_cancelled" => Outcome::Cancelled,
            _ => Outcome::Failed(ProviderError::new(
                ErrorKind::Server,
                format!("{} ({code})", v["error"]["message"].as_str().unwrap_or("")),
            )),
        }
    } else {
        let r = &v["response"];
        let status = r["status_code"].as_u64()? as u16;
        let body = r["body"].to_string();
        if status == 200 {
            match crate::provider::openai::parse_response(body.as_bytes()) {
                Ok(response) => Outcome::Answer {
                    response: Box::new(response),
                    request_id: r["request_id"].as_str().map(str::to_string),
                },
                Err(e) => Outcome::Failed(e),
            }
        } else {
            let mut e = crate::provider::openai::parse_error(status, body.as_bytes());
            e.status = Some(status);
            Outcome::Failed(e)
        }
    };
    Some(Item { custom_id, outcome })
}

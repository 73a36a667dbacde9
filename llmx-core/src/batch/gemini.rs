//! Gemini's Batch API (`models/{model}:batchGenerateContent`): inline requests while the body
//! stays under the 20 MB Google allows them, else a JSONL file uploaded through the File API
//! (resumable upload, up to 2 GB) whose responses come back as a file.

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

/// A resource name `PREFIX/ID` (`batches/…`, `files/…`), checked so it stays a path under
/// the API's `PREFIX/`.
fn named<'a>(name: &'a str, prefix: &str, what: &str) -> Result<&'a str, ProviderError> {
    match name.strip_prefix(prefix) {
        Some(id) if super::id_ok(id) => Ok(name),
        _ => Err(ProviderError::decode(format!("`{name}` is not {what}"))),
    }
}

/// A batch's id is its resource name, `batches/…`.
fn checked(name: &str) -> Result<&str, ProviderError> {
    named(name, "batches/", "a batch name")
}

/// Inline requests are for a body "under 20 MB" (Gemini's batch guide); past it, a file.
pub const INLINE_BYTES: usize = 20_000_000;

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
    let tail = b"]}}}}";
    let lines: Vec<String> = lines.collect();
    let inline = head.len() + tail.len() + lines.iter().map(|l| l.len() + 1).sum::<usize>();
    let body = if inline < INLINE_BYTES {
        super::body(head.as_bytes(), &mut lines.into_iter(), b',', tail).0
    } else {
        let file = upload(http, target, &lines, intent).await?;
        json!({"batch": {"displayName": intent, "inputConfig": {"fileName": file}}})
            .to_string()
            .into_bytes()
    };
    let path = format!("models/{}:batchGenerateContent", target.model);
    let op = send(http, target, Method::POST, &path, Some(body)).await?;
    let name = op["name"].as_str().unwrap_or("");
    checked(name).map(str::to_string)
}

/// A file's resource name, `files/…`.
fn checked_file(name: &str) -> Result<&str, ProviderError> {
    named(name, "files/", "a file name")
}

/// Upload the lines as the JSONL input file of a batch — each `{"key", "request"}` — through
/// the File API's resumable protocol (what the official SDK does): a `start` request that
/// answers with the session's URL, then the bytes with `upload, finalize`. The file's name.
async fn upload(
    http: &HttpClient,
    target: &Target,
    lines: &[String],
    intent: &str,
) -> Result<String, ProviderError> {
    let mut jsonl = Vec::new();
    for l in lines {
        file_line(l, &mut jsonl)?;
    }
    let creds = target.credentials();
    let auth = AuthStyle::Header("x-goog-api-key");
    let with = |more: &[(&str, String)]| {
        let mut h = target.provider.headers.clone();
        h.extend(more.iter().map(|(k, v)| (k.to_string(), v.clone())));
        h
    };
    let start = with(&[
        ("X-Goog-Upload-Protocol", "resumable".into()),
        ("X-Goog-Upload-Command", "start".into()),
        (
            "X-Goog-Upload-Header-Content-Length",
            jsonl.len().to_string(),
        ),
        (
            "X-Goog-Upload-Header-Content-Type",
            "application/jsonl".into(),
        ),
    ]);
    let meta = json!({"file": {"displayName": intent}})
        .to_string()
        .into_bytes();
    let (headers, _) = http
        .exchange_with_headers(
            Method::POST,
            &format!("{}/upload/v1beta/files", target.base_url),
            &creds,
            auth,
            &start,
            Some(("application/json", meta)),
            Dialect::Gemini.wire(),
            super::MAX_RESULTS_BYTES,
        )
        .await?;
    let session = headers
        .get("x-goog-upload-url")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ProviderError::decode("the File API answered with no upload URL"))?;
    let url = on_origin(&target.base_url, session)?;
    let finish = with(&[
        ("X-Goog-Upload-Command", "upload, finalize".into()),
        ("X-Goog-Upload-Offset", "0".into()),
    ]);
    // The SDK sends the chunk with the start request's `Content-Type: application/json`.
    let (headers, body) = http
        .exchange_with_headers(
            Method::POST,
            &url,
            &creds,
            auth,
            &finish,
            Some(("application/json", jsonl)),
            Dialect::Gemini.wire(),
            super::MAX_RESULTS_BYTES,
        )
        .await?;
    let status = headers
        .get("x-goog-upload-status")
        .and_then(|v| v.to_str().ok());
    if status != Some("final") {
        return Err(ProviderError::decode(format!(
            "the File API did not finish the upload (status {})",
            status.unwrap_or("none")
        )));
    }
    let v = super::parse(&body)?;
    checked_file(v["file"]["name"].as_str().unwrap_or("")).map(str::to_string)
}

/// An inline request (`{"request", "metadata": {"key"}}`) as a line of an input file
/// (`{"key", "request"}`), newline included.
pub(super) fn file_line(inline: &str, out: &mut Vec<u8>) -> Result<(), ProviderError> {
    let v: Value = super::parse(inline.as_bytes())?;
    let line = json!({"key": v["metadata"]["key"], "request": v["request"]});
    serde_json::to_writer(&mut *out, &line).map_err(|e| ProviderError::decode(e.to_string()))?;
    out.push(b'\n');
    Ok(())
}

/// The upload session's URL on the provider's own origin (the SDK does the same with a base
/// URL of its own): the bytes, and the key, go nowhere else.
fn on_origin(base: &str, session: &str) -> Result<String, ProviderError> {
    let bad = || ProviderError::decode("the File API's upload URL is not a URL");
    let mut url = reqwest::Url::parse(base).map_err(|_| bad())?;
    let given = reqwest::Url::parse(session).map_err(|_| bad())?;
    url.set_path(given.path());
    url.set_query(given.query());
    Ok(url.to_string())
}

pub(super) fn status_of(op: &Value) -> Status {
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
        counted: true,
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

/// The responses of an ended batch, each with its request's key: the one it carries, else the
/// key of the request at its position (responses come in the order of the requests, and real
/// servers leave the inline ones' `metadata` out). Inline in the batch, or a JSONL file read
/// line by line.
pub(super) async fn results(
    http: &HttpClient,
    target: &Target,
    name: &str,
    submitted: &[String],
    on: &mut dyn FnMut(Item),
) -> Result<(), ProviderError> {
    let op = send(http, target, Method::GET, checked(name)?, None).await?;
    let file = op["response"]["responsesFile"]
        .as_str()
        .or(op["metadata"]["output"]["responsesFile"].as_str());
    if let Some(file) = file {
        let mut i = 0;
        return http
            .each_line(
                &format!(
                    "{}/download/v1beta/{}:download?alt=media",
                    target.base_url,
                    checked_file(file)?
                ),
                &target.credentials(),
                AuthStyle::Header("x-goog-api-key"),
                &target.provider.headers,
                Dialect::Gemini.wire(),
                super::MAX_LINE_BYTES,
                &mut |line| {
                    if line.iter().all(u8::is_ascii_whitespace) {
                        return Ok(());
                    }
                    let r = super::parse(line)?;
                    let key = r["key"].as_str().map(str::to_string);
                    on(item(&r, key, submitted, i)?);
                    i += 1;
                    Ok(())
                },
            )
            .await;
    }
    let list = op["metadata"]["output"]["inlinedResponses"]["inlinedResponses"]
        .as_array()
        .or(op["response"]["inlinedResponses"]["inlinedResponses"].as_array());
    for (i, r) in list.into_iter().flatten().enumerate() {
        let key = r["metadata"]["key"].as_str().map(str::to_string);
        on(item(r, key, submitted, i)?);
    }
    Ok(())
}

/// One response (`{"response"}` or `{"error"}`) as the item of its key, or of the `i`th
/// request when it names none.
pub(super) fn item(
    r: &Value,
    key: Option<String>,
    submitted: &[String],
    i: usize,
) -> Result<Item, ProviderError> {
    let Some(custom_id) = key.or_else(|| submitted.get(i).cloned()) else {
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
    Ok(Item { custom_id, outcome })
}

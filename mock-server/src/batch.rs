//! The providers' Batch APIs in the mock, close enough to test a batch client against:
//! OpenAI's files (`POST /v1/files` multipart, `GET /v1/files/{id}` and `/content`) and batches
//! (`POST /v1/batches`, `GET /v1/batches[/{id}]`, `POST /v1/batches/{id}/cancel`), and
//! Anthropic's message batches (`POST /v1/messages/batches`, `GET …/{id}`, `GET …/{id}/results`,
//! `POST …/{id}/cancel`, `GET /v1/messages/batches`).
//!
//! A batch moves through its states over [`BatchConfig::finish_ms`]; each request is answered by
//! its model's script exactly as the live endpoint would answer it unstreamed; a share of the
//! requests can fail or expire; results come in shuffled order; the count and size limits are
//! enforced with the providers' error shapes; cancelling stops what has not run. Shapes follow
//! the official SDKs' types (openai-python `types/batch.py`, anthropic-python
//! `types/messages/message_batch*.py`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{json, Value};

use super::render::Dialect;
use super::{full, Body, MockConfig, Recorded};
use hyper::Response;

/// How the mock's batches behave.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatchConfig {
    /// From creation to the end of a batch, in milliseconds.
    pub finish_ms: u64,
    /// Every Nth request of a batch (the Nth, 2Nth, ...) fails with a 400 of its own.
    pub error_every: Option<usize>,
    /// Every Nth request of a batch expires before it runs.
    pub expire_every: Option<usize>,
    /// The most requests one batch may hold (a batch past it is refused as the provider does).
    pub max_requests: Option<usize>,
    /// The most bytes of input one batch may hold.
    pub max_bytes: Option<usize>,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            finish_ms: 300,
            error_every: None,
            expire_every: None,
            max_requests: None,
            max_bytes: None,
        }
    }
}

/// Everything the batch endpoints keep.
#[derive(Default)]
pub(crate) struct Store {
    next: u64,
    files: HashMap<String, File>,
    openai: Vec<OpenAiBatch>,
    anthropic: Vec<AnthropicBatch>,
    gemini: Vec<GeminiBatch>,
    /// Gemini's File API: resumable uploads under way (id → display name), and files (name →
    /// bytes).
    gemini_uploads: HashMap<String, (String, Vec<u8>)>,
    gemini_files: HashMap<String, Vec<u8>>,
}

struct GeminiBatch {
    /// `batches/…`.
    name: String,
    model: String,
    display_name: String,
    requests: Vec<Value>,
    /// Read from an uploaded file (`inputConfig.fileName`): the responses go to a file too.
    from_file: bool,
    created: Instant,
    created_at: u64,
    cancelled: bool,
}

struct File {
    bytes: Vec<u8>,
    filename: String,
    purpose: String,
    created_at: u64,
}

struct OpenAiBatch {
    id: String,
    input_file_id: String,
    endpoint: String,
    completion_window: String,
    metadata: Value,
    created: Instant,
    created_at: u64,
    /// The requests (`custom_id`, body) of a valid input file.
    requests: Vec<(String, Value)>,
    /// Validation errors (`errors.data`): the batch fails.
    invalid: Vec<Value>,
    cancelled: Option<Instant>,
    output_file_id: Option<String>,
    error_file_id: Option<String>,
    /// The counts once it ended: (completed, failed), and whether requests expired.
    ended: Option<(usize, usize, bool)>,
    /// Tokens of the answered requests: input, cached input, output, reasoning.
    tokens: [u64; 4],
    /// Created through Together's endpoints: shown as Together's job, its failed lines an
    /// `error` object.
    together: bool,
}

struct AnthropicBatch {
    id: String,
    requests: Vec<(String, Value)>,
    created: Instant,
    created_at: u64,
    cancelled: Option<(Instant, u64)>,
    /// The results file and the counts, once it ended.
    results: Option<(Vec<u8>, Value)>,
}

impl Store {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:06}mock", self.next)
    }
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// RFC 3339 in UTC (`2026-12-06T18:01:54Z`), as Anthropic writes its times.
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn json_response(status: u16, v: &Value) -> Response<Body> {
    full(status, "application/json", v.to_string())
}

fn openai_error(status: u16, message: &str, code: &str) -> Response<Body> {
    json_response(
        status,
        &json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}}),
    )
}

fn anthropic_error(status: u16, kind: &str, message: &str) -> Response<Body> {
    json_response(
        status,
        &json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_mock"}),
    )
}

/// The answer to a batch route, or `None` for any other path.
pub(crate) fn route(
    store: &Mutex<Store>,
    config: &MockConfig,
    rec: &Recorded,
    path: &str,
) -> Option<Response<Body>> {
    let post = rec.method == "POST";
    let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let r = match segs.as_slice() {
        ["v1", "files"] if post => upload(&mut s, rec),
        ["v1", "files", id] => match s.files.get(*id) {
            Some(f) => json_response(200, &file_object(id, f)),
            None => openai_error(404, &format!("No such File object: {id}"), "not_found"),
        },
        ["v1", "files", id, "content"] => match s.files.get(*id) {
            Some(f) => full(200, "application/octet-stream", f.bytes.clone()),
            None => openai_error(404, &format!("No such File object: {id}"), "not_found"),
        },
        ["v1", "batches"] if post => openai_create(&mut s, config, rec),
        ["v1", "batches"] => {
            let data: Vec<Value> = (0..s.openai.len())
                .rev()
                .map(|i| openai_object(&mut s, config, i))
                .collect();
            json_response(200, &list(data))
        }
        ["v1", "batches", id, "cancel"] if post => {
            match s.openai.iter().position(|b| b.id == *id) {
                Some(i) => {
                    let b = &mut s.openai[i];
                    if b.ended.is_none() && b.cancelled.is_none() {
                        b.cancelled = Some(Instant::now());
                    }
                    json_response(200, &openai_object(&mut s, config, i))
                }
                None => openai_error(404, &format!("No batch found with id '{id}'."), "not_found"),
            }
        }
        ["v1", "batches", id] => match s.openai.iter().position(|b| b.id == *id) {
            Some(i) => json_response(200, &openai_object(&mut s, config, i)),
            None => openai_error(404, &format!("No batch found with id '{id}'."), "not_found"),
        },
        ["together", "v1", "files"] if post => together_upload(&mut s, rec),
        ["together", "upload", id] if rec.method == "PUT" => {
            let id = id.to_string();
            match s.files.get_mut(&id) {
                Some(f) => {
                    f.bytes = rec.body.clone();
                    full(200, "text/plain", "")
                }
                None => full(404, "text/plain", "no such upload"),
            }
        }
        ["together", "v1", "files", id, "preprocess"] if post => match s.files.get(*id) {
            Some(f) => json_response(200, &file_object(id, f)),
            None => openai_error(404, &format!("No such File object: {id}"), "not_found"),
        },
        ["together", "v1", "files", id, "content"] => match s.files.get(*id) {
            Some(f) => full(200, "application/octet-stream", f.bytes.clone()),
            None => openai_error(404, &format!("No such File object: {id}"), "not_found"),
        },
        ["together", "v1", "batches"] if post => together_create(&mut s, config, rec),
        ["together", "v1", "batches", id, rest @ ..] => {
            let Some(i) = s.openai.iter().position(|b| b.id == *id && b.together) else {
                return Some(openai_error(
                    404,
                    &format!("Batch {id} not found."),
                    "not_found",
                ));
            };
            match rest {
                ["cancel"] if post => {
                    let b = &mut s.openai[i];
                    if b.ended.is_none() && b.cancelled.is_none() {
                        b.cancelled = Some(Instant::now());
                    }
                    json_response(200, &together_job(&mut s, config, i))
                }
                [] => json_response(200, &together_job(&mut s, config, i)),
                _ => return None,
            }
        }
        ["upload", "v1beta", "files"] if post => gemini_upload(&mut s, rec),
        ["download", "v1beta", "files", call] | ["v1beta", "files", call]
            if call.ends_with(":download") =>
        {
            let name = format!("files/{}", call.trim_end_matches(":download"));
            gemini_download(&s, config, &name)
        }
        ["v1beta", "models", call] if post && call.ends_with(":batchGenerateContent") => {
            let model = call.trim_end_matches(":batchGenerateContent").to_string();
            gemini_create(&mut s, config, rec, model)
        }
        ["v1beta", "batches"] => {
            let ops: Vec<Value> = (0..s.gemini.len())
                .rev()
                .map(|i| gemini_operation(&s, config, i))
                .collect();
            json_response(200, &json!({"operations": ops}))
        }
        ["v1beta", "batches", id] => {
            let (id, cancel) = match id.strip_suffix(":cancel") {
                Some(id) => (id, true),
                None => (*id, false),
            };
            let name = format!("batches/{id}");
            match s.gemini.iter().position(|b| b.name == name) {
                Some(i) if cancel && post => {
                    s.gemini[i].cancelled = true;
                    json_response(200, &json!({}))
                }
                Some(i) => json_response(200, &gemini_operation(&s, config, i)),
                None => json_response(
                    404,
                    &json!({"error": {"code": 404, "message": format!("Batch {name} not found."),
                        "status": "NOT_FOUND"}}),
                ),
            }
        }
        ["v1", "messages", "batches"] if post => anthropic_create(&mut s, config, rec),
        ["v1", "messages", "batches"] => {
            let base = base_url(rec);
            let data: Vec<Value> = (0..s.anthropic.len())
                .rev()
                .map(|i| anthropic_object(&mut s, config, i, &base))
                .collect();
            json_response(200, &list(data))
        }
        ["v1", "messages", "batches", id, rest @ ..] => {
            let Some(i) = s.anthropic.iter().position(|b| b.id == *id) else {
                return Some(anthropic_error(
                    404,
                    "not_found_error",
                    &format!("No batch found with id '{id}'."),
                ));
            };
            let base = base_url(rec);
            match rest {
                ["cancel"] if post => {
                    let b = &mut s.anthropic[i];
                    if b.results.is_none() && b.cancelled.is_none() {
                        b.cancelled = Some((Instant::now(), now_s()));
                    }
                    json_response(200, &anthropic_object(&mut s, config, i, &base))
                }
                ["results"] => {
                    anthropic_object(&mut s, config, i, &base);
                    match &s.anthropic[i].results {
                        Some((bytes, _)) => full(200, "application/binary", bytes.clone()),
                        None => anthropic_error(
                            400,
                            "invalid_request_error",
                            &format!("Batch '{id}' has not finished processing."),
                        ),
                    }
                }
                [] => json_response(200, &anthropic_object(&mut s, config, i, &base)),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(r)
}

/// `http://HOST` of the request, for the URLs the mock hands out.
fn base_url(rec: &Recorded) -> String {
    format!("http://{}", rec.header("host").unwrap_or("127.0.0.1"))
}

fn list(data: Vec<Value>) -> Value {
    let first = data.first().map(|b| b["id"].clone()).unwrap_or(Value::Null);
    let last = data.last().map(|b| b["id"].clone()).unwrap_or(Value::Null);
    json!({"object": "list", "data": data, "first_id": first, "last_id": last, "has_more": false})
}

fn file_object(id: &str, f: &File) -> Value {
    json!({"id": id, "object": "file", "bytes": f.bytes.len(), "created_at": f.created_at,
        "filename": f.filename, "purpose": f.purpose, "status": "processed"})
}

/// `POST /v1/files`: a `multipart/form-data` body with `purpose` and `file`.
fn upload(s: &mut Store, rec: &Recorded) -> Response<Body> {
    let Some(boundary) = rec
        .header("content-type")
        .and_then(|c| c.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_string())
    else {
        return openai_error(
            400,
            "The request must be multipart/form-data.",
            "invalid_request",
        );
    };
    let mut purpose = None;
    let mut file = None;
    for part in multipart(&rec.body, &boundary) {
        match part.name.as_str() {
            "purpose" => purpose = Some(String::from_utf8_lossy(&part.body).into_owned()),
            "file" => file = Some((part.filename.unwrap_or_default(), part.body)),
            _ => {}
        }
    }
    let (Some(purpose), Some((filename, bytes))) = (purpose, file) else {
        return openai_error(
            400,
            "Both `purpose` and `file` are required.",
            "invalid_request",
        );
    };
    let id = s.id("file-");
    let f = File {
        bytes,
        filename,
        purpose,
        created_at: now_s(),
    };
    let v = file_object(&id, &f);
    s.files.insert(id, f);
    json_response(200, &v)
}

struct Part {
    name: String,
    filename: Option<String>,
    body: Vec<u8>,
}

/// The parts of a multipart body (bytes kept as they are).
fn multipart(body: &[u8], boundary: &str) -> Vec<Part> {
    let delim = format!("--{boundary}").into_bytes();
    let mut out = Vec::new();
    let mut pieces = split(body, &delim).into_iter().skip(1);
    for piece in pieces.by_ref() {
        if piece.starts_with(b"--") {
            break;
        }
        let piece = piece.strip_prefix(b"\r\n").unwrap_or(piece);
        let Some(head_end) = find(piece, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&piece[..head_end]).into_owned();
        let mut data = &piece[head_end + 4..];
        data = data.strip_suffix(b"\r\n").unwrap_or(data);
        let attr = |key: &str| {
            head.split(';')
                .map(str::trim)
                .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
                .map(|v| v.lines().next().unwrap_or("").trim_matches('"').to_string())
        };
        if let Some(name) = attr("name") {
            out.push(Part {
                name,
                filename: attr("filename"),
                body: data.to_vec(),
            });
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut hay: &'a [u8], delim: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(i) = find(hay, delim) {
        out.push(&hay[..i]);
        hay = &hay[i + delim.len()..];
    }
    out.push(hay);
    out
}

/// `POST /v1/batches`: a batch of the uploaded JSONL file's requests. What is wrong with the
/// file (a line that is not a request, more requests or bytes than allowed) fails the batch
/// at validation, with OpenAI's `errors.data` codes.
fn openai_create(s: &mut Store, config: &MockConfig, rec: &Recorded) -> Response<Body> {
    let v = rec.json();
    let Some(file_id) = v["input_file_id"].as_str() else {
        return openai_error(
            400,
            "Missing required parameter: 'input_file_id'.",
            "missing_required_parameter",
        );
    };
    let Some(file) = s.files.get(file_id) else {
        return openai_error(404, &format!("No such File object: {file_id}"), "not_found");
    };
    let endpoint = v["endpoint"].as_str().unwrap_or("").to_string();
    let mut invalid = Vec::new();
    let mut requests = Vec::new();
    for (n, line) in String::from_utf8_lossy(&file.bytes).lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(r)
                if r["custom_id"].is_string() && r["url"] == endpoint && r["body"].is_object() =>
            {
                requests.push((
                    r["custom_id"].as_str().unwrap_or("").to_string(),
                    r["body"].clone(),
                ));
            }
            _ => invalid.push(
                json!({"code": "invalid_request", "line": n + 1, "param": null,
                "message": format!("Line {} is not a request to {endpoint}.", n + 1)}),
            ),
        }
    }
    let b = &config.batch;
    if b.max_requests.is_some_and(|m| requests.len() > m) {
        invalid.push(json!({"code": "too_many_tasks", "line": null, "param": null,
            "message": format!("The batch has {} requests; the limit is {}.", requests.len(), b.max_requests.unwrap_or(0))}));
    }
    if b.max_bytes.is_some_and(|m| file.bytes.len() > m) {
        invalid.push(json!({"code": "file_too_large", "line": null, "param": null,
            "message": format!("The input file is {} bytes; the limit is {}.", file.bytes.len(), b.max_bytes.unwrap_or(0))}));
    }
    let id = s.id("batch_");
    s.openai.push(OpenAiBatch {
        id,
        input_file_id: file_id.to_string(),
        endpoint,
        completion_window: v["completion_window"].as_str().unwrap_or("24h").to_string(),
        metadata: v["metadata"].clone(),
        created: Instant::now(),
        created_at: now_s(),
        requests,
        invalid,
        cancelled: None,
        output_file_id: None,
        error_file_id: None,
        ended: None,
        tokens: [0; 4],
        together: false,
    });
    let i = s.openai.len() - 1;
    json_response(200, &openai_object(s, config, i))
}

/// What became of request `n` (1-based) of a batch.
#[derive(Clone, Copy, PartialEq)]
enum Fate {
    Answered,
    Failed,
    Expired,
}

fn fate(config: &MockConfig, n: usize) -> Fate {
    let every = |e: Option<usize>| e.is_some_and(|e| e > 0 && n.is_multiple_of(e));
    if every(config.batch.expire_every) {
        Fate::Expired
    } else if every(config.batch.error_every) {
        Fate::Failed
    } else {
        Fate::Answered
    }
}

/// The order results are written in: every index once, not in the order sent.
fn shuffled(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|i| (*i as u64).wrapping_mul(2_654_435_761) % 4_294_967_291);
    order
}

/// A request's whole answer, as the live endpoint would give it unstreamed; `Err` is the
/// request's own 400 (an image the provider would refuse, or a scripted failure).
fn answer(config: &MockConfig, dialect: Dialect, body: &Value) -> Result<Value, String> {
    let model = body["model"].as_str().unwrap_or("");
    let script = config.models.get(model).unwrap_or(&config.default);
    let plan = super::plan(script, body, model, dialect, false)?;
    serde_json::from_str(&plan.whole_body()).map_err(|e| e.to_string())
}

/// An OpenAI batch as `GET /v1/batches/{id}` shows it now; at its end its output and error
/// files are written.
fn openai_object(s: &mut Store, config: &MockConfig, i: usize) -> Value {
    let finish = Duration::from_millis(config.batch.finish_ms);
    let b = &s.openai[i];
    let age = b.created.elapsed();
    let total = b.requests.len();
    let status = if !b.invalid.is_empty() {
        if age < finish / 4 {
            "validating"
        } else {
            "failed"
        }
    } else if let Some(at) = b.cancelled {
        if at.elapsed() < finish / 4 {
            "cancelling"
        } else {
            "cancelled"
        }
    } else if age < finish / 4 {
        "validating"
    } else if age < finish {
        "in_progress"
    } else {
        "done"
    };
    if status == "done" && b.ended.is_none() {
        openai_finish(s, config, i);
    }
    let b = &s.openai[i];
    let (completed, failed, expired) = b.ended.unwrap_or((0, 0, false));
    let status = match status {
        "done" if expired => "expired",
        "done" => "completed",
        other => other,
    };
    let errors = if b.invalid.is_empty() {
        Value::Null
    } else {
        json!({"object": "list", "data": b.invalid})
    };
    let cancelled_total = if status == "cancelled" { 0 } else { total };
    json!({
        "id": b.id, "object": "batch", "endpoint": b.endpoint, "errors": errors,
        "input_file_id": b.input_file_id, "completion_window": b.completion_window,
        "status": status, "output_file_id": b.output_file_id, "error_file_id": b.error_file_id,
        "created_at": b.created_at, "in_progress_at": null,
        "expires_at": b.created_at + 86_400, "finalizing_at": null,
        "completed_at": if status == "completed" { json!(now_s()) } else { Value::Null },
        "failed_at": if status == "failed" { json!(now_s()) } else { Value::Null },
        "expired_at": if status == "expired" { json!(now_s()) } else { Value::Null },
        "cancelling_at": null, "cancelled_at": null,
        "request_counts": {"total": cancelled_total, "completed": completed, "failed": failed},
        "model": b.requests.first().map_or(Value::Null, |(_, body)| body["model"].clone()),
        "usage": {"input_tokens": b.tokens[0],
            "input_tokens_details": {"cached_tokens": b.tokens[1]},
            "output_tokens": b.tokens[2],
            "output_tokens_details": {"reasoning_tokens": b.tokens[3]},
            "total_tokens": b.tokens[0] + b.tokens[2]},
        "metadata": b.metadata,
    })
}

/// Answer every request of a finished OpenAI batch into its output and error files.
fn openai_finish(s: &mut Store, config: &MockConfig, i: usize) {
    let (mut out, mut err) = (String::new(), String::new());
    let (mut completed, mut failed, mut expired) = (0, 0, false);
    let mut tokens = [0u64; 4];
    let b = &s.openai[i];
    for k in shuffled(b.requests.len()) {
        let (custom_id, body) = &b.requests[k];
        let id = format!("batch_req_{:06}", k + 1);
        let line = match (fate(config, k + 1), answer(config, Dialect::OpenAi, body)) {
            (Fate::Expired, _) => {
                expired = true;
                failed += 1;
                json!({"id": id, "custom_id": custom_id, "response": null, "error": {
                    "code": "batch_expired",
                    "message": "This request could not be executed before the completion window expired."}})
            }
            (Fate::Failed, _) | (_, Err(_)) if b.together => {
                failed += 1;
                json!({"custom_id": custom_id, "error": {
                    "message": "Invalid request (scripted by the mock).",
                    "type": "invalid_request_error"}})
            }
            (Fate::Failed, _) | (_, Err(_)) => {
                failed += 1;
                // OpenAI puts a request's HTTP failure under `response.body`, not `error`.
                json!({"id": id, "custom_id": custom_id, "response": {"status_code": 400,
                    "request_id": format!("req_{k}"), "body": {"error": {
                        "message": "Invalid request (scripted by the mock).",
                        "type": "invalid_request_error", "param": null, "code": null}}},
                    "error": null})
            }
            (Fate::Answered, Ok(v)) => {
                completed += 1;
                let u = &v["usage"];
                let n = |x: &Value| x.as_u64().unwrap_or(0);
                for (t, add) in tokens.iter_mut().zip([
                    n(&u["prompt_tokens"]),
                    n(&u["prompt_tokens_details"]["cached_tokens"]),
                    n(&u["completion_tokens"]),
                    n(&u["completion_tokens_details"]["reasoning_tokens"]),
                ]) {
                    *t += add;
                }
                json!({"id": id, "custom_id": custom_id, "response": {"status_code": 200,
                    "request_id": format!("req_{k}"), "body": v}, "error": null})
            }
        };
        let to = if line["response"]["status_code"] == 200 {
            &mut out
        } else {
            &mut err
        };
        to.push_str(&line.to_string());
        to.push('\n');
    }
    let file = |s: &mut Store, text: String, name: &str| -> Option<String> {
        if text.is_empty() {
            return None;
        }
        let id = s.id("file-");
        s.files.insert(
            id.clone(),
            File {
                bytes: text.into_bytes(),
                filename: name.to_string(),
                purpose: "batch_output".into(),
                created_at: now_s(),
            },
        );
        Some(id)
    };
    let output = file(s, out, "batch_output.jsonl");
    let errors = file(s, err, "batch_errors.jsonl");
    let b = &mut s.openai[i];
    b.output_file_id = output;
    b.error_file_id = errors;
    b.ended = Some((completed, failed, expired));
    b.tokens = tokens;
}

/// `POST /v1/messages/batches`: `requests: [{custom_id, params}]`, refused whole past the
/// count (400) or size (413) limit, as Anthropic refuses them.
fn anthropic_create(s: &mut Store, config: &MockConfig, rec: &Recorded) -> Response<Body> {
    let v = rec.json();
    let Some(list) = v["requests"].as_array() else {
        return anthropic_error(400, "invalid_request_error", "requests: Field required");
    };
    let b = &config.batch;
    if b.max_requests.is_some_and(|m| list.len() > m) {
        return anthropic_error(
            400,
            "invalid_request_error",
            &format!(
                "requests: the batch has {} requests; at most {} are allowed",
                list.len(),
                b.max_requests.unwrap_or(0)
            ),
        );
    }
    if b.max_bytes.is_some_and(|m| rec.body.len() > m) {
        return anthropic_error(
            413,
            "request_too_large",
            "Request exceeds the maximum allowed number of bytes.",
        );
    }
    let mut requests = Vec::with_capacity(list.len());
    for (n, r) in list.iter().enumerate() {
        match (r["custom_id"].as_str(), r["params"].is_object()) {
            (Some(id), true) => requests.push((id.to_string(), r["params"].clone())),
            _ => {
                return anthropic_error(
                    400,
                    "invalid_request_error",
                    &format!("requests.{n}: a request needs `custom_id` and `params`"),
                )
            }
        }
    }
    let id = s.id("msgbatch_");
    s.anthropic.push(AnthropicBatch {
        id,
        requests,
        created: Instant::now(),
        created_at: now_s(),
        cancelled: None,
        results: None,
    });
    let i = s.anthropic.len() - 1;
    let base = base_url(rec);
    json_response(200, &anthropic_object(s, config, i, &base))
}

/// An Anthropic message batch as `GET` shows it now; at its end its results are written.
fn anthropic_object(s: &mut Store, config: &MockConfig, i: usize, base: &str) -> Value {
    let finish = Duration::from_millis(config.batch.finish_ms);
    let b = &s.anthropic[i];
    let cancel_done = b
        .cancelled
        .is_some_and(|(at, _)| at.elapsed() >= finish / 4);
    if b.results.is_none() && (b.created.elapsed() >= finish || cancel_done) {
        anthropic_finish(s, config, i, cancel_done);
    }
    let b = &s.anthropic[i];
    let status = match (&b.results, b.cancelled) {
        (Some(_), _) => "ended",
        (None, Some(_)) => "canceling",
        (None, None) => "in_progress",
    };
    let counts = match &b.results {
        Some((_, c)) => c.clone(),
        None => json!({"processing": b.requests.len(), "succeeded": 0, "errored": 0,
            "canceled": 0, "expired": 0}),
    };
    json!({
        "id": b.id, "type": "message_batch", "processing_status": status,
        "request_counts": counts,
        "ended_at": if status == "ended" { json!(rfc3339(now_s())) } else { Value::Null },
        "created_at": rfc3339(b.created_at),
        "expires_at": rfc3339(b.created_at + 86_400),
        "archived_at": null,
        "cancel_initiated_at": b.cancelled.map(|(_, t)| rfc3339(t)),
        "results_url": if status == "ended" {
            json!(format!("{base}/v1/messages/batches/{}/results", b.id))
        } else {
            Value::Null
        },
    })
}

fn anthropic_finish(s: &mut Store, config: &MockConfig, i: usize, canceled: bool) {
    let b = &s.anthropic[i];
    let mut out = String::new();
    let (mut ok, mut errored, mut cancels, mut expired) = (0, 0, 0, 0);
    for k in shuffled(b.requests.len()) {
        let (custom_id, params) = &b.requests[k];
        let result = if canceled {
            cancels += 1;
            json!({"type": "canceled"})
        } else {
            match (
                fate(config, k + 1),
                answer(config, Dialect::Anthropic, params),
            ) {
                (Fate::Expired, _) => {
                    expired += 1;
                    json!({"type": "expired"})
                }
                (Fate::Failed, _) | (_, Err(_)) => {
                    errored += 1;
                    json!({"type": "errored", "error": {"type": "error", "error": {
                        "type": "invalid_request_error",
                        "message": "Invalid request (scripted by the mock)."}}})
                }
                (Fate::Answered, Ok(message)) => {
                    ok += 1;
                    json!({"type": "succeeded", "message": message})
                }
            }
        };
        out.push_str(&json!({"custom_id": custom_id, "result": result}).to_string());
        out.push('\n');
    }
    let counts = json!({"processing": 0, "succeeded": ok, "errored": errored,
        "canceled": cancels, "expired": expired});
    s.anthropic[i].results = Some((out.into_bytes(), counts));
}

/// Together's upload, as together-python 1.5 does it: `POST /v1/files` with a form
/// (`purpose`, `file_name`, `file_type`) answered with a 302 to a URL to `PUT` the bytes at
/// (here on the mock itself, `/together/upload/{id}`) and the file's id in
/// `X-Together-File-Id`; then `POST /v1/files/{id}/preprocess`.
fn together_upload(s: &mut Store, rec: &Recorded) -> Response<Body> {
    let form: HashMap<String, String> = String::from_utf8_lossy(&rec.body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if form.get("purpose").map(String::as_str) != Some("batch-api") {
        return openai_error(400, "purpose must be batch-api here.", "invalid_request");
    }
    let id = s.id("file-");
    s.files.insert(
        id.clone(),
        File {
            bytes: Vec::new(),
            filename: form.get("file_name").cloned().unwrap_or_default(),
            purpose: "batch-api".into(),
            created_at: now_s(),
        },
    );
    let (mut parts, body) = full(302, "text/plain", "").into_parts();
    let location = format!("{}/together/upload/{id}", base_url(rec));
    if let (Ok(l), Ok(i)) = (location.parse(), id.parse()) {
        parts.headers.insert("location", l);
        parts.headers.insert("x-together-file-id", i);
    }
    Response::from_parts(parts, body)
}

/// `POST /v1/batches` at Together: `{input_file_id, endpoint}`, each line
/// `{"custom_id", "body"}`; answered `{"job": {...}}`.
fn together_create(s: &mut Store, config: &MockConfig, rec: &Recorded) -> Response<Body> {
    let v = rec.json();
    let file_id = v["input_file_id"].as_str().unwrap_or("").to_string();
    let Some(file) = s.files.get(&file_id) else {
        return openai_error(404, &format!("No such File object: {file_id}"), "not_found");
    };
    let mut requests = Vec::new();
    for line in String::from_utf8_lossy(&file.bytes).lines() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(r) if r["custom_id"].is_string() && r["body"].is_object() => requests.push((
                r["custom_id"].as_str().unwrap_or("").to_string(),
                r["body"].clone(),
            )),
            _ => return openai_error(400, "A line is not {custom_id, body}.", "invalid_request"),
        }
    }
    if config
        .batch
        .max_requests
        .is_some_and(|m| requests.len() > m)
    {
        return openai_error(400, "Too many requests in the batch.", "too_many_requests");
    }
    let id = s.id("");
    let id = format!("{}-mock", id.trim_end_matches("mock"));
    s.openai.push(OpenAiBatch {
        id,
        input_file_id: file_id,
        endpoint: v["endpoint"].as_str().unwrap_or("").to_string(),
        completion_window: "24h".into(),
        metadata: Value::Null,
        created: Instant::now(),
        created_at: now_s(),
        requests,
        invalid: Vec::new(),
        cancelled: None,
        output_file_id: None,
        error_file_id: None,
        ended: None,
        tokens: [0; 4],
        together: true,
    });
    let i = s.openai.len() - 1;
    json_response(
        200,
        &json!({"job": together_job(s, config, i), "warning": null}),
    )
}

/// A batch as Together shows its job: upper-case states and a progress percentage.
fn together_job(s: &mut Store, config: &MockConfig, i: usize) -> Value {
    let o = openai_object(s, config, i);
    let status = match o["status"].as_str().unwrap_or("") {
        "cancelling" => "CANCELING".to_string(),
        other => other.to_ascii_uppercase(),
    };
    let b = &s.openai[i];
    let done = b.ended.is_some();
    json!({"id": b.id, "user_id": "user_mock", "input_file_id": b.input_file_id,
        "file_size_bytes": s.files.get(&b.input_file_id).map_or(0, |f| f.bytes.len()),
        "status": status, "job_deadline": rfc3339(b.created_at + 86_400),
        "created_at": rfc3339(b.created_at), "endpoint": b.endpoint,
        "progress": if done { 100.0 } else { 0.0 },
        "model_id": b.requests.first().map_or(Value::Null, |(_, r)| r["model"].clone()),
        "output_file_id": o["output_file_id"], "error_file_id": o["error_file_id"],
        "error": null,
        "completed_at": if done { json!(rfc3339(now_s())) } else { Value::Null }})
}

fn gemini_error(status: u16, message: &str, code: &str) -> Response<Body> {
    json_response(
        status,
        &json!({"error": {"code": status, "message": message, "status": code}}),
    )
}

/// Gemini's File API, resumable upload (`POST /upload/v1beta/files`): `X-Goog-Upload-Command:
/// start` (with `{"file": {"displayName"}}`) answers with the session's URL in
/// `x-goog-upload-url`; `upload` commands to that URL add bytes, and `finalize` makes the file,
/// answered with `{"file": {...}}` and `x-goog-upload-status: final`.
fn gemini_upload(s: &mut Store, rec: &Recorded) -> Response<Body> {
    let command = rec.header("x-goog-upload-command").unwrap_or("");
    let with = |r: Response<Body>, status: &str| {
        let (mut parts, body) = r.into_parts();
        if let Ok(v) = status.parse() {
            parts.headers.insert("x-goog-upload-status", v);
        }
        Response::from_parts(parts, body)
    };
    if command == "start" {
        if rec.header("x-goog-upload-protocol") != Some("resumable") {
            return gemini_error(
                400,
                "Only resumable uploads are served here.",
                "INVALID_ARGUMENT",
            );
        }
        let id = s.id("up");
        let display = rec.json()["file"]["displayName"]
            .as_str()
            .or(rec.json()["file"]["display_name"].as_str())
            .unwrap_or("")
            .to_string();
        s.gemini_uploads.insert(id.clone(), (display, Vec::new()));
        let url = format!(
            "{}/upload/v1beta/files?upload_id={id}&upload_protocol=resumable",
            base_url(rec)
        );
        let (mut parts, body) = with(json_response(200, &json!({})), "active").into_parts();
        if let Ok(v) = url.parse() {
            parts.headers.insert("x-goog-upload-url", v);
        }
        return Response::from_parts(parts, body);
    }
    let id = rec
        .path
        .split_once("upload_id=")
        .map(|(_, rest)| rest.split('&').next().unwrap_or(""))
        .unwrap_or("")
        .to_string();
    let Some((display, bytes)) = s.gemini_uploads.get_mut(&id) else {
        return gemini_error(404, "No such upload session.", "NOT_FOUND");
    };
    bytes.extend_from_slice(&rec.body);
    if !command.split(',').any(|c| c.trim() == "finalize") {
        return with(json_response(200, &json!({})), "active");
    }
    let display = std::mem::take(display);
    let bytes = std::mem::take(bytes);
    s.gemini_uploads.remove(&id);
    let name = format!("files/{}", s.id("f"));
    let file = json!({"file": {"name": name, "displayName": display,
        "mimeType": rec.header("x-goog-upload-header-content-type").unwrap_or("application/jsonl"),
        "sizeBytes": bytes.len().to_string(), "createTime": rfc3339(now_s()),
        "state": "ACTIVE", "source": "UPLOADED"}});
    s.gemini_files.insert(name, bytes);
    with(json_response(200, &file), "final")
}

/// A file's bytes (`GET /download/v1beta/files/{id}:download?alt=media`): an uploaded one, or
/// the responses file of a batch that read its requests from a file.
fn gemini_download(s: &Store, config: &MockConfig, name: &str) -> Response<Body> {
    if let Some(bytes) = s.gemini_files.get(name) {
        return full(200, "application/octet-stream", bytes.clone());
    }
    match s
        .gemini
        .iter()
        .position(|b| b.from_file && responses_file(b) == name)
    {
        Some(i) => {
            let (lines, _) = gemini_responses(s, config, i);
            let mut out = Vec::new();
            for k in shuffled(lines.len()) {
                out.extend_from_slice(lines[k].to_string().as_bytes());
                out.push(b'\n');
            }
            full(200, "application/octet-stream", out)
        }
        None => gemini_error(404, &format!("File {name} not found."), "NOT_FOUND"),
    }
}

/// The name of the responses file of a batch that read its requests from a file.
fn responses_file(b: &GeminiBatch) -> String {
    format!("files/{}-responses", b.name.trim_start_matches("batches/"))
}

/// `POST /v1beta/models/{model}:batchGenerateContent` with inline requests
/// (`batch.inputConfig.requests.requests: [{request, metadata}]`) or an uploaded JSONL file
/// (`batch.inputConfig.fileName`, each line `{"key", "request"}`); past the count or size
/// limit a 400, as Gemini refuses a payload that is too large.
fn gemini_create(
    s: &mut Store,
    config: &MockConfig,
    rec: &Recorded,
    model: String,
) -> Response<Body> {
    let v = rec.json();
    let input = &v["batch"]["inputConfig"];
    let file = input["fileName"].as_str().or(input["file_name"].as_str());
    let (list, size) = match (input["requests"]["requests"].as_array(), file) {
        (Some(list), _) => (list.clone(), rec.body.len()),
        (None, Some(name)) => {
            let Some(bytes) = s.gemini_files.get(name) else {
                return gemini_error(404, &format!("File {name} not found."), "NOT_FOUND");
            };
            let mut list = Vec::new();
            for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                let Ok(l) = serde_json::from_slice::<Value>(line) else {
                    return gemini_error(
                        400,
                        "The input file has a line that is not JSON.",
                        "INVALID_ARGUMENT",
                    );
                };
                list.push(json!({"request": l["request"], "metadata": {"key": l["key"]}}));
            }
            (list, bytes.len())
        }
        (None, None) => {
            return gemini_error(
                400,
                "batch.inputConfig: inline requests or a file name are required",
                "INVALID_ARGUMENT",
            )
        }
    };
    let b = &config.batch;
    if b.max_requests.is_some_and(|m| list.len() > m) || b.max_bytes.is_some_and(|m| size > m) {
        return gemini_error(
            400,
            "Request payload size exceeds the limit.",
            "INVALID_ARGUMENT",
        );
    }
    let id = s.id("");
    s.gemini.push(GeminiBatch {
        name: format!("batches/{id}"),
        model,
        display_name: v["batch"]["displayName"].as_str().unwrap_or("").to_string(),
        requests: list,
        from_file: file.is_some(),
        created: Instant::now(),
        created_at: now_s(),
        cancelled: false,
    });
    json_response(200, &gemini_operation(s, config, s.gemini.len() - 1))
}

/// Each request's response (`{"response"}` or `{"error"}`, with its `key` for a batch read
/// from a file), in the order of the requests, and how many were answered.
fn gemini_responses(s: &Store, config: &MockConfig, i: usize) -> (Vec<Value>, usize) {
    let b = &s.gemini[i];
    let mut ok = 0;
    let list = b
        .requests
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let mut req = r["request"].clone();
            req["model"] = json!(b.model);
            let mut out = match (fate(config, k + 1), answer(config, Dialect::Gemini, &req)) {
                (Fate::Answered, Ok(response)) => {
                    ok += 1;
                    json!({"response": response})
                }
                _ => json!({"error": {"code": 400, "status": "INVALID_ARGUMENT",
                    "message": "Invalid request (scripted by the mock)."}}),
            };
            if b.from_file {
                out["key"] = r["metadata"]["key"].clone();
            }
            out
        })
        .collect();
    (list, ok)
}

/// A Gemini batch as its long-running operation: `metadata` is the batch (its `state` as
/// `BATCH_STATE_*`, what the server sends though the guide shows `JOB_STATE_*`), and once it
/// is done its inline responses, in the order of the requests. They carry no `metadata` (real
/// servers omit it, as users report: discuss.ai.google.dev/t/112386), so they are matched to
/// requests by position.
fn gemini_operation(s: &Store, config: &MockConfig, i: usize) -> Value {
    let b = &s.gemini[i];
    let finish = Duration::from_millis(config.batch.finish_ms);
    let age = b.created.elapsed();
    let state = if b.cancelled {
        "BATCH_STATE_CANCELLED"
    } else if age < finish / 4 {
        "BATCH_STATE_PENDING"
    } else if age < finish {
        "BATCH_STATE_RUNNING"
    } else {
        "BATCH_STATE_SUCCEEDED"
    };
    let done = matches!(state, "BATCH_STATE_SUCCEEDED" | "BATCH_STATE_CANCELLED");
    let (responses, ok) = if state == "BATCH_STATE_SUCCEEDED" {
        gemini_responses(s, config, i)
    } else {
        (Vec::new(), 0)
    };
    let n = b.requests.len();
    let mut meta = json!({
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
        "name": b.name, "model": format!("models/{}", b.model), "displayName": b.display_name,
        "createTime": rfc3339(b.created_at), "updateTime": rfc3339(now_s()), "state": state,
        "batchStats": {"requestCount": n.to_string(),
            "successfulRequestCount": ok.to_string(),
            "failedRequestCount": if done { (n - ok).to_string() } else { "0".into() },
            "pendingRequestCount": if done { "0".to_string() } else { n.to_string() }},
    });
    let mut op = json!({"name": b.name, "metadata": meta.clone(), "done": done});
    if state == "BATCH_STATE_SUCCEEDED" {
        let output = if b.from_file {
            json!({"responsesFile": responses_file(b)})
        } else {
            json!({"inlinedResponses": {"inlinedResponses": responses}})
        };
        meta["output"] = output.clone();
        meta["endTime"] = json!(rfc3339(now_s()));
        op["metadata"] = meta;
        let mut response = output;
        response["@type"] = json!(
            "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput"
        );
        op["response"] = response;
    }
    op
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_580_114), "2026-12-06T18:01:54Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn multipart_parts_keep_their_bytes() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n{\"a\":1}\n{\"b\":2}\n\r\n--XyZ--\r\n";
        let parts = multipart(body, "XyZ");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "purpose");
        assert_eq!(parts[0].body, b"batch");
        assert_eq!(parts[1].filename.as_deref(), Some("in.jsonl"));
        assert_eq!(parts[1].body, b"{\"a\":1}\n{\"b\":2}\n");
    }

    #[test]
    fn every_result_comes_once_and_not_in_order() {
        let order = shuffled(1000);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_ne!(order, sorted);
    }
}

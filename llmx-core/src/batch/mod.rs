//! The providers' Batch APIs, as one interface: a batch of cells is submitted, its state
//! read, its results read back as the same answers (or errors) a live call gives, and it can
//! be cancelled or found again.
//!
//! Each line's body is what the live path sends for that cell unstreamed, built by the same
//! dialect code; each result is read by the same dialect code that reads a live answer. A
//! cell is named by its `custom_id` ([`custom_id`]: derived from the run, the prompt, the
//! model and the repeat; results are joined on it, never on their order).
//!
//! - OpenAI (and OpenAI-compatible services that serve the same endpoints): the lines as a
//!   JSONL file uploaded to `POST /files` (`purpose=batch`), then `POST /batches`
//!   (`completion_window: 24h`, llmx's intent in `metadata`), `GET /batches/{id}`, the output
//!   and error files from `GET /files/{id}/content`, `POST /batches/{id}/cancel`.
//! - Anthropic: `POST /v1/messages/batches` with `requests: [{custom_id, params}]`,
//!   `GET /v1/messages/batches/{id}`, its `results_url` (JSONL),
//!   `POST /v1/messages/batches/{id}/cancel`. Message batches keep no metadata, so one created
//!   by a process that died before recording its id cannot be found by its intent.
//! - Gemini: inline requests to `POST /v1beta/models/{model}:batchGenerateContent` (llmx's
//!   intent as the display name), `GET /v1beta/batches/{id}` (a long-running operation whose
//!   output holds the responses, in the order of the requests),
//!   `POST /v1beta/batches/{id}:cancel`, `GET /v1beta/batches`; past 20 MB a JSONL file
//!   uploaded through the File API instead of inline requests.
//! - Together: OpenAI's lines and results, its own upload (a signed URL) and jobs (see
//!   `together.rs`).

mod anthropic;
mod gemini;
pub mod job;
mod openai;
#[cfg(test)]
mod tests;
mod together;

use serde_json::Value;

use crate::provider::run::Target;
use crate::provider::{ChatRequest, ChatResponse, Dialect, HttpCall, ProviderError};

/// Which Batch API a provider has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    OpenAi,
    Anthropic,
    Gemini,
    /// Together's: OpenAI's shape, other endpoints (see `together.rs`).
    Together,
}

impl Api {
    /// The Batch API of `target`'s provider, if it has one.
    pub fn of(target: &Target) -> Option<Api> {
        let p = &target.provider;
        if p.is_offline() {
            return None;
        }
        // Together's batch endpoints are its own, not OpenAI's (its row does not say `batch`).
        if p.id == "together" {
            return Some(Api::Together);
        }
        if !p.batch {
            return None;
        }
        match p.dialect {
            Dialect::OpenAi => Some(Api::OpenAi),
            Dialect::Anthropic => Some(Api::Anthropic),
            Dialect::Gemini => Some(Api::Gemini),
            // Bedrock's batch inference goes through S3: not supported.
            Dialect::Bedrock => None,
        }
    }
}

/// The `custom_id` of a cell: `c`, the run id's first 12 characters and a 64-bit hash of the
/// prompt id, model and repeat, in hex — within Anthropic's 64 characters and
/// `[a-zA-Z0-9_-]`, the same on every machine.
pub fn custom_id(run_id: &str, prompt_id: &str, model: &str, repeat: u32) -> String {
    // FNV-1a: stable across releases and platforms (std's hashers are not).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [prompt_id.as_bytes(), b"\0", model.as_bytes(), b"\0"] {
        for b in part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    for b in repeat.to_le_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let run: String = run_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(12)
        .collect();
    format!("c{run}-{h:016x}")
}

/// A cell's line in a batch, as JSON text (what is held while a batch is built: text, not a
/// tree per line).
pub fn line_text(api: Api, custom_id: &str, target: &Target, req: &ChatRequest) -> String {
    line(api, custom_id, target, req).to_string()
}

/// A cell's line in a batch: the request the live path would send unstreamed.
pub fn line(api: Api, custom_id: &str, target: &Target, req: &ChatRequest) -> Value {
    let mut req = req.clone();
    req.stream = false;
    req.model = target.model.clone();
    let call: HttpCall = crate::provider::build_request(&target.provider, &target.base_url, &req);
    match api {
        Api::OpenAi => openai::line(custom_id, &target.base_url, call),
        Api::Anthropic => anthropic::line(custom_id, call),
        Api::Gemini => gemini::line(custom_id, call),
        Api::Together => together::line(custom_id, call),
    }
}

/// Where a batch is.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// Validating, queued or running.
    Running,
    /// Cancelling: what has not run will not.
    Cancelling,
    /// Its results can be read (completed, expired or cancelled).
    Ended,
    /// Refused as a whole (OpenAI's validation): `(code, message)` of each error.
    Failed(Vec<(String, String)>),
}

/// A batch as the provider shows it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub state: State,
    /// The provider's own word for it (`in_progress`, `expired`, `ended`, ...).
    pub raw: String,
    pub total: u64,
    /// Requests that finished with an answer, and with an error (expired included).
    pub succeeded: u64,
    pub failed: u64,
    /// The provider gave these counts (Together's jobs have a progress percentage instead).
    pub counted: bool,
    /// Where the results are: OpenAI's output and error file ids; Anthropic's results URL.
    results: Vec<String>,
}

/// What became of one cell.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// An answer, with the provider's id for the request.
    Answer {
        response: Box<ChatResponse>,
        request_id: Option<String>,
    },
    /// The request's own error.
    Failed(ProviderError),
    /// It expired before it ran.
    Expired,
    /// The batch was cancelled before it ran.
    Cancelled,
}

/// One result: the cell it is for and what became of it.
#[derive(Debug, Clone)]
pub struct Item {
    pub custom_id: String,
    pub outcome: Outcome,
}

/// The most bytes of a batch's answer read back whole (Gemini's operation with its inline
/// responses).
pub const MAX_RESULTS_BYTES: usize = 1 << 30;

/// The most bytes of one line of a results file (one request's result).
pub const MAX_LINE_BYTES: usize = 256 << 20;

/// Submit `lines` (each one line's JSON text, see [`line_text`]) as one batch to `target`'s
/// provider; its id. Each line is written into the request body as it comes and dropped: the
/// batch is held once, as the body's bytes. `intent` is kept with the batch
/// where the provider keeps something of the client's (OpenAI's metadata, Gemini's display
/// name), so it can be [`find`]-ed if its id is lost.
pub async fn submit(
    http: &crate::provider::http::HttpClient,
    target: &Target,
    api: Api,
    lines: &mut dyn Iterator<Item = String>,
    intent: &str,
) -> Result<String, ProviderError> {
    match api {
        Api::OpenAi => openai::submit(http, target, lines, intent).await,
        Api::Anthropic => anthropic::submit(http, target, lines).await,
        Api::Gemini => gemini::submit(http, target, lines, intent).await,
        Api::Together => together::submit(http, target, lines).await,
    }
}

/// The batch `id` now.
pub async fn status(
    http: &crate::provider::http::HttpClient,
    target: &Target,
    api: Api,
    id: &str,
) -> Result<Status, ProviderError> {
    match api {
        Api::OpenAi => openai::status(http, target, id).await,
        Api::Anthropic => anthropic::status(http, target, id).await,
        Api::Gemini => gemini::status(http, target, id).await,
        Api::Together => together::status(http, target, id).await,
    }
}

/// The results of an ended batch, each handed to `on` as it is read. `submitted` is the
/// batch's custom ids in the order they were sent (Gemini's responses are matched to them by
/// position where they do not say their key).
pub async fn results(
    http: &crate::provider::http::HttpClient,
    target: &Target,
    api: Api,
    status: &Status,
    submitted: &[String],
    on: &mut dyn FnMut(Item),
) -> Result<(), ProviderError> {
    for place in &status.results {
        let mut each = |line: &[u8]| -> Result<(), ProviderError> {
            if let Some(item) = read_line(api, line)? {
                on(item);
            }
            Ok(())
        };
        match api {
            // Together serves its output and error files at OpenAI's path.
            Api::OpenAi | Api::Together => {
                openai::file_lines(http, target, place, &mut each).await?
            }
            Api::Anthropic => anthropic::results_lines(http, target, place, &mut each).await?,
            Api::Gemini => gemini::results(http, target, place, submitted, on).await?,
        }
    }
    Ok(())
}

/// One line of a results file as its cell's item (`None` for a blank line). A line llmx
/// cannot read that names its cell is that cell's error; one that names none is an error.
fn read_line(api: Api, line: &[u8]) -> Result<Option<Item>, ProviderError> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let item = match api {
        Api::Anthropic => anthropic::item(line),
        Api::Together => together::item(line),
        _ => openai::item(line),
    };
    if item.is_some() {
        return Ok(item);
    }
    let shown = String::from_utf8_lossy(&line[..line.len().min(200)]).into_owned();
    match serde_json::from_slice::<Value>(line)
        .ok()
        .and_then(|v| v["custom_id"].as_str().map(str::to_string))
    {
        Some(custom_id) => Ok(Some(Item {
            custom_id,
            outcome: Outcome::Failed(ProviderError::decode(format!(
                "the provider's result line could not be read: {shown}"
            ))),
        })),
        None => Err(ProviderError::decode(format!(
            "a result line is not one: {shown}"
        ))),
    }
}

/// Ask the provider to cancel batch `id`; its status after.
pub async fn cancel(
    http: &crate::provider::http::HttpClient,
    target: &Target,
    api: Api,
    id: &str,
) -> Result<Status, ProviderError> {
    match api {
        Api::OpenAi => openai::cancel(http, target, id).await,
        Api::Anthropic => anthropic::cancel(http, target, id).await,
        Api::Gemini => gemini::cancel(http, target, id).await,
        Api::Together => together::cancel(http, target, id).await,
    }
}

/// The id of the batch submitted with `intent`, if the provider keeps it (OpenAI's metadata,
/// Gemini's display name); `None` when no such batch exists, or the provider cannot say
/// (Anthropic).
pub async fn find(
    http: &crate::provider::http::HttpClient,
    target: &Target,
    api: Api,
    intent: &str,
) -> Result<Option<String>, ProviderError> {
    match api {
        Api::OpenAi => openai::find(http, target, intent).await,
        Api::Gemini => gemini::find(http, target, intent).await,
        Api::Anthropic | Api::Together => Ok(None),
    }
}

/// `head`, the lines joined by `sep`, then `tail`, as one buffer (each line dropped once
/// written); and the first line, kept for what it says about the batch.
fn body(
    head: &[u8],
    lines: &mut dyn Iterator<Item = String>,
    sep: u8,
    tail: &[u8],
) -> (Vec<u8>, Option<String>) {
    let mut out = head.to_vec();
    let mut first = None;
    for (i, l) in lines.enumerate() {
        if i > 0 {
            out.push(sep);
        }
        out.extend_from_slice(l.as_bytes());
        if i == 0 {
            first = Some(l);
        }
    }
    out.extend_from_slice(tail);
    (out, first)
}

/// An id a provider handed out that can stand as one segment of a path: letters, digits,
/// `-` and `_`, not empty.
fn id_ok(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A JSON body from a provider's bytes.
fn parse(bytes: &[u8]) -> Result<Value, ProviderError> {
    crate::provider::parse_json(bytes)
        .map_err(|e| ProviderError::decode(format!("the batch API's answer is not JSON: {e}")))
}

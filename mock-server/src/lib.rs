//! A local mock provider server for tests and benchmarks. It listens on 127.0.0.1, speaks the
//! OpenAI, Anthropic and Gemini dialects in JSON and SSE the way the real recordings do, follows
//! a per-model script (answer, token counts, delay before headers, time to first token, per-chunk
//! delay, chunk size, failures), records every request it receives, and can replay a recorded
//! fixture verbatim.
//!
//! Built on hyper directly: every chunk is written by a task that sleeps between chunks, which is
//! what time-to-first-token measurements need.

mod batch;
mod bedrock;
mod bill;
mod google;
mod inspect;
mod render;
mod responses;

/// What `llmx-mock-server --help` prints.
pub const HELP: &str =
    "llmx-mock-server: a mock LLM provider for llmx's tests, benchmarks and offline tries.

Usage: llmx-mock-server [--port N] [--script FILE]

  --port N       listen on 127.0.0.1:N (default 0: a free port; the address is printed)
  --script FILE  what each model answers (JSON; default: every model says `Hello from <model>.`)

One port speaks OpenAI Chat Completions (/v1/chat/completions) and Responses (/v1/responses),
Anthropic Messages (/v1/messages), Gemini (/v1beta/models/MODEL:generateContent and
:streamGenerateContent), and the Batch APIs of OpenAI (/v1/files, /v1/batches), Anthropic
(/v1/messages/batches) and Gemini (:batchGenerateContent, /upload/v1beta/files); and the
clouds: Azure OpenAI (/openai/...), Amazon Bedrock (/model/MODEL/converse[-stream], SigV4
checked, event-stream framed) and Vertex AI (/v1/projects/..., its token endpoint /token).
Point llmx at it, and give each provider a key (any text; llmx calls no provider without one):

  export LLMX_OPENAI_BASE_URL=http://127.0.0.1:PORT/v1
  export LLMX_ANTHROPIC_BASE_URL=http://127.0.0.1:PORT LLMX_GEMINI_BASE_URL=http://127.0.0.1:PORT
  export OPENAI_API_KEY=fake ANTHROPIC_API_KEY=fake GEMINI_API_KEY=fake

Scripts: docs/mock-server.md; examples in bench/mock.json and examples/tools-demo.json.";

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use serde::Deserialize;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub use batch::BatchConfig;
pub use bedrock::AwsConfig;
pub use google::GoogleConfig;
pub use render::Dialect;

/// What the server does for one model.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Script {
    /// The answer; default `Hello from <model>.`
    pub text: Option<String>,
    /// Reasoning text streamed before the answer.
    pub reasoning: Option<String>,
    /// Prompt tokens reported (total, cached included); default 10.
    pub input_tokens: Option<u64>,
    /// Output tokens reported (reasoning included); default one per word of the answer.
    pub output_tokens: Option<u64>,
    pub cached_tokens: u64,
    pub reasoning_tokens: u64,
    /// An OpenRouter-style `usage.cost` to report.
    pub cost: Option<f64>,
    /// The model id the provider reports back (a dated snapshot, say); default the requested id.
    pub model_id: Option<String>,
    /// `length` to report a truncated answer; default a natural stop.
    pub finish: Option<String>,
    /// Wait before sending response headers.
    pub header_delay_ms: u64,
    /// Wait after the headers before the first content chunk (or the whole body, unstreamed).
    pub ttft_ms: u64,
    /// Wait between content chunks.
    pub chunk_delay_ms: u64,
    /// Characters per content chunk; default 8.
    pub chunk_chars: Option<usize>,
    /// Failures, one consumed per request to this model, in order; when they run out the
    /// script answers normally.
    pub failures: Vec<Failure>,
    /// Answer a streamed request with the whole JSON body (`application/json`), as some
    /// gateways do.
    pub ignore_stream: bool,
    /// Refuse the prompt with Azure OpenAI's content-filter error (a 400 whose `error.code`
    /// is `content_filter`), on the Azure routes.
    pub content_filtered: bool,
    /// Report no token usage at all (llama.cpp's streams).
    pub no_usage: bool,
    /// Extra response headers on every response for this model (`x-litellm-response-cost`,
    /// `x-should-retry`, ...).
    pub headers: HashMap<String, String>,
    /// Tools to call, after the text (none by default when these are given), when the
    /// request offers them and allows it: each only if offered, only the named one under a
    /// named tool choice, none under `none`. Streamed as fragments of `chunk_chars` (OpenAI,
    /// Anthropic; Gemini sends each call whole).
    pub tool_calls: Vec<MockCall>,
    /// Report usage as providers bill it (see `bill`): the request's text at four characters a
    /// token, tool definitions included, images by their documented formulas, and the whole
    /// output allowance. Overrides `input_tokens` and `output_tokens`.
    pub bill: bool,
    /// With `bill`: multiply the input billed (a provider billing more than it documents).
    pub bill_factor: Option<f64>,
    /// Bedrock's streams: flip a bit of the first event-stream message's CRC.
    pub corrupt_crc: bool,
}

/// A scripted tool call.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockCall {
    pub name: String,
    /// The arguments' JSON text, sent as is (OpenAI fragments); Anthropic and Gemini carry it
    /// as an object, so there it must be one.
    pub arguments: String,
    #[serde(default)]
    pub id: Option<String>,
}

/// A scripted failure.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Failure {
    /// An HTTP error in the dialect's envelope (401, 429, 500, 503, 529, ...).
    Status {
        status: u16,
        #[serde(default)]
        retry_after: Option<String>,
        #[serde(default)]
        message: Option<String>,
    },
    /// A 200 whose body is not valid JSON.
    MalformedJson,
    /// The connection drops after this many content chunks.
    CutAfter { chunks: usize },
    /// An error event inside the 200 stream after this many content chunks.
    ErrorEvent {
        #[serde(default)]
        after_chunks: usize,
        #[serde(default)]
        message: Option<String>,
    },
    /// The stream stops sending (but stays open) after this many content chunks.
    Stall { after_chunks: usize },
    /// A redirect (301, 302, 303, 307, 308) to `location`, with no body.
    Redirect { status: u16, location: String },
    /// `200` with an empty body: `text/event-stream` with no events for a streamed request
    /// (llama-cpp-python when the prompt passes the context window), `application/json` with
    /// nothing in it otherwise.
    EmptyStream,
    /// A bare `data: [DONE]` with no finish reason after this many content chunks, then the
    /// connection is cut (llama-cpp-python when another request interrupts the stream).
    BareDoneCut { after_chunks: usize },
    /// [`Failure::EmptyStream`], and the connection it went out on is broken: the next request
    /// sent on it is reset before any answer (a real llama.cpp server past its context window).
    EmptyStreamBroken,
    /// An HTTP error whose head comes at once and whose body drips, a byte every `drip_ms`.
    SlowStatus { status: u16, drip_ms: u64 },
}

/// A recorded fixture to serve verbatim for requests to `path`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    /// Request path to match (query string ignored), e.g. `/api/v1/models`.
    pub path: String,
    /// A recording in the `tests/fixtures/real` shape, or a bare `.sse` body.
    pub file: PathBuf,
}

/// The whole server configuration (also the JSON file `llmx mock-server --script` reads).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MockConfig {
    /// Scripts by requested model id.
    pub models: HashMap<String, Script>,
    /// The script for any other model.
    pub default: Script,
    pub replays: Vec<Replay>,
    /// Serve one stream at a time, like llama-cpp-python: a chat request that arrives while a
    /// stream is running interrupts that stream (a bare `[DONE]`, then the body is cut).
    pub single_stream: bool,
    /// Files served verbatim by path (`/cat.png` → a file), typed by their bytes: images for
    /// llmx to download.
    pub files: HashMap<String, PathBuf>,
    /// How the Batch APIs behave (OpenAI's files and batches, Anthropic's message batches).
    pub batch: BatchConfig,
    /// The AWS credentials Bedrock's requests must be signed with (SigV4); without, only a
    /// bearer token (a Bedrock API key) passes.
    pub aws: Option<AwsConfig>,
    /// Vertex AI's OAuth2: the service account whose JWTs `POST /token` accepts. With it,
    /// Vertex requests under `/v1/projects/…` need a token it issued.
    pub google: Option<GoogleConfig>,
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, e.g. `/v1beta/models/x:streamGenerateContent?alt=sse`.
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

struct State {
    config: MockConfig,
    attempts: Mutex<HashMap<String, usize>>,
    /// Chat requests received so far (a stream of a `single_stream` server ends when it grows).
    chats: AtomicU64,
    /// Chat requests being answered now (from arrival until their body is done), and the most
    /// there ever were at once.
    in_flight: Arc<AtomicU64>,
    most_in_flight: Arc<AtomicU64>,
    /// The Batch APIs' files and batches.
    batches: Mutex<batch::Store>,
    /// Vertex AI access tokens issued.
    tokens: google::Tokens,
}

impl State {
    fn new(config: MockConfig) -> Arc<State> {
        Arc::new(State {
            config,
            attempts: Mutex::new(HashMap::new()),
            chats: AtomicU64::new(0),
            in_flight: Default::default(),
            most_in_flight: Default::default(),
            batches: Default::default(),
            tokens: Default::default(),
        })
    }
}

/// Counts one chat request in flight until it is dropped (with the response body it rides in).
struct InFlight(Arc<AtomicU64>);

impl InFlight {
    fn start(state: &State) -> InFlight {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.most_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(state.in_flight.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// Serve on an already-bound listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: MockConfig,
    shutdown: impl Future<Output = ()>,
) -> Arc<Mutex<Vec<Recorded>>> {
    let log = Arc::new(Mutex::new(Vec::new()));
    serve_with_log(listener, config, shutdown, log.clone()).await;
    log
}

/// Serve until `shutdown` completes, recording requests into `log` as they arrive.
pub async fn serve_with_log(
    listener: TcpListener,
    config: MockConfig,
    shutdown: impl Future<Output = ()>,
    log: Arc<Mutex<Vec<Recorded>>>,
) {
    let state = State::new(config);
    serve_state(listener, state, shutdown, log).await;
}

async fn serve_state(
    listener: TcpListener,
    state: Arc<State>,
    shutdown: impl Future<Output = ()>,
    log: Arc<Mutex<Vec<Recorded>>>,
) {
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut shutdown => return,
            r = listener.accept() => match r { Ok(s) => s, Err(_) => continue },
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let log = log.clone();
        tokio::spawn(async move {
            // Set when an answer leaves this connection broken: its next request is reset.
            let broken = Arc::new(AtomicBool::new(false));
            let svc = hyper::service::service_fn(move |req| {
                let state = state.clone();
                let log = log.clone();
                let broken = broken.clone();
                async move {
                    use std::sync::atomic::Ordering::SeqCst;
                    if broken.load(SeqCst) {
                        return Err(std::io::Error::other("connection reset"));
                    }
                    let (resp, breaks) = handle(state, log, req).await;
                    broken.store(breaks, SeqCst);
                    Ok::<_, std::io::Error>(resp)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// A running server with its own runtime thread, for synchronous tests and benchmarks.
pub struct MockServer {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
    most_in_flight: Arc<AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockServer {
    /// Start on 127.0.0.1 with an OS-chosen port.
    pub fn start(config: MockConfig) -> std::io::Result<MockServer> {
        Self::start_on(config, 0)
    }

    pub fn start_on(config: MockConfig, port: u16) -> std::io::Result<MockServer> {
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = State::new(config);
        let most_in_flight = state.most_in_flight.clone();
        let log2 = log.clone();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                let listener = match TcpListener::from_std(std_listener) {
                    Ok(l) => l,
                    Err(_) => return,
                };
                serve_state(
                    listener,
                    state,
                    async {
                        let _ = rx.await;
                    },
                    log2,
                )
                .await;
            });
        });
        Ok(MockServer {
            addr,
            log,
            most_in_flight,
            stop: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash, no version).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The most chat requests this server was answering at once (from a request's arrival to
    /// the end of its response body).
    pub fn most_in_flight(&self) -> u64 {
        self.most_in_flight.load(Ordering::SeqCst)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub(crate) fn full(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        // As OpenAI sends one (Anthropic's is `request-id`): what `llmx -v` shows.
        .header("x-request-id", "req_mock")
        .body(
            Full::new(body.into())
                .map_err(|never: Infallible| match never {})
                .boxed(),
        )
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()).map_err(|n| match n {}).boxed()))
}

/// The response, and whether it leaves its connection broken.
async fn handle(
    state: Arc<State>,
    log: Arc<Mutex<Vec<Recorded>>>,
    req: Request<Incoming>,
) -> (Response<Body>, bool) {
    let breaks = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let resp = respond(state, log, req, breaks.clone()).await;
    (resp, breaks.load(std::sync::atomic::Ordering::SeqCst))
}

async fn respond(
    state: Arc<State>,
    log: Arc<Mutex<Vec<Recorded>>>,
    req: Request<Incoming>,
    breaks: Arc<std::sync::atomic::AtomicBool>,
) -> Response<Body> {
    let method = req.method().to_string();
    let path_q = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let path = req.uri().path().to_string();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into(),
            )
        })
        .collect();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    let rec = Recorded {
        method: method.clone(),
        path: path_q.clone(),
        headers,
        body,
    };
    if let Ok(mut l) = log.lock() {
        l.push(rec.clone());
    }

    if let Some(r) = state.config.replays.iter().find(|r| r.path == path) {
        return replay(&r.file);
    }
    if let Some(f) = state.config.files.get(&path) {
        return match std::fs::read(f) {
            Ok(bytes) => full(200, "application/octet-stream", bytes),
            Err(_) => full(404, "text/plain", "no such file"),
        };
    }
    if let Some(r) = batch::route(&state.batches, &state.config, &rec, &path) {
        return r;
    }
    if let Some(r) = azure(&state.config, &rec, &path) {
        return r;
    }
    let json = rec.json();
    if path.ends_with("/v1/messages/count_tokens") {
        // Anthropic's count: the request's text at four characters a token (as `bill` counts).
        let (input, _) = bill::usage(Dialect::Anthropic, &json, 1.0);
        return full(
            200,
            "application/json",
            serde_json::json!({"input_tokens": input}).to_string(),
        );
    }
    if let Some(g) = state.config.google.as_ref() {
        if path == "/token" && method == "POST" {
            let (status, body) = google::token(g, &state.tokens, &rec);
            return full(status, "application/json", body);
        }
        if path.starts_with("/v1/projects/") {
            if let Some(body) = google::refused(&state.tokens, &rec) {
                return full(401, "application/json", body);
            }
        }
    }
    let bedrock_route = bedrock::route(&path);
    if bedrock_route.is_some() {
        if let Some((status, message)) = bedrock::refused(&rec, state.config.aws.as_ref()) {
            return full(
                status,
                "application/json",
                serde_json::json!({ "message": message }).to_string(),
            );
        }
    }
    let (dialect, model, stream) = if let Some((model, stream)) = bedrock_route {
        (Dialect::Bedrock, model, stream)
    } else if let Some(rest) = path.split("/publishers/anthropic/models/").nth(1) {
        // Claude on Vertex AI: the model in the path, Vertex's version in the body.
        if json.get("model").is_some() || json["anthropic_version"] != "vertex-2023-10-16" {
            return full(
                400,
                "application/json",
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"anthropic_version: vertex-2023-10-16 is required and model must not be in the body"}}"#,
            );
        }
        match rest.rsplit_once(':') {
            Some((m, "rawPredict")) => (Dialect::Anthropic, m.to_string(), false),
            Some((m, "streamRawPredict")) => (Dialect::Anthropic, m.to_string(), true),
            _ => {
                return full(
                    404,
                    "application/json",
                    r#"{"error":{"code":404,"message":"not found","status":"NOT_FOUND"}}"#,
                )
            }
        }
    } else if path.ends_with("/chat/completions") {
        (
            Dialect::OpenAi,
            json["model"].as_str().unwrap_or("").to_string(),
            json["stream"].as_bool() == Some(true),
        )
    } else if path.ends_with("/v1/responses") {
        (
            Dialect::Responses,
            json["model"].as_str().unwrap_or("").to_string(),
            json["stream"].as_bool() == Some(true),
        )
    } else if path.ends_with("/v1/messages") {
        (
            Dialect::Anthropic,
            json["model"].as_str().unwrap_or("").to_string(),
            json["stream"].as_bool() == Some(true),
        )
    } else if let Some(rest) = path
        .split("/v1beta/models/")
        .nth(1)
        // Vertex AI's Gemini (express mode): `/v1/publishers/google/models/M:…`.
        .or_else(|| path.split("/publishers/google/models/").nth(1))
    {
        match rest.rsplit_once(':') {
            Some((m, "generateContent")) => (Dialect::Gemini, m.to_string(), false),
            Some((m, "streamGenerateContent")) => (Dialect::Gemini, m.to_string(), true),
            _ => {
                return full(
                    404,
                    "application/json",
                    r#"{"error":{"code":404,"message":"not found","status":"NOT_FOUND"}}"#,
                )
            }
        }
    } else if method == "GET" && path.ends_with("/models") {
        let ids: Vec<Value> = state
            .config
            .models
            .keys()
            .map(|k| serde_json::json!({"id": k, "object": "model"}))
            .collect();
        return full(
            200,
            "application/json",
            serde_json::json!({"object": "list", "data": ids}).to_string(),
        );
    } else {
        return full(
            404,
            "application/json",
            r#"{"error":{"message":"the mock server has no route for this path","type":"invalid_request_error"}}"#,
        );
    };
    if method != "POST" {
        return full(
            405,
            "application/json",
            r#"{"error":{"message":"use POST"}}"#,
        );
    }
    let script = state
        .config
        .models
        .get(&model)
        .unwrap_or(&state.config.default)
        .clone();
    let attempt = {
        let mut a = state.attempts.lock().unwrap_or_else(|p| p.into_inner());
        let n = a.entry(model.clone()).or_insert(0);
        *n += 1;
        *n - 1
    };
    let mut failure = script.failures.get(attempt).cloned();
    if failure == Some(Failure::EmptyStreamBroken) {
        breaks.store(true, Ordering::SeqCst);
        failure = Some(Failure::EmptyStream);
    }
    let chat_number = state.chats.fetch_add(1, Ordering::SeqCst) + 1;
    let guard = InFlight::start(&state);
    let resp = answer(
        &state,
        &script,
        failure,
        &json,
        &model,
        dialect,
        stream,
        chat_number,
    )
    .await;
    // The request counts as in flight until its body has been sent (or dropped).
    let resp = resp.map(|b| {
        b.map_frame(move |f| {
            let _ = &guard;
            f
        })
        .boxed()
    });
    with_headers(resp, &script.headers)
}

/// Azure OpenAI's routes (`/openai/v1/…` and `/openai/deployments/ID/…?api-version=V`): a key
/// in `api-key` (or an Entra bearer token) is required, the deployments form needs its
/// `api-version`, and a model scripted `content_filtered` is refused as Azure refuses a
/// filtered prompt. `None` lets the request through to the chat route.
fn azure(config: &MockConfig, rec: &Recorded, path: &str) -> Option<Response<Body>> {
    if !path.starts_with("/openai/") {
        return None;
    }
    let azure_error = |status: u16, body: Value| full(status, "application/json", body.to_string());
    let bearer = rec
        .header("authorization")
        .is_some_and(|a| a.starts_with("Bearer "));
    if rec.header("api-key").is_none() && !bearer {
        return Some(azure_error(
            401,
            serde_json::json!({"error": {"code": "401", "message": "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}),
        ));
    }
    if path.starts_with("/openai/deployments/") && !rec.path.contains("api-version=") {
        return Some(azure_error(
            404,
            serde_json::json!({"error": {"code": "404", "message": "Resource not found"}}),
        ));
    }
    let model = if let Some(rest) = path.strip_prefix("/openai/deployments/") {
        rest.split('/').next().unwrap_or("").to_string()
    } else {
        rec.json()["model"].as_str().unwrap_or("").to_string()
    };
    let filtered = config
        .models
        .get(&model)
        .is_some_and(|m| m.content_filtered);
    filtered.then(|| {
        azure_error(
            400,
            serde_json::json!({"error": {
                "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
                "type": null, "param": "prompt", "code": "content_filter", "status": 400,
                "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
                    "hate": {"filtered": true, "severity": "high"},
                    "self_harm": {"filtered": false, "severity": "safe"},
                    "sexual": {"filtered": false, "severity": "safe"},
                    "violence": {"filtered": false, "severity": "safe"}}}}}),
        )
    })
}

/// Add a script's extra headers to a response.
fn with_headers(mut resp: Response<Body>, extra: &HashMap<String, String>) -> Response<Body> {
    for (k, v) in extra {
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(v),
        ) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}

/// What `script` answers to the request `json`: the calls it makes of the tools offered (as
/// the tool choice allows), the images it was sent, the counts it bills. `Err` for an image
/// the provider would refuse.
pub(crate) fn plan(
    script: &Script,
    json: &Value,
    model: &str,
    dialect: Dialect,
    include_usage: bool,
) -> Result<render::Plan, String> {
    let seen = inspect::images(dialect, json)?;
    let offered = inspect::offered_tools(dialect, json);
    let calls: Vec<MockCall> = match inspect::tool_choice(dialect, json) {
        inspect::Choice::None => Vec::new(),
        inspect::Choice::Named(n) => script
            .tool_calls
            .iter()
            .filter(|c| c.name == n && offered.contains(&c.name))
            .cloned()
            .collect(),
        _ => script
            .tool_calls
            .iter()
            .filter(|c| offered.contains(&c.name))
            .cloned()
            .collect(),
    };
    let mut plan = render::Plan::new(script, model, dialect, include_usage, calls, &seen);
    if dialect == Dialect::Responses {
        plan.namespaces_from(json);
    }
    if script.bill {
        let (input, output) = bill::usage(dialect, json, script.bill_factor.unwrap_or(1.0));
        plan.bill(input, output);
    }
    Ok(plan)
}

/// The response to one chat request, as its script and failure say.
#[allow(clippy::too_many_arguments)]
async fn answer(
    state: &Arc<State>,
    script: &Script,
    failure: Option<Failure>,
    json: &Value,
    model: &str,
    dialect: Dialect,
    stream: bool,
    chat_number: u64,
) -> Response<Body> {
    let include_usage = json["stream_options"]["include_usage"].as_bool() == Some(true);
    // Images are checked as the providers check them; a bad one is a 400 like theirs.
    let plan = match plan(script, json, model, dialect, include_usage) {
        Ok(p) => p,
        Err(why) => {
            let (ct, body) = render::error_body(dialect, 400, Some(&why));
            return full(400, ct, body);
        }
    };

    if script.header_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(script.header_delay_ms)).await;
    }
    match &failure {
        Some(Failure::Status {
            status,
            retry_after,
            message,
        }) => {
            let (ct, body) = render::error_body(dialect, *status, message.as_deref());
            let mut resp = full(*status, ct, body);
            if let Some(ra) = retry_after {
                if let Ok(v) = hyper::header::HeaderValue::from_str(ra) {
                    resp.headers_mut().insert("retry-after", v);
                }
            }
            return resp;
        }
        Some(Failure::SlowStatus { status, drip_ms }) => {
            let (status, drip_ms) = (*status, *drip_ms);
            let (ct, body) = render::error_body(dialect, status, None);
            let (tx, rx) = mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
            tokio::spawn(async move {
                for b in body.into_bytes() {
                    tokio::time::sleep(Duration::from_millis(drip_ms)).await;
                    if tx
                        .send(Ok(Frame::data(Bytes::from(vec![b]))))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
            let stream = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|item| (item, rx))
            });
            return Response::builder()
                .status(status)
                .header("content-type", ct)
                .body(BodyExt::boxed(StreamBody::new(stream)))
                .unwrap_or_else(|_| full(500, "text/plain", "mock server error"));
        }
        Some(Failure::Redirect { status, location }) => {
            let mut resp = full(*status, "text/plain", "");
            if let Ok(v) = hyper::header::HeaderValue::from_str(location) {
                resp.headers_mut().insert("location", v);
            }
            return resp;
        }
        Some(Failure::EmptyStream) => {
            let ct = if stream {
                "text/event-stream; charset=utf-8"
            } else {
                "application/json"
            };
            return full(200, ct, "");
        }
        Some(Failure::MalformedJson) if !stream => {
            return full(
                200,
                "application/json",
                "{\"choices\": [{\"message\": {\"content\": \"cut",
            );
        }
        _ => {}
    }
    if !stream || script.ignore_stream {
        if script.ttft_ms > 0 {
            tokio::time::sleep(Duration::from_millis(script.ttft_ms)).await;
        }
        return full(200, "application/json", plan.whole_body());
    }
    let (tx, rx) = mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(16);
    let ttft = Duration::from_millis(script.ttft_ms);
    let gap = Duration::from_millis(script.chunk_delay_ms);
    let single = state.config.single_stream;
    let state = state.clone();
    // Whether a later chat request arrived (a one-stream server drops this stream then).
    let interrupted = move || single && state.chats.load(Ordering::SeqCst) != chat_number;
    let corrupt = script.corrupt_crc;
    let first = Arc::new(AtomicBool::new(true));
    tokio::spawn(async move {
        let send = |b: String| {
            let tx = tx.clone();
            // Bedrock's events go framed as binary event-stream messages.
            let bytes = if dialect == Dialect::Bedrock {
                let corrupt_this = corrupt && first.swap(false, Ordering::SeqCst);
                Bytes::from(bedrock::frames(&b, corrupt_this))
            } else {
                Bytes::from(b)
            };
            async move { tx.send(Ok(Frame::data(bytes))).await.is_ok() }
        };
        if !send(plan.stream_head()).await {
            return;
        }
        if !ttft.is_zero() {
            tokio::time::sleep(ttft).await;
        }
        let chunks = plan.content_chunks();
        // Position `i` is before chunk `i`; the last position is after every chunk, where a
        // failure scripted at or past the end fires.
        for i in 0..=chunks.len() {
            let at_end = i == chunks.len();
            let fires = |n: usize| n == i || at_end;
            match &failure {
                Some(Failure::CutAfter { chunks }) if fires(*chunks) => {
                    cut(&tx).await;
                    return;
                }
                Some(Failure::ErrorEvent {
                    after_chunks,
                    message,
                }) if fires(*after_chunks) => {
                    let _ = send(render::stream_error(dialect, message.as_deref())).await;
                    return;
                }
                Some(Failure::Stall { after_chunks }) if fires(*after_chunks) => {
                    tx.closed().await;
                    return;
                }
                Some(Failure::MalformedJson) if i == 0 && !at_end => {
                    let _ = send("data: {\"choices\": [ not json\n\n".to_string()).await;
                    return;
                }
                Some(Failure::BareDoneCut { after_chunks }) if fires(*after_chunks) => {
                    bare_done_cut(&tx).await;
                    return;
                }
                _ if interrupted() => {
                    bare_done_cut(&tx).await;
                    return;
                }
                _ => {}
            }
            let Some(c) = chunks.get(i) else { break };
            if i > 0 && !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            if !send(c.clone()).await {
                return;
            }
        }
        let _ = send(plan.stream_tail()).await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let content_type = if dialect == Dialect::Bedrock {
        "application/vnd.amazon.eventstream"
    } else {
        "text/event-stream; charset=utf-8"
    };
    Response::builder()
        .status(200)
        .header("content-type", content_type)
        .header("cache-control", "no-cache")
        .header("x-request-id", "req_mock")
        .body(BodyExt::boxed(StreamBody::new(stream)))
        .unwrap_or_else(|_| full(500, "text/plain", "mock server error"))
}

/// Drop the connection mid-body, after what was already sent has reached the socket: hyper
/// aborts without flushing its write buffer when the body errors.
async fn cut(tx: &mpsc::Sender<Result<Frame<Bytes>, std::io::Error>>) {
    while tx.capacity() < tx.max_capacity() {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tokio::time::sleep(Duration::from_millis(30)).await;
    let _ = tx.send(Err(std::io::Error::other("scripted cut"))).await;
}

/// A bare `[DONE]` (no finish reason before it), then a cut connection.
async fn bare_done_cut(tx: &mpsc::Sender<Result<Frame<Bytes>, std::io::Error>>) {
    let done = Frame::data(Bytes::from_static(b"data: [DONE]\n\n"));
    if tx.send(Ok(done)).await.is_ok() {
        cut(tx).await;
    }
}

/// Serve a recording verbatim: its status, content type and exact body bytes.
fn replay(file: &std::path::Path) -> Response<Body> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return full(500, "text/plain", format!("replay file unreadable: {e}")),
    };
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == "sse" {
        return full(200, "text/event-stream; charset=utf-8", text);
    }
    let v: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return full(500, "text/plain", format!("replay file is not JSON: {e}")),
    };
    let r = &v["response"];
    let status = r["status"].as_u64().unwrap_or(200) as u16;
    let ct = r["headers"]["content-type"]
        .as_str()
        .unwrap_or("application/json")
        .to_string();
    let body = r["sse_text"]
        .as_str()
        .or(r["body_text"].as_str())
        .or(r["ndjson_text"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| r["body"].to_string());
    full(status, &ct, body)
}

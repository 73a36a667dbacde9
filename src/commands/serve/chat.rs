//! `POST /v1/chat/completions`: an OpenAI Chat Completions request, for any model llmx
//! reaches. The body becomes the core's conversation (fields it does not carry travel on to
//! OpenAI-compatible upstreams unchanged); `model` is any llmx spec, and OpenRouter's `models`
//! fallback list and `provider` routing object map onto llmx's chains and routes. Answers are
//! `chat.completion` objects or `chat.completion.chunk` streams, with usage and cost in both.
//!
//! A stream sends nothing but keep-alive comments before the first token, so a link that fails
//! first is replaced by the next without the client seeing it, and a failure before any token
//! (within the first 15 s) is an HTTP error status. After that a failure is an in-stream error
//! event with no `[DONE]`: never a clean end that looks complete.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::{Response, StatusCode};
use llmx_core::engine::{Budget, BudgetHalt, JobEvent, JobEvents, RunOptions};
use llmx_core::job::{Job, JobResult};
use llmx_core::provider::{ChatRequest, ErrorKind, ProviderError, StreamEvent};
use llmx_core::row::Row;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::{mpsc, OwnedSemaphorePermit};

use super::http::{error, json_response, set, Ask, Body};
use super::log::Entry;
use super::render::Render;
use super::Server;

/// While the upstream is silent, a comment this often keeps proxies and clients from timing out.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// A client that takes no bytes for this long is cut (its upstream request cancelled).
const SLOW_CLIENT: Duration = Duration::from_secs(30);
/// Frames held for a client that reads slowly.
const CLIENT_BUFFER: usize = 256;

/// A request refused before anything was sent upstream.
struct Refusal(Box<Response<Body>>);

impl Refusal {
    fn of(r: Response<Body>) -> Refusal {
        Refusal(Box::new(r))
    }
}

/// A 400 naming the field at fault in OpenAI's `param`.
fn error_with_param(message: &str, param: &str) -> Response<Body> {
    let mut body = super::http::error_body(message, "invalid_request_error", "invalid_request");
    body["error"]["param"] = json!(param);
    json_response(StatusCode::BAD_REQUEST, &body)
}

fn bad(message: impl AsRef<str>, code: &str) -> Refusal {
    Refusal::of(error(
        StatusCode::BAD_REQUEST,
        message.as_ref(),
        "invalid_request_error",
        code,
    ))
}

/// The model spec a body asks for: `model`, then OpenRouter's `models` fallbacks, as an llmx
/// chain (`a|b|c`), with the `provider` object's routing.
struct Asked {
    spec: String,
    route: Option<llmx_core::engine::route::Route>,
    no_fallback: bool,
    only: Option<Vec<String>>,
    ignore: Vec<String>,
    /// Routing asked for that llmx does not do, said in the response's notes.
    notes: Vec<String>,
}

/// The `provider` fields llmx maps onto its routing.
const PROVIDER_FIELDS: &[&str] = &["order", "only", "ignore", "allow_fallbacks", "sort"];

fn asked(v: &Value) -> Result<Asked, Refusal> {
    let mut chain: Vec<String> = Vec::new();
    match &v["model"] {
        Value::String(m) if !m.trim().is_empty() => chain.push(m.trim().to_string()),
        Value::Null => {}
        _ => {
            return Err(bad(
                "`model` must be a model name such as openai/gpt-4o-mini",
                "invalid_model",
            ))
        }
    }
    if let Some(list) = v["models"].as_array() {
        for m in list {
            match m.as_str().map(str::trim) {
                Some(m) if !m.is_empty() => {
                    if !chain.iter().any(|c| c == m) {
                        chain.push(m.to_string());
                    }
                }
                _ => {
                    return Err(bad(
                        "`models` must be a list of model names",
                        "invalid_model",
                    ))
                }
            }
        }
    }
    if chain.is_empty() {
        return Err(bad(
            "`model` is required: any llmx model (provider/id, an alias, a|b, name:cheapest)",
            "missing_model",
        ));
    }
    let p = &v["provider"];
    let names = |k: &str| -> Vec<String> {
        p[k].as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    use llmx_core::engine::route::Route;
    let route = match (p["sort"].as_str(), names("order").first()) {
        (_, Some(first)) => Some(Route::Provider(first.clone())),
        (Some("price"), None) => Some(Route::Cheapest),
        (Some("latency" | "throughput"), None) => Some(Route::Fastest),
        _ => None,
    };
    let only = Some(names("only")).filter(|o| !o.is_empty());
    let mut notes: Vec<String> = p
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| !PROVIDER_FIELDS.contains(&k.as_str()) && !v.is_null())
        .map(|(k, _)| format!("`provider.{k}` ignored: llmx does not route by it"))
        .collect();
    if let Some(sort) = p["sort"]
        .as_str()
        .filter(|s| !matches!(*s, "price" | "latency" | "throughput"))
    {
        notes.push(format!(
            "`provider.sort` `{sort}` ignored: llmx sorts by price, latency or throughput"
        ));
    }
    Ok(Asked {
        spec: chain.join("|"),
        route,
        no_fallback: p["allow_fallbacks"].as_bool() == Some(false),
        only,
        ignore: names("ignore"),
        notes,
    })
}

fn resolve_refusal(e: &llmx_core::engine::resolve::ResolveError) -> Refusal {
    use llmx_core::engine::resolve::ResolveError as R;
    match e {
        R::UnknownModel { .. }
        | R::UnknownProvider(_)
        | R::NoModelAfter { .. }
        | R::AliasCycle(_)
        | R::NotRoutable { .. }
        | R::NotServed { .. } => Refusal::of(error(
            StatusCode::NOT_FOUND,
            &e.to_string(),
            "invalid_request_error",
            "model_not_found",
        )),
        R::MissingKey { provider, .. } => bad(
            format!("{e}, or run `llmx keys set {provider}`, and restart llmx serve"),
            "missing_provider_key",
        ),
        R::EmptyName => bad("empty model name", "invalid_model"),
        _ => Refusal::of(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "server_error",
            "configuration_error",
        )),
    }
}

/// Reservations held against the caps for one request.
struct Held(Vec<(Arc<Budget>, f64)>);

impl Held {
    fn settle(self, label: &str, billed: Option<f64>) {
        for (b, w) in self.0 {
            b.settle(label, w, billed);
        }
    }
}

fn reserve(server: &Server, job: &Job) -> Result<Held, Refusal> {
    let mut held = Held(Vec::new());
    let now = server.engine.clock().now();
    for b in server.budgets() {
        match b.reserve_job(job, server.engine.catalog(), now) {
            Ok(w) => held.0.push((b, w)),
            Err(halt) => {
                held.settle(&job.label, Some(0.0));
                let usd = |c: f64| llmx_core::row::usd(Some(c));
                let r = match halt {
                    BudgetHalt::Full {
                        next,
                        spent,
                        reserved,
                        cap,
                        ..
                    } => {
                        let which = if server.life.as_ref().is_some_and(|l| Arc::ptr_eq(l, &b)) {
                            "--max-cost"
                        } else {
                            "--max-cost-per-day"
                        };
                        let mut r = error(
                            StatusCode::TOO_MANY_REQUESTS,
                            &format!(
                                "this request's worst case {} would pass the server's {which} {} \
                                 ({} spent, {} held for requests in flight); lower max_tokens or \
                                 raise the cap",
                                usd(next),
                                usd(cap),
                                usd(spent),
                                usd(reserved)
                            ),
                            "insufficient_quota",
                            "insufficient_quota",
                        );
                        set(r.headers_mut(), "x-should-retry", "false");
                        r
                    }
                    BudgetHalt::Unbounded(_) => error(
                        StatusCode::BAD_REQUEST,
                        "the server has a spending cap and this request's worst case is unknown \
                         (no price, or no max_tokens and no known maximum output); set max_tokens",
                        "invalid_request_error",
                        "unbounded_cost",
                    ),
                    BudgetHalt::Overrun { .. } => error(
                        StatusCode::TOO_MANY_REQUESTS,
                        "a provider billed more than it documents; the server sends nothing more \
                         under this cap",
                        "insufficient_quota",
                        "insufficient_quota",
                    ),
                };
                return Err(Refusal::of(r));
            }
        }
    }
    Ok(held)
}

/// The conversation's last user text, as the history's prompt.
fn last_user_text(req: &llmx_core::provider::ChatRequest) -> String {
    req.messages
        .iter()
        .rev()
        .find(|m| m.role == llmx_core::provider::Role::User)
        .map(|m| m.text())
        .unwrap_or_default()
}

/// What finishing a request needs.
struct Finish {
    server: Arc<Server>,
    label: String,
    prompt: String,
    request_id: String,
    user: Option<String>,
    held: Option<Held>,
    /// The server's own notes on the request (routing it does not do), before the dialect's.
    notes: Vec<String>,
    started_at: std::time::SystemTime,
    /// What a cancelled row needs of the job (its label and first link), not its request.
    shape: Job,
    /// The log line as it stood when the job started, for a request its client abandons.
    entry: Entry,
    /// [`Finish::done`] ran.
    finished: bool,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Finish {
    /// A handler dropped before its job ended — the client closed the connection while its
    /// plain (unstreamed) answer was on the way, and the upstream request was cancelled with
    /// the handler: the row says cancelled, the caps are settled at the job's worst case (what
    /// was billed is not known), and the log says 499 (the client closed the request).
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut r = JobResult::cancelled_with(0, &self.shape, self.started_at, String::new());
        let mut entry = self.entry.clone();
        self.done(&mut r, &mut entry);
        entry.status = 499;
        super::log::write(&self.server, entry);
    }
}

impl Finish {
    /// Settle the caps, project the row, record it; the row for the response and the log.
    fn done(&mut self, r: &mut JobResult, entry: &mut Entry) -> Arc<Row> {
        self.finished = true;
        if !self.notes.is_empty() {
            let mut notes = std::mem::take(&mut self.notes);
            notes.append(&mut r.notes);
            r.notes = notes;
        }
        let r = &*r;
        let row = Arc::new(Row::project(r, self.server.engine.catalog()));
        if let Some(h) = self.held.take() {
            h.settle(&self.label, row.cost_usd);
        }
        entry.fill(&row);
        if let Some((w, run)) = &self.server.history {
            let keep = self.server.settings.history.store_text;
            let idx = self
                .server
                .rows
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let meta = llmx_core::history::sink::RowMeta {
                prompt: llmx_core::history::Text::new(&self.prompt, keep),
                system: None,
                prompt_id: Some(self.request_id.clone()),
                repeat: None,
                pass: None,
            };
            let mut rec = llmx_core::history::sink::record(run, idx, r, row.clone(), meta, keep);
            // The wire the client spoke (`openai`, `anthropic`, `responses`).
            rec.notes.push(format!("wire: {}", entry.wire));
            if let Some(u) = &self.user {
                rec.notes
                    .push(format!("user: {}", u.chars().take(100).collect::<String>()));
            }
            w.send(llmx_core::history::Write::Row(Box::new(rec)));
        }
        row
    }
}

pub(crate) async fn handle(
    server: Arc<Server>,
    ask: &Ask,
    body: Bytes,
    entry: &mut Entry,
    wire: Wire,
) -> Response<Body> {
    match start(server, ask, body, entry, wire).await {
        Ok(r) => r,
        Err(Refusal(r)) => *r,
    }
}

/// The job for what the body asks: the spec resolved (chains, routes), OpenRouter's
/// `only`/`ignore` applied, images made sendable, and links that cannot take it stopped.
async fn plan(
    server: &Server,
    a: &Asked,
    req: llmx_core::provider::ChatRequest,
) -> Result<Job, Refusal> {
    let mut job = server
        .planner
        .job(&a.spec, a.route.as_ref(), a.no_fallback, req)
        .map_err(|e| resolve_refusal(&e))?;
    if a.only.is_some() || !a.ignore.is_empty() {
        job.links.retain(|l| {
            let p = &l.target.provider.id;
            a.only.as_ref().is_none_or(|o| o.contains(p)) && !a.ignore.contains(p)
        });
        if job.links.is_empty() {
            return Err(bad(
                "`provider.only` / `provider.ignore` leave no provider for this model",
                "no_provider",
            ));
        }
    }
    llmx_core::pipeline::prepare(
        &server.engine,
        false,
        std::slice::from_mut(&mut job),
        &mut [],
    )
    .await;
    if job.cannot_run() {
        let e = job.links.iter().find_map(|l| l.preflight.clone());
        return Err(Refusal::of(match e {
            Some(e) if e.kind == ErrorKind::MissingKey => error(
                StatusCode::BAD_REQUEST,
                &format!("{}, and restart llmx serve", e.message),
                "invalid_request_error",
                "missing_provider_key",
            ),
            Some(e) => error(
                StatusCode::BAD_REQUEST,
                &e.message,
                "invalid_request_error",
                "unsupported_request",
            ),
            None => error(
                StatusCode::BAD_REQUEST,
                "no model can take this request",
                "invalid_request_error",
                "unsupported_request",
            ),
        }));
    }
    Ok(job)
}

/// A spec outside the `[serve] models` allowlist is refused.
fn allowed(server: &Server, spec: &str) -> Result<(), Refusal> {
    if let Some(allowed) = &server.settings.models {
        if !spec.split('|').all(|m| allowed.iter().any(|x| x == m)) {
            return Err(Refusal::of(error(
                StatusCode::FORBIDDEN,
                &format!(
                    "this server answers for {} only",
                    allowed
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "permission_error",
                "model_not_allowed",
            )));
        }
    }
    Ok(())
}

/// The model a Messages or Responses body asks for: any llmx spec; on the Messages wire a bare
/// `claude-…` id the catalog does not know is Anthropic's (Claude Code names models the
/// catalog may not have yet). A Responses body's own notes come from its parser.
fn model_asked(server: &Server, v: &Value, wire: Wire) -> Result<Asked, Refusal> {
    let Some(m) = v["model"].as_str().map(str::trim).filter(|m| !m.is_empty()) else {
        return Err(bad("`model` is required", "missing_model"));
    };
    let known = server.engine.catalog().provider_of(m).is_some()
        || server.engine.catalog().aliases.contains_key(m);
    let spec = if wire == Wire::Messages && m.starts_with("claude-") && !m.contains('/') && !known {
        format!("anthropic/{m}")
    } else {
        m.to_string()
    };
    // What the conversation model does not carry from this wire is said, not silently lost.
    let fields = if wire == Wire::Messages {
        MESSAGES_FIELDS
    } else {
        &[]
    };
    let left: Vec<String> = v
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, x)| wire == Wire::Messages && !fields.contains(&k.as_str()) && !x.is_null())
        .map(|(k, _)| format!("`{k}`"))
        .collect();
    let notes = if left.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} dropped: llmx does not carry them from the Messages wire",
            left.join(", ")
        )]
    };
    Ok(Asked {
        spec,
        route: None,
        no_fallback: false,
        only: None,
        ignore: Vec::new(),
        notes,
    })
}

/// The Messages fields llmx's conversation carries.
const MESSAGES_FIELDS: &[&str] = &[
    "model",
    "messages",
    "system",
    "max_tokens",
    "stop_sequences",
    "stream",
    "temperature",
    "tools",
    "tool_choice",
    "metadata",
];

/// A Messages body kept for an Anthropic upstream, which gets it as it came; `notes` (what
/// translating it drops) are for the other upstreams.
fn as_sent(v: Value, ask: &Ask, notes: Vec<String>) -> Arc<llmx_core::provider::types::ClientBody> {
    Arc::new(llmx_core::provider::types::ClientBody {
        wire: llmx_core::provider::types::ClientWire::Messages,
        body: v,
        notes,
        headers: ask.anthropic_headers.clone(),
    })
}

/// The body as llmx's conversation, by the wire's one mapping, and (Responses) what its
/// answer repeats of it. A conversation without messages is refused.
fn conversation(
    v: &Value,
    wire: Wire,
) -> Result<(ChatRequest, Option<Arc<super::responses::Echo>>), Refusal> {
    let mut echo = None;
    let parsed = match wire {
        Wire::Chat => llmx_core::provider::openai::parse_request(v),
        Wire::Messages => llmx_core::provider::anthropic::parse_request(v),
        Wire::Responses => {
            let inbound = llmx_core::provider::responses::parse_request(v)
                .map_err(|e| Refusal::of(error_with_param(&e.message, e.param)))?;
            echo = Some(Arc::new(super::responses::Echo::of(v, inbound.namespaced)));
            Ok(inbound.request)
        }
    };
    let req = parsed.map_err(|e| bad(e, "invalid_request"))?;
    if req.messages.is_empty() {
        let field = if wire == Wire::Responses {
            "input"
        } else {
            "messages"
        };
        return Err(bad(
            format!("`{field}` is empty: send at least one message"),
            "invalid_request",
        ));
    }
    Ok((req, echo))
}

async fn start(
    server: Arc<Server>,
    ask: &Ask,
    body: Bytes,
    entry: &mut Entry,
    wire: Wire,
) -> Result<Response<Body>, Refusal> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|e| bad(format!("the body is not JSON: {e}"), "invalid_json"))?;
    if !v.is_object() {
        return Err(bad("the body must be a JSON object", "invalid_json"));
    }
    let mut a = match wire {
        Wire::Chat => asked(&v)?,
        Wire::Messages | Wire::Responses => model_asked(&server, &v, wire)?,
    };
    entry.asked = Some(a.spec.clone());
    entry.wire = wire.name();
    allowed(&server, &a.spec)?;
    let wants_stream = v["stream"].as_bool() == Some(true);
    let include_usage = v["stream_options"]["include_usage"].as_bool() == Some(true);
    let (mut req, echo) = conversation(&v, wire)?;
    let user = v["user"]
        .as_str()
        .or(v["metadata"]["user_id"].as_str())
        .map(str::to_string);
    if wire == Wire::Messages {
        req.client = Some(as_sent(v, ask, std::mem::take(&mut a.notes)));
    }
    // llmx streams from the upstream either way (time to first token, and no idle socket),
    // unless it sends the client's body as it came, which says for itself.
    req.stream = true;
    let prompt = last_user_text(&req);
    let job = plan(&server, &a, req).await?;
    let held = reserve(&server, &job)?;
    let input_estimate = job.links.first().map_or(0, |l| {
        llmx_core::engine::budget::input_tokens(
            &job.request,
            l.target.provider.dialect,
            &l.target.model,
        )
    });
    let permit = server.slots.clone().acquire_owned().await.map_err(|_| {
        Refusal::of(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is stopping",
            "server_error",
            "shutting_down",
        ))
    })?;
    let opts = RunOptions {
        concurrency: None,
        limits: server.settings.limits,
        budget: None,
    };
    let shape = Job {
        label: job.label.clone(),
        links: job.links.first().cloned().into_iter().collect(),
        request: Default::default(),
    };
    let fin = Finish {
        server: server.clone(),
        label: job.label.clone(),
        prompt,
        request_id: ask.id.clone(),
        user,
        held: Some(held),
        notes: a.notes,
        started_at: server.engine.clock().now(),
        shape: shape.clone(),
        entry: entry.clone(),
        finished: false,
        _permit: permit,
    };
    let links = job.links.len();
    // The engine holds no budget here (the caps were reserved above), so it refuses nothing.
    let events = server.engine.call(job, opts).map_err(|_| {
        Refusal::of(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request could not be started",
            "server_error",
            "internal",
        ))
    })?;
    let answer = Answer {
        id: match wire {
            Wire::Chat => format!("chatcmpl-{}", ask.id),
            Wire::Messages => format!("msg_{}", ask.id.replace('-', "")),
            Wire::Responses => format!("resp_{}", ask.id.replace('-', "")),
        },
        wire,
        echo,
        created: llmx_core::history::epoch_ms(server.engine.clock().now()) / 1000,
        links,
    };
    if wants_stream {
        let out: Box<dyn Render> = match wire {
            Wire::Chat => Box::new(super::render::OpenAi {
                answer: answer.clone(),
                model: String::new(),
                include_usage,
            }),
            Wire::Messages => Box::new(super::render::Anthropic::new(
                answer.clone(),
                String::new(),
                input_estimate,
            )),
            Wire::Responses => Box::new(super::responses::Responses::new(
                answer.clone(),
                answer.echo.clone().unwrap_or_default(),
            )),
        };
        Ok(stream(fin, shape, events, answer, out, entry, ask.cut.clone()).await)
    } else {
        Ok(whole(fin, events, answer, entry).await)
    }
}

/// `POST /v1/messages/count_tokens`: for an Anthropic model, Anthropic's own count (the body
/// and headers as they came, the answer or error as it came); for any other, llmx's estimate of
/// the request's input, marked `x-llmx-estimated: true`.
pub(crate) async fn count_tokens(server: &Server, ask: &Ask, body: &[u8]) -> Response<Body> {
    let run = async || -> Result<Response<Body>, Refusal> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| bad(format!("the body is not JSON: {e}"), "invalid_json"))?;
        let a = model_asked(server, &v, Wire::Messages)?;
        allowed(server, &a.spec)?;
        let req = llmx_core::provider::anthropic::parse_request(&v)
            .map_err(|e| bad(e, "invalid_request"))?;
        let job = server
            .planner
            .job(&a.spec, None, false, req)
            .map_err(|e| resolve_refusal(&e))?;
        let anthropic = job.links.first().filter(|l| {
            l.target.provider.dialect == llmx_core::provider::Dialect::Anthropic
                && !l.target.provider.is_offline()
        });
        if let Some(l) = anthropic {
            return Ok(counted_upstream(server, &l.target, &v, ask).await);
        }
        let n = job.links.first().map_or(0, |l| {
            llmx_core::engine::budget::input_tokens(
                &job.request,
                l.target.provider.dialect,
                &l.target.model,
            )
        });
        let mut r = json_response(StatusCode::OK, &json!({"input_tokens": n}));
        set(r.headers_mut(), "x-llmx-estimated", "true");
        Ok(r)
    };
    match run().await {
        Ok(r) => r,
        Err(Refusal(r)) => *r,
    }
}

/// Anthropic's own count for `target`, answered as it came.
async fn counted_upstream(
    server: &Server,
    target: &llmx_core::provider::run::Target,
    v: &Value,
    ask: &Ask,
) -> Response<Body> {
    let client = as_sent(v.clone(), ask, Vec::new());
    let within = server
        .settings
        .limits
        .first_byte
        .unwrap_or(Duration::from_secs(60));
    let got =
        llmx_core::provider::run::count_tokens(server.engine.http(), target, &client, within).await;
    let (status, body) = match got {
        Ok(b) => (StatusCode::OK, b),
        Err(e) => match (e.status, e.body) {
            (Some(s), Some(b)) => (
                StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_GATEWAY),
                b.into_bytes(),
            ),
            _ => {
                return error(
                    StatusCode::BAD_GATEWAY,
                    &format!(
                        "{}/{}: counting tokens failed: {}",
                        target.provider.id, target.model, e.message
                    ),
                    "server_error",
                    "upstream_error",
                )
            }
        },
    };
    let mut r = Response::new(super::http::full(body));
    *r.status_mut() = status;
    set(r.headers_mut(), "content-type", "application/json");
    set(
        r.headers_mut(),
        "x-llmx-provider",
        &header_text(&target.provider.id),
    );
    r.extensions_mut().insert(super::http::AsSent);
    r
}

/// A whole answer as an Anthropic `message`: signed thinking, text and `tool_use` blocks, the
/// stop reason and usage.
fn anthropic_message(r: &JobResult, row: &Row, answer: &Answer) -> Value {
    let mut content: Vec<Value> = r
        .response
        .signed_reasoning
        .iter()
        .map(|b| match &b.redacted {
            Some(data) => json!({"type": "redacted_thinking", "data": data}),
            None => json!({"type": "thinking", "thinking": b.text,
                "signature": b.signature.clone().unwrap_or_default()}),
        })
        .collect();
    if !r.response.text.is_empty() {
        content.push(json!({"type": "text", "text": r.response.text}));
    }
    for (i, c) in r.response.tool_calls.iter().enumerate() {
        let id =
            c.id.clone()
                .unwrap_or_else(|| format!("toolu_{}_{i}", answer.id));
        let input = c.parsed_arguments().unwrap_or_else(|| json!({}));
        content.push(json!({"type": "tool_use", "id": id, "name": c.name, "input": input}));
    }
    json!({
        "id": answer.id,
        "type": "message",
        "role": "assistant",
        "model": format!("{}/{}", r.provider, r.model),
        "content": content,
        "stop_reason": super::render::stop_reason(r),
        "stop_sequence": null,
        "usage": {
            "input_tokens": row.input_tokens,
            "output_tokens": row.output_tokens,
            "cache_read_input_tokens": row.cached_tokens,
        },
        "llmx": llmx_object(r, row),
    })
}

/// The answer's fixed parts.
#[derive(Clone)]
pub(crate) struct Answer {
    pub id: String,
    pub created: i64,
    pub links: usize,
    pub wire: Wire,
    /// What a Responses answer repeats of its request.
    pub echo: Option<Arc<super::responses::Echo>>,
}

/// The wire a client speaks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Wire {
    /// OpenAI Chat Completions.
    Chat,
    /// Anthropic Messages.
    Messages,
    /// OpenAI Responses.
    Responses,
}

impl Wire {
    /// As the access log names it.
    pub fn name(self) -> &'static str {
        match self {
            Wire::Chat => "openai",
            Wire::Messages => "anthropic",
            Wire::Responses => "responses",
        }
    }
}

/// A cost as clients read it: to the trillionth of a dollar (no float noise in the last digits).
pub(crate) fn money(c: Option<f64>) -> Option<f64> {
    c.map(|c| (c * 1e12).round() / 1e12)
}

/// The usage object: OpenAI's counts, OpenRouter's `cost` (USD; `null` when unknown, never a
/// fake 0), `is_byok`, and whether the counts are llmx's estimates.
pub(crate) fn usage(row: &Row) -> Value {
    serde_json::to_value(Usage::of(row)).unwrap_or(Value::Null)
}

/// [`usage`] as it is written. Its fields, and those of the other response types here, are in
/// the order a JSON map writes them, so a response reads the same built either way.
#[derive(Serialize)]
struct Usage {
    completion_tokens: Option<u64>,
    completion_tokens_details: ReasoningTokens,
    cost: Option<f64>,
    cost_details: CostDetails,
    estimated: bool,
    is_byok: bool,
    prompt_tokens: Option<u64>,
    prompt_tokens_details: CachedTokens,
    total_tokens: Option<u64>,
}

#[derive(Serialize)]
struct ReasoningTokens {
    reasoning_tokens: u64,
}

#[derive(Serialize)]
struct CachedTokens {
    cached_tokens: u64,
}

#[derive(Serialize)]
struct CostDetails {
    upstream_inference_cost: Option<f64>,
}

impl Usage {
    fn of(row: &Row) -> Usage {
        let total = match (row.input_tokens, row.output_tokens) {
            (Some(i), Some(o)) => Some(i + o),
            _ => None,
        };
        Usage {
            completion_tokens: row.output_tokens,
            completion_tokens_details: ReasoningTokens {
                reasoning_tokens: row.reasoning_tokens.unwrap_or(0),
            },
            cost: money(row.cost_usd),
            cost_details: CostDetails {
                upstream_inference_cost: money(row.cost_usd),
            },
            estimated: row.tokens_estimated,
            is_byok: true,
            prompt_tokens: row.input_tokens,
            prompt_tokens_details: CachedTokens {
                cached_tokens: row.cached_tokens.unwrap_or(0),
            },
            total_tokens: total,
        }
    }
}

/// What llmx adds: who answered, in how many attempts, after which fallbacks.
pub(crate) fn llmx_object(r: &JobResult, row: &Row) -> Value {
    serde_json::to_value(Llmx::of(r, row)).unwrap_or(Value::Null)
}

/// [`llmx_object`] as it is written.
#[derive(Serialize)]
struct Llmx<'a> {
    attempts: u32,
    fallbacks: Vec<Fallback<'a>>,
    model: String,
    notes: &'a [String],
    provider: &'a str,
    upstream_model: &'a str,
}

#[derive(Serialize)]
struct Fallback<'a> {
    error: &'a str,
    model: &'a str,
}

impl<'a> Llmx<'a> {
    fn of(r: &'a JobResult, row: &'a Row) -> Llmx<'a> {
        Llmx {
            attempts: r.attempts,
            fallbacks: r
                .tried
                .iter()
                .map(|t| Fallback {
                    error: &t.error.message,
                    model: &t.name,
                })
                .collect(),
            model: format!("{}/{}", r.provider, r.model),
            notes: &r.notes,
            provider: &r.provider,
            upstream_model: &row.model_id,
        }
    }
}

/// A `chat.completion`.
#[derive(Serialize)]
struct Completion<'a> {
    choices: [CompletionChoice<'a>; 1],
    created: i64,
    id: &'a str,
    llmx: Llmx<'a>,
    model: String,
    object: &'static str,
    usage: Usage,
}

#[derive(Serialize)]
struct CompletionChoice<'a> {
    finish_reason: &'static str,
    index: u32,
    logprobs: (),
    message: Message<'a>,
}

#[derive(Serialize)]
struct Message<'a> {
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_details: Option<Value>,
    refusal: (),
    role: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<Value>,
}

/// The calls as Chat Completions `tool_calls`: ids made up where the provider sent none (Gemini),
/// Gemini's thought signature carried as `extra_content.google.thought_signature`.
pub(crate) fn tool_calls(r: &JobResult, answer: &Answer) -> Vec<Value> {
    r.response
        .tool_calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut v = json!({
                "id": c.id.clone().unwrap_or_else(|| format!("call_{}_{i}", answer.id)),
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            });
            if let Some(s) = &c.signature {
                v["extra_content"] = json!({"google": {"thought_signature": s}});
            }
            v
        })
        .collect()
}

/// The reasoning a provider signed (Anthropic's thinking and redacted thinking), as
/// OpenRouter's `reasoning_details`: a client that sends the assistant turn back with them
/// gets them upstream again, so tool loops with thinking models work.
pub(crate) fn reasoning_details(r: &JobResult) -> Option<Value> {
    let all: Vec<Value> = r
        .response
        .signed_reasoning
        .iter()
        .enumerate()
        .map(|(i, b)| match &b.redacted {
            Some(data) => json!({"type": "reasoning.encrypted", "data": data, "index": i}),
            None => json!({"type": "reasoning.text", "text": b.text, "signature": b.signature,
                "format": "anthropic-claude-v1", "index": i}),
        })
        .collect();
    (!all.is_empty()).then_some(Value::Array(all))
}

pub(crate) fn finish_reason(r: &JobResult) -> &'static str {
    use llmx_core::provider::FinishReason as F;
    match r.response.finish {
        _ if !r.response.tool_calls.is_empty() => "tool_calls",
        F::Length => "length",
        F::ContentFilter | F::Refusal => "content_filter",
        _ => "stop",
    }
}

/// A header value from text a provider chose: printable ASCII only, bounded.
fn header_text(s: &str) -> String {
    s.chars()
        .take(2000)
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect()
}

/// A failed job as an HTTP error in OpenAI's envelope, with the upstream's status where it
/// means the same to the client.
fn failure(r: &JobResult, answer: &Answer) -> Response<Body> {
    let fallback = ProviderError::new(ErrorKind::Server, "the request failed");
    let e = r.error.as_ref().unwrap_or(&fallback);
    if let (Some(body), Some(status), Wire::Messages) = (&e.body, e.status, answer.wire) {
        // An Anthropic upstream's error, to a Messages client: as it came (Claude Code reads
        // the wording to recover).
        let mut resp = Response::new(super::http::full(body.clone()));
        *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        set(resp.headers_mut(), "content-type", "application/json");
        if let Some(wait) = e.retry_after {
            set(
                resp.headers_mut(),
                "retry-after",
                &wait.as_secs_f64().ceil().to_string(),
            );
        }
        resp.extensions_mut().insert(super::http::AsSent);
        return resp;
    }
    let who = format!("{}/{}", r.provider, r.model);
    let (status, kind, code, message) = match e.kind {
        ErrorKind::Auth => (
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            "upstream_auth",
            format!(
                "provider `{}` refused llmx's key for it ({}); check it with `llmx keys list`",
                r.provider, e.message
            ),
        ),
        ErrorKind::MissingKey => (
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "missing_provider_key",
            e.message.clone(),
        ),
        ErrorKind::RateLimit => (
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "rate_limit_exceeded",
            format!("{who}: {}", e.message),
        ),
        ErrorKind::BadRequest => (
            e.status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .filter(|s| s.is_client_error())
                .unwrap_or(StatusCode::BAD_REQUEST),
            "invalid_request_error",
            "upstream_bad_request",
            format!("{who}: {}", e.message),
        ),
        ErrorKind::NotFound => (
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "model_not_found",
            format!("{who}: {}", e.message),
        ),
        ErrorKind::Overloaded | ErrorKind::Server => (
            e.status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .filter(|s| s.is_server_error() && s.as_u16() != 529)
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            "server_error",
            "upstream_error",
            format!("{who}: {}", e.message),
        ),
        ErrorKind::Timeout => (
            StatusCode::GATEWAY_TIMEOUT,
            "server_error",
            "upstream_timeout",
            format!("{who}: {}", e.message),
        ),
        _ => (
            StatusCode::BAD_GATEWAY,
            "server_error",
            "upstream_error",
            format!("{who}: {}", e.message),
        ),
    };
    let mut resp = error(status, &message, kind, code);
    let h = resp.headers_mut();
    if let Some(wait) = e.retry_after {
        set(h, "retry-after", &wait.as_secs_f64().ceil().to_string());
        set(h, "retry-after-ms", &wait.as_millis().to_string());
    }
    if answer.links > 1 {
        // Every link of the chain failed: trying the same chain again at once will not help.
        set(h, "x-should-retry", "false");
    }
    resp
}

fn headers_of(resp: &mut Response<Body>, r: &JobResult, row: &Row) {
    let h = resp.headers_mut();
    set(h, "x-llmx-provider", &header_text(&r.provider));
    set(h, "x-llmx-model", &header_text(&row.model_id));
    set(h, "x-llmx-attempts", &r.attempts.to_string());
    set(
        h,
        "x-llmx-cost",
        &money(row.cost_usd).map_or_else(|| "unknown".into(), llmx_core::row::plain_decimal),
    );
    if !r.notes.is_empty() {
        set(h, "x-llmx-notes", &header_text(&r.notes.join("; ")));
    }
}

/// A non-streamed answer: wait for the result, answer with a `chat.completion`.
async fn whole(
    mut fin: Finish,
    mut events: JobEvents,
    answer: Answer,
    entry: &mut Entry,
) -> Response<Body> {
    // An Anthropic upstream's own answer to a Messages client, to hand on as it came.
    let mut as_sent = None;
    let r = loop {
        match events.next().await {
            Some(JobEvent::Finished(r)) => break *r,
            Some(JobEvent::Attempt { .. }) => as_sent = None,
            Some(JobEvent::Delta(StreamEvent::Verbatim(body))) => as_sent = Some(body),
            Some(_) => {}
            None => {
                let mut e = error(
                    StatusCode::BAD_GATEWAY,
                    "the request ended without a result",
                    "server_error",
                    "internal",
                );
                set(e.headers_mut(), "x-should-retry", "false");
                return e;
            }
        }
    };
    let mut r = r;
    let row = fin.done(&mut r, entry);
    if r.failed() {
        return failure(&r, &answer);
    }
    if let (Some(body), Wire::Messages) = (as_sent, answer.wire) {
        let mut resp = Response::new(super::http::full(body));
        set(resp.headers_mut(), "content-type", "application/json");
        headers_of(&mut resp, &r, &row);
        return resp;
    }
    if answer.wire != Wire::Chat {
        let body = match &answer.echo {
            Some(echo) => super::responses::whole(&r, &row, &answer, echo),
            None => anthropic_message(&r, &row, &answer),
        };
        let mut resp = json_response(StatusCode::OK, &body);
        headers_of(&mut resp, &r, &row);
        return resp;
    }
    let response = &r.response;
    let body = Completion {
        choices: [CompletionChoice {
            finish_reason: finish_reason(&r),
            index: 0,
            logprobs: (),
            message: Message {
                content: (!response.text.is_empty() || response.tool_calls.is_empty())
                    .then_some(response.text.as_str()),
                reasoning_content: (!response.reasoning.is_empty())
                    .then_some(response.reasoning.as_str()),
                reasoning_details: reasoning_details(&r),
                refusal: (),
                role: "assistant",
                tool_calls: tool_calls(&r, &answer),
            },
        }],
        created: answer.created,
        id: &answer.id,
        llmx: Llmx::of(&r, &row),
        model: format!("{}/{}", r.provider, r.model),
        object: "chat.completion",
        usage: Usage::of(&row),
    };
    let mut resp = json_response(StatusCode::OK, &body);
    headers_of(&mut resp, &r, &row);
    resp
}

/// What came before the stream was committed.
enum Before {
    /// A text or reasoning token: the stream starts.
    Token(StreamEvent),
    /// The job ended before any token.
    Done(Box<JobResult>),
    /// The upstream was silent past the first keep-alive: the stream starts with a comment.
    Quiet,
    /// The job's task went away.
    Gone,
}

async fn stream(
    mut fin: Finish,
    job: Job,
    mut events: JobEvents,
    answer: Answer,
    mut out: Box<dyn Render>,
    entry: &mut Entry,
    cut: Arc<tokio::sync::Notify>,
) -> Response<Body> {
    let mut model = job.links.first().map(|l| l.name()).unwrap_or_default();
    let deadline = tokio::time::sleep(KEEP_ALIVE);
    tokio::pin!(deadline);
    // The upstream's own events before the first token (an Anthropic upstream's
    // `message_start`, to a Messages client), to send first once the stream commits.
    let mut early = Vec::new();
    let before = loop {
        tokio::select! {
            ev = events.next() => match ev {
                None => break Before::Gone,
                Some(JobEvent::Finished(r)) => break Before::Done(r),
                Some(JobEvent::Attempt { link, .. }) => {
                    model = link;
                    early.clear();
                }
                Some(JobEvent::Delta(v @ StreamEvent::Verbatim(_))) => early.push(v),
                Some(JobEvent::Delta(d @ (StreamEvent::TextDelta(_) | StreamEvent::ReasoningDelta(_)))) => {
                    break Before::Token(d);
                }
                Some(_) => {}
            },
            _ = &mut deadline => break Before::Quiet,
        }
    };
    let first = match before {
        Before::Gone => {
            return error(
                StatusCode::BAD_GATEWAY,
                "the request ended without a result",
                "server_error",
                "internal",
            );
        }
        Before::Done(mut r) if r.failed() => {
            fin.done(&mut r, entry);
            return failure(&r, &answer);
        }
        b => b,
    };
    out.set_model(&model);
    let (tx, rx) = mpsc::channel::<Bytes>(CLIENT_BUFFER);
    let body =
        http_body_util::StreamBody::new(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|b| {
                (
                    Ok::<_, std::convert::Infallible>(hyper::body::Frame::data(b)),
                    rx,
                )
            })
        }))
        .boxed_unsync();
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    set(h, "content-type", "text/event-stream");
    set(h, "cache-control", "no-cache");
    // The stream logs itself when it ends.
    entry.deferred = true;
    entry.status = 200;
    let log = entry.clone();
    tokio::spawn(async move {
        let gone = pump(fin, job, events, out, (early, first), tx, log).await;
        if gone {
            // Whatever it still holds unsent, the client is not taking: close the connection.
            cut.notify_one();
        }
    });
    resp
}

/// Send one frame, unless the client went away or took nothing for [`SLOW_CLIENT`].
async fn put(tx: &mpsc::Sender<Bytes>, b: Bytes) -> bool {
    matches!(
        tokio::time::timeout(SLOW_CLIENT, tx.send(b)).await,
        Ok(Ok(()))
    )
}

/// Write a committed stream: the tokens as they come, keep-alives while the upstream is
/// silent, then the end — the calls, the finish, usage and `[DONE]`, or an error event. A
/// client that goes away (or reads nothing for [`SLOW_CLIENT`]) cancels the upstream request;
/// its row is recorded as cancelled with the text it had been sent. True when the client
/// stopped taking what was sent (its connection is then closed).
#[allow(clippy::too_many_arguments)]
async fn pump(
    mut fin: Finish,
    job: Job,
    mut events: JobEvents,
    mut out: Box<dyn Render>,
    (early, first): (Vec<StreamEvent>, Before),
    tx: mpsc::Sender<Bytes>,
    mut log: Entry,
) -> bool {
    let mut hard_stop = fin.server.hard_stop.clone();
    let mut sent_text = String::new();
    let mut ok = true;
    let mut result: Option<JobResult> = None;
    let mut pending = None;
    match first {
        Before::Quiet => ok = put(&tx, out.keep_alive()).await,
        Before::Token(d) => pending = Some(d),
        Before::Done(r) => result = Some(*r),
        Before::Gone => ok = false,
    }
    for e in &early {
        ok = ok && put_all(&tx, out.delta(e)).await;
    }
    ok = ok && put_all(&tx, out.start()).await;
    if let Some(d) = pending {
        if let StreamEvent::TextDelta(t) = &d {
            sent_text.push_str(t);
        }
        ok = ok && put_all(&tx, out.delta(&d)).await;
    }
    let mut shut_down = false;
    while ok && result.is_none() {
        tokio::select! {
            biased;
            _ = super::until_true(&mut hard_stop) => {
                shut_down = true;
                break;
            }
            ev = events.next() => match ev {
                None => break,
                Some(JobEvent::Finished(r)) => result = Some(*r),
                Some(JobEvent::Attempt { link, .. }) => out.set_model(&link),
                Some(JobEvent::Delta(d)) => {
                    if let StreamEvent::TextDelta(t) = &d {
                        sent_text.push_str(t);
                    }
                    ok = put_all(&tx, out.delta(&d)).await;
                }
                Some(_) => {}
            },
            _ = tokio::time::sleep(KEEP_ALIVE) => ok = put(&tx, out.keep_alive()).await,
        }
    }
    let Some(mut r) = result else {
        // The client went away, read too slowly, or the server is stopping: the upstream
        // request is cancelled, and the row keeps what the client was sent.
        drop(events);
        if shut_down {
            let message = "llmx serve is shutting down: the answer was cut before it finished";
            let _ = put(&tx, out.fail(None, message)).await;
        }
        let mut r = JobResult::cancelled_with(0, &job, fin.started_at, sent_text);
        fin.done(&mut r, &mut log);
        super::log::write(&fin.server, log);
        return !ok;
    };
    let row = fin.done(&mut r, &mut log);
    let sent = match &r.error {
        Some(e) => {
            let message = format!("{}/{}: {}", r.provider, r.model, e.message);
            put(&tx, out.fail(Some(e.kind), &message)).await
        }
        None => put_all(&tx, out.end(&r, &row)).await,
    };
    super::log::write(&fin.server, log);
    !sent
}

/// Send frames in order until one cannot be sent.
async fn put_all(tx: &mpsc::Sender<Bytes>, frames: Vec<Bytes>) -> bool {
    for f in frames {
        if !put(tx, f).await {
            return false;
        }
    }
    true
}

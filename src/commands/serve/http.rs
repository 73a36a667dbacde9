//! One connection and one request: the Host and Origin checks, CORS, the token, the routes,
//! bodies read within their limits, and the responses' shapes (OpenAI's error envelope).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{json, Value};
use tokio::sync::watch;

use super::log::Entry;
use super::Server;

pub(crate) type Body = UnsyncBoxBody<Bytes, Infallible>;

/// The largest request body taken (images travel inline as base64).
pub(crate) const MAX_BODY: usize = 32 << 20;
/// A client has this long to send its headers, and then its body.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// Serve one connection until it closes, or — once `drain` turns true — until its request in
/// flight has its answer (keep-alive ends).
pub(crate) async fn connection(
    server: Arc<Server>,
    stream: tokio::net::TcpStream,
    mut drain: watch::Receiver<bool>,
) {
    // A stream whose client stops reading closes the connection through this (hyper has no
    // write timeout of its own, and would hold the socket while its buffer stays full).
    let cut = Arc::new(tokio::sync::Notify::new());
    let cutter = cut.clone();
    let svc = hyper::service::service_fn(move |req| {
        let s = server.clone();
        let cut = cutter.clone();
        async move { Ok::<_, Infallible>(handle(s, req, cut).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(64 << 10)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = cut.notified() => {}
        _ = super::until_true(&mut drain) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// What the handlers know of a request before they read its body.
pub(crate) struct Ask {
    pub id: String,
    pub started: Instant,
    /// Closes this request's connection (a client that stopped reading).
    pub cut: Arc<tokio::sync::Notify>,
    /// The client's `anthropic-version` and `anthropic-beta` headers: they go with its body
    /// to an Anthropic upstream.
    pub anthropic_headers: Vec<(String, String)>,
}

/// Marks a response that carries an upstream's error body as it came (not rewritten into
/// the route's envelope).
#[derive(Clone, Copy)]
pub(crate) struct AsSent;

/// Answer one request (never fails: every problem is a response in the wire's shape).
async fn handle(
    server: Arc<Server>,
    req: Request<Incoming>,
    cut: Arc<tokio::sync::Notify>,
) -> Response<Body> {
    let anthropic_headers = ["anthropic-version", "anthropic-beta"]
        .iter()
        .filter_map(|k| {
            let v = req.headers().get(*k)?.to_str().ok()?;
            Some((k.to_string(), v.to_string()))
        })
        .collect();
    let ask = Ask {
        id: request_id(&server, req.headers()),
        started: Instant::now(),
        cut,
        anthropic_headers,
    };
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let mut entry = Entry::new(&ask, &method, &path);
    let origin = req
        .headers()
        .get(hyper::header::ORIGIN)
        .map(|o| o.to_str().unwrap_or("").to_string());
    let mut resp = route(
        &server,
        req,
        &ask,
        &path,
        &method,
        origin.as_deref(),
        &mut entry,
    )
    .await;
    // Anthropic's clients read Anthropic's error envelope on its routes.
    if is_messages_route(&path)
        && resp.status().as_u16() >= 400
        && resp.extensions().get::<AsSent>().is_none()
    {
        resp = anthropic_envelope(resp).await;
    }
    if let Some(o) = origin.as_deref().filter(|o| origin_allowed(&server, o)) {
        // A preflight has its own (the headers it asked for).
        if !resp.headers().contains_key("access-control-allow-origin") {
            cors(resp.headers_mut(), o, None);
        }
    }
    set(resp.headers_mut(), "x-request-id", &ask.id);
    entry.status = resp.status().as_u16();
    // A stream logs itself when it ends.
    if !entry.deferred {
        super::log::write(&server, entry);
    }
    resp
}

#[allow(clippy::too_many_arguments)]
async fn route(
    server: &Arc<Server>,
    req: Request<Incoming>,
    ask: &Ask,
    path: &str,
    method: &Method,
    origin: Option<&str>,
    entry: &mut Entry,
) -> Response<Body> {
    if !host_allowed(server, req.headers()) {
        return error(
            StatusCode::FORBIDDEN,
            "this server answers requests for its own address only (the Host header names \
             another); start it with --allow-host HOST to accept that name",
            "permission_error",
            "host_not_allowed",
        );
    }
    if let Some(o) = origin {
        if !origin_allowed(server, o) {
            return error(
                StatusCode::FORBIDDEN,
                "requests from web pages of this origin are refused; start the server with \
                 --cors-origin ORIGIN to allow one",
                "permission_error",
                "origin_not_allowed",
            );
        }
    }
    if method == Method::OPTIONS {
        let mut r = empty(StatusCode::NO_CONTENT);
        if let Some(o) = origin {
            let asked = req
                .headers()
                .get("access-control-request-headers")
                .and_then(|v| v.to_str().ok());
            cors(r.headers_mut(), o, asked);
        }
        return r;
    }
    let route = path
        .strip_prefix("/api/v1")
        .or_else(|| path.strip_prefix("/v1"))
        .unwrap_or(path);
    let under_v1 = route.len() != path.len();
    // The access log names the wire even for a request refused before it is read.
    entry.wire = match route {
        "/responses" => super::chat::Wire::Responses.name(),
        r if r == "/messages" || r.starts_with("/messages/") => super::chat::Wire::Messages.name(),
        _ => super::chat::Wire::Chat.name(),
    };
    if (route == "/health" && (under_v1 || path == "/health")) && method == Method::GET {
        return json_response(StatusCode::OK, &json!({"status": "ok"}));
    }
    if !authorised(server, req.headers()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "missing or wrong token: send the one `llmx serve --show-token` prints as the API \
             key (Authorization: Bearer TOKEN)",
            "authentication_error",
            "invalid_api_key",
        );
    }
    let known = |m: &Method| {
        if method == m {
            None
        } else {
            Some(error(
                StatusCode::METHOD_NOT_ALLOWED,
                &format!("{path} takes {m} requests only"),
                "invalid_request_error",
                "method_not_allowed",
            ))
        }
    };
    if !under_v1 {
        return not_found(path);
    }
    match route {
        "/chat/completions" | "/messages" | "/responses" => {
            if let Some(r) = known(&Method::POST) {
                return r;
            }
            let body = match read_body(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            let wire = match route {
                "/messages" => super::chat::Wire::Messages,
                "/responses" => super::chat::Wire::Responses,
                _ => super::chat::Wire::Chat,
            };
            super::chat::handle(server.clone(), ask, body, entry, wire).await
        }
        "/messages/count_tokens" => {
            if let Some(r) = known(&Method::POST) {
                return r;
            }
            match read_body(req).await {
                Ok(b) => super::chat::count_tokens(server, ask, &b).await,
                Err(r) => r,
            }
        }
        "/models" => match known(&Method::GET) {
            Some(r) => r,
            None => {
                let anthropic = req.headers().contains_key("anthropic-version");
                super::models::list(server, req.uri(), anthropic).await
            }
        },
        r if r.starts_with("/models/") => known(&Method::GET)
            .unwrap_or_else(|| super::models::one(server, &r["/models/".len()..])),
        _ => not_found(path),
    }
}

fn not_found(path: &str) -> Response<Body> {
    error(
        StatusCode::NOT_FOUND,
        &format!(
            "no route {}: llmx serve answers /v1/chat/completions, /v1/messages, /v1/responses, /v1/models and /health",
            path.chars().take(200).collect::<String>()
        ),
        "invalid_request_error",
        "not_found",
    )
}

/// `/v1/messages` and what is under it (Anthropic's wire).
fn is_messages_route(path: &str) -> bool {
    let route = path
        .strip_prefix("/api/v1")
        .or_else(|| path.strip_prefix("/v1"))
        .unwrap_or("");
    route == "/messages" || route.starts_with("/messages/")
}

/// An error response in OpenAI's envelope, rewritten in Anthropic's:
/// `{"type":"error","error":{"type","message"}}`, the type from the status (529 for an
/// overloaded upstream, as Anthropic sends it).
async fn anthropic_envelope(resp: Response<Body>) -> Response<Body> {
    let (mut parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let message = v["error"]["message"]
        .as_str()
        .unwrap_or("the request failed");
    let status = parts.status.as_u16();
    let kind = match status {
        400 | 405 | 408 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 if v["error"]["code"] == "upstream_error" => {
            parts.status = StatusCode::from_u16(529).unwrap_or(parts.status);
            "overloaded_error"
        }
        _ => "api_error",
    };
    let body = json!({"type": "error", "error": {"type": kind, "message": message}});
    parts.headers.remove(hyper::header::CONTENT_LENGTH);
    Response::from_parts(parts, full(serde_json::to_vec(&body).unwrap_or_default()))
}

/// The client's `x-request-id` when it is a plain short token, else a new one.
fn request_id(server: &Server, h: &HeaderMap) -> String {
    h.get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(|| server.request_id())
}

/// The `Host` names this server: its bound address, loopback names (with its port), or one
/// allowed by `--allow-host` (any port).
fn host_allowed(server: &Server, h: &HeaderMap) -> bool {
    let Some(host) = h.get(hyper::header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = host.trim().to_ascii_lowercase();
    let port = server.addr.port();
    let (name, given_port) = match host.rsplit_once(':') {
        Some((n, p)) if !n.ends_with(':') && p.bytes().all(|b| b.is_ascii_digit()) => {
            (n.to_string(), p.parse::<u16>().ok())
        }
        _ => (host.clone(), None),
    };
    if server
        .settings
        .allow_hosts
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&name) || a.eq_ignore_ascii_case(&host))
    {
        return true;
    }
    if given_port != Some(port) {
        return false;
    }
    let bound = match server.addr.ip() {
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    ["localhost", "127.0.0.1", "[::1]", bound.as_str()].contains(&name.as_str())
}

fn origin_allowed(server: &Server, origin: &str) -> bool {
    server
        .settings
        .cors_origins
        .iter()
        .any(|o| o.eq_ignore_ascii_case(origin.trim_end_matches('/')))
}

fn cors(h: &mut HeaderMap, origin: &str, asked: Option<&str>) {
    set(h, "access-control-allow-origin", origin);
    set(h, "vary", "Origin");
    set(h, "access-control-allow-methods", "GET, POST, OPTIONS");
    // The SDKs send their own headers (`x-stainless-*`): reflect what the preflight asks.
    let allowed = asked
        .filter(|a| {
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_, ".contains(&b))
        })
        .unwrap_or("authorization, content-type, x-api-key, x-goog-api-key, x-request-id");
    set(h, "access-control-allow-headers", allowed);
    set(
        h,
        "access-control-expose-headers",
        "x-request-id, x-llmx-provider, x-llmx-model, x-llmx-attempts, x-llmx-cost, x-llmx-notes",
    );
    set(h, "access-control-max-age", "600");
}

/// The token as `Authorization: Bearer`, `x-api-key` or `x-goog-api-key`.
fn authorised(server: &Server, h: &HeaderMap) -> bool {
    let given = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let bearer = given("authorization").and_then(|a| {
        let (scheme, rest) = a.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    [bearer, given("x-api-key"), given("x-goog-api-key")]
        .into_iter()
        .flatten()
        .any(|t| super::token::matches(&server.token, t))
}

/// The whole body, within [`MAX_BODY`] and [`BODY_TIMEOUT`].
async fn read_body(req: Request<Incoming>) -> Result<Bytes, Response<Body>> {
    let limited = Limited::new(req.into_body(), MAX_BODY);
    match tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await {
        Ok(Ok(c)) => Ok(c.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the request body is over {} MiB; send images by URL or make them smaller",
                MAX_BODY >> 20
            ),
            "invalid_request_error",
            "request_too_large",
        )),
        Ok(Err(_)) => Err(error(
            StatusCode::BAD_REQUEST,
            "the request body could not be read",
            "invalid_request_error",
            "bad_body",
        )),
        Err(_) => Err(error(
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
            "invalid_request_error",
            "timeout",
        )),
    }
}

pub(crate) fn set(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(HeaderName::from_static(name), v);
    }
}

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed_unsync()
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(full(Bytes::new()));
    *r.status_mut() = status;
    r
}

pub(crate) fn json_response(status: StatusCode, v: &impl serde::Serialize) -> Response<Body> {
    let mut r = Response::new(full(serde_json::to_vec(v).unwrap_or_default()));
    *r.status_mut() = status;
    set(r.headers_mut(), "content-type", "application/json");
    r
}

/// OpenAI's error envelope: `{"error": {"message", "type", "code", "param"}}`.
pub(crate) fn error(status: StatusCode, message: &str, kind: &str, code: &str) -> Response<Body> {
    json_response(status, &error_body(message, kind, code))
}

pub(crate) fn error_body(message: &str, kind: &str, code: &str) -> Value {
    json!({"error": {"message": message, "type": kind, "code": code, "param": null}})
}

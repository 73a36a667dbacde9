//! The only place llmx does HTTP: one shared client (connection reuse across every target of a
//! run), the credentials added as sensitive headers, non-2xx statuses turned into typed errors
//! with the provider's wait hints, and every error message scrubbed of secrets.
//!
//! Credentials go only where they were configured: redirects are never followed (a 3xx is the
//! row's error), a request carrying anything secret goes over https or to a loopback address,
//! and loopback requests never go through a proxy.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, USER_AGENT};

use super::dialect::{Listing, WireDialect};
use super::error::{ErrorKind, ProviderError};
use super::{AuthStyle, Credentials, HttpCall};
use crate::secret::{redact_url, scrub, Secret};

/// Largest error body llmx reads; the rest is dropped (an error page can be huge).
const MAX_ERROR_BODY: usize = 64 * 1024;
/// How long an error's body is read for: the status already says what failed.
const ERROR_BODY_WAIT: Duration = Duration::from_secs(5);

/// The proxies the environment asks for (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and their
/// lower-case forms, `NO_PROXY`), resolved once by the settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Proxies {
    pub http: Option<reqwest::Url>,
    pub https: Option<reqwest::Url>,
    /// `NO_PROXY` as written: hosts, domains and CIDR ranges that go direct.
    pub no_proxy: Option<String>,
}

/// A client from its settings, as every client of llmx's is finished.
fn finish(b: reqwest::ClientBuilder) -> Result<reqwest::Client, ProviderError> {
    b.tcp_nodelay(true)
        // A redirect would carry custom auth headers to wherever it points.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ProviderError::new(ErrorKind::Network, format!("http client: {e}")))
}

/// The shared HTTP client.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    /// `-v`: every chat exchange is logged here, masked.
    log: Option<std::sync::Arc<dyn super::wire_log::WireLog>>,
    /// The same settings without a pool: every request on a new connection (a probe after a
    /// server broke the one it answered on). Built the first time it is wanted: building a
    /// client loads the system's root certificates (milliseconds every run would pay).
    fresh: Arc<OnceLock<Option<reqwest::Client>>>,
    make: Arc<dyn Fn() -> reqwest::ClientBuilder + Send + Sync>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("logged", &self.log.is_some())
            .finish()
    }
}

impl HttpClient {
    pub fn new(connect_timeout: Duration, proxies: &Proxies) -> Result<Self, ProviderError> {
        Self::with_pool(connect_timeout, proxies, usize::MAX)
    }

    /// [`HttpClient::new`] keeping at most `idle_per_host` idle connections to one server (each
    /// is an open file, beside the ones in use).
    pub fn with_pool(
        connect_timeout: Duration,
        proxies: &Proxies,
        idle_per_host: usize,
    ) -> Result<Self, ProviderError> {
        let proxies = proxies.clone();
        Self::build(move || {
            let builder = reqwest::Client::builder()
                .connect_timeout(connect_timeout)
                .pool_idle_timeout(Duration::from_secs(60))
                .pool_max_idle_per_host(idle_per_host);
            with_proxies(builder, &proxies)
        })
    }

    /// A client that sets no timers of its own (no connect or idle timeout), for tests that
    /// run on tokio's paused clock, where any pending timer fires as soon as the runtime idles.
    pub fn untimed() -> Result<Self, ProviderError> {
        Self::build(|| {
            reqwest::Client::builder()
                .pool_idle_timeout(None)
                .no_proxy()
        })
    }

    fn build(
        make: impl Fn() -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Result<Self, ProviderError> {
        Ok(HttpClient {
            client: finish(make())?,
            fresh: Arc::new(OnceLock::new()),
            make: Arc::new(make),
            log: None,
        })
    }

    /// This client sending each request on a new connection (and keeping none); the pooled one
    /// if such a client cannot be built.
    pub fn fresh(&self) -> HttpClient {
        let fresh = self
            .fresh
            .get_or_init(|| finish((self.make)().pool_max_idle_per_host(0)).ok())
            .clone()
            .unwrap_or_else(|| self.client.clone());
        HttpClient {
            client: fresh,
            fresh: self.fresh.clone(),
            make: self.make.clone(),
            log: self.log.clone(),
        }
    }

    /// Log every chat exchange to `log` (masked: see [`super::wire_log`]).
    pub fn with_log(mut self, log: std::sync::Arc<dyn super::wire_log::WireLog>) -> Self {
        self.log = Some(log);
        self
    }

    /// A new exchange's log, for `label` (`provider/model`); a no-op without a log.
    pub fn exchange(&self, label: impl Into<String>) -> super::wire_log::Exchange {
        super::wire_log::Exchange::new(self.log.clone(), label.into())
    }

    /// Send `call` and return the response once its status is a success. The credentials are
    /// exposed here and nowhere else. The body is encoded and taken out of `call` before
    /// anything is awaited: a request in flight holds its bytes once, not also as a JSON tree
    /// (with a 60 KB tools file, 4× the bytes).
    pub async fn send(
        &self,
        call: &mut HttpCall,
        creds: &Credentials,
        wire: &dyn WireDialect,
        ex: &super::wire_log::Exchange,
        head_within: Option<Duration>,
    ) -> Result<reqwest::Response, ProviderError> {
        let url = guard(&call.url, creds)?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("llmx/", env!("CARGO_PKG_VERSION"))),
        );
        for (k, v) in &call.headers {
            let name = HeaderName::from_bytes(k.as_bytes());
            let value = HeaderValue::from_str(v);
            match (name, value) {
                (Ok(n), Ok(v)) => {
                    headers.insert(n, v);
                }
                _ => {
                    return Err(ProviderError::new(
                        ErrorKind::BadRequest,
                        format!("header `{k}` is not a valid HTTP header"),
                    ))
                }
            }
        }
        add_credentials(&mut headers, call.auth, creds)?;
        if let Some(google) = &creds.google {
            let token = google.token(&self.client).await?;
            let (name, value) = auth_header(AuthStyle::Bearer, &token)?;
            headers.insert(name, value);
        }
        let mut body = serde_json::to_vec(&std::mem::take(&mut call.body))
            .map_err(|e| ProviderError::decode(format!("could not encode request: {e}")))?;
        body.shrink_to_fit();
        if let Some(aws) = &creds.aws {
            sign_aws(&mut headers, &url, &body, aws, SystemTime::now())?;
        }
        if let Some(full) = ex.on() {
            log_sent(ex, call, creds, &headers, full.then_some(&body[..]));
        }
        let head = self.client.post(url).headers(headers).body(body).send();
        let head = match head_within {
            Some(t) => tokio::time::timeout(t, head).await.map_err(|_| {
                ProviderError::limit(
                    ErrorKind::Timeout,
                    super::error::Limit::FirstByte,
                    format!("no response within {}", super::error::secs_shown(t)),
                )
            })?,
            None => head.await,
        };
        let resp = head.map_err(|e| transport_error(&e, &call.url, creds))?;
        let status = resp.status().as_u16();
        ex.status(status, resp.headers());
        if resp.status().is_success() {
            return Ok(resp);
        }
        if resp.status().is_redirection() {
            return Err(redirect_error(status, resp.headers(), creds));
        }
        let hint = retry_hint(resp.headers(), SystemTime::now());
        let should_retry = should_retry(resp.headers());
        // The status says what failed; a body that drips is read for a while, not waited on.
        let body = read_capped_within(resp, MAX_ERROR_BODY, ERROR_BODY_WAIT).await;
        ex.body(&body, |b| {
            scrub(&String::from_utf8_lossy(b), &creds.secrets())
        });
        let mut e = wire.parse_error(status, &body);
        if call.verbatim {
            e.body = Some(scrub(&String::from_utf8_lossy(&body), &creds.secrets()));
        }
        e.status = Some(status);
        e.should_retry = should_retry;
        if hint.is_some() {
            e.retry_after = hint;
        }
        Err(e.scrubbed(&creds.secrets()))
    }

    /// A model listing (`GET`, as the dialect describes it): the body on success, a typed
    /// error otherwise. Bodies past `cap` bytes are refused.
    pub async fn get(
        &self,
        listing: &Listing,
        creds: &Credentials,
        wire: &dyn WireDialect,
        cap: usize,
    ) -> Result<Vec<u8>, ProviderError> {
        let url = listing.url.as_str();
        guard(url, creds)?;
        let mut headers = HeaderMap::new();
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("llmx/", env!("CARGO_PKG_VERSION"))),
        );
        for (name, value) in &listing.headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(n, v);
            }
        }
        add_credentials(&mut headers, listing.auth, creds)?;
        let resp = self
            .client
            .get(url)
            .headers(headers)
            .send()
            .await
            .map_err(|e| transport_error(&e, url, creds))?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(redirect_error(status, resp.headers(), creds));
        }
        let ok = resp.status().is_success();
        let body = read_capped(resp, cap.saturating_add(1)).await;
        if ok && body.len() > cap {
            return Err(ProviderError::new(
                ErrorKind::TooLarge,
                format!("the listing passed {} MiB", cap >> 20),
            ));
        }
        if ok {
            Ok(body)
        } else {
            Err(wire.parse_error(status, &body).scrubbed(&creds.secrets()))
        }
    }
}

impl HttpClient {
    /// One request to a provider's other endpoints (files, batches): `method` to `url` with
    /// `body` (and its content type), authorised as the provider's chat requests are (https or
    /// loopback only), no redirects followed. The body on success, refused past `cap` bytes; a
    /// typed error (the dialect's reading of the error body, secrets scrubbed) otherwise.
    #[allow(clippy::too_many_arguments)]
    pub async fn exchange_bytes(
        &self,
        method: reqwest::Method,
        url: &str,
        creds: &Credentials,
        auth: super::AuthStyle,
        extra: &[(String, String)],
        body: Option<(&str, Vec<u8>)>,
        wire: &dyn WireDialect,
        cap: usize,
    ) -> Result<Vec<u8>, ProviderError> {
        self.exchange_with_headers(method, url, creds, auth, extra, body, wire, cap)
            .await
            .map(|(_, body)| body)
    }

    /// [`HttpClient::exchange_bytes`], with the response's headers (Gemini's resumable
    /// upload answers with its session URL in one).
    #[allow(clippy::too_many_arguments)]
    pub async fn exchange_with_headers(
        &self,
        method: reqwest::Method,
        url: &str,
        creds: &Credentials,
        auth: super::AuthStyle,
        extra: &[(String, String)],
        body: Option<(&str, Vec<u8>)>,
        wire: &dyn WireDialect,
        cap: usize,
    ) -> Result<(reqwest::header::HeaderMap, Vec<u8>), ProviderError> {
        let resp = self
            .send_once(method, url, creds, auth, extra, body)
            .await?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(redirect_error(status, resp.headers(), creds));
        }
        if !resp.status().is_success() {
            return Err(refused(resp, wire, creds).await);
        }
        let headers = resp.headers().clone();
        let body = read_capped(resp, cap.saturating_add(1)).await;
        if body.len() > cap {
            return Err(too_big(cap));
        }
        Ok((headers, body))
    }

    /// One request to a provider's other endpoints, authorised as its chat requests are (https
    /// or loopback only), its answer whatever it is (no redirect followed).
    async fn send_once(
        &self,
        method: reqwest::Method,
        url: &str,
        creds: &Credentials,
        auth: super::AuthStyle,
        extra: &[(String, String)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<reqwest::Response, ProviderError> {
        let parsed = guard(url, creds)?;
        let headers = batch_headers(auth, extra, creds)?;
        let mut req = self.client.request(method, parsed).headers(headers);
        if let Some((content_type, bytes)) = body {
            req = req.header(CONTENT_TYPE, content_type).body(bytes);
        }
        req.send()
            .await
            .map_err(|e| transport_error(&e, url, creds))
    }

    /// A request answered with a redirect (Together's file upload answers with the signed URL
    /// to put the file at): the redirect's headers. The redirect is read, never followed; any
    /// other answer is an error.
    #[allow(clippy::too_many_arguments)]
    pub async fn redirect_of(
        &self,
        method: reqwest::Method,
        url: &str,
        creds: &Credentials,
        auth: super::AuthStyle,
        extra: &[(String, String)],
        body: Option<(&str, Vec<u8>)>,
        wire: &dyn WireDialect,
    ) -> Result<reqwest::header::HeaderMap, ProviderError> {
        let resp = self
            .send_once(method, url, creds, auth, extra, body)
            .await?;
        if resp.status().is_redirection() {
            return Ok(resp.headers().clone());
        }
        if !resp.status().is_success() {
            return Err(refused(resp, wire, creds).await);
        }
        Err(ProviderError::decode(format!(
            "HTTP {}: expected a redirect to the upload URL",
            resp.status().as_u16()
        )))
    }

    /// `PUT` `body` to a signed URL a provider handed out (it may be another origin, such as
    /// object storage): no credentials go with it, and only over https or to a loopback
    /// address, since the bytes are the user's prompts.
    pub async fn put_signed(&self, url: &str, body: Vec<u8>) -> Result<(), ProviderError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|_| ProviderError::decode("the upload URL is not a URL"))?;
        if !(parsed.scheme() == "https" || (parsed.scheme() == "http" && is_loopback(&parsed))) {
            return Err(ProviderError::new(
                ErrorKind::BadRequest,
                format!(
                    "refusing to upload prompts over plain http to {}",
                    origin_of(&parsed)
                ),
            ));
        }
        let none = Credentials::default();
        let shown = redact_url(parsed.as_str());
        let resp = self
            .client
            .put(parsed)
            .header(
                USER_AGENT,
                HeaderValue::from_static(concat!("llmx/", env!("CARGO_PKG_VERSION"))),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(&e, &shown, &none))?;
        if resp.status().is_success() {
            return Ok(());
        }
        Err(ProviderError::new(
            ErrorKind::Server,
            format!(
                "HTTP {}: the upload to the signed URL was refused",
                resp.status().as_u16()
            ),
        )
        .with_status(resp.status().as_u16()))
    }

    /// `GET url` (authorised as the provider's chat requests are) and hand each line of the
    /// body to `on` as it arrives: a large JSONL file is never held whole. A line past
    /// `line_cap` bytes is an error.
    #[allow(clippy::too_many_arguments)]
    pub async fn each_line(
        &self,
        url: &str,
        creds: &Credentials,
        auth: super::AuthStyle,
        extra: &[(String, String)],
        wire: &dyn WireDialect,
        line_cap: usize,
        on: &mut dyn FnMut(&[u8]) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError> {
        let parsed = guard(url, creds)?;
        let headers = batch_headers(auth, extra, creds)?;
        let mut resp = self
            .client
            .get(parsed)
            .headers(headers)
            .send()
            .await
            .map_err(|e| transport_error(&e, url, creds))?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(redirect_error(status, resp.headers(), creds));
        }
        if !resp.status().is_success() {
            return Err(refused(resp, wire, creds).await);
        }
        let mut line: Vec<u8> = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| transport_error(&e, url, creds))?
        {
            let mut rest = &chunk[..];
            while let Some(i) = memchr::memchr(b'\n', rest) {
                line.extend_from_slice(&rest[..i]);
                on(&line)?;
                line.clear();
                rest = &rest[i + 1..];
            }
            line.extend_from_slice(rest);
            if line.len() > line_cap {
                return Err(too_big(line_cap));
            }
        }
        if !line.is_empty() {
            on(&line)?;
        }
        Ok(())
    }

    /// Download an image for a provider that takes no image URLs: a plain `GET` that carries
    /// no credential of any kind, follows at most five redirects (http and https only), and
    /// refuses a body over `cap` bytes. The caller bounds the time.
    pub async fn fetch_image(&self, url: &str, cap: usize) -> Result<Vec<u8>, ProviderError> {
        let none = Credentials::default();
        let mut at = reqwest::Url::parse(url)
            .map_err(|e| ProviderError::new(ErrorKind::BadRequest, format!("not a URL: {e}")))?;
        for _ in 0..=5 {
            if !matches!(at.scheme(), "http" | "https") {
                return Err(ProviderError::new(
                    ErrorKind::BadRequest,
                    format!("redirected to a {} URL, not http(s)", at.scheme()),
                ));
            }
            let mut resp = self
                .client
                .get(at.clone())
                .header(
                    USER_AGENT,
                    HeaderValue::from_static(concat!("llmx/", env!("CARGO_PKG_VERSION"))),
                )
                .send()
                .await
                .map_err(|e| transport_error(&e, at.as_str(), &none))?;
            let status = resp.status();
            if status.is_redirection() {
                let next = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| at.join(l).ok());
                match next {
                    Some(n) => {
                        at = n;
                        continue;
                    }
                    None => {
                        return Err(ProviderError::new(
                            ErrorKind::BadRequest,
                            format!("HTTP {} without a usable Location", status.as_u16()),
                        ))
                    }
                }
            }
            if !status.is_success() {
                let mut e = ProviderError::new(
                    ErrorKind::from_status(status.as_u16()),
                    format!("HTTP {}", status.as_u16()),
                );
                e.status = Some(status.as_u16());
                return Err(e);
            }
            if resp.content_length().is_some_and(|n| n > cap as u64) {
                return Err(too_big(cap));
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| transport_error(&e, at.as_str(), &none))?
            {
                if body.len() + chunk.len() > cap {
                    return Err(too_big(cap));
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(body);
        }
        Err(ProviderError::new(
            ErrorKind::BadRequest,
            "more than five redirects",
        ))
    }
}

fn too_big(cap: usize) -> ProviderError {
    ProviderError::new(
        ErrorKind::TooLarge,
        format!(
            "the image is over {}, the most the provider takes",
            super::image::size(cap)
        ),
    )
}

/// Proxies for non-loopback targets only; a loopback target always goes direct.
fn with_proxies(builder: reqwest::ClientBuilder, proxies: &Proxies) -> reqwest::ClientBuilder {
    if proxies.http.is_none() && proxies.https.is_none() {
        return builder.no_proxy();
    }
    let (http, https) = (proxies.http.clone(), proxies.https.clone());
    let proxy = reqwest::Proxy::custom(move |url| {
        if is_loopback(url) {
            return None;
        }
        match url.scheme() {
            "https" => https.clone(),
            "http" => http.clone(),
            _ => None,
        }
    })
    .no_proxy(
        proxies
            .no_proxy
            .as_deref()
            .and_then(reqwest::NoProxy::from_string),
    );
    builder.proxy(proxy)
}

/// 127.0.0.0/8, ::1 and `localhost` itself: traffic that never leaves the machine. Names under
/// `.localhost` are not trusted: a resolver may send them anywhere.
pub(crate) fn is_loopback(u: &reqwest::Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The headers of a request to a provider's other endpoints (files, batches): llmx's agent,
/// the provider's own headers, the credentials.
fn batch_headers(
    auth: super::AuthStyle,
    extra: &[(String, String)],
    creds: &Credentials,
) -> Result<HeaderMap, ProviderError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static(concat!("llmx/", env!("CARGO_PKG_VERSION"))),
    );
    for (k, v) in extra {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            headers.insert(n, v);
        }
    }
    add_credentials(&mut headers, auth, creds)?;
    Ok(headers)
}

/// A non-2xx answer as a typed error: the dialect's reading of its (bounded) body, its status
/// and any wait it asked for, secrets scrubbed.
async fn refused(
    resp: reqwest::Response,
    wire: &dyn WireDialect,
    creds: &Credentials,
) -> ProviderError {
    let status = resp.status().as_u16();
    let hint = retry_hint(resp.headers(), SystemTime::now());
    let body = read_capped_within(resp, MAX_ERROR_BODY, ERROR_BODY_WAIT).await;
    let mut e = wire.parse_error(status, &body);
    e.status = Some(status);
    e.retry_after = hint.or(e.retry_after);
    e.scrubbed(&creds.secrets())
}

/// Whether a request to `url` may carry `creds`: anything secret goes over https, or over
/// plain http only to a loopback address.
pub(crate) fn credentials_allowed(url: &reqwest::Url, creds: &Credentials) -> bool {
    !creds.any() || url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url))
}

/// `url` parsed, remembered for the next time: a server sends every request to the same few
/// URLs, and parsing one costs more than routing the request. At most [`URLS_KEPT`] are kept.
pub(crate) fn parse_url(url: &str) -> Result<reqwest::Url, url::ParseError> {
    type Kept = std::collections::HashMap<String, reqwest::Url>;
    static KEPT: std::sync::OnceLock<std::sync::Mutex<Kept>> = std::sync::OnceLock::new();
    let kept = KEPT.get_or_init(Default::default);
    if let Some(u) = kept.lock().unwrap_or_else(|e| e.into_inner()).get(url) {
        return Ok(u.clone());
    }
    let parsed = reqwest::Url::parse(url)?;
    let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
    if kept.len() >= URLS_KEPT {
        kept.clear();
    }
    kept.insert(url.to_string(), parsed.clone());
    Ok(parsed)
}

const URLS_KEPT: usize = 64;

/// The request URL, parsed, if `creds` may go to it.
fn guard(url: &str, creds: &Credentials) -> Result<reqwest::Url, ProviderError> {
    let parsed = parse_url(url)
        .map_err(|_| ProviderError::new(ErrorKind::BadRequest, "the request URL is not valid"))?;
    if credentials_allowed(&parsed, creds) {
        return Ok(parsed);
    }
    Err(ProviderError::new(
        ErrorKind::BadRequest,
        format!(
            "refusing to send credentials over plain http to {}; use https or a loopback address",
            origin_of(&parsed)
        ),
    ))
}

/// `scheme://host:port`, no user info, path or query.
fn origin_of(u: &reqwest::Url) -> String {
    u.origin().ascii_serialization()
}

/// A 3xx: llmx never follows it (the credentials would go along), and says where it pointed.
fn redirect_error(status: u16, headers: &HeaderMap, creds: &Credentials) -> ProviderError {
    let location = headers
        .get(reqwest::header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let message = match location {
        Some(l) => format!(
            "HTTP {status}: the server redirected to `{}`; llmx does not follow redirects on provider calls (set the base URL to the final address)",
            redact_url(&scrub(&l, &creds.secrets()))
        ),
        None => format!("HTTP {status}: the server answered with a redirect and no location; llmx does not follow redirects"),
    };
    ProviderError::new(ErrorKind::BadRequest, message).with_status(status)
}

/// Add the key and the config's secret headers, all marked sensitive.
fn add_credentials(
    headers: &mut HeaderMap,
    style: AuthStyle,
    creds: &Credentials,
) -> Result<(), ProviderError> {
    for (name, value) in &creds.headers {
        let (Ok(n), Ok(mut v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value.expose()),
        ) else {
            return Err(ProviderError::new(
                ErrorKind::BadRequest,
                format!("header `{name}` is not a valid HTTP header"),
            ));
        };
        v.set_sensitive(true);
        headers.insert(n, v);
    }
    if let Some(key) = &creds.key {
        let (name, value) = auth_header(style, key)?;
        headers.insert(name, value);
    }
    Ok(())
}

/// Sign a request for Bedrock (SigV4, service `bedrock`): over the host, the content type and
/// the body as sent; the signature, the date and any session token go in as headers, the
/// secret ones marked sensitive.
fn sign_aws(
    headers: &mut HeaderMap,
    url: &reqwest::Url,
    body: &[u8],
    aws: &super::AwsSigning,
    now: SystemTime,
) -> Result<(), ProviderError> {
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let signed = vec![
        ("host".to_string(), host),
        ("content-type".to_string(), "application/json".to_string()),
    ];
    let date = super::sigv4::amz_date(now);
    let added = super::sigv4::sign(
        &super::sigv4::Request {
            method: "POST",
            path: url.path(),
            query: url.query().unwrap_or(""),
            headers: &signed,
            body,
        },
        &super::sigv4::Scope {
            region: &aws.region,
            service: "bedrock",
            amz_date: &date,
            sign_body: false,
        },
        &aws.creds,
    );
    for (name, value) in added {
        let mut v = HeaderValue::from_str(&value).map_err(|_| {
            ProviderError::new(
                ErrorKind::Auth,
                "the AWS credentials hold characters that cannot go in an HTTP header",
            )
        })?;
        v.set_sensitive(name != "x-amz-date");
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| ProviderError::new(ErrorKind::Auth, "a signing header is not valid"))?;
        headers.insert(n, v);
    }
    Ok(())
}

/// The header carrying `key` in the given style, marked sensitive. This is the one place a key
/// is exposed.
fn auth_header(
    style: AuthStyle,
    key: &Secret,
) -> Result<(&'static str, HeaderValue), ProviderError> {
    let (name, value) = match style {
        AuthStyle::Bearer => ("authorization", format!("Bearer {}", key.expose())),
        AuthStyle::Header(h) => (h, key.expose().to_string()),
    };
    let mut v = HeaderValue::from_str(&value).map_err(|_| {
        ProviderError::new(
            ErrorKind::Auth,
            "the API key holds characters that cannot go in an HTTP header",
        )
    })?;
    v.set_sensitive(true);
    Ok((name, v))
}

/// [`read_capped`], for at most `wait`: what arrived by then.
async fn read_capped_within(mut resp: reqwest::Response, cap: usize, wait: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, resp.chunk()).await {
        let room = cap.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= cap {
            break;
        }
    }
    out
}

pub(crate) async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        let room = cap.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= cap {
            break;
        }
    }
    out
}

/// A transport failure as a typed error; reqwest's text can include the URL (never the key, which
/// travels in headers), and is scrubbed all the same; the URL is shown without user info.
pub(crate) fn transport_error(e: &reqwest::Error, url: &str, creds: &Credentials) -> ProviderError {
    let secrets = creds.secrets();
    let url = redact_url(url);
    let (kind, what) = if e.is_timeout() {
        (ErrorKind::Timeout, "timed out".to_string())
    } else if e.is_connect() {
        (ErrorKind::Network, "could not connect".to_string())
    } else if e.is_body() || e.is_decode() {
        (
            ErrorKind::Network,
            "connection cut while reading".to_string(),
        )
    } else {
        (ErrorKind::Network, "request failed".to_string())
    };
    let mut detail = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        detail = s.to_string();
        src = s.source();
    }
    let msg = if detail.is_empty() {
        format!("{what}: {url}")
    } else {
        format!("{what}: {url} ({detail})")
    };
    ProviderError::new(kind, msg).scrubbed(&secrets)
}

/// `x-should-retry: true|false`, which gateways (and the official OpenAI SDK) use to say whether
/// another attempt can help.
pub(crate) fn should_retry(h: &HeaderMap) -> Option<bool> {
    let v = h.get("x-should-retry")?.to_str().ok()?.trim();
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// How long the provider asked us to wait: `retry-after-ms`, `retry-after` (seconds or an HTTP
/// date), or the longest of the rate-limit reset headers.
pub(crate) fn retry_hint(h: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_secs_f64(ms.min(86_400_000.0) / 1000.0));
        }
    }
    if let Some(v) = get("retry-after") {
        if let Ok(secs) = v.parse::<f64>() {
            if secs.is_finite() && secs >= 0.0 {
                return Some(Duration::from_secs_f64(secs.min(86_400.0)));
            }
        } else if let Ok(when) = httpdate::parse_http_date(v) {
            return Some(when.duration_since(now).unwrap_or(Duration::ZERO));
        }
    }
    // OpenAI / Groq resets are Go-style durations (`6m0s`, `1.5s`, `20ms`).
    let mut longest: Option<Duration> = None;
    for name in ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"] {
        if let Some(d) = get(name).and_then(parse_go_duration) {
            longest = Some(longest.map_or(d, |l| l.max(d)));
        }
    }
    longest
}

/// Parse `1h2m3.5s`, `250ms`, `6m0s`.
pub(crate) fn parse_go_duration(s: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                0.001
            }
            ('h', _) => 3600.0,
            ('m', _) => 60.0,
            ('s', _) => 1.0,
            _ => return None,
        };
        let n: f64 = num.parse().ok()?;
        total += n * unit;
        num.clear();
        any = true;
    }
    if !num.is_empty() || !any || !total.is_finite() {
        return None;
    }
    Some(Duration::from_secs_f64(total.min(86_400.0)))
}

/// The request as `-v` shows it: the URL with its user info masked, and with `-vv` every
/// header (secret ones masked) and the body (secrets scrubbed).
fn log_sent(
    ex: &super::wire_log::Exchange,
    call: &HttpCall,
    creds: &Credentials,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) {
    let secrets = creds.secrets();
    let shown: Vec<(String, String)> = if body.is_some() {
        headers
            .iter()
            .map(|(k, v)| {
                let value = String::from_utf8_lossy(v.as_bytes());
                let value = if v.is_sensitive() {
                    mask_header(&value)
                } else {
                    scrub(&value, &secrets)
                };
                (k.as_str().to_string(), value)
            })
            .collect()
    } else {
        Vec::new()
    };
    let body = body.map(|b| scrub(&String::from_utf8_lossy(b), &secrets));
    let url = scrub(&redact_url(&call.url), &secrets);
    ex.sent("POST", &url, &shown, body.as_deref());
}

/// A sensitive header's value as shown: `Bearer sk-…abcd`, or the value masked.
fn mask_header(value: &str) -> String {
    match value.strip_prefix("Bearer ") {
        Some(k) => format!("Bearer {}", Secret::new(k).masked()),
        None => Secret::new(value).masked(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_url_is_the_url_parsed_afresh() {
        let urls: Vec<String> = (0..200)
            .map(|i| {
                format!(
                    "https://api{}.example.com:8443/v1/chat/completions?x={i}",
                    i % 7
                )
            })
            .chain(["not a url".into(), "http://[::1]:9/a".into(), "".into()])
            .collect();
        // Twice over, past the number kept: every answer is the fresh parse's.
        for _ in 0..2 {
            for u in &urls {
                assert_eq!(
                    super::parse_url(u).map(|u| u.to_string()),
                    reqwest::Url::parse(u).map(|u| u.to_string()),
                    "{u}"
                );
            }
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_hint(&headers(&[("retry-after", "2")]), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_hint(
                &headers(&[("retry-after-ms", "1500"), ("retry-after", "9")]),
                now
            ),
            Some(Duration::from_millis(1500))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_str(&date).unwrap());
        assert_eq!(retry_hint(&h, now), Some(Duration::from_secs(30)));
        assert_eq!(
            retry_hint(
                &headers(&[
                    ("x-ratelimit-reset-requests", "6m0s"),
                    ("x-ratelimit-reset-tokens", "20ms")
                ]),
                now
            ),
            Some(Duration::from_secs(360))
        );
        assert_eq!(retry_hint(&headers(&[("retry-after", "soon")]), now), None);
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("6ms"), Some(Duration::from_millis(6)));
        assert_eq!(parse_go_duration("1h0m1s"), Some(Duration::from_secs(3601)));
        assert_eq!(parse_go_duration("x"), None);
        assert_eq!(parse_go_duration("12"), None);
    }
}

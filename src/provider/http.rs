//! The only place llmx does HTTP: one shared client (connection reuse across every target of a
//! run), the key added as a sensitive header, non-2xx statuses turned into typed errors with the
//! provider's wait hints, and every error message scrubbed of keys.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, USER_AGENT};

use super::dialect::{Listing, WireDialect};
use super::error::{ErrorKind, ProviderError};
use super::{AuthStyle, HttpCall};
use crate::auth::{scrub, Secret};

/// Largest error body llmx reads; the rest is dropped (an error page can be huge).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The shared HTTP client.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    pub fn new(connect_timeout: Duration) -> Result<Self, ProviderError> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ProviderError::new(ErrorKind::Network, format!("http client: {e}")))?;
        Ok(HttpClient { client })
    }

    /// A client that sets no timers of its own (no connect or idle timeout), for tests that
    /// run on tokio's paused clock, where any pending timer fires as soon as the runtime idles.
    pub fn untimed() -> Result<Self, ProviderError> {
        let client = reqwest::Client::builder()
            .pool_idle_timeout(None)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ProviderError::new(ErrorKind::Network, format!("http client: {e}")))?;
        Ok(HttpClient { client })
    }

    /// Send `call` and return the response once its status is a success. The key is exposed
    /// here and nowhere else.
    pub async fn send(
        &self,
        call: &HttpCall,
        key: Option<&Secret>,
        wire: &dyn WireDialect,
    ) -> Result<reqwest::Response, ProviderError> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("llmx/", env!("CARGO_PKG_VERSION"))),
        );
        for (k, v) in &call.headers {
            let name = reqwest::header::HeaderName::from_bytes(k.as_bytes());
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
        if let Some(key) = key {
            let (name, value) = auth_header(call.auth, key)?;
            headers.insert(name, value);
        }
        let body = serde_json::to_vec(&call.body)
            .map_err(|e| ProviderError::decode(format!("could not encode request: {e}")))?;
        let resp = self
            .client
            .post(&call.url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(&e, &call.url, key))?;
        let status = resp.status().as_u16();
        if resp.status().is_success() {
            return Ok(resp);
        }
        let hint = retry_hint(resp.headers(), SystemTime::now());
        let body = read_capped(resp, MAX_ERROR_BODY).await;
        let mut e = wire.parse_error(status, &body);
        e.status = Some(status);
        if hint.is_some() {
            e.retry_after = hint;
        }
        e.message = scrub(&e.message, &key.into_iter().collect::<Vec<_>>());
        Err(e)
    }

    /// A model listing (`GET`, as the dialect describes it): the body on success, a typed
    /// error otherwise.
    pub async fn get(
        &self,
        listing: &Listing,
        key: Option<&Secret>,
        wire: &dyn WireDialect,
    ) -> Result<Vec<u8>, ProviderError> {
        let url = listing.url.as_str();
        let mut req = self
            .client
            .get(url)
            .header(USER_AGENT, concat!("llmx/", env!("CARGO_PKG_VERSION")));
        for (name, value) in &listing.headers {
            req = req.header(name.as_str(), value.as_str());
        }
        if let Some(secret) = key {
            let (name, value) = auth_header(listing.auth, secret)?;
            req = req.header(name, value);
        }
        let secrets: Vec<&Secret> = key.into_iter().collect();
        let resp = req
            .send()
            .await
            .map_err(|e| transport_error(&e, url, key))?;
        let status = resp.status().as_u16();
        let ok = resp.status().is_success();
        let body = read_capped(resp, 64 * 1024 * 1024).await;
        if ok {
            Ok(body)
        } else {
            let mut e = wire.parse_error(status, &body);
            e.message = scrub(&e.message, &secrets);
            Err(e)
        }
    }
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

async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Vec<u8> {
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
/// travels in headers), and is scrubbed all the same.
pub fn transport_error(e: &reqwest::Error, url: &str, key: Option<&Secret>) -> ProviderError {
    let secrets: Vec<&Secret> = key.into_iter().collect();
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
    ProviderError::new(kind, scrub(&msg, &secrets))
}

/// How long the provider asked us to wait: `retry-after-ms`, `retry-after` (seconds or an HTTP
/// date), or the longest of the rate-limit reset headers.
pub fn retry_hint(h: &HeaderMap, now: SystemTime) -> Option<Duration> {
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
pub fn parse_go_duration(s: &str) -> Option<Duration> {
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

#[cfg(test)]
mod tests {
    use super::*;

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

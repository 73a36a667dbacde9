//! Google's side of Vertex AI in the mock: an OAuth2 token endpoint (`POST /token`) that
//! checks a service account's JWT the way Google's does — RS256 with the public half of the
//! account's key, its issuer, audience, scope and times — and issues short-lived access
//! tokens; and the check that a Vertex request under `/v1/projects/…` carries one it issued
//! and that has not expired.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Recorded;

/// The service account whose JWTs are accepted, and how long a token lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleConfig {
    /// A service-account key file: its `client_email` must be the JWT's issuer, and its key's
    /// public half must verify the signature.
    pub service_account: PathBuf,
    /// Seconds an access token stays good (default 3600).
    #[serde(default)]
    pub token_lifetime_secs: Option<u64>,
    /// An application-default user's refresh token (`grant_type=refresh_token`) accepted too.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Tokens issued, and until when each is good.
#[derive(Debug, Default)]
pub struct Tokens(Mutex<HashMap<String, Instant>>);

/// `POST /token`: an access token for a good JWT, or Google's `invalid_grant`.
pub fn token(config: &GoogleConfig, tokens: &Tokens, rec: &Recorded) -> (u16, String) {
    let refuse = |why: &str| {
        (
            400,
            json!({"error": "invalid_grant", "error_description": why}).to_string(),
        )
    };
    let form: HashMap<String, String> = String::from_utf8_lossy(&rec.body)
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (super::bedrock::decode(k), super::bedrock::decode(v)))
        .collect();
    if form.get("grant_type").map(String::as_str) == Some("refresh_token") {
        let known = config.refresh_token.is_some()
            && form.get("refresh_token") == config.refresh_token.as_ref()
            && form.get("client_id").is_some_and(|c| !c.is_empty())
            && form.get("client_secret").is_some_and(|c| !c.is_empty());
        if !known {
            return refuse("Bad Request");
        }
        return issue(config, tokens);
    }
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return refuse("unsupported grant_type");
    }
    let Some(jwt) = form.get("assertion") else {
        return refuse("no assertion");
    };
    let sa: Value = match std::fs::read_to_string(&config.service_account)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
    {
        Some(v) => v,
        None => return (500, "the mock cannot read its service account".into()),
    };
    let parts: Vec<&str> = jwt.split('.').collect();
    let [head, claims, sig] = parts.as_slice() else {
        return refuse("Invalid JWT: not three parts");
    };
    let dec = |s: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .ok()
    };
    let (Some(h), Some(c), Some(sig)) = (dec(head), dec(claims), dec(sig)) else {
        return refuse("Invalid JWT: not base64url");
    };
    let h: Value = serde_json::from_slice(&h).unwrap_or(Value::Null);
    let c: Value = serde_json::from_slice(&c).unwrap_or(Value::Null);
    if h["alg"] != "RS256" {
        return refuse("Invalid JWT: alg must be RS256");
    }
    let pem = sa["private_key"].as_str().unwrap_or("");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let Some(der) = base64::engine::general_purpose::STANDARD.decode(body).ok() else {
        return (500, "the mock's service account key is not PEM".into());
    };
    let Ok(pair) = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&der) else {
        return (
            500,
            "the mock's service account key is not PKCS#8 RSA".into(),
        );
    };
    let public = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        aws_lc_rs::signature::KeyPair::public_key(&pair)
            .as_ref()
            .to_vec(),
    );
    if public
        .verify(format!("{head}.{claims}").as_bytes(), &sig)
        .is_err()
    {
        return refuse("Invalid JWT Signature.");
    }
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    if c["iss"] != sa["client_email"] {
        return refuse("Invalid JWT: iss is not the service account");
    }
    if c["aud"] != "https://oauth2.googleapis.com/token" {
        return refuse("Invalid JWT: aud must be https://oauth2.googleapis.com/token");
    }
    if !c["scope"].as_str().is_some_and(|s| {
        s.split(' ')
            .any(|x| x == "https://www.googleapis.com/auth/cloud-platform")
    }) {
        return refuse("Invalid JWT: no cloud-platform scope");
    }
    let (iat, exp) = (
        c["iat"].as_u64().unwrap_or(0),
        c["exp"].as_u64().unwrap_or(0),
    );
    if iat > now + 300 || exp <= now || exp > iat + 3600 {
        return refuse("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
    }
    issue(config, tokens)
}

/// A new access token.
fn issue(config: &GoogleConfig, tokens: &Tokens) -> (u16, String) {
    let lifetime = config.token_lifetime_secs.unwrap_or(3600);
    let mut t = tokens.0.lock().unwrap_or_else(|p| p.into_inner());
    let token = format!("ya29.mock-{}", t.len() + 1);
    t.insert(
        token.clone(),
        Instant::now() + Duration::from_secs(lifetime),
    );
    (
        200,
        json!({"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}).to_string(),
    )
}

/// Why a Vertex request under a project may not pass: its bearer token is not one this
/// server issued, or has expired.
pub fn refused(tokens: &Tokens, rec: &Recorded) -> Option<String> {
    let token = rec
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "));
    let good = token.is_some_and(|t| {
        tokens
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(t)
            .is_some_and(|until| Instant::now() < *until)
    });
    (!good).then(|| {
        json!({"error": {"code": 401, "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", "status": "UNAUTHENTICATED"}}).to_string()
    })
}

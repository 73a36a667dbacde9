//! OAuth2 access tokens for Google Vertex AI, as Google's auth libraries get them: from a
//! service-account key file (`GOOGLE_APPLICATION_CREDENTIALS`; a JWT signed with its RSA key,
//! RS256, exchanged at its `token_uri`) or from application-default credentials
//! (`~/.config/gcloud/application_default_credentials.json`: an `authorized_user` refresh
//! token, or a service account). A token is kept until shortly before it expires and shared
//! by every request of the process. The GCE metadata server is never asked.
//!
//! The private key, the client secret, the refresh token and the access tokens are secrets:
//! exposed only to sign or to send, and scrubbed from every message.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use base64::Engine;
use serde_json::Value;

use super::error::{ErrorKind, ProviderError};
use crate::env::Env;
use crate::secret::Secret;

/// The scope Vertex AI takes.
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// The audience Google's auth libraries put in a service account's JWT, whatever its
/// `token_uri` says.
const AUDIENCE: &str = "https://oauth2.googleapis.com/token";

#[derive(Debug)]
enum Source {
    ServiceAccount {
        email: String,
        key: Secret,
        key_id: Option<String>,
    },
    AuthorizedUser {
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
    },
}

/// A Google credential and the token it last got.
#[derive(Debug)]
pub struct GoogleAuth {
    source: Source,
    token_uri: String,
    /// The project the key file names (a service account's `project_id`, a user's
    /// `quota_project_id`).
    pub project: Option<String>,
    /// Where it was found, for `keys list` and messages.
    pub origin: String,
    cached: tokio::sync::Mutex<Option<(Secret, SystemTime)>>,
}

impl GoogleAuth {
    /// The credential the environment names (`GOOGLE_APPLICATION_CREDENTIALS`), else the
    /// application-default one if there is one. `Err` says what is wrong with a file that is
    /// there.
    pub fn find(env: &Env) -> Result<Option<GoogleAuth>, String> {
        if let Some(p) = env
            .get("GOOGLE_APPLICATION_CREDENTIALS")
            .filter(|p| !p.trim().is_empty())
        {
            let path = PathBuf::from(p.trim());
            return GoogleAuth::from_file(&path, "GOOGLE_APPLICATION_CREDENTIALS").map(Some);
        }
        let adc = match env.get("CLOUDSDK_CONFIG").filter(|p| !p.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match env.get("HOME").filter(|h| !h.is_empty()) {
                Some(h) => PathBuf::from(h).join(".config/gcloud"),
                None => return Ok(None),
            },
        }
        .join("application_default_credentials.json");
        if !adc.exists() {
            return Ok(None);
        }
        GoogleAuth::from_file(&adc, "application-default credentials").map(Some)
    }

    fn from_file(path: &Path, what: &str) -> Result<GoogleAuth, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {what} `{shown}`: {e}"))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| format!("{what} `{shown}` is not a JSON key file"))?;
        let field = |name: &str| v[name].as_str().map(str::to_string);
        let need =
            |name: &str| field(name).ok_or_else(|| format!("{what} `{shown}` has no `{name}`"));
        let source = match v["type"].as_str() {
            Some("service_account") => Source::ServiceAccount {
                email: need("client_email")?,
                key: Secret::new(need("private_key")?),
                key_id: field("private_key_id"),
            },
            Some("authorized_user") => Source::AuthorizedUser {
                client_id: need("client_id")?,
                client_secret: Secret::new(need("client_secret")?),
                refresh_token: Secret::new(need("refresh_token")?),
            },
            other => {
                return Err(format!(
                    "{what} `{shown}` is of type `{}`, which llmx does not read (a service account's key file or `gcloud auth application-default login` does); or use an express-mode key in LLMX_VERTEX_API_KEY",
                    other.unwrap_or("none")
                ))
            }
        };
        let default_uri = "https://oauth2.googleapis.com/token";
        Ok(GoogleAuth {
            source,
            token_uri: field("token_uri").unwrap_or_else(|| default_uri.into()),
            project: field("project_id").or_else(|| field("quota_project_id")),
            origin: format!("{what} ({shown})"),
            cached: tokio::sync::Mutex::new(None),
        })
    }

    /// The secrets it holds (for the scrubber).
    pub fn secrets(&self) -> Vec<&Secret> {
        match &self.source {
            Source::ServiceAccount { key, .. } => vec![key],
            Source::AuthorizedUser {
                client_secret,
                refresh_token,
                ..
            } => vec![client_secret, refresh_token],
        }
    }

    /// Where tokens are asked for.
    pub fn token_uri(&self) -> &str {
        &self.token_uri
    }

    /// A token good for at least a while: the one kept, or a new one.
    pub async fn token(&self, client: &reqwest::Client) -> Result<Secret, ProviderError> {
        let mut cached = self.cached.lock().await;
        let now = SystemTime::now();
        if let Some((t, fresh_until)) = cached.as_ref() {
            if now < *fresh_until {
                return Ok(t.clone());
            }
        }
        let (token, lifetime) = self.fetch(client, now).await?;
        // Renewed a minute before it expires (halfway, for a short-lived one).
        let margin = (lifetime / 2).min(Duration::from_secs(60));
        *cached = Some((token.clone(), now + lifetime - margin));
        Ok(token)
    }

    async fn fetch(
        &self,
        client: &reqwest::Client,
        now: SystemTime,
    ) -> Result<(Secret, Duration), ProviderError> {
        let url = reqwest::Url::parse(&self.token_uri)
            .ok()
            .filter(|u| {
                u.scheme() == "https"
                    || (u.scheme() == "http"
                        && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
            })
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorKind::Auth,
                    format!(
                        "the credential's token_uri `{}` is not https (or loopback): llmx sends no credential there",
                        crate::secret::redact_url(&self.token_uri)
                    ),
                )
            })?;
        let form: Vec<(&str, String)> = match &self.source {
            Source::ServiceAccount { email, key, key_id } => vec![
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:jwt-bearer".into(),
                ),
                (
                    "assertion",
                    jwt(email, key, key_id.as_deref(), now).map_err(|e| {
                        ProviderError::new(ErrorKind::Auth, format!("{}: {e}", self.origin))
                    })?,
                ),
            ],
            Source::AuthorizedUser {
                client_id,
                client_secret,
                refresh_token,
            } => vec![
                ("grant_type", "refresh_token".into()),
                ("client_id", client_id.clone()),
                ("client_secret", client_secret.expose().to_string()),
                ("refresh_token", refresh_token.expose().to_string()),
            ],
        };
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::percent::encode(v, false)))
            .collect::<Vec<_>>()
            .join("&");
        let failed = |what: String| {
            let secrets = self.secrets();
            ProviderError::new(
                ErrorKind::Auth,
                crate::secret::scrub(
                    &format!(
                        "could not get a Google access token from {}: {what}",
                        self.token_uri
                    ),
                    &secrets,
                ),
            )
        };
        let resp = client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = resp.status().as_u16();
        let bytes = super::http::read_capped(resp, 64 << 10).await;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status != 200 {
            let why = v["error_description"]
                .as_str()
                .or(v["error"].as_str())
                .unwrap_or("no reason given");
            return Err(failed(format!("HTTP {status}: {why}")));
        }
        let Some(token) = v["access_token"].as_str().filter(|t| !t.is_empty()) else {
            return Err(failed("the answer holds no access_token".into()));
        };
        let lifetime = v["expires_in"].as_u64().unwrap_or(3600).clamp(1, 86_400);
        Ok((Secret::new(token), Duration::from_secs(lifetime)))
    }
}

/// A service account's JWT: RS256 over `header.claims`, its key from the key file's PEM.
fn jwt(email: &str, key: &Secret, key_id: Option<&str>, now: SystemTime) -> Result<String, String> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let iat = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let mut header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
    if let Some(k) = key_id {
        header["kid"] = Value::String(k.into());
    }
    let claims = serde_json::json!({
        "iss": email, "scope": SCOPE, "aud": AUDIENCE, "iat": iat, "exp": iat + 3600
    });
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let der = pem_body(key.expose()).ok_or("its private_key is not a PEM key")?;
    let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&der)
        .map_err(|_| "its private_key is not an RSA key in PKCS#8 form".to_string())?;
    let mut sig = vec![0; pair.public_modulus_len()];
    pair.sign(
        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .map_err(|_| "signing with its private_key failed".to_string())?;
    Ok(format!("{input}.{}", b64(&sig)))
}

/// The bytes of a PEM block.
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_accounts_jwt_is_signed_with_its_key_and_verifies_with_its_public_half() {
        let sa: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/vertex/service-account.json"
        ))
        .unwrap();
        let key = Secret::new(sa["private_key"].as_str().unwrap());
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let t = jwt("sa@x.iam.gserviceaccount.com", &key, Some("kid1"), now).unwrap();
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let dec = |s: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .unwrap()
        };
        let header: Value = serde_json::from_slice(&dec(parts[0])).unwrap();
        assert_eq!(
            header,
            serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "kid1"})
        );
        let claims: Value = serde_json::from_slice(&dec(parts[1])).unwrap();
        assert_eq!(claims["aud"], AUDIENCE);
        assert_eq!(claims["scope"], SCOPE);
        assert_eq!(claims["exp"], 1_800_003_600u64);
        let pair =
            aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&pem_body(key.expose()).unwrap()).unwrap();
        let public = aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            aws_lc_rs::signature::KeyPair::public_key(&pair).as_ref(),
        );
        let input = format!("{}.{}", parts[0], parts[1]);
        assert!(public.verify(input.as_bytes(), &dec(parts[2])).is_ok());
        assert!(public.verify(b"something else", &dec(parts[2])).is_err());
    }

    #[test]
    fn key_files_of_each_kind_and_what_is_wrong_with_others() {
        let d = tempfile::tempdir().unwrap();
        let user = d.path().join("adc.json");
        std::fs::write(
            &user,
            r#"{"type": "authorized_user", "client_id": "id", "client_secret": "cs-0123456789", "refresh_token": "rt-0123456789", "quota_project_id": "p1"}"#,
        )
        .unwrap();
        let env = Env::from_pairs([("GOOGLE_APPLICATION_CREDENTIALS", user.to_str().unwrap())]);
        let a = GoogleAuth::find(&env).unwrap().unwrap();
        assert_eq!(a.project.as_deref(), Some("p1"));
        assert_eq!(a.token_uri(), "https://oauth2.googleapis.com/token");
        assert_eq!(a.secrets().len(), 2);
        let other = d.path().join("ext.json");
        std::fs::write(&other, r#"{"type": "external_account"}"#).unwrap();
        let env = Env::from_pairs([("GOOGLE_APPLICATION_CREDENTIALS", other.to_str().unwrap())]);
        let e = GoogleAuth::find(&env).unwrap_err();
        assert!(e.contains("of type `external_account`"), "{e}");
        // No variable and no application-default file: none, no error.
        let env = Env::from_pairs([("HOME", d.path().to_str().unwrap())]);
        assert!(GoogleAuth::find(&env).unwrap().is_none());
    }
}

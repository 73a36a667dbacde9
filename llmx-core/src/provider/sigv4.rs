//! AWS Signature Version 4, as Amazon Bedrock takes it in the `Authorization` header: the
//! canonical request (method, path encoded once more, sorted query, the signed headers, the
//! body's SHA-256), the string to sign, and the HMAC-SHA256 chain from the secret key through
//! date, region and service. Checked against AWS's published test suite
//! (`tests/fixtures/sigv4`). The secret key and the session token are [`Secret`]s: they are
//! read here, where the signature is made, and nowhere else.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::percent;
use crate::secret::Secret;

/// AWS credentials: an access key id and its secret, and the session token that temporary
/// credentials come with.
#[derive(Debug, Clone)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// What is signed: the request as it will be sent.
pub struct Request<'a> {
    pub method: &'a str,
    /// The path as sent on the wire (already percent-encoded where it needs to be).
    pub path: &'a str,
    /// The query string as sent, without `?` (empty for none).
    pub query: &'a str,
    /// Every header that is signed, `host` included, as sent.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// Where and when a request is signed.
pub struct Scope<'a> {
    pub region: &'a str,
    /// The signing name (`bedrock` for Bedrock's runtime host `bedrock-runtime`).
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
    /// Also sign the body's hash as `x-amz-content-sha256` (S3 wants it; Bedrock does not).
    pub sign_body: bool,
}

/// The headers to add to the request: `x-amz-date`, the session token if there is one,
/// `x-amz-content-sha256` when asked for, and `authorization`.
pub fn sign(req: &Request<'_>, scope: &Scope<'_>, creds: &AwsCredentials) -> Vec<(String, String)> {
    let (creq, signed, added) = canonical_request(req, scope, creds);
    let sts = string_to_sign(scope, &creq);
    let signature = signature(scope, creds, &sts);
    let mut out = added;
    out.push((
        "authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={signed}, Signature={signature}",
            creds.access_key_id,
            credential_scope(scope)
        ),
    ));
    out
}

/// `YYYYMMDDTHHMMSSZ` of `t`.
pub fn amz_date(t: std::time::SystemTime) -> String {
    let s = crate::clock::rfc3339(t);
    let mut out: String = s[..19].chars().filter(|c| *c != '-' && *c != ':').collect();
    out.push('Z');
    out
}

fn credential_scope(scope: &Scope<'_>) -> String {
    format!(
        "{}/{}/{}/aws4_request",
        &scope.amz_date[..8],
        scope.region,
        scope.service
    )
}

/// The canonical request, the signed headers' names (`a;b;c`), and the headers signing adds.
fn canonical_request(
    req: &Request<'_>,
    scope: &Scope<'_>,
    creds: &AwsCredentials,
) -> (String, String, Vec<(String, String)>) {
    let payload = hex(&Sha256::digest(req.body));
    let mut added = vec![("x-amz-date".to_string(), scope.amz_date.to_string())];
    if let Some(t) = &creds.session_token {
        added.push(("x-amz-security-token".into(), t.expose().to_string()));
    }
    if scope.sign_body {
        added.push(("x-amz-content-sha256".into(), payload.clone()));
    }
    // Lower-cased names, sorted; a name given twice has its values joined by commas in order.
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in req.headers.iter().chain(&added) {
        let name = name.to_ascii_lowercase();
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                v.push(',');
                v.push_str(&value);
            }
            None => headers.push((name, value)),
        }
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let signed = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let mut creq = String::new();
    creq.push_str(req.method);
    creq.push('\n');
    creq.push_str(&canonical_uri(req.path));
    creq.push('\n');
    creq.push_str(&canonical_query(req.query));
    creq.push('\n');
    for (n, v) in &headers {
        creq.push_str(n);
        creq.push(':');
        creq.push_str(v);
        creq.push('\n');
    }
    creq.push('\n');
    creq.push_str(&signed);
    creq.push('\n');
    creq.push_str(&payload);
    (creq, signed, added)
}

fn string_to_sign(scope: &Scope<'_>, creq: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{}\n{}\n{}",
        scope.amz_date,
        credential_scope(scope),
        hex(&Sha256::digest(creq.as_bytes()))
    )
}

fn signature(scope: &Scope<'_>, creds: &AwsCredentials, sts: &str) -> String {
    let secret = format!("AWS4{}", creds.secret_access_key.expose());
    let k_date = hmac(secret.as_bytes(), &scope.amz_date.as_bytes()[..8]);
    let k_region = hmac(&k_date, scope.region.as_bytes());
    let k_service = hmac(&k_region, scope.service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    hex(&hmac(&k_signing, sts.as_bytes()))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The path as sent, encoded once more (its `/` kept): a `:` sent as `%3A` is signed as
/// `%253A`, as AWS does for every service but S3.
fn canonical_uri(path: &str) -> String {
    crate::percent::encode(if path.is_empty() { "/" } else { path }, true)
}

/// The query's pairs decoded, encoded strictly, sorted by name then value.
fn canonical_query(q: &str) -> String {
    let mut pairs: Vec<(String, String)> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let strict = |s: &str| percent::encode(&percent::decode(s), false);
            (strict(k), strict(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One case of AWS's suite: its files, as copied into `tests/fixtures/sigv4`.
    struct Case {
        name: &'static str,
        context: &'static str,
        request: &'static str,
        creq: &'static str,
        sts: &'static str,
        signature: &'static str,
    }

    macro_rules! case {
        ($name:literal) => {
            Case {
                name: $name,
                context: include_str!(concat!(
                    "../../../tests/fixtures/sigv4/",
                    $name,
                    "/context.json"
                )),
                request: include_str!(concat!(
                    "../../../tests/fixtures/sigv4/",
                    $name,
                    "/request.txt"
                )),
                creq: include_str!(concat!(
                    "../../../tests/fixtures/sigv4/",
                    $name,
                    "/header-canonical-request.txt"
                )),
                sts: include_str!(concat!(
                    "../../../tests/fixtures/sigv4/",
                    $name,
                    "/header-string-to-sign.txt"
                )),
                signature: include_str!(concat!(
                    "../../../tests/fixtures/sigv4/",
                    $name,
                    "/header-signature.txt"
                )),
            }
        };
    }

    fn cases() -> Vec<Case> {
        vec![
            case!("get-vanilla"),
            case!("get-vanilla-query"),
            case!("get-vanilla-query-order-key-case"),
            case!("get-vanilla-query-order-encoded"),
            case!("get-vanilla-query-unreserved"),
            case!("get-vanilla-with-session-token"),
            case!("get-utf8"),
            case!("get-space-unnormalized"),
            case!("get-unreserved"),
            case!("get-header-value-trim"),
            case!("get-header-key-duplicate"),
            case!("post-vanilla"),
            case!("post-header-key-sort"),
            case!("post-x-www-form-urlencoded"),
        ]
    }

    #[test]
    fn every_published_case_gives_awss_canonical_request_string_to_sign_and_signature() {
        for c in cases() {
            let ctx: serde_json::Value = serde_json::from_str(c.context).unwrap();
            let creds = AwsCredentials {
                access_key_id: ctx["credentials"]["access_key_id"].as_str().unwrap().into(),
                secret_access_key: Secret::new(
                    ctx["credentials"]["secret_access_key"].as_str().unwrap(),
                ),
                session_token: ctx["credentials"]["token"].as_str().map(Secret::new),
            };
            let (head, body) = c.request.split_once("\n\n").unwrap_or((c.request, ""));
            let mut lines = head.lines();
            let first: Vec<&str> = lines.next().unwrap().split(' ').collect();
            // The request line is `METHOD TARGET HTTP/1.1`; the target may hold a space.
            let target = first[1..first.len() - 1].join(" ");
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            let headers: Vec<(String, String)> = lines
                .map(|l| {
                    let (n, v) = l.split_once(':').unwrap();
                    (n.to_string(), v.to_string())
                })
                .collect();
            let time: std::time::SystemTime = {
                // `2015-08-30T12:36:00Z` in every case.
                assert_eq!(ctx["timestamp"], "2015-08-30T12:36:00Z", "{}", c.name);
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160)
            };
            let date = amz_date(time);
            let scope = Scope {
                region: ctx["region"].as_str().unwrap(),
                service: ctx["service"].as_str().unwrap(),
                amz_date: &date,
                sign_body: ctx["sign_body"].as_bool().unwrap(),
            };
            let req = Request {
                method: first[0],
                path,
                query,
                headers: &headers,
                body: body.as_bytes(),
            };
            let (creq, _, _) = canonical_request(&req, &scope, &creds);
            assert_eq!(creq, c.creq, "{}: canonical request", c.name);
            let sts = string_to_sign(&scope, &creq);
            assert_eq!(sts, c.sts, "{}: string to sign", c.name);
            assert_eq!(signature(&scope, &creds, &sts), c.signature, "{}", c.name);
            let auth = sign(&req, &scope, &creds);
            let a = &auth.last().unwrap().1;
            assert!(a.ends_with(&format!("Signature={}", c.signature)), "{a}");
            assert!(a.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders="));
        }
    }

    #[test]
    fn a_colon_in_a_model_id_is_sent_once_encoded_and_signed_twice() {
        assert_eq!(
            canonical_uri("/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"),
            "/model/us.anthropic.claude-3-5-haiku-20241022-v1%253A0/converse"
        );
    }
}

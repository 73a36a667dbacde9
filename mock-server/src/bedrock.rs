//! Amazon Bedrock's side of the mock: the runtime routes (`/model/ID/converse` and
//! `/converse-stream`), SigV4 verified the way AWS verifies it (the canonical request rebuilt
//! from what arrived, the string to sign, the key derived from the test credentials, the
//! signature compared), and ConverseStream's binary event-stream framing with its CRCs. Written
//! apart from llmx's own signer and decoder, so the tests check one against the other.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::Recorded;

/// The credentials requests must be signed with.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// When set, requests must carry (and sign) it as `x-amz-security-token`.
    #[serde(default)]
    pub session_token: Option<String>,
    /// The region requests must be signed for.
    pub region: String,
}

/// The model id and whether it streams, for a Bedrock runtime path.
pub fn route(path: &str) -> Option<(String, bool)> {
    let rest = path.strip_prefix("/model/")?;
    let (id, action) = rest.rsplit_once('/')?;
    let stream = match action {
        "converse" => false,
        "converse-stream" => true,
        _ => return None,
    };
    Some((decode(id), stream))
}

/// Why the request may not pass, in AWS's words; `None` when it may: a bearer token (a
/// Bedrock API key), or a SigV4 signature that matches one made with `aws`.
pub fn refused(rec: &Recorded, aws: Option<&AwsConfig>) -> Option<(u16, String)> {
    let auth = rec.header("authorization").unwrap_or("");
    if let Some(token) = auth.strip_prefix("Bearer ") {
        return (token.trim().is_empty()).then(|| (403, "Invalid API key".into()));
    }
    let Some(aws) = aws else {
        return Some((403, "Missing Authentication Token".into()));
    };
    let Some(fields) = auth.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Some((403, "Missing Authentication Token".into()));
    };
    let field = |name: &str| {
        fields
            .split(',')
            .map(str::trim)
            .find_map(|f| f.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
    };
    let (Some(credential), Some(signed), Some(signature)) = (
        field("Credential"),
        field("SignedHeaders"),
        field("Signature"),
    ) else {
        return Some((
            403,
            "Authorization header requires Credential, SignedHeaders and Signature".into(),
        ));
    };
    let parts: Vec<&str> = credential.split('/').collect();
    let [key_id, date, region, service, "aws4_request"] = parts.as_slice() else {
        return Some((403, "Credential should be scoped correctly".into()));
    };
    if *key_id != aws.access_key_id {
        return Some((
            403,
            "The security token included in the request is invalid.".into(),
        ));
    }
    if *region != aws.region || *service != "bedrock" {
        return Some((403, format!("Credential should be scoped to a valid region and service (got {region}/{service})")));
    }
    let Some(amz_date) = rec.header("x-amz-date") else {
        return Some((403, "Missing x-amz-date".into()));
    };
    if !amz_date.starts_with(date) {
        return Some((
            403,
            "Date in Credential scope does not match X-Amz-Date".into(),
        ));
    }
    let names: Vec<&str> = signed.split(';').collect();
    for needed in ["host", "x-amz-date"] {
        if !names.contains(&needed) {
            return Some((403, format!("`{needed}` must be signed")));
        }
    }
    if let Some(token) = &aws.session_token {
        if rec.header("x-amz-security-token") != Some(token.as_str())
            || !names.contains(&"x-amz-security-token")
        {
            return Some((
                403,
                "The security token included in the request is invalid.".into(),
            ));
        }
    }
    // The canonical request, rebuilt from the request as it arrived.
    let (path, query) = rec.path.split_once('?').unwrap_or((&rec.path, ""));
    let mut canonical = format!(
        "POST\n{}\n{}\n",
        uri_encode(path, false),
        canonical_query(query)
    );
    for n in &names {
        let v = rec.header(n).unwrap_or("");
        canonical.push_str(&format!(
            "{n}:{}\n",
            v.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    canonical.push_str(&format!("\n{signed}\n{}", hex(&Sha256::digest(&rec.body))));
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(
        format!("AWS4{}", aws.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    for part in [region.as_bytes(), service.as_bytes(), b"aws4_request"] {
        key = hmac(&key, part);
    }
    let expected = hex(&hmac(&key, to_sign.as_bytes()));
    (expected != signature).then(|| {
        (
            403,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".into(),
        )
    })
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn uri_encode(s: &str, slash: bool) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b'/' if !slash => "/".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn canonical_query(q: &str) -> String {
    let mut pairs: Vec<String> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            format!(
                "{}={}",
                uri_encode(&decode(k), true),
                uri_encode(&decode(v), true)
            )
        })
        .collect();
    pairs.sort();
    pairs.join("&")
}

/// Percent-decoding.
pub fn decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The render's text for a stream piece — one event a line, `TYPE<TAB>JSON`, an exception as
/// `!TYPE<TAB>JSON` — as event-stream messages. `corrupt` flips a bit of the first message's
/// CRC (a damaged stream).
pub fn frames(text: &str, corrupt: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, line) in text.lines().filter(|l| !l.is_empty()).enumerate() {
        let (kind, payload) = line.split_once('\t').unwrap_or((line, "{}"));
        let mut m = match kind.strip_prefix('!') {
            Some(exception) => message(
                &[
                    (":exception-type", exception),
                    (":content-type", "application/json"),
                    (":message-type", "exception"),
                ],
                payload.as_bytes(),
            ),
            None => message(
                &[
                    (":event-type", kind),
                    (":content-type", "application/json"),
                    (":message-type", "event"),
                ],
                payload.as_bytes(),
            ),
        };
        if corrupt && i == 0 {
            let n = m.len();
            m[n - 1] ^= 0x01;
        }
        out.extend(m);
    }
    out
}

/// One event-stream message: prelude (total length, headers length, CRC), string headers,
/// payload, CRC of all that precedes it.
pub fn message(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    for (name, value) in headers {
        h.push(name.len() as u8);
        h.extend_from_slice(name.as_bytes());
        h.push(7);
        h.extend_from_slice(&(value.len() as u16).to_be_bytes());
        h.extend_from_slice(value.as_bytes());
    }
    let total = 12 + h.len() + payload.len() + 4;
    let mut m = Vec::with_capacity(total);
    m.extend_from_slice(&(total as u32).to_be_bytes());
    m.extend_from_slice(&(h.len() as u32).to_be_bytes());
    let prelude = crc32(&m);
    m.extend_from_slice(&prelude.to_be_bytes());
    m.extend_from_slice(&h);
    m.extend_from_slice(payload);
    let crc = crc32(&m);
    m.extend_from_slice(&crc.to_be_bytes());
    m
}

/// CRC-32 as zlib computes it, bit by bit.
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_framed_as_the_reference_frames_are() {
        // aws-c-event-stream's message with one `content-type` header and `{'foo':'bar'}`.
        let m = message(&[("content-type", "application/json")], b"{'foo':'bar'}");
        assert_eq!(m.len(), 0x3D);
        assert_eq!(&m[8..12], &[0x07, 0xFD, 0x83, 0x96]);
        assert_eq!(&m[m.len() - 4..], &[0x8D, 0x9C, 0x08, 0xB1]);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}

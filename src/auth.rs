//! Keys: the `Secret` type that keeps them out of every printout, where a provider's key is
//! looked up, and the scrubber that removes key-like text from anything a provider echoes back.

use std::fmt;

/// An API key. Its `Debug` and `Display` print a mask; it is not serialisable; the only way to
/// the value is [`Secret::expose`], called where the auth header is built.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The key itself. Call only to build a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A form safe to show: the first 3 and last 4 characters at most, the rest starred.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            return "****".to_string();
        }
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Prefixes of key formats the providers issue; text starting with one of these and running on
/// in key characters is treated as a key wherever it appears.
const KEY_PREFIXES: &[&str] = &["sk-", "sk_", "AIza", "gsk_", "xai-", "pk-", "key-", "r8_"];

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*')
}

/// Remove secrets from text that will be shown: every exact `known` key, and anything shaped
/// like a provider key (OpenAI's 401 echoes a fragment of the key it was sent).
pub fn scrub(text: &str, known: &[&Secret]) -> String {
    let mut out = text.to_string();
    for s in known {
        let v = s.expose();
        if v.len() >= 4 {
            out = out.replace(v, "[redacted]");
        }
    }
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    'outer: while !rest.is_empty() {
        for p in KEY_PREFIXES {
            if rest.starts_with(p) {
                let boundary_ok = result
                    .chars()
                    .last()
                    .map(|c| !c.is_ascii_alphanumeric())
                    .unwrap_or(true);
                let len: usize = rest
                    .char_indices()
                    .find(|(_, c)| !is_key_char(*c))
                    .map(|(i, _)| i)
                    .unwrap_or(rest.len());
                if boundary_ok && len >= p.len() + 8 {
                    result.push_str("[redacted]");
                    rest = &rest[len..];
                    continue 'outer;
                }
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        result.push(c);
        rest = &rest[c.len_utf8()..];
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_mask() {
        let s = Secret::new("sk-test-1234567890abcdef");
        assert_eq!(format!("{s}"), "sk-…cdef");
        assert_eq!(format!("{s:?}"), "Secret(sk-…cdef)");
        assert!(!format!("{s:?}").contains("1234567890"));
        assert_eq!(Secret::new("short").masked(), "****");
    }

    #[test]
    fn scrub_removes_known_and_key_shaped_text() {
        let k = Secret::new("my-custom-secret-value");
        let msg = "Incorrect API key provided: sk-wrong****-key. Also my-custom-secret-value here";
        let s = scrub(msg, &[&k]);
        assert_eq!(
            s,
            "Incorrect API key provided: [redacted]. Also [redacted] here"
        );
        assert_eq!(scrub("task-list is fine", &[]), "task-list is fine");
        assert_eq!(
            scrub("key AIzaSyA1234567890abcdefgh.", &[]),
            "key [redacted]."
        );
    }
}

//! Secrets: the `Secret` type that keeps keys out of every printout, and the scrubber that
//! removes key-like text (and the user info of URLs) from anything a provider echoes back.

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

/// The shortest key llmx takes: a shorter one could not be scrubbed from what a server echoes
/// without hiding ordinary words, so it is refused rather than sent.
pub const MIN_KEY_CHARS: usize = 4;

/// Prefixes of key formats the providers issue; text starting with one of these and running on
/// in key characters is treated as a key wherever it appears.
const KEY_PREFIXES: &[&str] = &["sk-", "sk_", "AIza", "gsk_", "xai-", "pk-", "key-", "r8_"];

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*')
}

/// Finds known secrets in text: each as written, in any ASCII case, and percent-encoded (as it
/// would appear echoed back in a URL). Matching is linear in the text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    /// Lower-cased forms to look for, longest first.
    needles: Vec<String>,
}

/// What replaces a secret.
pub(crate) const REDACTED: &str = "[redacted]";

impl Redactor {
    /// Secrets shorter than [`MIN_KEY_CHARS`] are not looked for (they would redact ordinary words).
    pub fn new(secrets: &[&Secret]) -> Redactor {
        let mut needles: Vec<String> = Vec::new();
        for s in secrets {
            let v = s.expose();
            if v.chars().count() < MIN_KEY_CHARS {
                continue;
            }
            for form in [v.to_string(), crate::percent::encode(v, false)] {
                let form = form.to_ascii_lowercase();
                if !needles.contains(&form) {
                    needles.push(form);
                }
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Redactor { needles }
    }

    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// The longest form looked for, in bytes: text that may still grow must hold back one
    /// byte fewer than this before it is shown.
    pub fn longest(&self) -> usize {
        self.needles.first().map_or(0, String::len)
    }

    /// How many bytes at the end of `text` could be the start of a secret (matched as
    /// [`Redactor::redact`] matches): text still growing holds those back until it knows.
    pub(crate) fn hold_len(&self, text: &str) -> usize {
        let window = self.longest().saturating_sub(1).min(text.len());
        let tail = text.as_bytes();
        let start = tail.len() - window;
        for p in start..tail.len() {
            let suffix = &tail[p..];
            if self.needles.iter().any(|n| {
                n.len() > suffix.len() && n.as_bytes()[..suffix.len()].eq_ignore_ascii_case(suffix)
            }) {
                return tail.len() - p;
            }
        }
        0
    }

    /// Replace every secret in `text`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        self.redact_from(&mut out, 0);
        out
    }

    /// Replace every secret that starts at or after byte `from` (a char boundary) of `text`.
    pub(crate) fn redact_from(&self, text: &mut String, from: usize) {
        if self.needles.is_empty() || from >= text.len() {
            return;
        }
        let mut hits: Vec<(usize, usize)> = Vec::new();
        let hay = &text.as_bytes()[from..];
        for n in &self.needles {
            for i in find_ignoring_case(hay, n.as_bytes()) {
                let (a, b) = (from + i, from + i + n.len());
                if hits.iter().all(|&(x, y)| b <= x || a >= y) {
                    hits.push((a, b));
                }
            }
        }
        if hits.is_empty() {
            return;
        }
        hits.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (a, b) in hits {
            // A hit that would split a character (a non-ASCII secret matched case-blind)
            // is left alone rather than cut mid-character.
            if !text.is_char_boundary(a) || !text.is_char_boundary(b) {
                continue;
            }
            out.push_str(&text[at..a]);
            out.push_str(REDACTED);
            at = b;
        }
        out.push_str(&text[at..]);
        *text = out;
    }
}

/// Where `needle` (lower-case) starts in `hay`, in any ASCII case, left to right without
/// overlaps: candidates found by their first byte (memchr), no copy of the text made.
fn find_ignoring_case<'h>(hay: &'h [u8], needle: &'h [u8]) -> impl Iterator<Item = usize> + 'h {
    let first = needle.first().copied().unwrap_or(0);
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let mut at = 0;
    std::iter::from_fn(move || {
        if needle.is_empty() {
            return None;
        }
        while at < hay.len() {
            let i = at + memchr::memchr2(lo, up, &hay[at..])?;
            let end = i + needle.len();
            if end <= hay.len() && hay[i..end].eq_ignore_ascii_case(needle) {
                at = end;
                return Some(i);
            }
            at = i + 1;
        }
        None
    })
}

/// The user name and password of a URL, as written and percent-decoded: secrets like a key.
pub(crate) fn url_userinfo(url: &str) -> Vec<Secret> {
    // No `@`, no user info (and no URL to parse on every request).
    if !url.contains('@') {
        return Vec::new();
    }
    let Ok(u) = reqwest::Url::parse(url) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for part in [Some(u.username()), u.password()].into_iter().flatten() {
        if part.is_empty() {
            continue;
        }
        out.push(Secret::new(part));
        let decoded = crate::percent::decode(part);
        if decoded != part {
            out.push(Secret::new(decoded));
        }
    }
    out
}

/// A URL fit to show: user info removed (`https://***@host/...`). Text that is not a URL is
/// returned as it was.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_password(None);
            let _ = u.set_username("***");
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Remove secrets from text that will be shown: every `known` secret (in any case, or
/// percent-encoded), and anything shaped like a provider key (OpenAI's 401 echoes a fragment
/// of the key it was sent). Scrub whole text first; cut it afterwards.
pub(crate) fn scrub(text: &str, known: &[&Secret]) -> String {
    let out = Redactor::new(known).redact(text);
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
                    result.push_str(REDACTED);
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
    fn secrets_are_found_in_any_case_and_percent_encoded() {
        let k = Secret::new("Sk-Live/abc+DEF=123456");
        let r = Redactor::new(&[&k]);
        assert_eq!(
            r.redact("a sk-live/ABC+def=123456 b Sk-Live%2Fabc%2BDEF%3D123456 c"),
            "a [redacted] b [redacted] c"
        );
        let text = "ends with sk-li";
        assert_eq!(r.hold_len(text), "sk-li".len());
        assert_eq!(r.hold_len("nothing secret here"), 0);
        assert_eq!(Redactor::new(&[&Secret::new("abc")]).redact("abc"), "abc");
    }

    #[test]
    fn url_user_info_is_a_secret_and_never_shown() {
        let info = url_userinfo("https://alice:p%40ss-word@gw.example.com/v1");
        let values: Vec<&str> = info.iter().map(Secret::expose).collect();
        assert_eq!(values, ["alice", "p%40ss-word", "p@ss-word"]);
        assert_eq!(
            redact_url("https://alice:p%40ss-word@gw.example.com/v1"),
            "https://***@gw.example.com/v1"
        );
        assert_eq!(
            redact_url("https://gw.example.com/v1"),
            "https://gw.example.com/v1"
        );
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

//! Percent-encoding (RFC 3986) and its reverse, as every URL, form and signature of llmx needs
//! it: every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as `%XX`.

/// `s` with every byte outside the unreserved set percent-encoded; `/` kept when `keep_slash`
/// (a path), encoded otherwise (one path segment, a form value, a query part).
pub fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `%XX` back to bytes (a `%` not followed by two hex digits stays as it is); bytes that are not
/// UTF-8 become U+FFFD.
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_leaves_stray_percents() {
        assert_eq!(encode("a b/c:d~", true), "a%20b/c%3Ad~");
        assert_eq!(encode("a b/c:d~", false), "a%20b%2Fc%3Ad~");
        assert_eq!(decode("openai%2Fgpt-4o"), "openai/gpt-4o");
        assert_eq!(decode("a%2"), "a%2");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%41%zz"), "A%zz");
        assert_eq!(decode(&encode("ሴ x", false)), "ሴ x");
    }
}

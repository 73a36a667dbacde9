//! Text from a server made safe to show: control characters and escape sequences are shown
//! visibly instead of acting on the terminal (ESC as `^[`, as git and less show it), carriage
//! returns and bidi overrides cannot overwrite or reorder other text, and JSON gets `\u` escapes
//! for the characters serde leaves raw. Every function is linear and borrows when nothing needs
//! changing.

use std::borrow::Cow;

/// How line structure is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Newlines and tabs stay (an answer, a table cell).
    Keep,
    /// Newlines and tabs become spaces (a progress line, an error line).
    Fold,
}

/// Bidi embeddings, overrides and isolates: they reorder the text around them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` must not reach a terminal as itself.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// Whether `s` has anything [`visible`] would change.
pub(crate) fn needs_change(s: &str, lines: Lines) -> bool {
    any_unsafe(s, lines == Lines::Fold)
}

/// Whether `s` has a character [`is_unsafe`] flags (with `fold`, a newline or tab too). Runs of
/// printable ASCII are passed over 32 bytes at a time (a row's megabytes of JSON are checked
/// before they are written); only the rest is decoded.
fn any_unsafe(s: &str, fold: bool) -> bool {
    const BLOCK: usize = 32;
    let b = s.as_bytes();
    let plain = |x: u8| (0x20..0x7f).contains(&x) || (!fold && (x == b'\n' || x == b'\t'));
    let mut i = 0;
    while i < b.len() {
        if let Some(block) = b.get(i..i + BLOCK) {
            if block.iter().fold(true, |all, &x| all & plain(x)) {
                i += BLOCK;
                continue;
            }
        }
        let x = b[i];
        if x < 0x80 {
            // An ASCII byte that is not plain is a control character (or, folding, a line end).
            if !plain(x) {
                return true;
            }
            i += 1;
        } else {
            // `i` is where a character starts: everything before it was ASCII or whole ones.
            let Some(c) = s.get(i..).and_then(|t| t.chars().next()) else {
                return false;
            };
            if is_unsafe(c) {
                return true;
            }
            i += c.len_utf8();
        }
    }
    false
}

/// `s` with every control character shown visibly: C0 controls and DEL in caret notation
/// (`^[`, `^M`, `^?`), C1 controls and bidi controls as `<U+XXXX>`. A `\r` right before a `\n`
/// is a Windows line end and is dropped.
pub fn visible(s: &str, lines: Lines) -> Cow<'_, str> {
    if !needs_change(s, lines) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' if lines == Lines::Fold => out.push(' '),
            '\n' | '\t' => out.push(c),
            '\r' if chars.peek() == Some(&'\n') => {}
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            '\u{7f}' => out.push_str("^?"),
            c if is_unsafe(c) => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// JSON text with DEL, C1 and bidi controls written as `\u` escapes. serde_json escapes the
/// C0 controls already; these others it leaves raw. Outside strings JSON has none of them, so
/// the document means exactly what it did.
pub fn json_escape_controls(json: &str) -> Cow<'_, str> {
    if !any_unsafe(json, false) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Streams text to a terminal in pieces: like [`visible`] with [`Lines::Keep`], but a `\r` at
/// the end of one piece waits for the next to know whether a `\n` follows it.
#[derive(Debug, Default)]
pub struct StreamFilter {
    pending_cr: bool,
}

impl StreamFilter {
    /// The safe form of the next piece.
    pub fn push(&mut self, piece: &str) -> String {
        let mut s = String::with_capacity(piece.len() + 1);
        if std::mem::take(&mut self.pending_cr) {
            s.push('\r');
        }
        s.push_str(piece);
        if s.ends_with('\r') {
            s.pop();
            self.pending_cr = true;
        }
        visible(&s, Lines::Keep).into_owned()
    }

    /// What is still held back, at the end of the stream.
    pub fn finish(&mut self) -> String {
        if std::mem::take(&mut self.pending_cr) {
            "^M".to_string()
        } else {
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_scan_finds_what_a_character_by_character_one_finds() {
        let naive = |s: &str, fold: bool| {
            s.chars()
                .any(|c| is_unsafe(c) || (fold && (c == '\n' || c == '\t')))
        };
        let pieces = [
            "a",
            "é",
            "\n",
            "\t",
            "\r",
            "\x1b",
            "\x7f",
            "\u{9b}",
            "\u{202e}",
            "\u{2069}",
            "日本",
            "\u{1F600}",
            "\u{a0}",
            "\u{2028}",
            "~",
            " ",
        ];
        let mut checked = 0;
        for (i, p) in pieces.iter().enumerate() {
            // Each piece at every offset across a block edge, inside plain ASCII and after
            // other non-ASCII text.
            for pad in 0..70 {
                for lead in ["", "é", "日本"] {
                    let s = format!("{lead}{}{p}{}", "x".repeat(pad), "y".repeat(i * 7 % 40));
                    for fold in [false, true] {
                        assert_eq!(any_unsafe(&s, fold), naive(&s, fold), "{s:?} fold={fold}");
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 16 * 70 * 3 * 2);
        assert!(!any_unsafe(&"plain text, no controls ".repeat(100), true));
        assert!(any_unsafe(&format!("{}\x1b", "z".repeat(1000)), false));
        assert!(!any_unsafe("", true));
    }

    #[test]
    fn escape_sequences_are_shown_not_run() {
        let hostile = "a\x1b]52;c;ZXZpbA==\x07b\x1b[2J\x1b[6nc\u{9b}31m";
        let shown = visible(hostile, Lines::Keep);
        assert_eq!(shown, "a^[]52;c;ZXZpbA==^Gb^[[2J^[[6nc<U+009B>31m");
        assert!(!shown.chars().any(|c| c.is_control()));
    }

    #[test]
    fn carriage_returns_and_bidi_cannot_rewrite_text() {
        assert_eq!(visible("paid\rfree", Lines::Keep), "paid^Mfree");
        assert_eq!(visible("one\r\ntwo", Lines::Keep), "one\ntwo");
        assert_eq!(
            visible("abc\u{202E}fed\u{2066}", Lines::Keep),
            "abc<U+202E>fed<U+2066>"
        );
        assert_eq!(visible("a\nb\tc", Lines::Fold), "a b c");
        assert_eq!(visible("del\x7f", Lines::Keep), "del^?");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            visible("plain text\nwith lines", Lines::Keep),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            json_escape_controls("{\"a\":1}"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn json_keeps_its_meaning() {
        let raw = serde_json::to_string(&"x\u{9b}y\u{202E}z\x1b").unwrap();
        let safe = json_escape_controls(&raw);
        assert_eq!(safe, "\"x\\u009by\\u202ez\\u001b\"");
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, "x\u{9b}y\u{202E}z\x1b");
    }

    #[test]
    fn a_stream_split_inside_a_crlf_keeps_the_line_end() {
        let mut f = StreamFilter::default();
        let mut out = f.push("one\r");
        out += &f.push("\ntwo\r");
        out += &f.push("x");
        out += &f.finish();
        assert_eq!(out, "one\ntwo^Mx");
    }
}

//! Text as words: wrapping at word boundaries to a width in terminal columns, and a word-level
//! diff of one answer against another. Pure functions, shared by the terminal table.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How a word is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Same,
    /// In this answer, not in the one compared against.
    Added,
    /// In the one compared against, not in this answer.
    Removed,
}

/// One word and its mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub mark: Mark,
}

/// A source line: its indentation (in columns) and its words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Para {
    pub indent: usize,
    pub words: Vec<Word>,
}

/// One wrapped line, ready to print: indentation, then words separated by one space.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    pub indent: usize,
    pub words: Vec<Word>,
}

impl Line {
    pub fn width(&self) -> usize {
        let words: usize = self.words.iter().map(|w| w.text.width()).sum();
        self.indent + words + self.words.len().saturating_sub(1)
    }

    /// The line as plain text (marks already spelled into the words when wanted).
    pub fn plain(&self) -> String {
        let mut s = " ".repeat(self.indent);
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&w.text);
        }
        s
    }
}

/// `text` as paragraphs of unmarked words; tabs count as four spaces of indentation.
pub fn paras(text: &str) -> Vec<Para> {
    text.lines()
        .map(|line| {
            let line = line.trim_end();
            let rest = line.trim_start();
            let lead = &line[..line.len() - rest.len()];
            let indent = lead.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
            Para {
                indent,
                words: rest
                    .split_whitespace()
                    .map(|w| Word {
                        text: w.to_string(),
                        mark: Mark::Same,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Paragraphs wrapped at word boundaries to lines of at most `width` columns. Indentation is
/// kept (up to half the width) on every line of its paragraph; a word wider than the room left
/// is the only thing ever broken, at the width.
pub fn wrap(paras: &[Para], width: usize) -> Vec<Line> {
    let width = width.max(1);
    let mut out = Vec::new();
    for p in paras {
        let indent = p.indent.min(width / 2);
        let room = width - indent;
        let mut line = Line {
            indent,
            words: Vec::new(),
        };
        let mut used = 0;
        for w in &p.words {
            let ww = w.text.width();
            let need = if line.words.is_empty() {
                ww
            } else {
                used + 1 + ww
            };
            if need <= room {
                used = need;
                line.words.push(w.clone());
                continue;
            }
            if !line.words.is_empty() {
                out.push(std::mem::replace(
                    &mut line,
                    Line {
                        indent,
                        words: Vec::new(),
                    },
                ));
            }
            if ww <= room {
                used = ww;
                line.words.push(w.clone());
                continue;
            }
            // Wider than a whole line: cut into pieces of the room.
            let pieces = split_at_width(&w.text, room);
            let last = pieces.len() - 1;
            for (i, piece) in pieces.into_iter().enumerate() {
                let word = Word {
                    text: piece,
                    mark: w.mark,
                };
                if i == last {
                    used = word.text.width();
                    line.words.push(word);
                } else {
                    out.push(Line {
                        indent,
                        words: vec![word],
                    });
                }
            }
        }
        out.push(line);
    }
    out
}

/// `s` in pieces of at most `width` columns (a character wider than that is a piece alone).
fn split_at_width(s: &str, width: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width && used > 0 {
            pieces.push(String::new());
            used = 0;
        }
        used += w;
        pieces.last_mut().expect("never empty").push(c);
    }
    pieces
}

/// `text` compared word by word with `base`: its own words, Same or Added, with the words of
/// `base` it lacks put where they were, marked Removed. Line breaks of `text` are kept.
/// Whitespace differences are not differences. A diff that takes too long (huge answers) gives
/// up on finding the smallest change, never on being correct.
pub fn diff(base: &str, text: &str) -> Vec<Para> {
    const BREAK: &str = "\n";
    let flat = |ps: &[Para]| -> Vec<String> {
        let mut v = Vec::new();
        for (i, p) in ps.iter().enumerate() {
            if i > 0 {
                v.push(BREAK.to_string());
            }
            v.extend(p.words.iter().map(|w| w.text.clone()));
        }
        v
    };
    let old_paras = paras(base);
    let new_paras = paras(text);
    let old = flat(&old_paras);
    let new = flat(&new_paras);
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    let ops = similar::capture_diff_slices_deadline(
        similar::Algorithm::Myers,
        &old,
        &new,
        Some(deadline),
    );
    let mut out = vec![Para {
        indent: new_paras.first().map_or(0, |p| p.indent),
        words: Vec::new(),
    }];
    let mut line = 0;
    let mut push = |out: &mut Vec<Para>, tok: &str, mark: Mark| {
        if tok == BREAK {
            if mark != Mark::Removed {
                line += 1;
                out.push(Para {
                    indent: new_paras.get(line).map_or(0, |p| p.indent),
                    words: Vec::new(),
                });
            }
            return;
        }
        out.last_mut().expect("never empty").words.push(Word {
            text: tok.to_string(),
            mark,
        });
    };
    for op in ops {
        let (tag, o, n) = op.as_tag_tuple();
        match tag {
            similar::DiffTag::Equal => n.for_each(|i| push(&mut out, &new[i], Mark::Same)),
            similar::DiffTag::Delete => o.for_each(|i| push(&mut out, &old[i], Mark::Removed)),
            similar::DiffTag::Insert => n.for_each(|i| push(&mut out, &new[i], Mark::Added)),
            similar::DiffTag::Replace => {
                o.for_each(|i| push(&mut out, &old[i], Mark::Removed));
                n.for_each(|i| push(&mut out, &new[i], Mark::Added));
            }
        }
    }
    out
}

/// Marks spelled out in the words, for output without colour: `[-gone-]` and `{+new+}`
/// around each run of removed or added words (git's `--word-diff=plain`).
pub fn spell_marks(paras: &mut [Para]) {
    for p in paras {
        let n = p.words.len();
        for i in 0..n {
            let mark = p.words[i].mark;
            let (open, close) = match mark {
                Mark::Same => continue,
                Mark::Added => ("{+", "+}"),
                Mark::Removed => ("[-", "-]"),
            };
            let starts = i == 0 || p.words[i - 1].mark != mark;
            let ends = i + 1 == n || p.words[i + 1].mark != mark;
            let w = &mut p.words[i].text;
            if starts {
                w.insert_str(0, open);
            }
            if ends {
                w.push_str(close);
            }
        }
    }
}

/// Answers the same after folding whitespace and case.
pub fn normalised(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, width: usize) -> Vec<String> {
        wrap(&paras(text), width).iter().map(Line::plain).collect()
    }

    #[test]
    fn wraps_at_word_boundaries_and_keeps_indentation() {
        assert_eq!(
            lines("the quick brown fox jumps", 10),
            ["the quick", "brown fox", "jumps"]
        );
        assert_eq!(
            lines("fn main() {\n    let x = 1 + 2 + 3;\n}", 14),
            ["fn main() {", "    let x = 1", "    + 2 + 3;", "}"]
        );
        assert_eq!(lines("a\n\nb", 5), ["a", "", "b"]);
        assert_eq!(lines("\tx", 10), ["    x"]);
    }

    #[test]
    fn only_a_word_wider_than_the_line_is_broken() {
        assert_eq!(
            lines("ab abcdefghij cd", 4),
            ["ab", "abcd", "efgh", "ij", "cd"]
        );
        for l in wrap(&paras("日本語のテキスト"), 5) {
            assert!(l.width() <= 5);
        }
    }

    #[test]
    fn diff_marks_added_and_removed_words_in_place() {
        let mut d = diff("Paris is the capital", "Paris is  the French capital.");
        let marks: Vec<(&str, Mark)> = d[0]
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.mark))
            .collect();
        assert_eq!(
            marks,
            [
                ("Paris", Mark::Same),
                ("is", Mark::Same),
                ("the", Mark::Same),
                ("capital", Mark::Removed),
                ("French", Mark::Added),
                ("capital.", Mark::Added),
            ]
        );
        spell_marks(&mut d);
        assert_eq!(
            wrap(&d, 80)[0].plain(),
            "Paris is the [-capital-] {+French capital.+}"
        );
    }

    #[test]
    fn diff_keeps_the_new_line_breaks() {
        let d = diff("a b\nc", "a\nb c");
        let text: Vec<String> = wrap(&d, 80).iter().map(Line::plain).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text[0].starts_with('a'));
    }

    #[test]
    fn normalising_folds_whitespace_and_case() {
        assert_eq!(normalised("  Paris\n is  HERE "), "paris is here");
    }
}

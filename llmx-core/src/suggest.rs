//! "Did you mean …?": the closest known name to a mistyped one.

/// The closest candidate to `input`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // No name this long is a typo of a known one: answer at once, whatever was typed.
    if input.len() > LONGEST {
        return None;
    }
    let input_l = input.to_ascii_lowercase();
    let len = input_l.chars().count();
    candidates
        .into_iter()
        .filter_map(|c| {
            let most = (c.len().max(input.len()) / 3).max(2);
            // The distance is at least the difference in length: skip what cannot be close.
            if c.chars().count().abs_diff(len) > most || c.len() > LONGEST {
                return None;
            }
            let d = levenshtein(&input_l, &c.to_ascii_lowercase());
            (d <= most).then_some((d, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The longest name (in bytes) compared: longer than any model, provider or alias name.
const LONGEST: usize = 256;

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_found_and_long_names_are_answered_at_once() {
        let ids = ["gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-pro"];
        assert_eq!(did_you_mean("gpt-4o-mni", ids), Some("gpt-4o-mini"));
        assert_eq!(did_you_mean("GEMINI-2.5-PRO", ids), Some("gemini-2.5-pro"));
        assert_eq!(did_you_mean("llama", ids), None);
        let huge = "g".repeat(100_000);
        let many: Vec<String> = (0..5_000).map(|i| format!("model-{i}")).collect();
        assert_eq!(did_you_mean(&huge, many.iter().map(String::as_str)), None);
        assert_eq!(
            did_you_mean(&"x".repeat(257), ["x".repeat(257).as_str()]),
            None
        );
    }
}

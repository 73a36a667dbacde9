//! A prompt's `expect`: a check of the answer. Plain text means the answer contains it (any
//! case); `/regex/` (or `/regex/i`, any case) a match; `json` that the whole answer, trimmed,
//! parses as JSON; `equals:TEXT` that the trimmed answer is exactly TEXT. A failed check is a
//! result (`pass` false), not an error.

#[derive(Debug, Clone)]
pub enum Expect {
    /// Lowercased.
    Contains(String),
    Regex(regex::Regex),
    Json,
    Equals(String),
}

impl Expect {
    /// Parse an `expect` field; the error says why a regex does not compile.
    pub fn parse(s: &str) -> Result<Expect, String> {
        let t = s.trim();
        if t == "json" {
            return Ok(Expect::Json);
        }
        if let Some(text) = t.strip_prefix("equals:") {
            return Ok(Expect::Equals(text.trim().to_string()));
        }
        let regex = |body: &str, any_case: bool| {
            regex::RegexBuilder::new(body)
                .case_insensitive(any_case)
                .size_limit(1 << 20)
                .build()
                .map(Expect::Regex)
                .map_err(|e| {
                    let detail = e.to_string();
                    let last = detail.lines().last().unwrap_or("").trim().to_string();
                    format!("expect `{t}` is not a valid regex ({last})")
                })
        };
        if t.len() >= 2 && t.starts_with('/') {
            if let Some(body) = t[1..].strip_suffix('/') {
                return regex(body, false);
            }
            if let Some(body) = t[1..].strip_suffix("/i") {
                return regex(body, true);
            }
        }
        Ok(Expect::Contains(t.to_lowercase()))
    }

    /// Whether `answer` passes.
    pub fn check(&self, answer: &str) -> bool {
        match self {
            Expect::Contains(needle) => answer.to_lowercase().contains(needle.as_str()),
            Expect::Regex(re) => re.is_match(answer),
            Expect::Json => serde_json::from_str::<serde::de::IgnoredAny>(answer.trim()).is_ok(),
            Expect::Equals(text) => answer.trim() == text,
        }
    }

    /// The check as written (for the run's identity).
    pub fn source(&self) -> String {
        match self {
            Expect::Contains(t) => t.clone(),
            Expect::Regex(re) => format!("/{}/", re.as_str()),
            Expect::Json => "json".into(),
            Expect::Equals(t) => format!("equals:{t}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Expect;

    fn check(expect: &str, answer: &str) -> bool {
        Expect::parse(expect).unwrap().check(answer)
    }

    #[test]
    fn the_four_kinds_of_check() {
        assert!(check("Paris", "The capital is PARIS."));
        assert!(!check("Paris", "The capital is Lyon."));
        assert!(check("/\\b4\\b/", "2 + 2 = 4"));
        assert!(!check("/\\b4\\b/", "2 + 2 = 42"));
        assert!(!check("/yes/", "YES"));
        assert!(check("/yes/i", "YES"));
        assert!(check("json", " {\"a\": [1, 2]}\n"));
        assert!(!check("json", "```json\n{\"a\": 1}\n```"));
        assert!(!check("json", "{\"a\": 1} and more"));
        assert!(check("equals:4", "4\n"));
        assert!(!check("equals:4", "4."));
        // Text that merely starts with a slash is plain text.
        assert!(check("/usr", "see /usr/bin"));
        assert!(Expect::parse("/(/").is_err());
    }
}

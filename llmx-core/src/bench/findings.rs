//! What a benchmark found beyond its percentiles, cell by cell: for each prompt × model how
//! many answers passed their check, failed it or errored and the median latency; the failed
//! checks (the first [`FAILURES_KEPT`], and how many in all); errors by prompt; and, for the
//! HTML report only, the start of every answer. Fed the same rows the file holds, from a live
//! run or from a file read back, so a resumed run's report covers the whole file.

use super::summary::percentile;

/// Failed checks kept with their answers (the rest are counted).
pub const FAILURES_KEPT: usize = 200;
/// How much of an answer or an error is kept for the report.
pub const ANSWER_KEPT: usize = 600;

/// One measured row, as the findings need it.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub prompt: usize,
    pub model: usize,
    pub repeat: u32,
    /// The request failed: its error.
    pub error: Option<String>,
    /// The prompt's check: `None` without one (or when the request failed).
    pub pass: Option<bool>,
    pub latency_ms: Option<f64>,
    pub answer: String,
}

/// A failed check.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub prompt: usize,
    pub model: usize,
    pub repeat: u32,
    /// The start of the answer.
    pub answer: String,
}

/// One answer kept for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub repeat: u32,
    pub pass: Option<bool>,
    pub error: Option<String>,
    pub latency_ms: Option<f64>,
    /// The start of the answer.
    pub answer: String,
}

/// One prompt × model cell. A grid has one per prompt and model, so it stays small: the
/// latencies and the kept answers are allocated with the first of them (a batched run has
/// no latencies, and answers are kept for the report only).
#[derive(Debug, Clone, Default)]
pub struct CellFindings {
    pub n: u64,
    pub errors: u64,
    pub passed: u64,
    pub failed: u64,
    more: Option<Box<More>>,
}

#[derive(Debug, Clone, Default)]
struct More {
    latencies: Vec<f64>,
    answers: Vec<Kept>,
}

impl CellFindings {
    /// The median latency of its answered requests.
    pub fn median_ms(&self) -> Option<f64> {
        let mut v = self
            .more
            .as_ref()
            .map_or_else(Vec::new, |m| m.latencies.clone());
        v.sort_by(f64::total_cmp);
        percentile(&v, 50.0)
    }

    /// The answers kept for the report, by repeat.
    pub fn answers(&self) -> &[Kept] {
        self.more.as_ref().map_or(&[], |m| &m.answers)
    }

    fn more(&mut self) -> &mut More {
        self.more.get_or_insert_with(Box::default)
    }
}

/// The ids of a grid's prompts: a list, or a run's prompt set (not copied).
#[derive(Debug, Clone)]
pub enum PromptIds {
    List(Vec<String>),
    Set(std::sync::Arc<super::prompts::Prompts>),
}

impl PromptIds {
    pub fn len(&self) -> usize {
        match self {
            PromptIds::List(v) => v.len(),
            PromptIds::Set(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Prompt `i`'s id (empty past the end).
    pub fn get(&self, i: usize) -> &str {
        match self {
            PromptIds::List(v) => v.get(i).map_or("", String::as_str),
            PromptIds::Set(s) => s.id(i).unwrap_or_default(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl From<Vec<String>> for PromptIds {
    fn from(v: Vec<String>) -> Self {
        PromptIds::List(v)
    }
}

impl From<std::sync::Arc<super::prompts::Prompts>> for PromptIds {
    fn from(s: std::sync::Arc<super::prompts::Prompts>) -> Self {
        PromptIds::Set(s)
    }
}

/// Everything found, for `prompts` × `models`.
#[derive(Debug, Clone)]
pub struct Findings {
    pub prompts: PromptIds,
    pub models: Vec<String>,
    /// Row-major: `prompt * models.len() + model`. Kept for the report only (the terminal
    /// shows the failed checks and the totals): without one, empty, so a large grid does not
    /// hold a cell of findings per prompt and model.
    cells: Vec<CellFindings>,
    pub failures: Vec<Failure>,
    pub failures_total: u64,
    /// Answers that had a check.
    checked: u64,
    /// Keep the matrix and every answer's start (the HTML report needs them).
    keep_answers: bool,
}

/// `s` cut to at most `max` bytes at a character boundary, with `…` when cut.
pub fn start(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

impl Findings {
    /// `keep_answers`: for a report — the prompt × model matrix and the start of every
    /// answer; without, the failed checks and the totals only.
    pub fn new(prompts: impl Into<PromptIds>, models: Vec<String>, keep_answers: bool) -> Findings {
        let prompts = prompts.into();
        let cells = if keep_answers {
            vec![CellFindings::default(); prompts.len() * models.len()]
        } else {
            Vec::new()
        };
        Findings {
            prompts,
            models,
            cells,
            failures: Vec::new(),
            failures_total: 0,
            checked: 0,
            keep_answers,
        }
    }

    pub fn cell(&self, prompt: usize, model: usize) -> Option<&CellFindings> {
        self.cells.get(prompt * self.models.len() + model)
    }

    /// Count one row (rows of prompts or models outside the grid are ignored).
    pub fn add(&mut self, o: Outcome) {
        if o.prompt >= self.prompts.len() || o.model >= self.models.len() {
            return;
        }
        let keep = self.keep_answers;
        if o.error.is_none() && o.pass.is_some() {
            self.checked += 1;
        }
        let mut no_cell = CellFindings::default();
        let c = match self.cells.get_mut(o.prompt * self.models.len() + o.model) {
            Some(c) => c,
            None => &mut no_cell,
        };
        c.n += 1;
        match (&o.error, o.pass) {
            (Some(_), _) => c.errors += 1,
            (None, Some(true)) => c.passed += 1,
            (None, Some(false)) => c.failed += 1,
            (None, None) => {}
        }
        if let (None, Some(l), true) = (&o.error, o.latency_ms, keep) {
            c.more().latencies.push(l);
        }
        if o.pass == Some(false) {
            self.failures_total += 1;
            if self.failures.len() < FAILURES_KEPT {
                self.failures.push(Failure {
                    prompt: o.prompt,
                    model: o.model,
                    repeat: o.repeat,
                    answer: start(&o.answer, ANSWER_KEPT),
                });
            }
        }
        if keep {
            let answers = &mut c.more().answers;
            answers.push(Kept {
                repeat: o.repeat,
                pass: o.pass,
                error: o.error.as_deref().map(|e| start(e, ANSWER_KEPT)),
                latency_ms: o.latency_ms,
                answer: start(&o.answer, ANSWER_KEPT),
            });
            answers.sort_by_key(|k| k.repeat);
        }
    }

    /// Errors per prompt, in prompt order (prompts without any left out).
    pub fn errors_by_prompt(&self) -> Vec<(usize, u64)> {
        (0..self.prompts.len())
            .filter_map(|p| {
                let n: u64 = (0..self.models.len())
                    .filter_map(|m| self.cell(p, m))
                    .map(|c| c.errors)
                    .sum();
                (n > 0).then_some((p, n))
            })
            .collect()
    }

    /// Answers with a check, in all.
    pub fn checked_total(&self) -> u64 {
        self.checked
    }

    /// Whether any prompt has a check.
    pub fn any_checked(&self) -> bool {
        self.checked > 0
    }

    /// The failures in a stable order: prompt, model, repeat.
    pub fn failures_sorted(&self) -> Vec<&Failure> {
        let mut f: Vec<&Failure> = self.failures.iter().collect();
        f.sort_by_key(|f| (f.prompt, f.model, f.repeat));
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_count_passes_failures_and_errors_and_keep_the_first_failures() {
        let mut f = Findings::new(
            vec!["p1".into(), "p2".into()],
            vec!["a".into(), "b".into()],
            true,
        );
        let o = |prompt, model, repeat, pass, error: Option<&str>, ms| Outcome {
            prompt,
            model,
            repeat,
            error: error.map(str::to_string),
            pass,
            latency_ms: Some(ms),
            answer: "x".repeat(700),
        };
        f.add(o(0, 0, 1, Some(true), None, 100.0));
        f.add(o(0, 0, 2, Some(false), None, 300.0));
        f.add(o(0, 1, 1, None, Some("rate limited"), 5.0));
        f.add(o(1, 1, 1, Some(false), None, 50.0));
        f.add(o(9, 0, 1, Some(false), None, 1.0));
        let c = f.cell(0, 0).unwrap();
        assert_eq!((c.n, c.passed, c.failed, c.errors), (2, 1, 1, 0));
        assert_eq!(c.median_ms(), Some(200.0));
        assert_eq!(
            f.cell(0, 1).unwrap().median_ms(),
            None,
            "errors have no latency"
        );
        assert_eq!(f.failures_total, 2);
        let sorted = f.failures_sorted();
        assert_eq!((sorted[0].prompt, sorted[0].repeat), (0, 2));
        assert!(sorted[0].answer.ends_with('…') && sorted[0].answer.len() < 700);
        assert_eq!(f.errors_by_prompt(), vec![(0, 1)]);
        assert_eq!(c.answers().len(), 2);
        assert_eq!(f.checked_total(), 3);
    }

    #[test]
    fn without_a_report_there_is_no_matrix_but_the_same_totals() {
        let mut f = Findings::new(vec!["p1".into()], vec!["a".into(), "b".into()], false);
        for (model, pass) in [(0, Some(true)), (1, Some(false)), (1, None)] {
            f.add(Outcome {
                prompt: 0,
                model,
                pass,
                answer: "no".into(),
                ..Outcome::default()
            });
        }
        assert!(f.cell(0, 0).is_none(), "a matrix nobody reads");
        assert_eq!((f.checked_total(), f.failures_total), (2, 1));
        assert!(f.any_checked());
    }
}

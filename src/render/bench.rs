//! A benchmark's summary as people read it: the terminal table and the cells the HTML report
//! shares with it. The figures themselves are the core's ([`llmx_core::bench::summary`]).

use llmx_core::bench::findings::Findings;
use llmx_core::bench::summary::Line;
use llmx_core::safe::{self, Lines};

/// The headers of the summary as people read it (the terminal table and the HTML report).
pub const SHOWN: [&str; 15] = [
    "model",
    "n",
    "ok",
    "err",
    "p50 ms",
    "p90",
    "p95",
    "p99",
    "ttft p50",
    "ttft p95",
    "itl p50",
    "tok/s p50",
    "cost",
    "cost/req",
    "pass",
];

/// The cells under [`SHOWN`]: milliseconds whole, `-` for unknown, `~` for costs that rest on
/// estimated token counts. The model name as given (callers make it safe to show).
pub fn shown(l: &Line) -> [String; 15] {
    let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.0}"));
    let cost = |c: Option<f64>| {
        let s = super::usd(c);
        if l.cost_estimated && c.is_some() {
            format!("~{s}")
        } else {
            s
        }
    };
    [
        l.model.clone(),
        l.n.to_string(),
        l.ok.to_string(),
        l.errors.to_string(),
        ms(l.latency_ms_p50),
        ms(l.latency_ms_p90),
        ms(l.latency_ms_p95),
        ms(l.latency_ms_p99),
        ms(l.ttft_ms_p50),
        ms(l.ttft_ms_p95),
        l.itl_ms_p50.map_or("-".into(), |v| format!("{v:.1}")),
        l.tokens_per_s_p50.map_or("-".into(), |v| format!("{v:.1}")),
        cost(l.cost_usd_total),
        cost(l.cost_usd_mean),
        if l.checked > 0 {
            format!("{}/{}", l.passed, l.checked)
        } else {
            "-".into()
        },
    ]
}

/// The summary as a table for people, fitted to `width` (see [`super::aligned`]): the model
/// name is cut first (to 12), then the columns go in this order — itl p50, ttft p95, p99, p90,
/// cost/req, tok/s p50, p95, ttft p50 — while n, ok, err, p50, cost and pass always stay.
/// The columns of [`SHOWN`] that are timings (latency percentiles, time to first token, time
/// between tokens, output speed).
pub const TIMINGS: std::ops::Range<usize> = 4..12;

/// Whether any line has a timing: a batched run's rows have none, and its table and report
/// leave those columns out rather than show a column of unknowns.
pub fn timed(lines: &[Line]) -> bool {
    lines.iter().any(|l| {
        l.latency_ms_p50.is_some()
            || l.ttft_ms_p50.is_some()
            || l.itl_ms_p50.is_some()
            || l.tokens_per_s_p50.is_some()
    })
}

pub fn table(lines: &[Line], width: u16) -> String {
    use super::aligned::{cut, drop, keep, Spec};
    const SPECS: [Spec; 15] = [
        cut("model", 12),
        keep("n", true),
        keep("ok", true),
        keep("err", true),
        keep("p50 ms", true),
        drop("p90", true, 3),
        drop("p95", true, 6),
        drop("p99", true, 2),
        drop("ttft p50", true, 7),
        drop("ttft p95", true, 1),
        drop("itl p50", true, 0),
        drop("tok/s p50", true, 5),
        keep("cost", true),
        drop("cost/req", true, 4),
        keep("pass", true),
    ];
    let timed = timed(lines);
    let kept = |i: &usize| timed || !TIMINGS.contains(i);
    let specs: Vec<Spec> = (0..SPECS.len()).filter(kept).map(|i| SPECS[i]).collect();
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            let mut cells = shown(l).to_vec();
            cells[0] = safe::visible(&l.model, Lines::Fold).into_owned();
            cells
                .into_iter()
                .enumerate()
                .filter(|(i, _)| kept(i))
                .map(|(_, c)| c)
                .collect()
        })
        .collect();
    let mut out = super::aligned::lines(&specs, &rows, width as usize).join("\n");
    out.push('\n');
    out
}

/// The failed checks under the summary: prompt, model, repeat, the check and the start of the
/// answer, fitted to `width`; at most `limit` of them, then how many more and where they all
/// are. `None` when no check failed.
pub fn failures(
    f: &Findings,
    checks: &[Option<String>],
    width: u16,
    limit: usize,
    report: Option<&std::path::Path>,
) -> Option<String> {
    use super::aligned::{cut, keep, Spec};
    if f.failures_total == 0 {
        return None;
    }
    const SPECS: [Spec; 5] = [
        cut("prompt", 8),
        cut("model", 10),
        keep("#", true),
        cut("expects", 8),
        cut("answer", 12),
    ];
    let one_line = |s: &str| safe::visible(s, Lines::Fold).into_owned();
    // A past run's checks are not recorded: then there is no column for them.
    let with_checks = checks.iter().any(Option::is_some);
    let specs: Vec<Spec> = SPECS
        .iter()
        .copied()
        .filter(|s| with_checks || s.title != "expects")
        .collect();
    let rows: Vec<Vec<String>> = f
        .failures_sorted()
        .into_iter()
        .take(limit)
        .map(|x| {
            let mut row = vec![
                one_line(f.prompts.get(x.prompt)),
                one_line(&f.models[x.model]),
                x.repeat.to_string(),
            ];
            if with_checks {
                let check = checks.get(x.prompt).and_then(|c| c.as_deref());
                row.push(one_line(check.unwrap_or("")));
            }
            row.push(one_line(x.answer.trim()));
            row
        })
        .collect();
    let checked: u64 = f.checked_total();
    let mut out = format!(
        "Failed checks: {} of {checked} checked answers\n",
        f.failures_total
    );
    for line in super::aligned::lines(&specs, &rows, width as usize) {
        out.push_str(&line);
        out.push('\n');
    }
    let more = f.failures_total.saturating_sub(rows.len() as u64);
    if more > 0 {
        let where_ = match report {
            Some(p) => format!("; all are in {}", p.display()),
            None => "; the rows file has them all (pass = false)".into(),
        };
        out.push_str(&format!("and {more} more{where_}\n"));
    }
    Some(out)
}

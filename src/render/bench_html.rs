//! The HTML report of a benchmark: when and how it was made, the per-model summary, charts of
//! latency percentiles, cost and pass rate, the prompt × model matrix (pass, fail or error and
//! the median latency per cell; each cell opens to its answers), the failed checks with their
//! answers, and the errors by prompt. Self-contained and script-free; every string a model or
//! server wrote is escaped (see [`super::html`]).

use std::fmt::Write as _;

use llmx_core::bench::findings::{CellFindings, Findings};
use llmx_core::bench::summary::Line;

use super::html::{bars, bars_scaled, esc, made_line, settings_list, About, Bar, STYLE};

/// Everything the report shows.
pub struct BenchReport<'a> {
    pub lines: &'a [Line],
    pub findings: &'a Findings,
    /// Each prompt's check as written (`None`: no check).
    pub checks: &'a [Option<String>],
    /// Rows the report covers.
    pub rows: u64,
    pub about: &'a About,
}

pub fn render(r: &BenchReport<'_>) -> String {
    let mut s = String::with_capacity(16 * 1024);
    let n = r.lines.len();
    let title = format!(
        "llmx bench — {n} model{}, {} row{}",
        if n == 1 { "" } else { "s" },
        r.rows,
        if r.rows == 1 { "" } else { "s" }
    );
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{}</title><style>{STYLE}</style></head><body><header><h1>{}</h1>{}</header>",
        esc(&title),
        esc(&title),
        made_line(r.about)
    );
    s.push_str("<section id=\"settings\"><h2>Settings</h2>");
    settings_list(&mut s, r.about);
    s.push_str("</section>");
    summary_section(&mut s, r.lines);
    charts_section(&mut s, r.lines);
    matrix_section(&mut s, r);
    failures_section(&mut s, r);
    errors_section(&mut s, r.findings);
    s.push_str("</body></html>\n");
    s
}

fn summary_section(s: &mut String, lines: &[Line]) {
    // A batched run has no timings: their columns are left out, not shown unknown.
    let timed = super::bench::timed(lines);
    let kept = |i: &usize| timed || !super::bench::TIMINGS.contains(i);
    s.push_str("<section id=\"metrics\"><h2>Summary</h2><div class=\"scroll\"><table class=\"metrics\"><thead><tr>");
    for (_, h) in super::bench::SHOWN
        .iter()
        .enumerate()
        .filter(|(i, _)| kept(i))
    {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>");
    for l in lines {
        s.push_str("<tr>");
        let shown = super::bench::shown(l);
        for (i, (c, h)) in shown.iter().zip(super::bench::SHOWN).enumerate() {
            if kept(&i) {
                let _ = write!(s, "<td data-label=\"{}\">{}</td>", esc(h), esc(c));
            }
        }
        s.push_str("</tr>");
    }
    s.push_str(if timed {
        "</tbody></table></div><p class=\"meta\">Latencies in milliseconds over the answered \
         requests; pass is passed/checked answers; ~ marks an estimate; - is unknown.</p></section>"
    } else {
        "</tbody></table></div><p class=\"meta\">No latencies: the answers were read back from \
         the providers' batches. Pass is passed/checked answers; ~ marks an estimate; - is \
         unknown.</p></section>"
    });
}

fn charts_section(s: &mut String, lines: &[Line]) {
    if !super::bench::timed(lines) {
        s.push_str("<section id=\"charts\"><h2>Charts</h2>");
        cost_charts(s, lines);
        return;
    }
    s.push_str(
        "<section id=\"charts\"><h2>Charts</h2><h3>Latency percentiles</h3><p class=\"legend\">",
    );
    for p in ["p50", "p90", "p95", "p99"] {
        let _ = write!(s, "<span style=\"background:var(--{p})\"></span>{p}");
    }
    s.push_str("</p>");
    let rows: Vec<Bar> = lines
        .iter()
        .map(|l| {
            let ps = [
                ("p50", l.latency_ms_p50),
                ("p90", l.latency_ms_p90),
                ("p95", l.latency_ms_p95),
                ("p99", l.latency_ms_p99),
            ];
            let failed = l.ok == 0;
            let text = if failed {
                "no request answered".to_string()
            } else {
                ps.iter()
                    .map(|(name, v)| match v {
                        Some(v) => format!("{name} {}", super::secs(Some(v.round() as u64))),
                        None => format!("{name} unknown"),
                    })
                    .collect::<Vec<_>>()
                    .join(" · ")
            };
            Bar {
                label: l.model.clone(),
                value: l.latency_ms_p99,
                color: "p99",
                overlay: None,
                stack: ps.iter().map(|(name, v)| (*v, *name)).collect(),
                text,
                failed,
            }
        })
        .collect();
    s.push_str(&bars("Latency percentiles per model", &rows));
    cost_charts(s, lines);
}

/// The cost and pass-rate charts, and the end of the charts section.
fn cost_charts(s: &mut String, lines: &[Line]) {
    let cost: Vec<Bar> = lines
        .iter()
        .map(|l| Bar {
            label: l.model.clone(),
            value: l.cost_usd_total,
            color: "cost",
            overlay: None,
            stack: Vec::new(),
            text: match l.cost_usd_total {
                Some(c) => {
                    let t = super::usd(Some(c));
                    if l.cost_estimated {
                        format!("~{t} estimated")
                    } else {
                        t
                    }
                }
                None => "unknown".into(),
            },
            failed: false,
        })
        .collect();
    s.push_str("<h3>Cost</h3>");
    s.push_str(&bars("Cost per model", &cost));
    if lines.iter().any(|l| l.checked > 0) {
        let pass: Vec<Bar> = lines
            .iter()
            .map(|l| Bar {
                label: l.model.clone(),
                value: l.pass_rate.map(|r| r.max(0.002) * 100.0),
                color: "pass",
                overlay: None,
                stack: Vec::new(),
                text: match l.pass_rate {
                    Some(r) => format!("{}/{} passed ({:.0}%)", l.passed, l.checked, r * 100.0),
                    None => "no checked answer".into(),
                },
                failed: false,
            })
            .collect();
        s.push_str("<h3>Pass rate</h3>");
        s.push_str(&bars_scaled("Pass rate per model", &pass, Some(100.0)));
    }
    s.push_str("</section>");
}

/// A cell's class and its one-line summary.
fn cell_verdict(c: &CellFindings) -> (&'static str, String) {
    let median = c
        .median_ms()
        .map(|m| format!(" · {}", super::secs(Some(m.round() as u64))))
        .unwrap_or_default();
    let checked = c.passed + c.failed;
    if c.errors > 0 {
        return ("error", format!("{} of {} failed{median}", c.errors, c.n));
    }
    if c.failed > 0 {
        return ("fail", format!("✗ {}/{checked} passed{median}", c.passed));
    }
    if checked > 0 {
        return ("pass", format!("✓ {}/{checked} passed{median}", c.passed));
    }
    ("", format!("{} answered{median}", c.n))
}

fn matrix_section(s: &mut String, r: &BenchReport<'_>) {
    let f = r.findings;
    s.push_str("<section id=\"matrix\"><h2>Prompts × models</h2><p class=\"meta\">Each cell: the checks passed (or the requests that failed) and the median latency; open it for every answer.</p><div class=\"scroll\"><table class=\"matrix\"><thead><tr><th>prompt</th>");
    for m in &f.models {
        let _ = write!(s, "<th scope=\"col\">{}</th>", esc(m));
    }
    s.push_str("</tr></thead><tbody>");
    for (p, id) in f.prompts.iter().enumerate() {
        let _ = write!(s, "<tr><th scope=\"row\">{}", esc(id));
        if let Some(Some(check)) = r.checks.get(p) {
            let _ = write!(s, "<div class=\"meta\">expects {}</div>", esc(check));
        }
        s.push_str("</th>");
        for m in 0..f.models.len() {
            let Some(c) = f.cell(p, m).filter(|c| c.n > 0) else {
                s.push_str("<td class=\"meta\">not run</td>");
                continue;
            };
            let (class, verdict) = cell_verdict(c);
            let _ = write!(
                s,
                "<td class=\"{class}\"><details><summary>{}</summary>",
                esc(&verdict)
            );
            for a in c.answers() {
                let state = match (&a.error, a.pass) {
                    (Some(e), _) => format!("failed: {e}"),
                    (None, Some(true)) => "passed".into(),
                    (None, Some(false)) => "check failed".into(),
                    (None, None) => "answered".into(),
                };
                let ms = a
                    .latency_ms
                    .map(|m| format!(" · {}", super::secs(Some(m.round() as u64))))
                    .unwrap_or_default();
                let _ = write!(
                    s,
                    "<div class=\"one\"><span class=\"meta\">#{} · {}{ms}</span>\n{}</div>",
                    a.repeat,
                    esc(&state),
                    esc(&a.answer)
                );
            }
            s.push_str("</details></td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div></section>");
}

fn failures_section(s: &mut String, r: &BenchReport<'_>) {
    let f = r.findings;
    if f.failures_total == 0 {
        return;
    }
    let _ = write!(
        s,
        "<section id=\"failures\"><h2>Failed checks ({})</h2>",
        f.failures_total
    );
    for x in f.failures_sorted() {
        let check = r
            .checks
            .get(x.prompt)
            .cloned()
            .flatten()
            .unwrap_or_default();
        let _ = write!(
            s,
            "<div class=\"failure\"><h3>{} · {} · #{}</h3><p class=\"meta\">expects {}</p><pre>{}</pre></div>",
            esc(f.prompts.get(x.prompt)),
            esc(&f.models[x.model]),
            x.repeat,
            esc(&check),
            esc(&x.answer)
        );
    }
    let more = f.failures_total - f.failures.len() as u64;
    if more > 0 {
        let _ = write!(
            s,
            "<p class=\"meta\">and {more} more, in the rows file (pass = false)</p>"
        );
    }
    s.push_str("</section>");
}

fn errors_section(s: &mut String, f: &Findings) {
    let by = f.errors_by_prompt();
    if by.is_empty() {
        return;
    }
    s.push_str("<section id=\"errors\"><h2>Errors by prompt</h2><table class=\"matrix\"><thead><tr><th>prompt</th><th>errors</th></tr></thead><tbody>");
    for (p, n) in by {
        let _ = write!(
            s,
            "<tr><th scope=\"row\">{}</th><td>{n}</td></tr>",
            esc(f.prompts.get(p))
        );
    }
    s.push_str("</tbody></table></section>");
}

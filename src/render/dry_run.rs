//! `--dry-run`: the plan of a run as text — per model its chain, endpoint, key source, headers
//! (secrets masked), body and worst-case cost — then the run's worst case against the cap.

use std::fmt::Write as _;

use llmx_core::engine::budget::Unbounded;
use llmx_core::pipeline::dry_run::{JobPlan, KeySource};

/// What the cap says of the plan's worst case.
pub struct CapCheck {
    pub limit: Option<f64>,
}

fn usd(c: f64) -> String {
    llmx_core::row::usd(Some(c))
}

/// The plan of `jobs`, `header` first (what the run is), the cap's verdict last.
pub fn render(header: &str, jobs: &[JobPlan], cap: CapCheck) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Dry run: {header}; nothing is sent.");
    let mut total = Some(0.0);
    for job in jobs {
        let _ = writeln!(out);
        let requests = if job.requests == 1 {
            String::new()
        } else {
            format!(" ({} requests)", job.requests)
        };
        let _ = writeln!(out, "{}{requests}", job.label);
        let many = job.links.len() > 1;
        for (i, link) in job.links.iter().enumerate() {
            let indent = if many { "    " } else { "  " };
            if many {
                let when = if i == 0 {
                    "first".to_string()
                } else {
                    "if the one before fails".to_string()
                };
                let _ = writeln!(out, "  {}. {} ({when})", i + 1, link.name);
            } else {
                let _ = writeln!(out, "  model: {}", link.name);
            }
            if let Some(why) = &link.skipped {
                let _ = writeln!(out, "{indent}not sent: {why}");
                continue;
            }
            if link.dialect == "offline" {
                let _ = writeln!(
                    out,
                    "{indent}answered offline by llmx itself (no request, no key)"
                );
                continue;
            }
            let _ = writeln!(out, "{indent}POST {} ({} wire)", link.url, link.dialect);
            let _ = writeln!(out, "{indent}key: {}", key_shown(&link.key));
            for note in &link.notes {
                let _ = writeln!(out, "{indent}note: {note}");
            }
            let _ = writeln!(out, "{indent}headers:");
            for (k, v) in &link.headers {
                let _ = writeln!(out, "{indent}  {k}: {v}");
            }
            let _ = writeln!(out, "{indent}body:");
            let body = serde_json::to_string_pretty(&link.body).unwrap_or_default();
            for line in body.lines() {
                let _ = writeln!(out, "{indent}  {line}");
            }
        }
        let worst = match &job.worst_case {
            Ok(c) => {
                total = total.map(|t| t + c);
                usd(*c)
            }
            Err(Unbounded::NoMaxOutput { .. }) => {
                total = None;
                "unknown: the catalog has no maximum output for it (pass --max-tokens)".into()
            }
            Err(Unbounded::Unpriced { .. }) => {
                total = None;
                "unknown: its price is unknown".into()
            }
        };
        let _ = writeln!(out, "  worst case: {worst}");
    }
    let _ = writeln!(out);
    match (total, cap.limit) {
        (Some(t), None) => {
            let _ = writeln!(out, "Worst case of the run: {}.", usd(t));
        }
        (Some(t), Some(l)) if t <= l => {
            let _ = writeln!(
                out,
                "Worst case of the run: {}, within --max-cost {}.",
                usd(t),
                usd(l)
            );
        }
        (Some(t), Some(l)) => {
            let _ = writeln!(
                out,
                "Worst case of the run: {}, more than --max-cost {}: the run would be refused.",
                usd(t),
                usd(l)
            );
        }
        (None, None) => {
            let _ = writeln!(out, "Worst case of the run: unknown.");
        }
        (None, Some(l)) => {
            let _ = writeln!(
                out,
                "Worst case of the run: unknown, so --max-cost {} would refuse it.",
                usd(l)
            );
        }
    }
    out
}

fn key_shown(k: &KeySource) -> String {
    match k {
        KeySource::Found(o) => format!("from {o} (not shown)"),
        other => other.to_string(),
    }
}

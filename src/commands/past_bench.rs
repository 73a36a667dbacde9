//! `llmx history show` of a bench run: bench's own columns and summary, not compare's table.
//! CSV and JSONL give the rows as bench wrote them (its run id, prompt id, repeat, pass); the
//! table lists each row then the summary and the failed checks; HTML is bench's report.

use std::io::Write;

use llmx_core::bench::findings::Findings;
use llmx_core::bench::rows::{BenchRow, Head, Tail};
use llmx_core::bench::summary::Summary;
use llmx_core::history::query::Past;
use llmx_core::safe::{self, Lines};

use crate::render::{self, Format};
use crate::settings::ReportSettings;

/// The rows as bench wrote them, in the order they finished.
fn bench_rows(past: &Past) -> Vec<BenchRow> {
    let run_id = past.bench_run.clone().unwrap_or_default();
    past.rows
        .iter()
        .zip(&past.bench)
        .map(|((_, row), b)| BenchRow {
            head: Head {
                run_id: run_id.clone(),
                prompt_id: b.prompt_id.clone().unwrap_or_default(),
                repeat: b.repeat.unwrap_or(1),
            },
            row: row.clone(),
            tail: Tail {
                // As bench writes it: to the microsecond.
                itl_ms: b.itl_ms.map(|v| (v * 1000.0).round() / 1000.0),
                pass: b.pass,
                started_at: llmx_core::clock::rfc3339(
                    std::time::UNIX_EPOCH + std::time::Duration::from_millis(b.at_ms.max(0) as u64),
                ),
                // The history keeps neither.
                batch: false,
                provider_request_id: None,
            },
        })
        .collect()
}

/// Names in the order they first appear (by job index: the order bench sent them).
fn first_seen(past: &Past, key: impl Fn(usize) -> String) -> Vec<String> {
    let mut order: Vec<usize> = (0..past.rows.len()).collect();
    order.sort_by_key(|&i| past.rows[i].0);
    let mut out: Vec<String> = Vec::new();
    for i in order {
        let k = key(i);
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// A past bench run in `s`'s format.
pub fn render(past: &Past, s: &ReportSettings, w: &mut dyn Write) -> std::io::Result<()> {
    let rows = bench_rows(past);
    match s.format {
        Format::Csv => {
            llmx_core::bench::rows::csv_header(w)?;
            return rows.iter().try_for_each(|r| r.csv(w));
        }
        Format::Jsonl => return rows.iter().try_for_each(|r| r.jsonl(w)),
        Format::Json => {
            let mut buf = Vec::new();
            rows.iter().try_for_each(|r| r.jsonl(&mut buf))?;
            let all: Vec<serde_json::Value> = String::from_utf8_lossy(&buf)
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            serde_json::to_writer_pretty(&mut *w, &all).map_err(std::io::Error::other)?;
            return writeln!(w);
        }
        _ => {}
    }
    // The models in the order they were given; any other a row names after them.
    let mut models: Vec<String> = past.models.split(',').map(str::to_string).collect();
    for m in first_seen(past, |i| rows[i].row.model.clone()) {
        if !models.contains(&m) {
            models.push(m);
        }
    }
    // The store keeps no prompt order (bench sends them shuffled): prompts by id.
    let mut prompts = first_seen(past, |i| rows[i].head.prompt_id.clone());
    prompts.sort();
    let mut summary = Summary::new(&models);
    let mut findings = Findings::new(prompts.clone(), models.clone(), s.format == Format::Html);
    for r in &rows {
        let m = models.iter().position(|x| *x == r.row.model).unwrap_or(0);
        let p = prompts
            .iter()
            .position(|x| *x == r.head.prompt_id)
            .unwrap_or(0);
        summary.add(m, &r.sample());
        findings.add(r.outcome(p, m));
    }
    let lines = summary.lines();
    // The history keeps no check text: the failures say only that the check failed.
    let checks: Vec<Option<String>> = vec![None; prompts.len()];
    match s.format {
        Format::Html => {
            let about = about(past);
            let html = crate::render::bench_html::render(&crate::render::bench_html::BenchReport {
                lines: &lines,
                findings: &findings,
                checks: &checks,
                rows: rows.len() as u64,
                about: &about,
            });
            w.write_all(html.as_bytes())
        }
        Format::Markdown => markdown(&sorted(rows, &prompts, &models), &lines, w),
        _ => {
            let width = s.table.width;
            let mut text = rows_table(&sorted(rows, &prompts, &models), width);
            text.push('\n');
            text.push_str(&crate::render::bench::table(&lines, width));
            if let Some(f) = crate::render::bench::failures(&findings, &checks, width, 10, None) {
                text.push('\n');
                text.push_str(&f);
            }
            w.write_all(text.as_bytes())
        }
    }
}

/// Rows by prompt, repeat and model, for people.
fn sorted(mut rows: Vec<BenchRow>, prompts: &[String], models: &[String]) -> Vec<BenchRow> {
    let at = |v: &[String], x: &str| v.iter().position(|y| y == x).unwrap_or(usize::MAX);
    rows.sort_by_key(|r| {
        (
            at(prompts, &r.head.prompt_id),
            r.head.repeat,
            at(models, &r.row.model),
        )
    });
    rows
}

/// One line per row: prompt, repeat, model, status, latency, TTFT, output tokens, cost, pass.
fn rows_table(rows: &[BenchRow], width: u16) -> String {
    use crate::render::aligned::{cut, drop, keep, Spec};
    const SPECS: [Spec; 9] = [
        cut("prompt", 8),
        keep("#", true),
        cut("model", 10),
        cut("status", 6),
        keep("latency", true),
        drop("ttft", true, 1),
        drop("out", true, 0),
        keep("cost", true),
        keep("pass", false),
    ];
    let one = |s: &str| safe::visible(s, Lines::Fold).into_owned();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let m = render::metrics(&r.row);
            vec![
                one(&r.head.prompt_id),
                r.head.repeat.to_string(),
                one(&r.row.model),
                one(&render::status(&r.row)),
                m[0].clone(),
                m[1].clone(),
                m[3].clone(),
                m[5].clone(),
                match r.tail.pass {
                    Some(true) => "pass".into(),
                    Some(false) => "FAIL".into(),
                    None => "-".into(),
                },
            ]
        })
        .collect();
    let mut out = crate::render::aligned::lines(&SPECS, &cells, width as usize).join("\n");
    out.push('\n');
    out
}

fn markdown(
    rows: &[BenchRow],
    lines: &[llmx_core::bench::summary::Line],
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let md = render::md_cell;
    writeln!(w, "| {} |", render::bench::SHOWN.join(" | "))?;
    writeln!(w, "|{}", "---|".repeat(render::bench::SHOWN.len()))?;
    for l in lines {
        let cells: Vec<String> = render::bench::shown(l).iter().map(|c| md(c)).collect();
        writeln!(w, "| {} |", cells.join(" | "))?;
    }
    writeln!(w)?;
    writeln!(
        w,
        "| prompt | # | model | status | latency | cost | pass |\n|---|---|---|---|---|---|---|"
    )?;
    for r in rows {
        let m = render::metrics(&r.row);
        let pass = match r.tail.pass {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "-",
        };
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {pass} |",
            md(&r.head.prompt_id),
            r.head.repeat,
            md(&r.row.model),
            md(&render::status(&r.row)),
            m[0],
            m[5]
        )?;
    }
    Ok(())
}

/// What the run asked, from its recorded parameters.
fn about(past: &Past) -> render::html::About {
    let p: serde_json::Value = serde_json::from_str(&past.params).unwrap_or_default();
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "provider default".to_string(),
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let mut settings = Vec::new();
    for (key, name) in [
        ("repeat", "repeat"),
        ("warmup", "warm-up"),
        ("seed", "seed"),
        ("temperature", "temperature"),
        ("max_tokens", "max tokens"),
        ("stream", "streaming"),
        ("shard", "shard"),
    ] {
        if let Some(v) = p.get(key) {
            settings.push((name.to_string(), shown(v)));
        }
    }
    if let Some(id) = &past.bench_run {
        settings.push(("bench run".into(), id.clone()));
    }
    render::html::About {
        command: "bench".into(),
        settings,
        made: Some(llmx_core::clock::rfc3339(
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(past.started_ms.max(0) as u64),
        )),
        ..Default::default()
    }
}

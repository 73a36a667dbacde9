//! `llmx history` (list, show, prune, stats), `llmx usage` and `llmx leaderboard`: reports on
//! the local store of past runs. A store that does not exist yet is an empty history, not an
//! error.

use std::time::Duration;

use serde_json::{json, Value};

use super::Context;
use crate::error::{Error, Exit};
use crate::render::listing::{col, decimal, Listing};
use crate::render::listing::{BoardSort, UsageBy};
use crate::render::{self, Report, TotalCost};
use crate::settings::{ReportSettings, View};
use llmx_core::history::query::{By, Standing};
use llmx_core::history::{HistoryError, Store};

pub fn run(ctx: &Context, s: ReportSettings) -> Result<Exit, Error> {
    let Some(path) = ctx.paths.history() else {
        return Err(Error::History(HistoryError::Missing(
            "(no data dir; set LLMX_DATA_DIR)".into(),
        )));
    };
    let store = match Store::open_existing(&path) {
        Ok(mut st) => {
            st.only(s.source);
            Some(st)
        }
        Err(HistoryError::Missing(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let now = llmx_core::history::epoch_ms(ctx.clock.now());
    let cutoff = |d: Duration| now.saturating_sub(d.as_millis().min(i64::MAX as u128) as i64);
    let listing = match (&s.view, store) {
        (View::Show { run }, None) => {
            return Err(HistoryError::NoRun(run.clone()).into());
        }
        (View::Show { run }, Some(store)) => return show(&store, run, &s),
        (View::Prune { older_than, vacuum }, store) => {
            let (rows, runs) = match store {
                Some(mut st) => st.prune(cutoff(*older_than), *vacuum)?,
                None => (0, 0),
            };
            crate::output::diag(format!(
                "pruned {rows} row{} of {runs} run{} older than {}",
                plural(rows),
                plural(runs),
                age(*older_than)
            ));
            return Ok(Exit::Success);
        }
        (View::Stats, store) => stats(store.as_ref(), &path)?,
        (
            View::Runs {
                since,
                model,
                search,
                limit,
            },
            store,
        ) => {
            let lines = match store {
                Some(st) => st.runs(
                    since.map(cutoff),
                    model.as_deref(),
                    search.as_deref(),
                    *limit,
                )?,
                None => Vec::new(),
            };
            runs(lines)
        }
        (View::Usage { since, by }, store) => {
            let by = match by {
                UsageBy::Model => By::Model,
                UsageBy::Provider => By::Provider,
                UsageBy::Day => By::Day,
            };
            let lines = match store {
                Some(st) => st.usage(Some(cutoff(*since)), by)?,
                None => Vec::new(),
            };
            usage(lines, by, *since)
        }
        (View::Leaderboard { since, min_n, sort }, store) => {
            let board = match store {
                Some(st) => st.leaderboard(Some(cutoff(*since)), *min_n)?,
                None => Vec::new(),
            };
            leaderboard(board, *sort, *since, *min_n)
        }
    };
    let mut buf = Vec::new();
    listing
        .render(s.format, s.table.width, &mut buf)
        .map_err(|e| Error::Output(llmx_core::engine::SinkError::new("stdout", e)))?;
    print(&buf, &s)
}

/// Print to stdout; CSV on a terminal with control characters shown safely, as compare does,
/// and with `--csv-safe` its formula-like cells defused.
fn print(buf: &[u8], s: &ReportSettings) -> Result<Exit, Error> {
    let defused;
    let buf = if s.csv_safe && s.format == render::Format::Csv {
        defused = llmx_core::csv_safe::defuse(buf)
            .map_err(|e| Error::Output(llmx_core::engine::SinkError::new("stdout", e)))?;
        &defused[..]
    } else {
        buf
    };
    let text = String::from_utf8_lossy(buf);
    if s.terminal && s.format == render::Format::Csv {
        crate::output::print(&llmx_core::safe::visible(
            &text,
            llmx_core::safe::Lines::Keep,
        ))?;
    } else {
        crate::output::print(&text)?;
    }
    Ok(Exit::Success)
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `30d`, `12h`, `90m` as given.
fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => "0s".into(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// `2026-11-24 10:31` (UTC) for people, RFC 3339 for machines.
fn when(ms: i64) -> (Value, String) {
    let t = std::time::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    let stamp = llmx_core::clock::rfc3339(t);
    let human = stamp.get(..16).unwrap_or(&stamp).replace('T', " ");
    (json!(stamp), human)
}

fn count(n: u64) -> (Value, String) {
    (json!(n), n.to_string())
}

fn text(s: &str) -> (Value, String) {
    (json!(s), s.to_string())
}

/// A run's or a group's spend: the providers' figures and estimates apart, as compare's total.
fn cost_cells(c: &TotalCost) -> [(Value, String); 3] {
    let human = c.to_string();
    [
        (decimal(Some(c.known)), human),
        (decimal(Some(c.estimated)), String::new()),
        (json!(c.unpriced), String::new()),
    ]
}

fn runs(lines: Vec<llmx_core::history::query::RunLine>) -> Listing {
    Listing {
        columns: vec![
            // Narrow tables drop the command, then the errors, then the start; the prompt and
            // models are cut; the run id, rows and cost always stay whole.
            col("id", "Run", false),
            col("started_at", "Started (UTC)", false).drop(3),
            col("command", "Command", false).drop(1),
            col("prompt", "Prompt", false).cut(10),
            col("models", "Models", false).cut(12),
            col("rows", "Rows", true),
            col("errors", "Errors", true).drop(2),
            col("cost_usd", "Cost", true),
            col("cost_estimated_usd", "", true),
            col("unpriced", "", true),
        ],
        rows: lines
            .into_iter()
            .map(|l| {
                let prompt = match &l.summary {
                    Some(s) => text(s),
                    None => (Value::Null, "(text not kept)".into()),
                };
                let mut row = vec![
                    text(&l.id),
                    when(l.started_ms),
                    text(&l.command),
                    prompt,
                    text(&l.models),
                    count(l.rows),
                    count(l.errors),
                ];
                row.extend(cost_cells(&l.cost));
                row
            })
            .collect(),
        footer: None,
        empty: "no runs in the history (compare, ask and bench record theirs)".into(),
    }
}

fn usage(lines: Vec<llmx_core::history::query::UsageLine>, by: By, since: Duration) -> Listing {
    let key = match by {
        By::Model => col("model", "Model", false).cut(16),
        By::Provider => col("provider", "Provider", false).cut(16),
        By::Day => col("day", "Day (UTC)", false),
    };
    let mut total = TotalCost::default();
    let (mut requests, mut errors) = (0, 0);
    let rows = lines
        .into_iter()
        .map(|l| {
            total.known += l.cost.known;
            total.known_rows += l.cost.known_rows;
            total.estimated += l.cost.estimated;
            total.estimated_rows += l.cost.estimated_rows;
            total.unpriced += l.cost.unpriced;
            requests += l.requests;
            errors += l.errors;
            let mark = if l.tokens_estimated > 0 { "~" } else { "" };
            let mut row = vec![
                text(&l.key),
                count(l.requests),
                count(l.errors),
                (
                    json!(l.input_tokens),
                    format!("{mark}{}", render::count(Some(l.input_tokens))),
                ),
                (
                    json!(l.output_tokens),
                    format!("{mark}{}", render::count(Some(l.output_tokens))),
                ),
                (json!(l.tokens_estimated), String::new()),
            ];
            row.extend(cost_cells(&l.cost));
            row
        })
        .collect();
    Listing {
        columns: vec![
            // Narrow tables drop Out, then In, then Errors.
            key,
            col("requests", "Requests", true),
            col("errors", "Errors", true).drop(2),
            col("input_tokens", "In", true).drop(1),
            col("output_tokens", "Out", true).drop(0),
            col("tokens_estimated_rows", "", true),
            col("cost_usd", "Cost", true),
            col("cost_estimated_usd", "", true),
            col("unpriced", "", true),
        ],
        rows,
        footer: Some(format!(
            "last {}: {requests} request{}, {errors} error{}, spent {total} (~ marks estimated \
             token counts)",
            age(since),
            plural(requests),
            plural(errors)
        )),
        empty: format!("no requests in the last {}", age(since)),
    }
}

fn leaderboard(mut board: Vec<Standing>, sort: BoardSort, since: Duration, min_n: u64) -> Listing {
    let lowest = |v: Option<f64>| v.unwrap_or(f64::INFINITY);
    match sort {
        BoardSort::Latency => {
            board.sort_by(|a, b| lowest(a.latency_p50).total_cmp(&lowest(b.latency_p50)))
        }
        BoardSort::Ttft => board.sort_by(|a, b| lowest(a.ttft_p50).total_cmp(&lowest(b.ttft_p50))),
        BoardSort::Speed => board.sort_by(|a, b| {
            let speed = |s: &Standing| s.tokens_per_s_p50.unwrap_or(f64::NEG_INFINITY);
            speed(b).total_cmp(&speed(a))
        }),
        BoardSort::Cost => {
            board.sort_by(|a, b| lowest(a.cost_per_request).total_cmp(&lowest(b.cost_per_request)))
        }
        BoardSort::Errors => board.sort_by(|a, b| a.error_rate().total_cmp(&b.error_rate())),
    }
    let ms = |v: Option<f64>| (json!(v), render::secs(v.map(|x| x.round() as u64)));
    let usd = |v: Option<f64>, est: bool| {
        let shown = render::usd(v);
        let shown = if est && v.is_some() {
            format!("~{shown}")
        } else {
            shown
        };
        (decimal(v), shown)
    };
    let rows = board
        .into_iter()
        .map(|s| {
            vec![
                text(&s.model),
                count(s.n),
                count(s.errors),
                (
                    decimal(Some(s.error_rate())),
                    format!("{:.1}%", s.error_rate() * 100.0),
                ),
                ms(s.latency_p50),
                ms(s.latency_p95),
                ms(s.ttft_p50),
                (
                    json!(s.tokens_per_s_p50),
                    s.tokens_per_s_p50
                        .map_or_else(|| "-".into(), |t| format!("{t:.1}")),
                ),
                usd(s.cost_per_request, s.cost_estimated),
                usd(s.cost_per_1k_output, s.cost_estimated),
                (json!(s.cost_estimated), String::new()),
            ]
        })
        .collect();
    Listing {
        columns: vec![
            // Narrow tables drop $/1k out, Latency p95, Errors, TTFT p50, then Tok/s p50.
            col("model", "Model", false).cut(16),
            col("n", "N", true),
            col("errors", "Errors", true).drop(2),
            col("error_rate", "Error rate", true),
            col("latency_ms_p50", "Latency p50", true),
            col("latency_ms_p95", "Latency p95", true).drop(1),
            col("ttft_ms_p50", "TTFT p50", true).drop(3),
            col("tokens_per_s_p50", "Tok/s p50", true).drop(4),
            col("cost_per_request_usd", "$/request", true),
            col("cost_per_1k_output_usd", "$/1k out", true).drop(0),
            col("cost_estimated", "", false),
        ],
        rows,
        footer: Some(format!(
            "your runs of the last {}, models with at least {min_n} rows; cancelled rows left \
             out, percentiles over answered rows (~: from estimated token counts)",
            age(since)
        )),
        empty: format!(
            "no model has {min_n} or more rows in the last {} (--min-n, --since)",
            age(since)
        ),
    }
}

fn stats(store: Option<&Store>, path: &std::path::Path) -> Result<Listing, Error> {
    let st = match store {
        Some(s) => Some(s.stats()?),
        None => None,
    };
    let (runs, rows, bytes) = st.as_ref().map_or((0, 0, 0), |s| (s.runs, s.rows, s.bytes));
    let at = |v: Option<i64>| v.map_or((Value::Null, "-".into()), when);
    let per_1k = (rows > 0).then(|| bytes as f64 / rows as f64 * 1000.0);
    Ok(Listing {
        columns: vec![
            // Narrow tables drop the schema, the size per 1k rows, the newest, then the oldest
            // row's time; the path is cut.
            col("path", "Store", false).cut(16),
            col("schema", "Schema", true).drop(0),
            col("runs", "Runs", true),
            col("rows", "Rows", true),
            col("size_bytes", "Size", true),
            col("bytes_per_1k_rows", "Per 1k rows", true).drop(1),
            col("oldest", "Oldest (UTC)", false).drop(3),
            col("newest", "Newest (UTC)", false).drop(2),
        ],
        rows: vec![vec![
            text(&path.display().to_string()),
            st.as_ref()
                .map_or((Value::Null, "-".into()), |s| count(s.schema as u64)),
            count(runs),
            count(rows),
            (json!(bytes), size(bytes)),
            (
                json!(per_1k.map(|b| b.round() as u64)),
                per_1k.map_or_else(|| "-".into(), |b| size(b.round() as u64)),
            ),
            at(st.as_ref().and_then(|s| s.oldest_ms)),
            at(st.as_ref().and_then(|s| s.newest_ms)),
        ]],
        footer: None,
        empty: String::new(),
    })
}

/// `512 B`, `41.2 KiB`, `1.3 MiB`.
fn size(b: u64) -> String {
    match b {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// A past run rendered as compare rendered it: CSV and JSONL rows in the order they finished
/// (as they were written), the other formats in the order the models were given.
fn show(store: &Store, run: &str, s: &ReportSettings) -> Result<Exit, Error> {
    let past = store.past(run)?;
    if past.command == "bench" {
        let mut buf = Vec::new();
        super::past_bench::render(&past, s, &mut buf)
            .map_err(|e| Error::Output(llmx_core::engine::SinkError::new("stdout", e)))?;
        return print(&buf, s);
    }
    let mut rows = past.rows;
    if !matches!(s.format, render::Format::Csv | render::Format::Jsonl) {
        rows.sort_by_key(|(idx, _)| *idx);
    }
    let report = Report {
        rows: rows
            .into_iter()
            .map(|(_, r)| std::sync::Arc::new(r))
            .collect(),
        interrupted: past.interrupted,
        wall: Duration::from_millis(past.wall_ms.unwrap_or(0).max(0) as u64),
        about: render::html::About::default(),
    };
    let mut buf = Vec::new();
    render::render(&report, s.format, s.table, &mut buf)
        .map_err(|e| Error::Output(llmx_core::engine::SinkError::new("stdout", e)))?;
    print(&buf, s)
}

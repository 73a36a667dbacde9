//! Renderers: pure functions of a finished [`Report`] (or of one [`Row`]) that write into any
//! writer, so they are tested on in-memory buffers. Table (aligned columns), CSV (RFC 4180), JSON,
//! JSONL, Markdown.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use llmx_core::provider::error::cut;
use llmx_core::safe::{self, Lines};

pub mod aligned;
pub mod bench;
pub mod bench_html;
pub mod dry_run;
pub mod html;
pub mod listing;
pub mod models;
pub mod terminal;
pub mod words;

pub use terminal::Layout;

pub use llmx_core::row::{csv_header, csv_row, jsonl_row, usd, Call, Row, TotalCost};

/// What the end-of-run renderers show: every row in the order given.
#[derive(Debug, Clone)]
pub struct Report {
    /// Shared with the sinks that saw each row as its job finished (projected once).
    pub rows: Vec<Arc<Row>>,
    /// The run was stopped early: unfinished rows are marked cancelled.
    pub interrupted: bool,
    /// Wall time of the whole run.
    pub wall: Duration,
    /// What the run asked (the HTML report shows it).
    pub about: html::About,
}

impl Report {
    /// The report of a run's results, each projected into its row.
    pub fn from_results(
        results: &[llmx_core::engine::JobResult],
        catalog: &llmx_core::catalog::Catalog,
        interrupted: bool,
        wall: Duration,
    ) -> Report {
        Report::of(results, catalog, &[], interrupted, wall)
    }

    /// The same, using the rows already projected (by job index) where there is one.
    pub fn of(
        results: &[llmx_core::engine::JobResult],
        catalog: &llmx_core::catalog::Catalog,
        projected: &[Option<Arc<Row>>],
        interrupted: bool,
        wall: Duration,
    ) -> Report {
        let row = |r: &llmx_core::engine::JobResult| match projected.get(r.index) {
            Some(Some(row)) => Arc::clone(row),
            _ => Arc::new(Row::project(r, catalog)),
        };
        Report {
            rows: results.iter().map(row).collect(),
            interrupted,
            wall,
            about: html::About::default(),
        }
    }

    /// What the run cost, keeping reported and estimated figures apart.
    pub fn total_cost(&self) -> TotalCost {
        let mut t = TotalCost::default();
        for r in &self.rows {
            match r.cost_usd {
                Some(c) if r.cost_estimated => {
                    t.estimated += c;
                    t.estimated_rows += 1;
                }
                Some(c) => {
                    t.known += c;
                    t.known_rows += 1;
                }
                None if r.error.is_none() => t.unpriced += 1,
                None => {}
            }
        }
        t
    }
}

/// Output formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
    Jsonl,
    Markdown,
    /// One self-contained HTML report.
    Html,
}

impl Format {
    /// The format a file name implies (`results.csv`).
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => Format::Csv,
            "json" => Format::Json,
            "jsonl" | "ndjson" => Format::Jsonl,
            "md" | "markdown" => Format::Markdown,
            "html" | "htm" => Format::Html,
            "txt" => Format::Table,
            _ => return None,
        })
    }
}

/// Table display options, decided by the output layer.
#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    /// Do not truncate answers.
    pub full: bool,
    /// Total width to fit.
    pub width: u16,
    pub color: bool,
    /// Answers side by side or stacked (`--layout`).
    pub layout: Layout,
    /// Mark how each answer differs from the first, word by word (`--diff`).
    pub diff: bool,
}

impl TableOptions {
    /// Plain text at `width`, answers cut, laid out for the width.
    pub fn plain(width: u16) -> TableOptions {
        TableOptions {
            full: false,
            width,
            color: false,
            layout: Layout::Auto,
            diff: false,
        }
    }
}

pub fn render(
    report: &Report,
    format: Format,
    table: TableOptions,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => write!(w, "{}", table_string(report, table)),
        Format::Csv => csv(report, w),
        Format::Json => json(report, w),
        Format::Jsonl => jsonl(report, w),
        Format::Markdown => markdown(report, w),
        Format::Html => w.write_all(html::report(report, &report.about).as_bytes()),
    }
}

pub fn secs(ms: Option<u64>) -> String {
    match ms {
        Some(ms) => format!("{:.2}s", ms as f64 / 1000.0),
        None => "-".into(),
    }
}

pub fn count(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "-".into())
}

/// `~` before a figure that is an estimate.
fn approx(estimated: bool, s: String) -> String {
    if estimated && s != "-" {
        format!("~{s}")
    } else {
        s
    }
}

/// Latency, TTFT, tokens in and out, tokens per second and cost, as every table shows them;
/// estimates start with `~`.
pub fn metrics(r: &Row) -> [String; 6] {
    [
        secs(r.latency_ms),
        secs(r.ttft_ms),
        approx(r.input_estimated, count(r.input_tokens)),
        approx(r.output_estimated, count(r.output_tokens)),
        approx(r.output_estimated, tps(r.tokens_per_s)),
        approx(r.cost_estimated, usd(r.cost_usd)),
    ]
}

fn tps(t: Option<f64>) -> String {
    t.map(|t| format!("{t:.1}")).unwrap_or_else(|| "-".into())
}

/// `ok`, `length` (cut by the token limit), or the error; then retries and fallbacks.
pub fn status(r: &Row) -> String {
    let mut s = match (crate::error::shown_row(r), r.finish_reason.as_deref()) {
        (Some(e), _) => format!(
            "failed: {}",
            cut(&e, llmx_core::provider::error::SHOWN_CHARS)
        ),
        (None, Some("length")) => "ok (cut at max tokens)".into(),
        (None, Some("content_filter")) => "ok (filtered)".into(),
        (None, Some("refusal")) => "refused".into(),
        (None, Some("tool_calls")) => "ok (tool calls)".into(),
        _ => "ok".into(),
    };
    if r.fallback_from.is_some() {
        s += " · fallback";
    }
    if r.attempts > 1 {
        s += &format!(" · {} attempts", r.attempts);
    }
    for n in &r.notes {
        s += &format!(" · note: {}", cut(n, NOTE_CHARS));
    }
    s
}

/// A note longer than this is cut in the table (files keep it whole).
const NOTE_CHARS: usize = 160;

/// The answer text, then one `name(arguments)` line per tool call.
fn answer_text(r: &Row) -> String {
    let text = r.output.trim();
    if r.tool_calls.is_empty() {
        return text.to_string();
    }
    let calls: Vec<String> = r.tool_calls.iter().map(|c| c.line()).collect();
    if text.is_empty() {
        calls.join("\n")
    } else {
        format!("{text}\n{}", calls.join("\n"))
    }
}

/// The longest model name or id shown in the table (a server chooses the id it reports).
const MODEL_CHARS: usize = 80;

/// What the user asked for and, when it differs, the `provider/model` that answered.
fn model_names(r: &Row) -> (String, Option<String>) {
    let full = format!("{}/{}", r.provider, cut(&r.model_id, MODEL_CHARS));
    if r.model == full || r.model == r.model_id {
        (full, None)
    } else {
        (cut(&r.model, MODEL_CHARS), Some(full))
    }
}

/// What was asked for, with what answered when that differs (`gpt · openai/gpt-4o-mini-…`), as
/// the server sent it: callers make it safe for where it goes.
pub(crate) fn label(r: &Row) -> String {
    match model_names(r) {
        (asked, Some(full)) => format!("{asked} · {full}"),
        (full, None) => full,
    }
}

fn total_line(report: &Report) -> String {
    let n = report.rows.len();
    let failed = report.rows.iter().filter(|r| r.error.is_some()).count();
    let mut s = format!("total cost {}", report.total_cost());
    s += &format!(
        " · {n} model{} · {} ok, {failed} failed · wall {}",
        if n == 1 { "" } else { "s" },
        n - failed,
        secs(Some(report.wall.as_millis() as u64))
    );
    if let Some(n) = agreeing(report) {
        s += &format!(" · all {n} answers agree");
    }
    if report.interrupted {
        s += " · interrupted";
    }
    s
}

/// How many answers there are when there are at least two and every one is the same after
/// folding whitespace and case (failed rows aside).
pub fn agreeing(report: &Report) -> Option<usize> {
    let answers: Vec<String> = report
        .rows
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| words::normalised(&answer_text(r)))
        .collect();
    let first = answers.first()?;
    (answers.len() > 1 && !first.is_empty() && answers.iter().all(|a| a == first))
        .then_some(answers.len())
}

/// The terminal rendering: metrics, answers laid out for the width, details, total.
pub fn table_string(report: &Report, opts: TableOptions) -> String {
    terminal::table(report, opts)
}

pub fn csv(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    csv_header(w)?;
    for r in &report.rows {
        csv_row(r, w)?;
    }
    Ok(())
}

pub fn json(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<&Row> = report.rows.iter().map(|r| &**r).collect();
    let text = serde_json::to_string_pretty(&rows).map_err(io::Error::other)?;
    writeln!(w, "{}", safe::json_escape_controls(&text))
}

pub fn jsonl(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    for r in &report.rows {
        jsonl_row(r, w)?;
    }
    Ok(())
}

/// A Markdown table cell: no raw control characters, no HTML (a viewer may render the file
/// as HTML), pipes and backslashes escaped, line breaks as `<br>`, and as strict about links
/// as the HTML report ([`inert_links`]).
pub(crate) fn md_cell(s: &str) -> String {
    inert_links(md_escaped(s))
}

/// How many times a cell is re-read for links made by the previous round's escapes.
const LINK_ROUNDS: usize = 8;

/// A rendered cell whose links go only to http(s)/mailto and whose images are links: a viewer
/// that loads images would fetch an answer's image URL the moment the file is opened (the
/// usual way out for what a prompt-injected answer read). The cell is read as a viewer reads
/// it — inside a table row — and a link elsewhere gets its `[` escaped, an image its `!`
/// replaced by `image: ` (so a safe one is a link to it).
fn inert_links(mut cell: String) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    const HEAD: &str = "|x|\n|-|\n|";
    // Links and images start with `[` (autolinks need `<`, which is escaped): most cells have none.
    if !cell.contains('[') {
        return cell;
    }
    for _ in 0..LINK_ROUNDS {
        let doc = format!("{HEAD}{cell}|\n");
        let mut edits: Vec<(usize, &str, usize)> = Vec::new();
        let parser = Parser::new_ext(&doc, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
        for (event, range) in parser.into_offset_iter() {
            let Some(at) = range.start.checked_sub(HEAD.len()) else {
                continue;
            };
            match event {
                Event::Start(Tag::Image { dest_url, .. }) => {
                    let with = match html::safe_href(&dest_url) {
                        Some(_) => "image: ",
                        None => "image: \\",
                    };
                    edits.push((at, with, 1));
                }
                Event::Start(Tag::Link { dest_url, .. })
                    if html::safe_href(&dest_url).is_none() =>
                {
                    edits.push((at, "\\", 0));
                }
                _ => {}
            }
        }
        if edits.is_empty() {
            return cell;
        }
        for (at, with, len) in edits.into_iter().rev() {
            if cell.is_char_boundary(at) && at + len <= cell.len() {
                cell.replace_range(at..at + len, with);
            }
        }
    }
    // Still a link after every round: no `(` can open a link's destination.
    cell.replace('(', "&#40;")
}

fn md_escaped(s: &str) -> String {
    // Whatever a viewer breaks lines at (CRLF, a lone CR, U+2028, U+2029, NEL) is a line
    // break inside the cell, not the end of the table row.
    let s = if s.contains(['\r', '\u{2028}', '\u{2029}', '\u{85}']) {
        s.replace("\r\n", "\n")
            .replace(['\r', '\u{2028}', '\u{2029}', '\u{85}'], "\n")
            .into()
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    let s = safe::visible(s.trim(), Lines::Keep);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

pub fn markdown(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "| Model | Answer | Latency | TTFT | In | Out | Tok/s | Cost | Status |"
    )?;
    writeln!(w, "|---|---|--:|--:|--:|--:|--:|--:|---|")?;
    for r in &report.rows {
        writeln!(
            w,
            "| {} | {} | {} | {} |",
            md_cell(&match model_names(r) {
                (asked, Some(full)) => format!("{asked} ({full})"),
                (full, None) => full,
            }),
            md_cell(&answer_text(r)),
            metrics(r).join(" | "),
            md_cell(&status(r)),
        )?;
    }
    writeln!(w)?;
    writeln!(w, "{}", total_line(report))
}

#[cfg(test)]
mod tests;

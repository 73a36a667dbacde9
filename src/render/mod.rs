//! Renderers: pure functions of a finished [`Report`] (or of one [`Row`]) that write into any
//! writer, so they are tested on in-memory buffers. Table (comfy-table), CSV (RFC 4180), JSON,
//! JSONL, Markdown.

use std::borrow::Cow;
use std::io::{self, Write};
use std::time::Duration;

use comfy_table::{Cell, Color, ContentArrangement, Table};

use crate::output::safe::{self, Lines};
use crate::provider::error::cut;

pub mod listing;
pub mod models;
pub mod row;

pub use row::{Call, Row};

/// What the end-of-run renderers show: every row in the order given.
#[derive(Debug, Clone)]
pub struct Report {
    pub rows: Vec<Row>,
    /// The run was stopped early: unfinished rows are marked cancelled.
    pub interrupted: bool,
    /// Wall time of the whole run.
    pub wall: Duration,
}

impl Report {
    /// The report of a run's results, each projected into its row.
    pub fn from_results(
        results: &[crate::engine::JobResult],
        catalog: &crate::catalog::Catalog,
        interrupted: bool,
        wall: Duration,
    ) -> Report {
        Report {
            rows: results.iter().map(|r| Row::project(r, catalog)).collect(),
            interrupted,
            wall,
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

/// A run's cost: what the providers' counts (or their own figures) give, what estimated counts
/// give, and how many answered rows have no price at all.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TotalCost {
    pub known: f64,
    pub known_rows: usize,
    pub estimated: f64,
    pub estimated_rows: usize,
    pub unpriced: usize,
}

impl std::fmt::Display for TotalCost {
    /// `$0.0123`, `$0.0123 + ~$0.000400 estimated (+ 1 unpriced)`, `unknown (2 unpriced)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if self.known_rows > 0 || (self.estimated_rows == 0 && self.unpriced == 0) {
            parts.push(usd(Some(self.known)));
        }
        if self.estimated_rows > 0 {
            parts.push(format!("~{} estimated", usd(Some(self.estimated))));
        }
        if parts.is_empty() {
            return write!(f, "unknown ({} unpriced)", self.unpriced);
        }
        f.write_str(&parts.join(" + "))?;
        if self.unpriced > 0 {
            write!(f, " (+ {} unpriced)", self.unpriced)?;
        }
        Ok(())
    }
}

/// Output formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Jsonl,
    Markdown,
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
}

/// Answers longer than this are cut in the table unless `--full`.
const ANSWER_CHARS: usize = 280;

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

pub fn usd(c: Option<f64>) -> String {
    match c {
        Some(0.0) => "$0".into(),
        Some(c) if c < 0.01 => format!("${c:.6}"),
        Some(c) => format!("${c:.4}"),
        None => "-".into(),
    }
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
    let mut s = match (&r.error, r.finish_reason.as_deref()) {
        (Some(e), _) => format!("failed: {}", cut(e, crate::provider::error::SHOWN_CHARS)),
        (None, Some("length")) => "ok (cut at max tokens)".into(),
        (None, Some("content_filter")) => "ok (filtered)".into(),
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

fn model_cell(r: &Row) -> String {
    let text = match model_names(r) {
        (asked, Some(full)) => format!("{asked}\n{full}"),
        (full, None) => full,
    };
    safe::visible(&text, Lines::Keep).into_owned()
}

fn answer(r: &Row, full: bool) -> String {
    let text = answer_text(r);
    let text = if full { text } else { cut(&text, ANSWER_CHARS) };
    safe::visible(&text, Lines::Keep).into_owned()
}

/// The widest line of `s`, in terminal columns.
fn text_width(s: &str) -> usize {
    s.lines()
        .map(unicode_width::UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
}

/// `s` with every run of non-space characters wider than `width` columns broken onto lines of
/// at most `width`. comfy-table splits an overlong word itself in time quadratic in the word's
/// length; pieces this long cost it little, so rendering stays linear. Borrows when no word is
/// that long.
fn break_long_words(s: &str, width: usize) -> Cow<'_, str> {
    use unicode_width::UnicodeWidthChar;
    let width = width.max(1);
    let longest_run = s
        .split(char::is_whitespace)
        .map(str::len)
        .max()
        .unwrap_or(0);
    if longest_run <= width {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + s.len() / width);
    let mut run = 0;
    for c in s.chars() {
        if c.is_whitespace() {
            run = 0;
            out.push(c);
            continue;
        }
        let w = c.width().unwrap_or(0);
        if run + w > width && run > 0 {
            out.push('\n');
            run = 0;
        }
        run += w;
        out.push(c);
    }
    Cow::Owned(out)
}

/// Words longer than this many columns (about) are broken before the table sees them.
const LONG_WORD: usize = 256;

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
    if report.interrupted {
        s += " · interrupted";
    }
    s
}

/// Columns of the table, and the upper bounds on their widths.
const HEADER: [&str; 9] = [
    "Model", "Answer", "Latency", "TTFT", "In", "Out", "Tok/s", "Cost", "Status",
];
const MODEL_WIDTH: u16 = 26;
const STATUS_WIDTH: u16 = 22;

/// The width the answer column gets: what `total` leaves after the other columns (each at its
/// content width, within its bound) and the borders, at least 12.
fn answer_width(cells: &[[String; 9]], total: u16) -> usize {
    let mut used = HEADER.len() + 1; // vertical borders
    for (i, h) in HEADER.iter().enumerate() {
        if i == 1 {
            used += 2;
            continue;
        }
        let content = cells
            .iter()
            .map(|row| text_width(&row[i]))
            .chain([h.len()])
            .max()
            .unwrap_or(0);
        // Bounds include the padding of one space each side.
        let bound = match i {
            0 => MODEL_WIDTH as usize - 2,
            8 => STATUS_WIDTH as usize - 2,
            _ => usize::MAX,
        };
        used += content.min(bound) + 2;
    }
    (total as usize).saturating_sub(used).max(12)
}

/// The comfy-table rendering with its total line. Cells are prepared so that rendering stays
/// linear in their size: names are capped, and very long words broken beforehand.
pub fn table_string(report: &Report, opts: TableOptions) -> String {
    let mut cells: Vec<[String; 9]> = report
        .rows
        .iter()
        .map(|r| {
            let [lat, ttft, input, output, rate, cost] = metrics(r);
            [
                model_cell(r),
                answer(r, opts.full),
                lat,
                ttft,
                input,
                output,
                rate,
                cost,
                safe::visible(&status(r), Lines::Keep).into_owned(),
            ]
        })
        .collect();
    // Break at a multiple of the width the answer column will have, so the table's own
    // wrapping of each piece ends flush.
    let answer_w = answer_width(&cells, opts.width);
    let piece = answer_w * LONG_WORD.div_ceil(answer_w);
    for c in &mut cells {
        if let Cow::Owned(broken) = break_long_words(&c[1], piece) {
            c[1] = broken;
        }
    }
    let mut t = Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_width(opts.width);
    if !opts.color {
        t.force_no_tty();
    }
    t.set_header(HEADER.to_vec());
    for (r, row) in report.rows.iter().zip(cells) {
        let mut row: Vec<Cell> = row.into_iter().map(Cell::new).collect();
        if opts.color {
            let st = row.pop().unwrap_or_else(|| Cell::new(""));
            row.push(st.fg(if r.error.is_some() {
                Color::Red
            } else {
                Color::Green
            }));
        }
        t.add_row(row);
    }
    use comfy_table::{ColumnConstraint, Width};
    if let Some(c) = t.column_mut(0) {
        c.set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(MODEL_WIDTH)));
    }
    if let Some(c) = t.column_mut(8) {
        c.set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(STATUS_WIDTH)));
    }
    for i in 2..8 {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
    format!("{t}\n{}\n", total_line(report))
}

pub fn csv(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    csv_header(w)?;
    for r in &report.rows {
        csv_row(r, w)?;
    }
    Ok(())
}

/// The CSV header line: [`COLUMNS`].
pub fn csv_header(w: &mut dyn Write) -> io::Result<()> {
    let mut wr = ::csv::Writer::from_writer(w);
    wr.write_record(COLUMNS).map_err(io::Error::other)?;
    wr.flush()
}

/// One CSV record (no header), as written when a job finishes.
pub fn csv_row(row: &Row, w: &mut dyn Write) -> io::Result<()> {
    let mut wr = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(w);
    wr.serialize(row).map_err(io::Error::other)?;
    wr.flush()
}

/// One JSON line.
pub fn jsonl_row(row: &Row, w: &mut dyn Write) -> io::Result<()> {
    let text = serde_json::to_string(row).map_err(io::Error::other)?;
    writeln!(w, "{}", safe::json_escape_controls(&text))
}

/// One JSON object on a line (`ask --format json`).
pub fn json_object(row: &Row, w: &mut dyn Write) -> io::Result<()> {
    jsonl_row(row, w)
}

/// The documented column names, in order.
pub const COLUMNS: &[&str] = &[
    "model",
    "provider",
    "model_id",
    "output",
    "tool_calls",
    "latency_ms",
    "ttft_ms",
    "total_ms",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "tokens_estimated",
    "tokens_per_s",
    "cost_usd",
    "cost_estimated",
    "finish_reason",
    "error",
    "error_kind",
    "attempts",
    "fallback_from",
    "notes",
];

pub fn json(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let text = serde_json::to_string_pretty(&report.rows).map_err(io::Error::other)?;
    writeln!(w, "{}", safe::json_escape_controls(&text))
}

pub fn jsonl(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    for r in &report.rows {
        jsonl_row(r, w)?;
    }
    Ok(())
}

/// A Markdown table cell: no raw control characters, no HTML (a viewer may render the file
/// as HTML), pipes and backslashes escaped, line breaks as `<br>`.
pub(crate) fn md_cell(s: &str) -> String {
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

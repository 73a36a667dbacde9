//! Renderers: pure functions of a finished [`Report`] (or of one [`Row`]) that write into any
//! writer, so they are tested on in-memory buffers. Table (comfy-table), CSV (RFC 4180), JSON,
//! JSONL, Markdown.

use std::io::{self, Write};
use std::time::Duration;

use comfy_table::{Cell, Color, ContentArrangement, Table};

pub mod models;
pub mod row;

pub use row::Row;

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

    /// The sum of the known costs and how many rows had none.
    pub fn total_cost(&self) -> (f64, usize) {
        let known: f64 = self.rows.iter().filter_map(|r| r.cost_usd).sum();
        let unknown = self
            .rows
            .iter()
            .filter(|r| r.cost_usd.is_none() && r.error.is_none())
            .count();
        (known, unknown)
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

fn tps(t: Option<f64>) -> String {
    t.map(|t| format!("{t:.1}")).unwrap_or_else(|| "-".into())
}

/// `ok`, `length` (cut by the token limit), or the error; then retries and fallbacks.
pub fn status(r: &Row) -> String {
    let mut s = match (&r.error, r.finish_reason.as_deref()) {
        (Some(e), _) => format!("failed: {e}"),
        (None, Some("length")) => "ok (cut at max tokens)".into(),
        (None, Some("content_filter")) => "ok (filtered)".into(),
        _ => "ok".into(),
    };
    if r.fallback_from.is_some() {
        s += " · fallback";
    }
    if r.attempts > 1 {
        s += &format!(" · {} attempts", r.attempts);
    }
    s
}

fn model_cell(r: &Row) -> String {
    let full = format!("{}/{}", r.provider, r.model_id);
    if r.model == full || r.model == r.model_id {
        full
    } else {
        format!("{}\n{}", r.model, full)
    }
}

fn answer(r: &Row, full: bool) -> String {
    let text = r.output.trim();
    if full || text.chars().count() <= ANSWER_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(ANSWER_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn total_line(report: &Report) -> String {
    let (cost, unknown) = report.total_cost();
    let n = report.rows.len();
    let failed = report.rows.iter().filter(|r| r.error.is_some()).count();
    let mut s = format!("total cost {}", usd(Some(cost)));
    if unknown > 0 {
        s += &format!(" (+ {unknown} unpriced)");
    }
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

/// The comfy-table rendering with its total line.
pub fn table_string(report: &Report, opts: TableOptions) -> String {
    let mut t = Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_width(opts.width);
    if !opts.color {
        t.force_no_tty();
    }
    t.set_header(vec![
        "Model", "Answer", "Latency", "TTFT", "In", "Out", "Tok/s", "Cost", "Status",
    ]);
    for r in &report.rows {
        let st = status(r);
        let mut st_cell = Cell::new(&st);
        if opts.color {
            st_cell = st_cell.fg(if r.error.is_some() {
                Color::Red
            } else {
                Color::Green
            });
        }
        t.add_row(vec![
            Cell::new(model_cell(r)),
            Cell::new(answer(r, opts.full)),
            Cell::new(secs(r.latency_ms)),
            Cell::new(secs(r.ttft_ms)),
            Cell::new(count(r.input_tokens)),
            Cell::new(count(r.output_tokens)),
            Cell::new(tps(r.tokens_per_s)),
            Cell::new(usd(r.cost_usd)),
            st_cell,
        ]);
    }
    use comfy_table::{ColumnConstraint, Width};
    if let Some(c) = t.column_mut(0) {
        c.set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(26)));
    }
    if let Some(c) = t.column_mut(8) {
        c.set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(22)));
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
    serde_json::to_writer(&mut *w, row).map_err(io::Error::other)?;
    writeln!(w)
}

/// The documented column names, in order.
pub const COLUMNS: &[&str] = &[
    "model",
    "provider",
    "model_id",
    "output",
    "latency_ms",
    "ttft_ms",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "tokens_per_s",
    "cost_usd",
    "finish_reason",
    "error",
    "error_kind",
    "attempts",
    "fallback_from",
];

pub fn json(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &report.rows).map_err(io::Error::other)?;
    writeln!(w)
}

pub fn jsonl(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    for r in &report.rows {
        jsonl_row(r, w)?;
    }
    Ok(())
}

fn md_cell(s: &str) -> String {
    s.trim()
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
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
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md_cell(&format!("{} ({}/{})", r.model, r.provider, r.model_id)),
            md_cell(&r.output),
            secs(r.latency_ms),
            secs(r.ttft_ms),
            count(r.input_tokens),
            count(r.output_tokens),
            tps(r.tokens_per_s),
            usd(r.cost_usd),
            md_cell(&status(r)),
        )?;
    }
    writeln!(w)?;
    writeln!(w, "{}", total_line(report))
}

#[cfg(test)]
mod tests;

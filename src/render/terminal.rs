//! The terminal table: one line of metrics per model, then the answers at a readable width —
//! side by side when every answer column gets [`SIDE_MIN`] columns, else stacked in labelled
//! blocks — then the errors and notes in full, then the total. A pure function of the report and
//! the width: no line is wider than the width (down to [`NARROWEST`]), no header or word is
//! broken (only a word wider than its whole column is), and nothing a server sent reaches the
//! terminal with a control character intact.

use unicode_width::UnicodeWidthStr;

use super::words::{self, Line, Mark, Para};
use super::{Report, Row, TableOptions};
use llmx_core::provider::error::cut;
use llmx_core::safe::{self, Lines};

/// `--layout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Side by side when every answer gets 38 columns, else stacked.
    #[default]
    Auto,
    /// Answers in columns side by side (each at least 20 wide).
    Side,
    /// Answers one under another, each at the full width.
    Stacked,
}

/// The narrowest answer column `auto` puts side by side.
pub const SIDE_MIN: usize = 38;
/// The narrowest column `side` will use, whatever the width.
const SIDE_FLOOR: usize = 20;
/// Below this width lines may be wider than the terminal.
pub const NARROWEST: usize = 50;
/// Lines of an answer shown unless `--full`.
pub const ANSWER_LINES: usize = 16;
/// An error longer than this is cut below the table (files keep it whole).
const ERROR_CHARS: usize = 2000;
/// Between side-by-side columns.
const GUTTER: &str = " │ ";

/// Whether answers go side by side: `auto` decides from the width and the number of answers.
pub fn side_by_side(layout: Layout, width: usize, answers: usize) -> bool {
    let fits = |min: usize| answers * min + GUTTER.width() * answers.saturating_sub(1) <= width;
    match layout {
        Layout::Stacked => false,
        Layout::Side => answers > 1 && fits(SIDE_FLOOR),
        Layout::Auto => answers > 1 && fits(SIDE_MIN),
    }
}

/// ANSI styles, used only with colour.
mod style {
    pub const BOLD: &str = "\x1b[1m";
    pub const DIM: &str = "\x1b[2m";
    pub const GREEN: &str = "\x1b[32m";
    pub const RED: &str = "\x1b[31m";
    pub const YELLOW: &str = "\x1b[33m";
    pub const ADDED: &str = "\x1b[32;4m";
    pub const REMOVED: &str = "\x1b[31;9m";
    pub const RESET: &str = "\x1b[0m";
}

fn paint(s: &str, style: &str, color: bool) -> String {
    if color && !s.is_empty() {
        format!("{style}{s}{}", style::RESET)
    } else {
        s.to_string()
    }
}

/// `s` shown in at most `width` columns, cut with `…`.
pub(crate) fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let gap = " ".repeat(width.saturating_sub(s.width()));
    if right {
        format!("{gap}{s}")
    } else {
        format!("{s}{gap}")
    }
}

/// The short status of the metrics line; the whole error is shown below.
fn short_status(r: &Row) -> String {
    let base = match (&r.error, r.finish_reason.as_deref()) {
        (Some(_), _) => match r.error_kind {
            Some(k) => format!("failed: {}", k.as_str().replace('_', " ")),
            None => "failed".into(),
        },
        (None, Some("length")) => "ok (max tokens)".into(),
        (None, Some("content_filter")) => "ok (filtered)".into(),
        (None, Some("tool_calls")) => "ok (tool calls)".into(),
        (None, Some("refusal")) => "refused".into(),
        _ => "ok".into(),
    };
    if r.error.is_none() && has_details(r) {
        format!("{base} *")
    } else {
        base
    }
}

/// The row has something to say below the metrics: an error, retries, a fallback, notes.
fn has_details(r: &Row) -> bool {
    r.error.is_some() || r.attempts > 1 || r.fallback_from.is_some() || !r.notes.is_empty()
}

/// The name a row is shown by: what was asked for, with what answered when that differs.
fn label(r: &Row) -> String {
    safe::visible(&super::label(r), Lines::Fold).into_owned()
}

/// The short name: what was asked for.
fn short_label(r: &Row) -> String {
    let (asked, _) = super::model_names(r);
    safe::visible(&asked, Lines::Fold).into_owned()
}

/// One column of an aligned table without borders (the metrics lines, `llmx models`).
pub(crate) struct Column {
    pub header: &'static str,
    pub cells: Vec<String>,
    pub right: bool,
    /// What it is shown in: its widest cell or header until a caller narrows it.
    pub width: usize,
}

/// Between the columns of an aligned table.
pub(crate) const GAP: usize = 2;

impl Column {
    pub fn new(header: &'static str, cells: Vec<String>, right: bool) -> Column {
        let width = cells
            .iter()
            .map(|c| c.width())
            .chain([header.width()])
            .max()
            .unwrap_or(0);
        Column {
            header,
            cells,
            right,
            width,
        }
    }

    /// The header at the column's width.
    pub fn head(&self) -> String {
        pad(self.header, self.width, self.right)
    }

    /// Cell `i` cut with `…` and padded to the column's width.
    pub fn cell(&self, i: usize) -> String {
        pad(&fit(&self.cells[i], self.width), self.width, self.right)
    }

    /// The width of `cols` side by side.
    pub fn total(cols: &[Column]) -> usize {
        cols.iter().map(|c| c.width).sum::<usize>() + GAP * cols.len().saturating_sub(1)
    }

    /// Cells joined into one line, without trailing spaces.
    pub fn line(cells: &[String]) -> String {
        cells.join(&" ".repeat(GAP)).trim_end().to_string()
    }
}

/// The metrics lines: header, then one line per row. Columns are dropped (Tok/s, In, TTFT, in
/// that order) and the model and status cut only as far as the width needs.
fn metrics_lines(report: &Report, width: usize, color: bool) -> Vec<String> {
    let rows = &report.rows;
    let m: Vec<[String; 6]> = rows.iter().map(|r| super::metrics(r)).collect();
    let col = |i: usize| m.iter().map(|r| r[i].clone()).collect::<Vec<_>>();
    let mut cols = vec![
        Column::new(
            "Model",
            rows.iter().map(|r| short_label(r)).collect(),
            false,
        ),
        Column::new(
            "Status",
            rows.iter().map(|r| short_status(r)).collect(),
            false,
        ),
        Column::new("Latency", col(0), true),
        Column::new("TTFT", col(1), true),
        Column::new("In", col(2), true),
        Column::new("Out", col(3), true),
        Column::new("Tok/s", col(4), true),
        Column::new("Cost", col(5), true),
    ];
    let natural_model = cols[0].width;
    let over = |cols: &[Column]| Column::total(cols).saturating_sub(width);
    // Shrink the model names to 24, drop the least needed columns, then shrink further.
    let shrink = |cols: &mut [Column], i: usize, floor: usize| {
        let by = over(cols).min(cols[i].width.saturating_sub(floor));
        cols[i].width -= by;
    };
    shrink(&mut cols, 0, 24);
    for name in ["Tok/s", "In", "TTFT"] {
        if over(&cols) == 0 {
            break;
        }
        cols.retain(|c| c.header != name);
    }
    shrink(&mut cols, 0, 12);
    shrink(&mut cols, 1, 10);
    shrink(&mut cols, 0, 6);
    // Whatever dropping a column freed goes back to the model names.
    let slack = width.saturating_sub(Column::total(&cols));
    cols[0].width = (cols[0].width + slack).min(natural_model);

    let mut out = Vec::new();
    let header: Vec<String> = cols.iter().map(Column::head).collect();
    out.push(paint(&Column::line(&header), style::BOLD, color));
    for (i, r) in rows.iter().enumerate() {
        let cells: Vec<String> = cols
            .iter()
            .map(|c| {
                let cell = c.cell(i);
                if c.header == "Status" {
                    let s = if r.error.is_some() {
                        style::RED
                    } else if has_details(r) {
                        style::YELLOW
                    } else {
                        style::GREEN
                    };
                    paint(&cell, s, color)
                } else {
                    cell
                }
            })
            .collect();
        out.push(Column::line(&cells));
    }
    out
}

/// A row's answer as paragraphs (tool calls as `name(args)` lines), compared with `base` when
/// diffing; marks spelled out when there is no colour.
fn answer_paras(r: &Row, base: Option<&str>, color: bool) -> Vec<Para> {
    let text = super::answer_text(r);
    let text = safe::visible(&text, Lines::Keep);
    let mut paras = match base {
        Some(b) => words::diff(b, &text),
        None => words::paras(&text),
    };
    if !color {
        words::spell_marks(&mut paras);
    }
    paras
}

/// The wrapped lines of an answer, cut to [`ANSWER_LINES`] unless `full`.
fn answer_lines(r: &Row, base: Option<&str>, width: usize, opts: TableOptions) -> Vec<Line> {
    let mut lines = if r.output.trim().is_empty() && r.tool_calls.is_empty() {
        let what = if r.error.is_some() {
            "(no answer: failed, see below)"
        } else {
            "(empty answer)"
        };
        words::wrap(&words::paras(what), width)
    } else {
        words::wrap(&answer_paras(r, base, opts.color), width)
    };
    if !opts.full && lines.len() > ANSWER_LINES {
        let more = lines.len() - (ANSWER_LINES - 1);
        lines.truncate(ANSWER_LINES - 1);
        let note = format!("… {more} more lines (--full shows all)");
        lines.extend(words::wrap(&words::paras(&note), width));
    }
    lines
}

/// A wrapped line as it is printed, styled when there is colour; and its width.
fn show(line: &Line, color: bool) -> (String, usize) {
    let width = line.width();
    if !color {
        return (line.plain(), width);
    }
    let mut s = " ".repeat(line.indent);
    for (i, w) in line.words.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        match w.mark {
            Mark::Same => s.push_str(&w.text),
            Mark::Added => s.push_str(&paint(&w.text, style::ADDED, true)),
            Mark::Removed => s.push_str(&paint(&w.text, style::REMOVED, true)),
        }
    }
    (s, width)
}

/// The answer every other is compared with under `--diff`: the first row's.
fn diff_base(report: &Report, opts: TableOptions, i: usize) -> Option<String> {
    if !opts.diff || i == 0 {
        return None;
    }
    let first = report.rows.first()?;
    Some(safe::visible(&super::answer_text(first), Lines::Keep).into_owned())
}

fn side_lines(report: &Report, width: usize, opts: TableOptions) -> Vec<String> {
    let n = report.rows.len();
    let gutter = GUTTER.width();
    let col = (width - gutter * (n - 1)) / n;
    let columns: Vec<Vec<Line>> = report
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| answer_lines(r, diff_base(report, opts, i).as_deref(), col, opts))
        .collect();
    let sep = paint(GUTTER, style::DIM, opts.color);
    let mut out = Vec::new();
    let heads: Vec<String> = report
        .rows
        .iter()
        .map(|r| pad(&fit(&label(r), col), col, false))
        .collect();
    out.push(paint(
        heads.join(GUTTER).trim_end(),
        style::BOLD,
        opts.color,
    ));
    let rule: Vec<String> = (0..n).map(|_| "─".repeat(col)).collect();
    out.push(paint(&rule.join("─┼─"), style::DIM, opts.color));
    let tall = columns.iter().map(Vec::len).max().unwrap_or(0);
    for k in 0..tall {
        let mut line = String::new();
        for (i, c) in columns.iter().enumerate() {
            let (text, w) = c.get(k).map(|l| show(l, opts.color)).unwrap_or_default();
            if i > 0 {
                line.push_str(&sep);
            }
            line.push_str(&text);
            if i + 1 < n {
                line.push_str(&" ".repeat(col.saturating_sub(w)));
            }
        }
        out.push(line.trim_end().to_string());
    }
    out
}

/// `── label ─────` across the width.
fn heading(text: &str, width: usize, color: bool) -> String {
    let text = fit(text, width.saturating_sub(4));
    let rest = width.saturating_sub(text.width() + 4);
    paint(
        &format!("── {text} {}", "─".repeat(rest)),
        style::BOLD,
        color,
    )
}

fn stacked_lines(report: &Report, width: usize, opts: TableOptions) -> Vec<String> {
    let mut out = Vec::new();
    for (i, r) in report.rows.iter().enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        out.push(heading(&label(r), width, opts.color));
        let base = diff_base(report, opts, i);
        for l in answer_lines(r, base.as_deref(), width, opts) {
            out.push(show(&l, opts.color).0.trim_end().to_string());
        }
    }
    out
}

/// What each row with something to say says: the error in full, retries, the fallback, notes.
fn detail_lines(report: &Report, width: usize, color: bool) -> Vec<String> {
    let mut out = Vec::new();
    for r in report.rows.iter().filter(|r| has_details(r)) {
        let mut parts = Vec::new();
        if let Some(e) = crate::error::shown_row(r) {
            parts.push(format!("failed: {}", cut(&e, ERROR_CHARS)));
        }
        if r.attempts > 1 {
            parts.push(format!("{} attempts", r.attempts));
        }
        if let Some(f) = &r.fallback_from {
            parts.push(format!("fallback from {}", cut(f, 300)));
        }
        for n in &r.notes {
            parts.push(format!("note: {}", cut(n, super::NOTE_CHARS)));
        }
        let text = format!("* {}: {}", short_label(r), parts.join(" · "));
        let text = safe::visible(&text, Lines::Fold);
        let lines = words::wrap(&words::paras(&text), width.saturating_sub(2));
        for (k, l) in lines.iter().enumerate() {
            let s = l.plain();
            let s = if k == 0 { s } else { format!("  {s}") };
            out.push(if r.error.is_some() {
                paint(&s, style::RED, color)
            } else {
                s
            });
        }
    }
    out
}

/// The whole terminal rendering, ending with the total line.
pub fn table(report: &Report, opts: TableOptions) -> String {
    let width = (opts.width as usize).max(NARROWEST);
    let mut out = metrics_lines(report, width, opts.color);
    let answers = report.rows.len();
    if answers > 0 {
        out.push(String::new());
        if side_by_side(opts.layout, width, answers) {
            out.extend(side_lines(report, width, opts));
        } else {
            out.extend(stacked_lines(report, width, opts));
        }
    }
    let details = detail_lines(report, width, opts.color);
    if !details.is_empty() {
        out.push(String::new());
        out.extend(details);
    }
    out.push(String::new());
    let total = words::wrap(&words::paras(&super::total_line(report)), width);
    out.extend(total.iter().map(Line::plain));
    let mut s = out.join("\n");
    s.push('\n');
    s
}

//! A small table of figures in any of compare's formats: what `llmx history`, `usage`,
//! `leaderboard` and `history stats` print. Each cell has a machine value (CSV, JSON, JSONL:
//! exact numbers, `null` when unknown) and a human one (table, Markdown: `1.23 s`, `~$0.0012`,
//! `-` when unknown).

use std::io::{self, Write};

/// What `llmx usage` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageBy {
    /// `provider/model` as requested.
    Model,
    Provider,
    /// UTC day.
    Day,
}

/// What `llmx leaderboard` ranks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardSort {
    /// Median latency, lowest first.
    Latency,
    /// Median time to first token, lowest first.
    Ttft,
    /// Median output tokens per second, highest first.
    Speed,
    /// Mean cost per request, lowest first.
    Cost,
    /// Error rate, lowest first.
    Errors,
}

use serde_json::Value;

use super::Format;
use llmx_core::safe::{self, Lines};

/// One column: its machine name (CSV header, JSON key), its title in a table, and how it gives
/// way in a narrow table (see [`super::aligned`]).
pub struct Column {
    pub key: &'static str,
    pub title: &'static str,
    /// Numbers align right in a table.
    pub right: bool,
    pub fit: super::aligned::Fit,
}

/// A column always shown whole in a table (ids, the figures a report is about).
pub const fn col(key: &'static str, title: &'static str, right: bool) -> Column {
    Column {
        key,
        title,
        right,
        fit: super::aligned::Fit::Keep,
    }
}

impl Column {
    /// Text a narrow table cuts with `…`, down to `floor` columns.
    pub const fn cut(mut self, floor: usize) -> Column {
        self.fit = super::aligned::Fit::Cut(floor);
        self
    }

    /// A column a narrow table drops; lower ranks go first.
    pub const fn drop(mut self, rank: u8) -> Column {
        self.fit = super::aligned::Fit::Drop(rank);
        self
    }
}

/// A table of figures. Machine-only columns have an empty title and are left out of tables.
pub struct Listing {
    pub columns: Vec<Column>,
    /// Per row, one (machine, human) pair per column.
    pub rows: Vec<Vec<(Value, String)>>,
    /// Printed under a table or Markdown (a total); not part of CSV or JSON.
    pub footer: Option<String>,
    /// What a table or Markdown says when there are no rows.
    pub empty: String,
}

/// A machine value: a cost or another fraction as a plain decimal (no float noise).
pub fn decimal(x: Option<f64>) -> Value {
    x.and_then(|v| serde_json::from_str(&llmx_core::row::plain_decimal(v)).ok())
        .unwrap_or(Value::Null)
}

fn csv_field(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

impl Listing {
    pub fn render(&self, format: Format, width: u16, w: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Table => self.table(width, w),
            Format::Markdown => self.markdown(w),
            Format::Html => self.html(w),
            Format::Csv => self.csv(w),
            Format::Json => {
                if self.rows.is_empty() {
                    return writeln!(w, "[]");
                }
                let objects: Vec<String> = self
                    .rows
                    .iter()
                    .map(|r| self.object(r, "\n    ", "\n  "))
                    .collect();
                writeln!(w, "[\n  {}\n]", objects.join(",\n  "))
            }
            Format::Jsonl => {
                for r in &self.rows {
                    writeln!(w, "{}", self.object(r, "", ""))?;
                }
                Ok(())
            }
        }
    }

    /// One row as a JSON object with its keys in column order; `indent` before each key,
    /// `close` before the closing brace.
    fn object(&self, r: &[(Value, String)], indent: &str, close: &str) -> String {
        let sep = if indent.is_empty() { "," } else { ", " };
        let colon = if indent.is_empty() { ":" } else { ": " };
        let fields: Vec<String> = self
            .columns
            .iter()
            .zip(r)
            .map(|(c, (v, _))| {
                let key = Value::String(c.key.to_string());
                format!("{indent}{key}{colon}{v}")
            })
            .collect();
        let text = format!("{{{}{close}}}", fields.join(sep.trim_end()));
        safe::json_escape_controls(&text).into_owned()
    }

    fn shown(&self) -> impl Iterator<Item = (usize, &Column)> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.title.is_empty())
    }

    fn csv(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut wr = ::csv::Writer::from_writer(w);
        wr.write_record(self.columns.iter().map(|c| c.key))
            .map_err(io::Error::other)?;
        for r in &self.rows {
            wr.write_record(r.iter().map(|(v, _)| csv_field(v)))
                .map_err(io::Error::other)?;
        }
        wr.flush()
    }

    /// Aligned columns fitted to `width` (see [`super::aligned`]), then the footer.
    fn table(&self, width: u16, w: &mut dyn Write) -> io::Result<()> {
        if self.rows.is_empty() {
            return writeln!(w, "{}", self.empty);
        }
        let specs: Vec<super::aligned::Spec> = self
            .shown()
            .map(|(_, c)| super::aligned::Spec {
                title: c.title,
                right: c.right,
                fit: c.fit,
            })
            .collect();
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                self.shown()
                    .map(|(i, _)| safe::visible(&r[i].1, Lines::Fold).into_owned())
                    .collect()
            })
            .collect();
        for line in super::aligned::lines(&specs, &rows, width as usize) {
            writeln!(w, "{line}")?;
        }
        if let Some(f) = &self.footer {
            // The footer is prose: wrapped at words to the width.
            let text = safe::visible(f, Lines::Fold);
            for l in super::words::wrap(&super::words::paras(&text), width as usize) {
                writeln!(w, "{}", l.plain().trim_end())?;
            }
        }
        Ok(())
    }

    /// A plain HTML page holding the table, every cell escaped.
    fn html(&self, w: &mut dyn Write) -> io::Result<()> {
        use super::html::esc;
        write!(
            w,
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"><title>llmx</title><style>body{{font:15px/1.5 system-ui,sans-serif;margin:1rem}}table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:.3rem .6rem}}.r{{text-align:right}}</style></head><body>"
        )?;
        if self.rows.is_empty() {
            writeln!(w, "<p>{}</p></body></html>", esc(&self.empty))?;
            return Ok(());
        }
        write!(w, "<div style=\"overflow-x:auto\"><table><thead><tr>")?;
        for (_, c) in self.shown() {
            write!(w, "<th>{}</th>", esc(c.title))?;
        }
        write!(w, "</tr></thead><tbody>")?;
        for r in &self.rows {
            write!(w, "<tr>")?;
            for (i, c) in self.shown() {
                let class = if c.right { " class=\"r\"" } else { "" };
                write!(w, "<td{class}>{}</td>", esc(&r[i].1))?;
            }
            write!(w, "</tr>")?;
        }
        write!(w, "</tbody></table></div>")?;
        if let Some(f) = &self.footer {
            write!(w, "<p>{}</p>", esc(f))?;
        }
        writeln!(w, "</body></html>")
    }

    fn markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        if self.rows.is_empty() {
            return writeln!(w, "{}", super::md_cell(&self.empty));
        }
        let titles: Vec<&str> = self.shown().map(|(_, c)| c.title).collect();
        writeln!(w, "| {} |", titles.join(" | "))?;
        let rule: Vec<&str> = self
            .shown()
            .map(|(_, c)| if c.right { "--:" } else { "---" })
            .collect();
        writeln!(w, "|{}|", rule.join("|"))?;
        for r in &self.rows {
            let cells: Vec<String> = self.shown().map(|(i, _)| super::md_cell(&r[i].1)).collect();
            writeln!(w, "| {} |", cells.join(" | "))?;
        }
        if let Some(f) = &self.footer {
            writeln!(w)?;
            writeln!(w, "{}", super::md_cell(f))?;
        }
        Ok(())
    }
}

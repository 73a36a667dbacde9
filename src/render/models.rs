//! Rendering of `llmx models`: the catalog as a table, CSV or JSON.

use std::io::{self, Write};

/// How `llmx models` sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSort {
    /// Provider, then model id.
    Name,
    /// Cheapest first (input + output price); unpriced last.
    Price,
    /// Largest context window first; unknown last.
    Context,
}

/// Output formats of `llmx models`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelsFormat {
    /// Aligned columns; model ids are never broken (other columns go first).
    Table,
    /// One tab-separated line per model, no header: provider/id, context, input and output
    /// USD per million tokens, capabilities, aliases.
    Plain,
    Csv,
    Json,
}

use serde::Serialize;

/// One catalog entry as listed. Field order is the CSV column order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRow {
    pub provider: String,
    pub id: String,
    /// Aliases that point at this model, space-separated.
    pub aliases: String,
    pub context: Option<u64>,
    pub max_output: Option<u64>,
    /// USD per million tokens.
    pub input_per_m: Option<f64>,
    pub output_per_m: Option<f64>,
    pub cache_read_per_m: Option<f64>,
    pub cache_write_per_m: Option<f64>,
    /// Input tokens above which a long-context price applies.
    pub tier_above: Option<u64>,
    pub free: bool,
    /// `None`: no source says.
    pub vision: Option<bool>,
    pub tools: Option<bool>,
    pub reasoning: bool,
    pub source: String,
    /// The provider's Batch API price as a share of the list price, where documented.
    pub batch_share: Option<f64>,
    /// Where that is documented, and when.
    pub batch_source: Option<String>,
}

fn per_m(p: Option<f64>) -> String {
    match p {
        Some(0.0) => "0".into(),
        Some(x) if x >= 1.0 => format!("{x:.2}"),
        // Cents always shown (0.20, not 0.2); finer digits only where the price has them.
        Some(x) => {
            let mut s = format!("{x:.4}");
            while s.ends_with('0') && s.len() > "0.00".len() {
                s.pop();
            }
            s
        }
        None => "-".into(),
    }
}

/// `128k`, `1.05M`.
pub fn tokens(n: Option<u64>) -> String {
    match n {
        Some(n) if n >= 1_000_000 => {
            let s = format!("{:.2}", n as f64 / 1e6);
            format!("{}M", s.trim_end_matches('0').trim_end_matches('.'))
        }
        Some(n) if n >= 1000 => format!("{}k", (n as f64 / 1000.0).round() as u64),
        Some(n) => n.to_string(),
        None => "-".into(),
    }
}

fn caps(r: &ModelRow) -> String {
    let mut v = Vec::new();
    if r.vision == Some(true) {
        v.push("vision");
    }
    if r.tools == Some(true) {
        v.push("tools");
    }
    if r.reasoning {
        v.push("reasoning");
    }
    v.join(" ")
}

/// The catalog as aligned columns at most `width` wide, then the count. A model id is never
/// cut or broken: aliases are cut, then columns dropped (aliases, free, capabilities, max
/// output, context)
/// until the line fits; an id longer than the room left then gets a line to itself, above its
/// figures.
pub fn table(rows: &[ModelRow], width: u16, w: &mut dyn Write) -> io::Result<()> {
    use super::terminal::Column;
    use unicode_width::UnicodeWidthStr;
    let col = Column::new;
    let safe = |s: &str| llmx_core::safe::visible(s, llmx_core::safe::Lines::Fold).into_owned();
    let mut cols = vec![
        col(
            "Model",
            rows.iter()
                .map(|r| safe(&format!("{}/{}", r.provider, r.id)))
                .collect(),
            false,
        ),
        col(
            "Context",
            rows.iter().map(|r| tokens(r.context)).collect(),
            true,
        ),
        col(
            "Max out",
            rows.iter().map(|r| tokens(r.max_output)).collect(),
            true,
        ),
        col(
            "In $/M",
            rows.iter().map(|r| per_m(r.input_per_m)).collect(),
            true,
        ),
        col(
            "Out $/M",
            rows.iter().map(|r| per_m(r.output_per_m)).collect(),
            true,
        ),
        col(
            "Free",
            rows.iter()
                .map(|r| if r.free { "free".into() } else { String::new() })
                .collect(),
            false,
        ),
        col("Capabilities", rows.iter().map(caps).collect(), false),
        col(
            "Aliases",
            rows.iter().map(|r| safe(&r.aliases)).collect(),
            false,
        ),
    ];
    let width = width as usize;
    let over = Column::total(&cols).saturating_sub(width);
    if let Some(a) = cols.last_mut() {
        a.width = a.width.saturating_sub(over).max(12);
    }
    for head in ["Aliases", "Free", "Capabilities", "Max out", "Context"] {
        if Column::total(&cols) <= width {
            break;
        }
        cols.retain(|c| c.header != head);
    }
    // The rare id longer than the room left gets a line to itself, above its figures.
    let over = Column::total(&cols).saturating_sub(width);
    cols[0].width = cols[0].width.saturating_sub(over).max(24);
    let head: Vec<String> = cols.iter().map(Column::head).collect();
    writeln!(w, "{}", Column::line(&head))?;
    for i in 0..rows.len() {
        let id = &cols[0].cells[i];
        let alone = id.width() > cols[0].width;
        if alone {
            writeln!(w, "{id}")?;
        }
        let cells: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(k, c)| {
                if k == 0 && alone {
                    " ".repeat(c.width)
                } else {
                    c.cell(i)
                }
            })
            .collect();
        writeln!(w, "{}", Column::line(&cells))?;
    }
    writeln!(w, "{} models", rows.len())
}

/// One tab-separated line per model, for `grep` and `cut`: `provider/id`, context, input and
/// output USD per million tokens, capabilities, aliases (empty fields stay, as `-` or nothing).
pub fn plain(rows: &[ModelRow], w: &mut dyn Write) -> io::Result<()> {
    // Folding turns tabs and line breaks into spaces: one line, six fields.
    let safe = |s: &str| llmx_core::safe::visible(s, llmx_core::safe::Lines::Fold).into_owned();
    for r in rows {
        writeln!(
            w,
            "{}/{}\t{}\t{}\t{}\t{}\t{}",
            safe(&r.provider),
            safe(&r.id),
            tokens(r.context),
            per_m(r.input_per_m),
            per_m(r.output_per_m),
            caps(r),
            safe(&r.aliases),
        )?;
    }
    Ok(())
}

pub fn csv(rows: &[ModelRow], w: &mut dyn Write) -> io::Result<()> {
    let mut wr = ::csv::Writer::from_writer(w);
    for r in rows {
        wr.serialize(r).map_err(io::Error::other)?;
    }
    wr.flush()
}

pub fn json(rows: &[ModelRow], w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, rows).map_err(io::Error::other)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(tokens(Some(128_000)), "128k");
        assert_eq!(tokens(Some(1_048_576)), "1.05M");
        assert_eq!(tokens(Some(1_000_000)), "1M");
        assert_eq!(tokens(None), "-");
        assert_eq!(per_m(Some(0.075)), "0.075");
        assert_eq!(per_m(Some(15.0)), "15.00");
        assert_eq!(per_m(Some(0.0)), "0");
        assert_eq!(per_m(None), "-");
    }
}

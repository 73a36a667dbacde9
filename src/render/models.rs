//! Rendering of `llmx models`: the catalog as a table, CSV or JSON.

use std::io::{self, Write};

use comfy_table::{CellAlignment, ContentArrangement, Table};
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
}

fn per_m(p: Option<f64>) -> String {
    match p {
        Some(0.0) => "0".into(),
        Some(x) if x >= 1.0 => format!("{x:.2}"),
        Some(x) => format!("{x:.4}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string(),
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

pub fn table(rows: &[ModelRow], width: u16, w: &mut dyn Write) -> io::Result<()> {
    let mut t = Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_width(width);
    t.force_no_tty();
    t.set_header(vec![
        "Provider",
        "Model",
        "Aliases",
        "Context",
        "In $/M",
        "Out $/M",
        "Free",
        "Capabilities",
    ]);
    for r in rows {
        t.add_row(vec![
            r.provider.clone(),
            r.id.clone(),
            r.aliases.clone(),
            tokens(r.context),
            per_m(r.input_per_m),
            per_m(r.output_per_m),
            if r.free { "free".into() } else { String::new() },
            caps(r),
        ]);
    }
    for i in 3..6 {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(w, "{t}")?;
    writeln!(w, "{} models", rows.len())
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

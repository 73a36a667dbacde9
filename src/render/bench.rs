//! A benchmark's summary as people read it: the terminal table and the cells the HTML report
//! shares with it. The figures themselves are the core's ([`llmx_core::bench::summary`]).

use llmx_core::bench::summary::Line;
use llmx_core::safe::{self, Lines};

/// The headers of the summary as people read it (the terminal table and the HTML report).
pub const SHOWN: [&str; 15] = [
    "model",
    "n",
    "ok",
    "err",
    "p50 ms",
    "p90",
    "p95",
    "p99",
    "ttft p50",
    "ttft p95",
    "itl p50",
    "tok/s p50",
    "cost",
    "cost/req",
    "pass",
];

/// The cells under [`SHOWN`]: milliseconds whole, `-` for unknown, `~` for costs that rest on
/// estimated token counts. The model name as given (callers make it safe to show).
pub fn shown(l: &Line) -> [String; 15] {
    let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.0}"));
    let cost = |c: Option<f64>| {
        let s = super::usd(c);
        if l.cost_estimated && c.is_some() {
            format!("~{s}")
        } else {
            s
        }
    };
    [
        l.model.clone(),
        l.n.to_string(),
        l.ok.to_string(),
        l.errors.to_string(),
        ms(l.latency_ms_p50),
        ms(l.latency_ms_p90),
        ms(l.latency_ms_p95),
        ms(l.latency_ms_p99),
        ms(l.ttft_ms_p50),
        ms(l.ttft_ms_p95),
        l.itl_ms_p50.map_or("-".into(), |v| format!("{v:.1}")),
        l.tokens_per_s_p50.map_or("-".into(), |v| format!("{v:.1}")),
        cost(l.cost_usd_total),
        cost(l.cost_usd_mean),
        l.pass_rate
            .map_or("-".into(), |r| format!("{:.0}%", r * 100.0)),
    ]
}

/// The summary as a table for people.
pub fn table(lines: &[Line], width: u16) -> String {
    use comfy_table::{ContentArrangement, Table};
    let mut t = Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_width(width);
    t.set_header(SHOWN);
    // Model names are never wrapped; the figures' headers give way first.
    if let Some(c) = t.column_mut(0) {
        c.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
    }
    for l in lines {
        let mut cells = shown(l);
        cells[0] = safe::visible(&l.model, Lines::Fold).into_owned();
        t.add_row(cells);
    }
    format!("{t}\n")
}

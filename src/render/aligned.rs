//! Aligned tables without borders, fitted to a width: the one policy every table of llmx
//! follows (compare's metrics lines, `llmx models`, bench's summary, `history`, `usage`,
//! `leaderboard`, `history stats`, `keys list`). A cell is shown whole, or — for text that may
//! be cut — cut with `…`; ids, numbers and costs are never cut or broken across lines. When a
//! table is wider than the terminal, its text columns are cut to 24 first, then the columns a
//! table marks as droppable are dropped in the order it gives, then text is cut to its floor;
//! whatever dropping freed goes back to the text. A table that still does not fit is printed
//! wider rather than break a number.

use super::terminal::Column;

/// How a column gives way when the line is too wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Always shown whole (ids, the figures a table is about).
    Keep,
    /// Shown whole, or dropped; lower ranks are dropped first.
    Drop(u8),
    /// Text, cut with `…` down to this many columns.
    Cut(usize),
}

/// One column of a fitted table.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub title: &'static str,
    /// Numbers align right.
    pub right: bool,
    pub fit: Fit,
}

/// A column that is always shown whole.
pub const fn keep(title: &'static str, right: bool) -> Spec {
    Spec {
        title,
        right,
        fit: Fit::Keep,
    }
}

/// A column dropped (lowest rank first) when the line is too wide.
pub const fn drop(title: &'static str, right: bool, rank: u8) -> Spec {
    Spec {
        title,
        right,
        fit: Fit::Drop(rank),
    }
}

/// A text column cut down to `floor` when the line is too wide.
pub const fn cut(title: &'static str, floor: usize) -> Spec {
    Spec {
        title,
        right: false,
        fit: Fit::Cut(floor),
    }
}

/// Text columns are first cut to this before any column is dropped.
const SOFT: usize = 24;

/// A column being fitted: its spec, its cells, and the width it would like.
struct Fitted {
    spec: Spec,
    col: Column,
    natural: usize,
}

fn total(cols: &[Fitted]) -> usize {
    cols.iter().map(|c| c.col.width).sum::<usize>()
        + super::terminal::GAP * cols.len().saturating_sub(1)
}

/// Cut text columns, the last first, down to `limit(floor)`, only as far as the line needs.
fn shrink(cols: &mut [Fitted], width: usize, limit: impl Fn(usize) -> usize) {
    for k in (0..cols.len()).rev() {
        let over = total(cols).saturating_sub(width);
        if over == 0 {
            return;
        }
        if let Fit::Cut(floor) = cols[k].spec.fit {
            let c = &mut cols[k].col;
            let min = limit(floor).min(c.width);
            c.width -= over.min(c.width - min);
        }
    }
}

/// The table of `rows` (one cell per spec, shown as given: callers make them safe) in at most
/// `width` columns: the header line, then one line per row, trailing spaces trimmed.
pub fn lines(specs: &[Spec], rows: &[Vec<String>], width: usize) -> Vec<String> {
    let mut cols: Vec<Fitted> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let col = Column::new(
                s.title,
                rows.iter().map(|r| r[i].clone()).collect(),
                s.right,
            );
            Fitted {
                spec: *s,
                natural: col.width,
                col,
            }
        })
        .collect();
    // Text to 24 first, then droppable columns, lowest rank first, then text to its floor.
    shrink(&mut cols, width, |floor| floor.max(SOFT));
    let mut ranks: Vec<u8> = cols
        .iter()
        .filter_map(|c| match c.spec.fit {
            Fit::Drop(r) => Some(r),
            _ => None,
        })
        .collect();
    ranks.sort_unstable();
    for r in ranks {
        if total(&cols) <= width {
            break;
        }
        cols.retain(|c| c.spec.fit != Fit::Drop(r));
    }
    shrink(&mut cols, width, |floor| floor);
    // What dropping freed goes back to the text, the first column first.
    for k in 0..cols.len() {
        let slack = width.saturating_sub(total(&cols));
        let c = &mut cols[k];
        if matches!(c.spec.fit, Fit::Cut(_)) {
            c.col.width += slack.min(c.natural - c.col.width);
        }
    }
    let mut out = Vec::with_capacity(rows.len() + 1);
    let head: Vec<String> = cols.iter().map(|c| c.col.head()).collect();
    out.push(Column::line(&head));
    for i in 0..rows.len() {
        let cells: Vec<String> = cols.iter().map(|c| c.col.cell(i)).collect();
        out.push(Column::line(&cells));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn numbers_stay_whole_text_is_cut_and_columns_drop_in_order() {
        let specs = [
            cut("Model", 8),
            keep("Id", false),
            keep("Cost", true),
            drop("p99", true, 0),
            drop("p95", true, 1),
        ];
        let rows = vec![
            vec![
                "openrouter/meta-llama/llama-3.3-70b-instruct".to_string(),
                "4f3a9c2b1d0e".to_string(),
                "$0.019000".to_string(),
                "1234".to_string(),
                "987".to_string(),
            ],
            vec![
                "mock/a".to_string(),
                "0123456789ab".to_string(),
                "$0".to_string(),
                "5".to_string(),
                "4".to_string(),
            ],
        ];
        let wide = lines(&specs, &rows, 200);
        assert!(wide[1].contains("openrouter/meta-llama/llama-3.3-70b-instruct"));
        assert!(wide[0].contains("p99") && wide[0].contains("p95"));
        for width in [80usize, 60, 40] {
            let l = lines(&specs, &rows, width);
            assert!(l.iter().all(|x| x.width() <= width), "{width}: {l:#?}");
            assert!(
                l[1].contains("4f3a9c2b1d0e") && l[1].contains("$0.019000"),
                "{l:#?}"
            );
        }
        // At 40 columns the model is cut and p99 goes before p95.
        let l = lines(&specs, &rows, 40);
        assert!(l[1].contains('…'), "{l:#?}");
        assert!(!l[0].contains("p99"), "{l:#?}");
        // Too narrow for the figures: printed wider rather than break one.
        let l = lines(&specs, &rows, 10);
        assert!(l[1].contains("4f3a9c2b1d0e") && l[1].contains("$0.019000"));
    }
}

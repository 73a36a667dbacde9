//! Every table follows compare's policy: plain aligned columns, no boxes; ids, numbers and costs
//! never cut or broken across lines; columns dropped in a documented order so each line fits.
//! Checked at 80 and 120 columns (`COLUMNS` in a pipe) for bench's summary, `history`, `usage`,
//! `leaderboard`, `history stats` and `keys list`.

use serde_json::json;
use unicode_width::UnicodeWidthStr;

use crate::support::World;

const BOX: [char; 8] = ['│', '┆', '─', '═', '╞', '┌', '└', '┼'];

/// A table's lines: none wider than `width`, no box drawing, one line per row (`rows` data
/// lines under the header), and every string of `whole` on one line, intact.
fn check(name: &str, text: &str, width: usize, rows: usize, whole: &[String]) {
    let lines: Vec<&str> = text.lines().collect();
    for l in &lines {
        assert!(l.width() <= width, "{name} at {width}: too wide:\n{text}");
        assert!(!l.contains(BOX), "{name} at {width}: boxed:\n{text}");
    }
    assert!(
        lines.len() > rows,
        "{name} at {width}: header and {rows} rows:\n{text}"
    );
    for w in whole {
        assert!(
            lines.iter().any(|l| l.contains(w.as_str())),
            "{name} at {width}: `{w}` is not whole on one line:\n{text}"
        );
    }
}

#[test]
fn every_table_fits_80_and_120_columns_without_breaking_a_number() {
    let long = "a-rather-long-model-name-for-the-tables-v2";
    let mut w = World::with_server(json!({"models": {
        long: {"text": "forty two", "input_tokens": 123456, "output_tokens": 7890, "cost": 0.019},
        "gpt-4o-mini": {"text": "forty two", "input_tokens": 10, "output_tokens": 2}
    }}));
    w.set("LLMX_DATA_DIR", &w.path("data").display().to_string());
    let models = format!("openai/{long},openai/gpt-4o-mini");
    let out = w.run(&["compare", "-m", &models, "-p", "What is six times seven?"]);
    assert_eq!(out.code, 0, "{out:?}");
    w.write(
        "set.jsonl",
        "{\"id\": \"q1\", \"prompt\": \"six times seven?\", \"expect\": \"forty\"}\n\
         {\"id\": \"q2\", \"prompt\": \"seven times six?\", \"expect\": \"42\"}\n",
    );
    for width in [80usize, 120] {
        let cols = width.to_string();
        w.set("COLUMNS", &cols);
        let out_file = format!("rows-{width}.csv");
        let bench = w.run(&["bench", "-m", &models, "set.jsonl", "-o", &out_file, "-q"]);
        assert_eq!(bench.code, 0, "{bench:?}");
        check("bench summary", &bench.stdout, width, 2, &[]);

        let ids: Vec<String> = w
            .run(&["history", "--format", "json"])
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        let list = w.run(&["history"]);
        check("history", &list.stdout, width, ids.len(), &ids);

        // Every cost as the table writes it, whole on its line.
        let usage = w.run(&["usage"]);
        let costs: Vec<String> = w
            .run(&["usage", "--format", "json"])
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| usd(r["cost_usd"].as_f64().unwrap()))
            .collect();
        check("usage", &usage.stdout, width, 2, &costs);

        let board = w.run(&["leaderboard", "--min-n", "1"]);
        check("leaderboard", &board.stdout, width, 2, &[]);

        let stats = w.run(&["history", "stats"]);
        check("history stats", &stats.stdout, width, 1, &[]);

        let keys = w.run(&["keys", "list"]);
        check(
            "keys list",
            &keys.stdout,
            width,
            3,
            &["sk-…cdef".to_string()],
        );
    }
}

/// Dollars as every table shows them.
fn usd(c: f64) -> String {
    match c {
        0.0 => "$0".into(),
        c if c < 0.01 => format!("${c:.6}"),
        c => format!("${c:.4}"),
    }
}

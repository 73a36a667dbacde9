//! Snapshot tests of what users see, from a fixed report.

use std::time::Duration;

use super::*;
use crate::provider::ErrorKind;

fn row(model: &str, provider: &str, id: &str) -> Row {
    Row {
        attempts: 1,
        ..Row::empty(model, provider, id)
    }
}

fn fixed_report() -> Report {
    let mut a = row("gpt", "openai", "gpt-4o-mini-2024-07-18");
    a.output = "Paris is the capital of France, \"la Ville Lumière\".\nIt has 2.1M people.".into();
    a.latency_ms = Some(1234);
    a.ttft_ms = Some(321);
    a.input_tokens = Some(13);
    a.output_tokens = Some(31);
    a.cached_tokens = Some(0);
    a.reasoning_tokens = Some(0);
    a.tokens_per_s = Some(33.9);
    a.cost_usd = Some(0.00002055);
    a.finish_reason = Some("stop".into());
    let mut b = row(
        "anthropic/claude-sonnet-4-5",
        "anthropic",
        "claude-sonnet-4-5-20250929",
    );
    b.output = "Paris | the City of Light".into();
    b.latency_ms = Some(2500);
    b.ttft_ms = Some(800);
    b.input_tokens = Some(1042);
    b.output_tokens = Some(100);
    b.cached_tokens = Some(1031);
    b.reasoning_tokens = Some(0);
    b.tokens_per_s = Some(58.8);
    b.cost_usd = Some(0.0018423);
    b.finish_reason = Some("length".into());
    b.attempts = 3;
    b.fallback_from = Some("openai/gpt-5.5 (HTTP 503: overloaded)".into());
    let mut c = row("gemini", "gemini", "gemini-2.5-flash");
    c.latency_ms = Some(40);
    c.error = Some("HTTP 429: Resource exhausted, please retry".into());
    c.error_kind = Some(ErrorKind::RateLimit);
    Report {
        rows: vec![a, b, c],
        interrupted: false,
        wall: Duration::from_millis(2503),
    }
}

fn to_string(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
    let mut buf = Vec::new();
    f(&mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn table_snapshot() {
    let opts = TableOptions {
        full: false,
        width: 100,
        color: false,
    };
    insta::assert_snapshot!(table_string(&fixed_report(), opts));
}

#[test]
fn csv_snapshot_and_round_trip() {
    let r = fixed_report();
    let out = to_string(|w| csv(&r, w));
    insta::assert_snapshot!(out);
    let mut rd = ::csv::Reader::from_reader(out.as_bytes());
    let headers: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(headers, COLUMNS);
    let recs: Vec<::csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
    assert_eq!(recs.len(), 3);
    assert_eq!(&recs[0][3], r.rows[0].output.as_str());
    let cost = COLUMNS.iter().position(|c| *c == "cost_usd").unwrap();
    assert_eq!(&recs[2][cost], "", "unknown cost is empty, not 0");
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(to_string(|w| markdown(&fixed_report(), w)));
}

#[test]
fn json_and_jsonl_keys_are_the_documented_columns() {
    let r = fixed_report();
    let v: serde_json::Value = serde_json::from_str(&to_string(|w| json(&r, w))).unwrap();
    let keys: Vec<&str> = v[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want: Vec<&str> = COLUMNS.to_vec();
    want.sort();
    let mut got = keys.clone();
    got.sort();
    assert_eq!(got, want);
    assert!(v[2]["cost_usd"].is_null());
    let lines = to_string(|w| jsonl(&r, w));
    assert_eq!(lines.lines().count(), 3);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["input_tokens"], 13);
}

#[test]
fn long_answers_are_cut_unless_full() {
    let mut r = fixed_report();
    r.rows[0].output = "word ".repeat(200);
    let cut = table_string(
        &r,
        TableOptions {
            full: false,
            width: 120,
            color: false,
        },
    );
    let full = table_string(
        &r,
        TableOptions {
            full: true,
            width: 120,
            color: false,
        },
    );
    assert!(cut.contains('…'));
    assert!(full.matches("word").count() >= 200);
    assert!(cut.matches("word").count() < 70);
}

#[test]
fn format_from_extension() {
    assert_eq!(Format::from_path("out.CSV"), Some(Format::Csv));
    assert_eq!(Format::from_path("a/b.jsonl"), Some(Format::Jsonl));
    assert_eq!(Format::from_path("r.md"), Some(Format::Markdown));
    assert_eq!(Format::from_path("r.xyz"), None);
    assert_eq!(Format::from_path("noext"), None);
}

#[test]
fn unbroken_text_is_broken_to_the_column_and_fits_the_width() {
    let mut r = fixed_report();
    r.rows[0].output = "Z".repeat(5000);
    r.rows[1].model_id = "y".repeat(3000);
    let out = table_string(
        &r,
        TableOptions {
            full: true,
            width: 100,
            color: false,
        },
    );
    let widest = out
        .lines()
        .map(unicode_width::UnicodeWidthStr::width)
        .max()
        .unwrap();
    assert!(widest <= 100, "a line is {widest} columns wide:\n{out}");
    assert_eq!(
        out.matches('Z').count(),
        5000,
        "nothing of the answer is lost"
    );
    assert!(out.contains('…'), "the reported model id is cut");
}

#[test]
fn server_text_reaches_the_table_and_markdown_without_controls() {
    let mut r = fixed_report();
    r.rows[0].output = "a\x1b]0;title\x07b\x1b[2J".into();
    r.rows[0].model_id = "id\x1b[6n".into();
    r.rows[2].error = Some("bad\u{202E}gnirts".into());
    let opts = TableOptions {
        full: true,
        width: 120,
        color: false,
    };
    for out in [table_string(&r, opts), to_string(|w| markdown(&r, w))] {
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n'),
            "raw control in:\n{out}"
        );
        assert!(!out.contains('\u{202E}'));
        assert!(out.contains("^[]0;title^G"), "{out}");
    }
    let md = to_string(|w| markdown(&r, w));
    r.rows[0].output = "<script>alert(1)</script>".into();
    let md2 = to_string(|w| markdown(&r, w));
    assert!(
        md2.contains("&lt;script&gt;") && !md2.contains("<script>"),
        "{md}"
    );
}

#[test]
fn costs_print_as_plain_decimals() {
    use crate::render::row::plain_decimal;
    assert_eq!(plain_decimal(0.000_351 * 1.0), "0.000351");
    assert_eq!(plain_decimal(0.00035099999999999997), "0.000351");
    assert_eq!(plain_decimal(1.22e-6), "0.00000122");
    assert_eq!(plain_decimal(12.5), "12.5");
    assert_eq!(plain_decimal(0.0), "0");
    let mut row = Row::empty("m", "p", "m");
    row.cost_usd = Some(0.1 + 0.2);
    let line = to_string(|w| jsonl_row(&row, w));
    assert!(line.contains("\"cost_usd\":0.3,"), "{line}");
}

#[test]
fn the_total_keeps_estimates_apart_and_says_unknown() {
    let priced = |c: f64, estimated: bool| {
        let mut r = Row::empty("m", "p", "m");
        r.cost_usd = Some(c);
        r.cost_estimated = estimated;
        r
    };
    let report = |rows: Vec<Row>| Report {
        rows,
        interrupted: false,
        wall: Duration::ZERO,
    };
    let unpriced = Row::empty("local", "llamacpp", "smollm2");
    assert_eq!(
        report(vec![unpriced.clone(), unpriced.clone()])
            .total_cost()
            .to_string(),
        "unknown (2 unpriced)"
    );
    assert_eq!(
        report(vec![priced(0.01, false), priced(0.0004, true), unpriced])
            .total_cost()
            .to_string(),
        "$0.0100 + ~$0.000400 estimated (+ 1 unpriced)"
    );
    assert_eq!(
        report(vec![priced(0.0004, true)]).total_cost().to_string(),
        "~$0.000400 estimated"
    );
}

//! Snapshot tests of what users see, from a fixed report.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use llmx_core::provider::ErrorKind;
use llmx_core::row::COLUMNS;

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
        rows: vec![Arc::new(a), Arc::new(b), Arc::new(c)],
        interrupted: false,
        wall: Duration::from_millis(2503),
        about: Default::default(),
    }
}

fn to_string(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
    let mut buf = Vec::new();
    f(&mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(table_string(&fixed_report(), TableOptions::plain(100)));
}

const ANSWER: &str = "Rust's ownership model gives every value a single owner, and the value is dropped \
when that owner goes out of scope. Borrowing lets code use a value without taking it: any number \
of shared references, or exactly one mutable reference, never both at once. The borrow checker \
enforces these rules at compile time, which rules out use-after-free, double frees and data \
races without a garbage collector.\n\nFor example:\n\n    fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {\n        if a.len() > b.len() { a } else { b }\n    }\n\nLifetimes such as 'a name how long a reference stays valid; \
the compiler infers most of them, and you write them only where a function's signature would \
otherwise be ambiguous. Interior mutability (Cell, RefCell, Mutex) moves some checks to run \
time when a design needs shared mutable state.";

const LONG_ERROR: &str =
    "HTTP 400: This model's maximum context length is 128000 tokens. However, \
your messages resulted in 131072 tokens (130048 in the messages, 1024 in the completion). Please \
reduce the length of the messages or completion, or use a model with a longer context window such \
as one of the long-context variants listed in the documentation for this endpoint.";

/// `n` models with long answers; the last one failed with a long error.
fn long_report(n: usize) -> Report {
    let models = [
        ("gpt", "openai", "gpt-4o-mini-2024-07-18"),
        ("claude", "anthropic", "claude-sonnet-4-5-20250929"),
        ("gemini/gemini-2.5-flash", "gemini", "gemini-2.5-flash"),
        (
            "mistral/mistral-large-latest",
            "mistral",
            "mistral-large-2411",
        ),
        (
            "openrouter/meta-llama/llama-3.3-70b-instruct",
            "openrouter",
            "meta-llama/llama-3.3-70b-instruct",
        ),
    ];
    let rows: Vec<Row> = models[..n]
        .iter()
        .enumerate()
        .map(|(i, (m, p, id))| {
            let mut r = row(m, p, id);
            r.latency_ms = Some(900 + 1700 * i as u64);
            r.ttft_ms = Some(200 + 150 * i as u64);
            r.input_tokens = Some(27);
            r.output_tokens = Some(180 + 40 * i as u64);
            r.tokens_per_s = Some(71.3 - 9.0 * i as f64);
            r.cost_usd = Some(0.000123 * (i + 1) as f64);
            r.finish_reason = Some("stop".into());
            if i + 1 == n {
                r.error = Some(LONG_ERROR.into());
                r.error_kind = Some(ErrorKind::BadRequest);
                r.output_tokens = None;
                r.tokens_per_s = None;
                r.cost_usd = None;
                r.finish_reason = None;
            } else {
                r.output = ANSWER.replace("single owner", &format!("single owner ({})", i + 1));
            }
            r
        })
        .collect();
    Report {
        rows: rows.into_iter().map(Arc::new).collect(),
        interrupted: false,
        wall: Duration::from_millis(8100),
        about: Default::default(),
    }
}

/// Every whitespace-separated word of the output.
fn tokens(out: &str) -> std::collections::HashSet<&str> {
    out.split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn the_table_fits_60_80_120_and_200_columns_with_whole_words_and_headers() {
    for n in [2, 5] {
        let report = long_report(n);
        for width in [60u16, 80, 120, 200] {
            let name = format!("table_{n}_models_{width}_columns");
            let out = table_string(&report, TableOptions::plain(width));
            for line in out.lines() {
                let w = unicode_width::UnicodeWidthStr::width(line);
                assert!(w <= width as usize, "{name}: a line is {w} wide:\n{out}");
            }
            let header = out.lines().next().unwrap();
            let heads: Vec<&str> = header.split_whitespace().collect();
            for h in ["Model", "Status", "Latency", "Out", "Cost"] {
                assert!(heads.contains(&h), "{name}: header {h} broken: {header}");
            }
            // Whole answers: no word of an answer or of the error is split across lines.
            let full = table_string(
                &report,
                TableOptions {
                    full: true,
                    ..TableOptions::plain(width)
                },
            );
            let seen = tokens(&full);
            let answers = report.rows.iter().map(|r| r.output.as_str());
            let words = answers.chain([LONG_ERROR]).flat_map(str::split_whitespace);
            for word in words {
                assert!(seen.contains(word), "{name}: `{word}` broken:\n{full}");
            }
            assert!(
                full.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .contains(
                        &format!("* claude: failed: {LONG_ERROR}")
                            .replace("claude", report.rows[n - 1].model.as_str())
                    ),
                "{name}: the error is shown in full below:\n{full}"
            );
            assert!(
                out.lines()
                    .filter(|l| l.contains("failed: bad request"))
                    .count()
                    == 1,
                "{name}: the error is summarised in its row:\n{out}"
            );
            insta::assert_snapshot!(name, out);
        }
    }
}

#[test]
fn auto_layout_puts_answers_side_by_side_only_when_each_gets_38_columns() {
    use super::terminal::side_by_side;
    let auto = |w, n| side_by_side(Layout::Auto, w, n);
    assert!(!auto(60, 2));
    assert!(auto(80, 2));
    assert!(auto(120, 3));
    assert!(!auto(120, 4));
    assert!(!auto(200, 5));
    assert!(auto(200, 4));
    assert!(!auto(200, 1));
    assert!(!side_by_side(Layout::Stacked, 200, 2));
    assert!(side_by_side(Layout::Side, 80, 3));
    assert!(
        !side_by_side(Layout::Side, 60, 5),
        "not below 20 columns each"
    );
}

#[test]
fn diff_marks_how_each_answer_differs_from_the_first() {
    let report = long_report(3);
    let out = table_string(
        &report,
        TableOptions {
            diff: true,
            layout: Layout::Stacked,
            ..TableOptions::plain(100)
        },
    );
    assert!(out.contains("owner [-(1),-] {+(2),+} and"), "{out}");
    assert_eq!(out.matches("{+").count(), 1, "{out}");
    let colored = table_string(
        &report,
        TableOptions {
            diff: true,
            color: true,
            ..TableOptions::plain(100)
        },
    );
    assert!(
        colored.contains("\x1b[31;9m(1),\x1b[0m \x1b[32;4m(2),\x1b[0m"),
        "{colored}"
    );
}

#[test]
fn the_total_says_when_all_answers_agree() {
    let mut r = fixed_report();
    Arc::make_mut(&mut r.rows[1]).output = r.rows[0].output.to_uppercase().replace(' ', "  ");
    let total = |r: &Report| {
        table_string(r, TableOptions::plain(100))
            .lines()
            .last()
            .unwrap()
            .to_string()
    };
    assert!(
        total(&r).ends_with("· all 2 answers agree"),
        "{}",
        total(&r)
    );
    Arc::make_mut(&mut r.rows[1]).output += " No.";
    assert!(!total(&r).contains("agree"));
}

#[test]
fn long_answers_are_cut_unless_full() {
    let mut r = fixed_report();
    Arc::make_mut(&mut r.rows[0]).output = "word ".repeat(2000);
    let cut = table_string(&r, TableOptions::plain(120));
    let full = table_string(
        &r,
        TableOptions {
            full: true,
            ..TableOptions::plain(120)
        },
    );
    assert!(cut.contains("more lines (--full shows all)"), "{cut}");
    assert_eq!(full.matches("word").count(), 2000);
    assert!(cut.matches("word").count() < 400);
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
    Arc::make_mut(&mut r.rows[0]).output = "Z".repeat(5000);
    Arc::make_mut(&mut r.rows[1]).model_id = "y".repeat(3000);
    let out = table_string(
        &r,
        TableOptions {
            full: true,
            ..TableOptions::plain(100)
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
    Arc::make_mut(&mut r.rows[0]).output = "a\x1b]0;title\x07b\x1b[2J".into();
    Arc::make_mut(&mut r.rows[0]).model_id = "id\x1b[6n".into();
    Arc::make_mut(&mut r.rows[2]).error = Some("bad\u{202E}gnirts".into());
    let opts = TableOptions {
        full: true,
        ..TableOptions::plain(120)
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
    Arc::make_mut(&mut r.rows[0]).output = "<script>alert(1)</script>".into();
    let md2 = to_string(|w| markdown(&r, w));
    assert!(
        md2.contains("&lt;script&gt;") && !md2.contains("<script>"),
        "{md}"
    );
}

#[test]
fn costs_print_as_plain_decimals() {
    use llmx_core::row::plain_decimal;
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
        rows: rows.into_iter().map(Arc::new).collect(),
        interrupted: false,
        wall: Duration::ZERO,
        about: Default::default(),
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

#[test]
fn line_and_paragraph_separators_and_cr_stay_inside_their_markdown_cell() {
    let mut r = fixed_report();
    Arc::make_mut(&mut r.rows[0]).output =
        "one\u{2028}two\u{2029}three\rfour\r\nfive\u{85}six".into();
    let md = to_string(|w| markdown(&r, w));
    // Every row of the table is one line, whatever splits lines for a viewer.
    let lines: Vec<&str> = md
        .split(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'])
        .collect();
    assert_eq!(lines.len(), 2 + r.rows.len() + 3, "{md:?}");
    assert!(
        md.contains("one<br>two<br>three<br>four<br>five<br>six"),
        "{md}"
    );
}

//! The local history through the binary: compare, ask and bench record their rows; eight
//! processes at once lose none; `history show` gives back a run's CSV, JSON and table; `usage`
//! and `leaderboard` agree with the rows; opt-outs record nothing; `store_text = false` keeps
//! no text; a broken store warns and the run still succeeds; `--route fastest` reads the store.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::support::{read_csv, World};

/// Where the test worlds keep the store (HOME is the world's temp dir).
fn data_dir(w: &mut World) -> PathBuf {
    let d = w.path("data");
    w.set("LLMX_DATA_DIR", &d.display().to_string());
    d
}

fn runs(w: &World) -> Vec<Value> {
    let out = w.run(&["history", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.json().as_array().unwrap().clone()
}

fn priced_world() -> World {
    World::with_server(json!({"models": {
        "gpt-4o-mini": {"text": "priced answer", "input_tokens": 1200, "output_tokens": 345},
        "other": {"text": "plain reply", "input_tokens": 7, "output_tokens": 3, "ttft_ms": 20},
        "broken": {"failures": [{"kind": "status", "status": 400}, {"kind": "status", "status": 400},
                                {"kind": "status", "status": 400}, {"kind": "status", "status": 400},
                                {"kind": "status", "status": 400}]}
    }}))
}

#[test]
fn compare_ask_and_bench_are_recorded() {
    let mut w = priced_world();
    data_dir(&mut w);
    let out = w.run(&[
        "compare",
        "-m",
        "openai/gpt-4o-mini,openai/other",
        "-p",
        "first",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = w.run(&["ask", "-m", "openai/other", "second"]);
    assert_eq!(out.code, 0, "{out:?}");
    w.write(
        "p.jsonl",
        "{\"id\":\"a\",\"prompt\":\"pa\"}\n{\"id\":\"b\",\"prompt\":\"pb\"}\n",
    );
    let out = w.run(&[
        "bench",
        "-m",
        "openai/other",
        "p.jsonl",
        "--repeat",
        "2",
        "--warmup",
        "1",
        "-o",
        "b.csv",
    ]);
    assert_eq!(out.code, 0, "{out:?}");

    let r = runs(&w);
    let got: Vec<(&str, u64, &str)> = r
        .iter()
        .map(|r| {
            (
                r["command"].as_str().unwrap(),
                r["rows"].as_u64().unwrap(),
                r["models"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("bench", 4, "openai/other"),
            ("ask", 1, "openai/other"),
            ("compare", 2, "openai/gpt-4o-mini,openai/other"),
        ],
        "newest first; the bench warm-up is not recorded"
    );
    assert_eq!(r[1]["prompt"], "second");
    assert_eq!(r[2]["prompt"], "first");
    assert_eq!(r[0]["prompt"], "2 prompts: a, b");

    // The bench run's rows are the bench file's rows.
    let bench_id = r[0]["id"].as_str().unwrap();
    let shown = w.run(&["history", "show", bench_id, "--format", "json"]);
    let shown = shown.json();
    let (header, rows) = read_csv(&std::fs::read_to_string(w.path("b.csv")).unwrap());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut from_file: Vec<String> = rows.iter().map(|r| r[col("latency_ms")].clone()).collect();
    let mut from_store: Vec<String> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["latency_ms"].to_string())
        .collect();
    from_file.sort();
    from_store.sort();
    assert_eq!(from_file, from_store);
    // ... with bench's columns: the same CSV as the file, row for row.
    let csv = w.run(&["history", "show", bench_id, "--format", "csv"]);
    let (h2, mut rows2) = read_csv(&csv.stdout);
    assert_eq!(h2, header, "bench's columns");
    let mut rows1 = rows.clone();
    let key = |r: &Vec<String>| (r[col("prompt_id")].clone(), r[col("repeat")].clone());
    rows1.sort_by_key(key);
    rows2.sort_by_key(key);
    assert_eq!(rows1, rows2, "the rows as bench wrote them");
    // The table: each row with its prompt, repeat and check, then bench's summary.
    let table = w.run(&["history", "show", bench_id]);
    assert_eq!(table.code, 0, "{table:?}");
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("prompt  #  model"), "{}", table.stdout);
    assert!(
        lines[1].starts_with("a       1  openai/other  ok"),
        "{}",
        table.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("model         n  ok  err  p50 ms")),
        "{}",
        table.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("openai/other  4   4    0")),
        "{}",
        table.stdout
    );

    // --search finds a run by its prompt or an answer; --model by the model.
    let out = w.run(&["history", "--search", "SECOND", "--format", "jsonl"]);
    assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
    let out = w.run(&["history", "--search", "priced answer", "--format", "jsonl"]);
    assert!(out.stdout.contains("\"command\":\"compare\""), "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1);
    let out = w.run(&[
        "history",
        "--model",
        "openai/gpt-4o-mini",
        "--format",
        "csv",
    ]);
    assert_eq!(
        out.stdout.lines().count(),
        2,
        "header and the compare run: {out:?}"
    );
    let out = w.run(&["history", "-n", "1", "--format", "jsonl"]);
    assert!(out.stdout.contains("\"command\":\"bench\""), "{out:?}");
}

#[test]
fn history_show_reproduces_a_run_in_every_format() {
    let mut w = priced_world();
    data_dir(&mut w);
    let models = "openai/gpt-4o-mini,openai/broken,openai/other";
    let mut originals = Vec::new();
    for format in ["csv", "json", "jsonl", "markdown", "table"] {
        let out = w.run(&[
            "compare",
            "-m",
            models,
            "-p",
            "same prompt",
            "--format",
            format,
        ]);
        assert_eq!(out.code, 1, "one model fails: {out:?}");
        originals.push((format, out.stdout));
    }
    let r = runs(&w);
    assert_eq!(r.len(), 5);
    for ((format, original), run) in originals.iter().zip(r.iter().rev()) {
        let id = run["id"].as_str().unwrap();
        // Any unique start of the id will do.
        let out = w.run(&["history", "show", &id[..6], "--format", format]);
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(&out.stdout, original, "{format} differs");
    }
    let out = w.run(&["history", "show", "zzzz"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "error: no run `zzzz` in the history; `llmx history` lists the runs"
    );
}

#[test]
fn eight_processes_at_once_lose_no_row() {
    let mut w = World::with_server(json!({"models": {}}));
    data_dir(&mut w);
    let children: Vec<_> = (0..8)
        .map(|i| {
            w.spawn(&[
                "compare",
                "-m",
                &format!("openai/a{i},openai/b{i},openai/c{i}"),
                "-p",
                "x",
                "--format",
                "jsonl",
            ])
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = w.run(&["history", "stats", "--format", "json"]);
    let stats = &out.json()[0];
    assert_eq!(
        (stats["runs"].as_u64(), stats["rows"].as_u64()),
        (Some(8), Some(24))
    );
    let out = w.run(&["usage", "--format", "json"]);
    let models: Vec<String> = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["model"].as_str().unwrap().to_string())
        .collect();
    for i in 0..8 {
        for m in ["a", "b", "c"] {
            assert!(models.contains(&format!("openai/{m}{i}")), "lost {m}{i}");
        }
    }
}

/// Sums of a JSON column over rows, by a key column.
fn sum_by(rows: &[Value], key: &str, col: &str) -> std::collections::BTreeMap<String, f64> {
    let mut m = std::collections::BTreeMap::new();
    for r in rows {
        *m.entry(r[key].as_str().unwrap().to_string()).or_insert(0.0) +=
            r[col].as_f64().unwrap_or(0.0);
    }
    m
}

#[test]
fn usage_sums_equal_the_rows_costs() {
    let mut w = priced_world();
    data_dir(&mut w);
    let mut rows = Vec::new();
    for (i, models) in [
        "openai/gpt-4o-mini",
        "openai/gpt-4o-mini,openai/other,openai/broken",
    ]
    .iter()
    .enumerate()
    {
        let prompt = format!("prompt {i} {}", "word ".repeat(i * 50));
        let out = w.run(&["compare", "-m", models, "-p", &prompt, "--format", "jsonl"]);
        for line in out.stdout.lines() {
            let mut r: Value = serde_json::from_str(line).unwrap();
            let key = format!(
                "{}/{}",
                r["provider"].as_str().unwrap(),
                r["model_id"].as_str().unwrap()
            );
            r["key"] = json!(key);
            rows.push(r);
        }
    }
    assert_eq!(rows.len(), 4);
    let want = sum_by(&rows, "key", "cost_usd");
    assert!(want["openai/gpt-4o-mini"] > 0.0, "priced: {want:?}");
    let out = w.run(&["usage", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let usage = out.json();
    let usage = usage.as_array().unwrap();
    for u in usage {
        let model = u["model"].as_str().unwrap();
        let got = u["cost_usd"].as_f64().unwrap() + u["cost_estimated_usd"].as_f64().unwrap();
        assert!(
            (got - want[model]).abs() < 1e-12,
            "{model}: {got} vs {}",
            want[model]
        );
        let n = rows.iter().filter(|r| r["key"] == model).count() as u64;
        assert_eq!(u["requests"].as_u64(), Some(n));
    }
    let broken = usage
        .iter()
        .find(|u| u["model"] == "openai/broken")
        .unwrap();
    assert_eq!(broken["errors"], 1);
    let other = usage.iter().find(|u| u["model"] == "openai/other").unwrap();
    assert_eq!(
        other["unpriced"], 1,
        "an answer without a price is counted, not $0"
    );
    // By provider and by day, the same total.
    let total: f64 = want.values().sum();
    for by in ["provider", "day"] {
        let out = w.run(&["usage", "--by", by, "--format", "json"]);
        let got: f64 = out
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["cost_usd"].as_f64().unwrap())
            .sum();
        assert!((got - total).abs() < 1e-12, "{by}: {got} vs {total}");
    }
    let out = w.run(&["usage"]);
    assert!(
        out.stdout
            .contains("last 30d: 4 requests, 1 error, spent $"),
        "{out:?}"
    );
}

/// numpy's linear percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

#[test]
fn leaderboard_percentiles_equal_those_of_the_rows() {
    let mut w = World::with_server(json!({"models": {
        "fast": {"text": "a fairly long answer in several chunks", "ttft_ms": 5, "chunk_delay_ms": 3, "chunk_chars": 6},
        // Far enough apart that a loaded machine cannot swap their order.
        "slow": {"text": "slower answer", "ttft_ms": 200, "chunk_delay_ms": 4, "chunk_chars": 4,
                 "failures": [{"kind": "status", "status": 400}]}
    }}));
    data_dir(&mut w);
    w.write(
        "p.jsonl",
        (0..4)
            .map(|i| format!("{{\"id\":\"p{i}\",\"prompt\":\"q{i}\"}}\n"))
            .collect::<String>(),
    );
    let out = w.run(&[
        "bench",
        "-m",
        "openai/fast,openai/slow",
        "p.jsonl",
        "--repeat",
        "2",
        "-o",
        "rows.csv",
        "--retries",
        "0",
    ]);
    assert_eq!(out.code, 1, "one request failed: {out:?}");
    let (header, rows) = read_csv(&std::fs::read_to_string(w.path("rows.csv")).unwrap());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let out = w.run(&["leaderboard", "--format", "json", "--min-n", "1"]);
    assert_eq!(out.code, 0, "{out:?}");
    let board = out.json();
    let board = board.as_array().unwrap();
    assert_eq!(board.len(), 2);
    for entry in board {
        let model = entry["model"].as_str().unwrap();
        let mine: Vec<&Vec<String>> = rows.iter().filter(|r| r[col("model")] == model).collect();
        let ok: Vec<&&Vec<String>> = mine.iter().filter(|r| r[col("error")].is_empty()).collect();
        assert_eq!(entry["n"].as_u64(), Some(mine.len() as u64));
        assert_eq!(
            entry["errors"].as_u64(),
            Some((mine.len() - ok.len()) as u64)
        );
        let values = |c: &str| {
            let mut v: Vec<f64> = ok
                .iter()
                .filter_map(|r| r[col(c)].parse::<f64>().ok())
                .collect();
            v.sort_by(f64::total_cmp);
            v
        };
        for (key, column, p) in [
            ("latency_ms_p50", "latency_ms", 50.0),
            ("latency_ms_p95", "latency_ms", 95.0),
            ("ttft_ms_p50", "ttft_ms", 50.0),
            ("tokens_per_s_p50", "tokens_per_s", 50.0),
        ] {
            let v = values(column);
            let want = percentile(&v, p);
            let got = entry[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{model} {key}: {entry}"));
            assert!(
                (got - want).abs() < 1e-9,
                "{model} {key}: {got} vs {want} of {v:?}"
            );
        }
    }
    let slow = board.iter().find(|b| b["model"] == "openai/slow").unwrap();
    assert_eq!(slow["errors"], 1);
    // Sorted as asked: the fast model leads on latency and on errors.
    let out = w.run(&[
        "leaderboard",
        "--format",
        "jsonl",
        "--min-n",
        "1",
        "--sort",
        "latency",
    ]);
    assert!(
        out.stdout.lines().next().unwrap().contains("openai/fast"),
        "{out:?}"
    );
    let out = w.run(&["leaderboard", "--format", "jsonl", "--min-n", "9"]);
    assert_eq!(out.stdout, "", "no model has 9 rows");
}

#[test]
fn opt_outs_record_nothing() {
    type Case<'a> = (&'a str, Option<(&'a str, &'a str)>, Option<&'a str>);
    let cases: [Case; 3] = [
        ("--no-history", None, None),
        ("", Some(("LLMX_NO_HISTORY", "1")), None),
        ("", None, Some("[history]\nenabled = false\n")),
    ];
    for (flag, env, config) in cases {
        let mut w = World::with_server(json!({"models": {}}));
        let data = data_dir(&mut w);
        if let Some((k, v)) = env {
            w.set(k, v);
        }
        if let Some(c) = config {
            w.config(c);
        }
        let mut args = vec!["compare", "-m", "openai/x", "-p", "hi"];
        if !flag.is_empty() {
            args.push(flag);
        }
        let out = w.run(&args);
        assert_eq!(out.code, 0, "{out:?}");
        let mut args = vec!["ask", "-m", "openai/x", "hi", "--format", "json"];
        if !flag.is_empty() {
            args.push(flag);
        }
        let out = w.run(&args);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(!data.exists(), "{flag} {env:?} {config:?} recorded");
    }
    // LLMX_NO_HISTORY=0 records; a bad value is a clear error.
    let mut w = World::with_server(json!({"models": {}}));
    let data = data_dir(&mut w);
    w.set("LLMX_NO_HISTORY", "0");
    assert_eq!(w.run(&["compare", "-m", "openai/x", "-p", "hi"]).code, 0);
    assert!(data.join("history.sqlite3").exists());
    w.set("LLMX_NO_HISTORY", "maybe");
    let out = w.run(&["compare", "-m", "openai/x", "-p", "hi"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("LLMX_NO_HISTORY"), "{out:?}");
}

/// Every byte the store keeps on disk.
fn store_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        all.extend(std::fs::read(e.path()).unwrap());
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn store_text_false_keeps_metrics_but_no_text() {
    let mut w = World::with_server(json!({"models": {
        "m": {"text": "SECRET-ANSWER-9", "input_tokens": 11, "output_tokens": 5, "reasoning": "HIDDEN-THOUGHT-3"},
        "calls": {"tool_calls": [{"name": "lookup", "arguments": "{\"q\": \"CALL-ARGS-4\"}"}]}
    }}));
    let data = data_dir(&mut w);
    w.config("[history]\nstore_text = false\n");
    w.write(
        "tools.json",
        r#"[{"name": "lookup", "description": "Find.", "parameters": {"type": "object"}}]"#,
    );
    let out = w.run(&[
        "compare",
        "-m",
        "openai/m,openai/calls",
        "--tools",
        "tools.json",
        "-p",
        "PURPLE-ELEPHANT-7",
        "--system",
        "SYSTEM-WORDS-5",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("SECRET-ANSWER-9") && out.stdout.contains("CALL-ARGS-4"),
        "the run itself shows the answer and the call: {}",
        out.stdout
    );
    let bytes = store_bytes(&data);
    for secret in [
        "SECRET-ANSWER-9",
        "CALL-ARGS-4",
        "PURPLE-ELEPHANT-7",
        "SYSTEM-WORDS-5",
        "HIDDEN-THOUGHT-3",
    ] {
        assert!(!contains(&bytes, secret), "{secret} was stored");
    }
    let r = runs(&w);
    assert_eq!(r[0]["prompt"], Value::Null);
    let id = r[0]["id"].as_str().unwrap();
    let shown = w.run(&["history", "show", id, "--format", "json"]).json();
    assert_eq!(shown[0]["output"], "");
    assert_eq!(shown[0]["input_tokens"], 11);
    assert_eq!(shown[0]["output_tokens"], 5);
    // With text kept, the same run stores all five.
    w.config("[history]\nstore_text = true\n");
    w.run(&[
        "compare",
        "-m",
        "openai/m,openai/calls",
        "--tools",
        "tools.json",
        "-p",
        "PURPLE-ELEPHANT-7",
        "--system",
        "SYSTEM-WORDS-5",
    ]);
    let out = w.run(&["history", "stats"]);
    assert_eq!(out.code, 0);
    let bytes = store_bytes(&data);
    for kept in [
        "SECRET-ANSWER-9",
        "CALL-ARGS-4",
        "PURPLE-ELEPHANT-7",
        "SYSTEM-WORDS-5",
        "HIDDEN-THOUGHT-3",
    ] {
        assert!(contains(&bytes, kept), "{kept} was not stored");
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// The store file made unwritable: immutable for root (who ignores permissions), read-only
/// modes for anyone else. Undone by [`writable`].
fn read_only(file: &std::path::Path) {
    if is_root() {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(file)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "chattr +i failed: cannot make a read-only store as root"
        );
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o444)).unwrap();
        let dir = file.parent().unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    assert!(
        std::fs::OpenOptions::new().append(true).open(file).is_err(),
        "the store is still writable"
    );
}

fn writable(file: &std::path::Path) {
    if is_root() {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(file)
            .status();
    } else {
        use std::os::unix::fs::PermissionsExt;
        let dir = file.parent().unwrap();
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
        let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644));
    }
}

fn assert_warned_and_succeeded(out: &crate::support::Out, what: &str) {
    assert_eq!(out.code, 0, "{what}: {out:?}");
    assert!(
        out.stdout.contains("openai/x"),
        "{what}: results printed: {out:?}"
    );
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{what}: one warning: {out:?}");
    assert!(
        warnings[0].starts_with("warning: this run is not in the history: ")
            && warnings[0].ends_with(
                "; its results are unaffected (--no-history or LLMX_NO_HISTORY=1 turns the history off)"
            ),
        "{what}: {}",
        warnings[0]
    );
}

#[test]
fn a_broken_store_warns_and_the_run_still_succeeds() {
    let mut w = World::with_server(json!({"models": {}}));
    let data = data_dir(&mut w);
    std::fs::create_dir_all(&data).unwrap();
    let store = data.join("history.sqlite3");

    // Corrupt: not a database at all.
    std::fs::write(&store, "this is not a database ".repeat(200)).unwrap();
    let out = w.run(&["compare", "-m", "openai/x", "-p", "hi", "--format", "csv"]);
    assert_warned_and_succeeded(&out, "corrupt");
    assert!(
        out.stderr.contains("not a history store (corrupt?)"),
        "{out:?}"
    );
    // The report commands say so too, as an error.
    let out = w.run(&["history"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("not a history store"), "{out:?}");

    // Read-only: a good store that cannot be written.
    std::fs::remove_file(&store).unwrap();
    assert_eq!(w.run(&["compare", "-m", "openai/x", "-p", "hi"]).code, 0);
    assert_eq!(runs(&w).len(), 1);
    read_only(&store);
    let out = w.run(&["compare", "-m", "openai/x", "-p", "hi", "--format", "json"]);
    writable(&store);
    assert_warned_and_succeeded(&out, "read-only");
    assert_eq!(runs(&w).len(), 1, "nothing was added");

    // Cannot be created: the data dir is a file.
    let mut w2 = World::with_server(json!({"models": {}}));
    w2.write("plainfile", "x");
    w2.set("LLMX_DATA_DIR", &w2.path("plainfile").display().to_string());
    let out = w2.run(&["compare", "-m", "openai/x", "-p", "hi"]);
    assert_warned_and_succeeded(&out, "no data dir");
}

#[test]
fn fastest_route_reads_its_medians_from_the_store() {
    let mut w = crate::resilience::llama_world(&["GROQ", "TOGETHER"]);
    data_dir(&mut w);
    let cache = w.path("cache");
    w.set("LLMX_CACHE_DIR", &cache.display().to_string());
    std::fs::create_dir_all(&cache).unwrap();
    // What an older llmx recorded: together fast, groq slow.
    w.write(
        "cache/latency.json",
        r#"{"together/meta-llama/Llama-3.3-70B-Instruct-Turbo":[120,100,110],"groq/llama-3.3-70b-versatile":[900]}"#,
    );
    let fastest = |w: &World| {
        let out = w.run(&[
            "compare",
            "-m",
            "llama-3.3-70b:fastest",
            "-p",
            "x",
            "--format",
            "json",
        ]);
        assert_eq!(out.code, 0, "{out:?}");
        out.json()[0]["provider"].as_str().unwrap().to_string()
    };
    assert_eq!(fastest(&w), "together");
    // The old file was imported into the store and retired.
    assert!(!cache.join("latency.json").exists());
    assert!(cache.join("latency.json.imported").exists());
    // Three quick groq answers recorded in the history make groq the fastest.
    for _ in 0..3 {
        let out = w.run(&["compare", "-m", "groq/llama-3.3-70b-versatile", "-p", "x"]);
        assert_eq!(out.code, 0, "{out:?}");
    }
    assert_eq!(fastest(&w), "groq");
}

#[test]
fn prune_and_stats() {
    let mut w = World::with_server(json!({"models": {}}));
    data_dir(&mut w);
    let out = w.run(&["history", "stats", "--format", "json"]);
    assert_eq!(out.json()[0]["rows"], 0, "no store yet: {out:?}");
    for _ in 0..2 {
        w.run(&["compare", "-m", "openai/x,openai/y", "-p", "hi"]);
    }
    let stats = w.run(&["history", "stats", "--format", "json"]).json();
    assert_eq!(
        (stats[0]["runs"].as_u64(), stats[0]["rows"].as_u64()),
        (Some(2), Some(4))
    );
    assert!(stats[0]["size_bytes"].as_u64().unwrap() > 0);
    let out = w.run(&["history", "prune", "--older-than", "30d"]);
    assert_eq!(out.stderr.trim(), "pruned 0 rows of 0 runs older than 30d");
    let out = w.run(&["history", "prune", "--older-than", "0s"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr.trim(), "pruned 4 rows of 2 runs older than 0s");
    let stats = w.run(&["history", "stats", "--format", "json"]).json();
    assert_eq!(stats[0]["rows"], 0);
    let out = w.run(&["history", "prune", "--older-than", "soon"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("`soon` is not a span of time"),
        "{out:?}"
    );
}

/// Rows finished before a signal stopped the run are in the history, as in the run's file; a
/// SIGKILL keeps what was committed (each batch commits as its rows finish).
#[test]
fn signals_keep_the_finished_rows_in_the_history() {
    use std::time::{Duration, Instant};
    let mut w = World::with_server(json!({"models": {
        "slow": {"text": "steady answer", "ttft_ms": 80}
    }}));
    data_dir(&mut w);
    w.write(
        "p.jsonl",
        (0..8)
            .map(|i| format!("{{\"id\":\"p{i}\",\"prompt\":\"q{i}\"}}\n"))
            .collect::<String>(),
    );
    for (signal, code) in [("TERM", Some(143)), ("KILL", None)] {
        let out_file = format!("out-{signal}.jsonl");
        let child = w.spawn(&[
            "bench",
            "-m",
            "openai/slow",
            "p.jsonl",
            "-j",
            "2",
            "-o",
            &out_file,
        ]);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::read_to_string(w.path(&out_file))
            .unwrap_or_default()
            .lines()
            .count()
            < 2
        {
            assert!(Instant::now() < deadline, "no rows");
            std::thread::sleep(Duration::from_millis(10));
        }
        if signal == "KILL" {
            // Give the writer thread a moment to commit what the file already shows.
            std::thread::sleep(Duration::from_millis(50));
        }
        crate::support::send_signal(&child, signal);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), code);
        let in_file = std::fs::read_to_string(w.path(&out_file))
            .unwrap()
            .lines()
            .count() as u64;
        let run = &runs(&w)[0];
        assert_eq!(run["command"], "bench");
        let recorded = run["rows"].as_u64().unwrap();
        if signal == "TERM" {
            assert_eq!(recorded, in_file, "every row in the file is in the history");
        } else {
            assert!(
                recorded >= 2 && recorded <= in_file,
                "{recorded} of {in_file}"
            );
        }
    }
}

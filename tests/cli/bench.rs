//! `llmx bench` through the binary against the mock server: every input format, one row per
//! cell, the summary's percentiles against the rows', `expect` checks, resume after a kill and
//! after SIGTERM, shards, `--max-cost`, and a failing model.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{read_csv, send_signal, World};

type Rows = Vec<HashMap<String, String>>;

fn rows_of(text: &str) -> Rows {
    let (header, records) = read_csv(text);
    records
        .into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

fn file_rows(w: &World, file: &str) -> Rows {
    rows_of(&std::fs::read_to_string(w.path(file)).unwrap())
}

type Key = (String, String, String);

fn cells(rows: &Rows) -> BTreeSet<Key> {
    let keys: Vec<Key> = rows
        .iter()
        .map(|r| {
            (
                r["prompt_id"].clone(),
                r["model"].clone(),
                r["repeat"].clone(),
            )
        })
        .collect();
    let set: BTreeSet<Key> = keys.iter().cloned().collect();
    assert_eq!(set.len(), keys.len(), "a cell appears twice: {keys:?}");
    set
}

fn product(prompts: &[&str], models: &[&str], repeats: u32) -> BTreeSet<Key> {
    let mut out = BTreeSet::new();
    for p in prompts {
        for m in models {
            for r in 1..=repeats {
                out.insert((p.to_string(), m.to_string(), r.to_string()));
            }
        }
    }
    out
}

/// `n` prompts p01.. in a JSONL file.
fn jsonl_prompts(w: &World, name: &str, n: usize) {
    let body: String = (1..=n)
        .map(|i| format!("{{\"id\": \"p{i:02}\", \"prompt\": \"question {i}\"}}\n"))
        .collect();
    w.write(name, body);
}

#[test]
fn every_input_format_gives_one_row_per_prompt_model_and_repeat() {
    let w = World::with_server(json!({"models": {
        "m1": {"text": "one", "input_tokens": 5, "output_tokens": 1},
        "m2": {"text": "two", "input_tokens": 5, "output_tokens": 1}
    }}));
    w.write("a.txt", "prompt a\n");
    w.write("b.md", "# prompt b\n");
    std::fs::create_dir(w.path("dir")).unwrap();
    w.write("dir/d.md", "prompt d");
    w.write("dir/c.txt", "prompt c");
    w.write("dir/notes.json", "{}");
    w.write(
        "set.jsonl",
        "{\"id\": \"e\", \"prompt\": \"prompt e\"}\n{\"id\": \"f\", \"prompt\": \"prompt f\", \"system\": \"Answer in French.\"}\n",
    );
    w.write(
        "set.csv",
        "id,prompt\ng,prompt g\nh,\"prompt h, with a comma\"\n",
    );
    let out = w.run_stdin(
        &[
            "bench",
            "-m",
            "openai/m1,anthropic/m2",
            "a.txt",
            "b.md",
            "dir",
            "set.jsonl",
            "set.csv",
            "-",
            "--repeat",
            "2",
            "-o",
            "out.csv",
        ],
        Some(b"{\"id\": \"i\", \"prompt\": \"prompt i\"}\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let rows = file_rows(&w, "out.csv");
    assert_eq!(rows.len(), 9 * 2 * 2);
    assert_eq!(
        cells(&rows),
        product(
            &["a", "b", "c", "d", "e", "f", "g", "h", "i"],
            &["openai/m1", "anthropic/m2"],
            2
        )
    );
    assert_eq!(w.requests().len(), 36, "one request per row");
    let run_ids: BTreeSet<&str> = rows.iter().map(|r| r["run_id"].as_str()).collect();
    assert_eq!(run_ids.len(), 1);
    for r in &rows {
        assert_eq!(r["error"], "", "{r:?}");
        assert_eq!(
            r["output"],
            if r["model"] == "openai/m1" {
                "one"
            } else {
                "two"
            }
        );
        assert!(
            r["started_at"].ends_with('Z') && r["started_at"].contains('T'),
            "{r:?}"
        );
        assert_eq!(r["pass"], "", "no expect, no verdict");
    }
    // The prompt's own system prompt reaches the provider; the others have none.
    let bodies: Vec<Value> = w.requests().iter().map(|r| r.json()).collect();
    let with_system = bodies
        .iter()
        .filter(|b| b.to_string().contains("Answer in French."))
        .count();
    assert_eq!(with_system, 4, "prompt f × 2 models × 2 repeats");
    let h = bodies
        .iter()
        .find(|b| b.to_string().contains("prompt h, with a comma"));
    assert!(h.is_some());
    assert!(
        out.stdout.contains("openai/m1"),
        "summary on stdout: {}",
        out.stdout
    );
    assert!(
        out.stderr.contains("36 rows written to `out.csv`"),
        "{}",
        out.stderr
    );
}

/// numpy's default percentile.
fn np_percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let last = v.len().checked_sub(1)?;
    let rank = p / 100.0 * last as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (rank - lo as f64))
}

#[test]
fn the_summary_percentiles_are_those_of_the_rows() {
    let w = World::with_server(json!({"models": {
        "fast": {"text": "a fairly long answer in several chunks", "ttft_ms": 5, "chunk_delay_ms": 3, "chunk_chars": 6},
        "slow": {"text": "slower answer", "ttft_ms": 40, "chunk_delay_ms": 5, "chunk_chars": 4},
        "down": {"failures": [{"kind": "status", "status": 400}, {"kind": "status", "status": 400},
                              {"kind": "status", "status": 400}, {"kind": "status", "status": 400},
                              {"kind": "status", "status": 400}, {"kind": "status", "status": 400}]}
    }}));
    jsonl_prompts(&w, "set.jsonl", 3);
    // Rows to stdout: the summary goes to stderr, and to the file.
    let out = w.run(&[
        "bench",
        "-m",
        "openai/fast,openai/slow,openai/down",
        "set.jsonl",
        "--repeat",
        "2",
        "--summary",
        "summary.json",
        "-j",
        "4",
    ]);
    assert_eq!(out.code, 1, "a failed request: {out:?}");
    let rows = rows_of(&out.stdout);
    assert_eq!(rows.len(), 18);
    assert!(out.stderr.contains("openai/slow"), "{}", out.stderr);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("summary.json")).unwrap()).unwrap();
    let lines = summary.as_array().unwrap();
    assert_eq!(lines.len(), 3);
    for line in lines {
        let model = line["model"].as_str().unwrap();
        let mine: Vec<&HashMap<String, String>> =
            rows.iter().filter(|r| r["model"] == model).collect();
        let ok: Vec<&&HashMap<String, String>> =
            mine.iter().filter(|r| r["error"].is_empty()).collect();
        assert_eq!(line["n"], mine.len());
        assert_eq!(line["ok"], ok.len());
        assert_eq!(line["errors"], mine.len() - ok.len());
        let values = |col: &str| -> Vec<f64> {
            ok.iter()
                .filter_map(|r| r[col].parse::<f64>().ok())
                .collect()
        };
        for (key, col, p) in [
            ("latency_ms_p50", "latency_ms", 50.0),
            ("latency_ms_p90", "latency_ms", 90.0),
            ("latency_ms_p95", "latency_ms", 95.0),
            ("latency_ms_p99", "latency_ms", 99.0),
            ("ttft_ms_p50", "ttft_ms", 50.0),
            ("ttft_ms_p95", "ttft_ms", 95.0),
            ("itl_ms_p50", "itl_ms", 50.0),
            ("tokens_per_s_p50", "tokens_per_s", 50.0),
        ] {
            let want = np_percentile(&values(col), p);
            let got = line[key].as_f64();
            match (want, got) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{model} {key}: {a} vs {b}"),
                (None, None) => {}
                _ => panic!("{model} {key}: rows say {want:?}, summary {got:?}"),
            }
        }
    }
    let by_model = |m: &str| lines.iter().find(|l| l["model"] == m).unwrap();
    assert_eq!(by_model("openai/down")["ok"], 0);
    assert!(by_model("openai/down")["latency_ms_p50"].is_null());
    // The streamed models have gaps between chunks; the slow one's first token is later.
    assert!(by_model("openai/fast")["itl_ms_p50"].as_f64().unwrap() > 0.0);
    assert!(
        by_model("openai/slow")["ttft_ms_p50"].as_f64().unwrap()
            > by_model("openai/fast")["ttft_ms_p50"].as_f64().unwrap()
    );

    // CSV summary by extension; warm-up requests are sent but not written or summarised.
    let sent = w.requests().len();
    let out = w.run(&[
        "bench",
        "-m",
        "openai/fast",
        "set.jsonl",
        "-o",
        "again.csv",
        "--summary",
        "s.csv",
        "--warmup",
        "2",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(w.requests().len() - sent, 2 + 3);
    assert_eq!(file_rows(&w, "again.csv").len(), 3);
    let s = file_rows(&w, "s.csv");
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["model"], "openai/fast");
    assert_eq!(s[0]["n"], "3");
    assert_eq!(s[0]["pass_rate"], "");
}

#[test]
fn expect_checks_fill_the_pass_column() {
    let w = World::with_server(json!({"models": {
        "prose": {"text": "The answer is 4."},
        "json": {"text": "{\"answer\": 4}"},
        "broken": {"failures": [{"kind": "status", "status": 400}, {"kind": "status", "status": 400},
                                {"kind": "status", "status": 400}, {"kind": "status", "status": 400},
                                {"kind": "status", "status": 400}]}
    }}));
    w.write(
        "checks.csv",
        "id,prompt,expect\ncontains,q,ANSWER IS\nregex,q,/\\b4\\b/\nregex5,q,/\\b5\\b/\njson,q,json\nequals,q,equals:The answer is 4.\n",
    );
    let out = w.run(&[
        "bench",
        "-m",
        "openai/prose,openai/json,openai/broken",
        "checks.csv",
        "-o",
        "out.csv",
        "--summary",
        "s.csv",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = file_rows(&w, "out.csv");
    let pass: HashMap<(String, String), String> = rows
        .iter()
        .map(|r| {
            (
                (r["prompt_id"].clone(), r["model"].clone()),
                r["pass"].clone(),
            )
        })
        .collect();
    let want = [
        ("contains", "true", "false"),
        ("regex", "true", "true"),
        ("regex5", "false", "false"),
        ("json", "false", "true"),
        ("equals", "true", "false"),
    ];
    for (id, prose, json) in want {
        assert_eq!(
            pass[&(id.to_string(), "openai/prose".to_string())],
            prose,
            "{id}"
        );
        assert_eq!(
            pass[&(id.to_string(), "openai/json".to_string())],
            json,
            "{id}"
        );
        // A failed request is not checked.
        assert_eq!(
            pass[&(id.to_string(), "openai/broken".to_string())],
            "",
            "{id}"
        );
    }
    let s = rows_of(&std::fs::read_to_string(w.path("s.csv")).unwrap());
    let rate = |m: &str| s.iter().find(|l| l["model"] == m).unwrap()["pass_rate"].clone();
    assert_eq!(rate("openai/prose"), "0.6");
    assert_eq!(rate("openai/json"), "0.4");
    assert_eq!(rate("openai/broken"), "");
}

/// Wait until `file` holds at least `n` rows (and a header).
fn wait_for_rows(w: &World, child: &mut std::process::Child, file: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(w.path(file)).unwrap_or_default();
        if text.lines().count() > n {
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("never reached {n} rows: {text}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(unix)]
#[test]
fn resume_after_a_kill_completes_the_set_with_no_cell_twice() {
    let w = World::with_server(json!({"models": {
        "slow": {"text": "steady answer", "ttft_ms": 60}
    }}));
    jsonl_prompts(&w, "set.jsonl", 6);
    let args = [
        "bench",
        "-m",
        "openai/slow",
        "set.jsonl",
        "--repeat",
        "2",
        "-j",
        "2",
        "-o",
        "out.csv",
    ];
    let mut child = w.spawn(&args);
    wait_for_rows(&w, &mut child, "out.csv", 3);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let before = file_rows(&w, "out.csv");
    let run_id = before[0]["run_id"].clone();
    assert!(before.len() >= 3 && before.len() < 12, "{}", before.len());
    let sent_before = w.requests().len();

    let out = w.run(&[
        "bench",
        "-m",
        "openai/slow",
        "set.jsonl",
        "--repeat",
        "2",
        "-j",
        "2",
        "--resume",
        "out.csv",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let after = file_rows(&w, "out.csv");
    let all: Vec<String> = (1..=6).map(|i| format!("p{i:02}")).collect();
    let ids: Vec<&str> = all.iter().map(String::as_str).collect();
    assert_eq!(cells(&after), product(&ids, &["openai/slow"], 2));
    assert!(
        after.iter().all(|r| r["run_id"] == run_id),
        "the run id is kept"
    );
    assert_eq!(
        w.requests().len() - sent_before,
        12 - before.len(),
        "only the missing cells are sent"
    );
    // The rows that were there are kept as they were.
    for r in &before {
        assert!(after.contains(r), "{r:?} was rewritten");
    }
    assert!(
        out.stderr
            .contains(&format!("beside the {} kept", before.len())),
        "{}",
        out.stderr
    );

    // Nothing left: nothing is sent.
    let sent = w.requests().len();
    let out = w.run(&[
        "bench",
        "-m",
        "openai/slow",
        "set.jsonl",
        "--repeat",
        "2",
        "--resume",
        "out.csv",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("already in the file; nothing to send"),
        "{}",
        out.stderr
    );
    assert_eq!(w.requests().len(), sent);
    assert_eq!(file_rows(&w, "out.csv").len(), 12);
}

/// Start `args`, send SIGTERM once `file` holds `lines` lines, check it exited 143, and return
/// its stderr and the resume command it printed (`llmx` first).
#[cfg(unix)]
fn terminate_and_resume_command(
    w: &World,
    args: &[&str],
    file: &str,
    lines: usize,
) -> (String, Vec<String>) {
    let child = w.spawn(args);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(w.path(file))
        .unwrap_or_default()
        .lines()
        .count()
        < lines
    {
        assert!(Instant::now() < deadline, "no rows");
        std::thread::sleep(Duration::from_millis(10));
    }
    send_signal(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("stopped by SIGTERM"))
        .unwrap_or_else(|| panic!("{stderr}"))
        .to_string();
    let cmd = line
        .split("to run the rest: ")
        .nth(1)
        .expect("a resume command");
    let words = cmd.split(' ').map(str::to_string).collect();
    (stderr, words)
}

#[cfg(unix)]
#[test]
fn sigterm_keeps_finished_rows_and_names_the_command_that_resumes() {
    let w = World::with_server(json!({"models": {
        "slow": {"text": "steady answer", "ttft_ms": 80}
    }}));
    jsonl_prompts(&w, "set.jsonl", 8);
    let args = [
        "bench",
        "-m",
        "openai/slow",
        "set.jsonl",
        "-j",
        "2",
        "-o",
        "out.jsonl",
    ];
    let (stderr, words) = terminate_and_resume_command(&w, &args, "out.jsonl", 2);
    let text = std::fs::read_to_string(w.path("out.jsonl")).unwrap();
    let kept: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(kept.len() >= 2 && kept.len() < 8, "{text}");
    assert!(
        kept.iter().all(|r| r["error"].is_null()),
        "requests cut short are not written: {text}"
    );
    assert!(
        stderr.contains(&format!("{} rows written to `out.jsonl`", kept.len())),
        "{stderr}"
    );
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    assert_eq!(
        &words[1..],
        [
            "bench",
            "-m",
            "openai/slow",
            "set.jsonl",
            "-j",
            "2",
            "--resume",
            "out.jsonl"
        ]
    );
    let out = w.run(&words[1..]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(w.path("out.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 8, "{text}");
}

#[test]
fn prompts_past_the_memory_threshold_are_sent_whole_with_their_system_and_checks() {
    let w = World::with_server(json!({"models": {
        "m1": {"text": "Paris, of course"},
        "m2": {"text": "Lyon"}
    }}));
    // 2.4 MB of prompts: past the 1 MiB a run keeps in memory, so each is read back from the
    // run's temporary file when its cell is sent and when its row is written.
    let text = |i: usize| {
        format!(
            "{i}: {}",
            char::from(b'a' + i as u8).to_string().repeat(400_000)
        )
    };
    let mut set = String::new();
    for i in 0..6 {
        let mut line = json!({"id": format!("p{i}"), "prompt": text(i), "expect": "/PARIS/i"});
        if i == 3 {
            line["system"] = json!("Answer in French.");
        }
        set.push_str(&line.to_string());
        set.push('\n');
    }
    w.write("big.jsonl", set);
    let out = w.run(&[
        "bench",
        "-m",
        "openai/m1,anthropic/m2",
        "big.jsonl",
        "-o",
        "out.csv",
        "--system",
        "Be brief.",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let rows = file_rows(&w, "out.csv");
    assert_eq!(rows.len(), 12);
    for r in &rows {
        // The check as written, `/…/i` included, on every row.
        let want = if r["model"] == "openai/m1" {
            "true"
        } else {
            "false"
        };
        assert_eq!(r["pass"], want, "{r:?}");
    }
    let mut seen = 0;
    for q in w.requests() {
        let body = q.json();
        let (prompt, system) = if q.path == "/v1/chat/completions" {
            let m = body["messages"].as_array().unwrap();
            (
                m[1]["content"].as_str().unwrap().to_string(),
                m[0]["content"].as_str().unwrap().to_string(),
            )
        } else if q.path == "/v1/messages" {
            (
                body["messages"][0]["content"].as_str().map_or_else(
                    || {
                        body["messages"][0]["content"][0]["text"]
                            .as_str()
                            .unwrap()
                            .to_string()
                    },
                    str::to_string,
                ),
                body["system"].as_str().map_or_else(
                    || body["system"][0]["text"].as_str().unwrap().to_string(),
                    str::to_string,
                ),
            )
        } else {
            continue;
        };
        let i: usize = prompt.split(':').next().unwrap().parse().unwrap();
        assert!(prompt == text(i), "prompt p{i} changed on its way");
        let want = if i == 3 {
            "Answer in French."
        } else {
            "Be brief."
        };
        assert_eq!(system, want, "p{i}");
        seen += 1;
    }
    assert_eq!(seen, 12);
}

#[test]
fn failed_cells_are_run_again_on_resume_and_replaced() {
    let w = World::with_server(json!({"models": {
        "flaky": {"text": "fine now", "failures": [
            {"kind": "status", "status": 500}, {"kind": "status", "status": 500},
            {"kind": "status", "status": 500}]}
    }}));
    jsonl_prompts(&w, "set.jsonl", 4);
    let args = [
        "bench",
        "-m",
        "openai/flaky",
        "set.jsonl",
        "-j",
        "1",
        "--retries",
        "0",
    ];
    let out = w.run(&[&args[..], &["-o", "out.csv"]].concat());
    assert_eq!(out.code, 1, "{out:?}");
    let first = file_rows(&w, "out.csv");
    assert_eq!(first.iter().filter(|r| !r["error"].is_empty()).count(), 3);
    let out = w.run(&[&args[..], &["--resume", "out.csv"]].concat());
    assert_eq!(out.code, 0, "{out:?}");
    let after = file_rows(&w, "out.csv");
    assert_eq!(after.len(), 4, "one row per cell");
    assert!(after
        .iter()
        .all(|r| r["error"].is_empty() && r["output"] == "fine now"));
    assert_eq!(w.requests().len(), 4 + 3);
}

#[test]
fn shards_together_are_the_whole_run() {
    let w = World::with_server(json!({"models": {"a": {"text": "A"}, "b": {"text": "B"}}}));
    jsonl_prompts(&w, "set.jsonl", 5);
    let base = [
        "bench",
        "-m",
        "openai/a,openai/b",
        "set.jsonl",
        "--repeat",
        "3",
    ];
    for (file, shard) in [
        ("all.csv", None),
        ("s1.csv", Some("1/2")),
        ("s2.csv", Some("2/2")),
    ] {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(["-o", file]);
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let out = w.run(&args);
        assert_eq!(out.code, 0, "{out:?}");
    }
    let (all, s1, s2) = (
        file_rows(&w, "all.csv"),
        file_rows(&w, "s1.csv"),
        file_rows(&w, "s2.csv"),
    );
    assert_eq!(all.len(), 30);
    assert!(!s1.is_empty() && !s2.is_empty());
    assert_eq!(s1.len() + s2.len(), 30);
    let mut union = cells(&s1);
    union.extend(cells(&s2));
    assert_eq!(union, cells(&all));
    let ids: BTreeSet<&str> = all
        .iter()
        .chain(&s1)
        .chain(&s2)
        .map(|r| r["run_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 1, "one run id across shards");
    // The shard files concatenated are the run: resuming it finds nothing to send.
    let merged = std::fs::read_to_string(w.path("s1.csv")).unwrap()
        + &std::fs::read_to_string(w.path("s2.csv")).unwrap();
    w.write("merged.csv", merged);
    let sent = w.requests().len();
    let mut args: Vec<&str> = base.to_vec();
    args.extend(["--resume", "merged.csv"]);
    let out = w.run(&args);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(w.requests().len(), sent);
    assert_eq!(cells(&file_rows(&w, "merged.csv")), cells(&all));
}

#[test]
fn max_cost_refuses_up_front_and_stops_when_a_provider_bills_past_its_worst_case() {
    // gpt-4o-mini is priced ($0.15/M in, $0.60/M out): 10 tokens out is a tiny worst case,
    // but the server reports $0.01 a request: more than the documented prices allow.
    let w = World::with_server(json!({"models": {
        "gpt-4o-mini": {"text": "pricey", "cost": 0.01, "input_tokens": 5, "output_tokens": 1}
    }}));
    jsonl_prompts(&w, "set.jsonl", 10);
    let out = w.run(&[
        "bench",
        "-m",
        "openai/gpt-4o-mini",
        "set.jsonl",
        "--max-tokens",
        "10",
        "--max-cost",
        "0.0000001",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("exceeds --max-cost"), "{}", out.stderr);
    assert!(w.requests().is_empty());

    let out = w.run(&[
        "bench",
        "-m",
        "openai/gpt-4o-mini",
        "set.jsonl",
        "--max-tokens",
        "10",
        "--max-cost",
        "0.025",
        "-j",
        "1",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        w.requests().len(),
        1,
        "the first bill passed its worst case: nothing more is sent"
    );
    assert_eq!(file_rows(&w, "out.csv").len(), 1, "the paid row is kept");
    assert!(
        out.stderr.contains("cost $0.0100, more than the")
            && out
                .stderr
                .contains("llmx stopped sending so --max-cost holds")
            && out.stderr.contains("9 requests not sent")
            && out.stderr.contains("--resume out.csv"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_failing_model_fills_only_its_own_rows() {
    let failures: Vec<Value> = (0..8)
        .map(|_| json!({"kind": "status", "status": 401}))
        .collect();
    let w = World::with_server(json!({"models": {
        "good": {"text": "fine"},
        "bad": {"failures": failures}
    }}));
    jsonl_prompts(&w, "set.jsonl", 4);
    let out = w.run(&[
        "bench",
        "-m",
        "openai/good,openai/bad",
        "set.jsonl",
        "--repeat",
        "2",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = file_rows(&w, "out.csv");
    assert_eq!(rows.len(), 16);
    for r in &rows {
        if r["model"] == "openai/bad" {
            assert_eq!(r["error_kind"], "auth", "{r:?}");
            assert_eq!(r["output"], "");
        } else {
            assert_eq!((r["error"].as_str(), r["output"].as_str()), ("", "fine"));
        }
    }
}

#[test]
fn mistakes_are_refused_before_anything_is_sent() {
    let w = World::with_server(json!({"models": {"a": {"text": "A"}}}));
    jsonl_prompts(&w, "set.jsonl", 2);
    jsonl_prompts(&w, "more.jsonl", 3);
    let out = w.run(&["bench", "-m", "openai/a", "set.jsonl", "-o", "out.csv"]);
    assert_eq!(out.code, 0, "{out:?}");
    let sent = w.requests().len();
    // An output that already holds results is not overwritten.
    let out = w.run(&["bench", "-m", "openai/a", "set.jsonl", "-o", "out.csv"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        "error: `out.csv` already holds results: pass --resume out.csv to complete that run, or remove it or choose another -o"
    );
    // Resuming with other prompts or models is refused.
    let out = w.run(&[
        "bench",
        "-m",
        "openai/a",
        "more.jsonl",
        "--resume",
        "out.csv",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("cannot resume from `out.csv`: it is run `"),
        "{}",
        out.stderr
    );
    let out = w.run(&[
        "bench",
        "-m",
        "openai/b",
        "set.jsonl",
        "--resume",
        "out.csv",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("model `openai/a`"), "{}", out.stderr);
    let out = w.run(&[
        "bench",
        "-m",
        "openai/a",
        "set.jsonl",
        "--repeat",
        "2",
        "--resume",
        "out.csv",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--repeat"), "{}", out.stderr);
    // Bad prompt files name the file and line.
    w.write(
        "dup.jsonl",
        "{\"id\": \"x\", \"prompt\": \"1\"}\n{\"id\": \"x\", \"prompt\": \"2\"}\n",
    );
    let out = w.run(&["bench", "-m", "openai/a", "dup.jsonl"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        "error: `dup.jsonl` line 2: prompt id `x` is already used at `dup.jsonl` line 1; ids must be unique"
    );
    let out = w.run(&["bench", "-m", "openai/a,openai/a", "set.jsonl"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("listed twice"), "{}", out.stderr);
    assert_eq!(w.requests().len(), sent);
}

/// A full disk stops the run; the row that could not be written is saved where recovered
/// results go, and the message says how to resume.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_stops_the_run_and_saves_the_row_it_could_not_write() {
    let w = World::with_server(json!({"models": {"a": {"text": "paid for"}}}));
    jsonl_prompts(&w, "set.jsonl", 3);
    let mut w = w;
    w.set("LLMX_CACHE_DIR", &w.path("cache").display().to_string());
    let out = w.run(&[
        "bench",
        "-m",
        "openai/a",
        "set.jsonl",
        "--format",
        "jsonl",
        "-o",
        "/dev/full",
        "-j",
        "1",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("cannot write `/dev/full`: No space left on device"),
        "{}",
        out.stderr
    );
    let saved: Vec<std::path::PathBuf> = std::fs::read_dir(w.path("cache/recovered"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 1);
    let row: Value =
        serde_json::from_str(std::fs::read_to_string(&saved[0]).unwrap().trim()).unwrap();
    assert_eq!(row["output"], "paid for");
    assert!(
        out.stderr.contains(&format!(
            "the row being written was saved to `{}`",
            saved[0].display()
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--resume /dev/full"), "{}", out.stderr);
    assert_eq!(
        w.requests().len(),
        1,
        "the run stopped at the first failed write"
    );
}

/// The checks people act on: pass as passed/checked, the failed cells listed (prompt, model,
/// repeat, check, the start of the answer) up to ten and counted beyond, the report's matrix,
/// failed checks with their answers and errors by prompt.
#[test]
fn failed_checks_are_listed_and_the_report_has_the_matrix() {
    let w = World::with_server(json!({"models": {
        "prose": {"text": "The answer is 4."},
        "json": {"text": "{\"answer\": 4}"},
        "broken": {"failures": (0..30).map(|_| json!({"kind": "status", "status": 400})).collect::<Vec<_>>()}
    }}));
    let mut csv = String::from("id,prompt,expect\n");
    for i in 1..=6 {
        csv.push_str(&format!("five{i},q{i},/\\b5\\b/\n"));
    }
    csv.push_str("four,q,/\\b4\\b/\nprose,q,answer is\n");
    w.write("checks.csv", csv);
    let out = w.run(&[
        "bench",
        "-m",
        "openai/prose,openai/json,openai/broken",
        "checks.csv",
        "-o",
        "r.html",
        "--retries",
        "0",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let summary: Vec<&str> = out.stdout.lines().collect();
    let line = |m: &str| *summary.iter().find(|l| l.starts_with(m)).unwrap();
    assert!(line("openai/prose").ends_with(" 2/8"), "{}", out.stdout);
    assert!(line("openai/json").ends_with(" 1/8"), "{}", out.stdout);
    assert!(line("openai/broken").ends_with(" -"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("Failed checks: 13 of 16 checked answers\n"),
        "{}",
        out.stdout
    );
    let listed: Vec<&&str> = summary
        .iter()
        .filter(|l| l.starts_with("five") || l.starts_with("prose "))
        .collect();
    assert_eq!(listed.len(), 10, "ten listed: {}", out.stdout);
    assert!(
        listed[0].starts_with("five1")
            && listed[0].contains("openai/prose")
            && listed[0].contains("/\\b5\\b/")
            && listed[0].contains("The answer is 4."),
        "{}",
        listed[0]
    );
    assert!(
        listed[1].starts_with("five1") && listed[1].contains("{\"answer\": 4}"),
        "{}",
        listed[1]
    );
    assert!(
        out.stdout.contains("and 3 more; all are in r.html"),
        "{}",
        out.stdout
    );
    let html = std::fs::read_to_string(w.path("r.html")).unwrap();
    assert!(html.contains("Failed checks (13)"), "{html}");
    assert_eq!(html.matches("<div class=\"failure\">").count(), 13);
    assert_eq!(html.matches("<td class=\"fail\">").count(), 6 + 7, "{html}");
    assert_eq!(html.matches("<td class=\"pass\">").count(), 3, "{html}");
    assert_eq!(html.matches("<td class=\"error\">").count(), 8, "{html}");
    assert!(html.contains("✗ 0/1 passed"), "{html}");
    assert!(html.contains("1 of 1 failed"), "{html}");
    assert!(html.contains("<h2>Errors by prompt</h2>"), "{html}");
    assert!(
        html.contains("2/8 passed (25%)"),
        "the pass-rate chart: {html}"
    );
    // The summary file carries the counts too.
    let out = w.run(&[
        "bench",
        "-m",
        "openai/prose",
        "checks.csv",
        "-o",
        "p.csv",
        "--summary",
        "s.csv",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let s = rows_of(&std::fs::read_to_string(w.path("s.csv")).unwrap());
    assert_eq!(
        (s[0]["checked"].as_str(), s[0]["passed"].as_str()),
        ("8", "2")
    );
}

/// An interrupted `-o report.html` names a resume that keeps the report, and the resume
/// rewrites the report from the whole file.
#[cfg(unix)]
#[test]
fn a_resume_keeps_the_report_and_rewrites_it_from_the_whole_file() {
    let w = World::with_server(json!({"models": {
        "slow": {"text": "steady answer", "ttft_ms": 80}
    }}));
    jsonl_prompts(&w, "set.jsonl", 8);
    let args = [
        "bench",
        "-m",
        "openai/slow",
        "set.jsonl",
        "-j",
        "2",
        "-o",
        "report.html",
    ];
    let (_, words) = terminate_and_resume_command(&w, &args, "report.csv", 3);
    let kept = file_rows(&w, "report.csv").len();
    let first = std::fs::read_to_string(w.path("report.html")).unwrap();
    assert!(first.contains(&format!("1 model, {kept} rows")), "{first}");
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    assert_eq!(
        &words[1..],
        [
            "bench",
            "-m",
            "openai/slow",
            "set.jsonl",
            "-j",
            "2",
            "--resume",
            "report.csv",
            "--summary",
            "report.html"
        ]
    );
    let out = w.run(&words[1..]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(file_rows(&w, "report.csv").len(), 8);
    let html = std::fs::read_to_string(w.path("report.html")).unwrap();
    assert!(html.contains("llmx bench — 1 model, 8 rows"), "{html}");
    assert!(html.contains("<td data-label=\"n\">8</td>"), "{html}");
    // The terminal summary counts the whole file too.
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("openai/slow") && l.split_whitespace().nth(1) == Some("8")),
        "{}",
        out.stdout
    );
}

//! `llmx bench --batch` through the binary against the mock server's Batch APIs (OpenAI,
//! Anthropic, Gemini): the bodies sent, results joined by `custom_id`, errors and expiry as
//! rows, `--no-wait` then `--resume` from a fresh process, a kill during the wait, a batch
//! split to fit the provider's limit, `--max-cost` at batch prices, models refused.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};

use serde_json::{json, Value};

use crate::support::{read_csv, send_signal, World};

const MODELS: &str = "openai/gpt-4o-mini,anthropic/claude-sonnet-4-5,gemini/gemini-2.5-flash";

fn set(w: &World) {
    w.write(
        "set.jsonl",
        "{\"id\": \"a\", \"prompt\": \"What is the capital of France?\", \"expect\": \"france\"}\n\
         {\"id\": \"b\", \"prompt\": \"2 + 2?\", \"system\": \"Answer with a number.\"}\n\
         {\"id\": \"c\", \"prompt\": \"Say hello.\"}\n",
    );
}

/// The rows file: header and rows as maps.
fn rows(w: &World, name: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(w.path(name)).unwrap();
    let (head, rows) = read_csv(&text);
    rows.into_iter()
        .map(|r| head.iter().cloned().zip(r).collect())
        .collect()
}

/// Each batched request's body as the mock received it, by provider.
fn batched_bodies(w: &World) -> HashMap<&'static str, Vec<Value>> {
    let mut out: HashMap<&'static str, Vec<Value>> = HashMap::new();
    for r in w.requests() {
        if r.path == "/v1/files" {
            let text = String::from_utf8_lossy(&r.body).into_owned();
            for line in text.lines().filter(|l| l.starts_with('{')) {
                let v: Value = serde_json::from_str(line).unwrap();
                out.entry("openai").or_default().push(v["body"].clone());
            }
        } else if r.path == "/v1/messages/batches" && r.method == "POST" {
            for q in r.json()["requests"].as_array().unwrap() {
                out.entry("anthropic")
                    .or_default()
                    .push(q["params"].clone());
            }
        } else if r.path.ends_with(":batchGenerateContent") {
            for q in r.json()["batch"]["inputConfig"]["requests"]["requests"]
                .as_array()
                .unwrap()
            {
                out.entry("gemini").or_default().push(q["request"].clone());
            }
        }
    }
    out
}

/// Each live chat request's body as the mock received it, by provider.
fn live_bodies(w: &World) -> HashMap<&'static str, Vec<Value>> {
    let mut out: HashMap<&'static str, Vec<Value>> = HashMap::new();
    for r in w.requests() {
        let p = if r.path == "/v1/chat/completions" {
            "openai"
        } else if r.path == "/v1/messages" {
            "anthropic"
        } else if r.path.contains(":generateContent") {
            "gemini"
        } else {
            continue;
        };
        out.entry(p).or_default().push(r.json());
    }
    out
}

fn sorted(mut v: Vec<Value>) -> Vec<String> {
    let mut s: Vec<String> = v.drain(..).map(|b| b.to_string()).collect();
    s.sort();
    s
}

#[test]
fn each_batched_request_is_the_body_a_live_unstreamed_run_sends_and_every_cell_gets_its_row() {
    let mut w = World::with_server(json!({"batch": {"finish_ms": 200}}));
    set(&w);
    // The same grid live, unstreamed: the bodies each provider gets.
    let live = w.run(&[
        "bench",
        "-m",
        MODELS,
        "set.jsonl",
        "--repeat",
        "2",
        "--no-stream",
        "-o",
        "live.csv",
    ]);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let live = live_bodies(&w);
    let out = w.run(&[
        "bench",
        "--batch",
        "-m",
        MODELS,
        "set.jsonl",
        "--repeat",
        "2",
        "--no-stream",
        "-o",
        "out.csv",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // One batch per model, its id said.
    for id in ["batch_", "msgbatch_", "batches/"] {
        assert!(
            out.stderr.contains(&format!("batch {id}")),
            "{}",
            out.stderr
        );
    }
    let sent = batched_bodies(&w);
    for p in ["openai", "anthropic", "gemini"] {
        // Each provider got the six live bodies, no more, no fewer.
        let live: Vec<Value> = live[p].clone();
        assert_eq!(sent[p].len(), 6, "{p}");
        assert_eq!(
            sorted(sent[p].clone()),
            sorted(live),
            "{p}: batched bodies differ from live ones"
        );
    }
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 18);
    let cells: HashSet<(String, String, String)> = r
        .iter()
        .map(|x| {
            (
                x["model"].clone(),
                x["prompt_id"].clone(),
                x["repeat"].clone(),
            )
        })
        .collect();
    assert_eq!(cells.len(), 18, "a cell twice");
    for x in &r {
        let model_id = x["model"].split('/').nth(1).unwrap();
        assert_eq!(x["output"], format!("Hello from {model_id}."), "{x:?}");
        assert_eq!(x["batch"], "true");
        assert_eq!(x["latency_ms"], "", "a batch has no latency");
        assert_eq!(x["ttft_ms"], "");
        assert_eq!(x["cost_estimated"], "false", "a documented batch price");
        assert!(x["notes"].contains("batch price"), "{x:?}");
        assert!(
            !x["provider_request_id"].is_empty()
                || x["provider"] == "anthropic"
                || x["provider"] == "gemini"
        );
    }
    // Half the list price: the live run's cost of the same cell, halved.
    let live_rows = rows(&w, "live.csv");
    let cost = |rows: &[HashMap<String, String>], m: &str| -> f64 {
        rows.iter()
            .filter(|x| x["model"] == m)
            .map(|x| x["cost_usd"].parse::<f64>().unwrap())
            .sum()
    };
    for m in MODELS.split(',') {
        let (b, l) = (cost(&r, m), cost(&live_rows, m));
        assert!((b - l / 2.0).abs() < 1e-12, "{m}: batch {b} vs live {l}");
    }
    // The job file says every batch was read.
    let job: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out.csv.batch.json")).unwrap())
            .unwrap();
    assert_eq!(job["batches"].as_array().unwrap().len(), 3);
    assert!(job["batches"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["state"] == "read"));
    // Recorded in the history as batch runs.
    let h = w.run(&["history", "--source", "batch", "--format", "json"]);
    assert_eq!(h.code, 0, "{}", h.stderr);
    assert_eq!(h.json().as_array().unwrap().len(), 1, "{}", h.stdout);
    let _ = &mut w;
}

#[test]
fn failed_and_expired_requests_are_rows_with_their_error_and_a_resume_resends_only_them() {
    let w = World::with_server(
        json!({"batch": {"finish_ms": 100, "error_every": 4, "expire_every": 5}}),
    );
    set(&w);
    let args = [
        "bench",
        "--batch",
        "-m",
        "openai/gpt-4o-mini,anthropic/claude-sonnet-4-5",
        "set.jsonl",
        "--repeat",
        "2",
        "-o",
        "out.csv",
        "--poll-interval",
        "0.1",
    ];
    let out = w.run(&args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 12);
    let kinds: Vec<&str> = r.iter().map(|x| x["error_kind"].as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "bad_request").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "batch_expired").count(),
        2,
        "{kinds:?}"
    );
    // A resume sends only the four failed cells again, and leaves one row per cell.
    let mut resume: Vec<&str> = args.to_vec();
    let o = resume.iter().position(|a| *a == "-o").unwrap();
    resume[o] = "--resume";
    let before = w.requests().len();
    let again = w.run(&resume);
    assert!(again.code == 0 || again.code == 1, "{}", again.stderr);
    let new_lines: usize = w.requests()[before..]
        .iter()
        .map(|q| {
            if q.path == "/v1/files" {
                String::from_utf8_lossy(&q.body)
                    .matches("\"custom_id\"")
                    .count()
            } else if q.path == "/v1/messages/batches" && q.method == "POST" {
                q.json()["requests"].as_array().unwrap().len()
            } else {
                0
            }
        })
        .sum();
    assert_eq!(new_lines, 4, "only the failed cells are sent again");
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 12, "one row per cell after the resume");
}

#[test]
fn no_wait_then_resume_from_a_fresh_process_writes_every_row_once() {
    let w = World::with_server(json!({"batch": {"finish_ms": 150}}));
    set(&w);
    let out = w.run(&[
        "bench",
        "--batch",
        "--no-wait",
        "-m",
        MODELS,
        "set.jsonl",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("--batch"), "{}", out.stderr);
    assert!(out.stderr.contains("--resume out.csv"), "{}", out.stderr);
    assert!(!out.stderr.contains("--no-wait --resume"), "{}", out.stderr);
    assert_eq!(
        rows(&w, "out.csv").len(),
        0,
        "no rows before the results are read"
    );
    let again = w.run(&[
        "bench",
        "--batch",
        "-m",
        MODELS,
        "set.jsonl",
        "--resume",
        "out.csv",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(rows(&w, "out.csv").len(), 9);
    // Nothing was submitted twice.
    let creates = w
        .requests()
        .iter()
        .filter(|q| {
            q.method == "POST"
                && (q.path == "/v1/batches"
                    || q.path == "/v1/messages/batches"
                    || q.path.ends_with(":batchGenerateContent"))
        })
        .count();
    assert_eq!(creates, 3);
}

/// Each batched line as the mock received it: `custom_id` and body (OpenAI and Anthropic).
fn lines_by_id(requests: &[llmx_mock::Recorded]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for r in requests {
        if r.path == "/v1/files" {
            let text = String::from_utf8_lossy(&r.body).into_owned();
            for line in text.lines().filter(|l| l.starts_with('{')) {
                let v: Value = serde_json::from_str(line).unwrap();
                out.push((
                    v["custom_id"].as_str().unwrap().to_string(),
                    v["body"].clone(),
                ));
            }
        } else if r.path == "/v1/messages/batches" && r.method == "POST" {
            for q in r.json()["requests"].as_array().unwrap() {
                out.push((
                    q["custom_id"].as_str().unwrap().to_string(),
                    q["params"].clone(),
                ));
            }
        }
    }
    out
}

#[test]
fn a_resume_needs_only_the_rows_and_job_file_and_resends_failed_cells_as_they_were() {
    let w = World::with_server(json!({"batch": {"finish_ms": 100, "error_every": 4}}));
    set(&w);
    w.write(
        "tools.json",
        r#"[{"name": "lookup", "description": "Find a word.", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}]"#,
    );
    let out = w.run(&[
        "bench",
        "--batch",
        "--no-wait",
        "-m",
        "openai/gpt-4o-mini,anthropic/claude-sonnet-4-5",
        "set.jsonl",
        "--repeat",
        "2",
        "--system",
        "Be terse.",
        "--temperature",
        "0.3",
        "--max-tokens",
        "50",
        "--tools",
        "tools.json",
        "--tool-choice",
        "auto",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // What to run next names the rows file only.
    assert!(
        out.stderr.contains("llmx bench --batch --resume out.csv"),
        "{}",
        out.stderr
    );
    let first: HashMap<String, Value> = lines_by_id(&w.requests()).into_iter().collect();
    assert_eq!(first.len(), 12);
    // Another machine: the rows and the job file only, in another directory; no prompt
    // files, no tools file, and stdin holding another grid that must not be read.
    std::fs::create_dir(w.path("elsewhere")).unwrap();
    for f in ["out.csv", "out.csv.batch.json"] {
        std::fs::rename(w.path(f), w.path(&format!("elsewhere/{f}"))).unwrap();
    }
    std::fs::remove_file(w.path("set.jsonl")).unwrap();
    std::fs::remove_file(w.path("tools.json")).unwrap();
    let resume = [
        "bench",
        "--batch",
        "--resume",
        "elsewhere/out.csv",
        "--poll-interval",
        "0.1",
    ];
    let again = w.run_stdin(
        &resume,
        Some(b"{\"id\": \"other\", \"prompt\": \"Not this.\"}\n"),
    );
    assert_eq!(again.code, 1, "some cells failed: {}", again.stderr);
    let r = rows(&w, "elsewhere/out.csv");
    assert_eq!(r.len(), 12, "{}", again.stderr);
    assert!(r.iter().all(|x| x["prompt_id"] != "other"));
    let failed = r.iter().filter(|x| !x["error_kind"].is_empty()).count();
    assert!(failed > 0 && failed < 12, "{failed}");
    // The failed cells go again, each with the very body first sent for it (rebuilt from
    // the job file), and the file ends with one row per cell.
    let before = w.requests().len();
    let third = w.run(&resume);
    assert!(third.code == 0 || third.code == 1, "{}", third.stderr);
    let resent = lines_by_id(&w.requests()[before..]);
    assert_eq!(resent.len(), failed);
    for (id, body) in &resent {
        assert_eq!(Some(body), first.get(id), "{id}");
    }
    assert_eq!(rows(&w, "elsewhere/out.csv").len(), 12);
    // Flags that would make another grid or request are refused, not ignored.
    let refused = w.run(&[
        "bench",
        "--batch",
        "--resume",
        "elsewhere/out.csv",
        "--temperature",
        "1",
    ]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--temperature"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("job file"), "{}", refused.stderr);
    // A rows file without a job file says what it is missing.
    w.write("live.csv", "");
    let none = w.run(&["bench", "--batch", "--resume", "live.csv"]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(
        none.stderr.contains("live.csv.batch.json"),
        "{}",
        none.stderr
    );
}

#[test]
fn a_resume_lacking_a_providers_key_names_it_and_leaves_its_batches_to_a_resume_with_the_key() {
    let mut w = World::with_server(json!({"batch": {"finish_ms": 100}}));
    set(&w);
    let models = "openai/gpt-4o-mini,anthropic/claude-sonnet-4-5";
    let out = w.run(&[
        "bench",
        "--batch",
        "--no-wait",
        "-m",
        models,
        "set.jsonl",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Another machine, without Anthropic's key: OpenAI's rows are written; Anthropic's batch
    // is neither asked about nor given rows, and the run says so and is not a success.
    w.unset("ANTHROPIC_API_KEY");
    let before = w.requests().len();
    let resume = [
        "bench",
        "--batch",
        "--resume",
        "out.csv",
        "--poll-interval",
        "0.1",
    ];
    let partial = w.run(&resume);
    assert_eq!(partial.code, 1, "{}", partial.stderr);
    assert!(
        partial.stderr.contains("skipped anthropic"),
        "{}",
        partial.stderr
    );
    assert!(
        partial.stderr.contains("ANTHROPIC_API_KEY"),
        "{}",
        partial.stderr
    );
    assert!(
        partial.stderr.contains("still at the providers"),
        "{}",
        partial.stderr
    );
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 3);
    assert!(r
        .iter()
        .all(|x| x["provider"] == "openai" && x["error"].is_empty()));
    assert!(
        !w.requests()[before..]
            .iter()
            .any(|q| q.path.starts_with("/v1/messages")),
        "Anthropic was called without its key"
    );
    // With the key: the same batch is read, not created again; one row per cell.
    w.set("ANTHROPIC_API_KEY", "sk-ant-test-key-0123456789");
    let full = w.run(&resume);
    assert_eq!(full.code, 0, "{}", full.stderr);
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 6);
    assert!(r.iter().all(|x| x["error"].is_empty()), "{r:?}");
    let created = w
        .requests()
        .iter()
        .filter(|q| q.method == "POST" && q.path == "/v1/messages/batches")
        .count();
    assert_eq!(created, 1, "Anthropic's batch was paid for twice");
}

#[test]
fn a_wait_killed_by_a_signal_loses_nothing_and_the_resume_reads_the_same_batches() {
    let w = World::with_server(json!({"batch": {"finish_ms": 1500}}));
    set(&w);
    let mut child = w.spawn(&[
        "bench",
        "--batch",
        "-m",
        "openai/gpt-4o-mini,anthropic/claude-sonnet-4-5",
        "set.jsonl",
        "-o",
        "out.csv",
        "--poll-interval",
        "0.1",
    ]);
    let mut err = BufReader::new(child.stderr.take().unwrap());
    // Once both batch ids are out, the batches exist and the job file holds them.
    let mut said = String::new();
    while said.matches("batch ").count() < 2 {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        said.push_str(&line);
    }
    send_signal(&child, "INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{said}");
    let job: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out.csv.batch.json")).unwrap())
            .unwrap();
    assert!(
        job["batches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["id"].is_string()),
        "{job}"
    );
    let again = w.run(&[
        "bench",
        "--batch",
        "-m",
        "openai/gpt-4o-mini,anthropic/claude-sonnet-4-5",
        "set.jsonl",
        "--resume",
        "out.csv",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(rows(&w, "out.csv").len(), 6);
    let creates = w
        .requests()
        .iter()
        .filter(|q| {
            q.method == "POST" && (q.path == "/v1/batches" || q.path == "/v1/messages/batches")
        })
        .count();
    assert_eq!(creates, 2, "a batch was paid for twice");
}

#[test]
fn a_batch_past_the_providers_limit_is_split_and_every_cell_still_gets_one_row() {
    // The account's limit (4) is lower than the documented one: each provider refuses, and
    // llmx splits until the batches fit (OpenAI fails it at validation, the others at once).
    let w = World::with_server(json!({"batch": {"finish_ms": 60, "max_requests": 4}}));
    set(&w);
    let out = w.run(&[
        "bench",
        "--batch",
        "-m",
        MODELS,
        "set.jsonl",
        "--repeat",
        "3",
        "-o",
        "out.csv",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 27);
    assert!(r.iter().all(|x| x["error"].is_empty()), "{r:?}");
    let job: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out.csv.batch.json")).unwrap())
            .unwrap();
    let sizes: Vec<usize> = job["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["cells"].as_array().unwrap().len())
        .collect();
    assert!(sizes.iter().all(|n| *n <= 4), "{sizes:?}");
    assert_eq!(sizes.iter().sum::<usize>(), 27);
}

#[test]
fn what_cannot_be_batched_is_refused_before_anything_is_sent() {
    let w = World::with_server(json!({}));
    set(&w);
    let cases: [(&[&str], &str); 6] = [
        (
            &["-m", "mock/fast,openai/gpt-4o-mini", "-o", "o1.csv"],
            "`mock/fast` has no Batch API",
        ),
        (
            &[
                "-m",
                "openai/gpt-4o-mini|anthropic/claude-sonnet-4-5",
                "-o",
                "o2.csv",
            ],
            "fallback chain",
        ),
        (
            &["-m", "openai/gpt-4o-mini", "--warmup", "1", "-o", "o3.csv"],
            "--warmup",
        ),
        (
            &["-m", "openai/gpt-4o-mini", "--shard", "1/2", "-o", "o4.csv"],
            "--shard",
        ),
        (&["-m", "openai/gpt-4o-mini"], "needs -o FILE"),
        (
            &["-m", "openai/gpt-4o-mini", "-o", "/dev/null"],
            "-o must be a regular file",
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["bench", "--batch", "set.jsonl"];
        all.extend_from_slice(args);
        let out = w.run(&all);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
    // --max-cost at batch prices: what does not fit is refused before submitting.
    let out = w.run(&[
        "bench",
        "--batch",
        "set.jsonl",
        "-m",
        "anthropic/claude-sonnet-4-5",
        "--max-tokens",
        "4000",
        "-o",
        "o5.csv",
        "--max-cost",
        "0.01",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("at batch prices"), "{}", out.stderr);
    assert!(
        !w.requests().iter().any(|q| q.method == "POST"),
        "something was sent"
    );
}

#[test]
fn batch_auto_batches_what_it_can_and_runs_the_rest_live_in_one_file() {
    let w = World::with_server(json!({"batch": {"finish_ms": 300}}));
    set(&w);
    let chain = "anthropic/claude-sonnet-4-5|openai/gpt-4o";
    let models = format!("openai/gpt-4o-mini,mock/fast,{chain}");
    let out = w.run(&[
        "bench",
        "--batch=auto",
        "-m",
        &models,
        "set.jsonl",
        "-o",
        "out.csv",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 9, "{}", out.stderr);
    for row in &r {
        let batched = row["model"] == "openai/gpt-4o-mini";
        assert_eq!(
            row["batch"],
            if batched { "true" } else { "false" },
            "{row:?}"
        );
        assert_eq!(row["latency_ms"].is_empty(), batched, "{row:?}");
        assert!(row["error_kind"].is_empty(), "{row:?}");
    }
    let q = w.requests();
    // One batch for the model that has a Batch API; the chain's three cells went live, as
    // streamed Messages requests; nothing of theirs went into a batch.
    assert_eq!(
        q.iter()
            .filter(|x| x.method == "POST" && x.path == "/v1/batches")
            .count(),
        1
    );
    assert!(!q.iter().any(|x| x.path == "/v1/messages/batches"));
    let live: Vec<Value> = q
        .iter()
        .filter(|x| x.path == "/v1/messages")
        .map(|x| x.json())
        .collect();
    assert_eq!(live.len(), 3);
    assert!(live.iter().all(|b| b["stream"] == true), "{live:?}");
    // The job file alone resumes it (the chain planned as its links): nothing left to do.
    let again = w.run(&["bench", "--batch=auto", "--resume", "out.csv"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("already in the file"),
        "{}",
        again.stderr
    );
    // Plain --batch refuses what --batch=auto would run live, and says so.
    let refused = w.run(&[
        "bench",
        "--batch",
        "-m",
        &models,
        "set.jsonl",
        "-o",
        "o2.csv",
    ]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--batch=auto"),
        "{}",
        refused.stderr
    );
    // The cap covers both: the batched cells at batch prices, the live ones at list prices
    // from what is left.
    let before = w.requests().len();
    let capped = w.run(&[
        "bench",
        "--batch=auto",
        "-m",
        &format!("openai/gpt-4o-mini,{chain}"),
        "set.jsonl",
        "--max-tokens",
        "4000",
        "--max-cost",
        "0.02",
        "-o",
        "o3.csv",
    ]);
    assert_eq!(capped.code, 2, "{}", capped.stderr);
    assert!(
        capped.stderr.contains("for the cells run live"),
        "{}",
        capped.stderr
    );
    assert_eq!(w.requests().len(), before, "something was sent");
}

#[test]
fn a_gemini_grid_past_20_mb_goes_as_an_uploaded_file_and_every_cell_gets_its_row() {
    let w = World::with_server(json!({"batch": {"finish_ms": 100, "error_every": 10}}));
    // 41 prompts of 500 KB: past the 20 MB Gemini's inline requests may hold, in one JSONL
    // file past the 16 MiB a file read whole may hold (JSONL is read a line at a time), and
    // past the 4 MiB the run keeps in memory (the prompts are read back from a temporary file).
    let big = |i: usize| {
        format!(
            "{i} {}",
            char::from(b'a' + (i % 26) as u8)
                .to_string()
                .repeat(500_000)
        )
    };
    let mut set = String::new();
    for i in 1..=41 {
        let line = json!({"id": format!("p{i}"), "prompt": big(i)});
        set.push_str(&line.to_string());
        set.push('\n');
    }
    w.write("big.jsonl", set);
    let out = w.run(&[
        "bench",
        "--batch",
        "-m",
        "gemini/gemini-2.5-flash",
        "big.jsonl",
        "-o",
        "out.csv",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(out.code, 1, "four cells fail: {}", out.stderr);
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 41);
    // The mock fails the 10th, 20th, ... line of the file it was sent, and writes its
    // responses file shuffled: the failures must land on the cells of those lines.
    let q = w.requests();
    let upload = q
        .iter()
        .find(|x| x.header("x-goog-upload-command") == Some("upload, finalize"))
        .expect("the grid went as a file");
    let order: Vec<String> = upload
        .body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Value = serde_json::from_slice(l).unwrap();
            let text = v["request"]["contents"][0]["parts"][0]["text"]
                .as_str()
                .unwrap();
            let i: usize = text.split(' ').next().unwrap().parse().unwrap();
            // Each prompt read back whole, as written.
            assert!(text == big(i), "prompt p{i} changed on its way");
            format!("p{i}")
        })
        .collect();
    assert_eq!(order.len(), 41);
    for x in &r {
        let line = order.iter().position(|p| *p == x["prompt_id"]).unwrap() + 1;
        assert_eq!(
            x["error_kind"].is_empty(),
            line % 10 != 0,
            "{}",
            x["prompt_id"]
        );
    }
    let create = q
        .iter()
        .find(|x| x.path.ends_with(":batchGenerateContent"))
        .unwrap();
    assert!(create.json()["batch"]["inputConfig"]["fileName"].is_string());
}

#[test]
fn together_batches_go_through_its_own_upload_and_jobs_and_every_cell_gets_its_row() {
    let mut w = World::with_server(json!({"batch": {"finish_ms": 100, "error_every": 3}}));
    set(&w);
    let url = w.requests_url();
    w.set("LLMX_TOGETHER_BASE_URL", &format!("{url}/together/v1"));
    w.set("TOGETHER_API_KEY", "together-test-key-0123456789");
    let model = "together/meta-llama/Llama-3.3-70B-Instruct-Turbo";
    let out = w.run(&[
        "bench",
        "--batch",
        "-m",
        model,
        "set.jsonl",
        "--repeat",
        "2",
        "-o",
        "out.csv",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(out.code, 1, "two cells fail: {}", out.stderr);
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 6);
    let failed = r.iter().filter(|x| !x["error_kind"].is_empty()).count();
    assert_eq!(failed, 2, "{r:?}");
    for x in r.iter().filter(|x| x["error_kind"].is_empty()) {
        assert_eq!(
            x["output"],
            "Hello from meta-llama/Llama-3.3-70B-Instruct-Turbo."
        );
        assert_eq!(x["batch"], "true");
    }
    let q = w.requests();
    // The file: a form asking for an upload URL, the bytes put there with no credentials,
    // then preprocessed; the batch names it.
    let ask = q
        .iter()
        .find(|x| x.method == "POST" && x.path == "/together/v1/files")
        .expect("an upload was asked for");
    let form = String::from_utf8_lossy(&ask.body).into_owned();
    assert!(form.contains("purpose=batch-api"), "{form}");
    assert_eq!(
        ask.header("authorization"),
        Some("Bearer together-test-key-0123456789")
    );
    let put = q
        .iter()
        .find(|x| x.method == "PUT" && x.path.starts_with("/together/upload/"))
        .expect("the bytes were put");
    assert!(
        put.header("authorization").is_none(),
        "the key went to the signed URL"
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&put.body)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    for l in &lines {
        let keys: Vec<&String> = l.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["body", "custom_id"], "{l}");
        assert_eq!(
            l["body"]["stream"],
            Value::Null,
            "a batch line is unstreamed: {l}"
        );
    }
    assert!(q
        .iter()
        .any(|x| x.path.ends_with("/preprocess") && x.method == "POST"));
    let create = q
        .iter()
        .find(|x| x.method == "POST" && x.path == "/together/v1/batches")
        .unwrap()
        .json();
    assert_eq!(create["endpoint"], "/v1/chat/completions");
    assert!(create["input_file_id"]
        .as_str()
        .unwrap()
        .starts_with("file-"));
    // Each line's body is the live unstreamed body of its cell.
    let live = w.run(&[
        "bench",
        "-m",
        model,
        "set.jsonl",
        "--repeat",
        "2",
        "--no-stream",
        "-o",
        "live.csv",
    ]);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let sent: Vec<Value> = w
        .requests()
        .iter()
        .filter(|x| x.path == "/together/v1/chat/completions")
        .map(|x| x.json())
        .collect();
    assert_eq!(
        sorted(sent),
        sorted(lines.iter().map(|l| l["body"].clone()).collect())
    );
    // Together's jobs give a progress percentage, not counts: status says unknown, not 0.
    let st = w.run(&["batch", "status", "out.csv"]);
    assert_eq!(st.code, 0, "{}", st.stderr);
    let line = st
        .stdout
        .lines()
        .find(|l| l.contains("COMPLETED"))
        .unwrap_or("");
    assert!(
        line.contains(" 6 ") && line.contains("unknown"),
        "{}",
        st.stdout
    );
}

#[test]
fn a_batched_summary_and_report_leave_the_timing_columns_out() {
    let w = World::with_server(json!({"batch": {"finish_ms": 60}}));
    set(&w);
    let out = w.run(&[
        "bench",
        "--batch",
        "-m",
        "openai/gpt-4o-mini",
        "set.jsonl",
        "-o",
        "report.html",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Rows beside the report, and the job file beside the rows.
    assert_eq!(rows(&w, "report.csv").len(), 3);
    assert!(w.path("report.csv.batch.json").exists());
    let head = out.stdout.lines().next().unwrap_or("");
    assert!(head.starts_with("model"), "{}", out.stdout);
    for gone in ["p50", "ttft", "tok/s"] {
        assert!(!head.contains(gone), "{head}");
    }
    assert!(head.contains("cost/req"), "{head}");
    let html = std::fs::read_to_string(w.path("report.html")).unwrap();
    assert!(
        !html.contains("<th>p50 ms</th>"),
        "a latency column in the report"
    );
    assert!(
        !html.contains("Latency percentiles"),
        "a latency chart in the report"
    );
    assert!(html.contains("No latencies"));
    assert!(html.contains("<th>cost</th>"));
}

#[test]
fn status_shows_each_batch_and_cancel_stops_them_with_cancelled_rows_on_resume() {
    let w = World::with_server(json!({"batch": {"finish_ms": 5000}}));
    set(&w);
    let out = w.run(&[
        "bench",
        "--batch",
        "--no-wait",
        "-m",
        MODELS,
        "set.jsonl",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let st = w.run(&["batch", "status", "out.csv"]);
    assert_eq!(st.code, 0, "{}", st.stderr);
    let lines: Vec<&str> = st.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", st.stdout);
    assert!(
        lines[0].starts_with("batch") && lines[0].contains("state"),
        "{}",
        st.stdout
    );
    // Still running at each provider, in its own words, and no rows read yet.
    for (line, (id, states)) in lines[1..].iter().zip([
        ("batch_", &["validating", "in_progress"][..]),
        ("msgbatch_", &["in_progress"][..]),
        (
            "batches/",
            &["BATCH_STATE_PENDING", "BATCH_STATE_RUNNING"][..],
        ),
    ]) {
        assert!(line.starts_with(id), "{line}");
        assert!(states.iter().any(|s| line.contains(s)), "{line}");
        assert!(line.ends_with("to read"), "{line}");
    }
    let c = w.run(&["batch", "cancel", "out.csv"]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    assert!(c.stderr.contains("--resume out.csv"), "{}", c.stderr);
    let again = w.run(&[
        "bench",
        "--batch",
        "-m",
        MODELS,
        "set.jsonl",
        "--resume",
        "out.csv",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 9);
    assert!(
        r.iter().all(|x| x["error_kind"] == "batch_cancelled"),
        "{r:?}"
    );
    let st = w.run(&["batch", "status", "out.csv"]);
    assert_eq!(st.stdout.matches("written").count(), 3, "{}", st.stdout);
    // A file that is no batched run's.
    let bad = w.run(&["batch", "status", "nothing.csv"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("does not exist"), "{}", bad.stderr);
}

#[test]
fn a_live_resume_of_a_file_whose_batches_still_run_is_refused() {
    let w = World::with_server(json!({"batch": {"finish_ms": 5000}}));
    set(&w);
    let out = w.run(&[
        "bench",
        "--batch",
        "--no-wait",
        "-m",
        "openai/gpt-4o-mini",
        "set.jsonl",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let live = w.run(&[
        "bench",
        "-m",
        "openai/gpt-4o-mini",
        "set.jsonl",
        "--resume",
        "out.csv",
    ]);
    assert_eq!(live.code, 2, "{}", live.stderr);
    assert!(live.stderr.contains("add --batch"), "{}", live.stderr);
    assert!(
        !w.requests()
            .iter()
            .any(|q| q.path == "/v1/chat/completions"),
        "a live request went out"
    );
}

#[test]
fn groq_and_config_rows_marked_batch_use_openais_batch_endpoints() {
    let mut w = World::with_server(json!({"batch": {"finish_ms": 60}}));
    set(&w);
    let url = w.requests_url();
    w.set("LLMX_GROQ_BASE_URL", &format!("{url}/v1"));
    w.set("GROQ_API_KEY", "gsk-test-key-0123456789");
    w.config(&format!(
        "[providers.mybox]\ndialect = \"openai\"\nbase_url = \"{url}/v1\"\nbatch = true\n\n\
         [providers.plainbox]\ndialect = \"openai\"\nbase_url = \"{url}/v1\"\n"
    ));
    let out = w.run(&[
        "bench",
        "--batch",
        "-m",
        "groq/llama-3.3-70b-versatile,mybox/qwen",
        "set.jsonl",
        "-o",
        "out.csv",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = rows(&w, "out.csv");
    assert_eq!(r.len(), 6);
    assert!(
        r.iter()
            .all(|x| x["error"].is_empty() && x["batch"] == "true"),
        "{r:?}"
    );
    // Groq documents no settled batch price: its priced rows are estimated at half the list
    // price, and say so.
    for x in r.iter().filter(|x| x["provider"] == "groq") {
        assert_eq!(x["cost_estimated"], "true", "{x:?}");
        assert!(x["notes"].contains("estimated at half"), "{x:?}");
    }
    // A row not marked is refused by name.
    let no = w.run(&[
        "bench",
        "--batch",
        "-m",
        "plainbox/qwen",
        "set.jsonl",
        "-o",
        "o2.csv",
    ]);
    assert_eq!(no.code, 2, "{}", no.stderr);
    assert!(
        no.stderr.contains("`plainbox/qwen` has no Batch API"),
        "{}",
        no.stderr
    );
}

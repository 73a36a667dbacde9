use std::collections::HashSet;
use std::sync::Arc;

use super::query::{percentile, By};
use super::*;
use crate::provider::ErrorKind;

fn row(model: &str, latency: Option<u64>, cost: Option<f64>, error: Option<ErrorKind>) -> Row {
    let mut r = Row::empty(model, "openai", model);
    r.output = format!("answer of {model}");
    r.latency_ms = latency;
    r.ttft_ms = latency.map(|l| l / 2);
    r.total_ms = latency;
    r.input_tokens = Some(10);
    r.output_tokens = Some(20);
    r.cached_tokens = Some(0);
    r.reasoning_tokens = Some(0);
    r.tokens_per_s = latency.map(|_| 12.5);
    r.cost_usd = cost;
    r.attempts = 1;
    r.finish_reason = Some("stop".into());
    if let Some(k) = error {
        r.error = Some(format!("HTTP 500: {}", k.as_str()));
        r.error_kind = Some(k);
        r.output.clear();
    }
    r
}

fn record(run: &str, idx: u64, at_ms: i64, prompt: &Arc<Text>, row: Row) -> Write {
    Write::Row(Box::new(Record {
        run_id: run.into(),
        idx,
        at_ms,
        prompt: prompt.clone(),
        system: None,
        prompt_id: None,
        repeat: None,
        pass: None,
        requested: row.model.clone(),
        row: Arc::new(row),
        store_text: true,
        notes: Vec::new(),
        reasoning: None,
        itl_ms: None,
    }))
}

fn run(id: &str, started_ms: i64) -> Write {
    Write::Run(RunRecord {
        id: id.into(),
        started_ms,
        command: "compare".into(),
        models: "a,b".into(),
        prompt_hash: Some(hash("hello")),
        summary: Some("hello".into()),
        params: "{}".into(),
        prices_as_of: "2026-11-24".into(),
        bench_run: None,
    })
}

#[test]
fn rows_come_back_as_they_were_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(dir.path());
    let mut s = Store::open(&path).unwrap();
    let p = Text::new("hello", true);
    let mut a = row("a", Some(120), Some(0.000351), None);
    a.input_estimated = true;
    a.tokens_estimated = true;
    a.cost_estimated = true;
    a.fallback_from = Some("x/y (HTTP 500)".into());
    let b = row("b", None, None, Some(ErrorKind::RateLimit));
    let mut written = Cache::default();
    s.write(
        &[
            run("abc123", 1_000),
            record("abc123", 1, 1_000, &p, b.clone()),
            record("abc123", 0, 1_000, &p, a.clone()),
            Write::Finish {
                id: "abc123".into(),
                wall_ms: 130,
                interrupted: false,
            },
        ],
        &mut written,
    )
    .unwrap();
    let past = Store::open_existing(&path).unwrap().past("abc").unwrap();
    assert_eq!(
        past.rows,
        vec![(1, b), (0, a)],
        "finish order, each with its index"
    );
    assert_eq!(past.wall_ms, Some(130));
    let store = Store::open_existing(&path).unwrap();
    let line = &store.runs(None, None, None, 10).unwrap()[0];
    assert_eq!(line.rows, 2);
    assert_eq!(line.errors, 1);
    assert_eq!(line.cost.estimated, 0.000351);
    assert_eq!(line.cost.estimated_rows, 1);
    assert_eq!(line.cost.known_rows, 0);
    assert_eq!(written.texts, HashSet::from([hash("hello")]));
    // Opening again does not migrate again.
    assert_eq!(
        Store::open(&path).unwrap().stats().unwrap().schema,
        SCHEMA_VERSION
    );
}

#[test]
fn unknown_and_ambiguous_ids_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&path_in(dir.path())).unwrap();
    s.write(&[run("ab1111", 1), run("ab2222", 2)], &mut Cache::default())
        .unwrap();
    assert_eq!(
        s.run_id("ab").unwrap_err().to_string(),
        "`ab` names more than one run (ab2222, ab1111); give more of the id"
    );
    assert_eq!(
        s.run_id("zz").unwrap_err().to_string(),
        "no run `zz` in the history; `llmx history` lists the runs"
    );
    assert_eq!(s.run_id("ab2").unwrap(), "ab2222");
}

#[test]
fn percentiles_in_linear_time_match_the_sorted_method() {
    let mut seed = 7u64;
    for n in [1usize, 2, 3, 10, 101, 1000] {
        let mut v: Vec<f64> = (0..n)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                (seed >> 40) as f64
            })
            .collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        for p in [0.0, 50.0, 90.0, 95.0, 99.0, 100.0] {
            assert_eq!(
                percentile(&mut v, p),
                crate::bench::summary::percentile(&sorted, p),
                "n {n} p {p}"
            );
        }
    }
    assert_eq!(percentile(&mut [], 50.0), None);
}

#[test]
fn usage_leaderboard_prune_and_route_medians() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&path_in(dir.path())).unwrap();
    let p = Text::new("q", false);
    let day = 86_400_000;
    let mut batch = vec![run("r1", 0), run("r2", 10 * day)];
    let lat = [100, 300, 200, 400];
    for (i, l) in lat.iter().enumerate() {
        batch.push(record(
            "r1",
            i as u64,
            0,
            &p,
            row("a", Some(*l), Some(0.25), None),
        ));
    }
    batch.push(record(
        "r2",
        0,
        10 * day,
        &p,
        row("a", None, None, Some(ErrorKind::Server)),
    ));
    batch.push(record(
        "r2",
        1,
        10 * day,
        &p,
        row("b", Some(50), None, None),
    ));
    batch.push(record(
        "r2",
        2,
        10 * day,
        &p,
        row("b", None, None, Some(ErrorKind::Cancelled)),
    ));
    let mut written = Cache::default();
    s.write(&batch, &mut written).unwrap();
    assert!(written.texts.is_empty(), "no text kept");
    assert_eq!(s.text(&p.hash).unwrap(), None);

    let u = s.usage(None, By::Model).unwrap();
    assert_eq!(u.len(), 2);
    assert_eq!(
        (u[0].key.as_str(), u[0].requests, u[0].errors),
        ("openai/a", 5, 1)
    );
    assert_eq!(u[0].cost.known, 1.0);
    assert_eq!(
        (u[1].key.as_str(), u[1].requests, u[1].errors),
        ("openai/b", 2, 0)
    );
    assert_eq!(u[1].cost.unpriced, 1, "the answered row without a price");
    let days = s.usage(None, By::Day).unwrap();
    assert_eq!(
        days.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(),
        ["1970-01-11", "1970-01-01"]
    );
    assert_eq!(s.usage(Some(day), By::Model).unwrap()[0].requests, 1);

    let board = s.leaderboard(None, 2).unwrap();
    assert_eq!(board.len(), 1, "b has one row that counts");
    let a = &board[0];
    assert_eq!((a.n, a.errors), (5, 1));
    assert_eq!(a.latency_p50, Some(250.0));
    assert_eq!(a.latency_p95, Some(385.0));
    assert_eq!(a.cost_per_request, Some(0.25));
    assert_eq!(a.cost_per_1k_output, Some(0.25 / 20.0 * 1000.0));

    assert_eq!(s.median_latency("openai", "a").unwrap(), Some(300));
    assert_eq!(s.median_latency("openai", "zz").unwrap(), None);

    assert_eq!(s.prune(day, true).unwrap(), (4, 1));
    let st = s.stats().unwrap();
    assert_eq!((st.runs, st.rows), (1, 3));
    assert_eq!(st.oldest_ms, Some(10 * day));
}

#[test]
fn the_old_latency_file_is_imported_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latency.json");
    std::fs::write(&file, r#"{"groq/llama":[90,80,70],"x/y":[5]}"#).unwrap();
    let mut s = Store::open(&path_in(dir.path())).unwrap();
    assert_eq!(s.import_latency_file(&file).unwrap(), 4);
    assert!(!file.exists());
    assert!(dir.path().join("latency.json.imported").exists());
    std::fs::write(&file, r#"{"groq/llama":[1]}"#).unwrap();
    assert_eq!(s.import_latency_file(&file).unwrap(), 0, "only once");
    assert_eq!(s.median_latency("groq", "llama").unwrap(), Some(80));
}

#[test]
fn hashes_are_stable() {
    assert_eq!(hash(""), "6c62272e07bb014262b821756295c58d");
    assert_ne!(hash("a"), hash("b"));
    assert_eq!(new_run_id(std::time::SystemTime::now()).len(), 12);
}

#[test]
fn a_corrupt_store_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(dir.path());
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let e = Store::open(&path).err().unwrap().to_string();
    assert!(e.contains("not a history store"), "{e}");
}

#[test]
fn pruning_goes_in_batches_and_keeps_texts_still_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&path_in(dir.path())).unwrap();
    let mut cache = Cache::default();
    let old = Arc::new(Text::new("an old prompt", true));
    let kept = Arc::new(Text::new("a prompt still in use", true));
    let mut batch = vec![run("old", 0), run("new", 100)];
    let n = 2 * PRUNE_BATCH as u64 + 7;
    for i in 0..n {
        batch.push(record(
            "old",
            i,
            1,
            &old,
            row("openai/a", Some(5), None, None),
        ));
    }
    batch.push(record(
        "old",
        n,
        2,
        &kept,
        row("openai/a", Some(5), None, None),
    ));
    batch.push(record(
        "new",
        0,
        200,
        &kept,
        row("openai/a", Some(5), None, None),
    ));
    s.write(&batch, &mut cache).unwrap();
    assert_eq!(s.prune(100, false).unwrap(), (n + 1, 1));
    let st = s.stats().unwrap();
    assert_eq!((st.runs, st.rows), (1, 1));
    assert_eq!(
        s.text(&old.hash).unwrap(),
        None,
        "a text no row uses is gone"
    );
    assert_eq!(
        s.text(&kept.hash).unwrap().as_deref(),
        Some("a prompt still in use")
    );
}

#[cfg(unix)]
#[test]
fn a_new_store_is_private_and_a_foreign_database_is_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let path = path_in(&data);
    drop(Store::open(&path).unwrap());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&path), 0o600);

    // Another program's SQLite file, reached through a symlink at the store's name.
    let other = dir.path().join("other.db");
    {
        let c = Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    }
    let before = std::fs::read(&other).unwrap();
    let linked = dir.path().join("linked");
    std::fs::create_dir(&linked).unwrap();
    std::os::unix::fs::symlink(&other, path_in(&linked)).unwrap();
    match Store::open(&path_in(&linked)) {
        Err(HistoryError::Foreign(_)) => {}
        other => panic!("{:?}", other.err()),
    }
    assert_eq!(
        std::fs::read(&other).unwrap(),
        before,
        "not one byte changed"
    );
    assert!(
        !dir.path().join("other.db-wal").exists(),
        "not switched to WAL"
    );

    // A store from before the marker is adopted; an empty file becomes a store.
    let c = Connection::open(&path).unwrap();
    c.pragma_update(None, "application_id", 0).unwrap();
    drop(c);
    drop(Store::open(&path).unwrap());
    let c = Connection::open(&path).unwrap();
    let id: i64 = c
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(id, APPLICATION_ID);
}

#[test]
fn the_writer_commits_every_row_sent_during_and_past_a_gathering() {
    every_row_committed(false);
}

#[test]
fn a_background_writer_commits_every_row_too_in_order() {
    // Small batches go through the idle-priority thread, large ones (rows backing up) and
    // flushes through the writer's own: the run still comes before its rows, and none is lost.
    every_row_committed(true);
}

fn every_row_committed(background: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(dir.path());
    let w = Arc::new(writer::HistoryWriter::new(path.clone(), None));
    if background {
        w.background();
    }
    let p = Text::new("hello", true);
    w.send(run("gathered", 1_000));
    // More rows than one commit takes (the writer sleeps through its gathering: rows sent
    // meanwhile wake nobody and must still all arrive), from two threads.
    let other = {
        let (w, p) = (w.clone(), p.clone());
        std::thread::spawn(move || {
            for i in 0..1_500 {
                w.send(record(
                    "gathered",
                    i,
                    1_000,
                    &p,
                    row("a", Some(1), None, None),
                ));
            }
        })
    };
    for i in 1_500..3_000 {
        w.send(record(
            "gathered",
            i,
            1_000,
            &p,
            row("b", Some(1), None, None),
        ));
    }
    other.join().unwrap();
    w.flush().unwrap();
    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.past("gathered").unwrap().rows.len(), 3_000);
    // Rows sent after a flush, with no flush after them, are committed when the writer ends.
    w.send(record(
        "gathered",
        3_000,
        1_000,
        &p,
        row("c", Some(1), None, None),
    ));
    drop(Arc::into_inner(w).unwrap());
    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.past("gathered").unwrap().rows.len(), 3_001);
}

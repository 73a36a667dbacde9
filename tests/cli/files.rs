//! Files that stay files (issue 27): `-o` onto a device, a FIFO, `/dev/stdout` or a process
//! substitution writes in place and never replaces it; only regular files go through a
//! temporary file, whose name nobody can predict and which is created exclusively; a symlink
//! to a regular file is followed, not replaced.

use std::os::unix::fs::FileTypeExt;

use crate::support::World;

fn world() -> World {
    let mut w = World::offline();
    w.set("LLMX_NO_HISTORY", "1");
    w
}

fn mkfifo(path: &std::path::Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[test]
fn a_fifo_is_written_in_place_and_stays_a_fifo() {
    let w = world();
    let fifo = w.path("results.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = w.run(&[
        "compare",
        "-m",
        "mock/a",
        "-p",
        "hi",
        "-o",
        fifo.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let got = reader.join().unwrap();
    assert!(
        got.starts_with("model,provider,model_id,output"),
        "the reader got the rows: {got}"
    );
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    let left: Vec<_> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.iter().all(|n| !n.to_string_lossy().contains(".llmx")),
        "no temp left: {left:?}"
    );
}

#[test]
fn dev_stdout_and_a_process_substitution_work_as_in_every_unix_tool() {
    let w = world();
    let out = w.run(&[
        "compare",
        "-m",
        "mock/a",
        "-p",
        "hi",
        "-o",
        "/dev/stdout",
        "--format",
        "jsonl",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("{\"model\":\"mock/a\""), "{out:?}");
    let llmx = env!("CARGO_BIN_EXE_llmx");
    let status = w
        .wrapper("bash")
        .args([
            "-c",
            &format!("{llmx} compare -m mock/a -p hi -o >(cat > sub.csv) --format csv; sleep 0.2"),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(w.path("sub.csv")).unwrap();
    assert!(text.starts_with("model,provider"), "{text}");
}

#[test]
fn a_character_device_is_never_replaced() {
    // A null device of our own, in a temp dir: creating one needs root.
    let w = world();
    let dev = w.path("null");
    let c = std::ffi::CString::new(dev.as_os_str().as_encoded_bytes()).unwrap();
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    if made != 0 {
        eprintln!("skipped: creating a device node needs root");
        return;
    }
    for format in ["csv", "html"] {
        let args = [
            "compare",
            "-m",
            "mock/a",
            "-p",
            "hi",
            "-o",
            dev.to_str().unwrap(),
            "--format",
            format,
        ];
        let out = w.run(&args);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(
            std::fs::symlink_metadata(&dev)
                .unwrap()
                .file_type()
                .is_char_device(),
            "{args:?}"
        );
    }
    w.write("set.jsonl", "{\"id\":\"a\",\"prompt\":\"x\"}\n");
    let out = w.run(&[
        "bench",
        "-m",
        "mock/a",
        "set.jsonl",
        "-o",
        "rows.csv",
        "--summary",
        dev.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(std::fs::symlink_metadata(&dev)
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn a_symlink_to_a_file_stays_a_link_and_the_file_gets_the_results() {
    let w = world();
    w.write("real.csv", "old\n");
    std::os::unix::fs::symlink(w.path("real.csv"), w.path("link.csv")).unwrap();
    let out = w.run(&["compare", "-m", "mock/a", "-p", "hi", "-o", "link.csv"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(std::fs::symlink_metadata(w.path("link.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
    let text = std::fs::read_to_string(w.path("real.csv")).unwrap();
    assert!(text.starts_with("model,provider"), "{text}");
}

/// The old temporary name was `.NAME.llmx-PID.tmp`, opened with O_TRUNC: under a new PID
/// namespace llmx is PID 1, so a planted symlink of that name would redirect the write.
#[test]
fn a_planted_symlink_at_the_temporary_name_is_never_followed() {
    let w = world();
    w.write("victim.txt", "precious\n");
    std::os::unix::fs::symlink(w.path("victim.txt"), w.path(".out.csv.llmx-1.tmp")).unwrap();
    let llmx = env!("CARGO_BIN_EXE_llmx");
    let out = w
        .wrapper("unshare")
        .args([
            "-U",
            "-r",
            "-p",
            "-f",
            "--mount-proc",
            llmx,
            "compare",
            "-m",
            "mock/a",
            "-p",
            "hi",
            "-o",
            "out.csv",
        ])
        .output()
        .unwrap();
    if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("unshare") {
        eprintln!(
            "skipped: namespaces refused here: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(w.path("victim.txt")).unwrap(),
        "precious\n"
    );
    assert!(std::fs::read_to_string(w.path("out.csv"))
        .unwrap()
        .starts_with("model,"));
    // The results file is the user's, as a plain create would make it, not 0600.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(w.path("out.csv"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(
        mode & 0o044,
        0o044,
        "readable as a plain create makes it: {mode:o}"
    );
}

#[test]
fn no_output_may_be_an_input_the_store_the_config_or_another_output() {
    let mut w = world();
    w.write(
        "tools.json",
        r#"[{"name": "f", "description": "d", "parameters": {"type": "object"}}]"#,
    );
    w.write("pic.png", include_bytes!("../../examples/photo.png"));
    let config = w.config("[defaults]\ntemperature = 0.2\n");
    let data = w.path("data");
    w.set("LLMX_DATA_DIR", &data.display().to_string());
    let out = w.run(&["compare", "-m", "mock/a", "-p", "hi"]);
    assert_eq!(out.code, 0, "{out:?}");
    w.unset("LLMX_NO_HISTORY");
    let out = w.run(&["compare", "-m", "mock/a", "-p", "hi"]);
    assert_eq!(out.code, 0, "{out:?}");
    let store = data.join("history.sqlite3");
    assert!(store.exists());
    let before = |p: &std::path::Path| std::fs::read(p).unwrap();
    let cases: Vec<(Vec<String>, std::path::PathBuf, &str)> = vec![
        (
            vec![
                "--tools".into(),
                "tools.json".into(),
                "-o".into(),
                "tools.json".into(),
                "--format".into(),
                "csv".into(),
            ],
            w.path("tools.json"),
            "-o `tools.json` is the tools file `tools.json`",
        ),
        (
            vec![
                "--image".into(),
                "pic.png".into(),
                "-o".into(),
                "pic.png".into(),
                "--format".into(),
                "csv".into(),
            ],
            w.path("pic.png"),
            "is an --image file",
        ),
        (
            vec![
                "-o".into(),
                config.display().to_string(),
                "--format".into(),
                "csv".into(),
            ],
            config.clone(),
            "is the config file",
        ),
        (
            vec![
                "-o".into(),
                store.display().to_string(),
                "--format".into(),
                "csv".into(),
            ],
            store.clone(),
            "is the history store",
        ),
    ];
    for (extra, file, says) in cases {
        let was = before(&file);
        let mut args = vec!["compare", "-m", "mock/a", "-p", "hi"];
        args.extend(extra.iter().map(String::as_str));
        let out = w.run(&args);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains(says), "{says}: {out:?}");
        assert!(
            out.stderr.contains("writing there would destroy it"),
            "{out:?}"
        );
        assert_eq!(before(&file), was, "{} untouched", file.display());
    }
    w.write("set.jsonl", "{\"id\":\"a\",\"prompt\":\"x\"}\n");
    for (args, says) in [
        (
            vec![
                "bench",
                "-m",
                "mock/a",
                "set.jsonl",
                "-o",
                "r.csv",
                "--summary",
                "r.csv",
            ],
            "-o `r.csv` is the --summary file too `r.csv`",
        ),
        (
            vec![
                "bench",
                "-m",
                "mock/a",
                "set.jsonl",
                "-o",
                "r.html",
                "--summary",
                "r.csv",
            ],
            "-o `r.csv` is the --summary file too `r.csv`",
        ),
        (
            vec!["bench", "-m", "mock/a", "set.jsonl", "-o", "set.jsonl"],
            "-o `set.jsonl` is a prompt file `set.jsonl`",
        ),
    ] {
        let out = w.run(&args);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains(says), "{says}: {out:?}");
        assert!(!w.path("r.csv").exists(), "nothing written");
    }
}

#[test]
fn resume_edge_cases_stray_rows_devices_symlinks_and_unclosed_quotes() {
    let w = world();
    w.write(
        "set.jsonl",
        "{\"id\":\"a\",\"prompt\":\"x\"}\n{\"id\":\"b\",\"prompt\":\"y\"}\n",
    );
    let args = ["bench", "-m", "mock/a", "set.jsonl", "--repeat", "3"];
    let out = w.run(&[&args[..], &["-o", "real.csv"]].concat());
    assert_eq!(out.code, 0, "{out:?}");
    // Rows for cells the set does not have, added by hand with the run's own id.
    let text = std::fs::read_to_string(w.path("real.csv")).unwrap();
    let row = text.lines().nth(1).unwrap().to_string();
    let f: Vec<&str> = row.splitn(4, ',').collect();
    let stray_repeat = format!("{},{},99,{}", f[0], f[1], f[3]);
    let stray_prompt = format!("{},ghost,{},{}", f[0], f[2], f[3]);
    std::fs::write(
        w.path("real.csv"),
        format!("{text}{stray_repeat}\n{stray_prompt}\n"),
    )
    .unwrap();
    std::os::unix::fs::symlink(w.path("real.csv"), w.path("link.csv")).unwrap();
    let out = w.run(&[&args[..], &["--resume", "link.csv"]].concat());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains(
            "warning: dropped 2 rows of `link.csv` for cells this benchmark does not have"
        ),
        "{out:?}"
    );
    let summary = out
        .stdout
        .lines()
        .find(|l| l.starts_with("mock/a"))
        .unwrap();
    assert_eq!(
        summary.split_whitespace().nth(1),
        Some("6"),
        "n is the set's 6 cells: {summary}"
    );
    assert!(
        std::fs::symlink_metadata(w.path("link.csv"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    let (_, rows) = crate::support::read_csv(&std::fs::read_to_string(w.path("real.csv")).unwrap());
    assert_eq!(rows.len(), 6);

    let out = w.run(&[&args[..], &["--resume", "/dev/zero"]].concat());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("it is not a regular file"), "{out:?}");

    w.write(
        "quotes.csv",
        "id,prompt\nfine,\"a quoted prompt\"\nbroken,\"never closed\nc,more\n",
    );
    let out = w.run(&["bench", "-m", "mock/a", "quotes.csv"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("`quotes.csv` line 3: a quoted field starts here and is never closed"),
        "{out:?}"
    );
}

/// With a hard limit of 256 open files, 2,000 requests at the default -j all succeed: requests
/// in flight (and idle pooled connections) stay below the limit.
#[test]
fn a_low_open_file_limit_caps_requests_in_flight_instead_of_failing_them() {
    let w = crate::support::World::with_server(serde_json::json!({"models": {
        "a": {"text": "one", "ttft_ms": 20}, "b": {"text": "two", "ttft_ms": 20}
    }}));
    let body: String = (0..100)
        .map(|i| format!("{{\"id\":\"p{i}\",\"prompt\":\"q{i}\"}}\n"))
        .collect();
    w.write("set.jsonl", body);
    let llmx = env!("CARGO_BIN_EXE_llmx");
    let out = w
        .wrapper("bash")
        .args([
            "-c",
            &format!(
                "ulimit -n 256 && {llmx} bench -m openai/a,openai/b set.jsonl --repeat 10 -o out.csv -q --no-history"
            ),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let (_, rows) = crate::support::read_csv(&std::fs::read_to_string(w.path("out.csv")).unwrap());
    assert_eq!(rows.len(), 2000);
    let text = std::fs::read_to_string(w.path("out.csv")).unwrap();
    assert!(!text.contains("Too many open files"), "{stderr}");
}

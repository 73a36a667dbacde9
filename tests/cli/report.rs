//! The HTML report: one self-contained file, checked as text and in a real browser (headless
//! Chromium driven over the DevTools protocol on a pipe): every answer present, charts drawn, no
//! network request, nothing an answer carried executed, readable at a phone's width.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::*;

/// An answer that tries everything: script tags, event handlers, `javascript:` links, an image
/// and a stylesheet on a local port (a request there would be seen), a terminal escape.
fn hostile(port: u16) -> String {
    format!(
        "# Hostile\n\nHello <script>window.__pwned='script';document.title='PWNED'</script>\n\n\
         <img src=\"http://127.0.0.1:{port}/img\" onerror=\"window.__pwned='onerror'\">\n\n\
         <svg onload=\"window.__pwned='svg'\"></svg> <a href=\"javascript:window.__pwned='href'\">raw link</a>\n\n\
         [md link](javascript:window.__pwned='md') ![pic](http://127.0.0.1:{port}/pic.png)\n\n\
         <link rel=stylesheet href=\"http://127.0.0.1:{port}/css\"><iframe src=\"http://127.0.0.1:{port}/frame\"></iframe>\n\n\
         ```js\nconsole.log(\"</code></pre><script>window.__pwned='fence'</script>\");\n```\n\
         \x1b]0;retitled\x07 \x1b[2J end of hostile"
    )
}

const GOOD: &str =
    "Ownership means **one owner** per value.\n\n- moves\n- borrows\n\n```rust\nfn main() {}\n```";

/// A world whose `openai/evil` (unpriced) answers `hostile`, `openai/gpt-4o-mini` and
/// `anthropic/claude-sonnet-4-5` answer Markdown; and a listener that would see any request the report makes.
fn world() -> (World, TcpListener) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let w = World::with_server(json!({"models": {
        "evil": {"text": hostile(port)},
        "gpt-4o-mini": {"text": GOOD},
        "claude-sonnet-4-5": {"text": "Ownership means one owner for each value; moves and borrows follow."}
    }}));
    (w, listener)
}

fn report(w: &World) -> PathBuf {
    let path = w.path("report.html");
    let out = w.run(&[
        "compare",
        "-m",
        "openai/gpt-4o-mini,openai/evil,anthropic/claude-sonnet-4-5",
        "--system",
        "Be brief.",
        "-p",
        "What is <ownership>?",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    path
}

fn no_connection(listener: &TcpListener) {
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the report made a request: {other:?}"),
    }
}

#[test]
fn the_report_is_one_file_with_every_answer_escaped() {
    let (w, listener) = world();
    let html = std::fs::read_to_string(report(&w)).unwrap();
    // Self-contained: nothing is loaded from anywhere.
    for needle in ["<link", "<img", "<iframe", "<svg onload", "@import", "url("] {
        assert!(!html.contains(needle), "{needle} in the report");
    }
    // Two scripts only: the answers as JSON data, and the picker with the nonce.
    assert_eq!(html.matches("<script").count(), 2, "{html}");
    assert!(html.contains("<script type=\"application/json\" id=\"llmx-answers\">"));
    assert!(
        html.contains("script-src 'nonce-"),
        "a CSP pins the one script"
    );
    assert!(html.contains("default-src 'none'"));
    // The hostile answer is text.
    // Every real link goes to http(s): no `javascript:` URL survives as a link.
    for (i, _) in html.match_indices("<a ") {
        let tag = &html[i..i + html[i..].find('>').unwrap()];
        let href = tag.split(" href=\"").nth(1).unwrap_or("");
        assert!(href.starts_with("http://127.0.0.1:"), "{tag}");
    }
    assert!(!html.contains('\x1b') && !html.contains('\x07'));
    assert!(
        html.contains("^[]0;retitled^G"),
        "escapes shown, not obeyed"
    );
    assert!(html.contains("&lt;script&gt;window.__pwned"), "{html}");
    assert!(html.contains("onerror=&quot;window.__pwned"), "{html}");
    // The good answer is rendered Markdown, code kept.
    assert!(html.contains("<strong>one owner</strong>"), "{html}");
    assert!(html.contains("<pre><code class=\"language-rust\">fn main() {}"));
    // The prompt and settings.
    assert!(html.contains("What is &lt;ownership&gt;?"));
    assert!(html.contains("Be brief."));
    assert!(html.contains("<dd>openai/gpt-4o-mini, openai/evil, anthropic/claude-sonnet-4-5</dd>"));
    // Charts: latency/TTFT and cost, as HTML (text that stays legible at any width).
    assert_eq!(html.matches("<div class=\"chart\"").count(), 2);
    assert!(
        html.contains("<div class=\"bar-text\">unknown</div>"),
        "the unpriced cost says unknown"
    );
    assert!(!html.contains("<svg"));
    no_connection(&listener);
}

// ---- A real browser. ----

/// Chromium driven over `--remote-debugging-pipe`: commands go in on fd 3, replies and events
/// come out on fd 4, each a JSON text ending in a NUL byte.
struct Browser {
    child: Child,
    to: std::fs::File,
    from: mpsc::Receiver<Value>,
    next: u64,
    /// Every event seen so far.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// Chromium, or `None` with a notice that the test is skipped. CI installs Chromium and sets
/// `LLMX_REQUIRE_BROWSER`, so there a missing browser fails the test instead.
fn chromium_or_skip() -> Option<PathBuf> {
    let exe = chromium();
    if exe.is_none() {
        assert!(
            std::env::var_os("LLMX_REQUIRE_BROWSER").is_none(),
            "LLMX_REQUIRE_BROWSER is set but no Chromium was found (apt-get install chromium)"
        );
        eprintln!("skipped: no Chromium (set LLMX_CHROMIUM or install Debian's chromium)");
    }
    exe
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LLMX_CHROMIUM") {
        return Some(p.into());
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

impl Browser {
    fn start(exe: &Path) -> Browser {
        use std::os::fd::{AsRawFd, FromRawFd};
        use std::os::unix::process::CommandExt;
        let pipe = || {
            let mut fds = [0; 2];
            assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
            unsafe {
                (
                    std::fs::File::from_raw_fd(fds[0]),
                    std::fs::File::from_raw_fd(fds[1]),
                )
            }
        };
        let (cmd_read, cmd_write) = pipe();
        let (out_read, out_write) = pipe();
        let profile = tempfile::tempdir().unwrap();
        let (cr, ow) = (cmd_read.as_raw_fd(), out_write.as_raw_fd());
        let mut cmd = Command::new(exe);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--remote-debugging-pipe",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (dup2) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::dup2(cr, 3) < 0 || libc::dup2(ow, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("start chromium");
        drop(cmd_read);
        drop(out_write);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(out_read);
            loop {
                let mut buf = Vec::new();
                match r.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        buf.pop();
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                            if tx.send(v).is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        });
        Browser {
            child,
            to: cmd_write,
            from: rx,
            next: 0,
            events: Vec::new(),
            _profile: profile,
        }
    }

    /// Send a command (to a page session when given) and wait for its result.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        loop {
            let v = self
                .from
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no answer from chromium to {method}"));
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    /// Wait for an event of `method`.
    fn wait_for(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        loop {
            let v = self
                .from
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no {method} from chromium"));
            let hit = v["method"] == method;
            self.events.push(v);
            if hit {
                return;
            }
        }
    }

    /// A new page at the given size, at `url` once it has loaded; its session.
    fn page(&mut self, url: &str, width: u32, dark: bool) -> String {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        let s = attached["sessionId"].as_str().unwrap().to_string();
        self.call(Some(&s), "Page.enable", json!({}));
        self.call(
            Some(&s),
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500}),
        );
        let scheme = if dark { "dark" } else { "light" };
        self.call(
            Some(&s),
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
        self.events.retain(|e| e["method"] != "Page.loadEventFired");
        self.call(Some(&s), "Page.navigate", json!({"url": url}));
        self.wait_for("Page.loadEventFired");
        s
    }

    /// Evaluate JavaScript in the page and return its value.
    fn eval(&mut self, session: &str, expr: &str) -> Value {
        let r = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {r}");
        r["result"]["value"].clone()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_report_in_headless_chromium_shows_everything_and_runs_nothing_from_an_answer() {
    let Some(exe) = chromium_or_skip() else {
        return;
    };
    let (w, listener) = world();
    let path = report(&w);
    let url = format!("file://{}", path.display());

    let mut b = Browser::start(&exe);
    let target = b.call(None, "Target.createTarget", json!({"url": "about:blank"}));
    let attached = b.call(
        None,
        "Target.attachToTarget",
        json!({"targetId": target["targetId"], "flatten": true}),
    );
    let s = attached["sessionId"].as_str().unwrap().to_string();
    let s = s.as_str();
    for m in ["Page.enable", "Network.enable", "Runtime.enable"] {
        b.call(Some(s), m, json!({}));
    }
    b.call(
        Some(s),
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": false}),
    );
    b.call(Some(s), "Page.navigate", json!({"url": url}));
    b.wait_for("Page.loadEventFired");
    // Give anything an answer might have scheduled time to run.
    b.eval(s, "new Promise(r => setTimeout(r, 300))");

    let page = b.eval(
        s,
        r#"JSON.stringify({
            title: document.title,
            pwned: window.__pwned || null,
            answers: [...document.querySelectorAll('article.answer')].map(a => a.innerText),
            charts: [...document.querySelectorAll('div.chart')].map(c => c.querySelectorAll('span.bar').length),
            scripts: document.scripts.length,
            pickerShown: !document.getElementById('diff-pick').hidden,
            diff: document.getElementById('diff-out').innerHTML,
            links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href')),
            images: document.images.length,
            iframes: document.querySelectorAll('iframe').length
        })"#,
    );
    let page: Value = serde_json::from_str(page.as_str().unwrap()).unwrap();
    assert_eq!(page["title"], "llmx compare — 3 models", "{page}");
    assert_eq!(page["pwned"], Value::Null, "an answer's script ran: {page}");
    let answers = page["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 3, "{page}");
    let all = answers
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "Ownership means one owner per value.",
        "end of hostile",
        "<script>window.__pwned='script'",
        "Ownership means one owner for each value",
    ] {
        assert!(
            all.contains(needle),
            "{needle} missing from the answers:\n{all}"
        );
    }
    assert_eq!(
        page["charts"],
        json!([6, 2]),
        "latency+TTFT bars for 3 models, cost bars for the 2 priced ones: {page}"
    );
    assert_eq!(page["scripts"], 2);
    assert_eq!(page["pickerShown"], true, "the report's own script ran");
    assert_eq!(page["images"], 0);
    assert_eq!(page["iframes"], 0);
    for href in page["links"].as_array().unwrap() {
        let href = href.as_str().unwrap_or("");
        assert!(href.starts_with("http://127.0.0.1:"), "{href}");
    }

    // The diff picker compares any two answers, writing text only.
    let diff = b.eval(
        s,
        r#"(() => {
            const a = document.getElementById('diff-a'), b = document.getElementById('diff-b');
            a.value = '0'; b.value = '2';
            b.dispatchEvent(new Event('change'));
            return document.getElementById('diff-title').textContent + '|' +
                document.querySelectorAll('#diff-out ins').length + '|' +
                document.querySelectorAll('#diff-out del').length;
        })()"#,
    );
    let diff = diff.as_str().unwrap();
    let parts: Vec<&str> = diff.split('|').collect();
    assert_eq!(
        parts[0], "anthropic/claude-sonnet-4-5 compared with openai/gpt-4o-mini",
        "{diff}"
    );
    assert!(parts[1].parse::<u32>().unwrap() > 0 && parts[2].parse::<u32>().unwrap() > 0);

    let shot = b.call(
        Some(s),
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true}),
    );
    let png = base64_decode(shot["data"].as_str().unwrap());
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let artifact = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    std::fs::write(&artifact, &png).unwrap();
    eprintln!("screenshot: {}", artifact.display());

    // A phone's width: nothing makes the page scroll sideways.
    b.call(
        Some(s),
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}),
    );
    b.call(Some(s), "Page.reload", json!({}));
    b.eval(s, "new Promise(r => setTimeout(r, 300))");
    let overflow = b.eval(s, "document.documentElement.scrollWidth");
    assert!(
        overflow.as_u64().unwrap() <= 390,
        "wider than a phone: {overflow}"
    );
    let shot = b.call(Some(s), "Page.captureScreenshot", json!({"format": "png"}));
    let phone = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-phone.png");
    std::fs::write(&phone, base64_decode(shot["data"].as_str().unwrap())).unwrap();

    // Zero network requests: every request the page made was for the report file itself.
    let requests: Vec<String> = b
        .events
        .iter()
        .filter(|e| e["method"] == "Network.requestWillBeSent")
        .map(|e| {
            e["params"]["request"]["url"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(!requests.is_empty(), "the network was watched");
    assert!(
        requests.iter().all(|u| *u == url),
        "requests beyond the file: {requests:?}"
    );
    assert!(
        !b.events
            .iter()
            .any(|e| e["method"] == "Page.javascriptDialogOpening"),
        "an alert opened"
    );
    no_connection(&listener);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

#[test]
fn bench_writes_its_report_as_html_and_its_rows_beside_it() {
    let w = World::offline();
    std::fs::write(w.path("a.md"), "first prompt").unwrap();
    std::fs::write(w.path("b.md"), "second prompt").unwrap();
    let html_path = w.path("bench.html");
    let out = w.run(&[
        "bench",
        "-m",
        "mock/fast@5,mock/<b>slow</b>@10",
        w.path("a.md").to_str().unwrap(),
        w.path("b.md").to_str().unwrap(),
        "--repeat",
        "2",
        "-o",
        html_path.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    // The rows reached their own file as they finished: 2 prompts × 2 models × 2 repeats.
    let (_, rows) = read_csv(&std::fs::read_to_string(w.path("bench.csv")).unwrap());
    assert_eq!(rows.len(), 8);
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("llmx bench — 2 models, 8 rows"), "{html}");
    assert!(html.contains("default-src 'none'") && !html.contains("<script"));
    // Percentile bars: p50, p90, p95, p99 for each model, their figures as text.
    assert_eq!(
        html.matches("<span class=\"bar thin\"").count(),
        8,
        "{html}"
    );
    for p in ["p50", "p90", "p95", "p99"] {
        assert_eq!(html.matches(&format!("{p} 0.")).count(), 2, "{p}: {html}");
    }
    // The matrix: a cell per prompt × model, each opening to its two answers.
    assert_eq!(
        html.matches("<td class=\"\"><details>").count(),
        4,
        "{html}"
    );
    assert_eq!(html.matches("<div class=\"one\">").count(), 8, "{html}");
    // A model name is text.
    assert!(html.contains("mock/&lt;b&gt;slow&lt;/b&gt;@10") && !html.contains("<b>slow"));
}

/// A compare with a failed model, under a config file with a key in it.
fn failed_model_report(w: &mut World) -> (PathBuf, String) {
    let config = w.config(
        "[defaults]\ntemperature = 0.3\n\n[providers.openai]\napi_key = \"sk-config-secret-0123456789\"\n",
    );
    let path = w.path("failed.html");
    let out = w.run(&[
        "compare",
        "-m",
        "openai/gpt-4o-mini,openai/broken",
        "--system",
        "Be brief.",
        "--max-tokens",
        "300",
        "--retries",
        "0",
        "-p",
        "What is ownership?",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    (path, config.display().to_string())
}

fn failing_world() -> World {
    World::with_server(json!({"models": {
        "gpt-4o-mini": {"text": GOOD},
        "broken": {"failures": [{"kind": "status", "status": 500}]}
    }}))
}

#[test]
fn the_report_says_when_by_what_and_on_which_settings_and_draws_a_failure_as_one() {
    let mut w = failing_world();
    let (path, config) = failed_model_report(&mut w);
    let html = std::fs::read_to_string(path).unwrap();
    let made = html
        .find("<p class=\"made\" id=\"made\">Made on 20")
        .expect("made line");
    assert!(
        html[made..].contains(&format!(" UTC by llmx {}</p>", env!("CARGO_PKG_VERSION"))),
        "{html}"
    );
    for setting in [
        "<dt>temperature</dt><dd>0.3</dd>",
        "<dt>max tokens</dt><dd>300</dd>",
        "<dt>streaming</dt><dd>yes</dd>",
    ] {
        assert!(html.contains(setting), "{setting}: {html}");
    }
    assert!(html.contains("Be brief."));
    // The config that applied, masked as `llmx config show` masks it.
    assert!(
        html.contains(&format!("Config file {config} (keys masked)")),
        "{html}"
    );
    assert!(html.contains("temperature = 0.3"), "{html}");
    assert!(html.contains("sk-…6789"), "{html}");
    assert!(!html.contains("sk-config-secret-0123456789"));
    // The failed model: a failure in the chart, never a short bar.
    let row = html
        .split("<div class=\"bar-row failed\">")
        .nth(1)
        .expect("a failed bar row");
    let row = &row[..row.find("</div></div></div>").unwrap()];
    assert!(
        row.contains("openai/broken") && row.contains("failed"),
        "{row}"
    );
    assert!(
        !row.contains("<span class=\"bar"),
        "no bar for a failure: {row}"
    );
}

#[test]
fn the_new_parts_in_chromium_a_failure_dark_mode_a_phone_and_the_bench_matrix() {
    let Some(exe) = chromium_or_skip() else {
        return;
    };
    let mut w = failing_world();
    let (path, _) = failed_model_report(&mut w);
    let url = format!("file://{}", path.display());
    let mut b = Browser::start(&exe);

    // Light, wide: the made line, and the failed model drawn as failed in the failure colour.
    let s = b.page(&url, 1280, false);
    let page = b.eval(
        &s,
        r#"JSON.stringify({
            made: document.getElementById('made').innerText,
            failedBars: [...document.querySelectorAll('.bar-row.failed')].map(r => r.querySelectorAll('.bar').length),
            failedColor: getComputedStyle(document.querySelector('.bar-row.failed .bar-text')).color,
            bg: getComputedStyle(document.body).backgroundColor
        })"#,
    );
    let page: Value = serde_json::from_str(page.as_str().unwrap()).unwrap();
    assert!(
        page["made"].as_str().unwrap().starts_with("Made on 20"),
        "{page}"
    );
    assert_eq!(page["failedBars"], json!([0]), "{page}");
    assert_eq!(page["failedColor"], "rgb(192, 57, 43)", "{page}");
    assert_eq!(page["bg"], "rgb(255, 255, 255)", "{page}");

    // Dark mode, a phone's width: dark background, the metrics as one card per model with
    // every figure beside its name, chart text at a legible size, nothing wider than the phone.
    let s = b.page(&url, 390, true);
    let page = b.eval(
        &s,
        r#"JSON.stringify({
            bg: getComputedStyle(document.body).backgroundColor,
            width: document.documentElement.scrollWidth,
            cells: [...document.querySelectorAll('table.metrics tbody tr:first-child td')].map(td => {
                const r = td.getBoundingClientRect();
                return [getComputedStyle(td).display, Math.round(r.left), Math.round(r.right), td.innerText.length > 0];
            }),
            labelFont: parseFloat(getComputedStyle(document.querySelector('.bar-label')).fontSize),
            textFont: parseFloat(getComputedStyle(document.querySelector('.bar-text')).fontSize)
        })"#,
    );
    let page: Value = serde_json::from_str(page.as_str().unwrap()).unwrap();
    assert_eq!(page["bg"], "rgb(22, 24, 28)", "{page}");
    assert!(page["width"].as_u64().unwrap() <= 390, "{page}");
    let cells = page["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 8, "{page}");
    for c in cells {
        assert_eq!(c[0], "flex", "a card line: {page}");
        assert!(
            c[1].as_i64().unwrap() >= 0 && c[2].as_i64().unwrap() <= 390,
            "{page}"
        );
        assert_eq!(c[3], true, "{page}");
    }
    assert!(page["labelFont"].as_f64().unwrap() >= 12.0, "{page}");
    assert!(page["textFont"].as_f64().unwrap() >= 12.0, "{page}");
    let shot = b.call(Some(&s), "Page.captureScreenshot", json!({"format": "png"}));
    let phone = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-phone-dark.png");
    std::fs::write(&phone, base64_decode(shot["data"].as_str().unwrap())).unwrap();

    // The bench report: the matrix cell opens to its answers; the failed checks are listed.
    w.write(
        "checks.jsonl",
        "{\"id\":\"ok\",\"prompt\":\"q\",\"expect\":\"ownership\"}\n{\"id\":\"no\",\"prompt\":\"q\",\"expect\":\"borrowck\"}\n",
    );
    let out = w.run(&[
        "bench",
        "-m",
        "openai/gpt-4o-mini",
        "checks.jsonl",
        "--repeat",
        "2",
        "-o",
        "b.html",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let s = b.page(
        &format!("file://{}", w.path("b.html").display()),
        390,
        false,
    );
    let page = b.eval(
        &s,
        r#"(() => {
            const cells = [...document.querySelectorAll('#matrix td')];
            const d = cells[1].querySelector('details');
            const before = [d.open, d.innerText.includes('Ownership')];
            d.querySelector('summary').click();
            const one = d.querySelectorAll('.one');
            return JSON.stringify({
                classes: cells.map(c => c.className),
                before,
                after: [d.open, d.innerText.includes('Ownership')],
                shown: [...one].map(o => o.innerText),
                failures: document.querySelectorAll('#failures .failure').length,
                width: document.documentElement.scrollWidth
            });
        })()"#,
    );
    let page: Value = serde_json::from_str(page.as_str().unwrap()).unwrap();
    assert_eq!(page["classes"], json!(["pass", "fail"]), "{page}");
    assert_eq!(
        page["before"],
        json!([false, false]),
        "closed until clicked: {page}"
    );
    assert_eq!(page["after"], json!([true, true]), "{page}");
    let shown = page["shown"].as_array().unwrap();
    assert_eq!(shown.len(), 2, "{page}");
    assert!(
        shown[0].as_str().unwrap().contains("#1 · check failed"),
        "{page}"
    );
    assert!(
        shown[0].as_str().unwrap().contains("Ownership means"),
        "{page}"
    );
    assert_eq!(page["failures"], 2, "{page}");
    assert!(page["width"].as_u64().unwrap() <= 390, "{page}");
}

/// A report of three answers a server made hostile: 10,000 `>` then text, 1 MB of `>`, and a
/// failure whose message is one 100-character token.
fn quotes_report() -> (World, std::path::PathBuf) {
    let w = World::with_server(json!({"models": {
        "deep": {"text": ">".repeat(10_000) + " the bottom"},
        "huge": {"text": ">".repeat(1_000_000), "chunk_chars": 65536},
        "broken": {"failures": [{"kind": "status", "status": 400, "message": "y".repeat(100)}]}
    }}));
    let path = w.path("q.html");
    let out = w.run(&[
        "compare",
        "-m",
        "openai/deep,openai/huge,openai/broken",
        "-p",
        "hi",
        "--retries",
        "0",
        "--max-answer-mb",
        "8",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    (w, path)
}

#[test]
fn nesting_and_size_are_bounded_in_the_report() {
    let (_w, path) = quotes_report();
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(
        html.matches("<blockquote>").count() <= 2 * 16,
        "nesting is capped"
    );
    assert!(html.contains("the bottom"), "the text stays");
    assert!(html.len() < 4_000_000, "{} bytes", html.len());
    assert!(
        html.contains("the answer continues as plain text"),
        "the rest is text"
    );
}

#[test]
fn deep_quotes_and_a_long_error_token_fit_a_phone_in_chromium() {
    let Some(exe) = chromium_or_skip() else {
        return;
    };
    let (_w, path) = quotes_report();
    let mut b = Browser::start(&exe);
    let s = b.page(&format!("file://{}", path.display()), 390, false);
    let width = b.eval(&s, "document.documentElement.scrollWidth");
    assert!(
        width.as_u64().unwrap() <= 390,
        "wider than a phone: {width}"
    );
    let s = b.page(&format!("file://{}", path.display()), 1280, false);
    let width = b.eval(&s, "document.documentElement.scrollWidth");
    assert!(
        width.as_u64().unwrap() <= 1280,
        "wider than the window: {width}"
    );
}

//! Every command the README and `docs/` show is run here, and what a page says a command prints
//! is what it prints.
//!
//! - A ```` ```console ```` block holds `$ command` lines, each followed by what it prints
//!   (stdout and stderr as a terminal shows them, in a 100-column pipe). The command is run and
//!   its output compared with the page's, numbers and run ids aside (timings differ run to
//!   run): every word, status and line must match. `LLMX_UPDATE_DOCS=1` rewrites the outputs.
//! - A ```` ```sh ```` block is run line by line in one shell; each line must exit 0, or the
//!   code its `# exit N` comment names.
//! - `<!-- not run: WHY -->` on the line before a block skips it, and says why.
//! - `<!-- mock: FILE -->` sets the mock server's script for the page's blocks after it.
//!
//! Each page runs in a fresh directory holding copies of `prompts/` and `examples/`, with
//! `llmx` on PATH and every provider pointed at a mock server started here (the base-URL
//! variables) with fake keys, so commands that need real keys run offline. `cargo build`,
//! `cargo test` and `cargo install` lines are set-up, not examples, and are skipped; `cargo run
//! --release --` and `target/release/llmx` are `llmx`; a line starting the mock server by hand,
//! and `kill %1`, are the harness's job; port 8931 is the harness's mock server.

use std::path::{Path, PathBuf};
use std::process::Command;

use llmx_mock::{MockConfig, MockServer};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PORT_IN_DOCS: &str = "8931";
const COLUMNS: &str = "100";

#[derive(Debug)]
struct Block {
    /// The line of the opening fence (1-based), for messages.
    line: usize,
    lang: String,
    /// The lines between the fences.
    body: Vec<String>,
    skip: Option<String>,
    mock: Option<String>,
}

fn parse(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut mock = None;
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if let Some(m) = l
            .strip_prefix("<!-- mock: ")
            .and_then(|r| r.strip_suffix(" -->"))
        {
            mock = Some(m.trim().to_string());
        }
        let Some(lang) = l.strip_prefix("```") else {
            i += 1;
            continue;
        };
        let lang = lang.trim().to_string();
        let skip = (i > 0)
            .then(|| lines[i - 1])
            .and_then(|p| p.strip_prefix("<!-- not run: "))
            .and_then(|r| r.strip_suffix(" -->"))
            .map(str::to_string);
        let start = i;
        i += 1;
        let mut body = Vec::new();
        while i < lines.len() && !lines[i].starts_with("```") {
            body.push(lines[i].to_string());
            i += 1;
        }
        i += 1;
        out.push(Block {
            line: start + 1,
            lang,
            body,
            skip,
            mock: mock.clone(),
        });
    }
    out
}

/// A shell line as the harness runs it, or `None` for set-up lines it skips.
fn command(line: &str) -> Option<String> {
    let t = line.trim();
    if t.is_empty()
        || t.starts_with('#')
        || t.starts_with("kill %")
        || t.starts_with("target/release/llmx-mock-server")
        || t.starts_with("cargo run --release -p llmx-mock")
    {
        return None;
    }
    if let Some(rest) = t.strip_prefix("cargo run --release -- ") {
        return Some(format!("llmx {rest}"));
    }
    if t.starts_with("cargo ") {
        return None;
    }
    Some(t.replace("target/release/llmx ", "llmx "))
}

/// The exit code a line's `# exit N` comment names, else 0.
fn expected_exit(line: &str) -> i32 {
    line.rsplit_once("# exit ")
        .and_then(|(_, n)| n.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Lines joined where they end in `\`.
fn logical(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cont = false;
    for l in lines {
        let piece = l.trim_end();
        let (piece, more) = match piece.strip_suffix('\\') {
            Some(p) => (p, true),
            None => (piece, false),
        };
        if cont {
            if let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(piece.trim());
            }
        } else {
            out.push(piece.to_string());
        }
        cont = more;
    }
    out
}

/// Output with what differs run to run taken out: run ids, every number, runs of spaces
/// and of rule characters, trailing blank lines.
fn normalize(text: &str) -> String {
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| {
            let words: Vec<String> = line
                .split(' ')
                .map(|w| {
                    let id = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                    if id.len() == 12 && id.chars().all(|c| c.is_ascii_hexdigit()) {
                        w.replace(id, "<id>")
                    } else {
                        w.to_string()
                    }
                })
                .collect();
            let line = words.join(" ");
            let mut out = String::new();
            let mut prev = '\0';
            for c in line.chars() {
                let c = if c.is_ascii_digit() { '0' } else { c };
                let squeeze = (c == '0' && prev == '0') || (c == ' ' && prev == ' ');
                let rule = c == '─' && prev == '─';
                if !squeeze && !rule {
                    out.push(c);
                }
                prev = c;
            }
            out.trim_end().to_string()
        })
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

struct Page {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    _server: Option<MockServer>,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

impl Page {
    fn new(mock: Option<&str>) -> Page {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["prompts", "examples"] {
            copy_dir(&Path::new(ROOT).join(sub), &dir.path().join(sub));
        }
        let config: MockConfig = match mock {
            Some(file) => {
                let text = std::fs::read_to_string(Path::new(ROOT).join(file)).unwrap();
                serde_json::from_str(&text).unwrap()
            }
            None => MockConfig::default(),
        };
        let server = MockServer::start(config).unwrap();
        let url = server.url();
        let bin = Path::new(env!("CARGO_BIN_EXE_llmx")).parent().unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut env: Vec<(String, String)> = vec![
            ("HOME".into(), dir.path().display().to_string()),
            ("PATH".into(), path),
            ("COLUMNS".into(), COLUMNS.into()),
            ("LLMX_NO_KEYRING".into(), "1".into()),
        ];
        // Every built-in provider at the mock server (OpenAI-style ones with `/v1`), each
        // with a fake key in its first key variable.
        for p in llmx_core::provider::Registry::builtin().all() {
            if p.is_offline() {
                continue;
            }
            let base = if p.dialect.wire().name() == "openai" {
                format!("{url}/v1")
            } else {
                url.clone()
            };
            env.push((p.base_url_env(), base));
            if let Some(var) = p.key_env.first() {
                env.push((var.clone(), format!("fake-{}-key", p.id)));
            }
        }
        Page {
            dir,
            env,
            _server: Some(server),
        }
    }

    fn port(&self) -> String {
        let url = &self
            .env
            .iter()
            .find(|(k, _)| k == "LLMX_GEMINI_BASE_URL")
            .unwrap()
            .1;
        url.rsplit(':').next().unwrap().to_string()
    }

    fn sh(&self, script: &str) -> (i32, String) {
        let script = script.replace(PORT_IN_DOCS, &self.port());
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("exec 2>&1\n{script}"))
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        // The page shows the port it names, not the harness's.
        let text = String::from_utf8_lossy(&out.stdout).replace(&self.port(), PORT_IN_DOCS);
        (out.status.code().unwrap_or(-1), text)
    }
}

/// Run one page's blocks; with `update`, the console outputs are replaced by what ran.
fn run_page(file: &Path, update: bool) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let blocks = parse(&text);
    let name = file
        .strip_prefix(ROOT)
        .unwrap_or(file)
        .display()
        .to_string();
    let mut problems = Vec::new();
    let mut pages: Vec<(Option<String>, Page)> = Vec::new();
    let mut new_text: Vec<String> = text.lines().map(str::to_string).collect();
    // (first body line, body length, new body), applied last to first at the end.
    let mut rewrites: Vec<(usize, usize, Vec<String>)> = Vec::new();
    for b in &blocks {
        if b.skip.is_some() || !matches!(b.lang.as_str(), "sh" | "console") {
            continue;
        }
        if pages.last().is_none_or(|(m, _)| *m != b.mock) {
            pages.push((b.mock.clone(), Page::new(b.mock.as_deref())));
        }
        let page = &pages.last().unwrap().1;
        if b.lang == "sh" {
            let mut script = String::new();
            for line in logical(&b.body) {
                let Some(cmd) = command(&line) else { continue };
                let want = expected_exit(&line);
                script.push_str(&format!(
                    "{cmd}\nrc=$?; if [ \"$rc\" != {want} ]; then echo \"docs: exit $rc, not {want}: {}\"; exit 101; fi\n",
                    cmd.replace(['"', '`', '$', '\\'], "'")
                ));
            }
            let (code, out) = page.sh(&script);
            if code != 0 {
                problems.push(format!("{name}:{}: {out}", b.line));
            }
            continue;
        }
        // console: `$ command`, then what it prints.
        let mut k = 0;
        let mut rewritten: Vec<String> = Vec::new();
        while k < b.body.len() {
            let Some(cmd) = b.body[k].strip_prefix("$ ") else {
                rewritten.push(b.body[k].clone());
                k += 1;
                continue;
            };
            let cmd = cmd.to_string();
            k += 1;
            let mut expected = Vec::new();
            while k < b.body.len() && !b.body[k].starts_with("$ ") {
                expected.push(b.body[k].clone());
                k += 1;
            }
            rewritten.push(format!("$ {cmd}"));
            let Some(run) = command(&cmd) else {
                rewritten.extend(expected);
                continue;
            };
            let (code, out) = page.sh(&run);
            let want = expected_exit(&cmd);
            if code != want {
                problems.push(format!(
                    "{name}:{}: `{cmd}` exited {code}, not {want}:\n{out}",
                    b.line
                ));
            }
            if update {
                rewritten.extend(out.trim_end().lines().map(str::to_string));
            } else if normalize(&out) != normalize(&expected.join("\n")) {
                problems.push(format!(
                    "{name}:{}: `{cmd}` printed\n{out}\n--- the page shows\n{}\n--- (LLMX_UPDATE_DOCS=1 rewrites it)",
                    b.line,
                    expected.join("\n")
                ));
            }
        }
        if update {
            // The fence is line `b.line` (1-based): the body starts at that index.
            rewrites.push((b.line, b.body.len(), rewritten));
        }
    }
    if update {
        for (start, len, body) in rewrites.into_iter().rev() {
            new_text.splice(start..start + len, body);
        }
        let mut t = new_text.join("\n");
        t.push('\n');
        std::fs::write(file, t).unwrap();
    }
    problems
}

fn pages() -> Vec<PathBuf> {
    let mut out = vec![Path::new(ROOT).join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    out.extend(docs);
    out
}

#[test]
fn every_command_in_the_readme_and_docs_runs_and_prints_what_the_page_shows() {
    let update = std::env::var_os("LLMX_UPDATE_DOCS").is_some();
    let mut problems = Vec::new();
    let mut ran = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        ran += parse(&text)
            .iter()
            .filter(|b| b.skip.is_none() && matches!(b.lang.as_str(), "sh" | "console"))
            .count();
        problems.extend(run_page(&page, update));
    }
    assert!(ran >= 20, "only {ran} blocks ran");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn every_skipped_block_says_why_and_every_code_block_is_typed() {
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for b in parse(&text) {
            if let Some(why) = &b.skip {
                assert!(why.len() > 10, "{}:{}: say why", page.display(), b.line);
            }
            assert!(
                !b.lang.is_empty(),
                "{}:{}: a code block without a language (sh, console, toml, text, ...)",
                page.display(),
                b.line
            );
        }
    }
}

#[test]
fn normalizing_keeps_words_and_drops_numbers() {
    assert_eq!(
        normalize("mock/fast@100  ok   0.24s  487.1  $0.0021\nrun 375d364894f6 ────\n\n"),
        normalize("mock/fast@100 ok 1.5s 12.0 $0.01\nrun aaaaaaaaaaaa ──")
    );
    assert_ne!(normalize("ok 1s"), normalize("failed 1s"));
}

#[test]
fn the_mock_servers_help_is_what_its_page_shows() {
    let page = std::fs::read_to_string(Path::new(ROOT).join("docs/mock-server.md")).unwrap();
    assert!(
        page.contains(llmx_mock::HELP),
        "docs/mock-server.md: paste `llmx-mock-server --help`"
    );
}

/// A heading's anchor as GitHub makes it.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let Some(end) = rest.find(')') else { continue };
            let target = &rest[..end];
            if target.starts_with("http") || target.starts_with("mailto:") || target.contains(' ') {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            let path = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            if !path.exists() {
                broken.push(format!("{}: {target}", page.display()));
                continue;
            }
            if !anchor.is_empty() {
                let body = std::fs::read_to_string(&path).unwrap_or_default();
                let found = body
                    .lines()
                    .filter_map(|l| l.strip_prefix('#'))
                    .map(|h| slug(h.trim_start_matches('#')))
                    .any(|s| s == anchor);
                if !found {
                    broken.push(format!("{}: {target} (no such heading)", page.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

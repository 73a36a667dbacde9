//! What a person sees in a real terminal: the README's first command under a pseudo-terminal
//! with colour on, read back through a terminal emulator (vt100) the way a screen shows it;
//! and `--color`, `NO_COLOR` and `CLICOLOR_FORCE` deciding whether escapes are written at all.

use crate::support::World;

/// The README's first command, with the prompt file from the repository.
fn readme_compare() -> Vec<String> {
    let prompt = concat!(env!("CARGO_MANIFEST_DIR"), "/prompts/reasoning-puzzle.md");
    ["compare", "-m", "mock/fast@100,mock/slow@400", prompt]
        .map(String::from)
        .to_vec()
}

/// Every escape sequence in `bytes` is a CSI sequence (SGR colour, or the progress display's
/// cursor moves and line clears): no OSC, no bare ESC, no caret text standing for one.
fn assert_only_csi(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.contains("^["), "escape shown as text:\n{text}");
    let mut rest = &text[..];
    while let Some(i) = rest.find('\u{1b}') {
        let seq = &rest[i + 1..];
        assert!(seq.starts_with('['), "not a CSI sequence: {:?}", &rest[i..]);
        let end = seq[1..]
            .find(|c: char| ('@'..='~').contains(&c))
            .unwrap_or_else(|| panic!("unterminated CSI: {:?}", &rest[i..]));
        let params = &seq[1..1 + end];
        assert!(
            params.chars().all(|c| c.is_ascii_digit() || c == ';'),
            "odd CSI parameters: {:?}",
            &rest[i..]
        );
        rest = &seq[1 + end..];
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_readme_command_is_coloured_and_fits_a_real_terminal() {
    let mut w = World::offline();
    w.set("LLMX_NO_HISTORY", "1");
    let args = readme_compare();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    for cols in [80u16, 200] {
        let rows = 100u16;
        let out = w.pty(&args, cols, rows).output().expect("run script(1)");
        let bytes = out.stdout;
        let raw = String::from_utf8_lossy(&bytes);
        // Real SGR sequences, written as such: a bold header, a green status.
        assert!(raw.contains("\x1b[1mModel"), "{cols}: {raw:?}");
        assert!(raw.contains("\x1b[32mok"), "{cols}: {raw:?}");
        assert_only_csi(&bytes);

        // What the screen shows once the run is over.
        let mut vt = vt100::Parser::new(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
            0,
        );
        vt.process(&bytes);
        let screen = vt.screen();
        let lines: Vec<String> = screen.rows(0, cols).collect();
        let header = lines
            .iter()
            .position(|l| l.starts_with("Model "))
            .unwrap_or_else(|| panic!("{cols}: no table header on screen:\n{}", lines.join("\n")));
        let total = lines
            .iter()
            .position(|l| l.starts_with("total cost "))
            .unwrap_or_else(|| panic!("{cols}: no total line:\n{}", lines.join("\n")));
        // Nothing from the progress display is left above the table.
        assert!(
            lines[..header].iter().all(|l| l.trim().is_empty()),
            "{cols}: left above the table:\n{}",
            lines[..header].join("\n")
        );
        // No line of the table was wider than the terminal: none wrapped onto the next row.
        for row in header..=total {
            assert!(
                !screen.row_wrapped(row as u16),
                "{cols}: line {row} is wider than the terminal:\n{}",
                lines.join("\n")
            );
        }
        let cell = |r: usize, c: usize| screen.cell(r as u16, c as u16).expect("cell");
        assert!(cell(header, 0).bold(), "{cols}: the header is bold");
        // The metrics lines run from the header to the first blank line.
        let metrics = header
            + lines[header..]
                .iter()
                .position(|l| l.trim().is_empty())
                .expect("a blank line after the metrics");
        assert_eq!(metrics - header, 3, "{cols}: header and two models");
        for (r, line) in lines.iter().enumerate().take(metrics).skip(header + 1) {
            {
                let c = line.find(" ok ").expect("status") + 1;
                assert_eq!(
                    cell(r, c).fgcolor(),
                    vt100::Color::Idx(2),
                    "{cols}: `ok` is green: {line}"
                );
                assert!(!cell(r, 0).bold(), "{cols}: the colour is reset: {line}");
            }
        }
        let answers: usize = lines
            .iter()
            .map(|l| l.matches("Mock answer from").count())
            .sum();
        assert!(
            answers >= 2,
            "{cols}: both answers shown:\n{}",
            lines.join("\n")
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn color_never_and_no_color_keep_a_terminal_plain() {
    let mut w = World::offline();
    w.set("LLMX_NO_HISTORY", "1");
    let base = ["compare", "-m", "mock/a,mock/b", "-p", "hi", "-q"];
    let never = [&base[..], &["--color", "never"]].concat();
    let out = w.pty(&never, 80, 40).output().unwrap().stdout;
    assert!(!out.contains(&0x1b), "{:?}", String::from_utf8_lossy(&out));
    let out = w.pty(&base, 80, 40).env("NO_COLOR", "1").output().unwrap();
    assert!(!out.stdout.contains(&0x1b));
    // An empty NO_COLOR does not count (no-color.org).
    let out = w.pty(&base, 80, 40).env("NO_COLOR", "").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b[1mModel"));
    // TERM=dumb shows escapes as text: none are sent.
    let out = w.pty(&base, 80, 40).env("TERM", "dumb").output().unwrap();
    assert!(!out.stdout.contains(&0x1b));
}

#[test]
fn color_always_and_clicolor_force_colour_a_pipe() {
    let mut w = World::offline();
    w.set("LLMX_NO_HISTORY", "1");
    let plain = w.run(&["compare", "-m", "mock/a", "-p", "hi"]);
    assert_eq!(plain.code, 0, "{plain:?}");
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "a pipe is plain by default"
    );

    let always = w.run(&["compare", "-m", "mock/a", "-p", "hi", "--color", "always"]);
    assert_eq!(always.code, 0, "{always:?}");
    assert!(always.stdout.contains("\x1b[1mModel"), "{always:?}");
    assert_only_csi(always.stdout.as_bytes());
    // The flag is global: it may come before the subcommand too.
    let before = w.run(&["--color", "always", "compare", "-m", "mock/a", "-p", "hi"]);
    assert!(before.stdout.contains("\x1b[32mok"), "{before:?}");

    w.set("CLICOLOR_FORCE", "1");
    let forced = w.run(&["compare", "-m", "mock/a", "-p", "hi"]);
    assert!(forced.stdout.contains("\x1b[1mModel"), "{forced:?}");
    let never = w.run(&["compare", "-m", "mock/a", "-p", "hi", "--color", "never"]);
    assert!(!never.stdout.contains('\u{1b}'), "--color never wins");
    w.set("NO_COLOR", "1");
    let both = w.run(&["compare", "-m", "mock/a", "-p", "hi"]);
    assert!(
        !both.stdout.contains('\u{1b}'),
        "NO_COLOR wins over CLICOLOR_FORCE"
    );

    // Colour is for the table only: CSV and JSON stay data.
    let csv = w.run(&[
        "compare", "-m", "mock/a", "-p", "hi", "--color", "always", "--format", "csv",
    ]);
    assert!(!csv.stdout.contains('\u{1b}'), "{csv:?}");
}

/// What is drawn on a terminal after the run: the screen a vt100 emulator holds once every byte
/// arrived, as lines.
#[cfg(target_os = "linux")]
fn screen(bytes: &[u8], cols: u16, rows: u16) -> (vt100::Parser, Vec<String>) {
    let mut vt = vt100::Parser::new(
        std::num::NonZeroU16::new(rows).unwrap(),
        std::num::NonZeroU16::new(cols).unwrap(),
        0,
    );
    vt.process(bytes);
    let lines = vt.screen().rows(0, cols).collect();
    (vt, lines)
}

/// Every line a program drew, progress redraws included: the text between carriage returns and
/// line feeds, escape sequences removed. None may be wider than the terminal, or it wraps.
#[cfg(target_os = "linux")]
fn drawn_lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut plain = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            continue;
        }
        plain.push(c);
    }
    plain
        .split(['\r', '\n'])
        .map(str::to_string)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_leaves_no_progress_line_above_the_table() {
    let mut w = World::offline();
    w.set("LLMX_NO_HISTORY", "1");
    // Ctrl-C typed at the terminal after a second (the fast model has answered, the slow one is
    // cut short): the terminal itself turns it into SIGINT, and would echo `^C`.
    let line = format!(
        "stty cols 80 rows 40; {} compare -m mock/fast@50,mock/slow@30000 -p hi",
        env!("CARGO_BIN_EXE_llmx")
    );
    let mut child = w
        .wrapper("script")
        .args(["-qec", &line, "/dev/null"])
        .env("TERM", "xterm-256color")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut keyboard = child.stdin.take().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    std::io::Write::write_all(&mut keyboard, b"\x03").unwrap();
    let out = child.wait_with_output().unwrap();
    drop(keyboard);
    let (_, lines) = screen(&out.stdout, 80, 40);
    let header = lines
        .iter()
        .position(|l| l.starts_with("Model "))
        .unwrap_or_else(|| panic!("no table:\n{}", lines.join("\n")));
    assert!(
        lines[..header].iter().all(|l| l.trim().is_empty()),
        "left above the table:\n{}",
        lines.join("\n")
    );
    let all = lines.join("\n");
    assert!(
        !all.contains("waiting") && !all.contains("streaming"),
        "{all}"
    );
    assert!(all.contains("interrupted"), "{all}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_bench_progress_line_fits_the_terminal() {
    let mut w = World::offline();
    w.set("LLMX_NO_HISTORY", "1");
    let prompts: String = (0..40)
        .map(|i| format!("{{\"id\": \"p{i}\", \"prompt\": \"question {i}\"}}\n"))
        .collect();
    w.write("set.jsonl", prompts);
    for cols in [80u16, 60] {
        let line = format!(
            "stty cols {cols} rows 40; {} bench -m mock/a@40,mock/b@60 set.jsonl -j 4 --warmup 1 -o rows-{cols}.csv",
            env!("CARGO_BIN_EXE_llmx")
        );
        let out = w
            .wrapper("script")
            .args(["-qec", &line, "/dev/null"])
            .env("TERM", "xterm-256color")
            .output()
            .unwrap();
        let drawn = drawn_lines(&out.stdout);
        assert!(
            drawn.iter().any(|l| l.contains("/80")),
            "the bar was drawn: {drawn:#?}"
        );
        for l in &drawn {
            assert!(
                unicode_width::UnicodeWidthStr::width(l.as_str()) <= cols as usize,
                "{cols}: drawn wider than the terminal: {l:?}"
            );
        }
    }
}

/// `ask` on a terminal shows a spinner on stderr while the first token is awaited, and only the
/// answer is left on the screen; into a pipe nothing but the answer is written.
#[cfg(target_os = "linux")]
#[test]
fn ask_spins_until_the_first_token_on_a_terminal_only() {
    let mut w = World::offline();
    w.set("LLMX_NO_HISTORY", "1");
    let out = w
        .pty(&["ask", "-m", "mock/slow@700", "hello there"], 80, 20)
        .output()
        .unwrap();
    let raw = String::from_utf8_lossy(&out.stdout);
    let spin = raw
        .find("waiting for mock/slow@700")
        .expect("a spinner while waiting");
    let answer = raw.find("Mock answer").expect("the answer");
    assert!(spin < answer, "the spinner comes first: {raw:?}");
    let (_, lines) = screen(&out.stdout, 80, 20);
    let shown = lines.join("\n");
    assert!(
        !shown.contains("waiting for"),
        "the spinner is cleared:\n{shown}"
    );
    assert!(shown.trim_start().starts_with("Mock answer"), "{shown}");
    let piped = w.run(&["ask", "-m", "mock/slow@300", "hello there"]);
    assert_eq!(piped.code, 0, "{piped:?}");
    assert_eq!(piped.stderr, "", "no spinner into a pipe");
}

/// With its rows on stdout, bench writes its summary on stderr as a table, one line a row.
#[test]
fn bench_summary_on_stderr_keeps_its_lines() {
    let mut w = World::offline();
    w.set("LLMX_NO_HISTORY", "1");
    w.write(
        "set.jsonl",
        "{\"id\": \"a\", \"prompt\": \"one\"}\n{\"id\": \"b\", \"prompt\": \"two\"}\n",
    );
    let out = w.run(&["bench", "-m", "mock/x,mock/y", "set.jsonl"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("run_id,"), "rows on stdout: {out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("model "))
        .unwrap_or_else(|| panic!("{}", out.stderr));
    assert!(lines[header + 1].starts_with("mock/x "), "{}", out.stderr);
    assert!(lines[header + 2].starts_with("mock/y "), "{}", out.stderr);
}

/// `compare -` with a terminal for stdin says it is reading the prompt there, and how to end it.
#[cfg(target_os = "linux")]
#[test]
fn reading_the_prompt_from_a_terminal_says_so() {
    let mut w = World::offline();
    w.set("LLMX_NO_HISTORY", "1");
    let mut child = w
        .pty(&["compare", "-m", "mock/a", "-", "-q"], 80, 20)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut keyboard = child.stdin.take().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::io::Write::write_all(&mut keyboard, b"typed prompt\n\x04").unwrap();
    let out = child.wait_with_output().unwrap();
    drop(keyboard);
    let raw = String::from_utf8_lossy(&out.stdout);
    assert!(
        raw.contains("reading the prompt from stdin (the terminal); end it with Ctrl-D"),
        "{raw}"
    );
    assert!(
        raw.contains("has 2 words"),
        "the typed prompt was read: {raw}"
    );
}

/// A batched run's bar counts cells per provider, as each provider's batches end.
#[cfg(target_os = "linux")]
#[test]
fn the_batch_progress_line_counts_cells_per_provider() {
    let w = World::with_server(serde_json::json!({"batch": {"finish_ms": 900}}));
    w.write(
        "set.jsonl",
        "{\"id\": \"a\", \"prompt\": \"one\"}\n{\"id\": \"b\", \"prompt\": \"two\"}\n{\"id\": \"c\", \"prompt\": \"three\"}\n",
    );
    let out = w
        .pty(
            &[
                "bench",
                "--batch",
                "-m",
                "openai/gpt-4o-mini,anthropic/claude-sonnet-4-5",
                "set.jsonl",
                "-o",
                "rows.csv",
                "--poll-interval",
                "0.1",
            ],
            100,
            40,
        )
        .output()
        .unwrap();
    let drawn = drawn_lines(&out.stdout);
    assert!(
        drawn
            .iter()
            .any(|l| l.contains("0/6 · openai 0/3 · anthropic 0/3 · 0 errors · $0 spent")),
        "the bar counts each provider's cells: {drawn:#?}"
    );
    for l in &drawn {
        assert!(
            unicode_width::UnicodeWidthStr::width(l.as_str()) <= 100,
            "drawn wider than the terminal: {l:?}"
        );
    }
}

//! The errors people hit first: one line on stderr, exit 2, and nothing sent.

use serde_json::json;

use crate::support::*;

fn assert_usage_error(w: &World, out: &Out, expected: &str) {
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    let line = out.stderr.trim_end();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(line.starts_with("error: "), "{line}");
    assert!(line.contains(expected), "expected `{expected}` in: {line}");
    assert!(w.requests().is_empty(), "nothing may be sent");
}

#[test]
fn every_first_hit_error_is_one_line_exit_2_and_sends_nothing() {
    let mut w = World::with_server(json!({}));
    w.write("latin1.txt", b"caf\xe9 au lait");
    w.write("empty.txt", "  \n\n");
    let cases: &[(&[&str], &str)] = &[
        (
            &["compare", "-m", "gpt", "missing.txt"],
            "prompt file `missing.txt` not found",
        ),
        (
            &["compare", "-m", "gpt", "empty.txt"],
            "prompt file `empty.txt` is empty",
        ),
        (&["compare", "-m", "gpt", "-p", ""], "the prompt is empty"),
        (&["compare", "-m", "gpt"], "no prompt: pass a PROMPT_FILE"),
        (
            &["compare", "-m", "gpt", "latin1.txt"],
            "`latin1.txt` is not UTF-8 text",
        ),
        (
            &["compare", "-m", "gpt,claud", "-p", "x"],
            "unknown model `claud`; did you mean `claude`?",
        ),
        (
            &["compare", "-m", "opnai/gpt-4o", "-p", "x"],
            "unknown provider `opnai`",
        ),
        (
            &["compare", "-m", "gpt,nosuch/model", "-p", "x"],
            "known providers: openai, anthropic, gemini",
        ),
        (
            &["compare", "-m", "gpt", "-p", "x", "--system", "@nope.txt"],
            "system prompt file `nope.txt` not found",
        ),
        (
            &["compare", "-m", "gpt", "-p", "x", "-o", "no/dir/out.csv"],
            "directory `no/dir` does not exist",
        ),
        (
            &["compare", "-m", "gpt", "-p", "x", "-o", "out.xyz"],
            "add --format",
        ),
        (&["ask", "-m", "claud", "x"], "did you mean `claude`?"),
        (&["ask", "-m", "gpt"], "no prompt"),
    ];
    for (args, expected) in cases {
        let out = w.run(args);
        assert_usage_error(&w, &out, expected);
    }

    w.unset("ANTHROPIC_API_KEY");
    let out = w.run(&["compare", "-m", "claude", "-p", "x"]);
    assert_usage_error(&w, &out, "no API key for anthropic: set ANTHROPIC_API_KEY");
    let out = w.run(&["ask", "-m", "claude", "x"]);
    assert_usage_error(&w, &out, "no API key for anthropic: set ANTHROPIC_API_KEY");
}

#[test]
fn bad_flag_values_exit_2_naming_the_flag() {
    let w = World::with_server(json!({}));
    for (args, flag) in [
        (
            &["compare", "-m", "gpt", "-p", "x", "--temperature", "hot"][..],
            "--temperature",
        ),
        (
            &["compare", "-m", "gpt", "-p", "x", "--timeout=-1"],
            "--timeout",
        ),
        (
            &["compare", "-m", "gpt", "-p", "x", "-j", "0"],
            "--concurrency",
        ),
        (
            &["compare", "-m", "gpt", "-p", "x", "--format", "xml"],
            "--format",
        ),
        (&["compare", "-p", "x"], "no models: name some with -m"),
    ] {
        let out = w.run(args);
        assert_eq!(out.code, 2, "{args:?} {out:?}");
        assert!(out.stderr.contains(flag), "{args:?}: {}", out.stderr);
        assert!(w.requests().is_empty());
    }
}

#[test]
fn help_documents_exit_codes_and_version_prints() {
    let w = World::offline();
    for args in [&["--help"][..], &["compare", "--help"], &["ask", "--help"]] {
        let out = w.run(args);
        assert_eq!(out.code, 0, "{out:?}");
        for line in [
            "0    every model answered",
            "1    at least one model failed",
            "2    usage or configuration error",
            "130  interrupted",
            "143  terminated",
            "129  hung up",
        ] {
            assert!(out.stdout.contains(line), "{args:?} lacks `{line}`");
        }
    }
    let out = w.run(&["--version"]);
    assert_eq!(out.stdout, format!("llmx {}\n", env!("CARGO_PKG_VERSION")));
}

/// The small things a new user met: ask's default model, one model for ask, a size flag
/// speaking of MiB, an unknown extension's hint naming html, bench -q quiet.
#[test]
fn small_things_read_right() {
    let mut w = World::offline();
    w.set("LLMX_NO_HISTORY", "1");
    let out = w.run(&["ask", "hi"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: no model to ask: name one with -m (e.g. -m claude), or set defaults.ask_model \
         (or defaults.models) in the config file\n"
    );
    w.config("[defaults]\nmodels = [\"mock/first\", \"mock/second\"]\n");
    let out = w.run(&["ask", "hi", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["model"], "mock/first");
    w.config("[defaults]\nmodels = [\"mock/first\"]\nask_model = \"mock/chosen\"\n");
    let out = w.run(&["ask", "hi", "--format", "json"]);
    assert_eq!(out.json()["model"], "mock/chosen");
    w.set("LLMX_ASK_MODEL", "mock/env");
    let out = w.run(&["ask", "hi", "--format", "json"]);
    assert_eq!(out.json()["model"], "mock/env");
    let out = w.run(&["ask", "-m", "gpt,claude", "hi"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: ask takes one model, not `gpt,claude`; to ask several at once use compare: \
         llmx compare -m gpt,claude ...\n"
    );
    let out = w.run(&["compare", "-m", "mock/a", "-p", "x", "--max-answer-mb", "0"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("0 must be more than 0 and at most 1024 MiB"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("seconds"), "{out:?}");
    let out = w.run(&["compare", "-m", "mock/a", "-p", "x", "-o", "out.xlsx"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(".html") && out.stderr.contains("html|"),
        "{out:?}"
    );
    w.write("set.jsonl", "{\"id\": \"a\", \"prompt\": \"one\"}\n");
    let out = w.run(&["bench", "-m", "mock/a", "set.jsonl", "-o", "rows.csv", "-q"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("written"), "-q: {out:?}");
    let out = w.run(&["bench", "-m", "mock/a", "set.jsonl", "-o", "rows2.csv"]);
    assert!(
        out.stderr.contains("1 row written to `rows2.csv`"),
        "{out:?}"
    );
}

//! Keys, the config file, custom providers, precedence, the plain-HTTP guard, and a sentinel
//! key that must never leak.

use serde_json::{json, Value};

use crate::support::*;

#[test]
fn a_custom_provider_from_config_is_used_like_a_builtin() {
    let mut w = World::with_server(json!({
        "models": {"qwen2.5": {"text": "custom answer", "input_tokens": 3, "output_tokens": 2}}
    }));
    let url = w.requests_url();
    w.config(&format!(
        "[providers.mybox]\ndialect = \"openai\"\nbase_url = \"{url}/v1\"\napi_key_env = \"MYBOX_KEY\"\nheaders = {{ \"x-team\" = \"research\" }}\n"
    ));
    w.set("MYBOX_KEY", "mybox-secret-0123456789");
    let out = w.run(&[
        "compare",
        "-m",
        "mybox/qwen2.5",
        "-p",
        "hello",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let row = &out.json()[0];
    assert_eq!(row["provider"], "mybox");
    assert_eq!(row["output"], "custom answer");
    assert_eq!(
        row["cost_usd"],
        Value::Null,
        "no price for a custom model: unknown, not 0"
    );
    let r = &w.requests()[0];
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(r.header("x-team"), Some("research"));
    assert_eq!(
        r.header("authorization"),
        Some("Bearer mybox-secret-0123456789")
    );
    assert!(!out.stdout.contains("mybox-secret"));

    // Without its key env var set, the custom provider asks for it by name.
    w.unset("MYBOX_KEY");
    let out = w.run(&["ask", "-m", "mybox/qwen2.5", "hi"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("set MYBOX_KEY"), "{}", out.stderr);
}

#[test]
fn user_aliases_and_default_models() {
    let mut w = World::with_server(json!({"models": {"gpt-4o": {"text": "four-o"}}}));
    w.config(
        "[defaults]\nmodels = [\"fast\", \"mock/b\"]\n\n[aliases]\nfast = \"openai/gpt-4o\"\n",
    );
    let out = w.run(&["compare", "-p", "x", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let rows = out.json();
    assert_eq!(rows[0]["model"], "fast");
    assert_eq!(rows[0]["model_id"], "gpt-4o");
    assert_eq!(rows[0]["output"], "four-o");
    assert_eq!(rows[1]["model"], "mock/b");
    assert_eq!(w.requests()[0].json()["model"], "gpt-4o");
    let listed = w.run(&["models", "--search", "fast", "--format", "json"]);
    assert!(
        listed
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "gpt-4o"),
        "{listed:?}"
    );
}

#[test]
fn flags_beat_env_beat_config() {
    let mut w = World::with_server(json!({}));
    w.config("[defaults]\ntemperature = 0.2\nmax_tokens = 50\n\n[providers.openai]\nbase_url = \"http://127.0.0.1:9/v1\"\n");
    let temp = |w: &World| w.requests().last().unwrap().json()["temperature"].as_f64();
    // The config's base URL is a dead port; the env var wins over it.
    let url = format!("{}/v1", w.requests_url());
    w.set("LLMX_OPENAI_BASE_URL", &url);
    let out = w.run(&["ask", "-m", "openai/gpt-4o", "x"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(temp(&w), Some(0.2), "config");
    assert_eq!(
        w.requests().last().unwrap().json()["max_completion_tokens"],
        50
    );
    w.set("LLMX_TEMPERATURE", "0.5");
    w.run(&["ask", "-m", "openai/gpt-4o", "x"]);
    assert_eq!(temp(&w), Some(0.5), "env over config");
    w.run(&["ask", "-m", "openai/gpt-4o", "x", "--temperature", "0.9"]);
    assert_eq!(temp(&w), Some(0.9), "flag over env");
    // And the config's base URL is used when no env var overrides it.
    w.unset("LLMX_OPENAI_BASE_URL");
    let out = w.run(&["ask", "-m", "openai/gpt-4o", "x", "--retries", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("127.0.0.1:9"), "{}", out.stderr);
}

#[test]
fn a_bad_config_is_one_line_naming_file_and_line() {
    let mut w = World::offline();
    let path = w.config("[defaults]\ntemperature = 0.3\nmodles = [\"gpt\"]\n");
    for args in [
        &["compare", "-m", "mock/a", "-p", "x"][..],
        &["models"],
        &["keys", "list"],
    ] {
        let out = w.run(args);
        assert_eq!(out.code, 2, "{out:?}");
        let line = out.stderr.trim_end();
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.starts_with(&format!(
                "error: config `{}` line 3: unknown field `modles`",
                path.display()
            )),
            "{line}"
        );
    }
    w.config("[defaults]\ntemperature = \"warm\"\n");
    let out = w.run(&["compare", "-m", "mock/a", "-p", "x"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("line 2"), "{}", out.stderr);
    // `config path` and `config init` still work with a broken file.
    let out = w.run(&["config", "path"]);
    assert_eq!(out.stdout.trim(), path.display().to_string());
    let out = w.run(&["config", "init"]);
    assert_eq!(out.code, 2, "refuses to overwrite: {out:?}");
    assert!(out.stderr.contains("already exists"));
}

#[test]
fn config_init_then_show() {
    let mut w = World::offline();
    let path = w.path("fresh/config.toml");
    w.set("LLMX_CONFIG", &path.display().to_string());
    let out = w.run(&["config", "init"]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[providers.mybox]"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let out = w.run(&["config", "show"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with(&format!("# {}", path.display())));
}

#[test]
fn keys_set_from_stdin_then_list_masked_and_used() {
    let mut w = World::with_server(json!({"models": {"gpt-4o": {"text": "keyed by keyring"}}}));
    w.unset("OPENAI_API_KEY");
    let store = w.test_keyring();
    let key = "sk-keyring-test-abcdefghijklmnop";
    let out = w.run_stdin(
        &["keys", "set", "openai"],
        Some(format!("{key}\n").as_bytes()),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("stored the openai key (sk-…mnop)"),
        "{}",
        out.stderr
    );
    assert!(
        std::fs::read_to_string(&store).unwrap().contains(key),
        "stored in the test store"
    );
    let out = w.run(&["keys", "list"]);
    assert_eq!(out.code, 0, "{out:?}");
    let openai = out
        .stdout
        .lines()
        .find(|l| l.starts_with("openai "))
        .unwrap();
    assert!(
        openai.contains("keyring") && openai.contains("sk-…mnop"),
        "{openai}"
    );
    assert!(!out.stdout.contains(key));
    let anthropic = out
        .stdout
        .lines()
        .find(|l| l.starts_with("anthropic "))
        .unwrap();
    assert!(anthropic.contains("env ANTHROPIC_API_KEY"), "{anthropic}");

    let out = w.run(&["ask", "-m", "openai/gpt-4o", "hi"]);
    assert_eq!(out.stdout, "keyed by keyring\n", "{out:?}");
    assert_eq!(
        w.requests()[0].header("authorization"),
        Some(format!("Bearer {key}").as_str())
    );

    // The env var wins over the keyring.
    w.set("OPENAI_API_KEY", OPENAI_KEY);
    w.run(&["ask", "-m", "openai/gpt-4o", "hi"]);
    assert_eq!(
        w.requests()[1].header("authorization"),
        Some(format!("Bearer {OPENAI_KEY}").as_str())
    );

    let out = w.run(&["keys", "remove", "openai"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = w.run(&["keys", "remove", "openai"]);
    assert_eq!(out.code, 2, "nothing left to remove: {out:?}");
    let out = w.run_stdin(&["keys", "set", "opnai"], Some(b"sk-x"));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("did you mean `openai`?"));
    let out = w.run_stdin(&["keys", "set", "openai"], Some(b"\n"));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no key given"));
}

#[test]
fn keys_are_never_sent_over_plain_http_to_another_host() {
    let mut w = World::offline();
    let path = w.config("[providers.openai]\nbase_url = \"http://10.0.0.5:8000/v1\"\n\n[providers.lanbox]\ndialect = \"openai\"\nbase_url = \"http://10.0.0.6:8000/v1\"\n");
    w.set("OPENAI_API_KEY", OPENAI_KEY);
    let out = w.run(&["ask", "-m", "openai/gpt-4o", "hi"]);
    assert_eq!(out.code, 2, "{out:?}");
    let line = out.stderr.trim_end();
    assert!(
        line.contains(
            "refusing to send openai credentials over plain http to http://10.0.0.5:8000/v1"
        ),
        "{line}"
    );
    assert!(
        line.contains(&format!("providers.openai.base_url in {}", path.display())),
        "{line}"
    );
    // A keyless server on the LAN is fine (it just is not there).
    let out = w.run(&[
        "ask",
        "-m",
        "lanbox/qwen",
        "hi",
        "--connect-timeout",
        "0.3",
        "--retries",
        "0",
    ]);
    assert_eq!(out.code, 1, "sent, and failed to connect: {out:?}");
    // Loopback over http is fine with a key (local servers, the tests' mock).
    w.set("LLMX_OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
    let out = w.run(&["ask", "-m", "openai/gpt-4o", "hi", "--retries", "0"]);
    assert_eq!(out.code, 1, "{out:?}");
}

#[cfg(unix)]
#[test]
fn a_config_holding_a_key_readable_by_others_draws_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let mut w = World::offline();
    let p = w.config("[providers.openai]\napi_key = \"sk-config-key-0123456789\"\n");
    let out = w.run(&["keys", "list"]);
    assert!(!out.stderr.contains("warning"), "{out:?}");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = w.run(&["keys", "list"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr
            .contains("holds an API key and is readable by other users; run: chmod 600"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.lines().any(|l| l.starts_with("openai ")
            && l.contains("config file")
            && l.contains("sk-…6789")),
        "{}",
        out.stdout
    );
}

/// Every subcommand, successful and failing, with a sentinel key in every key source: the
/// sentinel must never appear in stdout, stderr or any file llmx writes.
#[test]
fn sentinel_keys_never_leak() {
    const S_ENV: &str = "sk-SENTINEL-env-0000111122223333";
    const S_RING: &str = "sk-ant-SENTINEL-ring-444455556666";
    const S_CONF: &str = "AIzaSENTINELconf7777888899990000";
    const S_NEW: &str = "sk-SENTINEL-new-aaaabbbbccccdddd";
    let catalog = format!(
        "{}/tests/fixtures/real/openrouter/models_catalog.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut w = World::with_server(json!({
        "models": {
            "gpt-4o": {"text": "fine"},
            "echo-key": {"failures": vec![json!({"kind": "status", "status": 401,
                "message": format!("Incorrect API key provided: {S_ENV}")}); 10]},
            "claude-haiku-4-5": {"text": "also fine"}
        },
        "replays": [{"path": "/api/v1/models", "file": catalog}]
    }));
    let url = w.requests_url();
    w.set("OPENAI_API_KEY", S_ENV);
    w.unset("ANTHROPIC_API_KEY");
    w.unset("GEMINI_API_KEY");
    let ring = w.test_keyring();
    std::fs::write(&ring, format!("{{\"anthropic\":\"{S_RING}\"}}")).unwrap();
    let conf = w.config(&format!("[providers.gemini]\napi_key = \"{S_CONF}\"\n"));
    w.set("LLMX_OPENROUTER_BASE_URL", &format!("{url}/api/v1"));
    w.set("LLMX_CACHE_DIR", &w.path("cache").display().to_string());
    let runs: Vec<(Vec<&str>, Option<String>)> = vec![
        (
            vec![
                "compare",
                "-m",
                "openai/gpt-4o,anthropic/claude-haiku-4-5,gemini/gemini-2.5-flash",
                "-p",
                "x",
            ],
            None,
        ),
        (
            vec![
                "compare",
                "-m",
                "openai/echo-key,openai/gpt-4o",
                "-p",
                "x",
                "--format",
                "json",
            ],
            None,
        ),
        (
            vec![
                "compare",
                "-m",
                "openai/echo-key",
                "-p",
                "x",
                "--format",
                "csv",
                "-o",
                "out.csv",
            ],
            None,
        ),
        (
            vec![
                "compare",
                "-m",
                "openai/gpt-4o",
                "-p",
                "x",
                "-o",
                "out.json",
            ],
            None,
        ),
        (
            vec!["compare", "-m", "openai/gpt-4o", "-p", "x", "-o", "out.md"],
            None,
        ),
        (
            vec![
                "compare",
                "-m",
                "openai/gpt-4o",
                "-p",
                "x",
                "--format",
                "jsonl",
                "--max-cost",
                "0.000000001",
                "--max-tokens",
                "10",
            ],
            None,
        ),
        (vec!["compare", "-m", "nosuch/model", "-p", "x"], None),
        (vec!["ask", "-m", "openai/echo-key", "x", "--stats"], None),
        (
            vec![
                "ask",
                "-m",
                "anthropic/claude-haiku-4-5",
                "x",
                "--format",
                "json",
            ],
            None,
        ),
        (vec!["ask", "-m", "openai/gpt-4o", "x", "--stats"], None),
        (
            vec!["models", "--refresh", "--provider", "openrouter"],
            None,
        ),
        (vec!["models", "--format", "csv"], None),
        (vec!["keys", "list"], None),
        (vec!["keys", "path"], None),
        (vec!["keys", "set", "openai"], Some(format!("{S_NEW}\n"))),
        (vec!["keys", "list"], None),
        (vec!["keys", "set", "openai"], Some("has space\n".into())),
        (vec!["keys", "remove", "openai"], None),
        (vec!["keys", "remove", "nosuch"], None),
        (vec!["config", "path"], None),
        (vec!["config", "show"], None),
        (vec!["completions", "bash"], None),
        (vec!["--help"], None),
        (
            vec!["compare", "--temperature", "9", "-m", "gpt", "-p", "x"],
            None,
        ),
    ];
    for (args, stdin) in &runs {
        let out = w.run_stdin(args, stdin.as_deref().map(str::as_bytes));
        for s in [S_ENV, S_RING, S_CONF, S_NEW] {
            assert!(
                !out.stdout.contains(s),
                "{args:?} leaked into stdout:\n{}",
                out.stdout
            );
            assert!(
                !out.stderr.contains(s),
                "{args:?} leaked into stderr:\n{}",
                out.stderr
            );
        }
    }
    // Every file llmx wrote (outputs, caches), and none of the sources' neighbours.
    let mut written = 0;
    let mut stack = vec![w.dir.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p == ring || p == conf {
                continue;
            }
            written += 1;
            let bytes = std::fs::read(&p).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for s in [S_ENV, S_RING, S_CONF, S_NEW] {
                assert!(!text.contains(s), "{} holds a key", p.display());
            }
        }
    }
    assert!(
        written >= 5,
        "outputs and caches were written and checked ({written})"
    );
    // The 401 that echoed the key was scrubbed, not dropped.
    let out = w.run(&["ask", "-m", "openai/echo-key", "x"]);
    assert!(
        out.stderr
            .contains("Incorrect API key provided: [redacted]"),
        "{}",
        out.stderr
    );
}

/// The README's first command must be quiet and never wait on a keyring, even with the OS
/// keyring on: the offline mock never looks for a key.
#[test]
fn the_mock_provider_never_consults_a_key_store() {
    let mut w = World::offline();
    let store = w.test_keyring();
    // A corrupt store makes any lookup print the one-line "no keyring" note.
    std::fs::write(&store, "not json at all").unwrap();
    let out = w.run(&["keys", "list"]);
    assert!(
        out.stderr.contains("note: the OS keyring failed"),
        "{out:?}"
    );
    let out = w.run(&[
        "compare",
        "-m",
        "mock/fast@10,mock/slow@20",
        "-p",
        "hello",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr, "", "no keyring note for the mock");
}

#[test]
fn the_no_keyring_notice_is_shown_once_not_on_every_run() {
    let mut w = World::with_server(json!({}));
    w.unset("OPENAI_API_KEY");
    let store = w.test_keyring();
    std::fs::write(&store, "not json at all").unwrap();
    let run = |w: &World| w.run(&["compare", "-m", "openai/a", "-p", "x", "--format", "json"]);
    let first = run(&w);
    assert_eq!(
        first
            .stderr
            .matches("keys come from env vars and the config file")
            .count(),
        1,
        "{first:?}"
    );
    let second = run(&w);
    assert!(!second.stderr.contains("keyring"), "{second:?}");
    assert_eq!(second.code, first.code, "the same run otherwise");
    // `llmx keys` is about keys: it always says so.
    let keys = w.run(&["keys", "list"]);
    assert!(
        keys.stderr.contains("note: the OS keyring failed"),
        "{keys:?}"
    );
}

#[test]
fn the_keyring_is_asked_at_most_once_per_provider_per_run() {
    let mut w = World::with_server(json!({}));
    w.unset("OPENAI_API_KEY");
    w.unset("ANTHROPIC_API_KEY");
    let store = w.test_keyring();
    std::fs::write(
        &store,
        json!({"openai": OPENAI_KEY, "anthropic": ANTHROPIC_KEY}).to_string(),
    )
    .unwrap();
    // Five rows, two providers, fallbacks and a repeated model.
    let out = w.run(&[
        "compare",
        "-m",
        "openai/a,openai/b,anthropic/c|openai/d,anthropic/e,openai/a",
        "-p",
        "x",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json().as_array().unwrap().len(), 5);
    let log = std::fs::read_to_string(format!("{}.log", store.display())).unwrap();
    let mut gets: Vec<&str> = log.lines().collect();
    gets.sort();
    assert_eq!(gets, ["get anthropic", "get openai"], "{log}");
    // Every request carried the key from the store.
    for r in w.requests() {
        let auth = r.header("authorization").or(r.header("x-api-key"));
        assert!(
            auth.is_some_and(|a| a.ends_with(OPENAI_KEY) || a == ANTHROPIC_KEY),
            "{:?}",
            r.headers
        );
    }
}

#[test]
fn man_pages_exist_for_every_subcommand() {
    let w = World::offline();
    let out = w.run(&["man", "compare"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(".TH llmx-compare 1"), "{}", out.stdout);
    let dir = w.path("man1");
    let out = w.run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for sub in [
        "compare",
        "ask",
        "bench",
        "history",
        "usage",
        "leaderboard",
        "models",
        "keys",
    ] {
        let page = format!("llmx-{sub}.1");
        assert!(files.contains(&page), "{page} missing: {files:?}");
        // llmx(1) refers to it, and it exists.
        let top = std::fs::read_to_string(dir.join("llmx.1")).unwrap();
        assert!(top.contains(&format!("llmx\\-{sub}(1)")), "{top}");
    }
    assert!(
        files.iter().all(|f| f.ends_with(".1")),
        "no temp files left: {files:?}"
    );
    let out = w.run(&["man", "nope"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "error: no man page for `llmx nope`; `llmx --help` lists the commands"
    );
}

/// A system without a keyring (no D-Bus session): one short line says so, once; no platform
/// internals anywhere; no advice to run `llmx keys set`, which cannot work there; `keys set`
/// fails before asking for the key, in one line naming what does work.
#[test]
fn without_a_keyring_the_messages_are_short_and_true() {
    let mut w = World::offline();
    w.no_dbus_keyring();
    let first = w.run(&["compare", "-m", "gpt", "-p", "hi"]);
    assert_eq!(first.code, 2, "{first:?}");
    let notes: Vec<&str> = first
        .stderr
        .lines()
        .filter(|l| l.starts_with("note: no OS keyring on this system"))
        .collect();
    assert_eq!(notes.len(), 1, "{first:?}");
    assert_eq!(
        first.stderr.lines().count(),
        2,
        "the note and the error: {first:?}"
    );
    assert!(
        first
            .stderr
            .contains("error: no API key for openai: set OPENAI_API_KEY\n"),
        "{first:?}"
    );
    let second = w.run(&["compare", "-m", "gpt", "-p", "hi"]);
    assert!(!second.stderr.contains("note:"), "shown once: {second:?}");
    let set = w.run_stdin(&["keys", "set", "openai"], Some(b"sk-abcdefghijklmnop\n"));
    assert_eq!(set.code, 2, "{set:?}");
    assert_eq!(
        set.stderr.trim_end(),
        "error: no OS keyring on this system, so keys cannot be stored: set OPENAI_API_KEY, or \
         api_key under [providers.openai] in the config file (llmx config path)"
    );
    let list = w.run(&["keys", "list"]);
    assert_eq!(list.code, 0, "{list:?}");
    for out in [&first, &second, &set, &list] {
        for word in ["DBus", "dbus", "D-Bus", "keys set", "socket"] {
            assert!(!out.stderr.contains(word), "`{word}` shown: {out:?}");
        }
    }
    // With a key in the environment nothing is said of the keyring at all.
    w.set("OPENAI_API_KEY", "sk-test-openai-0123456789abcdef");
    let out = w.run(&["keys", "list"]);
    assert!(out.stdout.contains("env OPENAI_API_KEY"), "{out:?}");
}

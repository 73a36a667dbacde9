//! `llmx models`: filters, sorting and formats over the embedded catalog; `--refresh` from a
//! local server replaying OpenRouter's recorded catalog; the budget guard.

use serde_json::{json, Value};

use crate::support::*;

fn rows(out: &Out) -> Vec<Value> {
    assert_eq!(out.code, 0, "{out:?}");
    out.json().as_array().expect("array").clone()
}

/// `provider/id` of each listed model.
fn provider_ids(rows: &[Value]) -> Vec<String> {
    let id = |r: &Value, k: &str| r[k].as_str().unwrap().to_string();
    rows.iter()
        .map(|r| format!("{}/{}", id(r, "provider"), id(r, "id")))
        .collect()
}

#[test]
fn filters_select_what_they_say() {
    let w = World::offline();
    let anthropic = rows(&w.run(&["models", "--provider", "anthropic", "--format", "json"]));
    assert!(anthropic.len() >= 10);
    assert!(anthropic.iter().all(|r| r["provider"] == "anthropic"));
    let sonnet = anthropic
        .iter()
        .find(|r| r["id"] == "claude-sonnet-4-5")
        .unwrap();
    assert_eq!(
        (
            sonnet["input_per_m"].as_f64(),
            sonnet["output_per_m"].as_f64()
        ),
        (Some(3.0), Some(15.0))
    );
    assert_eq!(sonnet["tier_above"], 200_000);
    assert!(sonnet["source"].as_str().unwrap().contains("genai-prices"));

    let free = rows(&w.run(&["models", "--free", "--format", "json"]));
    assert!(!free.is_empty());
    assert!(free
        .iter()
        .all(|r| r["free"] == true && r["input_per_m"] == 0.0));
    assert!(free
        .iter()
        .any(|r| r["id"] == "meta-llama/llama-3.2-3b-instruct:free"));

    let found = rows(&w.run(&["models", "--search", "SONNET", "--format", "json"]));
    assert!(!found.is_empty());
    for r in &found {
        let hay = format!("{} {}", r["id"], r["aliases"]).to_lowercase();
        assert!(hay.contains("sonnet"), "{r}");
    }

    let capable = rows(&w.run(&["models", "--vision", "--tools", "--format", "json"]));
    assert!(!capable.is_empty());
    assert!(capable
        .iter()
        .all(|r| r["vision"] == true && r["tools"] == true));
    assert!(capable.len() < rows(&w.run(&["models", "--format", "json"])).len());
}

#[test]
fn aliases_show_on_their_models() {
    let w = World::offline();
    let all = rows(&w.run(&["models", "--format", "json"]));
    let with_alias = |a: &str| {
        all.iter()
            .find(|r| r["aliases"].as_str().unwrap().split(' ').any(|x| x == a))
            .unwrap_or_else(|| panic!("no model shows alias {a}"))
    };
    for a in [
        "gpt", "claude", "gemini", "deepseek", "mistral", "llama", "grok",
    ] {
        let r = with_alias(a);
        assert!(r["input_per_m"].as_f64().is_some(), "alias {a} is priced");
    }
    assert_eq!(with_alias("claude")["id"], "claude-sonnet-5");
}

#[test]
fn sorting_by_price_and_context() {
    let w = World::offline();
    let by_price = rows(&w.run(&[
        "models",
        "--provider",
        "openai",
        "--sort",
        "price",
        "--format",
        "json",
    ]));
    let prices: Vec<f64> = by_price
        .iter()
        .map(
            |r| match (r["input_per_m"].as_f64(), r["output_per_m"].as_f64()) {
                (Some(i), Some(o)) => i + o,
                _ => f64::INFINITY,
            },
        )
        .collect();
    assert!(prices.windows(2).all(|p| p[0] <= p[1]), "{prices:?}");
    let by_context = rows(&w.run(&["models", "--sort", "context", "--format", "json"]));
    let ctx: Vec<u64> = by_context
        .iter()
        .map(|r| r["context"].as_u64().unwrap_or(0))
        .collect();
    assert!(ctx.windows(2).all(|c| c[0] >= c[1]));
    assert!(ctx[0] >= 1_000_000);
}

#[test]
fn in_a_pipe_each_model_is_one_plain_line_that_grep_finds() {
    let w = World::offline();
    let out = w.run(&["models"]);
    assert_eq!(out.code, 0, "{out:?}");
    let hits: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("llama-3.3-70b-instruct"))
        .collect();
    assert!(!hits.is_empty(), "grep -c finds none:\n{}", out.stdout);
    let all = rows(&w.run(&["models", "--format", "json"]));
    assert_eq!(out.stdout.lines().count(), all.len(), "one line per model");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("openrouter/meta-llama/llama-3.3-70b-instruct\t"))
        .expect("the id is the first field");
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields.len(), 6, "{line:?}");
    assert!(fields[4].contains("tools"), "{line:?}");
}

#[test]
fn the_table_cuts_other_columns_before_an_id() {
    let mut w = World::offline();
    let ids = provider_ids(&rows(&w.run(&["models", "--format", "json"])));
    for width in ["60", "80", "120"] {
        w.set("COLUMNS", width);
        let out = w.run(&["models", "--format", "table"]);
        assert_eq!(out.code, 0, "{out:?}");
        let firsts: std::collections::HashSet<&str> = out
            .stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        for id in &ids {
            assert!(
                firsts.contains(id.as_str()),
                "{id} broken at {width}:\n{}",
                out.stdout
            );
        }
        let cols: usize = width.parse().unwrap();
        for l in out.stdout.lines() {
            let alone = ids.iter().any(|id| id == l);
            assert!(
                l.chars().count() <= cols || alone,
                "{l:?} is wider than {width}"
            );
        }
        let head: Vec<&str> = out
            .stdout
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        assert!(
            head.starts_with(&["Model"]) && head.contains(&"$/M"),
            "{head:?}"
        );
    }
}

#[test]
fn table_and_csv_formats() {
    let w = World::offline();
    let out = w.run(&["models", "--provider", "deepseek", "--format", "table"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("Model") && out.stdout.contains("In $/M"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("deepseek-reasoner"));
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("deepseek/deepseek-chat ") && l.ends_with(" deepseek")),
        "alias shown"
    );
    let n = out.stdout.lines().last().unwrap();
    assert!(n.ends_with(" models"), "{n}");
    let out = w.run(&["models", "--provider", "deepseek", "--format", "csv"]);
    let (headers, recs) = read_csv(&out.stdout);
    assert_eq!(
        &headers[..6],
        [
            "provider",
            "id",
            "aliases",
            "context",
            "max_output",
            "input_per_m"
        ]
    );
    assert!(recs.iter().all(|r| r[0] == "deepseek"));
    let out = w.run(&["models", "--provider", "opnai"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `openai`?"),
        "{}",
        out.stderr
    );
}

/// A server replaying the OpenRouter catalog recording, and answering chats as OpenRouter.
fn openrouter_world() -> World {
    let catalog = format!(
        "{}/tests/fixtures/real/openrouter/models_catalog.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut w = World::with_server(json!({
        "models": {"openai/gpt-4o": {
            "text": "cached answer", "input_tokens": 1000, "cached_tokens": 400, "output_tokens": 100
        }},
        "replays": [{"path": "/api/v1/models", "file": catalog}]
    }));
    let url = format!("{}/api/v1", w.requests_url());
    w.set("LLMX_OPENROUTER_BASE_URL", &url);
    w.set("OPENROUTER_API_KEY", "sk-or-test-0123456789");
    w.set("LLMX_CACHE_DIR", &w.path("cache").display().to_string());
    w
}

#[test]
fn refresh_caches_openrouter_prices_that_later_compares_use() {
    let w = openrouter_world();
    let compare = [
        "compare",
        "-m",
        "openrouter/openai/gpt-4o",
        "-p",
        "x",
        "--format",
        "json",
    ];
    // Embedded (genai-prices): gpt-4o via OpenRouter has no cache-read price, so cached input
    // is charged at the input price.
    let before = rows(&w.run(&compare));
    let embedded = (1000.0 * 2.5 + 100.0 * 10.0) / 1e6;
    assert!(
        (before[0]["cost_usd"].as_f64().unwrap() - embedded).abs() < 1e-12,
        "{}",
        before[0]
    );

    let out = w.run(&[
        "models",
        "--refresh",
        "--provider",
        "openrouter",
        "--search",
        "gpt-4o",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("refreshed "), "{}", out.stderr);
    let listed = out.json();
    let gpt4o = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "openai/gpt-4o")
        .unwrap();
    assert_eq!(gpt4o["cache_read_per_m"], 1.25, "the refreshed price");
    assert!(gpt4o["source"].as_str().unwrap().contains("refresh"));
    let cache: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("cache/catalog.json")).unwrap())
            .unwrap();
    let priced = cache["priced"].as_array().unwrap();
    assert_eq!(priced[0]["provider"], "openrouter");
    assert_eq!(priced[0]["models"].as_array().unwrap().len(), 4);
    let paths: Vec<String> = w.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths.contains(&"/api/v1/models".to_string()), "{paths:?}");
    let or_listing = w
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/models")
        .unwrap();
    assert_eq!(
        or_listing.header("authorization"),
        None,
        "OpenRouter's list needs no key"
    );

    // The refreshed recording prices cached reads at $1.25/M.
    let after = rows(&w.run(&compare));
    let refreshed = (600.0 * 2.5 + 400.0 * 1.25 + 100.0 * 10.0) / 1e6;
    assert!(
        (after[0]["cost_usd"].as_f64().unwrap() - refreshed).abs() < 1e-12,
        "{}",
        after[0]
    );
}

#[test]
fn a_refresh_that_cannot_connect_leaves_the_cache_intact() {
    let w = openrouter_world();
    let out = w.run(&["models", "--refresh", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let cache_file = w.path("cache/catalog.json");
    let before = std::fs::read(&cache_file).unwrap();

    let mut down = World::offline();
    down.set("LLMX_CACHE_DIR", &w.path("cache").display().to_string());
    down.set("LLMX_OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1");
    let out = down.run(&[
        "models",
        "--refresh",
        "--provider",
        "openrouter",
        "--search",
        "openai/gpt-4o",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let first = out.stderr.lines().next().unwrap();
    assert!(
        first.starts_with(
            "warning: could not refresh openrouter (http://127.0.0.1:9/api/v1/models)"
        ),
        "{first}"
    );
    assert!(out.stderr.contains("is unchanged"), "{}", out.stderr);
    assert_eq!(
        std::fs::read(&cache_file).unwrap(),
        before,
        "cache untouched"
    );
    // The listing still comes from the cached refresh.
    let listed = out.json();
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "openai/gpt-4o" && r["cache_read_per_m"] == 1.25));
}

/// `--provider` limits the refresh to that provider: a local server's listing succeeds with
/// OpenRouter unreachable, exit 0, and OpenRouter is not contacted. Without it, a keyless custom
/// provider from the config is refreshed too, and a failure names its provider (exit 1).
#[test]
fn refresh_fetches_what_was_asked_for_and_names_providers() {
    let mut w = World::with_server(json!({"models": {"smollm2": {}, "qwen-local": {}}}));
    let url = w.requests_url();
    w.set("LLMX_CACHE_DIR", &w.path("cache").display().to_string());
    w.set("LLMX_OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1");
    w.unset("OPENAI_API_KEY");
    w.unset("ANTHROPIC_API_KEY");
    w.unset("GEMINI_API_KEY");
    w.set("LLMX_LLAMACPP_BASE_URL", &format!("{url}/v1"));
    w.config(&format!(
        "[providers.box]\ndialect = \"openai\"\nbase_url = \"{url}/v1\"\n"
    ));

    let out = w.run(&[
        "models",
        "--refresh",
        "--provider",
        "llamacpp",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("refreshed 2 models (2 from llamacpp)"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("openrouter"), "{}", out.stderr);
    let ids = provider_ids(out.json().as_array().unwrap());
    assert!(ids.contains(&"llamacpp/smollm2".to_string()), "{ids:?}");
    assert_eq!(w.requests().len(), 1, "one listing request");

    let out = w.run(&[
        "models",
        "--refresh",
        "--provider",
        "box",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("2 from box"), "{}", out.stderr);

    let out = w.run(&["models", "--refresh", "--format", "json"]);
    assert_eq!(out.code, 1, "OpenRouter was asked for and failed: {out:?}");
    assert!(
        out.stderr
            .contains("warning: could not refresh openrouter (http://127.0.0.1:9/api/v1/models)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("from llamacpp"), "{}", out.stderr);
    assert!(out.stderr.contains("from box"), "{}", out.stderr);
    let cache: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("cache/catalog.json")).unwrap())
            .unwrap();
    let listed: Vec<&str> = cache["listed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["provider"].as_str().unwrap())
        .collect();
    assert!(
        listed.contains(&"box") && listed.contains(&"llamacpp"),
        "{listed:?}"
    );
}

#[test]
fn max_cost_refuses_before_sending() {
    let w = World::with_server(json!({}));
    let out = w.run(&[
        "compare",
        "-m",
        "gpt,claude",
        "-p",
        "hello",
        "--max-tokens",
        "1000",
        "--max-cost",
        "0.001",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.starts_with("error: estimated worst case $"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("exceeds --max-cost $0.001"),
        "{}",
        out.stderr
    );
    assert!(w.requests().is_empty());
    // claude (sonnet 5): 1000 out at $15/M alone is $0.015; within $0.05 it runs.
    let out = w.run(&[
        "compare",
        "-m",
        "gpt,claude",
        "-p",
        "hello",
        "--max-tokens",
        "1000",
        "--max-cost",
        "0.05",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(w.requests().len(), 2);
}

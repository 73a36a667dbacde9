//! Cost arithmetic on real recorded usage, match rules, and invariants of the embedded data.

use super::*;
use crate::provider::fixture_tests::ok;
use crate::provider::Registry;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn usage(input: u64, output: u64) -> Usage {
    Usage {
        input_tokens: Some(input),
        output_tokens: Some(output),
        ..Default::default()
    }
}

/// The cost of a recorded answer, priced by the model id the provider reported.
fn recorded_cost(fixture: &str, provider: &str, minute: u32) -> (f64, Usage) {
    let r = ok(fixture);
    let model = r.model_id.clone().expect("model id reported");
    let price = Catalog::embedded().price_at(provider, &model, minute);
    assert!(
        price.is_some(),
        "{fixture}: no price for {provider}/{model}"
    );
    (cost(price, &r.usage).expect("cost"), r.usage)
}

#[test]
fn anthropic_cache_reads_priced_from_a_recording() {
    // claude-sonnet-4-20250514: 1042 in of which 1031 cache reads, 100 out; $3 / $0.30 / $15.
    let (c, u) = recorded_cost("anthropic/messages_stream_cache_read.json", "anthropic", 0);
    assert_eq!((u.input_tokens, u.cached_input_tokens), (Some(1042), 1031));
    assert!(
        close(c, (11.0 * 3.0 + 1031.0 * 0.3 + 100.0 * 15.0) / 1e6),
        "{c}"
    );
}

#[test]
fn anthropic_cache_writes_at_their_own_price() {
    // Anthropic's usage shape with cache writes (no recording has one): 5000 written, 200
    // read, 50 plain input, 10 out on claude-haiku-4-5 ($1 in, $0.10 read, $1.25 write, $5 out).
    let body = br#"{"id":"m","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
        "content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn",
        "usage":{"input_tokens":50,"cache_creation_input_tokens":5000,"cache_read_input_tokens":200,"output_tokens":10}}"#;
    let r = crate::provider::Dialect::Anthropic
        .wire()
        .parse_response(body)
        .unwrap();
    assert_eq!(r.usage.input_tokens, Some(5250));
    assert_eq!(r.usage.cache_write_tokens, 5000);
    let p = Catalog::embedded().price_at("anthropic", "claude-haiku-4-5-20251001", 0);
    let c = cost(p, &r.usage).unwrap();
    assert!(
        close(
            c,
            (50.0 * 1.0 + 200.0 * 0.1 + 5000.0 * 1.25 + 10.0 * 5.0) / 1e6
        ),
        "{c}"
    );
}

#[test]
fn openai_cached_tokens_priced_from_a_recording() {
    // gpt-4o-2024-*: 1220 in of which 1152 cached, 100 out; $2.50 / $1.25 / $10.
    let (c, _) = recorded_cost("openai/chat_prompt_cache_hit.json", "openai", 0);
    assert!(
        close(c, (68.0 * 2.5 + 1152.0 * 1.25 + 100.0 * 10.0) / 1e6),
        "{c}"
    );
}

#[test]
fn reasoning_tokens_are_output_and_time_windows_apply() {
    // deepseek-reasoner: 12 in, 789 out of which 415 reasoning. Off-peak (before 00:30 UTC)
    // $0.135 / $0.55; standard hours (00:30-16:30 UTC) $0.55 / $2.19.
    let (off_peak, u) = recorded_cost("deepseek/chat_reasoning.json", "deepseek", 17 * 60);
    assert_eq!((u.output_tokens, u.reasoning_tokens), (Some(789), 415));
    assert!(
        close(off_peak, (12.0 * 0.135 + 789.0 * 0.55) / 1e6),
        "{off_peak}"
    );
    let (standard, _) = recorded_cost("deepseek/chat_reasoning.json", "deepseek", 9 * 60);
    assert!(
        close(standard, (12.0 * 0.55 + 789.0 * 2.19) / 1e6),
        "{standard}"
    );
}

#[test]
fn gemini_thoughts_priced_as_output_from_a_recording() {
    // gemini-2.5-flash: 9 in, 9 candidates + 34 thoughts = 43 out; $0.30 / $2.50.
    let (c, u) = recorded_cost("gemini/generate_plain.json", "gemini", 0);
    assert_eq!(u.output_tokens, Some(43));
    assert!(close(c, (9.0 * 0.3 + 43.0 * 2.5) / 1e6), "{c}");
}

#[test]
fn openrouter_reported_cost_wins() {
    let r = ok("openrouter/chat_usage_cost.json");
    let any_price = Some(Price {
        input: 100.0,
        output: 100.0,
        ..Price::FREE
    });
    assert_eq!(cost(any_price, &r.usage), Some(0.00435825));
}

#[test]
fn a_tier_prices_every_token_once_crossed() {
    let cat = Catalog::embedded();
    let p = cat.price_at("anthropic", "claude-sonnet-4-5-20250929", 0);
    let at = cost(p, &usage(200_000, 1000)).unwrap();
    assert!(close(at, (200_000.0 * 3.0 + 1000.0 * 15.0) / 1e6), "{at}");
    let mut u = usage(200_001, 1000);
    u.cached_input_tokens = 1;
    let over = cost(p, &u).unwrap();
    assert!(
        close(over, (200_000.0 * 6.0 + 1.0 * 0.6 + 1000.0 * 22.5) / 1e6),
        "{over}"
    );
}

#[test]
fn unknown_stays_unknown_never_zero() {
    let cat = Catalog::embedded();
    assert_eq!(cat.price_at("openai", "gpt-nonexistent-9", 0), None);
    assert_eq!(cost(None, &usage(10, 10)), None);
    let p = cat.price_at("openai", "gpt-4o", 0);
    assert_eq!(cost(p, &Usage::default()), None, "no usage, no cost");
    assert_eq!(
        cat.price_at("openrouter", "some/new-model:free", 0),
        Some(Price::FREE)
    );
    assert_eq!(cat.price_at("mock", "anything", 0), Some(Price::FREE));
}

#[test]
fn snapshot_ids_find_their_price_and_the_most_specific_rule_wins() {
    let cat = Catalog::embedded();
    let id = |p: &str, m: &str| cat.lookup(p, m).map(|m| m.id.as_str());
    assert_eq!(id("openai", "gpt-4o-mini-2024-07-18"), Some("gpt-4o-mini"));
    assert_eq!(id("openai", "gpt-4o-2024-08-06"), Some("gpt-4o"));
    assert_eq!(
        id("anthropic", "claude-sonnet-4-5-20250929"),
        Some("claude-sonnet-4-5")
    );
    assert_eq!(
        id("anthropic", "claude-sonnet-4-20250514"),
        Some("claude-sonnet-4-0")
    );
    assert_eq!(
        id("openai", "gpt-5.6-luna-2026-07-30"),
        Some("gpt-5.6-luna")
    );
    assert_eq!(id("xai", "grok-4.5-20261001"), Some("grok-4.5"));
    assert_eq!(id("openai", "gpt-4oz"), None);
    assert_eq!(cat.provider_of("gpt-4o-mini"), Some("openai"));
    assert_eq!(
        cat.provider_of("claude-sonnet-4-5-20250929"),
        Some("anthropic")
    );
}

#[test]
fn catalog_invariants() {
    let cat = Catalog::embedded();
    let registry = Registry::builtin();
    assert!(cat.blocks.len() >= 9, "embedded catalog parsed");
    for b in &cat.blocks {
        assert!(
            registry.get(&b.provider).is_some(),
            "{} not in the registry",
            b.provider
        );
        assert!(
            !b.source.is_empty() && !b.source_date.is_empty(),
            "{} has no source",
            b.provider
        );
        let mut ids: Vec<&str> = b.models.iter().map(|m| m.id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids in {}", b.provider);
        for m in &b.models {
            let prices = m.price.iter().chain(m.windows.iter().map(|w| &w.price));
            for p in prices {
                let all = [Some(p.input), Some(p.output), p.cache_read, p.cache_write];
                assert!(
                    all.iter().flatten().all(|x| *x >= 0.0 && x.is_finite()),
                    "{}",
                    m.id
                );
                if let Some(t) = p.tier {
                    assert!(t.input >= 0.0 && t.output >= 0.0 && t.start > 0, "{}", m.id);
                }
            }
            if m.free {
                assert_eq!(m.price.map(|p| p.input + p.output), Some(0.0), "{}", m.id);
            }
        }
    }
    for provider in [
        "openai",
        "anthropic",
        "gemini",
        "deepseek",
        "mistral",
        "groq",
        "xai",
        "together",
        "openrouter",
    ] {
        assert!(
            cat.blocks
                .iter()
                .any(|b| b.provider == provider && !b.models.is_empty()),
            "{provider}"
        );
    }
    assert!(cat
        .blocks
        .iter()
        .flat_map(|b| &b.models)
        .any(|m| m.id.ends_with(":free")));
    // Aliases are unique (case-insensitively), name known providers and priced models.
    let mut names: Vec<String> = cat.aliases.keys().map(|a| a.to_lowercase()).collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n);
    for (alias, target) in &cat.aliases {
        let (provider, model) = target.split_once('/').expect("provider/model");
        assert!(registry.get(provider).is_some(), "{alias} -> {target}");
        assert!(
            cat.price_at(provider, model, 0).is_some(),
            "{alias} -> {target} has no price"
        );
    }
    for a in [
        "gpt", "claude", "gemini", "deepseek", "mistral", "llama", "grok",
    ] {
        assert!(cat.alias(a).is_some(), "{a}");
    }
}

#[test]
fn overlay_replaces_and_adds() {
    let fresh = Block {
        provider: "openai".into(),
        source: "test".into(),
        source_date: "2026-11-24".into(),
        batch: None,
        models: vec![Model {
            id: "gpt-4o".into(),
            rule: None,
            context: Some(1),
            max_output: None,
            price: Some(Price {
                input: 9.0,
                output: 9.0,
                ..Price::FREE
            }),
            windows: vec![],
            free: false,
            vision: None,
            tools: None,
            reasoning: false,
            deprecated: false,
        }],
    };
    let cat = Catalog::embedded().overlay(vec![fresh]);
    assert_eq!(cat.price_at("openai", "gpt-4o", 0).unwrap().input, 9.0);
    assert!(
        cat.price_at("openai", "gpt-4o-mini", 0).is_some(),
        "the rest is kept"
    );
    // A listing says nothing of batch prices: the documented share is kept.
    assert_eq!(cat.batch_price("openai").map(|b| b.share), Some(0.5));
}

#[test]
fn batch_prices_are_the_documented_ones_and_unknown_elsewhere() {
    let cat = Catalog::embedded();
    for p in ["openai", "anthropic", "gemini"] {
        let b = cat.batch_price(p).unwrap_or_else(|| panic!("{p}"));
        assert_eq!(b.share, 0.5, "{p}");
        assert!(!b.source.is_empty() && !b.source_date.is_empty(), "{p}");
    }
    // Groq documents no settled batch price; the others have no Batch API llmx uses.
    for p in ["groq", "mistral", "openrouter", "mock"] {
        assert!(cat.batch_price(p).is_none(), "{p}");
    }
}

#[test]
fn suggestions() {
    let names = Catalog::embedded().known_names();
    let refs = names.iter().map(String::as_str);
    assert_eq!(did_you_mean("claud", refs.clone()), Some("claude"));
    assert_eq!(
        did_you_mean("gpt-4o-mni", refs.clone()),
        Some("gpt-4o-mini")
    );
    assert_eq!(did_you_mean("zzzzzzzzzz", refs), None);
}

#[test]
fn a_reported_cost_that_is_no_cost_is_unknown() {
    for cost in [-0.5, f64::INFINITY, f64::NAN] {
        let usage = Usage {
            input_tokens: Some(1),
            output_tokens: Some(1),
            provider_cost_usd: Some(cost),
            ..Default::default()
        };
        assert_eq!(super::cost(None, &usage), None, "{cost}");
    }
}

#[test]
fn the_default_aliases_know_how_much_their_models_may_write() {
    let c = Catalog::embedded();
    let mut known = Vec::new();
    for alias in [
        "gpt", "claude", "gemini", "sonnet", "opus", "haiku", "flash", "deepseek", "r1", "llama",
    ] {
        let target = c.alias(alias).expect(alias);
        let (provider, id) = target.split_once('/').expect(target);
        let m = c
            .lookup(provider, id)
            .unwrap_or_else(|| panic!("{target} in the catalog"));
        known.push((
            alias,
            m.max_output
                .unwrap_or_else(|| panic!("{target}: no max output")),
        ));
    }
    assert_eq!(known[0], ("gpt", 128_000));
    assert_eq!(known[2], ("gemini", 65_536));
    // Where a provider documents no maximum, the catalog says none rather than guessing.
    let grok = c
        .alias("grok")
        .and_then(|t| t.split_once('/'))
        .expect("grok");
    assert_eq!(c.lookup(grok.0, grok.1).and_then(|m| m.max_output), None);
}

#[test]
fn a_remembered_lookup_answers_as_a_fresh_one_and_changes_to_the_catalog_are_seen() {
    let ids = [
        ("openai", "gpt-4o-mini-2024-07-18"),
        ("openai", "gpt-4o"),
        ("openai", "gpt-4oz"),
        ("openai", "m"),
        ("anthropic", "claude-sonnet-4-5-20250929"),
        ("xai", "grok-4.5-20261001"),
        ("nobody", "gpt-4o"),
    ];
    let cat = Catalog::embedded();
    let fresh = |c: &Catalog| -> Vec<Option<String>> {
        ids.iter()
            .map(|(p, m)| c.lookup_anew(p, m).map(|m| format!("{m:?}")))
            .collect()
    };
    let looked = |c: &Catalog| -> Vec<Option<String>> {
        ids.iter()
            .map(|(p, m)| c.lookup(p, m).map(|m| format!("{m:?}")))
            .collect()
    };
    // Asked twice: the second answers come from what was found.
    assert_eq!(looked(&cat), fresh(&cat));
    assert_eq!(looked(&cat), fresh(&cat));
    assert!(cat.lookup("openai", "m").is_none());
    // A model added under an id asked before, as a refreshed listing would add it.
    let mut changed = cat.clone();
    assert!(
        changed.lookup("openai", "m").is_none(),
        "remembered as not found"
    );
    let block = changed
        .blocks
        .iter_mut()
        .find(|b| b.provider == "openai")
        .unwrap();
    let mut m = block.models[0].clone();
    m.id = "m".into();
    m.rule = None;
    block.models.push(m);
    assert_eq!(
        changed.lookup("openai", "m").map(|m| m.id.as_str()),
        Some("m")
    );
    assert_eq!(looked(&changed), fresh(&changed));
    // Replaced in place (the number of models unchanged), through the catalog's own method.
    let before = cat.lookup("openai", "gpt-4o").and_then(|m| m.context);
    let remembered = cat.clone();
    assert_eq!(looked(&remembered), fresh(&remembered));
    let overlaid = remembered.overlay(vec![Block {
        provider: "openai".into(),
        source: "test".into(),
        source_date: "2026-12-07".into(),
        batch: None,
        models: vec![Model {
            context: Some(7),
            ..cat.lookup("openai", "gpt-4o").unwrap().clone()
        }],
    }]);
    assert_ne!(before, Some(7));
    assert_eq!(
        overlaid.lookup("openai", "gpt-4o").and_then(|m| m.context),
        Some(7)
    );
    assert_eq!(looked(&overlaid), fresh(&overlaid));
}

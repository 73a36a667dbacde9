//! Model names and prices: aliases (`gpt`, `claude`, ...), known bare model ids, USD prices per
//! million tokens with their source, cost arithmetic from normalised usage, and did-you-mean.
//!
//! This is a small built-in table until the full embedded catalog lands; every price is taken
//! from pydantic's genai-prices data (MIT), snapshot of Aug 2026.

use crate::provider::Usage;

/// Where the prices below come from.
pub const PRICE_SOURCE: &str = "genai-prices (pydantic, MIT) data_slim.json, Aug 2026";

/// USD per million tokens. `tier` is a long-context cliff: when a request's input exceeds
/// `tier.0` tokens, every token of it is priced from `tier.1` (the genai-prices model).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    pub cache_read: Option<f64>,
    pub cache_write: Option<f64>,
    pub tier: Option<(u64, &'static Price)>,
}

/// A known model.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    pub provider: &'static str,
    pub id: &'static str,
    pub price: Price,
}

const fn p(input: f64, output: f64, cache_read: Option<f64>, cache_write: Option<f64>) -> Price {
    Price {
        input,
        output,
        cache_read,
        cache_write,
        tier: None,
    }
}

const SONNET_LONG: Price = p(6.0, 22.5, Some(0.6), Some(7.5));
const GEMINI_PRO_LONG: Price = p(2.5, 15.0, Some(0.25), None);

const MODELS: &[Model] = &[
    Model {
        provider: "openai",
        id: "gpt-4o-mini",
        price: p(0.15, 0.6, Some(0.075), None),
    },
    Model {
        provider: "openai",
        id: "gpt-4o",
        price: p(2.5, 10.0, Some(1.25), None),
    },
    Model {
        provider: "openai",
        id: "gpt-4.1-mini",
        price: p(0.4, 1.6, Some(0.1), None),
    },
    Model {
        provider: "openai",
        id: "gpt-5",
        price: p(1.25, 10.0, Some(0.125), None),
    },
    Model {
        provider: "openai",
        id: "gpt-5-mini",
        price: p(0.25, 2.0, Some(0.025), None),
    },
    Model {
        provider: "openai",
        id: "gpt-5.5",
        price: p(5.0, 30.0, Some(0.5), None),
    },
    Model {
        provider: "anthropic",
        id: "claude-sonnet-4-5",
        price: Price {
            tier: Some((200_000, &SONNET_LONG)),
            ..p(3.0, 15.0, Some(0.3), Some(3.75))
        },
    },
    Model {
        provider: "anthropic",
        id: "claude-haiku-4-5",
        price: p(1.0, 5.0, Some(0.1), Some(1.25)),
    },
    Model {
        provider: "anthropic",
        id: "claude-opus-4-5",
        price: p(5.0, 25.0, Some(0.5), Some(6.25)),
    },
    Model {
        provider: "gemini",
        id: "gemini-2.5-flash",
        price: p(0.3, 2.5, Some(0.03), None),
    },
    Model {
        provider: "gemini",
        id: "gemini-2.5-flash-lite",
        price: p(0.1, 0.4, Some(0.01), None),
    },
    Model {
        provider: "gemini",
        id: "gemini-2.5-pro",
        price: Price {
            tier: Some((200_000, &GEMINI_PRO_LONG)),
            ..p(1.25, 10.0, Some(0.125), None)
        },
    },
    Model {
        provider: "deepseek",
        id: "deepseek-chat",
        price: p(0.27, 1.1, Some(0.07), None),
    },
    Model {
        provider: "deepseek",
        id: "deepseek-reasoner",
        price: p(0.55, 2.19, Some(0.14), None),
    },
    Model {
        provider: "mistral",
        id: "mistral-small-latest",
        price: p(0.1, 0.3, None, None),
    },
    Model {
        provider: "groq",
        id: "llama-3.3-70b-versatile",
        price: p(0.59, 0.79, None, None),
    },
    Model {
        provider: "groq",
        id: "llama-3.1-8b-instant",
        price: p(0.05, 0.08, None, None),
    },
    Model {
        provider: "xai",
        id: "grok-3-mini",
        price: p(0.3, 0.5, Some(0.075), None),
    },
    Model {
        provider: "together",
        id: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        price: p(0.88, 0.88, None, None),
    },
];

/// Short names and what they stand for.
pub const ALIASES: &[(&str, &str)] = &[
    ("gpt", "openai/gpt-4o-mini"),
    ("claude", "anthropic/claude-sonnet-4-5"),
    ("gemini", "gemini/gemini-2.5-flash"),
    ("deepseek", "deepseek/deepseek-chat"),
    ("mistral", "mistral/mistral-small-latest"),
    ("llama", "groq/llama-3.3-70b-versatile"),
    ("grok", "xai/grok-3-mini"),
    ("mock", "mock/echo"),
];

pub fn alias(name: &str) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(name))
        .map(|(_, t)| *t)
}

/// A bare model id's provider, if llmx knows the id.
pub fn provider_of(model_id: &str) -> Option<&'static str> {
    MODELS.iter().find(|m| m.id == model_id).map(|m| m.provider)
}

/// The price of `model_id` at `provider`. Dated snapshots the providers report back
/// (`claude-sonnet-4-5-20250929`, `gpt-4o-mini-2024-07-18`) match their base id by prefix; the
/// longest matching id wins so `gpt-4o-mini` is not priced as `gpt-4o`.
pub fn price(provider: &str, model_id: &str) -> Option<Price> {
    if provider == "mock" {
        return Some(p(0.0, 0.0, None, None));
    }
    MODELS
        .iter()
        .filter(|m| m.provider == provider)
        .filter(|m| {
            model_id == m.id
                || model_id
                    .strip_prefix(m.id)
                    .is_some_and(|rest| rest.starts_with('-') || rest.starts_with('@'))
        })
        .max_by_key(|m| m.id.len())
        .map(|m| m.price)
}

/// Cost in USD of one call: uncached input at the input price, cache reads and writes at
/// theirs, output (reasoning included) at the output price, the tier's prices when the input
/// crosses it. A provider-reported cost wins. `None` when the price or the usage is unknown.
pub fn cost(price: Option<Price>, usage: &Usage) -> Option<f64> {
    if let Some(c) = usage.provider_cost_usd {
        return Some(c);
    }
    let mut price = price?;
    let input = usage.input_tokens?;
    let output = usage.output_tokens?;
    if let Some((start, tier)) = price.tier {
        if input > start {
            price = *tier;
        }
    }
    let cached = usage.cached_input_tokens.min(input);
    let writes = usage.cache_write_tokens.min(input - cached);
    let uncached = input - cached - writes;
    let m = 1_000_000f64;
    Some(
        uncached as f64 * price.input / m
            + cached as f64 * price.cache_read.unwrap_or(price.input) / m
            + writes as f64 * price.cache_write.unwrap_or(price.input) / m
            + output as f64 * price.output / m,
    )
}

/// Every name a user may type for a model: aliases, bare ids, `provider/id`.
pub fn known_names() -> Vec<String> {
    let mut v: Vec<String> = ALIASES.iter().map(|(a, _)| a.to_string()).collect();
    for m in MODELS {
        v.push(m.id.to_string());
        v.push(format!("{}/{}", m.provider, m.id));
    }
    v
}

/// The closest candidate to `input`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input_l = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (levenshtein(&input_l, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(input.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, output: u64) -> Usage {
        Usage {
            input_tokens: Some(input),
            output_tokens: Some(output),
            ..Default::default()
        }
    }

    #[test]
    fn snapshot_ids_match_longest_prefix() {
        assert_eq!(
            price("openai", "gpt-4o-mini-2024-07-18").unwrap().input,
            0.15
        );
        assert_eq!(price("openai", "gpt-4o-2024-08-06").unwrap().input, 2.5);
        assert_eq!(
            price("anthropic", "claude-sonnet-4-5-20250929")
                .unwrap()
                .output,
            15.0
        );
        assert!(price("openai", "gpt-4oz").is_none());
        assert!(price("openai", "unknown").is_none());
    }

    #[test]
    fn cost_arithmetic() {
        // 1000 in, 500 out at 0.15 / 0.6 per M.
        let c = cost(price("openai", "gpt-4o-mini"), &usage(1000, 500)).unwrap();
        assert!((c - 0.00045).abs() < 1e-12, "{c}");
        // OpenAI cache hit recording: 1220 in of which 1152 cached, 100 out, gpt-4o.
        let mut u = usage(1220, 100);
        u.cached_input_tokens = 1152;
        let c = cost(price("openai", "gpt-4o"), &u).unwrap();
        let want = (68.0 * 2.5 + 1152.0 * 1.25 + 100.0 * 10.0) / 1e6;
        assert!((c - want).abs() < 1e-12, "{c} vs {want}");
        // Anthropic cache read 1031 of 1042 input, 100 out, sonnet 4.5.
        let mut u = usage(1042, 100);
        u.cached_input_tokens = 1031;
        let c = cost(price("anthropic", "claude-sonnet-4-5"), &u).unwrap();
        let want = (11.0 * 3.0 + 1031.0 * 0.3 + 100.0 * 15.0) / 1e6;
        assert!((c - want).abs() < 1e-12);
        // Over the 200k tier every token uses the long-context price.
        let c = cost(
            price("anthropic", "claude-sonnet-4-5"),
            &usage(200_001, 1000),
        )
        .unwrap();
        let want = (200_001.0 * 6.0 + 1000.0 * 22.5) / 1e6;
        assert!((c - want).abs() < 1e-9);
    }

    #[test]
    fn reported_cost_wins_and_unknown_stays_unknown() {
        let mut u = usage(10, 10);
        u.provider_cost_usd = Some(0.5);
        assert_eq!(cost(None, &u), Some(0.5));
        assert_eq!(cost(None, &usage(10, 10)), None);
        assert_eq!(cost(price("openai", "gpt-4o"), &Usage::default()), None);
    }

    #[test]
    fn suggestions() {
        let names = known_names();
        let refs = names.iter().map(String::as_str);
        assert_eq!(did_you_mean("claud", refs.clone()), Some("claude"));
        assert_eq!(
            did_you_mean("gpt-4o-mni", refs.clone()),
            Some("gpt-4o-mini")
        );
        assert_eq!(did_you_mean("zzzzzzzzzz", refs), None);
    }
}

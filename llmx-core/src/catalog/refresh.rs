//! `llmx models --refresh`: fetch OpenRouter's public model list (no key needed) and the model
//! listings of providers the user has keys for, and cache the result in the user cache dir. The
//! embedded catalog stays underneath; a failed fetch leaves the cache as it was.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Block, Catalog, Model, Price, Tier};
use crate::env::Env;
use crate::provider::http::HttpClient;
use crate::provider::{Credentials, Listing, Registry, WireDialect};

/// What the cache file holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheFile {
    /// Unix seconds of the last refresh.
    pub fetched_at: u64,
    /// Priced data (OpenRouter): replaces the embedded entries it names.
    #[serde(default)]
    pub priced: Vec<Block>,
    /// Model ids from providers' own listings (no prices): added when unknown.
    #[serde(default)]
    pub listed: Vec<Block>,
}

/// `$LLMX_CACHE_DIR`, else `<user cache dir>/llmx` (`~/.cache/llmx` on Linux).
pub fn cache_dir(env: &Env) -> Option<PathBuf> {
    match env.get("LLMX_CACHE_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None => Some(dirs::cache_dir()?.join("llmx")),
    }
}

/// The cache file, if readable; ids that [`valid_id`] refuses are dropped (the file may have
/// been written by hand or by an older llmx).
pub(crate) fn read_cache(path: &Path) -> Option<CacheFile> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut cache: CacheFile = serde_json::from_str(&text).ok()?;
    for b in cache.priced.iter_mut().chain(cache.listed.iter_mut()) {
        keep_valid(&mut b.models);
    }
    Some(cache)
}

/// The embedded catalog with the cache at `cache` (if any, and readable) laid over it.
pub fn load(cache: Option<&Path>) -> Catalog {
    let embedded = Catalog::embedded();
    match cache.and_then(read_cache) {
        Some(cache) => embedded.overlay(cache.priced).add_missing(cache.listed),
        None => embedded,
    }
}

impl Catalog {
    /// Add models that are not yet known (listing-only data never replaces priced entries).
    pub(crate) fn add_missing(mut self, listed: Vec<Block>) -> Catalog {
        for fresh in listed {
            let Some(block) = self
                .blocks
                .iter_mut()
                .find(|b| b.provider == fresh.provider)
            else {
                self.blocks.push(fresh);
                continue;
            };
            for m in fresh.models {
                if !block.models.iter().any(|x| x.id == m.id) {
                    block.models.push(m);
                }
            }
        }
        self
    }
}

/// The outcome of a refresh: what was fetched, and one line per source that failed.
#[derive(Debug, Default)]
pub struct Refreshed {
    pub cache: CacheFile,
    /// One line per source that could not be fetched, naming its provider.
    pub failures: Vec<String>,
    /// Things worth saying about sources that were fetched (ids skipped).
    pub notes: Vec<String>,
    /// Each source fetched: its provider and how many models it listed.
    pub fetched: Vec<(String, usize)>,
}

/// One place to fetch models from, with its credentials already looked up (key lookups may
/// block on the OS keyring, so they happen before the async runtime runs).
pub struct Source {
    pub provider: String,
    pub wire: &'static dyn WireDialect,
    pub listing: Listing,
    pub creds: Credentials,
    /// OpenRouter's priced catalog, rather than a provider's bare listing.
    pub priced: bool,
}

/// What `--refresh` fetches: with `only`, that provider's listing (OpenRouter's priced
/// catalog for `openrouter`); otherwise OpenRouter's public catalog (no key) and the listing of
/// every provider the user has set up (a key, or a base URL of their own, custom providers
/// included).
pub fn sources(registry: &Registry, keys: &crate::keys::Keys, only: Option<&str>) -> Vec<Source> {
    let mut out = Vec::new();
    let wanted = |id: &str| only.is_none_or(|o| o == id);
    if let Some(or) = registry.get("openrouter").filter(|p| wanted(&p.id)) {
        let wire = or.dialect.wire();
        out.push(Source {
            provider: or.id.clone(),
            wire,
            listing: wire.listing(&or.base_url),
            creds: Credentials::new(or, &or.base_url, None),
            priced: true,
        });
    }
    for p in registry.all() {
        if p.id == "openrouter" || p.is_offline() || !wanted(&p.id) {
            continue;
        }
        let key = keys.find(p).map(|(k, _)| k);
        // Asked for by name, a provider is fetched even at its default URL (a local server).
        if only.is_none() && key.is_none() && !p.base_url_is_set() {
            continue;
        }
        // A provider with no endpoint until the user names one (Azure) has nothing to list,
        // and Vertex AI's express mode has no listing at the dialect's path.
        // Bedrock lists models on another host, signed: not fetched.
        if p.base_url.trim().is_empty()
            || p.model_path.is_some()
            || p.dialect == crate::provider::Dialect::Bedrock
        {
            continue;
        }
        let wire = p.dialect.wire();
        let mut listing = wire.listing(&p.base_url);
        if let Some(h) = p.key_header {
            listing.auth = crate::provider::AuthStyle::Header(h);
        }
        out.push(Source {
            provider: p.id.clone(),
            wire,
            listing,
            creds: Credentials::new(p, &p.base_url, key),
            priced: false,
        });
    }
    out
}

/// How long one source may take by default, in seconds, connecting included; sources are
/// fetched at once, so this bounds the whole refresh.
pub const SOURCE_TIMEOUT_SECS: f64 = 30.0;
/// The largest listing read (OpenRouter's priced catalog is about 1 MiB).
const MAX_LISTING: usize = 32 << 20;
/// The longest model id kept from a listing.
pub(crate) const MAX_ID_LEN: usize = 200;

/// Fetch every source at once, each bounded by `timeout`. Never fails as a whole: each failure
/// becomes a warning.
pub async fn fetch(
    client: &HttpClient,
    sources: &[Source],
    now: std::time::SystemTime,
    timeout: std::time::Duration,
) -> Refreshed {
    let mut out = Refreshed {
        cache: CacheFile {
            fetched_at: crate::clock::unix_secs(now),
            ..Default::default()
        },
        ..Default::default()
    };
    let date = crate::clock::date_of(out.cache.fetched_at);
    let results = futures_util::future::join_all(sources.iter().map(|s| async move {
        let parse = if s.priced {
            parse_openrouter
        } else {
            parse_listing
        };
        let url = crate::secret::redact_url(&s.listing.url);
        let name = format!("{} ({url})", s.provider);
        match tokio::time::timeout(timeout, fetch_models(client, s, parse)).await {
            Ok(r) => r.map_err(|e| format!("{name}: {e}")),
            Err(_) => Err(format!(
                "{name}: no complete answer within {}",
                crate::provider::error::secs_shown(timeout)
            )),
        }
    }))
    .await;
    for (s, r) in sources.iter().zip(results) {
        match r {
            Ok((models, skipped)) => {
                if skipped > 0 {
                    out.notes.push(format!(
                        "{} ({}): skipped {skipped} model ids that were not 1 to {MAX_ID_LEN} printable ASCII characters",
                        s.provider,
                        crate::secret::redact_url(&s.listing.url)
                    ));
                }
                out.fetched.push((s.provider.clone(), models.len()));
                let (list, source) = if s.priced {
                    (
                        &mut out.cache.priced,
                        "OpenRouter GET /api/v1/models (llmx models --refresh)".to_string(),
                    )
                } else {
                    (
                        &mut out.cache.listed,
                        format!("{} model listing (llmx models --refresh)", s.provider),
                    )
                };
                list.push(Block {
                    provider: s.provider.clone(),
                    source,
                    source_date: date.clone(),
                    batch: None,
                    models,
                });
            }
            Err(w) => out.failures.push(w),
        }
    }
    out
}

/// Whether a model id from a listing is safe to keep and show later: 1 to [`MAX_ID_LEN`]
/// printable ASCII characters, no spaces or control characters.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_graphic())
}

/// Drop models whose ids [`valid_id`] refuses; how many were dropped.
fn keep_valid(models: &mut Vec<Model>) -> usize {
    let before = models.len();
    models.retain(|m| valid_id(&m.id));
    before - models.len()
}

/// GET a model list and parse it: the valid models and how many ids were refused.
async fn fetch_models(
    client: &HttpClient,
    source: &Source,
    parse: fn(&[u8]) -> Option<Vec<Model>>,
) -> Result<(Vec<Model>, usize), String> {
    let body = client
        .get(&source.listing, &source.creds, source.wire, MAX_LISTING)
        .await
        .map_err(|e| e.message)?;
    let mut models = parse(&body).ok_or_else(|| "did not answer with a model list".to_string())?;
    let skipped = keep_valid(&mut models);
    Ok((models, skipped))
}

/// Write the cache atomically (temp file, then rename), keeping sources this refresh did not
/// reach from the previous cache.
pub fn save(path: &Path, fresh: &CacheFile) -> std::io::Result<()> {
    let mut merged = read_cache(path).unwrap_or_default();
    merged.fetched_at = fresh.fetched_at;
    for (dst, src) in [
        (&mut merged.priced, &fresh.priced),
        (&mut merged.listed, &fresh.listed),
    ] {
        for b in src {
            dst.retain(|x| x.provider != b.provider);
            dst.push(b.clone());
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string(&merged).map_err(std::io::Error::other)?;
    let mut f = crate::file::PendingFile::create(path)?;
    std::io::Write::write_all(&mut f, text.as_bytes())?;
    f.commit()
}

/// USD per token as a decimal string to USD per million tokens.
fn per_m(v: &Value) -> Option<f64> {
    let s = v.as_str()?;
    let x: f64 = s.trim().parse().ok()?;
    (x.is_finite() && x >= 0.0).then(|| (x * 1e6 * 1e6).round() / 1e6)
}

/// OpenRouter's catalog: `{"data":[{id, context_length, pricing, top_provider, ...}]}`.
pub(crate) fn parse_openrouter(body: &[u8]) -> Option<Vec<Model>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let data = v["data"].as_array()?;
    let models = data
        .iter()
        .filter_map(|m| {
            let id = m["id"].as_str()?.to_string();
            let pr = &m["pricing"];
            let price = match (per_m(&pr["prompt"]), per_m(&pr["completion"])) {
                (Some(input), Some(output)) => Some(Price {
                    input,
                    output,
                    cache_read: per_m(&pr["input_cache_read"]),
                    cache_write: per_m(&pr["input_cache_write"]),
                    tier: pr["overrides"]
                        .as_array()
                        .and_then(|o| o.first())
                        .and_then(|o| {
                            Some(Tier {
                                start: o["min_prompt_tokens"].as_u64()?,
                                input: per_m(&o["prompt"])?,
                                output: per_m(&o["completion"])?,
                                cache_read: per_m(&o["input_cache_read"]),
                                cache_write: per_m(&o["input_cache_write"]),
                            })
                        }),
                }),
                _ => None,
            };
            let params: Vec<&str> = m["supported_parameters"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let free = price.is_some_and(|p| p.input == 0.0 && p.output == 0.0);
            Some(Model {
                id,
                rule: None,
                context: m["context_length"].as_u64(),
                max_output: m["top_provider"]["max_completion_tokens"].as_u64(),
                price,
                windows: Vec::new(),
                free,
                vision: m["architecture"]["input_modalities"]
                    .as_array()
                    .map(|a| a.iter().any(|x| x == "image")),
                tools: m["supported_parameters"]
                    .is_array()
                    .then(|| params.contains(&"tools")),
                reasoning: params.contains(&"reasoning"),
                deprecated: false,
            })
        })
        .collect();
    Some(models)
}

/// A provider's own listing: OpenAI-style `{"data":[{"id"}]}`, Anthropic's the same shape,
/// Gemini's `{"models":[{"name":"models/x","inputTokenLimit","outputTokenLimit"}]}`.
pub(crate) fn parse_listing(body: &[u8]) -> Option<Vec<Model>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let entries = v["data"].as_array().or(v["models"].as_array())?;
    Some(
        entries
            .iter()
            .filter_map(|m| {
                let id = m["id"]
                    .as_str()
                    .or_else(|| m["name"].as_str().map(|n| n.trim_start_matches("models/")))?;
                Some(Model {
                    id: id.to_string(),
                    rule: None,
                    context: m["inputTokenLimit"]
                        .as_u64()
                        .or(m["context_window"].as_u64()),
                    max_output: m["outputTokenLimit"].as_u64(),
                    price: None,
                    windows: Vec::new(),
                    free: false,
                    vision: None,
                    tools: None,
                    reasoning: false,
                    deprecated: false,
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openrouter_recording_parses_with_tiers() {
        let fx: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/real/openrouter/models_catalog.json"
        ))
        .unwrap();
        let body = fx["response"]["body_text"].as_str().unwrap();
        let models = parse_openrouter(body.as_bytes()).unwrap();
        assert_eq!(models.len(), 4);
        let sonnet = models
            .iter()
            .find(|m| m.id == "anthropic/claude-sonnet-4")
            .unwrap();
        let p = sonnet.price.unwrap();
        assert_eq!((p.input, p.output, p.cache_read), (3.0, 15.0, Some(0.3)));
        let t = p.tier.unwrap();
        assert_eq!((t.start, t.input, t.output), (200_000, 6.0, 22.5));
        assert_eq!(sonnet.max_output, Some(64_000));
        assert_eq!((sonnet.vision, sonnet.tools), (Some(true), Some(true)));
        assert!(sonnet.reasoning);
        let gpt4o = models.iter().find(|m| m.id == "openai/gpt-4o").unwrap();
        assert_eq!(gpt4o.price.unwrap().cache_read, Some(1.25));
    }

    #[test]
    fn garbage_is_not_a_catalog() {
        assert!(parse_openrouter(b"<html>").is_none());
        assert!(parse_openrouter(b"{\"data\": 3}").is_none());
        assert!(parse_listing(b"[]").is_none());
        let gem = br#"{"models":[{"name":"models/gemini-2.5-flash","inputTokenLimit":1048576,"outputTokenLimit":65536}]}"#;
        let m = parse_listing(gem).unwrap();
        assert_eq!(m[0].id, "gemini-2.5-flash");
        assert_eq!(m[0].context, Some(1_048_576));
    }

    #[test]
    fn dates() {
        assert_eq!(crate::clock::date_of(0), "1970-01-01");
        assert_eq!(crate::clock::date_of(1_795_000_000), "2026-11-18");
    }
}

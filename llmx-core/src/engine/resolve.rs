//! From what the user typed (`claude`, `gpt-4o-mini`, `openrouter/meta-llama/llama-3.3-70b`) to
//! a [`Target`]: provider, model id, base URL and key. Every failure here is a usage error that
//! stops the run before anything is sent.

use crate::catalog::Catalog;
use crate::keys::Keys;
use crate::provider::registry::UnknownProvider;
use crate::provider::run::Target;
use crate::provider::Registry;
use crate::provider::{ErrorKind, ProviderError};

/// Why a model spec could not be resolved. Its `Display` names no front end's flags or
/// commands; a front end adds its own (the CLI: `-m`, `llmx keys set`).
#[derive(Debug, Clone)]
pub enum ResolveError {
    EmptyName,
    UnknownModel {
        spec: String,
        suggestion: Option<String>,
    },
    UnknownProvider(UnknownProvider),
    /// `openai/` with nothing after the slash.
    NoModelAfter {
        spec: String,
        provider: String,
    },
    BadBaseUrl {
        url: String,
        provider: String,
        origin: String,
    },
    /// A provider with no base URL of its own until the user names one (Azure OpenAI's
    /// resource).
    NoEndpoint {
        provider: String,
        set: String,
    },
    /// A provider set up in a way it cannot be called: what is wrong and what to set.
    Misconfigured {
        provider: String,
        problem: String,
    },
    /// Aliases that lead back to themselves, in the order followed.
    AliasCycle(Vec<String>),
    /// A key, auth header or URL password would travel over plain http to another machine.
    PlainHttpKey {
        provider: String,
        url: String,
        origin: String,
    },
    /// The key is shorter than the scrubber can look for without hiding ordinary words, so a
    /// server that echoed it would have it shown: refused, never sent.
    ShortKey {
        provider: String,
        /// Where it came from (`env OPENAI_API_KEY`, `keyring`, `config file`).
        origin: String,
    },
    /// The model is known but its provider has no key. In a compare beside runnable models
    /// this is that row's error; on its own it is a usage error.
    MissingKey {
        target: Box<Target>,
        provider: String,
        vars: Vec<String>,
    },
    /// `name:cheapest` for a model only one provider serves.
    NotRoutable {
        name: String,
        route: String,
        families: Vec<String>,
    },
    /// `--route provider=X` for a model X does not serve.
    NotServed {
        provider: String,
        family: String,
        served: Vec<String>,
    },
}

/// How much of a name an error shows.
const SHOWN_CHARS: usize = 80;

/// A name as an error shows it: at most [`SHOWN_CHARS`] characters.
fn shown(name: &str) -> std::borrow::Cow<'_, str> {
    match name.char_indices().nth(SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &name[..at]).into(),
        None => name.into(),
    }
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::EmptyName => f.write_str("empty model name"),
            ResolveError::UnknownModel {
                spec,
                suggestion: Some(s),
            } => write!(f, "unknown model `{}`; did you mean `{s}`?", shown(spec)),
            ResolveError::UnknownModel {
                spec,
                suggestion: None,
            } if spec.chars().count() > SHOWN_CHARS => write!(
                f,
                "unknown model `{}` ({} characters); name it as provider/model",
                shown(spec),
                spec.chars().count()
            ),
            ResolveError::UnknownModel {
                spec,
                suggestion: None,
            } => write!(
                f,
                "unknown model `{spec}`; name it as provider/model, e.g. openai/{spec}"
            ),
            ResolveError::UnknownProvider(u) => u.fmt(f),
            ResolveError::NoModelAfter { spec, provider } => write!(
                f,
                "`{spec}` names no model after `{provider}/`, e.g. `{provider}/<model-id>`"
            ),
            ResolveError::BadBaseUrl {
                url,
                provider,
                origin,
            } => write!(
                f,
                "base URL `{url}` for {provider} is not an http(s) URL; fix {origin}"
            ),
            ResolveError::NoEndpoint { provider, set } => {
                write!(f, "{provider} has no endpoint: set {set}")
            }
            ResolveError::Misconfigured { provider, problem } => write!(f, "{provider}: {problem}"),
            ResolveError::AliasCycle(chain) => {
                let shown: Vec<String> = chain.iter().map(|c| format!("`{c}`")).collect();
                write!(
                    f,
                    "the aliases {} go round in a circle; change one of them in the config's [aliases]",
                    shown.join(" → ")
                )
            }
            ResolveError::PlainHttpKey {
                provider,
                url,
                origin,
            } => write!(
                f,
                "refusing to send {provider} credentials over plain http to {url}; use https or a loopback address (set by {origin})"
            ),
            ResolveError::ShortKey { provider, origin } => write!(
                f,
                "the {provider} key (from {origin}) is shorter than {} characters, too short to \
                 keep out of what llmx shows; use the key the provider issued",
                crate::secret::MIN_KEY_CHARS
            ),
            ResolveError::MissingKey { provider, vars, .. } => {
                let vars = match vars.as_slice() {
                    [one] => one.clone(),
                    [first, rest @ ..] => format!("{first} (or {})", rest.join(", ")),
                    [] => "its key".into(),
                };
                write!(f, "no API key for {provider}: set {vars}")
            }
            ResolveError::NotRoutable {
                name,
                route,
                families,
            } => write!(
                f,
                "`{name}` is offered by one provider only, so `:{route}` has nothing to choose from; models with several providers: {}",
                families.join(", ")
            ),
            ResolveError::NotServed {
                provider,
                family,
                served,
            } => write!(
                f,
                "provider `{provider}` does not serve {family}; it is served by {}",
                served.join(", ")
            ),
        }
    }
}

impl std::error::Error for ResolveError {}

impl ResolveError {
    /// The error a row shows for a model that could not be called.
    pub(crate) fn to_provider_error(&self) -> ProviderError {
        let kind = match self {
            ResolveError::MissingKey { .. } => ErrorKind::MissingKey,
            _ => ErrorKind::BadRequest,
        };
        ProviderError::new(kind, self.to_string())
    }
}

/// What resolving a name may use: the providers, the catalog (aliases, known ids) and the keys.
#[derive(Clone, Copy)]
pub struct Resolver<'a> {
    pub registry: &'a Registry,
    pub catalog: &'a Catalog,
    pub keys: &'a Keys,
}

/// The provider's base URL, parsed (`None` for the offline provider), or why it cannot be
/// called: none set (Azure's resource), Azure's deployments form without an API version, or
/// not an http(s) URL.
fn endpoint(
    provider: &crate::provider::Provider,
    base_url: &str,
    origin: String,
) -> Result<Option<reqwest::Url>, ResolveError> {
    let mut url = None;
    if !provider.is_offline() && base_url.trim().is_empty() {
        return Err(ResolveError::NoEndpoint {
            provider: provider.id.clone(),
            set: if provider.id == "azure" {
                "AZURE_OPENAI_ENDPOINT (https://RESOURCE.openai.azure.com), or LLMX_AZURE_BASE_URL or the config's [providers.azure] base_url".into()
            } else if provider.dialect == crate::provider::Dialect::Bedrock {
                format!(
                    "AWS_REGION (or the AWS profile's region), or {}",
                    provider.base_url_env()
                )
            } else {
                format!("{} or the config's base_url", provider.base_url_env())
            },
        });
    }
    if provider.id == "azure" && base_url.ends_with("/openai") && provider.api_version.is_none() {
        return Err(ResolveError::Misconfigured {
            provider: provider.id.clone(),
            problem: format!(
                "the base URL ends in /openai, the deployments form, which needs an API version: set OPENAI_API_VERSION or the config's api_version, or use the v1 API ({}/v1)",
                crate::secret::redact_url(base_url)
            ),
        });
    }
    if !provider.is_offline() {
        match crate::provider::http::parse_url(base_url) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => url = Some(u),
            _ => {
                return Err(ResolveError::BadBaseUrl {
                    url: crate::secret::redact_url(base_url),
                    provider: provider.id.clone(),
                    origin,
                })
            }
        }
    }
    Ok(url)
}

/// Resolve one model spec.
pub fn resolve(spec: &str, r: Resolver) -> Result<Target, ResolveError> {
    let Resolver {
        registry,
        catalog,
        keys,
    } = r;
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(ResolveError::EmptyName);
    }
    // Follow aliases (a user's may name another), refusing to go round in a circle.
    let mut chain = vec![spec.to_string()];
    let mut spec = spec;
    while let Some(target) = catalog.alias(spec) {
        let target = target.trim();
        if chain.iter().any(|c| c.eq_ignore_ascii_case(target)) {
            chain.push(target.to_string());
            return Err(ResolveError::AliasCycle(chain));
        }
        chain.push(target.to_string());
        spec = target;
    }
    let (provider_name, model) = match spec.split_once('/') {
        Some((p, m)) if registry.get(p).is_some() => (p.to_string(), m.to_string()),
        Some((p, _)) => match catalog.provider_of(spec) {
            Some(prov) => (prov.to_string(), spec.to_string()),
            None => return Err(ResolveError::UnknownProvider(registry.unknown(p))),
        },
        None => match catalog.provider_of(spec) {
            Some(prov) => (prov.to_string(), spec.to_string()),
            None => {
                let names = catalog.known_names();
                let suggestion =
                    crate::suggest::did_you_mean(spec, names.iter().map(String::as_str))
                        .map(str::to_string);
                return Err(ResolveError::UnknownModel {
                    spec: spec.to_string(),
                    suggestion,
                });
            }
        },
    };
    let provider = registry
        .get(&provider_name)
        .cloned()
        .ok_or_else(|| ResolveError::UnknownProvider(registry.unknown(&provider_name)))?;
    if model.trim().is_empty() {
        return Err(ResolveError::NoModelAfter {
            spec: spec.to_string(),
            provider: provider_name,
        });
    }
    let mut provider = provider;
    let google = if provider.id == "vertex" {
        vertex_oauth(&mut provider, &model, keys)?
    } else {
        None
    };
    let base_url = provider.base_url.clone();
    let origin = provider.base_url_origin();
    let url = endpoint(&provider, &base_url, origin.clone())?;
    // The offline mock never takes a key, so it never asks any key store for one.
    let key = if provider.is_offline() {
        None
    } else {
        match keys.find(&provider) {
            Some((k, from)) if k.expose().chars().count() < crate::secret::MIN_KEY_CHARS => {
                return Err(ResolveError::ShortKey {
                    provider: provider.id.clone(),
                    origin: from.to_string(),
                })
            }
            found => found.map(|(k, _)| k),
        }
    };
    let aws = match provider.dialect {
        crate::provider::Dialect::Bedrock if key.is_none() => bedrock_signing(&provider, keys)?,
        _ => None,
    };
    if let Some(u) = &url {
        let creds = crate::provider::Credentials {
            aws: aws.clone(),
            google: google.clone(),
            ..crate::provider::Credentials::new(&provider, &base_url, key.clone())
        };
        if !crate::provider::http::credentials_allowed(u, &creds) {
            return Err(ResolveError::PlainHttpKey {
                provider: provider.id.clone(),
                url: crate::secret::redact_url(&base_url),
                origin,
            });
        }
    }
    let needed = missing_credentials(&provider);
    if key.is_none() && aws.is_none() && google.is_none() && !needed.is_empty() {
        let vars = needed;
        return Err(ResolveError::MissingKey {
            provider: provider.id.clone(),
            vars,
            target: Box::new(Target {
                provider,
                model,
                base_url,
                key: None,
                aws: None,
                google: None,
            }),
        });
    }
    Ok(Target {
        provider,
        model,
        base_url,
        key,
        aws,
        google,
    })
}

/// What to set when a provider has no credential at all: its key variables, or for the clouds
/// every way they take one; empty when it needs none.
fn missing_credentials(provider: &crate::provider::Provider) -> Vec<String> {
    if provider.dialect == crate::provider::Dialect::Bedrock {
        return vec![
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
            "AWS_PROFILE (a profile in ~/.aws/credentials)".into(),
            "AWS_BEARER_TOKEN_BEDROCK".into(),
        ];
    }
    if provider.id == "vertex" {
        return vec![
            "GOOGLE_APPLICATION_CREDENTIALS (a service account's key file)".into(),
            "application-default credentials (`gcloud auth application-default login`)".into(),
            "LLMX_VERTEX_API_KEY (an express-mode key)".into(),
        ];
    }
    if provider.key_required {
        provider.key_env.clone()
    } else {
        Vec::new()
    }
}

/// Vertex AI with OAuth2, where there is no express-mode key: the Google credential, and the
/// provider set to the project's endpoint — `LOCATION-aiplatform.googleapis.com` (unless a
/// base URL was set), `v1/projects/P/locations/L/publishers/…/models`, Claude models through
/// the Anthropic publisher in the Anthropic dialect. `None` with no credential at all.
fn vertex_oauth(
    provider: &mut crate::provider::Provider,
    model: &str,
    keys: &Keys,
) -> Result<Option<std::sync::Arc<crate::provider::google_auth::GoogleAuth>>, ResolveError> {
    let misconfigured = |problem: String| ResolveError::Misconfigured {
        provider: "vertex".into(),
        problem,
    };
    let claude = model.starts_with("claude");
    if keys.find(provider).is_some() {
        if claude {
            return Err(misconfigured(
                "Claude on Vertex AI needs OAuth2 credentials (GOOGLE_APPLICATION_CREDENTIALS or application-default credentials); an express-mode key reaches Gemini models only".into(),
            ));
        }
        return Ok(None);
    }
    let Some(auth) = keys.google().map_err(misconfigured)? else {
        return Ok(None);
    };
    let Some(project) = provider.project.clone().or_else(|| auth.project.clone()) else {
        return Err(misconfigured(
            "set GOOGLE_CLOUD_PROJECT to the Google Cloud project to call Vertex AI in".into(),
        ));
    };
    let location = provider
        .region
        .as_ref()
        .map_or_else(|| "us-central1".to_string(), |(l, _)| l.clone());
    if provider.origin.is_none() {
        provider.base_url = if location == "global" {
            "https://aiplatform.googleapis.com".into()
        } else {
            format!("https://{location}-aiplatform.googleapis.com")
        };
    }
    let publisher = if claude {
        provider.dialect = crate::provider::Dialect::Anthropic;
        "anthropic"
    } else {
        "google"
    };
    provider.model_path = Some(format!(
        "v1/projects/{project}/locations/{location}/publishers/{publisher}/models"
    ));
    Ok(Some(auth))
}

/// Bedrock's SigV4 signing, where there is no Bedrock API key: the AWS credentials found
/// (none is `None`) and the region they sign for.
fn bedrock_signing(
    provider: &crate::provider::Provider,
    keys: &Keys,
) -> Result<Option<crate::provider::AwsSigning>, ResolveError> {
    let misconfigured = |problem: String| ResolveError::Misconfigured {
        provider: provider.id.clone(),
        problem,
    };
    let Some((creds, _)) = keys.aws().map_err(misconfigured)? else {
        return Ok(None);
    };
    let Some((region, _)) = provider.region.clone() else {
        return Err(misconfigured(
            "requests are signed for a region: set AWS_REGION (or the AWS profile's region)".into(),
        ));
    };
    Ok(Some(crate::provider::AwsSigning { creds, region }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_cycle_is_reported_not_followed_forever() {
        let mut catalog = Catalog::embedded();
        catalog.aliases.insert("gpt".into(), "gpt".into());
        catalog.aliases.insert("a".into(), "b".into());
        catalog.aliases.insert("b".into(), "A".into());
        let registry = Registry::builtin();
        let keys = Keys::new(&Env::default(), None);
        let r = Resolver {
            registry: &registry,
            catalog: &catalog,
            keys: &keys,
        };
        assert!(matches!(
            resolve("gpt", r).unwrap_err(),
            ResolveError::AliasCycle(c) if c == ["gpt", "gpt"]
        ));
        let e = resolve("a", r).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the aliases `a` → `b` → `A` go round in a circle; change one of them in the config's [aliases]"
        );
    }
    use crate::env::Env;
    use crate::keys::{KeyStore, StoreError};
    use crate::secret::Secret;

    fn world(env: &Env) -> (Registry, Catalog, Keys) {
        let mut registry = Registry::builtin();
        registry.apply_env(env);
        (registry, Catalog::embedded(), Keys::new(env, None))
    }

    #[test]
    fn the_clouds_endpoints_follow_their_region_location_and_project() {
        let sa = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/vertex/service-account.json"
        );
        let target = |pairs: &[(&str, &str)], spec: &str| {
            let env = Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            let (registry, catalog, keys) = world(&env);
            let r = Resolver {
                registry: &registry,
                catalog: &catalog,
                keys: &keys,
            };
            resolve(spec, r)
        };
        let google = [("GOOGLE_APPLICATION_CREDENTIALS", sa)];
        let t = target(&google, "vertex/gemini-2.5-flash").unwrap();
        assert_eq!(t.base_url, "https://us-central1-aiplatform.googleapis.com");
        assert_eq!(
            t.provider.model_path.as_deref(),
            Some("v1/projects/llmx-test-project/locations/us-central1/publishers/google/models")
        );
        assert!(t.google.is_some() && t.key.is_none());
        let global = [
            google[0],
            ("GOOGLE_CLOUD_LOCATION", "global"),
            ("GOOGLE_CLOUD_PROJECT", "p2"),
        ];
        let t = target(&global, "vertex/claude-sonnet-4-5@20250929").unwrap();
        assert_eq!(t.base_url, "https://aiplatform.googleapis.com");
        assert_eq!(t.provider.dialect, crate::provider::Dialect::Anthropic);
        assert_eq!(
            t.provider.model_path.as_deref(),
            Some("v1/projects/p2/locations/global/publishers/anthropic/models")
        );
        // An express-mode key keeps the express endpoint, and cannot reach Claude.
        let express = [
            google[0],
            ("LLMX_VERTEX_API_KEY", "vertex-express-0123456789"),
        ];
        let t = target(&express, "vertex/gemini-2.5-flash").unwrap();
        assert_eq!(t.base_url, "https://aiplatform.googleapis.com");
        assert!(t.google.is_none());
        assert!(matches!(
            target(&express, "vertex/claude-sonnet-4-5@20250929"),
            Err(ResolveError::Misconfigured { .. })
        ));
        // Bedrock: the region picks the endpoint and signs.
        let aws = [
            ("AWS_REGION", "eu-west-3"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            (
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            ),
            ("HOME", "/nonexistent"),
        ];
        let t = target(&aws, "bedrock/amazon.nova-lite-v1:0").unwrap();
        assert_eq!(
            t.base_url,
            "https://bedrock-runtime.eu-west-3.amazonaws.com"
        );
        assert_eq!(t.aws.unwrap().region, "eu-west-3");
        let e = target(&aws[1..], "bedrock/amazon.nova-lite-v1:0").unwrap_err();
        assert_eq!(
            e.to_string(),
            "bedrock has no endpoint: set AWS_REGION (or the AWS profile's region), or LLMX_BEDROCK_BASE_URL"
        );
    }

    fn run(spec: &str, env: &Env) -> Result<Target, ResolveError> {
        let (registry, catalog, keys) = world(env);
        resolve(
            spec,
            Resolver {
                registry: &registry,
                catalog: &catalog,
                keys: &keys,
            },
        )
    }

    fn env() -> Env {
        Env::from_pairs([("OPENAI_API_KEY", "sk-test-aaaaaaaaaaaa")])
    }

    #[test]
    fn forms_of_model_names() {
        let t = run("gpt", &env()).unwrap();
        assert_eq!(
            (t.provider.id.as_str(), t.model.as_str()),
            ("openai", "gpt-5.4-mini")
        );
        let t = run("gpt-4o", &env()).unwrap();
        assert_eq!(t.provider.id, "openai");
        let e = Env::from_pairs([("OPENROUTER_API_KEY", "test-key")]);
        let t = run("openrouter/meta-llama/llama-3.3-70b-instruct", &e).unwrap();
        assert_eq!(t.model, "meta-llama/llama-3.3-70b-instruct");
        let t = run("mock/anything", &Env::default()).unwrap();
        assert!(t.key.is_none());
    }

    #[test]
    fn first_hit_errors_name_the_fix() {
        let none = Env::default();
        let e = run("claude", &none).unwrap_err();
        // The core names the variable; a front end adds its own way to store a key.
        assert_eq!(
            e.to_string(),
            "no API key for anthropic: set ANTHROPIC_API_KEY"
        );
        let e = run("gemini", &none).unwrap_err();
        assert!(e.to_string().contains("GEMINI_API_KEY (or GOOGLE_API_KEY)"));
        let e = run("claud", &none).unwrap_err();
        assert!(
            e.to_string().contains("did you mean `claude`?"),
            "{}",
            e.to_string()
        );
        let e = run("opnai/gpt-4o", &none).unwrap_err();
        assert!(
            e.to_string().contains("did you mean `openai`?"),
            "{}",
            e.to_string()
        );
        assert!(e.to_string().contains("known providers: openai, anthropic"));
        let e = run("openai/", &env()).unwrap_err();
        assert!(e.to_string().contains("names no model"));
        let bad = Env::from_pairs([
            ("OPENAI_API_KEY", "test-key"),
            ("LLMX_OPENAI_BASE_URL", "nope"),
        ]);
        let e = run("gpt", &bad).unwrap_err();
        assert!(e.to_string().contains("LLMX_OPENAI_BASE_URL"));
    }

    /// A key store holding fixed keys.
    struct Fixed(&'static [(&'static str, &'static str)]);
    impl KeyStore for Fixed {
        fn get(&self, provider: &str) -> Result<Option<Secret>, StoreError> {
            Ok(self
                .0
                .iter()
                .find(|(p, _)| *p == provider)
                .map(|(_, k)| Secret::new(*k)))
        }
        fn set(&self, _: &str, _: &Secret) -> Result<(), StoreError> {
            Ok(())
        }
        fn remove(&self, _: &str) -> Result<bool, StoreError> {
            Ok(false)
        }
        fn describe(&self) -> String {
            "a fixed test store".into()
        }
    }

    /// Resolution uses the catalog and keys it is handed, not any process-wide state.
    #[test]
    fn resolves_with_the_catalog_and_keys_it_is_given() {
        let catalog: Catalog = Catalog::from_json(
            r#"{"generated_by":"test","prices_as_of":"2026-11-01",
                "aliases":{"tiny":"anthropic/tiny-1"},
                "providers":[{"provider":"anthropic","source":"test","source_date":"2026-11-01",
                  "models":[{"id":"tiny-1","price":{"input":1.0,"output":2.0}}]}]}"#,
        )
        .unwrap();
        let registry = Registry::builtin();
        let keys = Keys::new(
            &Env::default(),
            Some(Box::new(Fixed(&[("anthropic", "sk-ant-from-store-0123")]))),
        );
        let r = Resolver {
            registry: &registry,
            catalog: &catalog,
            keys: &keys,
        };
        let t = resolve("tiny", r).unwrap();
        assert_eq!(
            (t.provider.id.as_str(), t.model.as_str()),
            ("anthropic", "tiny-1")
        );
        assert_eq!(t.key.unwrap().expose(), "sk-ant-from-store-0123");
        // A name only the embedded catalog knows is unknown to this one.
        let e = resolve("gpt", r).unwrap_err();
        assert!(
            e.to_string().starts_with("unknown model `gpt`"),
            "{}",
            e.to_string()
        );
        // And the price comes from the catalog handed in, at the time handed in.
        let at = std::time::SystemTime::UNIX_EPOCH;
        assert_eq!(
            catalog.price("anthropic", "tiny-1", at).unwrap().output,
            2.0
        );
        assert!(catalog.price("anthropic", "claude-haiku-4-5", at).is_none());
    }
}

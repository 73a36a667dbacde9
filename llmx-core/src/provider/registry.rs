//! One row per provider: its id, wire dialect, default base URL, key env vars and extra headers.
//! An OpenAI-compatible service is a row here and nothing else.

use super::dialect::WireDialect;
use crate::env::Env;

/// The wire format a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAI Chat Completions and every compatible service.
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini `generateContent`.
    Gemini,
    /// Amazon Bedrock's Converse (SigV4-signed, or a Bedrock API key as a bearer token).
    Bedrock,
}

impl Dialect {
    /// The dialect's implementation: everything the call path needs to know about its wire format.
    pub fn wire(self) -> &'static dyn WireDialect {
        match self {
            Dialect::OpenAi => &super::dialect::OpenAi,
            Dialect::Anthropic => &super::dialect::Anthropic,
            Dialect::Gemini => &super::dialect::Gemini,
            Dialect::Bedrock => &super::dialect::Bedrock,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.wire().name()
    }

    /// The dialect a config file names.
    pub fn parse(s: &str) -> Option<Dialect> {
        [
            Dialect::OpenAi,
            Dialect::Anthropic,
            Dialect::Gemini,
            Dialect::Bedrock,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// How a provider's calls travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// HTTP(S) to the provider's base URL, through the shared client.
    Http,
    /// llmx's built-in offline provider: answered in-process, no socket, no key.
    Offline,
}

/// Which body field carries the output limit in the OpenAI dialect: OpenAI itself takes
/// `max_completion_tokens`; most compatible services still take `max_tokens` (wire-formats §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxTokensField {
    MaxCompletionTokens,
    MaxTokens,
}

/// A provider llmx can talk to.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub id: String,
    /// Other names accepted for it on the command line (`google` for `gemini`).
    pub aliases: Vec<String>,
    pub dialect: Dialect,
    pub transport: TransportKind,
    /// The base URL in the sense of the provider's own SDK: with `/v1` for OpenAI-style services,
    /// without a version for Anthropic and Gemini.
    pub base_url: String,
    /// Env vars holding the key, in lookup order.
    pub key_env: Vec<String>,
    /// Whether a request can go out with no key at all (local servers).
    pub key_required: bool,
    /// Headers every request to this provider carries (built in, not secret).
    pub headers: Vec<(String, String)>,
    /// Headers from the user's config: values treated as secrets (masked, scrubbed, never sent
    /// over plain http to another machine).
    pub secret_headers: Vec<(String, crate::secret::Secret)>,
    pub max_tokens_field: MaxTokensField,
    /// Whether to ask for usage in streams with `stream_options.include_usage`.
    pub stream_usage_option: bool,
    /// Where a non-default base URL came from (a config field), for messages.
    pub origin: Option<String>,
    /// A key written in the config file (looked up last).
    pub config_key: Option<crate::secret::Secret>,
    /// At most this many requests to this provider at once (`[providers.X] concurrency`).
    pub concurrency: Option<usize>,
    /// It speaks OpenAI's Responses wire too (`POST /responses`; OpenAI's own row, and config
    /// rows with `responses = true`): a Responses client's request goes to it as it came.
    pub responses: bool,
    /// It has its dialect's Batch API (OpenAI's files and batches, Anthropic's message
    /// batches).
    pub batch: bool,
    /// The header its key goes in instead of the dialect's own (Azure OpenAI's `api-key`).
    pub key_header: Option<&'static str>,
    /// Azure OpenAI's deployments form: with a base ending in `/openai`, requests go to
    /// `…/openai/deployments/MODEL/chat/completions?api-version=V`.
    pub api_version: Option<String>,
    /// Where a Gemini-dialect provider keeps its models, if not `v1beta/models` (Vertex AI's
    /// express mode: `v1/publishers/google/models`).
    pub model_path: Option<String>,
    /// The AWS region Bedrock's requests go to and are signed for (Vertex AI's location), and
    /// where it was set.
    pub region: Option<(String, String)>,
    /// Vertex AI's Google Cloud project (`GOOGLE_CLOUD_PROJECT`), for its OAuth2 endpoints.
    pub project: Option<String>,
}

/// Azure OpenAI's own variables, as its SDKs read them: `AZURE_OPENAI_ENDPOINT` (the
/// resource root; the v1 API is under `/openai/v1`) where neither `LLMX_AZURE_BASE_URL` nor
/// the config set a base URL; `OPENAI_API_VERSION` (the deployments form, for a base ending in
/// `/openai`) where the config set none; and a Microsoft Entra token
/// (`AZURE_OPENAI_AD_TOKEN`, sent as a bearer token) where there is no `AZURE_OPENAI_API_KEY`.
fn azure_env(p: &mut Provider, env: &Env) {
    if p.origin.is_none() {
        if let Some(root) = env
            .get("AZURE_OPENAI_ENDPOINT")
            .filter(|v| !v.trim().is_empty())
        {
            p.base_url = format!("{}/openai/v1", root.trim().trim_end_matches('/'));
            p.origin = Some("AZURE_OPENAI_ENDPOINT".into());
        }
    }
    if p.api_version.is_none() {
        p.api_version = env
            .get("OPENAI_API_VERSION")
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
    }
    if env.get("AZURE_OPENAI_API_KEY").is_none() && env.get("AZURE_OPENAI_AD_TOKEN").is_some() {
        p.key_env = vec!["AZURE_OPENAI_AD_TOKEN".into()];
        p.key_header = None;
    }
}

/// Bedrock's region (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's), and from it the
/// runtime endpoint `https://bedrock-runtime.REGION.amazonaws.com` where no base URL was set.
fn bedrock_env(p: &mut Provider, env: &Env) {
    // The environment's region wins over the config's; the profile's comes last.
    match crate::provider::aws_env::region(env) {
        Some(r) if r.1.starts_with("AWS_") || p.region.is_none() => p.region = Some(r),
        _ => {}
    }
    if p.origin.is_none() && p.base_url.is_empty() {
        if let Some((r, _)) = &p.region {
            p.base_url = format!("https://bedrock-runtime.{r}.amazonaws.com");
        }
    }
}

impl Provider {
    /// The built-in offline provider, which needs no key, URL or socket.
    pub fn is_offline(&self) -> bool {
        self.transport == TransportKind::Offline
    }

    /// `LLMX_<ID>_BASE_URL`: the env var that overrides this provider's base URL.
    pub fn base_url_env(&self) -> String {
        let id: String = self
            .id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("LLMX_{id}_BASE_URL")
    }

    /// Where the base URL came from, for messages: an env var, a config field, or built in
    /// (named by the env var that would override it).
    pub(crate) fn base_url_origin(&self) -> String {
        self.origin.clone().unwrap_or_else(|| self.base_url_env())
    }

    /// Whether the user pointed this provider somewhere (an env var or the config file).
    pub(crate) fn base_url_is_set(&self) -> bool {
        self.origin.is_some()
    }
}

struct Row {
    id: &'static str,
    aliases: &'static [&'static str],
    dialect: Dialect,
    transport: TransportKind,
    base_url: &'static str,
    key_env: &'static [&'static str],
    key_required: bool,
    headers: &'static [(&'static str, &'static str)],
    max_tokens_field: MaxTokensField,
    stream_usage_option: bool,
    responses: bool,
    batch: bool,
    key_header: Option<&'static str>,
    model_path: Option<&'static str>,
}

const fn compat(
    id: &'static str,
    base_url: &'static str,
    key_env: &'static [&'static str],
    key_required: bool,
) -> Row {
    Row {
        id,
        aliases: &[],
        dialect: Dialect::OpenAi,
        transport: TransportKind::Http,
        base_url,
        key_env,
        key_required,
        headers: &[],
        max_tokens_field: MaxTokensField::MaxTokens,
        stream_usage_option: true,
        responses: false,
        key_header: None,
        model_path: None,
        batch: false,
    }
}

const BUILTIN: &[Row] = &[
    Row {
        max_tokens_field: MaxTokensField::MaxCompletionTokens,
        responses: true,
        batch: true,
        ..compat(
            "openai",
            "https://api.openai.com/v1",
            &["OPENAI_API_KEY"],
            true,
        )
    },
    Row {
        dialect: Dialect::Anthropic,
        batch: true,
        ..compat(
            "anthropic",
            "https://api.anthropic.com",
            &["ANTHROPIC_API_KEY"],
            true,
        )
    },
    Row {
        aliases: &["google"],
        dialect: Dialect::Gemini,
        batch: true,
        ..compat(
            "gemini",
            "https://generativelanguage.googleapis.com",
            &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
            true,
        )
    },
    // Azure OpenAI: no base URL until the user names the resource (AZURE_OPENAI_ENDPOINT, or
    // LLMX_AZURE_BASE_URL / the config's `base_url`); the key goes in `api-key`; the model is
    // the deployment's name.
    Row {
        max_tokens_field: MaxTokensField::MaxCompletionTokens,
        key_header: Some("api-key"),
        ..compat("azure", "", &["AZURE_OPENAI_API_KEY"], true)
    },
    // Amazon Bedrock: the endpoint follows the region (AWS_REGION...); requests are signed
    // with SigV4, or carry a Bedrock API key as a bearer token.
    Row {
        dialect: Dialect::Bedrock,
        ..compat("bedrock", "", &["AWS_BEARER_TOKEN_BEDROCK"], false)
    },
    // Google Vertex AI: in express mode (an API key) Gemini models under
    // `/v1/publishers/google/models`, the key in `x-goog-api-key`; with OAuth2 (a service
    // account or application-default credentials) under the project and location, Claude
    // models through the Anthropic publisher (see `resolve`).
    Row {
        dialect: Dialect::Gemini,
        model_path: Some("v1/publishers/google/models"),
        ..compat(
            "vertex",
            "https://aiplatform.googleapis.com",
            &["LLMX_VERTEX_API_KEY"],
            false,
        )
    },
    Row {
        headers: &[("x-title", "llmx")],
        ..compat(
            "openrouter",
            "https://openrouter.ai/api/v1",
            &["OPENROUTER_API_KEY"],
            true,
        )
    },
    compat(
        "deepseek",
        "https://api.deepseek.com",
        &["DEEPSEEK_API_KEY"],
        true,
    ),
    // Mistral reports usage in streams unasked and documents no `stream_options`.
    Row {
        stream_usage_option: false,
        ..compat(
            "mistral",
            "https://api.mistral.ai/v1",
            &["MISTRAL_API_KEY"],
            true,
        )
    },
    // Groq serves OpenAI's files and batches under its base URL (its cookbook's batch
    // tutorial and groq-python's `batches` and `files` resources).
    Row {
        batch: true,
        ..compat(
            "groq",
            "https://api.groq.com/openai/v1",
            &["GROQ_API_KEY"],
            true,
        )
    },
    compat("xai", "https://api.x.ai/v1", &["XAI_API_KEY"], true),
    compat(
        "together",
        "https://api.together.xyz/v1",
        &["TOGETHER_API_KEY"],
        true,
    ),
    compat(
        "ollama",
        "http://localhost:11434/v1",
        &["OLLAMA_API_KEY"],
        false,
    ),
    compat("lmstudio", "http://localhost:1234/v1", &[], false),
    compat(
        "llamacpp",
        "http://127.0.0.1:8080/v1",
        &["LLAMACPP_API_KEY"],
        false,
    ),
    compat("vllm", "http://localhost:8000/v1", &["VLLM_API_KEY"], false),
    Row {
        transport: TransportKind::Offline,
        ..compat("mock", "", &[], false)
    },
];

/// A provider name that is not in the table.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownProvider {
    pub name: String,
    pub suggestion: Option<String>,
    pub known: Vec<String>,
}

impl std::fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown provider `{}`; ", self.name)?;
        if let Some(s) = &self.suggestion {
            write!(f, "did you mean `{s}`? ")?;
        }
        write!(f, "known providers: {}", self.known.join(", "))
    }
}

/// The providers llmx knows.
#[derive(Debug, Clone)]
pub struct Registry {
    providers: Vec<Provider>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// The built-in table.
    pub fn builtin() -> Self {
        let providers = BUILTIN
            .iter()
            .map(|r| Provider {
                id: r.id.to_string(),
                aliases: r.aliases.iter().map(|s| s.to_string()).collect(),
                dialect: r.dialect,
                transport: r.transport,
                base_url: r.base_url.to_string(),
                key_env: r.key_env.iter().map(|s| s.to_string()).collect(),
                key_required: r.key_required,
                headers: r
                    .headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                secret_headers: Vec::new(),
                max_tokens_field: r.max_tokens_field,
                stream_usage_option: r.stream_usage_option,
                origin: None,
                config_key: None,
                concurrency: None,
                responses: r.responses,
                batch: r.batch,
                key_header: r.key_header,
                api_version: None,
                model_path: r.model_path.map(str::to_string),
                region: None,
                project: None,
            })
            .collect();
        Registry { providers }
    }

    /// Lay `LLMX_<PROVIDER>_BASE_URL` overrides over the table (they beat the config file).
    pub fn apply_env(&mut self, env: &Env) {
        for p in &mut self.providers {
            let var = p.base_url_env();
            if let Some(url) = env.get(&var) {
                p.base_url = url.trim_end_matches('/').to_string();
                p.origin = Some(var);
            }
            if p.id == "azure" {
                azure_env(p, env);
            }
            if p.dialect == Dialect::Bedrock {
                bedrock_env(p, env);
            }
            if p.id == "vertex" {
                let var = |name: &str| {
                    env.get(name)
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                };
                // The environment wins over the config.
                p.project = var("GOOGLE_CLOUD_PROJECT").or(p.project.take());
                if let Some(l) = var("GOOGLE_CLOUD_LOCATION") {
                    p.region = Some((l, "GOOGLE_CLOUD_LOCATION".to_string()));
                }
            }
        }
    }

    /// Add (or replace) a provider, e.g. a custom one from the config file.
    pub fn insert(&mut self, p: Provider) {
        self.providers.retain(|q| q.id != p.id);
        self.providers.push(p);
    }

    /// Find a provider by id or alias, case-insensitively.
    pub fn get(&self, name: &str) -> Option<&Provider> {
        let name = name.to_ascii_lowercase();
        self.providers
            .iter()
            .find(|p| p.id == name || p.aliases.contains(&name))
    }

    pub fn all(&self) -> &[Provider] {
        &self.providers
    }

    /// The error for a provider name that is not in the table, with the closest known one.
    pub fn unknown(&self, name: &str) -> UnknownProvider {
        let ids = self.ids();
        UnknownProvider {
            name: name.to_string(),
            suggestion: crate::suggest::did_you_mean(name, ids.iter().copied()).map(str::to_string),
            known: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The ids, for "known providers are ..." messages.
    pub fn ids(&self) -> Vec<&str> {
        self.providers.iter().map(|p| p.id.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_rows_exist() {
        let r = Registry::builtin();
        for id in [
            "openai",
            "anthropic",
            "gemini",
            "openrouter",
            "deepseek",
            "mistral",
            "groq",
            "xai",
            "together",
            "ollama",
            "lmstudio",
            "llamacpp",
            "mock",
        ] {
            assert!(r.get(id).is_some(), "{id} missing");
        }
        assert_eq!(r.get("google").unwrap().id, "gemini");
        assert_eq!(
            r.get("ollama").unwrap().base_url,
            "http://localhost:11434/v1"
        );
        assert!(!r.get("ollama").unwrap().key_required);
        assert_eq!(
            r.get("gemini").unwrap().key_env,
            vec!["GEMINI_API_KEY", "GOOGLE_API_KEY"]
        );
    }

    #[test]
    fn base_url_override_env() {
        let mut r = Registry::builtin();
        let p = r.get("openrouter").unwrap();
        assert_eq!(p.base_url_env(), "LLMX_OPENROUTER_BASE_URL");
        assert_eq!(p.base_url, "https://openrouter.ai/api/v1");
        assert!(!p.base_url_is_set());
        let env = Env::from_pairs([("LLMX_OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1/")]);
        r.apply_env(&env);
        let p = r.get("openrouter").unwrap();
        assert_eq!(p.base_url, "http://127.0.0.1:9/api/v1");
        assert_eq!(p.base_url_origin(), "LLMX_OPENROUTER_BASE_URL");
    }
}

//! The config file (TOML): default options, user aliases, per-provider overrides and custom
//! providers. Read once at startup; every mistake is an error naming the file, line and field.
//!
//! Precedence, applied by the commands: flags, then env vars, then this file, then defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ConfigError, ConfigProblem, FieldProblem};
use llmx_core::env::Env;
use llmx_core::provider::registry::MaxTokensField;
use llmx_core::provider::{Dialect, Provider, Registry};
use llmx_core::secret::Secret;

/// What the file may hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub defaults: Defaults,
    /// `fast = "groq/llama-3.3-70b-versatile"`
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// Overrides of built-in providers, and custom providers (those with a `dialect`).
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderConfig>,
    /// The local history of runs.
    #[serde(default)]
    pub history: HistoryConfig,
    /// `llmx serve`'s settings (its flags win).
    #[serde(default)]
    pub serve: ServeConfig,
}

/// `[serve]`: what `llmx serve` listens on, whom it answers, what it may spend, which models.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    pub host: Option<String>,
    pub port: Option<u16>,
    /// More Host names requests may carry.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Web origins whose pages may call the server.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    pub max_cost: Option<f64>,
    pub max_cost_per_day: Option<f64>,
    pub concurrency: Option<u32>,
    pub shutdown_timeout: Option<f64>,
    /// The only model specs clients may ask for (as they send them); none: every model.
    pub models: Option<Vec<String>>,
}

/// `[history]`: whether runs are recorded, and whether their texts are kept.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HistoryConfig {
    /// Record runs (default true).
    pub enabled: Option<bool>,
    /// Keep prompt and answer texts (default true); false keeps metrics and hashes only.
    pub store_text: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Models `compare` uses when no -m is given.
    pub models: Option<Vec<String>>,
    /// The model `ask` uses when no -m is given (else the first of `models`).
    pub ask_model: Option<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    /// Seconds per attempt.
    pub timeout: Option<f64>,
    pub concurrency: Option<u32>,
    /// The `[history]` table, handed to the run settings with the defaults.
    #[serde(skip)]
    pub history: HistoryConfig,
    /// The `[serve]` table, handed to `llmx serve`'s settings with the defaults.
    #[serde(skip)]
    pub serve: ServeConfig,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// `openai`, `anthropic` or `gemini`: makes this a custom provider.
    pub dialect: Option<String>,
    pub base_url: Option<String>,
    /// The key itself (prefer the OS keyring: `llmx keys set`).
    pub api_key: Option<String>,
    /// An env var to read the key from, tried before the provider's usual ones.
    pub api_key_env: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// At most this many requests to this provider at once (a local server that runs one
    /// request at a time wants 1).
    pub concurrency: Option<u32>,
    /// It speaks OpenAI's Responses wire too: `llmx serve` sends a Responses client's request
    /// to it as it came (OpenAI-dialect providers only).
    pub responses: Option<bool>,
    /// It serves its dialect's Batch API (OpenAI's files and batches, Anthropic's message
    /// batches): `bench --batch` may use it.
    pub batch: Option<bool>,
    /// Azure OpenAI's `api-version`, for a base URL ending in `/openai` (the deployments form).
    pub api_version: Option<String>,
    /// Azure OpenAI: each deployment's name and the OpenAI model it runs (`my-gpt =
    /// "gpt-4o-mini"`), for its prices and capabilities.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deployments: BTreeMap<String, String>,
    /// Amazon Bedrock's AWS region (`AWS_REGION` wins over it).
    pub region: Option<String>,
    /// Google Vertex AI's project (`GOOGLE_CLOUD_PROJECT` wins over it).
    pub project: Option<String>,
    /// Google Vertex AI's location (`GOOGLE_CLOUD_LOCATION` wins over it).
    pub location: Option<String>,
}

/// A loaded config file.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub file: ConfigFile,
    text: String,
    /// Things worth saying once (a readable file holding a key).
    pub warnings: Vec<String>,
}

/// `$LLMX_CONFIG`, else `<user config dir>/llmx/config.toml` (`~/.config/llmx/config.toml`).
pub fn config_path(env: &Env) -> Option<PathBuf> {
    match env.get("LLMX_CONFIG") {
        Some(p) => Some(PathBuf::from(p)),
        None => Some(dirs::config_dir()?.join("llmx").join("config.toml")),
    }
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Config {
    /// Read the config file. A missing file is no config (`Ok(None)`) unless `LLMX_CONFIG`
    /// names it explicitly.
    pub fn load(env: &Env) -> Result<Option<Config>, ConfigError> {
        let Some(path) = config_path(env) else {
            return Ok(None);
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if env.is_set("LLMX_CONFIG") {
                    return Err(ConfigError::NotFound(path));
                }
                return Ok(None);
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Config::parse(&path, text).map(Some)
    }

    pub fn parse(path: &Path, text: String) -> Result<Config, ConfigError> {
        let file: ConfigFile = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| line_at(&text, s.start)).unwrap_or(1);
            ConfigError::At {
                path: path.to_path_buf(),
                line,
                problem: ConfigProblem::Syntax(e.message().replace('\n', " ").trim().to_string()),
            }
        })?;
        let mut cfg = Config {
            path: path.to_path_buf(),
            file,
            text,
            warnings: Vec::new(),
        };
        cfg.validate()?;
        if cfg.holds_a_key() && readable_by_others(path) {
            cfg.warnings.push(format!(
                "config `{}` holds an API key and is readable by other users; run: chmod 600 {}",
                path.display(),
                path.display()
            ));
        }
        Ok(cfg)
    }

    fn holds_a_key(&self) -> bool {
        self.file.providers.values().any(|p| p.api_key.is_some())
    }

    /// The line where `key` is set inside `[section]` (best effort, for messages).
    fn line_of(&self, section: &str, key: &str) -> usize {
        let mut in_section = section.is_empty();
        for (i, raw) in self.text.lines().enumerate() {
            let l = raw.trim();
            if l.starts_with('[') {
                let name = l.trim_matches(|c| c == '[' || c == ']').trim();
                in_section = name == section || name.replace('"', "") == section;
                continue;
            }
            if in_section {
                if let Some((k, _)) = l.split_once('=') {
                    if k.trim().trim_matches('"') == key {
                        return i + 1;
                    }
                }
            }
        }
        1
    }

    fn error(&self, section: &str, key: &str, problem: FieldProblem) -> ConfigError {
        let field = if section.is_empty() {
            key.to_string()
        } else {
            format!("{section}.{key}")
        };
        ConfigError::At {
            path: self.path.clone(),
            line: self.line_of(section, key),
            problem: ConfigProblem::Field { field, problem },
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let d = &self.file.defaults;
        // The same checks as the flags (crate::validate), so a value means the same everywhere.
        if let Some(t) = d.temperature {
            if crate::validate::check_temperature(t).is_err() {
                return Err(self.error("defaults", "temperature", FieldProblem::Temperature(t)));
            }
        }
        if d.max_tokens == Some(0) {
            return Err(self.error("defaults", "max_tokens", FieldProblem::AtLeastOne));
        }
        if let Some(t) = d.timeout {
            if let Err(e) = crate::validate::check_secs(t) {
                return Err(self.error("defaults", "timeout", FieldProblem::Range(e)));
            }
        }
        if d.concurrency == Some(0) {
            return Err(self.error("defaults", "concurrency", FieldProblem::AtLeastOne));
        }
        if d.models.as_ref().is_some_and(|m| m.is_empty()) {
            return Err(self.error("defaults", "models", FieldProblem::NoModels));
        }
        if d.ask_model.as_ref().is_some_and(|m| m.trim().is_empty()) {
            return Err(self.error("defaults", "ask_model", FieldProblem::Empty));
        }
        for (alias, target) in &self.file.aliases {
            if target.trim().is_empty() || alias.contains('/') {
                return Err(self.error("aliases", alias, FieldProblem::AliasForm));
            }
        }
        for (name, p) in &self.file.providers {
            let section = format!("providers.{name}");
            if let Some(d) = &p.dialect {
                if Dialect::parse(d).is_none() {
                    return Err(self.error(&section, "dialect", FieldProblem::Dialect(d.clone())));
                }
            }
            if let Some(u) = &p.base_url {
                match reqwest::Url::parse(u) {
                    Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {}
                    _ => {
                        return Err(self.error(
                            &section,
                            "base_url",
                            FieldProblem::NotHttpUrl(u.clone()),
                        ))
                    }
                }
            }
            if p.concurrency == Some(0) {
                return Err(self.error(&section, "concurrency", FieldProblem::AtLeastOne));
            }
            if p.api_key.as_deref().is_some_and(|k| k.trim().is_empty()) {
                return Err(self.error(&section, "api_key", FieldProblem::Empty));
            }
            for (k, v) in &p.headers {
                let ok = reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_ok()
                    && reqwest::header::HeaderValue::from_str(v).is_ok();
                if !ok {
                    return Err(self.error(
                        &format!("{section}.headers"),
                        k,
                        FieldProblem::BadHeader,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Lay the `[providers]` section over the registry: overrides of built-ins and custom
    /// providers, each remembering where its base URL came from.
    pub fn apply(&self, registry: &mut Registry) -> Result<(), ConfigError> {
        for (name, pc) in &self.file.providers {
            let section = format!("providers.{name}");
            let mut p = match (registry.get(name).cloned(), &pc.dialect) {
                (Some(builtin), None) => builtin,
                (Some(_), Some(_)) => {
                    return Err(self.error(
                        &section,
                        "dialect",
                        FieldProblem::BuiltinDialect(name.clone()),
                    ))
                }
                (None, Some(d)) => {
                    let dialect = Dialect::parse(d).unwrap_or(Dialect::OpenAi);
                    let Some(base) = pc.base_url.clone() else {
                        return Err(self.error(&section, "base_url", FieldProblem::MissingBaseUrl));
                    };
                    Provider {
                        id: name.to_ascii_lowercase(),
                        aliases: Vec::new(),
                        dialect,
                        transport: llmx_core::provider::TransportKind::Http,
                        base_url: base,
                        key_env: Vec::new(),
                        key_required: false,
                        headers: Vec::new(),
                        secret_headers: Vec::new(),
                        max_tokens_field: MaxTokensField::MaxTokens,
                        stream_usage_option: true,
                        origin: None,
                        config_key: None,
                        concurrency: None,
                        responses: false,
                        batch: false,
                        key_header: None,
                        api_version: None,
                        model_path: None,
                        region: None,
                        project: None,
                    }
                }
                (None, None) => {
                    let ids = registry.ids();
                    return Err(ConfigError::At {
                        path: self.path.clone(),
                        line: self.section_line(&section),
                        problem: ConfigProblem::NotBuiltin {
                            suggestion: llmx_core::catalog::did_you_mean(name, ids.iter().copied())
                                .map(str::to_string),
                            section,
                        },
                    });
                }
            };
            if let Some(u) = &pc.base_url {
                p.base_url = u.trim_end_matches('/').to_string();
                p.origin = Some(format!("{section}.base_url in {}", self.path.display()));
            }
            if let Some(var) = &pc.api_key_env {
                p.key_env.insert(0, var.clone());
                if pc.dialect.is_some() {
                    p.key_required = true;
                }
            }
            if let Some(k) = &pc.api_key {
                p.config_key = Some(Secret::new(k.trim()));
            }
            if let Some(b) = pc.batch {
                p.batch = b;
            }
            if let Some(v) = pc.api_version.as_deref().map(str::trim) {
                if v.is_empty() {
                    return Err(self.error(&section, "api_version", FieldProblem::Empty));
                }
                p.api_version = Some(v.to_string());
            }
            self.apply_cloud(&section, pc, &mut p)?;
            if let Some(r) = pc.responses {
                if r && p.dialect != Dialect::OpenAi {
                    return Err(self.error(&section, "responses", FieldProblem::ResponsesDialect));
                }
                p.responses = r;
            }
            if let Some(n) = pc.concurrency {
                p.concurrency = Some(n as usize);
            }
            for (k, v) in &pc.headers {
                p.headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
                p.secret_headers
                    .retain(|(name, _)| !name.eq_ignore_ascii_case(k));
                p.secret_headers.push((k.clone(), Secret::new(v.clone())));
            }
            registry.insert(p);
        }
        Ok(())
    }

    /// The clouds' own fields: Bedrock's `region`, Vertex AI's `project` and `location`,
    /// Azure's `deployments` (read by [`Config::deployments`]); each refused elsewhere.
    fn apply_cloud(
        &self,
        section: &str,
        pc: &ProviderConfig,
        p: &mut Provider,
    ) -> Result<(), ConfigError> {
        let from = |field: &str| format!("{section}.{field} in {}", self.path.display());
        let value =
            |field: &'static str, v: &Option<String>, applies: bool, to: &'static str| match v
                .as_deref()
                .map(str::trim)
            {
                None => Ok(None),
                Some(_) if !applies => Err(self.error(section, field, FieldProblem::OnlyFor(to))),
                Some("") => Err(self.error(section, field, FieldProblem::Empty)),
                Some(v) => Ok(Some(v.to_string())),
            };
        let bedrock = p.dialect == Dialect::Bedrock;
        let vertex = p.id == "vertex";
        if let Some(r) = value("region", &pc.region, bedrock, "bedrock")? {
            p.region = Some((r, from("region")));
        }
        if let Some(l) = value("location", &pc.location, vertex, "vertex")? {
            p.region = Some((l, from("location")));
        }
        if let Some(pr) = value("project", &pc.project, vertex, "vertex")? {
            p.project = Some(pr);
        }
        if !pc.deployments.is_empty() && p.id != "azure" {
            return Err(self.error(section, "deployments", FieldProblem::OnlyFor("azure")));
        }
        Ok(())
    }

    /// `[providers.azure.deployments]`: each deployment and the OpenAI model it runs.
    pub fn deployments(&self) -> Vec<(String, String)> {
        self.file
            .providers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("azure"))
            .flat_map(|(_, pc)| pc.deployments.iter())
            .map(|(d, m)| {
                let m = m.trim();
                (
                    d.clone(),
                    m.strip_prefix("openai/").unwrap_or(m).to_string(),
                )
            })
            .collect()
    }

    fn section_line(&self, section: &str) -> usize {
        self.text
            .lines()
            .position(|l| {
                let l = l.trim();
                l.starts_with('[') && l.trim_matches(|c| c == '[' || c == ']').trim() == section
            })
            .map_or(1, |i| i + 1)
    }

    /// The file as `config show` prints it: keys masked.
    pub fn masked_toml(&self) -> String {
        let mut f = self.file.clone();
        for p in f.providers.values_mut() {
            if let Some(k) = &p.api_key {
                p.api_key = Some(Secret::new(k.clone()).masked());
            }
            // Header values are credentials as often as not.
            for v in p.headers.values_mut() {
                *v = Secret::new(v.clone()).masked();
            }
            if let Some(u) = &p.base_url {
                p.base_url = Some(llmx_core::secret::redact_url(u));
            }
        }
        toml::to_string(&f).unwrap_or_default()
    }
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_: &Path) -> bool {
    false
}

/// The commented starter file `llmx config init` writes.
pub const STARTER: &str = r#"# llmx configuration. Precedence: command-line flags, then env vars, then this file.
# Keys are best kept in the OS keyring (`llmx keys set openai`) or in env vars.

[defaults]
# models = ["gpt", "claude", "gemini"]   # what `llmx compare` asks when no -m is given
# ask_model = "claude"                   # what `llmx ask` asks (else the first of models)
# temperature = 0.7
# max_tokens = 1024
# timeout = 300                          # seconds per attempt
# concurrency = 8

[history]
# enabled = true                         # record every run (llmx history, usage, leaderboard)
# store_text = true                      # false: keep metrics and hashes, no prompt or answer text

[aliases]
# fast = "groq/llama-3.3-70b-versatile"

# Override a built-in provider:
# [providers.openai]
# base_url = "https://my-gateway.example.com/v1"
# api_key_env = "WORK_OPENAI_KEY"

# A custom provider (dialect: openai, anthropic or gemini), used as -m mybox/qwen2.5:
# [providers.mybox]
# dialect = "openai"
# base_url = "http://localhost:8000/v1"
# api_key_env = "MYBOX_API_KEY"          # omit for a server that needs no key
# headers = { "x-team" = "research" }
# concurrency = 1                        # requests at once (llama.cpp runs one at a time)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/tmp/llmx.toml"), text.to_string())
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let e = parse("[defaults]\ntemperature = 0.5\ntempreature = 1\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("config `/tmp/llmx.toml` line 3: unknown field `tempreature`"),
            "{}",
            e.to_string()
        );
        let e = parse("[defaults]\n\ntemperature = 7\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "config `/tmp/llmx.toml` line 3: `defaults.temperature` is 7; use 0 to 2"
        );
        let e = parse("[defaults]\nmax_tokens = \"many\"\n").unwrap_err();
        assert!(
            e.to_string().starts_with("config `/tmp/llmx.toml` line 2:"),
            "{}",
            e.to_string()
        );
        let e =
            parse("[providers.box]\ndialect = \"grpc\"\nbase_url = \"http://x\"\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2: `providers.box.dialect` is `grpc`"),
            "{}",
            e.to_string()
        );
        let e = parse("[defaults\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{}", e.to_string());
        assert!(!e.to_string().contains('\n'));
        assert!(parse(STARTER).is_ok(), "the starter file parses");
    }

    #[test]
    fn custom_providers_and_overrides() {
        let cfg = parse(
            "[providers.mybox]\ndialect = \"openai\"\nbase_url = \"http://10.1.2.3:8000/v1/\"\nheaders = { \"x-team\" = \"r\" }\n\n[providers.openai]\nbase_url = \"https://gw.example.com/v1\"\napi_key_env = \"WORK_KEY\"\n",
        )
        .unwrap();
        let mut r = Registry::builtin();
        cfg.apply(&mut r).unwrap();
        let b = r.get("mybox").unwrap();
        assert_eq!(b.base_url, "http://10.1.2.3:8000/v1");
        assert!(b.headers.is_empty());
        assert_eq!(b.secret_headers.len(), 1);
        assert_eq!(b.secret_headers[0].0, "x-team");
        assert_eq!(b.secret_headers[0].1.expose(), "r");
        assert!(!b.key_required);
        let o = r.get("openai").unwrap();
        assert_eq!(o.base_url, "https://gw.example.com/v1");
        assert_eq!(o.key_env[0], "WORK_KEY");
        assert!(o
            .origin
            .as_deref()
            .unwrap()
            .starts_with("providers.openai.base_url"));
        let unknown = parse("[providers.opnai]\nbase_url = \"https://x\"\n").unwrap();
        let e = unknown.apply(&mut Registry::builtin()).unwrap_err();
        assert!(
            e.to_string().contains("did you mean `openai`?"),
            "{}",
            e.to_string()
        );
    }
}

//! `llmx keys`: store, list and remove API keys in the OS keyring. A key is read from a hidden
//! prompt or from stdin, never from an argument (which would land in shell history), and is
//! only ever shown masked.

use std::io::{IsTerminal, Read};

use super::Context;
use crate::cli::KeysCommand;
use crate::error::{Error, Exit};
use llmx_core::keys::KEYRING_SERVICE;
use llmx_core::secret::Secret;

/// `width`: what `keys list` fits its table to.
pub fn run(ctx: &Context, cmd: KeysCommand, width: u16) -> Result<Exit, Error> {
    match cmd {
        KeysCommand::Set { provider } => set(ctx, &provider),
        KeysCommand::List => list(ctx, width),
        KeysCommand::Remove { provider } => remove(ctx, &provider),
        KeysCommand::Path => path(ctx),
    }
}

fn provider_id(ctx: &Context, name: &str) -> Result<String, Error> {
    match ctx.registry.get(name) {
        Some(p) if p.is_offline() => Err(Error::OfflineNeedsNoKey),
        Some(p) => Ok(p.id.clone()),
        None => Err(Error::UnknownProvider(ctx.registry.unknown(name))),
    }
}

fn no_keyring() -> Error {
    Error::KeyringOff
}

fn set(ctx: &Context, name: &str) -> Result<Exit, Error> {
    let id = provider_id(ctx, name)?;
    let store = ctx.keys.store().ok_or_else(no_keyring)?;
    let var = ctx
        .registry
        .get(&id)
        .and_then(|p| p.key_env.first().cloned())
        .unwrap_or_default();
    let unusable = |e: llmx_core::keys::StoreError| {
        if e.unavailable {
            Error::NoKeyring {
                provider: id.clone(),
                var: var.clone(),
            }
        } else {
            Error::KeyStore {
                store: store.describe(),
                problem: e.to_string(),
            }
        }
    };
    // A system without a keyring is found out before anyone types a key.
    store.get(&id).map_err(unusable)?;
    let raw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{id} API key (input hidden): ")).map_err(|source| {
            Error::KeyRead {
                from_stdin: false,
                source,
            }
        })?
    } else {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|source| Error::KeyRead {
                from_stdin: true,
                source,
            })?;
        s
    };
    let key = raw.trim();
    if key.is_empty() {
        return Err(Error::NoKeyGiven);
    }
    if key.chars().any(char::is_whitespace) {
        return Err(Error::KeyHasWhitespace);
    }
    if key.chars().count() < llmx_core::secret::MIN_KEY_CHARS {
        return Err(Error::KeyTooShort);
    }
    let secret = Secret::new(key);
    store.set(&id, &secret).map_err(unusable)?;
    crate::output::diag(format!(
        "stored the {id} key ({}) in {}",
        secret.masked(),
        store.describe()
    ));
    Ok(Exit::Success)
}

/// Every provider, where its key comes from and a masked form of it, as aligned columns (the
/// provider and the key are never cut; where the key comes from is cut in a narrow terminal).
fn list(ctx: &Context, width: u16) -> Result<Exit, Error> {
    use crate::render::aligned::{cut, keep};
    let mut rows = Vec::new();
    for p in ctx.registry.all() {
        if p.is_offline() {
            continue;
        }
        let bedrock = p.dialect == llmx_core::provider::Dialect::Bedrock;
        let (from, shown) = match ctx.keys.find(p) {
            Some((k, origin)) => (origin.to_string(), k.masked()),
            None if bedrock => aws_source(ctx, p),
            None if p.id == "vertex" => google_source(ctx, p),
            None if !p.key_required => ("(none needed)".to_string(), "-".into()),
            None => (
                format!(
                    "not set: {}",
                    p.key_env.first().cloned().unwrap_or_default()
                ),
                "-".into(),
            ),
        };
        let safe = |s: &str| llmx_core::safe::visible(s, llmx_core::safe::Lines::Fold).into_owned();
        rows.push(vec![safe(&p.id), safe(&from), shown]);
    }
    let specs = [
        keep("Provider", false),
        cut("Key from", 12),
        keep("Key", false),
    ];
    let lines = crate::render::aligned::lines(&specs, &rows, width as usize);
    crate::output::print(&(lines.join("\n") + "\n"))?;
    Ok(Exit::Success)
}

/// Where Bedrock's signing credentials come from (and its region), with the access key id
/// masked; never the secret or the session token.
fn aws_source(ctx: &Context, p: &llmx_core::provider::Provider) -> (String, String) {
    let region = match &p.region {
        Some((r, from)) => format!("region {r} ({from})"),
        None => "no region: set AWS_REGION".into(),
    };
    match ctx.keys.aws() {
        Ok(Some((creds, origin))) => {
            let id = llmx_core::secret::Secret::new(creds.access_key_id.as_str()).masked();
            let token = if creds.session_token.is_some() {
                ", with a session token"
            } else {
                ""
            };
            (format!("SigV4: {origin}{token}; {region}"), id)
        }
        Ok(None) => (
            "not set: AWS_ACCESS_KEY_ID, AWS_PROFILE or AWS_BEARER_TOKEN_BEDROCK".into(),
            "-".into(),
        ),
        Err(problem) => (format!("not usable: {problem}"), "-".into()),
    }
}

/// Where Vertex AI's OAuth2 credential comes from, and its project and location; never a
/// key, a secret or a token.
fn google_source(ctx: &Context, p: &llmx_core::provider::Provider) -> (String, String) {
    match ctx.keys.google() {
        Ok(Some(auth)) => {
            let project = p
                .project
                .clone()
                .or_else(|| auth.project.clone())
                .unwrap_or_else(|| "no project: set GOOGLE_CLOUD_PROJECT".into());
            let location = p.region.as_ref().map_or("us-central1", |(l, _)| l.as_str());
            (
                format!(
                    "OAuth2, project {project}, location {location}: {}",
                    auth.origin
                ),
                "-".into(),
            )
        }
        Ok(None) => (
            "not set: GOOGLE_APPLICATION_CREDENTIALS or LLMX_VERTEX_API_KEY".into(),
            "-".into(),
        ),
        Err(problem) => (format!("not usable: {problem}"), "-".into()),
    }
}

fn remove(ctx: &Context, name: &str) -> Result<Exit, Error> {
    let id = provider_id(ctx, name)?;
    let store = ctx.keys.store().ok_or_else(no_keyring)?;
    match store.remove(&id) {
        Ok(true) => {
            crate::output::diag(format!("removed the {id} key from {}", store.describe()));
            Ok(Exit::Success)
        }
        Ok(false) => Err(Error::NoKeyToRemove {
            provider: id,
            store: store.describe(),
        }),
        Err(e) => Err(Error::KeyRemove {
            store: store.describe(),
            problem: e.to_string(),
        }),
    }
}

fn path(ctx: &Context) -> Result<Exit, Error> {
    let config = ctx
        .paths
        .config
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(no config dir; set LLMX_CONFIG)".into());
    let cache = ctx
        .paths
        .cache_dir
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(no cache dir; set LLMX_CACHE_DIR)".into());
    let history = ctx
        .paths
        .history()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(no data dir; set LLMX_DATA_DIR)".into());
    let keyring = match ctx.keys.store() {
        Some(s) => s.describe(),
        None => "off (LLMX_NO_KEYRING)".into(),
    };
    crate::output::print(&format!(
        "key lookup order: the provider's env var, then the keyring, then the config file\n\
         keyring:          {keyring}; service `{KEYRING_SERVICE}`, user = provider id\n\
         config file:      {config} (override with LLMX_CONFIG)\n\
         cache dir:        {cache} (override with LLMX_CACHE_DIR)\n\
         history:          {history} (override the dir with LLMX_DATA_DIR)\n"
    ))?;
    Ok(Exit::Success)
}

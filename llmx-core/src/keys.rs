//! Keys: where a provider's key is found (its env vars, the key store, the config file), the
//! stores keys are kept in between runs (the OS keyring, or a file for tests), and [`Keys`], the
//! resolver built once per process that asks each of them at most once per provider.

use std::fmt;

use crate::env::Env;
use crate::secret::Secret;

/// Where a key was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// An env var, by name.
    Env(String),
    Keyring,
    Config,
}

impl fmt::Display for KeyOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyOrigin::Env(v) => write!(f, "env {v}"),
            KeyOrigin::Keyring => f.write_str("keyring"),
            KeyOrigin::Config => f.write_str("config file"),
        }
    }
}

/// Why a key store could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub message: String,
    /// There is no usable keyring on this system at all (no Secret Service, no D-Bus session,
    /// a keyring that does not answer), as opposed to one that refused this request.
    pub unavailable: bool,
}

impl StoreError {
    pub fn new(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
            unavailable: false,
        }
    }

    /// The system has no keyring llmx can use.
    pub fn unavailable(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
            unavailable: true,
        }
    }

    /// A keyring crate error: the platform's storage missing or unreachable is "no keyring".
    fn of(e: &keyring::Error) -> StoreError {
        match e {
            keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
                StoreError::unavailable(one_line(e))
            }
            e => StoreError::new(one_line(e)),
        }
    }
}

/// A place keys are kept between runs: the OS keyring, or a file store for tests.
pub trait KeyStore: Send + Sync {
    /// `Ok(None)` when there is no key for `provider`.
    fn get(&self, provider: &str) -> Result<Option<Secret>, StoreError>;
    fn set(&self, provider: &str, key: &Secret) -> Result<(), StoreError>;
    /// Whether there was a key to remove.
    fn remove(&self, provider: &str) -> Result<bool, StoreError>;
    fn describe(&self) -> String;
}

/// The keyring service name entries are stored under (the user is the provider id).
pub const KEYRING_SERVICE: &str = "llmx";

/// The OS keyring: Keychain on macOS, Credential Manager on Windows, the Secret Service (with
/// the kernel keyring as its cache) on Linux.
pub(crate) struct OsKeyring;

/// How long a keyring lookup may take before llmx carries on without it (a D-Bus service
/// activation that never answers must not hang a compare).
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
/// Storing and removing are interactive, so they may wait longer.
const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

impl OsKeyring {
    fn entry(provider: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(KEYRING_SERVICE, provider).map_err(|e| StoreError::of(&e))
    }

    /// Run one keyring call on its own thread, giving up after `limit`.
    fn bounded<T: Send + 'static>(
        limit: std::time::Duration,
        f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(limit).unwrap_or_else(|_| {
            Err(StoreError::unavailable(format!(
                "the keyring did not answer within {limit:?}"
            )))
        })
    }
}

fn one_line(e: &dyn std::error::Error) -> String {
    e.to_string().replace('\n', " ")
}

impl KeyStore for OsKeyring {
    fn get(&self, provider: &str) -> Result<Option<Secret>, StoreError> {
        let provider = provider.to_string();
        Self::bounded(LOOKUP_TIMEOUT, move || {
            match Self::entry(&provider)?.get_password() {
                Ok(k) => Ok(Some(Secret::new(k))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(StoreError::of(&e)),
            }
        })
    }

    fn set(&self, provider: &str, key: &Secret) -> Result<(), StoreError> {
        let (p, k) = (provider.to_string(), key.clone());
        Self::bounded(WRITE_TIMEOUT, move || {
            Self::entry(&p)?
                .set_password(k.expose())
                .map_err(|e| StoreError::of(&e))
        })?;
        // Some backends accept a write they cannot keep (no session keyring); read it back.
        match self.get(provider)? {
            Some(k) if k == *key => Ok(()),
            _ => Err(StoreError::unavailable(
                "the keyring accepted the key but does not return it",
            )),
        }
    }

    fn remove(&self, provider: &str) -> Result<bool, StoreError> {
        let provider = provider.to_string();
        Self::bounded(WRITE_TIMEOUT, move || {
            match Self::entry(&provider)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(StoreError::of(&e)),
            }
        })
    }

    fn describe(&self) -> String {
        format!("the OS keyring (service `{KEYRING_SERVICE}`)")
    }
}

/// A JSON file standing in for the keyring, named by `LLMX_TEST_KEYRING_FILE`. For tests only:
/// it keeps keys in plain text, and appends `get <provider>` to `<file>.log` for every lookup so
/// tests can count them.
pub(crate) struct FileStore(pub std::path::PathBuf);

impl FileStore {
    /// The stored keys; no file is no keys, an unreadable or corrupt one is an error.
    fn read(&self) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        match std::fs::read_to_string(&self.0) {
            Ok(t) => serde_json::from_str(&t).map_err(|e| {
                StoreError::new(format!("{} is not a key store: {e}", self.0.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
            Err(e) => Err(StoreError::new(format!(
                "cannot read {}: {e}",
                self.0.display()
            ))),
        }
    }

    fn write(&self, m: &std::collections::BTreeMap<String, String>) -> Result<(), StoreError> {
        let text = serde_json::to_string(m).map_err(|e| StoreError::new(e.to_string()))?;
        std::fs::write(&self.0, text).map_err(|e| StoreError::new(e.to_string()))
    }
}

impl KeyStore for FileStore {
    fn get(&self, provider: &str) -> Result<Option<Secret>, StoreError> {
        use std::io::Write;
        let mut log = self.0.clone().into_os_string();
        log.push(".log");
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(f, "get {provider}");
        }
        Ok(self.read()?.get(provider).map(Secret::new))
    }

    fn set(&self, provider: &str, key: &Secret) -> Result<(), StoreError> {
        let mut m = self.read()?;
        m.insert(provider.to_string(), key.expose().to_string());
        self.write(&m)
    }

    fn remove(&self, provider: &str) -> Result<bool, StoreError> {
        let mut m = self.read()?;
        let had = m.remove(provider).is_some();
        self.write(&m)?;
        Ok(had)
    }

    fn describe(&self) -> String {
        format!("the test key store `{}`", self.0.display())
    }
}

/// The key store this environment asks for: none with `LLMX_NO_KEYRING`, the test file store
/// with `LLMX_TEST_KEYRING_FILE`, else the OS keyring.
pub fn store_for(env: &Env) -> Option<Box<dyn KeyStore>> {
    if env.is_set("LLMX_NO_KEYRING") {
        return None;
    }
    if let Some(p) = env.get("LLMX_TEST_KEYRING_FILE") {
        return Some(Box::new(FileStore(p.into())));
    }
    Some(Box::new(OsKeyring))
}

/// Finds each provider's key in the documented order — its env vars, the key store, the config
/// file — asking the store at most once per provider and never again once the store has failed
/// (a keyring that does not answer costs one timeout per run, not one per model). Built once per
/// command and passed to whatever needs keys; it holds no process-wide state.
pub struct Keys {
    env: Env,
    /// Vertex AI's Google credential, found once and shared (its token too).
    google: std::sync::OnceLock<
        Result<Option<std::sync::Arc<crate::provider::google_auth::GoogleAuth>>, String>,
    >,
    store: Option<Box<dyn KeyStore>>,
    found: std::sync::Mutex<std::collections::HashMap<String, Option<(Secret, KeyOrigin)>>>,
    /// The store failed once: it is not asked again, and `take_store_failure` says why, once.
    store_down: std::sync::atomic::AtomicBool,
    failure: std::sync::Mutex<Option<StoreError>>,
}

impl Keys {
    pub fn new(env: &Env, store: Option<Box<dyn KeyStore>>) -> Keys {
        Keys {
            env: env.clone(),
            google: std::sync::OnceLock::new(),
            store,
            found: Default::default(),
            store_down: Default::default(),
            failure: Default::default(),
        }
    }

    /// The store keys are kept in (for `llmx keys set|remove`), if any.
    pub fn store(&self) -> Option<&dyn KeyStore> {
        self.store.as_deref()
    }

    /// A provider's key and where it came from.
    pub fn find(&self, provider: &crate::provider::Provider) -> Option<(Secret, KeyOrigin)> {
        if let Ok(found) = self.found.lock() {
            if let Some(hit) = found.get(&provider.id) {
                return hit.clone();
            }
        }
        let hit = self.look_up(provider);
        if let Ok(mut found) = self.found.lock() {
            found.insert(provider.id.clone(), hit.clone());
        }
        hit
    }

    fn look_up(&self, provider: &crate::provider::Provider) -> Option<(Secret, KeyOrigin)> {
        use std::sync::atomic::Ordering;
        if let Some((var, v)) = provider
            .key_env
            .iter()
            .find_map(|name| self.env.get(name).map(|v| (name, v)))
        {
            return Some((Secret::new(v.trim()), KeyOrigin::Env(var.clone())));
        }
        if let Some(s) = self.store() {
            if !self.store_down.load(Ordering::Relaxed) {
                match s.get(&provider.id) {
                    Ok(Some(k)) => return Some((k, KeyOrigin::Keyring)),
                    Ok(None) => {}
                    Err(e) => {
                        self.store_down.store(true, Ordering::Relaxed);
                        if let Ok(mut f) = self.failure.lock() {
                            *f = Some(e);
                        }
                    }
                }
            }
        }
        provider.config_key.clone().map(|k| (k, KeyOrigin::Config))
    }

    /// Why the key store failed, once (the front end says so in its own words).
    pub fn take_store_failure(&self) -> Option<StoreError> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }

    /// Vertex AI's Google credential (a service account's key file or application-default
    /// credentials), found once per process so every request shares its token.
    pub fn google(
        &self,
    ) -> Result<Option<std::sync::Arc<crate::provider::google_auth::GoogleAuth>>, String> {
        self.google
            .get_or_init(|| {
                crate::provider::google_auth::GoogleAuth::find(&self.env)
                    .map(|g| g.map(std::sync::Arc::new))
            })
            .clone()
    }

    /// AWS credentials for Bedrock's signing, and where they came from (see [`crate::provider::aws_env`]).
    pub fn aws(&self) -> Result<Option<crate::provider::aws_env::Found>, String> {
        crate::provider::aws_env::credentials(&self.env)
    }

    /// Whether keys can be stored: there is a store, and it has not failed.
    pub fn store_usable(&self) -> bool {
        self.store.is_some() && !self.store_down.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyring_that_does_not_answer_is_given_up_on() {
        let slow = OsKeyring::bounded(std::time::Duration::from_millis(50), || {
            std::thread::sleep(std::time::Duration::from_secs(2));
            Ok(())
        });
        assert_eq!(
            slow,
            Err(StoreError::unavailable(
                "the keyring did not answer within 50ms"
            ))
        );
        assert_eq!(
            OsKeyring::bounded(std::time::Duration::from_secs(1), || Ok(7)),
            Ok(7)
        );
    }

    #[test]
    fn file_store_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore(dir.path().join("k.json"));
        assert_eq!(store.get("openai"), Ok(None));
        store
            .set("openai", &Secret::new("sk-file-store-12345678"))
            .unwrap();
        assert_eq!(
            store.get("openai").unwrap().unwrap().expose(),
            "sk-file-store-12345678"
        );
        assert_eq!(store.remove("openai"), Ok(true));
        assert_eq!(store.remove("openai"), Ok(false));
    }
}

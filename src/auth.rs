//! Keys: the `Secret` type that keeps them out of every printout, where a provider's key is
//! looked up, and the scrubber that removes key-like text from anything a provider echoes back.

use std::fmt;

/// An API key. Its `Debug` and `Display` print a mask; it is not serialisable; the only way to
/// the value is [`Secret::expose`], called where the auth header is built.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The key itself. Call only to build a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A form safe to show: the first 3 and last 4 characters at most, the rest starred.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            return "****".to_string();
        }
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Prefixes of key formats the providers issue; text starting with one of these and running on
/// in key characters is treated as a key wherever it appears.
const KEY_PREFIXES: &[&str] = &["sk-", "sk_", "AIza", "gsk_", "xai-", "pk-", "key-", "r8_"];

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*')
}

/// Finds known secrets in text: each as written, in any ASCII case, and percent-encoded (as it
/// would appear echoed back in a URL). Matching is linear in the text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Lower-cased forms to look for, longest first.
    needles: Vec<String>,
}

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

impl Redactor {
    /// Secrets shorter than 4 characters are not looked for (they would redact ordinary words).
    pub fn new(secrets: &[&Secret]) -> Redactor {
        let mut needles: Vec<String> = Vec::new();
        for s in secrets {
            let v = s.expose();
            if v.chars().count() < 4 {
                continue;
            }
            for form in [v.to_string(), percent_encode(v)] {
                let form = form.to_ascii_lowercase();
                if !needles.contains(&form) {
                    needles.push(form);
                }
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Redactor { needles }
    }

    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// The longest form looked for, in bytes: text that may still grow must hold back one
    /// byte fewer than this before it is shown.
    pub fn longest(&self) -> usize {
        self.needles.first().map_or(0, String::len)
    }

    /// How many bytes at the end of `text` could be the start of a secret (matched as
    /// [`Redactor::redact`] matches): text still growing holds those back until it knows.
    pub fn hold_len(&self, text: &str) -> usize {
        let window = self.longest().saturating_sub(1).min(text.len());
        let tail = text.as_bytes();
        let start = tail.len() - window;
        for p in start..tail.len() {
            let suffix = &tail[p..];
            if self.needles.iter().any(|n| {
                n.len() > suffix.len() && n.as_bytes()[..suffix.len()].eq_ignore_ascii_case(suffix)
            }) {
                return tail.len() - p;
            }
        }
        0
    }

    /// Replace every secret in `text`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        self.redact_from(&mut out, 0);
        out
    }

    /// Replace every secret that starts at or after byte `from` (a char boundary) of `text`.
    pub fn redact_from(&self, text: &mut String, from: usize) {
        if self.needles.is_empty() || from >= text.len() {
            return;
        }
        // ASCII lower-casing keeps every byte where it was, so positions carry over.
        let lower = text[from..].to_ascii_lowercase();
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for n in &self.needles {
            for (i, _) in lower.match_indices(n.as_str()) {
                let (a, b) = (from + i, from + i + n.len());
                if hits.iter().all(|&(x, y)| b <= x || a >= y) {
                    hits.push((a, b));
                }
            }
        }
        if hits.is_empty() {
            return;
        }
        hits.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (a, b) in hits {
            // A hit that would split a character (a non-ASCII secret matched case-blind)
            // is left alone rather than cut mid-character.
            if !text.is_char_boundary(a) || !text.is_char_boundary(b) {
                continue;
            }
            out.push_str(&text[at..a]);
            out.push_str(REDACTED);
            at = b;
        }
        out.push_str(&text[at..]);
        *text = out;
    }
}

/// `value` with every byte outside RFC 3986's unreserved set percent-encoded.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The user name and password of a URL, as written and percent-decoded: secrets like a key.
pub fn url_userinfo(url: &str) -> Vec<Secret> {
    let Ok(u) = reqwest::Url::parse(url) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for part in [Some(u.username()), u.password()].into_iter().flatten() {
        if part.is_empty() {
            continue;
        }
        out.push(Secret::new(part));
        let decoded = percent_decode(part);
        if decoded != part {
            out.push(Secret::new(decoded));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A URL fit to show: user info removed (`https://***@host/...`). Text that is not a URL is
/// returned as it was.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_password(None);
            let _ = u.set_username("***");
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Remove secrets from text that will be shown: every `known` secret (in any case, or
/// percent-encoded), and anything shaped like a provider key (OpenAI's 401 echoes a fragment
/// of the key it was sent). Scrub whole text first; cut it afterwards.
pub fn scrub(text: &str, known: &[&Secret]) -> String {
    let out = Redactor::new(known).redact(text);
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    'outer: while !rest.is_empty() {
        for p in KEY_PREFIXES {
            if rest.starts_with(p) {
                let boundary_ok = result
                    .chars()
                    .last()
                    .map(|c| !c.is_ascii_alphanumeric())
                    .unwrap_or(true);
                let len: usize = rest
                    .char_indices()
                    .find(|(_, c)| !is_key_char(*c))
                    .map(|(i, _)| i)
                    .unwrap_or(rest.len());
                if boundary_ok && len >= p.len() + 8 {
                    result.push_str(REDACTED);
                    rest = &rest[len..];
                    continue 'outer;
                }
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        result.push(c);
        rest = &rest[c.len_utf8()..];
    }
    result
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
            Err(StoreError("the keyring did not answer within 50ms".into()))
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

    #[test]
    fn debug_and_display_mask() {
        let s = Secret::new("sk-test-1234567890abcdef");
        assert_eq!(format!("{s}"), "sk-…cdef");
        assert_eq!(format!("{s:?}"), "Secret(sk-…cdef)");
        assert!(!format!("{s:?}").contains("1234567890"));
        assert_eq!(Secret::new("short").masked(), "****");
    }

    #[test]
    fn secrets_are_found_in_any_case_and_percent_encoded() {
        let k = Secret::new("Sk-Live/abc+DEF=123456");
        let r = Redactor::new(&[&k]);
        assert_eq!(
            r.redact("a sk-live/ABC+def=123456 b Sk-Live%2Fabc%2BDEF%3D123456 c"),
            "a [redacted] b [redacted] c"
        );
        let text = "ends with sk-li";
        assert_eq!(r.hold_len(text), "sk-li".len());
        assert_eq!(r.hold_len("nothing secret here"), 0);
        assert_eq!(Redactor::new(&[&Secret::new("abc")]).redact("abc"), "abc");
    }

    #[test]
    fn url_user_info_is_a_secret_and_never_shown() {
        let info = url_userinfo("https://alice:p%40ss-word@gw.example.com/v1");
        let values: Vec<&str> = info.iter().map(Secret::expose).collect();
        assert_eq!(values, ["alice", "p%40ss-word", "p@ss-word"]);
        assert_eq!(
            redact_url("https://alice:p%40ss-word@gw.example.com/v1"),
            "https://***@gw.example.com/v1"
        );
        assert_eq!(
            redact_url("https://gw.example.com/v1"),
            "https://gw.example.com/v1"
        );
    }

    #[test]
    fn scrub_removes_known_and_key_shaped_text() {
        let k = Secret::new("my-custom-secret-value");
        let msg = "Incorrect API key provided: sk-wrong****-key. Also my-custom-secret-value here";
        let s = scrub(msg, &[&k]);
        assert_eq!(
            s,
            "Incorrect API key provided: [redacted]. Also [redacted] here"
        );
        assert_eq!(scrub("task-list is fine", &[]), "task-list is fine");
        assert_eq!(
            scrub("key AIzaSyA1234567890abcdefgh.", &[]),
            "key [redacted]."
        );
    }
}

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
#[error("{0}")]
pub struct StoreError(pub String);

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
pub struct OsKeyring;

/// How long a keyring lookup may take before llmx carries on without it (a D-Bus service
/// activation that never answers must not hang a compare).
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
/// Storing and removing are interactive, so they may wait longer.
const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

impl OsKeyring {
    fn entry(provider: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(KEYRING_SERVICE, provider).map_err(|e| StoreError(one_line(&e)))
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
            Err(StoreError(format!(
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
                Err(e) => Err(StoreError(one_line(&e))),
            }
        })
    }

    fn set(&self, provider: &str, key: &Secret) -> Result<(), StoreError> {
        let (p, k) = (provider.to_string(), key.clone());
        Self::bounded(WRITE_TIMEOUT, move || {
            Self::entry(&p)?
                .set_password(k.expose())
                .map_err(|e| StoreError(one_line(&e)))
        })?;
        // Some backends accept a write they cannot keep (no session keyring); read it back.
        match self.get(provider)? {
            Some(k) if k == *key => Ok(()),
            _ => Err(StoreError(
                "the keyring accepted the key but does not return it".into(),
            )),
        }
    }

    fn remove(&self, provider: &str) -> Result<bool, StoreError> {
        let provider = provider.to_string();
        Self::bounded(WRITE_TIMEOUT, move || {
            match Self::entry(&provider)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(StoreError(one_line(&e))),
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
pub struct FileStore(pub std::path::PathBuf);

impl FileStore {
    /// The stored keys; no file is no keys, an unreadable or corrupt one is an error.
    fn read(&self) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        match std::fs::read_to_string(&self.0) {
            Ok(t) => serde_json::from_str(&t)
                .map_err(|e| StoreError(format!("{} is not a key store: {e}", self.0.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
            Err(e) => Err(StoreError(format!("cannot read {}: {e}", self.0.display()))),
        }
    }

    fn write(&self, m: &std::collections::BTreeMap<String, String>) -> Result<(), StoreError> {
        let text = serde_json::to_string(m).map_err(|e| StoreError(e.to_string()))?;
        std::fs::write(&self.0, text).map_err(|e| StoreError(e.to_string()))
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
pub fn store_for(env: &crate::settings::Env) -> Option<Box<dyn KeyStore>> {
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
    env: crate::settings::Env,
    store: Option<Box<dyn KeyStore>>,
    found: std::sync::Mutex<std::collections::HashMap<String, Option<(Secret, KeyOrigin)>>>,
    /// The store failed once: it is not asked again, and `notice` says so once.
    store_down: std::sync::atomic::AtomicBool,
    notice: std::sync::Mutex<Option<String>>,
}

impl Keys {
    pub fn new(env: &crate::settings::Env, store: Option<Box<dyn KeyStore>>) -> Keys {
        Keys {
            env: env.clone(),
            store,
            found: Default::default(),
            store_down: Default::default(),
            notice: Default::default(),
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
                        if let Ok(mut n) = self.notice.lock() {
                            *n = Some(format!(
                                "note: no OS keyring available ({e}); using env vars and the config file (shown once; `llmx keys list` shows it again; LLMX_NO_KEYRING=1 stops llmx asking)"
                            ));
                        }
                    }
                }
            }
        }
        provider.config_key.clone().map(|k| (k, KeyOrigin::Config))
    }

    /// The one-line notice about an unusable keyring, once (the caller prints it).
    pub fn take_notice(&self) -> Option<String> {
        self.notice.lock().ok().and_then(|mut n| n.take())
    }
}

//! The local token every client of `llmx serve` must send: `LLMX_SERVE_TOKEN`, else one made
//! on first start (256 random bits) and kept in the OS keyring under an entry no provider id
//! can take, or — without a keyring — in a file only its owner can read, beside the config.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use llmx_core::secret::Secret;

use crate::commands::Context;
use crate::error::Error;

/// The keyring entry (the user part; the service is llmx's): provider ids cannot start with
/// `:`, so no `llmx keys set` can overwrite it.
pub const KEYRING_ENTRY: &str = ":serve-token";
/// The file's name in the config directory, when there is no keyring.
pub const FILE_NAME: &str = "serve-token";

/// Where the token in use is kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Kept {
    Env,
    Keyring(String),
    File(PathBuf),
}

impl std::fmt::Display for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kept::Env => f.write_str("LLMX_SERVE_TOKEN"),
            Kept::Keyring(store) => write!(f, "{store}, entry `{KEYRING_ENTRY}`"),
            Kept::File(p) => write!(f, "{} (readable by you only)", p.display()),
        }
    }
}

/// The token, where it is kept, and whether it was made just now.
pub struct Token {
    pub secret: Secret,
    pub kept: Kept,
    pub new: bool,
}

/// The token in use: the env's, the stored one, or a new one stored for next time.
pub fn obtain(ctx: &Context, from_env: Option<&Secret>) -> Result<Token, Error> {
    if let Some(t) = from_env {
        return Ok(Token {
            secret: t.clone(),
            kept: Kept::Env,
            new: false,
        });
    }
    let file = ctx
        .paths
        .config
        .as_deref()
        .and_then(Path::parent)
        .map(|d| d.join(FILE_NAME));
    let store = ctx.keys.store();
    if let Some(store) = store {
        if let Ok(Some(t)) = store.get(KEYRING_ENTRY) {
            return Ok(Token {
                secret: t,
                kept: Kept::Keyring(store.describe()),
                new: false,
            });
        }
    }
    if let Some(f) = &file {
        if let Some(t) = read_file(f)? {
            return Ok(Token {
                secret: t,
                kept: Kept::File(f.clone()),
                new: false,
            });
        }
    }
    let secret = generate()?;
    if let Some(store) = store {
        if store.set(KEYRING_ENTRY, &secret).is_ok() {
            return Ok(Token {
                secret,
                kept: Kept::Keyring(store.describe()),
                new: true,
            });
        }
    }
    let Some(f) = file else {
        return Err(Error::ServeToken(
            "no keyring and no config directory to keep a serve token in; set LLMX_SERVE_TOKEN \
             (at least 16 characters)"
                .into(),
        ));
    };
    if let Err(e) = write_file(&f, &secret) {
        // Another server made one first: use it.
        if let Some(t) = read_file(&f)? {
            return Ok(Token {
                secret: t,
                kept: Kept::File(f),
                new: false,
            });
        }
        return Err(e);
    }
    Ok(Token {
        secret,
        kept: Kept::File(f),
        new: true,
    })
}

/// 32 random bytes as 64 hex digits, prefixed so it is recognisable in a client's config.
fn generate() -> Result<Secret, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::ServeToken(format!("cannot make a serve token: {e}")))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Secret::new(format!("llmx-{hex}")))
}

fn read_file(p: &Path) -> Result<Option<Secret>, Error> {
    match std::fs::read_to_string(p) {
        Ok(t) if !t.trim().is_empty() => Ok(Some(Secret::new(t.trim().to_string()))),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::ServeToken(format!(
            "cannot read the serve token in {}: {e}; fix its permissions or set LLMX_SERVE_TOKEN",
            p.display()
        ))),
    }
}

/// A new file readable by its owner only (never through a planted file or link).
fn write_file(p: &Path, secret: &Secret) -> Result<(), Error> {
    let fail = |e: std::io::Error| {
        Error::ServeToken(format!(
            "cannot keep the serve token in {}: {e}; set LLMX_SERVE_TOKEN instead",
            p.display()
        ))
    };
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let mut f = o.open(p).map_err(fail)?;
    writeln!(f, "{}", secret.expose()).map_err(fail)?;
    f.sync_all().map_err(fail)
}

/// Whether `given` is the token, compared in time that does not depend on where they differ.
pub fn matches(token: &Secret, given: &str) -> bool {
    let (a, b) = (token.expose().as_bytes(), given.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_compared_whole() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), "llmx-".len() + 64);
        assert!(matches(&a, a.expose()));
        assert!(!matches(&a, b.expose()));
        assert!(!matches(&a, &a.expose()[..10]));
        assert!(!matches(&a, ""));
    }

    #[test]
    fn the_file_is_owner_only_and_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join(FILE_NAME);
        let t = generate().unwrap();
        write_file(&p, &t).unwrap();
        assert_eq!(read_file(&p).unwrap(), Some(t.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second write (a race with another start) fails rather than replacing it.
        assert!(write_file(&p, &generate().unwrap()).is_err());
        assert_eq!(read_file(&p).unwrap(), Some(t));
    }
}

//! A snapshot of the environment, taken once per process: everything in llmx that depends on an
//! environment variable reads it from here, so tests hand in their own and nothing reads the
//! process environment behind a caller's back.

use std::collections::HashMap;

/// A snapshot of environment variables. Empty values count as unset. Its `Debug` prints names
/// only: values may be keys.
#[derive(Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    /// Variables whose name or value is not UTF-8 (their values are never kept).
    not_utf8: Vec<String>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.vars.keys().collect();
        names.sort();
        f.debug_struct("Env").field("names", &names).finish()
    }
}

impl Env {
    /// The process environment, read once. A variable that is not UTF-8 is remembered by name
    /// only (see [`Env::not_utf8`]); reading it never panics.
    pub fn capture() -> Self {
        Self::from_os(std::env::vars_os())
    }

    pub(crate) fn from_os(
        vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    ) -> Self {
        let mut env = Env::default();
        for (k, v) in vars {
            match (k.into_string(), v.into_string()) {
                (Ok(k), Ok(v)) => {
                    env.vars.insert(k, v);
                }
                (Ok(k), Err(_)) => env.not_utf8.push(k),
                // A name that is not UTF-8 is no name llmx reads.
                (Err(_), _) => {}
            }
        }
        env
    }

    /// The first variable `reads` accepts whose value is not UTF-8 (its name only: the value
    /// may be a key).
    pub fn not_utf8(&self, reads: impl Fn(&str) -> bool) -> Option<&str> {
        self.not_utf8.iter().find(|n| reads(n)).map(String::as_str)
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            not_utf8: Vec::new(),
        }
    }

    /// A variable's value; empty (or blank) is unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

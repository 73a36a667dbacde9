//! Latencies of earlier runs, kept in the user cache dir so `--route fastest` can prefer the
//! provider that has been quickest for this user. Best effort: a missing or unreadable file is
//! an empty history, and a failed write is ignored.

use std::collections::HashMap;
use std::path::PathBuf;

use super::Row;
use crate::settings::Env;

/// How many recent latencies are kept per model.
const KEEP: usize = 20;

fn path(env: &Env) -> Option<PathBuf> {
    Some(crate::catalog::refresh::cache_dir(env)?.join("latency.json"))
}

fn read(env: &Env) -> HashMap<String, Vec<u64>> {
    path(env)
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Median latency in ms by `provider/model`.
pub fn medians(env: &Env) -> HashMap<String, u64> {
    read(env)
        .into_iter()
        .filter_map(|(k, mut v)| {
            v.sort_unstable();
            v.get(v.len() / 2).map(|m| (k, *m))
        })
        .collect()
}

/// Remember the latency of every row that answered.
pub fn record(env: &Env, rows: &[Row]) {
    let answered: Vec<(&str, u64)> = rows
        .iter()
        .filter(|r| r.error.is_none() && r.provider != "mock")
        .filter_map(|r| Some((r.requested.as_str(), r.latency_ms?)))
        .collect();
    if answered.is_empty() {
        return;
    }
    let Some(p) = path(env) else { return };
    let mut all = read(env);
    for (k, ms) in answered {
        let v = all.entry(k.to_string()).or_default();
        v.push(ms);
        if v.len() > KEEP {
            v.drain(..v.len() - KEEP);
        }
    }
    if let (Some(dir), Ok(text)) = (p.parent(), serde_json::to_string(&all)) {
        let _ = std::fs::create_dir_all(dir);
        let tmp = p.with_extension("json.tmp");
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, &p);
        }
    }
}

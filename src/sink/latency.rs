//! The latency record: how long each provider/model took on this user's earlier runs, kept in
//! the user cache dir so `--route fastest` can prefer the quickest. A sink like any other: it
//! notes every job that answered and writes the file when the run finishes. Best effort: a
//! missing or unreadable file is an empty record, and a failed write is ignored.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::engine::{Event, Sink, SinkError};

/// How many recent latencies are kept per model.
const KEEP: usize = 20;

fn read(path: &Path) -> HashMap<String, Vec<u64>> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Median latency in ms by `provider/model`.
pub fn medians(path: Option<&Path>) -> HashMap<String, u64> {
    path.map(read)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, mut v)| {
            v.sort_unstable();
            v.get(v.len() / 2).map(|m| (k, *m))
        })
        .collect()
}

/// Remembers the latency of every job that answered (the last [`KEEP`] per model, so a long
/// benchmark holds no more), then adds them to the file.
pub struct LatencyRecord {
    path: Option<PathBuf>,
    answered: HashMap<String, Vec<u64>>,
}

impl LatencyRecord {
    pub fn new(path: Option<PathBuf>) -> Self {
        LatencyRecord {
            path,
            answered: HashMap::new(),
        }
    }

    /// Read, add, write back, under an exclusive lock on `latency.json.lock`, so runs that
    /// finish at the same moment all keep their updates. Gives up quietly after two seconds.
    fn save(&self) {
        let Some(p) = &self.path else { return };
        if self.answered.is_empty() {
            return;
        }
        let Some(dir) = p.parent() else { return };
        let _ = std::fs::create_dir_all(dir);
        let Ok(lock) = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(p.with_extension("json.lock"))
        else {
            return;
        };
        let mut locked = false;
        for _ in 0..200 {
            match lock.try_lock() {
                Ok(()) => {
                    locked = true;
                    break;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(_) => break,
            }
        }
        if !locked {
            return;
        }
        let mut all = read(p);
        for (k, new) in &self.answered {
            let v = all.entry(k.clone()).or_default();
            v.extend(new);
            if v.len() > KEEP {
                v.drain(..v.len() - KEEP);
            }
        }
        if let Ok(text) = serde_json::to_string(&all) {
            let tmp = p.with_extension(format!("json.{}.tmp", std::process::id()));
            if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, p).is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
        }
        let _ = lock.unlock();
    }
}

impl Sink for LatencyRecord {
    fn event(&mut self, _at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        match event {
            Event::JobFinished { result } if !result.failed() && result.provider != "mock" => {
                if let Some(l) = result.latency {
                    let ms = l.as_millis().min(u128::from(u64::MAX)) as u64;
                    let v = self.answered.entry(result.requested()).or_default();
                    v.push(ms);
                    if v.len() >= 2 * KEEP {
                        v.drain(..v.len() - KEEP);
                    }
                }
            }
            Event::RunFinished { .. } => self.save(),
            _ => {}
        }
        Ok(())
    }
}

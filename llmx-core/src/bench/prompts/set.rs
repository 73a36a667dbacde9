//! A benchmark's prompts as the run holds them: the ids in memory, everything else (text,
//! system prompt, check) as one JSON record a prompt in a store that moves to an unnamed
//! temporary file once it passes [`SPILL_AT`] bytes — so a grid of any size costs memory for
//! its ids only, and each prompt is read back when its cell is sent or its row written.
//!
//! The records are the job file's prompt records ([`Record`]), so a batched run's job file is
//! written from the store without holding the prompts as text.

use std::io::{Seek, SeekFrom, Write};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::Prompt;
use crate::bench::expect::Expect;

/// Bytes of records kept in memory before the store moves to a temporary file.
pub const SPILL_AT: usize = 1 << 20;

/// One prompt as stored (and as a batched run's job file keeps it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    /// The prompt's text. `None` in a job file written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The prompt's `expect` check as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
}

/// The prompts of a run, in order.
pub struct Prompts {
    /// Every id, one after another: id `i` is `ids[id_ends[i - 1]..id_ends[i]]` (a few bytes
    /// a prompt, not a string each).
    ids: String,
    id_ends: Vec<u32>,
    /// Record `i` is the bytes `ends[i - 1]..ends[i]` of the store.
    ends: Vec<u64>,
    store: Mutex<Store>,
    spill_at: usize,
    /// Some record has no text (a job file from before texts were kept).
    texts_missing: bool,
}

enum Store {
    Memory(Vec<u8>),
    File(std::fs::File),
}

impl Default for Prompts {
    fn default() -> Self {
        Prompts::new()
    }
}

impl std::fmt::Debug for Prompts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prompts")
            .field("len", &self.len())
            .field("spilled", &self.spilled())
            .finish()
    }
}

impl Prompts {
    pub fn new() -> Prompts {
        Prompts::spilling_at(SPILL_AT)
    }

    /// A store that moves to a temporary file past `bytes` (tests use a small one).
    pub fn spilling_at(bytes: usize) -> Prompts {
        Prompts {
            ids: String::new(),
            id_ends: Vec::new(),
            ends: Vec::new(),
            store: Mutex::new(Store::Memory(Vec::new())),
            spill_at: bytes,
            texts_missing: false,
        }
    }

    /// Add a record (its `expect`, if any, already known to parse).
    pub fn push(&mut self, r: &Record) -> std::io::Result<()> {
        let id_end = u32::try_from(self.ids.len() + r.id.len())
            .map_err(|_| std::io::Error::other("the prompts' ids pass 4 GiB"))?;
        let bytes = serde_json::to_vec(r).map_err(std::io::Error::other)?;
        let store = self
            .store
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let end = self.ends.last().copied().unwrap_or(0) + bytes.len() as u64;
        match store {
            Store::Memory(buf) => {
                buf.extend_from_slice(&bytes);
                if buf.len() > self.spill_at {
                    // Past the threshold the records go to an unnamed file (gone when the
                    // process ends); where none can be made they stay in memory.
                    if let Ok(mut f) = tempfile::tempfile() {
                        if f.write_all(buf).is_ok() {
                            *store = Store::File(f);
                        }
                    }
                }
            }
            Store::File(f) => {
                f.seek(SeekFrom::End(0))?;
                f.write_all(&bytes)?;
            }
        }
        self.texts_missing |= r.text.is_none();
        self.ids.push_str(&r.id);
        self.id_ends.push(id_end);
        self.ends.push(end);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.id_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id_ends.is_empty()
    }

    /// Prompt `i`'s id.
    pub fn id(&self, i: usize) -> Option<&str> {
        let end = *self.id_ends.get(i)? as usize;
        let start = if i == 0 {
            0
        } else {
            self.id_ends[i - 1] as usize
        };
        self.ids.get(start..end)
    }

    /// The ids, in order.
    pub fn ids(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.id(i).unwrap_or_default())
    }

    /// Whether some record has no text.
    pub fn texts_missing(&self) -> bool {
        self.texts_missing
    }

    /// Whether the records are in a temporary file.
    pub fn spilled(&self) -> bool {
        matches!(
            *self
                .store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            Store::File(_)
        )
    }

    /// Record `i` as stored: one JSON object.
    pub fn raw(&self, i: usize) -> std::io::Result<Vec<u8>> {
        let Some(&end) = self.ends.get(i) else {
            return Err(std::io::Error::other(format!("no prompt {i}")));
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &mut *store {
            Store::Memory(buf) => Ok(buf[start as usize..end as usize].to_vec()),
            Store::File(f) => {
                let mut out = vec![0; (end - start) as usize];
                read_at(f, &mut out, start)?;
                Ok(out)
            }
        }
    }

    /// Record `i`.
    pub fn record(&self, i: usize) -> std::io::Result<Record> {
        serde_json::from_slice(&self.raw(i)?).map_err(std::io::Error::other)
    }

    /// Prompt `i`, its check parsed (a check that no longer parses is dropped: every record's
    /// check was parsed before it was stored).
    pub fn get(&self, i: usize) -> std::io::Result<Prompt> {
        let r = self.record(i)?;
        Ok(Prompt {
            id: r.id,
            text: r.text.unwrap_or_default(),
            system: r.system,
            expect: r.expect.and_then(|e| Expect::parse(&e).ok()),
        })
    }

    /// Every prompt, in order, read back one at a time.
    pub fn iter(&self) -> impl Iterator<Item = std::io::Result<Prompt>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// `buf.len()` bytes of `f` from `at`: one `pread` where there is one.
#[cfg(unix)]
fn read_at(f: &mut std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, at)
}

#[cfg(not(unix))]
fn read_at(f: &mut std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    use std::io::Read;
    f.seek(SeekFrom::Start(at))?;
    f.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize) -> Record {
        Record {
            id: format!("p{i}"),
            text: Some(format!("prompt number {i} {}", "x".repeat(i % 7))),
            system: i.is_multiple_of(3).then(|| "Be terse.".to_string()),
            expect: i.is_multiple_of(2).then(|| "/ab+c/i".to_string()),
        }
    }

    #[test]
    fn records_read_back_as_pushed_in_memory_and_once_spilled() {
        for spill_at in [usize::MAX, 200] {
            let mut set = Prompts::spilling_at(spill_at);
            for i in 0..50 {
                set.push(&record(i)).unwrap();
            }
            assert_eq!(set.spilled(), spill_at == 200);
            assert_eq!(set.len(), 50);
            for i in (0..50).rev() {
                assert_eq!(set.record(i).unwrap(), record(i));
                assert_eq!(set.id(i), Some(format!("p{i}").as_str()));
            }
            let p = set.get(4).unwrap();
            assert_eq!(p.text, "prompt number 4 xxxx");
            // The check as written, its flags kept: `/…/i` matches any case.
            assert!(p.expect.unwrap().check("xABBBCx"));
            assert!(set.get(1).unwrap().expect.is_none());
            assert!(set.raw(50).is_err());
            assert!(!set.texts_missing());
        }
    }
}

//! The local history: every row of `compare`, `ask` and `bench`, kept in one SQLite file in the
//! user data dir so `llmx history`, `usage`, `leaderboard` and `--route fastest` can look back
//! on the user's own runs. Writes come from the history sink (on its own thread, so the run's
//! loop never waits on the disk); reads come from the commands that report on it.
//!
//! The store is WAL-mode SQLite with a busy timeout: several llmx processes may write at once
//! and none loses a row. The schema carries its version in `PRAGMA user_version` and is brought
//! up to date by [`MIGRATIONS`] inside one write transaction, so two processes opening a new
//! store at the same moment do not race.

pub mod query;
pub mod sink;
pub mod writer;

pub use writer::HistoryWriter;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::row::Row;

/// The store's file name inside the data dir.
pub const FILE: &str = "history.sqlite3";

/// How long a write waits for another process's write to finish.
const BUSY: Duration = Duration::from_secs(10);

/// Each step brings the schema from version `i` to `i + 1`.
///
/// `results` holds only what the reports scan (time, model, status, timings, tokens, cost) in
/// small integer columns, so `usage` and `leaderboard` read a million rows quickly; texts and
/// everything else a row shows sit in `details` under the same id. `status` is 0 answered, 1
/// failed, 2 cancelled; `estimated` has bit 1 for input tokens, 2 for output tokens, 4 for the
/// cost. Prompts and system prompts are kept once each in `texts`, by hash.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE runs (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    started_ms INTEGER NOT NULL,
    command TEXT NOT NULL,
    models TEXT NOT NULL,
    prompt_hash TEXT,
    summary TEXT,
    params TEXT NOT NULL,
    prices_as_of TEXT NOT NULL,
    bench_run TEXT,
    wall_ms INTEGER,
    interrupted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_started ON runs(started_ms);
CREATE TABLE models (
    key INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    requested TEXT NOT NULL,
    UNIQUE (provider, requested)
);
CREATE TABLE texts (hash TEXT PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    model INTEGER NOT NULL,
    status INTEGER NOT NULL,
    latency_ms INTEGER,
    ttft_ms INTEGER,
    total_ms INTEGER,
    input_tokens INTEGER,
    output_tokens INTEGER,
    estimated INTEGER NOT NULL,
    tokens_per_s REAL,
    cost_usd REAL
);
CREATE INDEX results_at ON results(at_ms);
CREATE INDEX results_run ON results(run);
CREATE INDEX results_route ON results(model, id);
CREATE TABLE details (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    model_id TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    system_hash TEXT,
    prompt_id TEXT,
    repeat INTEGER,
    pass INTEGER,
    itl_ms REAL,
    cached_tokens INTEGER,
    reasoning_tokens INTEGER,
    finish_reason TEXT,
    error_kind TEXT,
    attempts INTEGER NOT NULL,
    output TEXT,
    reasoning TEXT,
    tool_calls TEXT,
    error TEXT,
    fallback_from TEXT
);
CREATE TABLE imported_latency (key TEXT NOT NULL, seq INTEGER NOT NULL, latency_ms INTEGER NOT NULL);
CREATE INDEX imported_latency_key ON imported_latency(key, seq);
"#,
    r#"
ALTER TABLE details ADD COLUMN notes TEXT;
"#,
    // The limit that ended a call: rows keep the plain message, and a front end says which
    // setting raises the limit (rows of older versions kept that advice in `error`).
    r#"
ALTER TABLE details ADD COLUMN error_limit TEXT;
"#,
    // Pruning deletes texts no row uses: finding the users of a text must not scan every row.
    r#"
CREATE INDEX details_prompt ON details(prompt_hash);
CREATE INDEX details_system ON details(system_hash) WHERE system_hash IS NOT NULL;
"#,
];

/// `PRAGMA application_id` of an llmx store ("llmx" in ASCII): a file without it is not
/// changed unless it is empty or an llmx store from before the marker.
pub const APPLICATION_ID: i64 = 0x6C6C_6D78;

/// Rows deleted per write transaction when pruning: short enough that a run recording at the
/// same time never waits long for the lock.
const PRUNE_BATCH: i64 = 2_000;

/// The schema version this llmx writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Why the store could not be used. The message names the file; the caller adds what happens
/// next.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot create `{}`: {source}", dir.display())]
    Dir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}`: {}", path.display(), describe(source))]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("`{}` was written by a newer llmx (schema {found}, this one knows {SCHEMA_VERSION}); upgrade llmx", path.display())]
    Newer { path: PathBuf, found: i64 },
    #[error("no history yet: `{}` does not exist", .0.display())]
    Missing(PathBuf),
    #[error("`{}` is not an llmx history store (another program's database?); llmx leaves it as it is: move it away, or set LLMX_DATA_DIR", .0.display())]
    Foreign(PathBuf),
    #[error("no run `{0}` in the history; `llmx history` lists the runs")]
    NoRun(String),
    #[error("`{0}` names more than one run ({1}); give more of the id")]
    Ambiguous(String, String),
}

/// SQLite's own words for the common failures, without its error codes.
fn describe(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            use rusqlite::ErrorCode as C;
            let plain = match f.code {
                C::DatabaseBusy | C::DatabaseLocked => "locked by another process",
                C::ReadOnly => "read-only",
                C::NotADatabase | C::DatabaseCorrupt => "not a history store (corrupt?)",
                C::DiskFull => "the disk is full",
                C::CannotOpen => "cannot be opened",
                C::PermissionDenied => "permission denied",
                _ => return msg.clone().unwrap_or_else(|| f.to_string()),
            };
            plain.to_string()
        }
        e => e.to_string(),
    }
}

/// Whether an open database is an llmx store, or an empty file to make one of: the marker, or
/// (from before it) llmx's version and tables. Reads only.
fn is_ours(conn: &Connection) -> rusqlite::Result<bool> {
    let id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if id == APPLICATION_ID {
        return Ok(true);
    }
    if id != 0 {
        return Ok(false);
    }
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if tables.is_empty() {
        return Ok(true);
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let llmx = ["meta", "runs", "results", "details"]
        .iter()
        .all(|t| tables.iter().any(|x| x == t));
    Ok(version > 0 && llmx)
}

/// The store file in `data_dir`.
pub fn path_in(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Which runs the reports (`runs`, `usage`, `leaderboard`) read; `None`: all.
    source: Option<query::Source>,
}

impl Store {
    /// Open (creating the file and its directory if needed) for writing, and bring the schema
    /// up to date.
    pub fn open(path: &Path) -> Result<Store, HistoryError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let dir_err = |source| HistoryError::Dir {
                dir: dir.to_path_buf(),
                source,
            };
            if !dir.exists() {
                // Every prompt and answer is in here: the directory llmx makes is private.
                let mut b = std::fs::DirBuilder::new();
                b.recursive(true);
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
                b.create(dir).map_err(dir_err)?;
            }
            // So is the file (SQLite gives its -wal and -shm files the same mode).
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            match o.open(path) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(dir_err(e)),
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Store::connect(path, flags)
    }

    /// Open an existing store for the commands that only report on it.
    pub fn open_existing(path: &Path) -> Result<Store, HistoryError> {
        if !path.exists() {
            return Err(HistoryError::Missing(path.to_path_buf()));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Store::connect(path, flags)
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Store, HistoryError> {
        let err = |source| HistoryError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(path, flags).map_err(err)?;
        conn.busy_timeout(BUSY).map_err(err)?;
        // Nothing is changed (not even the journal mode) before the file is known to be ours.
        if !is_ours(&conn).map_err(err)? {
            return Err(HistoryError::Foreign(path.to_path_buf()));
        }
        // WAL: readers never block the writer, and several processes append at once.
        // NORMAL: a commit is durable against a crash of llmx; only a power cut may lose the
        // last rows.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            source: None,
        };
        store.migrate()?;
        Ok(store)
    }

    pub(crate) fn err(&self, source: rusqlite::Error) -> HistoryError {
        HistoryError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn version(&self) -> Result<i64, HistoryError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<(), HistoryError> {
        let found = self.version()?;
        let id: i64 = self
            .conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if id != APPLICATION_ID {
            self.conn
                .pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(|e| self.err(e))?;
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        if found > SCHEMA_VERSION {
            return Err(HistoryError::Newer {
                path: self.path.clone(),
                found,
            });
        }
        self.in_write(|tx| {
            // Another process may have migrated while this one waited for the lock.
            let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            for step in MIGRATIONS.iter().skip(now.max(0) as usize) {
                tx.execute_batch(step)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        })
    }

    /// Run `f` in a write transaction (taken at once, so two writers queue on the busy timeout
    /// instead of failing to upgrade a read) and commit it.
    fn in_write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, HistoryError> {
        let run = |conn: &mut Connection| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run(&mut self.conn).map_err(|e| self.err(e))
    }

    /// Write a batch of records in one transaction (rows that finish together cost one commit).
    pub fn write(&mut self, batch: &[Write], cache: &mut Cache) -> Result<(), HistoryError> {
        // Keys learnt in this transaction count only once it commits.
        let mut learnt = Cache::default();
        self.in_write(|tx| {
            batch
                .iter()
                .try_for_each(|w| write_one(tx, w, cache, &mut learnt))
        })?;
        cache.runs.extend(learnt.runs);
        cache.models.extend(learnt.models);
        // The texts known to be stored: a bounded set, so a long run or a server that sees a
        // new prompt a request does not grow with them (a text it forgot is inserted again,
        // and ignored, as the table's key already holds it).
        if cache.texts.len() + learnt.texts.len() > TEXTS_CACHED {
            cache.texts.clear();
        }
        cache.texts.extend(learnt.texts);
        Ok(())
    }

    /// Move the latencies the old `latency.json` kept into the store, once: the file is renamed
    /// to `latency.json.imported` afterwards, and a marker keeps a second process from importing
    /// it again.
    pub fn import_latency_file(&mut self, file: &Path) -> Result<usize, HistoryError> {
        let Ok(text) = std::fs::read_to_string(file) else {
            return Ok(0);
        };
        let map: std::collections::HashMap<String, Vec<u64>> =
            serde_json::from_str(&text).unwrap_or_default();
        let n = self.in_write(|tx| {
            let done: Option<String> = tx
                .query_row(
                    "SELECT value FROM meta WHERE key = 'latency_imported'",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            if done.is_some() {
                return Ok(0);
            }
            let mut n = 0;
            for (key, v) in &map {
                for (seq, ms) in v.iter().enumerate() {
                    tx.execute(
                        "INSERT INTO imported_latency (key, seq, latency_ms) VALUES (?1, ?2, ?3)",
                        params![key, seq as i64, (*ms).min(i64::MAX as u64) as i64],
                    )?;
                    n += 1;
                }
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('latency_imported', ?1)",
                params![file.display().to_string()],
            )?;
            Ok(n)
        })?;
        let _ = std::fs::rename(file, file.with_extension("json.imported"));
        Ok(n)
    }
}

/// The most text hashes a writer remembers as stored.
const TEXTS_CACHED: usize = 4096;

/// What a writer has already written, so a long run does not look up its run, its models or
/// its prompts again for every row.
#[derive(Debug, Default)]
pub struct Cache {
    runs: HashMap<String, i64>,
    models: HashMap<(String, String), i64>,
    texts: HashSet<String>,
}

fn write_one(
    tx: &rusqlite::Transaction<'_>,
    w: &Write,
    cache: &Cache,
    learnt: &mut Cache,
) -> rusqlite::Result<()> {
    match w {
        Write::Run(r) => {
            tx.prepare_cached(
                "INSERT INTO runs (id, started_ms, command, models, prompt_hash, summary, \
                 params, prices_as_of, bench_run) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                r.id,
                r.started_ms,
                r.command,
                r.models,
                r.prompt_hash,
                r.summary,
                r.params,
                r.prices_as_of,
                r.bench_run,
            ])?;
            learnt.runs.insert(r.id.clone(), tx.last_insert_rowid());
        }
        Write::Row(rec) => {
            for t in std::iter::once(&rec.prompt).chain(rec.system.as_ref()) {
                let Some(text) = &t.text else { continue };
                if cache.texts.contains(&t.hash) || learnt.texts.contains(&t.hash) {
                    continue;
                }
                tx.prepare_cached("INSERT OR IGNORE INTO texts (hash, text) VALUES (?1, ?2)")?
                    .execute(params![t.hash, text])?;
                learnt.texts.insert(t.hash.clone());
            }
            let run = match cache.runs.get(&rec.run_id).or(learnt.runs.get(&rec.run_id)) {
                Some(k) => *k,
                None => {
                    let k = tx
                        .prepare_cached("SELECT key FROM runs WHERE id = ?1")?
                        .query_row([&rec.run_id], |r| r.get(0))?;
                    learnt.runs.insert(rec.run_id.clone(), k);
                    k
                }
            };
            let mk = (rec.row.provider.clone(), rec.requested.clone());
            let model = match cache.models.get(&mk).or(learnt.models.get(&mk)) {
                Some(k) => *k,
                None => {
                    tx.prepare_cached(
                        "INSERT OR IGNORE INTO models (provider, requested) VALUES (?1, ?2)",
                    )?
                    .execute(params![mk.0, mk.1])?;
                    let k = tx
                        .prepare_cached(
                            "SELECT key FROM models WHERE provider = ?1 AND requested = ?2",
                        )?
                        .query_row(params![mk.0, mk.1], |r| r.get(0))?;
                    learnt.models.insert(mk, k);
                    k
                }
            };
            insert_row(tx, rec, run, model)?;
        }
        Write::Finish {
            id,
            wall_ms,
            interrupted,
        } => {
            tx.prepare_cached("UPDATE runs SET wall_ms = ?2, interrupted = ?3 WHERE id = ?1")?
                .execute(params![id, wall_ms, interrupted])?;
        }
    }
    Ok(())
}

/// `status`: 0 answered, 1 failed, 2 cancelled.
pub const ANSWERED: i64 = 0;
pub const FAILED: i64 = 1;
pub const CANCELLED: i64 = 2;
/// Bits of `estimated`.
pub const INPUT_ESTIMATED: i64 = 1;
pub const OUTPUT_ESTIMATED: i64 = 2;
pub const COST_ESTIMATED: i64 = 4;

fn insert_row(
    tx: &rusqlite::Transaction<'_>,
    rec: &Record,
    run: i64,
    model: i64,
) -> rusqlite::Result<()> {
    let r = &*rec.row;
    let notes: Vec<&String> = r.notes.iter().chain(&rec.notes).collect();
    let opt = |v: Option<u64>| v.map(|n| n.min(i64::MAX as u64) as i64);
    let status = match r.error_kind {
        None => ANSWERED,
        Some(crate::provider::ErrorKind::Cancelled) => CANCELLED,
        Some(_) => FAILED,
    };
    let estimated = i64::from(r.input_estimated) * INPUT_ESTIMATED
        + i64::from(r.output_estimated) * OUTPUT_ESTIMATED
        + i64::from(r.cost_estimated) * COST_ESTIMATED;
    tx.prepare_cached(
        "INSERT INTO results (run, idx, at_ms, model, status, latency_ms, ttft_ms, total_ms, \
         input_tokens, output_tokens, estimated, tokens_per_s, cost_usd) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        run,
        rec.idx.min(i64::MAX as u64) as i64,
        rec.at_ms,
        model,
        status,
        opt(r.latency_ms),
        opt(r.ttft_ms),
        opt(r.total_ms),
        opt(r.input_tokens),
        opt(r.output_tokens),
        estimated,
        r.tokens_per_s,
        r.cost_usd,
    ])?;
    let id = tx.last_insert_rowid();
    tx.prepare_cached(
        "INSERT INTO details (id, label, model_id, prompt_hash, system_hash, prompt_id, repeat, \
         pass, itl_ms, cached_tokens, reasoning_tokens, finish_reason, error_kind, attempts, \
         output, reasoning, tool_calls, error, fallback_from, notes, error_limit) VALUES (?1, \
         ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
         ?21)",
    )?
    .execute(params![
        id,
        r.model,
        r.model_id,
        rec.prompt.hash,
        rec.system.as_ref().map(|s| &s.hash),
        rec.prompt_id,
        rec.repeat,
        rec.pass,
        rec.itl_ms,
        opt(r.cached_tokens),
        opt(r.reasoning_tokens),
        r.finish_reason,
        r.error_kind.map(|k| k.as_str()),
        r.attempts,
        (rec.store_text && !r.output.is_empty()).then_some(r.output.as_str()),
        rec.reasoning,
        // A call's arguments are the model's answer as much as its text is.
        if rec.store_text {
            json_list(&r.tool_calls)
        } else {
            None
        },
        r.error,
        r.fallback_from,
        json_list(&notes),
        r.error_limit.map(|l| l.as_str()),
    ])?;
    Ok(())
}

/// A text kept once however many rows use it, by its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// [`hash`] of the text, kept even when the text is not.
    pub hash: String,
    /// `None` with `store_text = false`.
    pub text: Option<String>,
}

impl Text {
    pub fn new(text: &str, keep: bool) -> Arc<Text> {
        Arc::new(Text {
            hash: hash(text),
            text: keep.then(|| text.to_string()),
        })
    }
}

/// FNV-1a, 128 bits, as 32 hex digits: the same text gives the same hash on every machine.
pub fn hash(text: &str) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut h = OFFSET;
    for b in text.as_bytes() {
        h ^= u128::from(*b);
        h = h.wrapping_mul(PRIME);
    }
    format!("{h:032x}")
}

/// A new run id: 12 hex digits from the time, the process and a counter.
pub fn new_run_id(now: std::time::SystemTime) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!(
        "{nanos}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    hash(&seed)[..12].to_string()
}

/// What a run is, recorded when it starts.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub id: String,
    pub started_ms: i64,
    /// `compare`, `ask` or `bench`.
    pub command: String,
    /// The models as given, comma-separated.
    pub models: String,
    /// The prompt's hash (one prompt: compare and ask).
    pub prompt_hash: Option<String>,
    /// The start of the prompt, or for bench how many prompts; `None` when text is not kept.
    pub summary: Option<String>,
    /// The request parameters, as a JSON object.
    pub params: String,
    /// The catalog's price date the costs were computed with.
    pub prices_as_of: String,
    /// bench's own run id (shared by its shards and resumes).
    pub bench_run: Option<String>,
}

/// One finished row.
#[derive(Debug, Clone)]
pub struct Record {
    pub run_id: String,
    /// The job's index (the order the models were given; bench: the cell's place).
    pub idx: u64,
    /// When the job started, ms since the epoch.
    pub at_ms: i64,
    pub prompt: Arc<Text>,
    pub system: Option<Arc<Text>>,
    pub prompt_id: Option<String>,
    pub repeat: Option<u32>,
    pub pass: Option<bool>,
    /// The model id llmx asked the provider for.
    pub requested: String,
    /// The row as the outputs have it (shared with them); `store_text` says whether its texts
    /// (the answer, the calls' arguments) are kept.
    pub row: Arc<Row>,
    pub store_text: bool,
    /// Notes only the history keeps, after the row's own.
    pub notes: Vec<String>,
    pub reasoning: Option<String>,
    pub itl_ms: Option<f64>,
}

/// A list as the JSON text a column keeps; `NULL` for an empty one.
fn json_list<T: serde::Serialize>(v: &[T]) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    serde_json::to_string(v).ok()
}

/// What the history sink hands its writer.
#[derive(Debug)]
pub enum Write {
    Run(RunRecord),
    Row(Box<Record>),
    Finish {
        id: String,
        wall_ms: i64,
        interrupted: bool,
    },
}

/// The median latency by `provider/model` in the `latency.json` llmx kept before the history,
/// for a run that routes before that file was imported.
pub fn legacy_median(file: &Path, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    let map: HashMap<String, Vec<u64>> = serde_json::from_str(&text).ok()?;
    let mut v = map.get(key)?.clone();
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

/// Milliseconds since the epoch.
pub fn epoch_ms(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}

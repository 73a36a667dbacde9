//! The one history writer of a process: a thread that owns the store's connection and commits
//! whatever has arrived in one transaction, so neither a run's loop nor a server's request
//! handlers ever wait on SQLite. It opens the store on first use, once, however many runs (or
//! requests) record through it; a store that cannot be opened or written is reported to
//! whoever asks at [`HistoryWriter::flush`], and costs nothing else.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, OnceLock};
use std::thread::JoinHandle;

use super::{Cache, Store, Write};

/// See the module docs. Cheap to share behind an `Arc`.
pub struct HistoryWriter {
    path: PathBuf,
    /// The old `latency.json`, imported into the store once.
    latency_file: Option<PathBuf>,
    tx: OnceLock<Mutex<Option<mpsc::Sender<Msg>>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The writer thread, to wake when a flush (or the end) should not wait out a gathering.
    waker: OnceLock<std::thread::Thread>,
    opens: std::sync::Arc<AtomicUsize>,
}

enum Msg {
    Write(Write),
    /// Answer once everything sent before is committed: the problem since the last flush.
    Flush(mpsc::Sender<Option<String>>),
}

impl HistoryWriter {
    /// A writer for the store at `path`; nothing is opened until the first write.
    pub fn new(path: PathBuf, latency_file: Option<PathBuf>) -> HistoryWriter {
        HistoryWriter {
            path,
            latency_file,
            tx: OnceLock::new(),
            thread: Mutex::new(None),
            waker: OnceLock::new(),
            opens: Default::default(),
        }
    }

    /// The store's file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// How many times this writer has opened the store (once, after the first write).
    pub fn opens(&self) -> usize {
        self.opens.load(Ordering::SeqCst)
    }

    fn sender(&self) -> Option<mpsc::Sender<Msg>> {
        let slot = self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Msg>();
            let (path, latency, opens) = (
                self.path.clone(),
                self.latency_file.clone(),
                self.opens.clone(),
            );
            let spawned = std::thread::Builder::new()
                .name("llmx-history".into())
                .spawn(move || serve(&path, latency.as_deref(), &opens, &rx));
            match spawned {
                Ok(h) => {
                    let _ = self.waker.set(h.thread().clone());
                    *self.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(h);
                    Mutex::new(Some(tx))
                }
                Err(_) => Mutex::new(None),
            }
        });
        slot.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// End the writer's gathering now.
    fn wake(&self) {
        if let Some(t) = self.waker.get() {
            t.unpark();
        }
    }

    /// Hand a write to the writer; it is committed with whatever else has arrived.
    pub fn send(&self, w: Write) {
        if let Some(tx) = self.sender() {
            let _ = tx.send(Msg::Write(w));
        }
    }

    /// Wait until everything sent so far is committed. `Err` names what went wrong since the
    /// last flush (the store could not be opened, a write failed, the writer is gone).
    pub fn flush(&self) -> Result<(), String> {
        // Nothing was ever sent: nothing to wait for, and no store to create.
        let Some(slot) = self.tx.get() else {
            return Ok(());
        };
        let Some(tx) = slot.lock().unwrap_or_else(|e| e.into_inner()).clone() else {
            return Err("the history writer could not start".into());
        };
        let (done, answer) = mpsc::channel();
        if tx.send(Msg::Flush(done)).is_err() {
            return Err("the history writer stopped".into());
        }
        self.wake();
        match answer.recv() {
            Ok(None) => Ok(()),
            Ok(Some(problem)) => Err(problem),
            Err(_) => Err("the history writer stopped".into()),
        }
    }
}

impl Drop for HistoryWriter {
    /// Whatever was handed over is committed before the process goes on without it.
    fn drop(&mut self) {
        if let Some(slot) = self.tx.get() {
            slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        }
        self.wake();
        if let Some(h) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = h.join();
        }
    }
}

/// How long the writer waits for more rows before committing what it has.
const GATHER: std::time::Duration = std::time::Duration::from_millis(20);
/// The most rows committed at once.
const GATHER_MAX: usize = 2_000;

/// The writer thread: open the store, then commit what arrives, a batch at a time, until every
/// sender is gone. A failure is kept for the next flush; after a failed open, writes are read
/// and dropped.
fn serve(
    path: &std::path::Path,
    latency_file: Option<&std::path::Path>,
    opens: &AtomicUsize,
    rx: &mpsc::Receiver<Msg>,
) {
    opens.fetch_add(1, Ordering::SeqCst);
    let opened = Store::open(path).and_then(|mut s| {
        if let Some(f) = latency_file.filter(|f| f.exists()) {
            s.import_latency_file(f)?;
        }
        Ok(s)
    });
    let (mut store, mut problem) = match opened {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let sticky = problem.clone();
    let mut cache = Cache::default();
    while let Ok(first) = rx.recv() {
        // Rows that keep coming (a server's requests, a benchmark's cells) are committed
        // together; a flush ends the gathering at once.
        let mut writes = Vec::new();
        let mut flushes = Vec::new();
        let urgent = |m: &Msg| matches!(m, Msg::Flush(_));
        for m in crate::gather::gather(first, rx, GATHER, GATHER_MAX, urgent) {
            match m {
                Msg::Write(w) => writes.push(w),
                Msg::Flush(done) => flushes.push(done),
            }
        }
        if let (Some(s), false) = (store.as_mut(), writes.is_empty()) {
            if let Err(e) = s.write(&writes, &mut cache) {
                problem.get_or_insert(e.to_string());
            }
        }
        for done in flushes {
            let _ = done.send(problem.take().or_else(|| sticky.clone()));
        }
    }
}

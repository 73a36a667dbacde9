//! The one history writer of a process: a thread that owns the store's connection and commits
//! whatever has arrived in one transaction, so neither a run's loop nor a server's request
//! handlers ever wait on SQLite. It opens the store on first use, once, however many runs (or
//! requests) record through it; a store that cannot be opened or written is reported to
//! whoever asks at [`HistoryWriter::flush`], and costs nothing else.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
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
    opens: Arc<AtomicUsize>,
    /// Give way to every other thread while keeping up (see [`HistoryWriter::background`]).
    background: Arc<AtomicBool>,
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
            background: Default::default(),
        }
    }

    /// From its next batch on, the writer commits while it keeps up only when no other thread
    /// wants the CPU (Linux: `SCHED_IDLE`), so a server's requests never wait behind a commit.
    /// A batch someone waits on (a flush) or one that shows rows backing up (more than 200
    /// rows) is committed at the normal priority, so other work that keeps the machine
    /// busy cannot starve the history.
    pub fn background(&self) {
        self.background.store(true, Ordering::Relaxed);
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
            let (path, latency, opens, background) = (
                self.path.clone(),
                self.latency_file.clone(),
                self.opens.clone(),
                self.background.clone(),
            );
            let spawned = std::thread::Builder::new()
                .name("llmx-history".into())
                .spawn(move || serve(&path, latency.as_deref(), &opens, &background, &rx));
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
/// The most rows a background writer commits at idle priority: a larger batch means rows are
/// backing up, and goes at the normal priority (a starved idle commit of this many takes
/// about a second on a machine other work keeps busy).
const IDLE_MAX: usize = 200;

/// A second thread that commits a background writer's small batches at idle priority (an
/// unprivileged thread that lowers itself to `SCHED_IDLE` cannot raise itself back, so the
/// writer's own thread keeps the normal priority and hands the store over for such a batch).
struct Idler {
    to: mpsc::Sender<Job>,
    back: mpsc::Receiver<Job>,
}

/// The store, the writer's cache and a batch to commit; handed back with what went wrong.
struct Job {
    store: Store,
    cache: Cache,
    writes: Vec<Write>,
    problem: Option<String>,
}

impl Idler {
    fn start() -> Option<Idler> {
        let (to, jobs) = mpsc::channel::<Job>();
        let (done, back) = mpsc::channel();
        std::thread::Builder::new()
            .name("llmx-hist-idle".into())
            .spawn(move || {
                set_idle();
                for job in jobs {
                    if done.send(job_here(job)).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Idler { to, back })
    }

    /// Commit on the idle thread and wait for it (on this one if that thread is gone); the
    /// job back, or `None` if that thread went away with the store.
    fn commit(&self, job: Job) -> Option<Job> {
        match self.to.send(job) {
            Ok(()) => self.back.recv().ok(),
            Err(mpsc::SendError(job)) => Some(job_here(job)),
        }
    }
}

/// The writer thread: open the store, then commit what arrives, a batch at a time, until every
/// sender is gone. A failure is kept for the next flush; after a failed open, writes are read
/// and dropped.
fn serve(
    path: &std::path::Path,
    latency_file: Option<&std::path::Path>,
    opens: &AtomicUsize,
    background: &AtomicBool,
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
    let mut idler: Option<Option<Idler>> = None;
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
        let give_way =
            background.load(Ordering::Relaxed) && flushes.is_empty() && writes.len() <= IDLE_MAX;
        let idle = match give_way {
            true => idler.get_or_insert_with(Idler::start).as_ref(),
            false => None,
        };
        if let (false, Some(s)) = (writes.is_empty(), store.take()) {
            let job = Job {
                store: s,
                cache: std::mem::take(&mut cache),
                writes,
                problem: None,
            };
            let job = match idle {
                Some(idle) => idle.commit(job),
                None => Some(job_here(job)),
            };
            match job {
                Some(job) => {
                    store = Some(job.store);
                    cache = job.cache;
                    if let Some(p) = job.problem {
                        problem.get_or_insert(p);
                    }
                }
                None => {
                    problem.get_or_insert("the history writer stopped".into());
                }
            }
        }
        for done in flushes {
            let _ = done.send(problem.take().or_else(|| sticky.clone()));
        }
    }
}

/// Commit a job on the calling thread.
fn job_here(mut job: Job) -> Job {
    if let Err(e) = job.store.write(&job.writes, &mut job.cache) {
        job.problem = Some(e.to_string());
    }
    job
}

/// Make the calling thread run only when nothing else wants the CPU. Where that cannot be
/// done the thread runs as before, which is only slower for others.
#[cfg(target_os = "linux")]
fn set_idle() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `param` is a valid sched_param that outlives the call; pid 0 is the calling
    // thread; lowering oneself to SCHED_IDLE needs no privilege.
    unsafe {
        libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
    }
}

#[cfg(not(target_os = "linux"))]
fn set_idle() {}

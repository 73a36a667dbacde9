//! The engine: one long-lived [`Engine`] per process (the HTTP client and the live transport,
//! the process-wide limits — each provider's `concurrency` and the requests in flight per
//! server —, the catalog, the keys, the clock and the history writer), and the runs it drives.
//! A run executes jobs (one model, or a chain of models to fall back along, each with its
//! request) concurrently, with a concurrency limit, a cost reservation and cancellation; it
//! never prints: it reports timestamped [`Event`]s to a [`Fanout`] of sinks and returns every
//! job's full [`JobResult`] in the order the jobs were given. [`Engine::call`] runs one job for
//! a request handler, as a stream of [`JobEvent`]s ending in its result.

pub mod budget;
pub mod resolve;
pub mod route;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Instant;

pub use crate::event::{Event, Fanout, FnSink, Signal, Sink, SinkError, Stop};
pub use crate::job::{Job, JobResult, Link, Tried};
pub use budget::{Budget, BudgetHalt};

use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::history::HistoryWriter;
use crate::keys::Keys;
use crate::provider::http::HttpClient;
use crate::provider::run::{
    call, CallEvent, CallLimits, CallOutcome, HttpTransport, OfflineTransport, Target, Transport,
};
use crate::provider::{ChatRequest, ErrorKind, ProviderError, Registry, StreamEvent};

/// How to run.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// At most this many calls at once; `None` means all at once.
    pub concurrency: Option<usize>,
    pub limits: CallLimits,
    /// Each job's worst case is reserved before it is sent and settled with what it really
    /// cost when it ends; a job whose worst case does not fit is not sent (see [`budget`]).
    pub budget: Option<Arc<Budget>>,
}

/// A finished (or stopped) run.
#[derive(Debug)]
pub struct RunOutcome {
    /// One result per job, in job order.
    pub results: Vec<JobResult>,
    /// Why the run ended early, if it did.
    pub stopped: Option<Stop>,
    /// Why the run stopped sending for its budget, if it did: the next job did not fit, or a
    /// provider billed more than the worst case it documents.
    pub budget: Option<BudgetHalt>,
    pub wall: Duration,
}

/// What one job reports while it runs, in order, ending with [`JobEvent::Finished`].
#[derive(Debug, Clone)]
pub enum JobEvent {
    /// An attempt at link `link` (`provider/model`) is starting; `attempt` counts from 1.
    Attempt { link: String, attempt: u32 },
    /// The attempt failed retryably; the next one starts after `wait`.
    Retry {
        attempt: u32,
        wait: Duration,
        error: ProviderError,
    },
    /// A link failed before delivering anything; the job moves on to the next.
    FellBack {
        from: String,
        to: String,
        error: ProviderError,
    },
    /// The first token arrived, `ttft` after the attempt began.
    FirstToken(Duration),
    /// A piece of the answer as it streamed in.
    Delta(StreamEvent),
    /// The job's result: answered, failed or cancelled.
    Finished(Box<JobResult>),
}

/// The process-wide limits: each provider's `concurrency` semaphore, and per server (origin)
/// the requests in flight. They live on the [`Engine`], so every run and every request a
/// server handles shares them.
#[derive(Default)]
struct Limits {
    /// By provider id, for providers with a `concurrency` limit.
    providers: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// By origin (`http://127.0.0.1:8080`): base URLs of one server share its counters.
    servers: Mutex<HashMap<String, Arc<Server>>>,
    /// Each base URL seen, to its server's counters (a URL is parsed once, not per request).
    by_base_url: Mutex<HashMap<String, Arc<Server>>>,
}

/// Requests to one server: in flight now, and started so far.
#[derive(Default)]
struct Server {
    in_flight: std::sync::atomic::AtomicUsize,
    started: std::sync::atomic::AtomicUsize,
}

/// The origin requests to `base_url` go to (the base URL itself if it does not parse).
fn origin(base_url: &str) -> String {
    url::Url::parse(base_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| base_url.to_string())
}

impl Limits {
    fn provider(&self, p: &crate::provider::Provider) -> Option<Arc<Semaphore>> {
        let n = p.concurrency?;
        let mut m = self.providers.lock().unwrap_or_else(|e| e.into_inner());
        Some(
            m.entry(p.id.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(n.max(1))))
                .clone(),
        )
    }

    fn server(&self, base_url: &str) -> Arc<Server> {
        let mut known = self.by_base_url.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = known.get(base_url) {
            return s.clone();
        }
        let mut m = self.servers.lock().unwrap_or_else(|e| e.into_inner());
        let s = m.entry(origin(base_url)).or_default().clone();
        known.insert(base_url.to_string(), s.clone());
        s
    }
}

/// llmx's engine: built once per process and shared (it is cheap to clone: one `Arc`). See the
/// module docs.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    catalog: Arc<Catalog>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
    /// Calls to real providers (HTTP, or another transport a front end put in its place).
    live: Arc<dyn Transport>,
    /// The client of the HTTP transport, also used for downloads (images) and listings.
    http: HttpClient,
    limits: Limits,
    history: Option<Arc<HistoryWriter>>,
}

/// How an [`Engine`] is put together.
pub struct EngineBuilder {
    registry: Registry,
    catalog: Arc<Catalog>,
    keys: Option<Arc<Keys>>,
    clock: Option<Arc<dyn Clock>>,
    http: Option<HttpClient>,
    live: Option<Arc<dyn Transport>>,
    history: Option<Arc<HistoryWriter>>,
}

impl EngineBuilder {
    /// Where keys come from (default: none at all).
    pub fn keys(mut self, keys: Arc<Keys>) -> Self {
        self.keys = Some(keys);
        self
    }

    /// The clock prices and `started_at` stamps read (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The HTTP client (default: one without a connect timeout or proxies).
    pub fn http(mut self, client: HttpClient) -> Self {
        self.http = Some(client);
        self
    }

    /// Carry calls to real providers another way than one HTTP request each (a provider's
    /// Batch API, say). The offline `mock` provider is always answered in-process.
    pub fn transport(mut self, live: Arc<dyn Transport>) -> Self {
        self.live = Some(live);
        self
    }

    /// Record every run's rows through this writer (one per process).
    pub fn history(mut self, writer: Arc<HistoryWriter>) -> Self {
        self.history = Some(writer);
        self
    }

    pub fn build(self) -> Result<Engine, ProviderError> {
        let http = match self.http {
            Some(c) => c,
            None => HttpClient::untimed()?,
        };
        let live = self.live.unwrap_or_else(|| {
            Arc::new(HttpTransport {
                client: http.clone(),
            })
        });
        let keys = self
            .keys
            .unwrap_or_else(|| Arc::new(Keys::new(&crate::env::Env::default(), None)));
        Ok(Engine {
            inner: Arc::new(Inner {
                registry: self.registry,
                catalog: self.catalog,
                keys,
                clock: self
                    .clock
                    .unwrap_or_else(|| Arc::new(crate::clock::SystemClock)),
                live,
                http,
                limits: Limits::default(),
                history: self.history,
            }),
        })
    }
}

impl Engine {
    /// Start building an engine over these providers and this catalog.
    pub fn builder(registry: Registry, catalog: Arc<Catalog>) -> EngineBuilder {
        EngineBuilder {
            registry,
            catalog,
            keys: None,
            clock: None,
            http: None,
            live: None,
            history: None,
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    pub fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.inner.clock
    }

    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The history writer, when this engine records.
    pub fn history(&self) -> Option<&Arc<HistoryWriter>> {
        self.inner.history.as_ref()
    }

    /// What resolving model names may use.
    pub fn resolver(&self) -> resolve::Resolver<'_> {
        resolve::Resolver {
            registry: &self.inner.registry,
            catalog: &self.inner.catalog,
            keys: &self.inner.keys,
        }
    }

    /// Run every job, reporting to `sinks`, and keep every result. The run stops early —
    /// unfinished jobs become cancelled results that keep the text already received — when
    /// `signal` completes or a sink fails.
    pub async fn run(
        &self,
        jobs: &[Job],
        opts: RunOptions,
        sinks: &mut Fanout<'_>,
        signal: impl Future<Output = Signal> + Send,
    ) -> RunOutcome {
        let mut source = Slice { jobs, next: 0 };
        let run = Drive {
            engine: &self.inner,
            plan: jobs,
            keep: true,
            opts,
        };
        run.drive(&mut source, sinks, signal).await
    }

    /// Run the jobs `source` hands out, at most `opts.concurrency` at once, keeping none of
    /// them: each result goes to the sinks and is dropped, so memory does not grow with the
    /// number of jobs. A job the stop cuts short is dropped too (no cancelled result). `plan`
    /// holds one job per model the source will hand out, for [`Event::RunStarted`].
    pub async fn run_stream(
        &self,
        plan: &[Job],
        source: &mut dyn JobSource,
        opts: RunOptions,
        sinks: &mut Fanout<'_>,
        signal: impl Future<Output = Signal> + Send,
    ) -> RunOutcome {
        let run = Drive {
            engine: &self.inner,
            plan,
            keep: false,
            opts,
        };
        run.drive(source, sinks, signal).await
    }

    /// Run one job on the current tokio runtime, for a request handler: its events as they
    /// happen, the last one its result. Dropping the stream cancels the job (a client that
    /// went away stops the upstream request). With a budget, the job's worst case is reserved
    /// first; when it does not fit, nothing is sent and the refusal says why.
    pub fn call(&self, job: Job, opts: RunOptions) -> Result<JobEvents, BudgetHalt> {
        let reserved = match &opts.budget {
            Some(b) => Some(b.reserve_job(&job, &self.inner.catalog, self.inner.clock.now())?),
            None => None,
        };
        let (tx, rx) = mpsc::unbounded_channel::<Msg>();
        let inner = self.inner.clone();
        let task = tokio::spawn(async move {
            let started = inner.clock.now();
            let r = run_job(&inner, &job, 0, opts.limits, started, &tx).await;
            if let (Some(b), Some(w)) = (&opts.budget, reserved) {
                let billed = crate::row::cost(&r, &inner.catalog);
                b.settle(&r.label, w, billed);
            }
            let _ = tx.send(Msg(0, JobEvent::Finished(Box::new(r))));
        });
        Ok(JobEvents { rx, task })
    }
}

/// The events of one job run by [`Engine::call`]. Dropping it cancels the job.
pub struct JobEvents {
    rx: mpsc::UnboundedReceiver<Msg>,
    task: tokio::task::JoinHandle<()>,
}

impl JobEvents {
    /// The next event; `None` after [`JobEvent::Finished`].
    pub async fn next(&mut self) -> Option<JobEvent> {
        self.rx.recv().await.map(|Msg(_, e)| e)
    }
}

impl Drop for JobEvents {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a job's future sends to the loop that feeds the sinks: the job's index and its event.
struct Msg(usize, JobEvent);

/// Call one link, within its provider's limit, noting whether another request to the same
/// server overlapped it. Also returns how long the call queued for its provider's limit (not
/// part of the row's own time).
async fn call_link(
    engine: &Inner,
    target: &Target,
    request: &ChatRequest,
    limits: CallLimits,
    on: &mut (dyn FnMut(CallEvent<'_>) + Send),
) -> (CallOutcome, Duration) {
    use std::sync::atomic::Ordering::SeqCst;
    let queued = Instant::now();
    let semaphore = engine.limits.provider(&target.provider);
    let _permit = match &semaphore {
        Some(sem) => sem.acquire().await.ok(),
        None => None,
    };
    let queued = queued.elapsed();
    if target.provider.is_offline() {
        return (
            call(&OfflineTransport, target, request, limits, on).await,
            queued,
        );
    }
    let server = engine.limits.server(&target.base_url);
    let started_before = server.started.fetch_add(1, SeqCst);
    let busy_at_start = server.in_flight.fetch_add(1, SeqCst) > 0;
    let mut outcome = call(&*engine.live, target, request, limits, on).await;
    server.in_flight.fetch_sub(1, SeqCst);
    let started_during = server.started.load(SeqCst) > started_before + 1;
    if let Some(e) = outcome.error.as_mut() {
        let cut = e.kind == ErrorKind::Network && e.message.starts_with("stream cut");
        if cut && (busy_at_start || started_during) {
            e.message = format!(
                "{}; another request to the same server was in flight, and a server that runs \
                 one request at a time (llama.cpp) cuts the running stream: set \
                 `concurrency = 1` under [providers.{}] in the config",
                e.message, target.provider.id
            );
        }
    }
    (outcome, queued)
}

/// Run one job: each link in turn until one answers. A link that fails before delivering any
/// content hands over to the next; one that delivered content ends the job (falling back then
/// would pay twice and show two answers).
async fn run_job(
    engine: &Inner,
    job: &Job,
    index: usize,
    limits: CallLimits,
    started_at: SystemTime,
    tx: &mpsc::UnboundedSender<Msg>,
) -> JobResult {
    let mut tried: Vec<Tried> = Vec::new();
    let mut attempts = 0;
    let start = Instant::now();
    let mut queued = Duration::ZERO;
    let last = job.links.len().saturating_sub(1);
    let send = |e: JobEvent| {
        let _ = tx.send(Msg(index, e));
    };
    for (i, link) in job.links.iter().enumerate() {
        let name = link.name();
        let outcome = match &link.preflight {
            Some(err) => CallOutcome::not_sent(err.clone()),
            None => {
                let mut request = job.request.clone();
                request.model = link.target.model.clone();
                let mut on = |ev: CallEvent<'_>| {
                    send(match ev {
                        CallEvent::AttemptStarted(attempt) => JobEvent::Attempt {
                            link: name.clone(),
                            attempt,
                        },
                        CallEvent::RetryScheduled {
                            attempt,
                            wait,
                            error,
                        } => JobEvent::Retry {
                            attempt,
                            wait,
                            error: error.clone(),
                        },
                        CallEvent::FirstToken(ttft) => JobEvent::FirstToken(ttft),
                        CallEvent::Stream(event) => JobEvent::Delta(event.clone()),
                    })
                };
                let (outcome, waited) =
                    call_link(engine, &link.target, &request, limits, &mut on).await;
                queued += waited;
                outcome
            }
        };
        attempts += outcome.attempts;
        if i < last && !outcome.delivered {
            if let Some(e) = &outcome.error {
                send(JobEvent::FellBack {
                    from: name.clone(),
                    to: job.links[i + 1].name(),
                    error: e.clone(),
                });
                tried.push(Tried {
                    name,
                    error: e.clone(),
                    attempts: outcome.attempts,
                });
                continue;
            }
        }
        let sent = outcome.attempts > 0;
        let mut r = JobResult::new(index, job, link, started_at);
        r.response = outcome.response;
        r.error = outcome.error;
        r.tried = tried;
        r.attempts = attempts;
        r.latency = sent.then_some(outcome.latency);
        r.ttft = outcome.ttft;
        r.itl = outcome.itl;
        r.notes = link.notes.iter().cloned().chain(outcome.notes).collect();
        r.total = (attempts > 0).then(|| start.elapsed().saturating_sub(queued));
        return r;
    }
    JobResult::cancelled_with(index, job, started_at, String::new())
}

/// Where a streamed run's jobs come from: asked for one each time a slot is free, and told of
/// each result before the sinks hear of it.
pub trait JobSource: Send {
    fn next(&mut self) -> Next;
    fn finished(&mut self, result: &JobResult);
}

/// What a [`JobSource`] hands out.
pub enum Next {
    /// A job and its index (the index its result and events carry).
    Job(usize, Box<Job>),
    /// Nothing until a running job finishes (a warm-up must end before measuring starts).
    Wait,
    /// No more jobs.
    End,
}

/// The jobs of a compare run, in order.
struct Slice<'j> {
    jobs: &'j [Job],
    next: usize,
}

impl JobSource for Slice<'_> {
    fn next(&mut self) -> Next {
        let Some(job) = self.jobs.get(self.next) else {
            return Next::End;
        };
        self.next += 1;
        Next::Job(self.next - 1, Box::new(job.clone()))
    }

    fn finished(&mut self, _: &JobResult) {}
}

/// Hands job messages to the source and the sinks, and keeps the results of a run that keeps
/// them.
struct Feed<'s, 'f, 'q, 'e> {
    sinks: &'s mut Fanout<'f>,
    source: &'q mut dyn JobSource,
    start: Instant,
    /// `None` for a streamed run: each result goes to the sinks and is dropped.
    results: Option<Vec<Option<JobResult>>>,
    /// Jobs handed out whose result has not been handled yet.
    running: usize,
    /// Text received so far per running job, so a cancelled row keeps what had arrived (kept
    /// runs only).
    partial: HashMap<usize, String>,
    /// The worst case reserved for each running job, to settle when it ends.
    reserved: HashMap<usize, f64>,
    budget: Option<Arc<Budget>>,
    catalog: &'e Catalog,
    /// The budget stopped the run from sending more.
    halt: Option<BudgetHalt>,
    /// A job handed out whose worst case did not fit while others were in flight: it waits
    /// for their costs to settle.
    held: Option<(usize, Box<Job>)>,
}

impl Feed<'_, '_, '_, '_> {
    fn handle(&mut self, Msg(job, event): Msg) -> Result<(), SinkError> {
        let at = self.start.elapsed();
        let sinks = &mut *self.sinks;
        match event {
            JobEvent::Finished(r) => {
                let i = r.index;
                self.running = self.running.saturating_sub(1);
                if let (Some(b), Some(w)) = (&self.budget, self.reserved.remove(&i)) {
                    let billed = crate::row::cost(&r, self.catalog);
                    if let Some(over) = b.settle(&r.label, w, billed) {
                        self.halt.get_or_insert(over);
                    }
                }
                self.source.finished(&r);
                let sent = {
                    let row = crate::row::Projected::new(&r, self.catalog);
                    sinks.dispatch(
                        at,
                        &Event::JobFinished {
                            result: &r,
                            row: &row,
                        },
                    )
                };
                self.partial.remove(&i);
                if let Some(slot) = self.results.as_mut().and_then(|v| v.get_mut(i)) {
                    *slot = Some(*r);
                }
                sent
            }
            JobEvent::Delta(event) => {
                if let (StreamEvent::TextDelta(t), Some(_)) = (&event, &self.results) {
                    self.partial.entry(job).or_default().push_str(t);
                }
                sinks.dispatch(at, &Event::Delta { job, event: &event })
            }
            JobEvent::Attempt { link, attempt } => sinks.dispatch(
                at,
                &Event::AttemptStarted {
                    job,
                    link: &link,
                    attempt,
                },
            ),
            JobEvent::Retry {
                attempt,
                wait,
                error,
            } => sinks.dispatch(
                at,
                &Event::RetryScheduled {
                    job,
                    attempt,
                    wait,
                    error: &error,
                },
            ),
            JobEvent::FellBack { from, to, error } => sinks.dispatch(
                at,
                &Event::FellBack {
                    job,
                    from: &from,
                    to: &to,
                    error: &error,
                },
            ),
            JobEvent::FirstToken(ttft) => sinks.dispatch(at, &Event::FirstToken { job, ttft }),
        }
    }

    /// The next job to start and its index: one held back for the budget first, else the
    /// source's next.
    fn next(&mut self) -> Next {
        match self.held.take() {
            Some((i, job)) => Next::Job(i, job),
            None => self.source.next(),
        }
    }

    /// Reserve `job`'s worst case. `Some(true)`: send it; `Some(false)`: it does not fit yet,
    /// so it waits for the jobs in flight to settle; `None`: it can never fit, and the run
    /// stops sending.
    fn reserve(&mut self, i: usize, job: Box<Job>, now: SystemTime) -> Option<Box<Job>> {
        let Some(b) = &self.budget else {
            return Some(job);
        };
        if self.halt.is_some() {
            return None;
        }
        match b.reserve_job(&job, self.catalog, now) {
            Ok(w) => {
                self.reserved.insert(i, w);
                Some(job)
            }
            // Others in flight may cost less than their worst case: wait for them.
            Err(BudgetHalt::Full { .. }) if self.running > 0 => {
                self.held = Some((i, job));
                None
            }
            Err(halt) => {
                self.halt = Some(halt);
                None
            }
        }
    }
}

/// One run's fixed parts.
struct Drive<'a> {
    engine: &'a Inner,
    plan: &'a [Job],
    /// Keep every result, and make cancelled ones for jobs the stop cut short.
    keep: bool,
    opts: RunOptions,
}

impl Drive<'_> {
    async fn drive(
        self,
        source: &mut dyn JobSource,
        sinks: &mut Fanout<'_>,
        signal: impl Future<Output = Signal> + Send,
    ) -> RunOutcome {
        let Drive {
            engine,
            plan,
            keep,
            opts,
        } = self;
        let start = Instant::now();
        let run_started = engine.clock.now();
        let mut stopped: Option<Stop> = sinks
            .dispatch(Duration::ZERO, &Event::RunStarted { jobs: plan })
            .err()
            .map(Stop::Sink);
        let mut feed = Feed {
            sinks,
            source,
            start,
            results: keep.then(|| (0..plan.len()).map(|_| None).collect()),
            running: 0,
            partial: Default::default(),
            reserved: Default::default(),
            budget: opts.budget.clone(),
            catalog: &engine.catalog,
            halt: None,
            held: None,
        };
        if stopped.is_none() {
            stopped = run_jobs(engine, &opts, &mut feed, signal).await;
        }
        // Whatever did not finish is cancelled, keeping the text that had arrived.
        if keep {
            for (i, job) in plan.iter().enumerate() {
                if feed.results.as_ref().is_some_and(|r| r[i].is_some()) {
                    continue;
                }
                let text = feed.partial.remove(&i).unwrap_or_default();
                let r = JobResult::cancelled_with(i, job, run_started, text);
                if let Err(e) = feed.handle(Msg(i, JobEvent::Finished(Box::new(r)))) {
                    stopped.get_or_insert(Stop::Sink(e));
                }
            }
        }
        let results: Vec<JobResult> = feed
            .results
            .take()
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        let wall = start.elapsed();
        let finished = Event::RunFinished {
            results: &results,
            stopped: stopped.as_ref(),
            wall,
        };
        if let Err(e) = feed.sinks.dispatch(wall, &finished) {
            stopped.get_or_insert(Stop::Sink(e));
        }
        RunOutcome {
            results,
            stopped,
            budget: feed.halt,
            wall,
        }
    }
}

/// Start the source's jobs as slots free up (each reserved against the budget first), hand
/// their events to the feed, until the source ends or `signal` fires; why it stopped early, if
/// it did. A failed sink starts nothing new but lets the jobs in flight finish (a closed pipe
/// stops at once).
async fn run_jobs(
    engine: &Inner,
    opts: &RunOptions,
    feed: &mut Feed<'_, '_, '_, '_>,
    signal: impl Future<Output = Signal> + Send,
) -> Option<Stop> {
    let mut stopped = None;
    let limit = opts.concurrency.unwrap_or(usize::MAX).max(1);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut pending = FuturesUnordered::new();
    let mut ended = false;
    tokio::pin!(signal);
    // Messages reach the sinks in the order each job sent them; a job's last message (its
    // result) is sent before its future completes. A job counts as running until its result
    // is handled, so the source and the limit agree on what runs.
    loop {
        while !ended && feed.running < limit {
            if feed.halt.is_some() {
                ended = true;
                break;
            }
            match feed.next() {
                Next::Job(i, job) => {
                    let now = engine.clock.now();
                    let Some(job) = feed.reserve(i, job, now) else {
                        // Held for the budget (wait), or the budget is done (end).
                        ended = feed.halt.is_some();
                        break;
                    };
                    feed.running += 1;
                    let tx = tx.clone();
                    let limits = opts.limits;
                    pending.push(async move {
                        let r = run_job(engine, &job, i, limits, now, &tx).await;
                        let _ = tx.send(Msg(i, JobEvent::Finished(Box::new(r))));
                    });
                }
                Next::Wait => break,
                Next::End => ended = true,
            }
        }
        if pending.is_empty() {
            // Results not yet read may let a waiting source go on.
            let mut read = false;
            while let Ok(msg) = rx.try_recv() {
                read = true;
                if let Err(e) = feed.handle(msg) {
                    stopped.get_or_insert(Stop::Sink(e));
                }
            }
            if read && !ended && stopped.is_none() {
                continue;
            }
            break;
        }
        tokio::select! {
            biased;
            s = &mut signal => { stopped = Some(Stop::Signal(s)); break; }
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                if let Err(e) = feed.handle(msg) {
                    // A reader that went away (`| head`) wants no more: stop now. Any other
                    // failed output stops new requests, but those in flight are paid for:
                    // they finish, for the sinks still working and the recovery file.
                    let quiet = e.is_broken_pipe();
                    stopped.get_or_insert(Stop::Sink(e));
                    if quiet {
                        break;
                    }
                    ended = true;
                }
            }
            _ = pending.next() => {}
        }
    }
    // What arrived before the stop still counts (a job that finished just before Ctrl-C).
    while let Ok(msg) = rx.try_recv() {
        if let Err(e) = feed.handle(msg) {
            stopped.get_or_insert(Stop::Sink(e));
        }
    }
    stopped
}

#[cfg(test)]
mod retry_tests;
#[cfg(test)]
pub(crate) mod tests;

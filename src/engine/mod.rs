//! The comparison run: jobs (one model, or a chain of models to fall back along, each with its
//! request) executed concurrently on one runtime with one shared HTTP client, an optional
//! concurrency limit and cancellation. The engine never prints and never prices: it reports
//! timestamped [`Event`]s to a [`Fanout`] of sinks and returns every job's full [`JobResult`] in
//! the order the jobs were given, whatever order they finished in.

pub mod event;
pub mod resolve;
pub mod route;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Instant;

pub use event::{Event, Fanout, Signal, Sink, SinkError, Stop};

use crate::clock::Clock;
use crate::provider::http::HttpClient;
use crate::provider::run::{call, CallEvent, CallLimits, CallOutcome, Target};
use crate::provider::{ChatRequest, ChatResponse, ErrorKind, ProviderError, StreamEvent};

/// One row to fill: a model, or a chain of models to fall back along.
#[derive(Debug, Clone)]
pub struct Job {
    /// What the user typed for it (`claude`, `openai/gpt-4o-mini`, `a|b`, `llama-3.3-70b:cheapest`).
    pub label: String,
    /// Tried in order until one answers; never empty.
    pub links: Vec<Link>,
    /// The request; each link fills in its own model id.
    pub request: ChatRequest,
}

/// One model of a job's chain.
#[derive(Debug, Clone)]
pub struct Link {
    pub target: Target,
    /// Known before sending that this link cannot run (its provider has no key, the catalog
    /// says the model takes no images): it is skipped, and its error is the row's if nothing
    /// after it answers.
    pub preflight: Option<ProviderError>,
    /// Notes the row carries when this link answers (a capability sent against the catalog).
    pub notes: Vec<String>,
}

impl Link {
    pub fn name(&self) -> String {
        format!("{}/{}", self.target.provider.id, self.target.model)
    }
}

impl Job {
    /// Whether no link of this job can be sent.
    pub fn cannot_run(&self) -> bool {
        self.links.iter().all(|l| l.preflight.is_some())
    }
}

/// A link that was tried and gave way to the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct Tried {
    /// `provider/model`.
    pub name: String,
    pub error: ProviderError,
    pub attempts: u32,
}

/// Everything one job produced: the whole response (reasoning and the provider's raw usage
/// included), the chain tried, and its timings. Rows, files and the history are projections of
/// this.
#[derive(Debug, Clone)]
pub struct JobResult {
    /// The job's index in the order given.
    pub index: usize,
    /// What the user typed.
    pub label: String,
    /// The provider of the link that produced this result (answered, or failed last).
    pub provider: String,
    /// The model id requested of that provider.
    pub model: String,
    /// Everything received, even when the call failed part-way.
    pub response: ChatResponse,
    pub error: Option<ProviderError>,
    /// Links tried before this one, each with why it failed.
    pub tried: Vec<Tried>,
    /// HTTP requests made for the job, retries and fallbacks included.
    pub attempts: u32,
    /// Wall-clock time the job started (prices are looked up at this time).
    pub started_at: SystemTime,
    /// The attempt that answered (or failed last): from its send to its last byte; `None`
    /// when nothing was sent.
    pub latency: Option<Duration>,
    /// That attempt's send to its first streamed token; `None` when nothing streamed.
    pub ttft: Option<Duration>,
    /// From the job's first send to its end: every attempt, retry wait and fallback; `None`
    /// when nothing was sent.
    pub total: Option<Duration>,
    /// The answering attempt's mean gap between streamed chunks after the first; `None` when
    /// fewer than two chunks streamed.
    pub itl: Option<Duration>,
    /// What llmx dropped or changed in the request for this provider, or sent against the
    /// catalog's word (`--force`).
    pub notes: Vec<String>,
}

impl JobResult {
    /// `provider/model` as requested.
    pub fn requested(&self) -> String {
        format!("{}/{}", self.provider, self.model)
    }

    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    pub fn cancelled(&self) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.kind == ErrorKind::Cancelled)
    }

    fn new(index: usize, job: &Job, link: &Link, started_at: SystemTime) -> JobResult {
        JobResult {
            index,
            label: job.label.clone(),
            provider: link.target.provider.id.clone(),
            model: link.target.model.clone(),
            response: ChatResponse::default(),
            error: None,
            tried: Vec::new(),
            attempts: 0,
            started_at,
            latency: None,
            ttft: None,
            total: None,
            itl: None,
            notes: Vec::new(),
        }
    }

    /// A job the run ended before it finished, keeping the text that had arrived.
    fn cancelled_with(index: usize, job: &Job, started_at: SystemTime, text: String) -> JobResult {
        let mut r = JobResult::new(index, job, &job.links[0], started_at);
        r.response.text = text;
        r.error = Some(ProviderError::new(ErrorKind::Cancelled, "cancelled"));
        r
    }
}

/// How to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// At most this many calls at once; `None` means all at once.
    pub concurrency: Option<usize>,
    pub limits: CallLimits,
}

/// A finished (or stopped) run.
#[derive(Debug)]
pub struct RunOutcome {
    /// One result per job, in job order.
    pub results: Vec<JobResult>,
    /// Why the run ended early, if it did.
    pub stopped: Option<Stop>,
    pub wall: Duration,
}

/// What a job's future sends to the loop that feeds the sinks.
enum Msg {
    Attempt {
        job: usize,
        link: String,
        attempt: u32,
    },
    Retry {
        job: usize,
        attempt: u32,
        wait: Duration,
        error: ProviderError,
    },
    FellBack {
        job: usize,
        from: String,
        to: String,
        error: ProviderError,
    },
    First {
        job: usize,
        ttft: Duration,
    },
    Delta {
        job: usize,
        event: StreamEvent,
    },
    Done(Box<JobResult>),
}

/// What the run shares per provider and per server: the provider's own concurrency limit, and
/// which requests to one server overlapped (a server that runs one request at a time cuts the
/// running stream when another arrives, and the row should say so).
#[derive(Default)]
struct Shared {
    /// By provider id, for providers with a `concurrency` limit.
    limits: std::collections::HashMap<String, Semaphore>,
    /// By base URL; base URLs of one origin (`http://127.0.0.1:8080`) share their `Server`.
    servers: std::collections::HashMap<String, Arc<Server>>,
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

impl Shared {
    fn new(jobs: &[Job]) -> Shared {
        let mut s = Shared::default();
        let mut by_origin: std::collections::HashMap<String, Arc<Server>> = Default::default();
        for link in jobs.iter().flat_map(|j| &j.links) {
            let p = &link.target.provider;
            if let Some(n) = p.concurrency {
                s.limits
                    .entry(p.id.clone())
                    .or_insert_with(|| Semaphore::new(n.max(1)));
            }
            let base = &link.target.base_url;
            if !p.is_offline() && !s.servers.contains_key(base) {
                let server = by_origin.entry(origin(base)).or_default().clone();
                s.servers.insert(base.clone(), server);
            }
        }
        s
    }
}

/// Call one link, within its provider's limit, noting whether another request to the same
/// server overlapped it. Also returns how long the call queued for its provider's limit (not
/// part of the row's own time).
async fn call_link(
    client: &HttpClient,
    shared: &Shared,
    target: &Target,
    request: &ChatRequest,
    limits: CallLimits,
    on: &mut (dyn FnMut(CallEvent<'_>) + Send),
) -> (CallOutcome, Duration) {
    use std::sync::atomic::Ordering::SeqCst;
    let queued = Instant::now();
    let _permit = match shared.limits.get(&target.provider.id) {
        Some(sem) => sem.acquire().await.ok(),
        None => None,
    };
    let queued = queued.elapsed();
    let Some(server) = shared.servers.get(&target.base_url) else {
        return (call(client, target, request, limits, on).await, queued);
    };
    let started_before = server.started.fetch_add(1, SeqCst);
    let busy_at_start = server.in_flight.fetch_add(1, SeqCst) > 0;
    let mut outcome = call(client, target, request, limits, on).await;
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
    client: &HttpClient,
    shared: &Shared,
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
    for (i, link) in job.links.iter().enumerate() {
        let name = link.name();
        let outcome = match &link.preflight {
            Some(err) => CallOutcome::not_sent(err.clone()),
            None => {
                let mut request = job.request.clone();
                request.model = link.target.model.clone();
                let mut on = |ev: CallEvent<'_>| {
                    let msg = match ev {
                        CallEvent::AttemptStarted(attempt) => Msg::Attempt {
                            job: index,
                            link: name.clone(),
                            attempt,
                        },
                        CallEvent::RetryScheduled {
                            attempt,
                            wait,
                            error,
                        } => Msg::Retry {
                            job: index,
                            attempt,
                            wait,
                            error: error.clone(),
                        },
                        CallEvent::FirstToken(ttft) => Msg::First { job: index, ttft },
                        CallEvent::Stream(event) => Msg::Delta {
                            job: index,
                            event: event.clone(),
                        },
                    };
                    let _ = tx.send(msg);
                };
                let (outcome, waited) =
                    call_link(client, shared, &link.target, &request, limits, &mut on).await;
                queued += waited;
                outcome
            }
        };
        attempts += outcome.attempts;
        if i < last && !outcome.delivered {
            if let Some(e) = &outcome.error {
                let _ = tx.send(Msg::FellBack {
                    job: index,
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
/// each result before the sinks hear of it (so it can stop handing out jobs, say when a budget
/// runs out).
pub trait JobSource {
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
struct Feed<'s, 'f, 'q> {
    sinks: &'s mut Fanout<'f>,
    source: &'q mut dyn JobSource,
    start: Instant,
    /// `None` for a streamed run: each result goes to the sinks and is dropped.
    results: Option<Vec<Option<JobResult>>>,
    /// Jobs handed out whose result has not been handled yet.
    running: usize,
    /// Text received so far per running job, so a cancelled row keeps what had arrived (kept
    /// runs only).
    partial: std::collections::HashMap<usize, String>,
}

impl Feed<'_, '_, '_> {
    fn handle(&mut self, msg: Msg) -> Result<(), SinkError> {
        let at = self.start.elapsed();
        let sinks = &mut *self.sinks;
        match msg {
            Msg::Done(r) => {
                let i = r.index;
                self.running = self.running.saturating_sub(1);
                self.source.finished(&r);
                let sent = sinks.dispatch(at, &Event::JobFinished { result: &r });
                self.partial.remove(&i);
                if let Some(slot) = self.results.as_mut().and_then(|v| v.get_mut(i)) {
                    *slot = Some(*r);
                }
                sent
            }
            Msg::Delta { job, event } => {
                if let (StreamEvent::TextDelta(t), Some(_)) = (&event, &self.results) {
                    self.partial.entry(job).or_default().push_str(t);
                }
                sinks.dispatch(at, &Event::Delta { job, event: &event })
            }
            Msg::Attempt { job, link, attempt } => sinks.dispatch(
                at,
                &Event::AttemptStarted {
                    job,
                    link: &link,
                    attempt,
                },
            ),
            Msg::Retry {
                job,
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
            Msg::FellBack {
                job,
                from,
                to,
                error,
            } => sinks.dispatch(
                at,
                &Event::FellBack {
                    job,
                    from: &from,
                    to: &to,
                    error: &error,
                },
            ),
            Msg::First { job, ttft } => sinks.dispatch(at, &Event::FirstToken { job, ttft }),
        }
    }
}

/// Run every job, reporting to `sinks`, and keep every result. The run stops early — unfinished
/// jobs become cancelled results that keep the text already received — when `signal`
/// completes or a sink fails.
pub async fn run(
    client: &HttpClient,
    jobs: &[Job],
    opts: RunOptions,
    clock: &dyn Clock,
    sinks: &mut Fanout<'_>,
    signal: impl Future<Output = Signal>,
) -> RunOutcome {
    let mut source = Slice { jobs, next: 0 };
    let run = Drive {
        client,
        plan: jobs,
        keep: true,
        opts,
        clock,
    };
    run.drive(&mut source, sinks, signal).await
}

/// Run the jobs `source` hands out, at most `opts.concurrency` at once, keeping none of them:
/// each result goes to the sinks and is dropped, so memory does not grow with the number of
/// jobs. A job the stop cuts short is dropped too (no cancelled result). `plan` holds one job
/// per model the source will hand out, for the per-provider limits and [`Event::RunStarted`].
pub async fn run_stream(
    client: &HttpClient,
    plan: &[Job],
    source: &mut dyn JobSource,
    opts: RunOptions,
    clock: &dyn Clock,
    sinks: &mut Fanout<'_>,
    signal: impl Future<Output = Signal>,
) -> RunOutcome {
    let run = Drive {
        client,
        plan,
        keep: false,
        opts,
        clock,
    };
    run.drive(source, sinks, signal).await
}

/// One run's fixed parts.
struct Drive<'a> {
    client: &'a HttpClient,
    plan: &'a [Job],
    /// Keep every result, and make cancelled ones for jobs the stop cut short.
    keep: bool,
    opts: RunOptions,
    clock: &'a dyn Clock,
}

impl Drive<'_> {
    async fn drive(
        self,
        source: &mut dyn JobSource,
        sinks: &mut Fanout<'_>,
        signal: impl Future<Output = Signal>,
    ) -> RunOutcome {
        let Drive {
            client,
            plan,
            keep,
            opts,
            clock,
        } = self;
        let start = Instant::now();
        let run_started = clock.now();
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
        };
        if stopped.is_none() {
            let limit = opts.concurrency.unwrap_or(usize::MAX).max(1);
            let shared = &Shared::new(plan);
            let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
            let mut pending = FuturesUnordered::new();
            let mut ended = false;
            tokio::pin!(signal);
            // Messages reach the sinks in the order each job sent them; a job's last message
            // (its result) is sent before its future completes. A job counts as running until
            // its result is handled, so the source and the limit agree on what runs.
            loop {
                while !ended && feed.running < limit {
                    match feed.source.next() {
                        Next::Job(i, job) => {
                            feed.running += 1;
                            let tx = tx.clone();
                            let limits = opts.limits;
                            pending.push(async move {
                                let r = run_job(client, shared, &job, i, limits, clock.now(), &tx)
                                    .await;
                                let _ = tx.send(Msg::Done(Box::new(r)));
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
                            stopped = Some(Stop::Sink(e));
                            break;
                        }
                    }
                    _ = pending.next() => {}
                }
            }
            // What arrived before the stop still counts (a job that finished just before
            // Ctrl-C).
            while let Ok(msg) = rx.try_recv() {
                if let Err(e) = feed.handle(msg) {
                    stopped.get_or_insert(Stop::Sink(e));
                }
            }
        }
        // Whatever did not finish is cancelled, keeping the text that had arrived.
        if keep {
            for (i, job) in plan.iter().enumerate() {
                if feed.results.as_ref().is_some_and(|r| r[i].is_some()) {
                    continue;
                }
                let text = feed.partial.remove(&i).unwrap_or_default();
                let r = JobResult::cancelled_with(i, job, run_started, text);
                if let Err(e) = feed.handle(Msg::Done(Box::new(r))) {
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
            wall,
        }
    }
}

#[cfg(test)]
mod tests;

//! The comparison run: jobs (one model each, the same prompt) executed concurrently on one
//! runtime with one shared HTTP client, an optional concurrency limit and cancellation. Results
//! come back in the order the jobs were given, whatever order they finished in. The engine never
//! prints: it reports through a [`Reporter`].

pub mod history;
pub mod resolve;
pub mod route;
pub mod row;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::provider::http::HttpClient;
use crate::provider::run::{call, CallLimits, CallOutcome, Target};
use crate::provider::{ChatRequest, ProviderError, StreamEvent};

pub use row::Row;

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
    /// Known before sending that this link cannot run (its provider has no key): it is
    /// skipped, and its error is the row's if nothing after it answers.
    pub preflight: Option<ProviderError>,
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

/// Receives progress as it happens. Implemented by the terminal display and by `ask`'s streamer.
pub trait Reporter: Sync {
    fn on_start(&self, _index: usize) {}
    fn on_event(&self, _index: usize, _event: &StreamEvent) {}
    fn on_done(&self, _index: usize, _row: &Row) {}
}

/// A reporter that ignores everything.
pub struct Silent;
impl Reporter for Silent {}

/// How to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// At most this many calls at once; `None` means all at once.
    pub concurrency: Option<usize>,
    pub limits: CallLimits,
}

/// A finished (or interrupted) run.
#[derive(Debug, Clone)]
pub struct Report {
    /// One row per job, in job order.
    pub rows: Vec<Row>,
    /// The user interrupted: unfinished rows are marked cancelled.
    pub interrupted: bool,
    /// Wall time of the whole run.
    pub wall: Duration,
}

impl Report {
    pub fn any_failed(&self) -> bool {
        self.rows.iter().any(|r| r.error.is_some())
    }

    /// The sum of the known costs and how many rows had none.
    pub fn total_cost(&self) -> (f64, usize) {
        let known: f64 = self.rows.iter().filter_map(|r| r.cost_usd).sum();
        let unknown = self
            .rows
            .iter()
            .filter(|r| r.cost_usd.is_none() && r.error.is_none())
            .count();
        (known, unknown)
    }
}

/// Run one job: each link in turn until one answers. A link that fails before delivering any
/// content hands over to the next; one that delivered content ends the job (falling back then
/// would pay twice and show two answers).
async fn run_job(
    client: &HttpClient,
    job: &Job,
    index: usize,
    limits: CallLimits,
    reporter: &dyn Reporter,
    pricing: (&Catalog, &dyn Clock),
) -> Row {
    let started = pricing.1.now();
    let mut tried: Vec<String> = Vec::new();
    let mut attempts = 0;
    let last = job.links.len().saturating_sub(1);
    for (i, link) in job.links.iter().enumerate() {
        let outcome = match &link.preflight {
            Some(err) => CallOutcome::not_sent(err.clone()),
            None => {
                let mut request = job.request.clone();
                request.model = link.target.model.clone();
                let mut on_event = |ev: &StreamEvent| reporter.on_event(index, ev);
                call(client, &link.target, &request, limits, &mut on_event).await
            }
        };
        attempts += outcome.attempts;
        let failed = outcome.error.as_ref();
        if i < last && failed.is_some() && !outcome.delivered {
            if let Some(e) = failed {
                tried.push(format!("{} ({})", link.name(), e.message));
            }
            continue;
        }
        let mut row = Row::from_outcome(&job.label, &link.target, &outcome, pricing.0, started);
        row.attempts = attempts;
        row.fallback_from = (!tried.is_empty()).then(|| tried.join("; "));
        return row;
    }
    Row::cancelled(job)
}

/// Run every job; stop early (marking the rest cancelled) when `cancel` completes.
pub async fn run(
    client: &HttpClient,
    jobs: &[Job],
    opts: RunOptions,
    pricing: (&Catalog, &dyn Clock),
    reporter: &dyn Reporter,
    cancel: impl Future<Output = ()>,
) -> Report {
    let start = Instant::now();
    let limit = opts.concurrency.unwrap_or(jobs.len()).max(1);
    let sem = Arc::new(Semaphore::new(limit));
    let mut rows: Vec<Option<Row>> = vec![None; jobs.len()];
    let mut interrupted = false;
    {
        let work = async {
            let mut pending = FuturesUnordered::new();
            for (i, job) in jobs.iter().enumerate() {
                let sem = sem.clone();
                pending.push(async move {
                    let _permit = if job.cannot_run() {
                        None
                    } else {
                        sem.acquire().await.ok()
                    };
                    reporter.on_start(i);
                    let row = run_job(client, job, i, opts.limits, reporter, pricing).await;
                    reporter.on_done(i, &row);
                    (i, row)
                });
            }
            while let Some((i, row)) = pending.next().await {
                rows[i] = Some(row);
            }
        };
        tokio::pin!(work);
        tokio::pin!(cancel);
        tokio::select! {
            _ = &mut work => {}
            _ = &mut cancel => { interrupted = true; }
        }
    }
    let rows = rows
        .into_iter()
        .zip(jobs)
        .map(|(r, job)| r.unwrap_or_else(|| Row::cancelled(job)))
        .collect();
    Report {
        rows,
        interrupted,
        wall: start.elapsed(),
    }
}

//! The comparison run: jobs (one model each, the same prompt) executed concurrently on one
//! runtime with one shared HTTP client, an optional concurrency limit and cancellation. Results
//! come back in the order the jobs were given, whatever order they finished in. The engine never
//! prints: it reports through a [`Reporter`].

pub mod resolve;
pub mod row;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::provider::http::HttpClient;
use crate::provider::run::{call, CallLimits, CallOutcome, Target};
use crate::provider::{ChatRequest, ChatResponse, ProviderError, StreamEvent};

pub use row::Row;

/// One model to ask.
#[derive(Debug, Clone)]
pub struct Job {
    /// What the user typed for it (`claude`, `openai/gpt-4o-mini`).
    pub label: String,
    pub target: Target,
    pub request: ChatRequest,
    /// Known before sending that this job cannot run (its provider has no key): the row
    /// carries this error and nothing is sent for it.
    pub preflight: Option<ProviderError>,
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

/// The outcome of a job that was never sent.
fn not_sent(error: ProviderError) -> CallOutcome {
    CallOutcome {
        response: ChatResponse::default(),
        error: Some(error),
        latency: Duration::ZERO,
        ttft: None,
        delivered: false,
    }
}

/// Run every job; stop early (marking the rest cancelled) when `cancel` completes.
pub async fn run(
    client: &HttpClient,
    jobs: &[Job],
    opts: RunOptions,
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
                    if let Some(err) = &job.preflight {
                        let row = Row::from_outcome(job, &not_sent(err.clone()));
                        reporter.on_done(i, &row);
                        return (i, row);
                    }
                    let _permit = sem.acquire().await.ok();
                    reporter.on_start(i);
                    let mut on_event = |ev: &StreamEvent| reporter.on_event(i, ev);
                    let outcome = call(
                        client,
                        &job.target,
                        &job.request,
                        opts.limits,
                        &mut on_event,
                    )
                    .await;
                    let row = Row::from_outcome(job, &outcome);
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

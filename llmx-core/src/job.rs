//! Jobs and their results: the data a run is made of and what it produces. A job is one row to
//! fill — a model, or a chain of models to fall back along — with its request; its result holds
//! everything the row, the files and the history are projected from.

use std::time::{Duration, SystemTime};

use crate::provider::run::Target;
use crate::provider::{ChatRequest, ChatResponse, ErrorKind, ProviderError};

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
    /// A result read back from a provider's batch (not measured live: no latencies).
    pub batch: Option<Batched>,
}

/// What a result read back from a provider's Batch API carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batched {
    /// The provider's id for the request, where it gave one.
    pub request_id: Option<String>,
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

    pub(crate) fn new(index: usize, job: &Job, link: &Link, started_at: SystemTime) -> JobResult {
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
            batch: None,
        }
    }

    /// The result of `job` (run on its first link) read back from a provider's batch: the
    /// answer settled as a live one is (an empty answer is an error; counts the provider did
    /// not report are estimated, marked so), or the request's error.
    pub fn batched(
        index: usize,
        job: &Job,
        started_at: SystemTime,
        outcome: Result<(ChatResponse, Option<String>), ProviderError>,
    ) -> JobResult {
        let mut r = JobResult::new(index, job, &job.links[0], started_at);
        r.attempts = 1;
        match outcome {
            Ok((response, request_id)) => {
                let mut out = crate::provider::run::CallOutcome::not_sent(ProviderError::new(
                    ErrorKind::Empty,
                    "",
                ));
                out.response = response;
                out.error = None;
                let out = crate::provider::run::settle(
                    out,
                    &job.request,
                    tokio::time::Instant::now(),
                    false,
                );
                r.response = out.response;
                r.error = out.error;
                r.batch = Some(Batched { request_id });
            }
            Err(e) => {
                r.error = Some(e);
                r.batch = Some(Batched::default());
            }
        }
        r
    }

    /// A job the run ended before it finished, keeping the text that had arrived.
    pub fn cancelled_with(
        index: usize,
        job: &Job,
        started_at: SystemTime,
        text: String,
    ) -> JobResult {
        let mut r = JobResult::new(index, job, &job.links[0], started_at);
        r.response.text = text;
        r.error = Some(ProviderError::new(ErrorKind::Cancelled, "cancelled"));
        r
    }
}

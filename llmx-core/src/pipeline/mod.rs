//! A run's request pipeline, shared by every front end: a [`RunSpec`] and a prompt become the
//! request every model gets (images typed from their bytes, the tools file checked —
//! [`attach`]), the plan (every model spec resolved to a chain of links, keys found), the
//! prepared jobs (image URLs a dialect takes none of downloaded once; links the catalog says
//! cannot take the request stopped by a preflight error), and the checks that stop a run before
//! anything is sent (no link anywhere can run; `max_cost`'s worst case). [`Prepared::execute`]
//! then runs the jobs on the [`Engine`] with the front end's sinks and the history sink.

pub mod attach;
pub mod dry_run;

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::budget::{self, Budget, Unbounded};
use crate::engine::resolve::ResolveError;
use crate::engine::{self, Engine, Fanout, Job, RunOptions, RunOutcome, Signal};
use crate::history::sink::{HistorySink, RowMeta};
use crate::input::InputError;
use crate::provider::run::CallLimits;
use crate::provider::{ChatRequest, Message, Part, Role, ToolChoice};

pub use attach::AttachError;

/// The system prompt: given inline, or read from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum SystemPrompt {
    Text(String),
    File(PathBuf),
}

/// An image to attach: a file llmx reads, or a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageArg {
    File(PathBuf),
    Url(String),
}

impl ImageArg {
    /// `http(s)://...` is a URL; any other `scheme://` (or `data:`) is refused, as `Err` with
    /// the text; the rest is a path.
    pub fn parse(s: &str) -> Result<ImageArg, String> {
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            return match url::Url::parse(s) {
                Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(ImageArg::Url(s.into())),
                _ => Err(s.into()),
            };
        }
        if lower.contains("://") || lower.starts_with("data:") {
            return Err(s.into());
        }
        Ok(ImageArg::File(PathBuf::from(s)))
    }
}

/// Whether a run is recorded in the history, and with its texts or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryPolicy {
    pub record: bool,
    /// Keep prompt, system prompt and answer texts.
    pub store_text: bool,
}

impl Default for HistoryPolicy {
    fn default() -> Self {
        HistoryPolicy {
            record: true,
            store_text: true,
        }
    }
}

/// What every run that sends a prompt is asked to do with it.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub system: Option<SystemPrompt>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    pub stream: bool,
    pub connect_timeout: std::time::Duration,
    pub limits: CallLimits,
    pub route: Option<engine::route::Route>,
    pub no_fallback: bool,
    pub history: HistoryPolicy,
    /// Attached before the prompt text, in order.
    pub images: Vec<ImageArg>,
    /// The tools file.
    pub tools: Option<PathBuf>,
    pub tool_choice: Option<ToolChoice>,
    /// Send images and tools even where the catalog says the model takes none.
    pub force: bool,
}

impl Default for RequestSpec {
    /// A streamed request with the default limits, recorded, nothing attached.
    fn default() -> Self {
        RequestSpec {
            system: None,
            temperature: None,
            max_tokens: None,
            stream: true,
            connect_timeout: std::time::Duration::from_secs_f64(
                crate::provider::run::defaults::CONNECT_SECS,
            ),
            limits: CallLimits::default(),
            route: None,
            no_fallback: false,
            history: HistoryPolicy::default(),
            images: Vec::new(),
            tools: None,
            tool_choice: None,
            force: false,
        }
    }
}

/// One run: its models, its request, how many at once, and its spending cap.
#[derive(Debug, Clone, Default)]
pub struct RunSpec {
    /// As given: comma lists split, in order.
    pub models: Vec<String>,
    pub request: RequestSpec,
    /// At most this many calls at once; `None` means the default.
    pub concurrency: Option<usize>,
    /// Never spend more than this many USD (see [`budget`]).
    pub max_cost: Option<f64>,
}

/// Requests in flight at once, unless the run says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 256;

/// Why a run cannot start. Nothing has been sent.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Attach(#[from] AttachError),
    #[error("{0}")]
    Resolve(#[from] ResolveError),
    /// No link of any job can be sent: each link's provider and why.
    #[error("{}", .0.iter().map(|(_, e)| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    NothingCanRun(Vec<(String, crate::provider::ProviderError)>),
    /// Some jobs' worst case cannot be known, so the cap cannot bound them (never empty).
    #[error("{}", .0.iter().map(unbounded).collect::<Vec<_>>().join("; "))]
    Unbounded(Vec<Unbounded>),
    /// The worst case of the whole run passes the cap.
    #[error("estimated worst case {} exceeds the cost cap {}", crate::row::usd(Some(*total)), crate::row::usd(Some(*limit)))]
    OverBudget {
        total: f64,
        limit: f64,
        /// Each model's share.
        parts: Vec<(String, f64)>,
    },
}

fn unbounded(u: &Unbounded) -> String {
    match u {
        Unbounded::NoMaxOutput { link, .. } => format!(
            "the most `{link}` can write is not known (the catalog has no maximum output for it), so a cost cap cannot bound it"
        ),
        Unbounded::Unpriced { link, .. } => {
            format!("a cost cap cannot bound `{link}`: its price is unknown")
        }
    }
}

/// The user message of a prompt: the request's images, then the text.
pub fn prompt_message(base: &ChatRequest, text: String) -> Message {
    let mut content: Vec<Part> = base
        .messages
        .first()
        .map(|m| {
            m.content
                .iter()
                .filter(|p| !matches!(p, Part::Text(_)))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    content.push(Part::Text(text));
    Message {
        role: Role::User,
        content,
    }
}

/// The request every model gets (the model id is filled in per link): the system prompt, the
/// images before the prompt text, and the tools.
pub fn chat_request(s: &RequestSpec, prompt: String) -> Result<ChatRequest, PipelineError> {
    let system = match &s.system {
        Some(SystemPrompt::File(path)) => {
            let text = crate::input::read_text_file(path, "system prompt file")?;
            Some(text.trim_end().to_string()).filter(|t| !t.is_empty())
        }
        Some(SystemPrompt::Text(t)) => Some(t.clone()).filter(|t| !t.trim().is_empty()),
        None => None,
    };
    let mut content = attach::images(&s.images)?;
    content.push(Part::Text(prompt));
    let (tools, tool_choice) = match &s.tools {
        Some(path) => {
            let tools = attach::tools(path)?;
            let choice = attach::tool_choice(s.tool_choice.as_ref(), &tools, path)?;
            (tools, choice)
        }
        None => (Vec::new(), None),
    };
    Ok(ChatRequest {
        model: String::new(),
        system,
        messages: vec![Message {
            role: Role::User,
            content,
        }],
        temperature: s.temperature,
        max_tokens: s.max_tokens,
        stop: Vec::new(),
        stream: s.stream,
        tools: tools.into(),
        tool_choice,
        extra: None,
        client: None,
    })
}

/// Resolve every model spec of the run into its chain of links; a wrong name stops the run.
/// `--route fastest` reads its medians from the history (or the old latency file not yet
/// imported), opened on the first question.
pub fn plan(
    engine: &Engine,
    run: &RunSpec,
    request: &ChatRequest,
    latency_file: Option<&std::path::Path>,
) -> Result<Vec<Job>, ResolveError> {
    let planner = Planner::new(engine.clone(), latency_file);
    run.models
        .iter()
        .map(|spec| {
            planner.job(
                spec,
                run.request.route.as_ref(),
                run.request.no_fallback,
                request.clone(),
            )
        })
        .collect()
}

/// Turns model specs into jobs: each spec resolved into its chain of links. `--route fastest`
/// reads its medians from the history (or the old latency file not yet imported), opened on
/// the first question. A server keeps one for its life.
pub struct Planner {
    engine: Engine,
    latency_file: Option<std::path::PathBuf>,
    store: std::sync::OnceLock<Option<std::sync::Mutex<crate::history::Store>>>,
}

impl Planner {
    pub fn new(engine: Engine, latency_file: Option<&std::path::Path>) -> Planner {
        Planner {
            engine,
            latency_file: latency_file.map(|p| p.to_path_buf()),
            store: std::sync::OnceLock::new(),
        }
    }

    /// The job for one spec (`claude`, `a|b`, `llama-3.3-70b:cheapest`) with `request`.
    pub fn job(
        &self,
        spec: &str,
        route: Option<&engine::route::Route>,
        no_fallback: bool,
        request: ChatRequest,
    ) -> Result<Job, ResolveError> {
        let latency = |provider: &str, model: &str| -> Option<u64> {
            let store = self.store.get_or_init(|| {
                self.engine
                    .history()
                    .and_then(|w| crate::history::Store::open_existing(w.path()).ok())
                    .map(std::sync::Mutex::new)
            });
            let recorded = store.as_ref().and_then(|s| {
                let s = s.lock().unwrap_or_else(|e| e.into_inner());
                s.median_latency(provider, model).ok().flatten()
            });
            recorded.or_else(|| {
                crate::history::legacy_median(
                    self.latency_file.as_deref()?,
                    &format!("{provider}/{model}"),
                )
            })
        };
        let cx = engine::route::RouteContext {
            resolver: self.engine.resolver(),
            latency: &latency,
            route,
            no_fallback,
        };
        // An empty entry is refused by `resolve`, with the same message everywhere.
        let spec = spec.trim();
        let links = engine::route::expand(spec, &cx)?;
        Ok(Job {
            label: spec.to_string(),
            links,
            request,
        })
    }
}

/// Make the jobs' requests sendable and stop the links that cannot take them: image URLs a
/// provider takes no URLs for are downloaded once (and every request in `more` gets the bytes
/// too), then each link is checked against the catalog's capabilities and the provider's
/// image limits.
pub async fn prepare(engine: &Engine, force: bool, jobs: &mut [Job], more: &mut [ChatRequest]) {
    let urls = attach::urls_to_fetch(jobs);
    let fetched = if urls.is_empty() {
        attach::Fetched::new()
    } else {
        attach::fetch_all(engine.http(), urls).await
    };
    for job in jobs.iter_mut() {
        attach::inline_fetched(&mut job.request, &fetched);
        attach::check_links(job, engine.catalog(), force, &fetched);
    }
    for req in more {
        attach::inline_fetched(req, &fetched);
    }
}

/// When no job can send anything, say why for each.
pub fn nothing_can_run(jobs: &[Job]) -> Option<PipelineError> {
    if jobs.is_empty() || !jobs.iter().all(|j| j.cannot_run()) {
        return None;
    }
    let mut why: Vec<(String, crate::provider::ProviderError)> = jobs
        .iter()
        .flat_map(|j| &j.links)
        .filter_map(|l| {
            let e = l.preflight.as_ref()?;
            Some((l.target.provider.id.clone(), e.clone()))
        })
        .collect();
    why.dedup_by(|a, b| a.1.message == b.1.message);
    Some(PipelineError::NothingCanRun(why))
}

/// The budget of a run capped at `limit` USD, refusing before anything is sent when the worst
/// case of `jobs` (each a model, with how many times it runs) passes it.
pub fn budget_for(
    engine: &Engine,
    jobs: &[(&Job, u64)],
    limit: f64,
) -> Result<Arc<Budget>, PipelineError> {
    let now = engine.clock().now();
    let mut total = 0.0;
    let mut parts: Vec<(String, f64)> = Vec::new();
    let mut unbounded: Vec<Unbounded> = Vec::new();
    for (job, times) in jobs.iter().filter(|(j, _)| !j.cannot_run()) {
        let c = match budget::worst_case(job, engine.catalog(), now) {
            Ok(c) => c * *times as f64,
            Err(u) => {
                if !unbounded.contains(&u) {
                    unbounded.push(u);
                }
                continue;
            }
        };
        total += c;
        match parts.iter_mut().find(|p| p.0 == job.label) {
            Some(p) => p.1 += c,
            None => parts.push((job.label.clone(), c)),
        }
    }
    if !unbounded.is_empty() {
        return Err(PipelineError::Unbounded(unbounded));
    }
    if total > limit {
        return Err(PipelineError::OverBudget {
            total,
            limit,
            parts,
        });
    }
    Ok(Arc::new(Budget::new(limit, 0.0)))
}

/// The request parameters a history row keeps (every run of a command shares them).
pub fn params(run: &RunSpec, request: &ChatRequest, extra: serde_json::Value) -> String {
    let mut p = serde_json::json!({
        "system_hash": request.system.as_deref().map(crate::history::hash),
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "stream": request.stream,
        "route": run.request.route.as_ref().map(|r| r.to_string()),
        "no_fallback": run.request.no_fallback,
        "concurrency": run.concurrency,
        "tools": request.tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "tool_choice": request.tool_choice.as_ref().map(|c| c.to_string()),
        "images": request.images().count(),
        "force": run.request.force,
    });
    if let (Some(p), serde_json::Value::Object(more)) = (p.as_object_mut(), extra) {
        p.extend(more);
    }
    p.to_string()
}

/// The start of a prompt as `llmx history` lists it: one line, at most 80 characters.
pub fn summary(prompt: &str) -> String {
    crate::history::sink::summary(prompt)
}

/// A run ready to go: its request, its jobs (planned and prepared) and its budget.
pub struct Prepared {
    pub request: ChatRequest,
    pub jobs: Vec<Job>,
    pub budget: Option<Arc<Budget>>,
}

impl Prepared {
    /// Everything before sending, for a run of one prompt (compare, ask).
    pub async fn new(
        engine: &Engine,
        run: &RunSpec,
        prompt: String,
        latency_file: Option<&std::path::Path>,
    ) -> Result<Prepared, PipelineError> {
        let request = chat_request(&run.request, prompt)?;
        let mut jobs = plan(engine, run, &request, latency_file)?;
        prepare(engine, run.request.force, &mut jobs, &mut []).await;
        if let Some(e) = nothing_can_run(&jobs) {
            return Err(e);
        }
        let budget = match run.max_cost {
            Some(limit) => {
                let each: Vec<(&Job, u64)> = jobs.iter().map(|j| (j, 1)).collect();
                Some(budget_for(engine, &each, limit)?)
            }
            None => None,
        };
        Ok(Prepared {
            request,
            jobs,
            budget,
        })
    }

    /// Run the jobs with the front end's `sinks`, recording them in the history (under
    /// `command`) unless the run says not to.
    pub async fn execute<'e>(
        &self,
        engine: &'e Engine,
        command: &str,
        run: &RunSpec,
        sinks: &mut Fanout<'e>,
        signal: impl std::future::Future<Output = Signal> + Send,
    ) -> RunOutcome {
        if let Some(h) = history_sink(engine, command, run, &self.request) {
            sinks.push(h);
        }
        let opts = RunOptions {
            concurrency: Some(run.concurrency.unwrap_or(DEFAULT_CONCURRENCY)),
            limits: run.request.limits,
            budget: self.budget.clone(),
        };
        engine.run(&self.jobs, opts, sinks, signal).await
    }
}

/// The history sink of a one-prompt run (compare, ask); `None` when the run is not recorded.
fn history_sink<'e>(
    engine: &'e Engine,
    command: &str,
    run: &RunSpec,
    request: &ChatRequest,
) -> Option<HistorySink<'e>> {
    let policy = run.request.history;
    let writer = engine.history().filter(|_| policy.record)?.clone();
    let now = engine.clock().now();
    let text = request
        .messages
        .first()
        .map(|m| m.text())
        .unwrap_or_default();
    let prompt = crate::history::Text::new(&text, policy.store_text);
    let system = request
        .system
        .as_deref()
        .map(|s| crate::history::Text::new(s, policy.store_text));
    let record = crate::history::RunRecord {
        id: crate::history::new_run_id(now),
        started_ms: crate::history::epoch_ms(now),
        command: command.to_string(),
        models: run.models.join(","),
        prompt_hash: Some(prompt.hash.clone()),
        summary: policy.store_text.then(|| summary(&text)),
        params: params(run, request, serde_json::Value::Null),
        prices_as_of: engine.catalog().prices_as_of.clone(),
        bench_run: None,
    };
    Some(HistorySink::start(
        writer,
        record,
        policy.store_text,
        Box::new(move |_| {
            Some(RowMeta {
                prompt: prompt.clone(),
                system: system.clone(),
                prompt_id: None,
                repeat: None,
                pass: None,
            })
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::history::HistoryWriter;
    use crate::provider::Registry;

    /// However many runs record through it, the process's one writer opens the store once,
    /// and every run's rows are there after one flush.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_history_writer_serves_every_run_and_opens_the_store_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite3");
        let writer = Arc::new(HistoryWriter::new(path.clone(), None));
        let engine = Engine::builder(Registry::builtin(), Arc::new(Catalog::embedded()))
            .history(writer.clone())
            .build()
            .unwrap();
        let run = RunSpec {
            models: vec!["mock/a".into(), "mock/b".into()],
            ..Default::default()
        };
        assert_eq!(writer.opens(), 0, "nothing opened before a run records");
        for n in 0..3 {
            let prepared = Prepared::new(&engine, &run, format!("prompt {n}"), None)
                .await
                .unwrap();
            let mut sinks = Fanout::new();
            let out = prepared
                .execute(&engine, "compare", &run, &mut sinks, std::future::pending())
                .await;
            assert_eq!(out.results.len(), 2);
        }
        writer.flush().unwrap();
        assert_eq!(writer.opens(), 1);
        let store = crate::history::Store::open_existing(&path).unwrap();
        let runs = store.runs(None, None, None, 100).unwrap();
        assert_eq!(runs.len(), 3, "{runs:?}");
        assert!(runs.iter().all(|r| r.rows == 2), "{runs:?}");
    }
}

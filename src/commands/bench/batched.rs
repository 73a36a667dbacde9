//! `llmx bench --batch`: the grid through the providers' Batch APIs ([`llmx_core::batch`]).
//!
//! The cells of each model go to its provider as batches (split where the provider's limits
//! ask), recorded in the job file beside the rows (each batch's intent before it is created,
//! its id the moment it is known). Then, unless `--no-wait`, the batches are polled and each
//! one's results are written as rows the moment they are read — through the same sinks as a
//! live run (the rows file, the history, the bar), so the summary and the report are bench's.
//! An interrupted wait loses nothing: the batches keep running, and `--batch --resume FILE`
//! reads them.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use llmx_core::batch::job::{self, Batch, BatchState, CellRef, Grid, GridModel, JobFile};
use llmx_core::batch::{self as api, Api, Outcome, State};
use llmx_core::bench::prompts::Prompts;
use llmx_core::bench::{Cell, RunMap};
use std::sync::Arc;

use llmx_core::engine::budget::Budget;
use llmx_core::engine::{Fanout, JobResult, JobSource, Next, RunOptions, RunOutcome, Stop};
use llmx_core::event::{Event, Sink, SinkError};
use llmx_core::provider::{ErrorKind, ProviderError};
use llmx_core::Engine;

use super::{history_sink, Cells, Plan};
use crate::error::Error;
use crate::settings::{BatchSpec, BenchSettings};
use crate::sink::bench::{BenchBar, BenchWriter, Lent};

/// How a batched run ended.
pub(super) enum Ended {
    /// Waited: every batch read, or stopped by a signal.
    Waited(RunOutcome),
    /// `--no-wait`: submitted, the job file saved.
    Submitted,
}

/// Each model's provider and its Batch API: `None` for a model run live (`--batch=auto`: a
/// fallback chain, or a provider without one), which plain `--batch` refuses.
fn apis(plan: &Plan<'_>, auto: bool) -> Result<Vec<Option<Api>>, Error> {
    let mut out = Vec::new();
    let mut none = Vec::new();
    for t in &plan.templates {
        if t.links.len() > 1 {
            if auto {
                out.push(None);
                continue;
            }
            return Err(Error::BatchWith(format!(
                "`{}` is a fallback chain; a batch goes to one provider: name one model, or pass --batch=auto to run it live beside the batches",
                t.label
            )));
        }
        let api = Api::of(&t.links[0].target);
        if api.is_none() {
            none.push(format!("`{}`", t.label));
        }
        out.push(api);
    }
    if !none.is_empty() && !auto {
        return Err(Error::BatchWith(format!(
            "{} {} no Batch API llmx can use (OpenAI, Anthropic, Gemini, Groq and Together have one, and config rows with `batch = true`); run {} without --batch, or pass --batch=auto to run {} live beside the batches",
            none.join(", "),
            if none.len() == 1 { "has" } else { "have" },
            if none.len() == 1 { "it" } else { "them" },
            if none.len() == 1 { "it" } else { "them" },
        )));
    }
    Ok(out)
}

/// The job file of this run: the one beside the rows when resuming (it must be this run's),
/// else a new one.
fn job_file(s: &BenchSettings, spec: &BatchSpec, plan: &Plan<'_>) -> Result<JobFile, Error> {
    let path = &spec.job_file;
    let bad = |problem: String| Error::BatchJobFile {
        path: path.clone(),
        problem,
    };
    if path.exists() {
        if s.resume.is_none() {
            return Err(bad(
                "it holds another batched run's batches; pass --resume with its rows file, or remove both".into(),
            ));
        }
        let job = JobFile::load(path).map_err(|e| bad(e.to_string()))?;
        if job.run_id != plan.run_id {
            return Err(bad(format!(
                "it is run `{}`, but these prompts, models and flags make run `{}`; pass the same ones as that run",
                job.run_id, plan.run_id
            )));
        }
        return Ok(job);
    }
    let grid = Grid {
        prompts: job::GridPrompts(Arc::clone(plan.prompts)),
        models: plan
            .templates
            .iter()
            .map(|t| GridModel {
                label: t.label.clone(),
                provider: t.links[0].target.provider.id.clone(),
                model: t.links[0].target.model.clone(),
            })
            .collect(),
        repeat: s.repeat,
        request: Some(job::GridRequest::of(&plan.base)),
    };
    Ok(JobFile {
        version: job::VERSION,
        run_id: plan.run_id.clone(),
        rows: s
            .output
            .as_ref()
            .or(s.resume.as_ref())
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        grid,
        batches: Vec::new(),
    })
}

/// `--batch --resume FILE` with no prompt files: the prompts from the job file beside FILE,
/// and `s` made to run its models and repeats (the request is the job's; see [`Plan::new`]).
pub(super) fn grid_of_job(s: &mut BenchSettings) -> Result<(Arc<Prompts>, JobFile), Error> {
    let spec = s
        .batch
        .as_ref()
        .expect("a job's grid is only taken with --batch");
    let path = spec.job_file.clone();
    let bad = |problem: String| Error::BatchJobFile {
        path: path.clone(),
        problem,
    };
    if !path.exists() {
        return Err(bad(
            "there is none: only a batched run (`llmx bench --batch -o FILE`) leaves one; to resume a live run, pass its prompt files and models without --batch".into(),
        ));
    }
    let job = JobFile::load(&path).map_err(|e| bad(e.to_string()))?;
    let prompts = Arc::clone(&job.grid.prompts.0);
    if job.grid.request.is_none() || prompts.texts_missing() {
        return Err(bad("it was written before job files kept the prompts: pass the run's prompt files, models and flags as before".into()));
    }
    // Each check is read once here, so a cell's row never meets one it cannot use.
    for i in 0..prompts.len() {
        let r = prompts
            .record(i)
            .map_err(|e| bad(format!("its prompts cannot be read back: {e}")))?;
        if let Some(src) = &r.expect {
            llmx_core::bench::expect::Expect::parse(src).map_err(|e| {
                bad(format!(
                    "prompt `{}` has a check llmx cannot read: {e}",
                    r.id
                ))
            })?;
        }
    }
    if s.repeat != 1 && s.repeat != job.grid.repeat {
        return Err(bad(format!(
            "it asks each prompt {} times, not {}: leave --repeat out",
            job.grid.repeat, s.repeat
        )));
    }
    s.repeat = job.grid.repeat;
    // Planned by `provider/model` (an alias may mean another model elsewhere), except a
    // fallback chain `--batch=auto` ran live, which is its links.
    s.run.models = job
        .grid
        .models
        .iter()
        .map(|m| {
            if m.label.contains('|') {
                m.label.clone()
            } else {
                format!("{}/{}", m.provider, m.model)
            }
        })
        .collect();
    Ok((prompts, job))
}

/// The key of a `custom_id` in [`Out::index`].
fn id_key(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

fn custom_id(plan: &Plan<'_>, c: &Cell) -> String {
    api::custom_id(
        &plan.run_id,
        plan.prompts.id(c.prompt as usize).unwrap_or_default(),
        &plan.labels[c.model as usize],
        c.repeat,
    )
}

/// Put the cells to run that no open batch holds into new batches, per model, split by the
/// provider's documented limits (by count, and by the size of their lines) and at most
/// [`job::MOST_CELLS`] each.
fn place(
    plan: &Plan<'_>,
    apis: &[Option<Api>],
    cells: &[Cell],
    job: &mut JobFile,
    skip: &HashSet<u32>,
) -> Result<(), Error> {
    let open: HashSet<String> = job
        .open_batches()
        .flat_map(|(_, b)| b.cells.iter().map(|c| c.custom_id.clone()))
        .collect();
    for (m, api) in apis.iter().enumerate() {
        let Some(api) = api else { continue };
        if skip.contains(&(m as u32)) {
            continue;
        }
        let refs: Vec<CellRef> = cells
            .iter()
            .filter(|c| c.model as usize == m)
            .map(|c| CellRef {
                custom_id: custom_id(plan, c),
                prompt: c.prompt,
                repeat: c.repeat,
            })
            .filter(|r| !open.contains(&r.custom_id))
            .collect();
        let target = &plan.templates[m].links[0].target;
        let sizes: Vec<usize> = refs
            .iter()
            .map(|r| line(plan, *api, target, r).map(|l| l.len()))
            .collect::<Result<_, _>>()?;
        let limits = job::Limits {
            requests: api.limits().requests.min(job::MOST_CELLS),
            ..api.limits()
        };
        for range in job::split(&sizes, limits) {
            let n = job.batches.len();
            job.batches.push(Batch {
                model: m as u32,
                intent: format!("llmx-{}-{n}", plan.run_id),
                id: None,
                state: BatchState::Intent,
                cells: refs[range].to_vec(),
            });
        }
    }
    Ok(())
}

/// A cell's line (JSON text): the request the live path would send for it, unstreamed.
fn line(
    plan: &Plan<'_>,
    api: Api,
    target: &llmx_core::provider::run::Target,
    c: &CellRef,
) -> Result<String, Error> {
    let Some(prompt) = plan.prompt(c.prompt) else {
        plan.unreadable()?;
        return Ok(String::new());
    };
    let req = Plan::request(&plan.base, &prompt);
    Ok(api::line_text(api, &c.custom_id, target, &req))
}

/// The rows' sinks, and the clock they are timed by.
struct Out<'a> {
    fanout: Fanout<'a>,
    start: Instant,
    /// Each cell's place in `order`, by a hash of its `custom_id` (8 bytes a cell, not the
    /// id's text; a hit is checked against the cell's own id).
    index: HashMap<u64, u32>,
    order: &'a [Cell],
    /// By index into `order`: written by this run.
    written: Vec<bool>,
    stopped: Option<Stop>,
    /// Models whose provider has no key here: their batches are neither created nor read.
    skip: HashSet<u32>,
    /// Cells left at a provider this run could not ask (no key): the run is not complete.
    unread: usize,
    catalog: &'a llmx_core::catalog::Catalog,
}

impl<'a> Out<'a> {
    fn new(plan: &Plan<'_>, order: &'a [Cell], catalog: &'a llmx_core::catalog::Catalog) -> Self {
        Out {
            fanout: Fanout::new(),
            start: Instant::now(),
            index: order
                .iter()
                .enumerate()
                .map(|(i, c)| (id_key(&custom_id(plan, c)), i as u32))
                .collect(),
            order,
            written: vec![false; order.len()],
            stopped: None,
            skip: HashSet::new(),
            unread: 0,
            catalog,
        }
    }

    /// One cell's row, unless this run has written it (or does not run it).
    fn row(
        &mut self,
        plan: &Plan<'_>,
        custom_id: &str,
        outcome: Result<(llmx_core::provider::ChatResponse, Option<String>), ProviderError>,
        started: std::time::SystemTime,
    ) {
        let Some(i) = self
            .index
            .get(&id_key(custom_id))
            .map(|&i| i as usize)
            .filter(|&i| self::custom_id(plan, &self.order[i]) == custom_id)
        else {
            return;
        };
        if self.written[i] || self.stopped.is_some() {
            return;
        }
        // A prompt that cannot be read back leaves its row unwritten (the run ends with why).
        let Some(job) = plan.job(&self.order[i]) else {
            return;
        };
        self.written[i] = true;
        let r = JobResult::batched(i, &job, started, outcome);
        let row = llmx_core::row::Projected::new(&r, self.catalog);
        let finished = Event::JobFinished {
            result: &r,
            row: &row,
        };
        if let Err(e) = self.fanout.dispatch(self.start.elapsed(), &finished) {
            self.stopped = Some(Stop::Sink(e));
        }
    }
}

/// The run: the job file's batches created (or found), then, unless `--no-wait`, read.
#[allow(clippy::too_many_arguments)]
pub(super) async fn execute(
    engine: &Engine,
    s: &BenchSettings,
    spec: &BatchSpec,
    plan: &Plan<'_>,
    map: RunMap<'_>,
    cells: &Cells,
    writer: &mut BenchWriter<'_>,
) -> Result<Ended, Error> {
    let apis = apis(plan, spec.auto)?;
    let live: Vec<usize> = (0..cells.all.len())
        .filter(|&i| apis[cells.all[i].model as usize].is_none())
        .collect();
    let budget = match s.run.max_cost {
        Some(limit) => within_cap(engine, plan, &apis, &cells.all, limit)?,
        None => None,
    };
    let mut job = job_file(s, spec, plan)?;
    let path = spec.job_file.as_path();
    let save_err = |e: std::io::Error| Error::WriteFile {
        path: path.to_path_buf(),
        source: e,
    };
    let order = &cells.all[..];
    let mut out = Out::new(plan, order, engine.catalog());
    out.fanout.push(Lent(writer));
    if let Some(h) = history_sink(engine, s, map, plan, "batch") {
        out.fanout.push(h);
    }
    if let Err(e) = out.fanout.dispatch(
        Duration::ZERO,
        &Event::RunStarted {
            jobs: &plan.templates,
        },
    ) {
        out.stopped = Some(Stop::Sink(e));
    }
    // Listen for signals from here on: one during submission or the wait ends the wait (the
    // job file keeps every batch), never the process half-way through a save.
    let signal = super::stop_signal();
    tokio::pin!(signal);
    tokio::select! {
        biased;
        sig = &mut signal => out.stopped = Some(Stop::Signal(sig)),
        _ = tokio::task::yield_now() => {}
    }
    let now = engine.clock().now();
    let (keyless, waiting) = keyless(plan, order, &job, &mut out, now);
    out.skip = keyless;
    place(plan, &apis, order, &mut job, &out.skip)?;
    job.save(path).map_err(save_err)?;
    create(engine, plan, &apis, &mut job, path, &mut out, now).await?;
    for b in job.open_batches().map(|(_, b)| b) {
        if let (Some(id), false) = (&b.id, out.skip.contains(&b.model)) {
            crate::output::diag(format!(
                "batch {id}: {} to {}",
                crate::commands::count(b.cells.len(), "request"),
                plan.labels[b.model as usize]
            ));
        }
    }
    out.unread = waiting.iter().map(|(_, n)| n).sum();
    // The bar from here on, below the lines above (it would draw over them), counting the rows
    // already written (cells without a key or a batch) as done.
    if s.display.progress && !order.is_empty() && !spec.no_wait {
        let provider_of: Vec<String> = plan
            .templates
            .iter()
            .map(|t| t.links[0].target.provider.id.clone())
            .collect();
        let done = (0..order.len())
            .filter(|&i| out.written[i])
            .map(|i| &order[i]);
        out.fanout.push(
            BenchBar::new(map, engine.catalog())
                .per_provider(&provider_of)
                .failed_already(done),
        );
    }
    // `--batch=auto`: what cannot be batched runs live while the batches run.
    let live_budget = if !live.is_empty() && out.stopped.is_none() {
        run_live(engine, s, plan, &live, budget, &mut out, signal.as_mut()).await
    } else {
        None
    };
    if spec.no_wait {
        return Ok(Ended::Submitted);
    }
    let wait = wait(engine, spec, plan, &apis, &mut job, path, &mut out, signal).await;
    let outcome = RunOutcome {
        results: Vec::new(),
        stopped: out.stopped.take(),
        budget: live_budget,
        wall: out.start.elapsed(),
    };
    let stopped = outcome.stopped.as_ref();
    let _ = out.fanout.dispatch(
        out.start.elapsed(),
        &Event::RunFinished {
            results: &[],
            stopped,
            wall: outcome.wall,
        },
    );
    wait?;
    Ok(Ended::Waited(outcome))
}

/// The cells of `--batch=auto` that cannot be batched, run live into the batched run's sinks.
/// Why the live run stopped sending for its budget, if it did.
async fn run_live(
    engine: &Engine,
    s: &BenchSettings,
    plan: &Plan<'_>,
    live: &[usize],
    budget: Option<Arc<Budget>>,
    out: &mut Out<'_>,
    signal: impl std::future::Future<Output = llmx_core::event::Signal> + Send,
) -> Option<llmx_core::engine::budget::BudgetHalt> {
    let mut source = Live {
        plan,
        order: out.order,
        live,
        next: 0,
    };
    let opts = RunOptions {
        concurrency: Some(
            s.run
                .concurrency
                .unwrap_or(llmx_core::pipeline::DEFAULT_CONCURRENCY),
        ),
        limits: s.run.request.limits,
        budget,
    };
    let mut within = Fanout::new();
    within.push(Within {
        to: &mut out.fanout,
        offset: out.start.elapsed(),
    });
    let ran = engine
        .run_stream(&plan.templates, &mut source, opts, &mut within, signal)
        .await;
    drop(within);
    if ran.stopped.is_some() {
        out.stopped = ran.stopped;
    }
    ran.budget
}

/// `--max-cost`: the worst case of every batched cell, at batch prices (the list price where
/// the catalog has none: a cap must bound what is billed), must fit before
/// anything is submitted (a batch cannot be stopped part-way to save money). What is left of
/// the cap is the budget of the cells run live (`--batch=auto`), reserved as they start.
fn within_cap(
    engine: &Engine,
    plan: &Plan<'_>,
    apis: &[Option<Api>],
    cells: &[Cell],
    limit: f64,
) -> Result<Option<Arc<Budget>>, Error> {
    let now = engine.clock().now();
    let mut total = 0.0;
    let mut batched = 0;
    let mut dearest: HashMap<(u32, u32), f64> = HashMap::new();
    // Each model's share of the list price: a provider whose batch price is not documented
    // is bounded by its list price.
    let share: Vec<f64> = plan
        .templates
        .iter()
        .map(|t| {
            engine
                .catalog()
                .batch_price(&t.links[0].target.provider.id)
                .map_or(1.0, |b| b.share)
        })
        .collect();
    for c in cells.iter().filter(|c| apis[c.model as usize].is_some()) {
        batched += 1;
        let w = match dearest.get(&(c.prompt, c.model)) {
            Some(w) => *w,
            None => {
                let Some(job) = plan.job(c) else {
                    plan.unreadable()?;
                    continue;
                };
                let w = llmx_core::engine::budget::worst_case(&job, engine.catalog(), now)
                    .map_err(|u| llmx_core::pipeline::PipelineError::Unbounded(vec![u]))?;
                dearest.insert((c.prompt, c.model), w);
                w
            }
        };
        total += w * share[c.model as usize];
    }
    if total > limit {
        return Err(Error::BatchWith(format!(
            "the worst case of its {} at batch prices (the list price where a provider documents none) is {}, more than --max-cost {}; raise it or send fewer cells",
            crate::commands::count(batched, "batched request"),
            crate::render::usd(Some(total)),
            crate::render::usd(Some(limit)),
        )));
    }
    let live: Vec<Cell> = cells
        .iter()
        .filter(|c| apis[c.model as usize].is_none())
        .copied()
        .collect();
    if live.is_empty() {
        return Ok(None);
    }
    match plan.budget(engine, &live, limit - total) {
        Err(Error::Pipeline(llmx_core::pipeline::PipelineError::OverBudget { total: one, .. })) => {
            Err(Error::BatchWith(format!(
                "the batched cells' worst case at batch prices is {}, which leaves {} of --max-cost {} for the cells run live, and one live request's worst case is {}; raise --max-cost, lower --max-tokens or send fewer cells",
                crate::render::usd(Some(total)),
                crate::render::usd(Some(limit - total)),
                crate::render::usd(Some(limit)),
                crate::render::usd(Some(one)),
            )))
        }
        b => b.map(Some),
    }
}

/// Create the batches that have no id yet (finding one a dead process created); the cells of
/// a batch that cannot be created are rows with its error.
async fn create(
    engine: &Engine,
    plan: &Plan<'_>,
    apis: &[Option<Api>],
    job: &mut JobFile,
    path: &Path,
    out: &mut Out<'_>,
    now: std::time::SystemTime,
) -> Result<(), Error> {
    let save_err = |e: std::io::Error| Error::WriteFile {
        path: path.to_path_buf(),
        source: e,
    };
    for (m, api) in apis.iter().enumerate() {
        let Some(api) = api else { continue };
        if out.skip.contains(&(m as u32)) {
            continue;
        }
        if !job
            .batches
            .iter()
            .any(|b| b.model as usize == m && b.id.is_none() && b.state == BatchState::Intent)
        {
            continue;
        }
        let target = &plan.templates[m].links[0].target;
        // Every line was made once already (to size the batches), so reading a prompt back
        // fails here only if the set's temporary file fails in between; the run then ends
        // with that error after this call.
        let line = |c: &CellRef| line(plan, *api, target, c).unwrap_or_default();
        let failed = job::create(engine.http(), target, *api, job, path, m as u32, &line)
            .await
            .map_err(save_err)?;
        plan.unreadable()?;
        for (i, e) in &failed {
            for c in &job.batches[*i].cells {
                out.row(plan, &c.custom_id, Err(e.clone()), now);
            }
            job.batches[*i].state = BatchState::Read;
        }
        job.save(path).map_err(save_err)?;
    }
    Ok(())
}

/// A model whose provider has no key: the cells it has not submitted are rows saying so, and
/// its batches already at the provider are left alone (they keep running; a resume with the
/// key reads them), said on stderr; the other models go ahead. The keyless models, and how
/// many submitted cells each leaves unread.
fn keyless(
    plan: &Plan<'_>,
    order: &[Cell],
    job: &JobFile,
    out: &mut Out<'_>,
    now: std::time::SystemTime,
) -> (HashSet<u32>, Vec<(u32, usize)>) {
    let at_provider: HashSet<&str> = job
        .open_batches()
        .filter(|(_, b)| b.id.is_some())
        .flat_map(|(_, b)| b.cells.iter().map(|c| c.custom_id.as_str()))
        .collect();
    let mut keyless = HashSet::new();
    let mut waiting: Vec<(u32, usize)> = Vec::new();
    for (m, t) in plan.templates.iter().enumerate() {
        if let Some(e) = t.links[0]
            .preflight
            .as_ref()
            .filter(|e| e.kind == ErrorKind::MissingKey)
        {
            keyless.insert(m as u32);
            let mut left = 0;
            for c in order.iter().filter(|c| c.model as usize == m) {
                let id = custom_id(plan, c);
                if at_provider.contains(id.as_str()) {
                    left += 1;
                } else {
                    out.row(plan, &id, Err(e.clone()), now);
                }
            }
            if left > 0 {
                waiting.push((m as u32, left));
            }
        }
    }
    drop(at_provider);
    for (m, left) in &waiting {
        let t = &plan.templates[*m as usize];
        let why = t.links[0]
            .preflight
            .as_ref()
            .map_or_else(String::new, |e| e.message.clone());
        crate::output::diag(format!(
            "skipped {}: {why}; its {} at the provider keep running: resume with the key to read them",
            t.links[0].target.provider.id,
            crate::commands::count(*left, "submitted cell"),
        ));
    }
    (keyless, waiting)
}

/// The interval before the next status check: `--poll-interval` when given, else 2 s for the
/// first minute, then half as long again each time, up to 60 s.
fn next_poll(spec: &BatchSpec, waited: Duration, last: Duration) -> Duration {
    match spec.poll {
        Some(p) => p,
        None if waited < Duration::from_secs(60) => Duration::from_secs(2),
        None => (last.mul_f64(1.5)).clamp(Duration::from_secs(2), Duration::from_secs(60)),
    }
}

/// Poll the open batches until every one is read (or a signal stops the wait).
#[allow(clippy::too_many_arguments)]
async fn wait(
    engine: &Engine,
    spec: &BatchSpec,
    plan: &Plan<'_>,
    apis: &[Option<Api>],
    job: &mut JobFile,
    path: &Path,
    out: &mut Out<'_>,
    mut signal: std::pin::Pin<&mut impl std::future::Future<Output = llmx_core::event::Signal>>,
) -> Result<(), Error> {
    let save_err = |e: std::io::Error| Error::WriteFile {
        path: path.to_path_buf(),
        source: e,
    };
    let started = Instant::now();
    let mut interval = Duration::ZERO;
    loop {
        let open: Vec<usize> = job
            .open_batches()
            .filter(|(_, b)| !out.skip.contains(&b.model))
            .map(|(i, _)| i)
            .collect();
        if open.is_empty() || out.stopped.is_some() {
            return Ok(());
        }
        let mut resplit = false;
        for i in open {
            let b = job.batches[i].clone();
            let Some(id) = b.id.clone() else { continue };
            let m = b.model as usize;
            let Some(api) = apis[m] else { continue };
            let target = &plan.templates[m].links[0].target;
            let st = match api::status(engine.http(), target, api, &id).await {
                Ok(st) => st,
                // A failed status check is tried again at the next poll.
                Err(_) => continue,
            };
            let now = engine.clock().now();
            match &st.state {
                State::Running | State::Cancelling => continue,
                State::Failed(errors) => {
                    let said: Vec<String> =
                        errors.iter().map(|(c, m)| format!("{m} ({c})")).collect();
                    if errors
                        .iter()
                        .any(|(c, m)| job::too_big(None, c) || job::too_big(None, m))
                        && job::split_in_place(job, i).is_some()
                    {
                        resplit = true;
                    } else {
                        let e = ProviderError::new(
                            ErrorKind::BadRequest,
                            format!("the batch failed: {}", said.join("; ")),
                        );
                        for c in &b.cells {
                            out.row(plan, &c.custom_id, Err(e.clone()), now);
                        }
                        job.batches[i].state = BatchState::Read;
                    }
                }
                State::Ended => {
                    if !read_ended(engine, plan, target, api, &st, &b, out).await {
                        continue;
                    }
                    job.batches[i].state = BatchState::Read;
                }
            }
            job.save(path).map_err(save_err)?;
        }
        if resplit {
            create(engine, plan, apis, job, path, out, engine.clock().now()).await?;
            continue;
        }
        if !job
            .open_batches()
            .any(|(_, b)| !out.skip.contains(&b.model))
        {
            return Ok(());
        }
        interval = next_poll(spec, started.elapsed(), interval);
        tokio::select! {
            sig = signal.as_mut() => {
                out.stopped = Some(Stop::Signal(sig));
                return Ok(());
            }
            _ = tokio::time::sleep(interval) => {}
        }
    }
}

/// Read an ended batch's results into rows; the cells they do not name are rows too (the
/// batch ended before they ran, or its results could not be read). `false` when the results
/// could not be fetched now (tried again at the next poll).
async fn read_ended(
    engine: &Engine,
    plan: &Plan<'_>,
    target: &llmx_core::provider::run::Target,
    api: Api,
    st: &api::Status,
    b: &Batch,
    out: &mut Out<'_>,
) -> bool {
    let now = engine.clock().now();
    let ids: Vec<String> = b.cells.iter().map(|c| c.custom_id.clone()).collect();
    let mut seen = HashSet::new();
    let read = api::results(engine.http(), target, api, st, &ids, &mut |item| {
        seen.insert(item.custom_id.clone());
        let outcome = match item.outcome {
            Outcome::Answer {
                response,
                request_id,
            } => Ok((*response, request_id)),
            Outcome::Failed(e) => Err(e),
            Outcome::Expired => Err(expired()),
            Outcome::Cancelled => Err(cancelled()),
        };
        out.row(plan, &item.custom_id, outcome, now);
    })
    .await;
    // A transport failure is tried again at the next poll; results that cannot be read will
    // not read better later: the cells they did not name get that error.
    let missing = match read {
        Err(e) if e.kind == ErrorKind::Decode => e,
        Err(_) => return false,
        Ok(()) if st.raw.eq_ignore_ascii_case("cancelled") || st.raw.ends_with("CANCELLED") => {
            cancelled()
        }
        Ok(()) => expired(),
    };
    for c in b.cells.iter().filter(|c| !seen.contains(&c.custom_id)) {
        out.row(plan, &c.custom_id, Err(missing.clone()), now);
    }
    true
}

/// The cells of `--batch=auto` run live, by their index in the run's order (the index their
/// rows are written under).
struct Live<'a> {
    plan: &'a Plan<'a>,
    order: &'a [Cell],
    live: &'a [usize],
    next: usize,
}

impl JobSource for Live<'_> {
    fn next(&mut self) -> Next {
        let Some(&i) = self.live.get(self.next) else {
            return Next::End;
        };
        self.next += 1;
        match self.plan.job(&self.order[i]) {
            Some(job) => Next::Job(i, Box::new(job)),
            // Its prompt cannot be read back: nothing more is sent (the run reports it).
            None => Next::End,
        }
    }

    fn finished(&mut self, _: &JobResult) {}
}

/// The live run's events into the batched run's sinks, timed from the batched run's start;
/// its start and end are the batched run's own.
struct Within<'f, 'a> {
    to: &'f mut Fanout<'a>,
    offset: Duration,
}

impl Sink for Within<'_, '_> {
    fn event(&mut self, at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        match event {
            Event::RunStarted { .. } | Event::RunFinished { .. } => Ok(()),
            e => self.to.dispatch(self.offset + at, e),
        }
    }
}

fn expired() -> ProviderError {
    ProviderError::new(
        ErrorKind::BatchExpired,
        "the provider's batch window ended before this request ran",
    )
}

fn cancelled() -> ProviderError {
    ProviderError::new(
        ErrorKind::BatchCancelled,
        "the batch was cancelled before this request ran",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_backs_off_after_the_first_minute_unless_an_interval_is_given() {
        let spec = |poll| BatchSpec {
            auto: false,
            no_wait: false,
            poll,
            job_file: "x.batch.json".into(),
        };
        let auto = spec(None);
        assert_eq!(
            next_poll(&auto, Duration::from_secs(10), Duration::ZERO),
            Duration::from_secs(2)
        );
        assert_eq!(
            next_poll(&auto, Duration::from_secs(61), Duration::from_secs(2)),
            Duration::from_secs(3)
        );
        assert_eq!(
            next_poll(&auto, Duration::from_secs(900), Duration::from_secs(50)),
            Duration::from_secs(60)
        );
        let fixed = spec(Some(Duration::from_millis(100)));
        assert_eq!(
            next_poll(&fixed, Duration::from_secs(900), Duration::ZERO),
            Duration::from_millis(100)
        );
    }
}

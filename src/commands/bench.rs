//! `llmx bench`: every prompt × model × repeat through the engine's streamed run, in an
//! interleaved order, each row written and flushed as it finishes, resumable, then a per-model
//! summary. Memory stays flat however many rows: results are written and dropped.
//!
//! The same pipeline as compare's ([`llmx_core::pipeline`]): the base request and each prompt's,
//! the plan (one job template per model), the prepared links, the checks before sending and
//! the budget; what is bench's own is the grid of cells, where the rows go (and what a resumed
//! file holds), and the summary at the end.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use llmx_core::bench::findings::Findings;
use llmx_core::bench::prompts::{Prompt, Prompts, PromptsError};
use llmx_core::bench::stored::{self, FileFormat, ResumeProblem, Stored};
use llmx_core::bench::summary::{self, Summary};
use llmx_core::bench::{Cell, RunMap, Shape};
use llmx_core::engine::{
    self, Budget, BudgetHalt, Fanout, Job, JobResult, JobSource, Next, RunOptions, RunOutcome, Stop,
};
use llmx_core::pipeline::{self, DEFAULT_CONCURRENCY};
use llmx_core::provider::ChatRequest;
use llmx_core::Engine;

use super::count;
use super::pipeline::{check_writable, flush_history, save_in_recovery, stop_signal};
use super::{read_all_stdin, Context};
use crate::error::{Error, Exit};
use crate::settings::BenchSettings;
use crate::sink::bench::BenchFormat;
use crate::sink::bench::{BenchBar, BenchWriter, Lent, RowsTo};

mod batched;

pub fn run(ctx: &Context, mut s: BenchSettings) -> Result<Exit, Error> {
    refuse_live_resume_of_open_batches(&s)?;
    let (prompts, job) = if s.grid_from_job {
        let (prompts, job) = batched::grid_of_job(&mut s)?;
        (prompts, Some(job))
    } else {
        let prompts = llmx_core::bench::prompts::load(&s.inputs, &mut read_all_stdin)?;
        (Arc::new(prompts), None)
    };
    if s.inspect.dry_run {
        return dry_run(ctx, &s, &prompts);
    }
    let engine = ctx.engine(s.run.request.connect_timeout, s.inspect.verbose)?;
    let runtime = super::runtime()?;
    let plan = runtime.block_on(Plan::new(ctx, engine, &s, &prompts, job.as_ref()));
    crate::error::note_keyring(ctx.keys.store_usable());
    let plan = plan?;
    let mut rows = Rows::open(&s, &plan, &prompts)?;
    let cells = plan.cells(&s, &rows.done);
    for path in s.summary.iter().chain(&s.report) {
        check_writable(path)?;
    }
    // A batched run's cap is checked at batch prices, before anything is submitted.
    let budget = match (s.run.max_cost, &s.batch) {
        (Some(limit), None) => Some(plan.budget(engine, &cells.all[cells.warmups..], limit)?),
        _ => None,
    };
    let map = RunMap {
        run_id: &plan.run_id,
        prompts: &prompts,
        order: &cells.all,
    };
    let catalog = engine.catalog();
    let summary = std::mem::replace(&mut rows.summary, Summary::new(&[]));
    let findings = Findings::new(
        Arc::clone(&prompts),
        plan.labels.clone(),
        s.report.is_some(),
    );
    let to = std::mem::replace(&mut rows.to, RowsTo::Stdout { terminal: false });
    let mut writer = BenchWriter::new(
        map,
        catalog,
        rows.format,
        to,
        rows.name.clone(),
        rows.header,
        crate::sink::bench::Counts { summary, findings },
    )
    .csv_safe(s.csv_safe);
    let outcome = match &s.batch {
        Some(spec) => {
            let ended = runtime.block_on(batched::execute(
                engine,
                &s,
                spec,
                &plan,
                map,
                &cells,
                &mut writer,
            ));
            match ended {
                Ok(batched::Ended::Waited(o)) => o,
                Ok(batched::Ended::Submitted) => {
                    flush_history(ctx);
                    plan.unreadable()?;
                    let rows = rows
                        .file
                        .as_ref()
                        .map_or_else(PathBuf::new, |(p, _)| p.clone());
                    crate::output::diag(format!(
                        "submitted; the batches run at the providers: collect the rows with {}",
                        batch_resume_command(&s, &rows)
                    ));
                    return Ok(Exit::Success);
                }
                Err(e) => {
                    flush_history(ctx);
                    return Err(e);
                }
            }
        }
        None => runtime.block_on(execute(engine, &s, &plan, map, &cells, budget, &mut writer)),
    };
    crate::sys::restore_default_signals();
    flush_history(ctx);
    plan.unreadable()?;
    rows.tidy_resumed(&s);
    let view = View::of(&s, &plan, &prompts, &mut writer);
    write_reports(ctx, &s, &view)?;
    let ran = Ran {
        rows: &rows,
        cells: &cells,
        writer: &writer,
        view: &view,
    };
    report(ctx, &s, &plan, ran, outcome)
}

/// What a finished run leaves for its closing report.
struct Ran<'r, 'w> {
    rows: &'r Rows,
    cells: &'r Cells,
    writer: &'r BenchWriter<'w>,
    view: &'r View,
}

/// Failed checks listed under the terminal summary (the report lists more).
const FAILURES_SHOWN: usize = 10;

/// What the summary, the failures list and the report show: this run's rows, or after a
/// resume every row of the file as it now stands (one per cell).
struct View {
    lines: Vec<llmx_core::bench::summary::Line>,
    findings: Findings,
    /// Each prompt's check as written.
    checks: Vec<Option<String>>,
    /// Rows the view covers.
    rows: u64,
}

impl View {
    fn of(
        s: &BenchSettings,
        plan: &Plan<'_>,
        prompts: &Arc<Prompts>,
        writer: &mut BenchWriter<'_>,
    ) -> View {
        let from_file = s.resume.as_ref().and_then(|path| stored::read(path).ok());
        let Some(st) = from_file else {
            let findings = std::mem::replace(
                &mut writer.counts.findings,
                Findings::new(Vec::new(), vec![], false),
            );
            return View {
                lines: writer.counts.summary.lines(),
                checks: checks(prompts, &findings, s.report.is_some()),
                findings,
                rows: writer.written,
            };
        };
        let mut summary = Summary::new(&plan.labels);
        let mut findings =
            Findings::new(Arc::clone(prompts), plan.labels.clone(), s.report.is_some());
        let index: HashMap<&str, usize> = prompts.ids().enumerate().map(|(i, p)| (p, i)).collect();
        for r in &st.rows {
            let model = plan.labels.iter().position(|l| *l == r.model);
            let prompt = index.get(r.prompt_id.as_str()).copied();
            if let (Some(m), Some(p)) = (model, prompt) {
                summary.add(m, &r.sample);
                findings.add(r.outcome(p, m));
            }
        }
        View {
            lines: summary.lines(),
            checks: checks(prompts, &findings, s.report.is_some()),
            findings,
            rows: st.rows.len() as u64,
        }
    }
}

/// The prompts' checks as written, by prompt: every prompt's for the report (its matrix shows
/// them), else only those of the failures listed (read back from the set, so a large grid's
/// checks are not held).
fn checks(prompts: &Prompts, findings: &Findings, report: bool) -> Vec<Option<String>> {
    let read = |i: usize| prompts.record(i).ok().and_then(|r| r.expect);
    if report {
        return (0..prompts.len()).map(read).collect();
    }
    let mut out = vec![None; prompts.len()];
    for f in &findings.failures {
        if out[f.prompt].is_none() {
            out[f.prompt] = read(f.prompt);
        }
    }
    out
}

/// `--dry-run`: each model's chain, endpoint, key source and the first prompt's body, and the
/// worst case of every request the run would send; nothing is sent, no file is written.
fn dry_run(ctx: &Context, s: &BenchSettings, prompts: &Prompts) -> Result<Exit, Error> {
    let engine = ctx.engine(s.run.request.connect_timeout, 0)?;
    let base = pipeline::chat_request(&s.run.request, String::new())?;
    let requests = Plan::requests(&base, prompts)?;
    let jobs = pipeline::dry_run::many_prompts(
        engine,
        &s.run,
        &base,
        &requests,
        u64::from(s.repeat),
        ctx.paths.latency_file().as_deref(),
    );
    crate::error::note_keyring(ctx.keys.store_usable());
    let jobs = jobs?;
    let total = prompts.len() * jobs.len() * s.repeat as usize;
    let mut header = format!(
        "bench of {} × {} × {} = {}",
        count(prompts.len(), "prompt"),
        count(jobs.len(), "model"),
        count(s.repeat as usize, "repeat"),
        count(total, "request")
    );
    if s.warmup > 0 {
        header.push_str(&format!(
            " (and {} first)",
            count(s.warmup as usize * jobs.len(), "warm-up request")
        ));
    }
    if let Some(first) = prompts.id(0) {
        header.push_str(&format!(
            "; the bodies shown are the first prompt's (`{first}`)"
        ));
    }
    let text = crate::render::dry_run::render(
        &header,
        &jobs,
        crate::render::dry_run::CapCheck {
            limit: s.run.max_cost,
        },
    );
    super::pipeline::print_plan(&text, s.display.terminal)
}

/// What the run sends: the base request (each prompt's is made from it when its cell is sent,
/// so memory holds the prompts once, not a request per prompt), one job template per model
/// (planned and prepared as compare's are), the grid's shape and the run's id.
struct Plan<'p> {
    prompts: &'p Arc<Prompts>,
    base: ChatRequest,
    templates: Vec<Job>,
    labels: Vec<String>,
    shape: Shape,
    run_id: String,
    /// A prompt the set could not read back (its temporary file failing): nothing more is
    /// sent, and the run ends with it once what finished is kept.
    unreadable: std::sync::Mutex<Option<std::io::Error>>,
}

impl<'p> Plan<'p> {
    /// `job`: a batched resume's job file, whose grid and request the run is (the prompts
    /// and `s` were made from it).
    async fn new(
        ctx: &Context,
        engine: &Engine,
        s: &BenchSettings,
        prompts: &'p Arc<Prompts>,
        job: Option<&llmx_core::batch::job::JobFile>,
    ) -> Result<Plan<'p>, Error> {
        let mut base = match job.and_then(|j| j.grid.request.as_ref()) {
            Some(r) => r.request(),
            None => pipeline::chat_request(&s.run.request, String::new())?,
        };
        let latency = ctx.paths.latency_file();
        let mut templates = pipeline::plan(engine, &s.run, &base, latency.as_deref())?;
        // Image URLs downloaded once go into the base, so every prompt's request has them.
        pipeline::prepare(
            engine,
            s.run.request.force,
            &mut templates,
            std::slice::from_mut(&mut base),
        )
        .await;
        if let Some(e) = pipeline::nothing_can_run(&templates) {
            return Err(e.into());
        }
        if let Some(job) = job {
            // Planned by `provider/model`, labelled as the run was.
            for (t, m) in templates.iter_mut().zip(&job.grid.models) {
                t.label = m.label.clone();
            }
        }
        let labels: Vec<String> = templates.iter().map(|j| j.label.clone()).collect();
        if let Some(twice) = labels
            .iter()
            .enumerate()
            .find(|(i, l)| labels[..*i].contains(l))
        {
            return Err(Error::ModelTwice(twice.1.clone()));
        }
        let shape = Shape {
            prompts: prompts.len() as u32,
            models: labels.len() as u32,
            repeats: s.repeat,
        };
        let run_id = match job {
            Some(j) => j.run_id.clone(),
            None => run_id(s, prompts, &labels, &base)?,
        };
        Ok(Plan {
            prompts,
            base,
            templates,
            labels,
            shape,
            run_id,
            unreadable: std::sync::Mutex::new(None),
        })
    }

    /// Prompt `i`, read back from the set; `None` when it cannot be (kept for
    /// [`Plan::unreadable`]).
    fn prompt(&self, i: u32) -> Option<Prompt> {
        match self.prompts.get(i as usize) {
            Ok(p) => Some(p),
            Err(e) => {
                let mut first = self
                    .unreadable
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                first.get_or_insert(e);
                None
            }
        }
    }

    /// The error of a prompt that could not be read back, if one could not.
    fn unreadable(&self) -> Result<(), Error> {
        let mut first = self
            .unreadable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match first.take() {
            Some(e) => Err(Error::Prompts(PromptsError::Store(e))),
            None => Ok(()),
        }
    }

    /// A prompt's request: the base one with the prompt's text (and its own system prompt).
    fn request(base: &ChatRequest, p: &Prompt) -> ChatRequest {
        ChatRequest {
            system: p.system.clone().or_else(|| base.system.clone()),
            messages: vec![pipeline::prompt_message(base, p.text.clone())],
            ..base.clone()
        }
    }

    /// Every prompt's request (a dry run shows them; a run makes each when it is sent).
    fn requests(base: &ChatRequest, prompts: &Prompts) -> Result<Vec<ChatRequest>, Error> {
        prompts
            .iter()
            .map(|p| Ok(Plan::request(base, &p.map_err(PromptsError::Store)?)))
            .collect()
    }

    /// The cells to run: warm-ups first (only when there is something to measure), then this
    /// shard's cells in their seeded order, less those a resumed file already holds.
    fn cells(&self, s: &BenchSettings, done: &HashSet<Cell>) -> Cells {
        let mut order = self.shape.order(s.seed, s.shard);
        let planned = order.len();
        order.retain(|c| !done.contains(c));
        let mut all = if order.is_empty() {
            Vec::new()
        } else {
            self.shape.warmups(s.warmup)
        };
        let warmups = all.len();
        all.append(&mut order);
        Cells {
            all,
            warmups,
            planned,
        }
    }

    /// The job of one cell; `None` when its prompt cannot be read back.
    fn job(&self, cell: &Cell) -> Option<Job> {
        let t = &self.templates[cell.model as usize];
        Some(Job {
            label: t.label.clone(),
            links: t.links.clone(),
            request: Plan::request(&self.base, &self.prompt(cell.prompt)?),
        })
    }

    /// `--max-cost`: the dearest request must fit before anything is sent; the engine then
    /// reserves each job's worst case as it starts and stops sending when the next does not
    /// fit (the rest is run with `--resume` and a higher cap).
    fn budget(&self, engine: &Engine, cells: &[Cell], limit: f64) -> Result<Arc<Budget>, Error> {
        let mut seen: HashSet<(u32, u32)> = HashSet::new();
        let mut dearest: Option<(Job, f64)> = None;
        let mut unbounded = Vec::new();
        let now = engine.clock().now();
        for c in cells {
            if !seen.insert((c.prompt, c.model)) {
                continue;
            }
            let Some(job) = self.job(c) else {
                self.unreadable()?;
                continue;
            };
            if job.cannot_run() {
                continue;
            }
            let w = match llmx_core::engine::budget::worst_case(&job, engine.catalog(), now) {
                Ok(w) => w,
                Err(u) => {
                    if !unbounded.contains(&u) {
                        unbounded.push(u);
                    }
                    continue;
                }
            };
            if dearest.as_ref().is_none_or(|(_, d)| w > *d) {
                dearest = Some((job, w));
            }
        }
        if !unbounded.is_empty() {
            return Err(pipeline::PipelineError::Unbounded(unbounded).into());
        }
        if let Some((job, _)) = &dearest {
            pipeline::budget_for(engine, &[(job, 1)], limit)?;
        }
        Ok(Arc::new(Budget::new(limit, 0.0)))
    }
}

/// The cells of this invocation, warm-ups first.
struct Cells {
    all: Vec<Cell>,
    warmups: usize,
    /// This shard's cells before a resume dropped the done ones.
    planned: usize,
}

impl Cells {
    fn to_run(&self) -> usize {
        self.all.len() - self.warmups
    }
}

/// Where the rows go, and what a resumed file already holds.
struct Rows {
    to: RowsTo,
    /// For messages: `stdout` or `` `path` ``.
    name: String,
    /// Write the CSV header (not when appending to a resumed file).
    header: bool,
    format: BenchFormat,
    /// The file, and how many rows it held before this run.
    file: Option<(PathBuf, usize)>,
    /// The cells the file already holds with no error.
    done: HashSet<Cell>,
    /// This run's summary (a resume's is read back from the whole file at the end).
    summary: Summary,
}

impl Rows {
    fn open(s: &BenchSettings, plan: &Plan, prompts: &Prompts) -> Result<Rows, Error> {
        let summary = Summary::new(&plan.labels);
        let Some(path) = s.resume.as_ref().or(s.output.as_ref()) else {
            return Ok(Rows {
                to: RowsTo::Stdout {
                    terminal: s.display.terminal,
                },
                name: "stdout".into(),
                header: true,
                format: s.format,
                file: None,
                done: HashSet::new(),
                summary,
            });
        };
        let create = |source| Error::OutputCreate {
            path: path.clone(),
            source,
        };
        if s.resume.is_none() {
            check_writable(path)?;
            if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
                return Err(Error::OutputHasResults(path.clone()));
            }
            let f = std::fs::File::create(path).map_err(create)?;
            return Ok(Rows {
                to: RowsTo::File(f),
                name: format!("`{}`", path.display()),
                header: true,
                format: s.format,
                file: Some((path.clone(), 0)),
                done: HashSet::new(),
                summary,
            });
        }
        let bad = |problem| Error::Resume {
            path: path.clone(),
            problem,
        };
        let mut st = stored::read(path).map_err(bad)?;
        let format = match st.format {
            FileFormat::Csv => BenchFormat::Csv,
            FileFormat::Jsonl => BenchFormat::Jsonl,
        };
        if s.format_given && s.format != format {
            return Err(bad(ResumeProblem::Format));
        }
        check_same_run(&st, &plan.run_id, prompts, &plan.labels).map_err(bad)?;
        st.dedupe();
        // Rows of cells this benchmark does not have (a repeat past --repeat, say) are not
        // part of the set: they are dropped, not counted.
        let before = st.rows.len();
        let ids: HashSet<&str> = prompts.ids().collect();
        st.rows.retain(|r| {
            ids.contains(r.prompt_id.as_str())
                && plan.labels.contains(&r.model)
                && (1..=s.repeat).contains(&r.repeat)
        });
        if st.rows.len() < before {
            crate::output::diag(format!(
                "warning: dropped {} of `{}` for cells this benchmark does not have (another --repeat, or prompts or models edited by hand)",
                count(before - st.rows.len(), "row"),
                path.display()
            ));
        }
        st.rewrite(path).map_err(|source| Error::WriteFile {
            path: path.clone(),
            source,
        })?;
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(create)?;
        Ok(Rows {
            to: RowsTo::File(f),
            name: format!("`{}`", path.display()),
            header: false,
            format,
            file: Some((path.clone(), st.rows.len())),
            done: done_cells(&st, prompts, &plan.labels),
            summary,
        })
    }

    /// A resumed file is left with one row per cell: rows this run replaced are dropped.
    fn tidy_resumed(&self, s: &BenchSettings) {
        if let Some((path, _)) = self.file.as_ref().filter(|_| s.resume.is_some()) {
            if let Ok(mut st) = stored::read(path) {
                st.dedupe();
                let _ = st.rewrite(path);
            }
        }
    }
}

/// Run the cells on the engine: the bar, the row writer and the history as sinks, the budget
/// reserved job by job.
async fn execute(
    engine: &Engine,
    s: &BenchSettings,
    plan: &Plan<'_>,
    map: RunMap<'_>,
    cells: &Cells,
    budget: Option<Arc<Budget>>,
    writer: &mut BenchWriter<'_>,
) -> RunOutcome {
    let mut source = Source {
        plan,
        order: &cells.all,
        next: 0,
        warmups: cells.warmups,
        warm_done: 0,
    };
    let mut fanout = Fanout::new();
    if s.display.progress && !cells.all.is_empty() {
        fanout.push(BenchBar::new(map, engine.catalog()));
    }
    fanout.push(Lent(writer));
    if let Some(h) = history_sink(engine, s, map, plan, "bench") {
        fanout.push(h);
    }
    let opts = RunOptions {
        concurrency: Some(s.run.concurrency.unwrap_or(DEFAULT_CONCURRENCY)),
        limits: s.run.request.limits,
        budget,
    };
    engine
        .run_stream(
            &plan.templates,
            &mut source,
            opts,
            &mut fanout,
            stop_signal(),
        )
        .await
}

/// The history sink of a benchmark: one history run per invocation (shards and resumes each
/// get their own, sharing bench's run id), warm-ups not recorded.
fn history_sink<'c>(
    engine: &'c Engine,
    s: &BenchSettings,
    map: RunMap<'c>,
    plan: &Plan<'_>,
    command: &str,
) -> Option<llmx_core::history::sink::HistorySink<'c>> {
    use llmx_core::history::Text;
    let policy = s.run.request.history;
    let writer = engine.history().filter(|_| policy.record)?.clone();
    let keep = policy.store_text;
    let base_system = plan.base.system.clone();
    let now = engine.clock().now();
    let summary = run_summary(map.prompts);
    let record = llmx_core::history::RunRecord {
        id: llmx_core::history::new_run_id(now),
        started_ms: llmx_core::history::epoch_ms(now),
        command: command.into(),
        models: plan.labels.join(","),
        prompt_hash: match map.prompts.len() {
            1 => map
                .prompts
                .get(0)
                .ok()
                .map(|one| llmx_core::history::hash(&one.text)),
            _ => None,
        },
        summary: keep.then(|| pipeline::summary(&summary)),
        params: pipeline::params(
            &s.run,
            &plan.base,
            serde_json::json!({
                "repeat": s.repeat,
                "warmup": s.warmup,
                "seed": s.seed,
                "shard": s.shard.map(|sh| format!("{}/{}", sh.index, sh.count)),
            }),
        ),
        prices_as_of: engine.catalog().prices_as_of.clone(),
        bench_run: Some(map.run_id.to_string()),
    };
    Some(llmx_core::history::sink::HistorySink::start(
        writer,
        record,
        keep,
        Box::new(move |r| {
            let (cell, prompt, pass) = map.measured(r)?;
            // Made per row from the prompt: the run holds each prompt's text once.
            let system = prompt.system.as_deref().or(base_system.as_deref());
            Some(llmx_core::history::sink::RowMeta {
                prompt: Text::new(&prompt.text, keep),
                system: system.map(|t| Text::new(t, keep)),
                prompt_id: Some(prompt.id),
                repeat: Some(cell.repeat),
                pass,
            })
        }),
    ))
}

/// The summary file and the HTML report, written at the end.
fn write_reports(ctx: &Context, s: &BenchSettings, view: &View) -> Result<(), Error> {
    let lines = &view.lines;
    if let Some(path) = &s.summary {
        write_summary(path, lines, s.csv_safe)?;
    }
    let Some(path) = &s.report else {
        return Ok(());
    };
    let r = &s.run.request;
    let or_default = |v: Option<String>| v.unwrap_or_else(|| "provider default".into());
    let mut settings = vec![
        ("models".to_string(), s.run.models.join(", ")),
        ("prompts".to_string(), s.inputs.join(", ")),
        ("repeat".to_string(), s.repeat.to_string()),
        ("warm-up".to_string(), s.warmup.to_string()),
        ("seed".to_string(), s.seed.to_string()),
        (
            "temperature".to_string(),
            or_default(r.temperature.map(|t| t.to_string())),
        ),
        (
            "max tokens".to_string(),
            or_default(r.max_tokens.map(|t| t.to_string())),
        ),
        (
            "streaming".to_string(),
            if r.stream { "yes" } else { "no" }.to_string(),
        ),
    ];
    let system = match &r.system {
        Some(llmx_core::pipeline::SystemPrompt::Text(t)) => Some(t.clone()),
        Some(llmx_core::pipeline::SystemPrompt::File(p)) => Some(format!("@{}", p.display())),
        None => None,
    };
    settings.extend(system.map(|t| ("system prompt".to_string(), t)));
    if let Some(shard) = s.shard {
        settings.push(("shard".into(), format!("{}/{}", shard.index, shard.count)));
    }
    if let Some(out) = s.output.as_ref().or(s.resume.as_ref()) {
        settings.push(("rows".to_string(), out.display().to_string()));
    }
    let about = crate::render::html::About {
        command: "bench".into(),
        settings,
        made: Some(llmx_core::clock::rfc3339(ctx.clock.now())),
        config: ctx.config_shown(),
        ..Default::default()
    };
    let html = crate::render::bench_html::render(&crate::render::bench_html::BenchReport {
        lines,
        findings: &view.findings,
        checks: &view.checks,
        rows: view.rows,
        about: &about,
    });
    let write = || -> std::io::Result<()> {
        let mut f = llmx_core::file::PendingFile::create(path)?;
        std::io::Write::write_all(&mut f, html.as_bytes())?;
        f.commit()
    };
    write().map_err(|source| Error::WriteFile {
        path: path.to_path_buf(),
        source,
    })
}

/// The summary table, then what happened: stopped by a signal, a failed output, the budget, or
/// done; the exit code.
fn report(
    ctx: &Context,
    s: &BenchSettings,
    plan: &Plan<'_>,
    ran: Ran<'_, '_>,
    outcome: RunOutcome,
) -> Result<Exit, Error> {
    let Ran {
        rows,
        cells,
        writer,
        view,
    } = ran;
    let mut table = crate::render::bench::table(&view.lines, s.display.width);
    if let Some(list) = crate::render::bench::failures(
        &view.findings,
        &view.checks,
        s.display.width,
        FAILURES_SHOWN,
        s.report.as_deref(),
    ) {
        table.push('\n');
        table.push_str(&list);
    }
    if rows.file.is_some() {
        let _ = crate::output::print(&table);
    } else {
        crate::output::diag_lines(&table);
    }
    let resume_cmd = |f: &Path| resume_command(&s.argv, f, s.inputs.iter().any(|i| i == "-"));
    let to_run = cells.to_run();
    let finished = writer.written as usize;
    let not_run = to_run.saturating_sub(finished);
    let written_to = match &rows.file {
        Some((path, kept)) => {
            let kept = if *kept > 0 {
                format!(" (beside the {kept} kept)")
            } else {
                String::new()
            };
            format!(
                "{} written to `{}`{kept}",
                count(finished, "row"),
                path.display()
            )
        }
        None => format!("{} written", count(finished, "row")),
    };
    let how_to_resume = match &rows.file {
        Some((path, _)) => format!("to run the rest: {}", resume_cmd(path)),
        None => "the rows went to stdout: save them with -o FILE next time to resume".into(),
    };
    let failed = if writer.failed > 0 {
        Exit::ModelFailed
    } else {
        Exit::Success
    };
    match outcome.stopped {
        Some(Stop::Signal(sig)) => {
            crate::output::diag(format!(
                "stopped by {}: {written_to}; {not_run} of {} not finished; {how_to_resume}",
                signal_name(sig),
                count(to_run, "request")
            ));
            return Ok(Exit::from_signal(sig));
        }
        // The reader went away (`| head`): a quiet stop, as for compare.
        Some(Stop::Sink(e)) if e.is_broken_pipe() => return Ok(failed),
        Some(Stop::Sink(e)) => {
            let saved = writer
                .unwritten
                .as_ref()
                .and_then(|row| save_row(ctx, row, rows.format).ok());
            return Err(Error::BenchOutput {
                error: e,
                saved,
                resume: how_to_resume,
            });
        }
        None => {}
    }
    match outcome.budget {
        Some(BudgetHalt::Full { spent, cap, .. }) => {
            crate::output::diag(format!(
                "stopped sending: {} spent, and the next request's worst case would pass --max-cost {}; {written_to}; {} not sent; {how_to_resume} (with a higher --max-cost)",
                crate::render::usd(Some(spent)),
                crate::render::usd(Some(cap)),
                count(not_run, "request"),
            ));
            return Ok(Exit::ModelFailed);
        }
        Some(halt) => {
            crate::output::diag(format!(
                "{written_to}; {} not sent; {how_to_resume}",
                count(not_run, "request")
            ));
            return Err(Error::Budget(halt));
        }
        None => {}
    }
    Ok(closing(s, plan, rows, cells, &written_to, not_run, failed))
}

/// The last line of a run that was not stopped, and its exit: a batched run that could not
/// read every batch (a provider without a key here) is not a success.
fn closing(
    s: &BenchSettings,
    plan: &Plan<'_>,
    rows: &Rows,
    cells: &Cells,
    written_to: &str,
    not_run: usize,
    failed: Exit,
) -> Exit {
    let to_run = cells.to_run();
    if let (Some(_), Some((path, _)), true) = (&s.batch, &rows.file, not_run > 0) {
        crate::output::diag(format!(
            "{written_to}; {} of {} still at the providers: collect them with {}",
            not_run,
            count(to_run, "cell"),
            batch_resume_command(s, path)
        ));
        return Exit::ModelFailed;
    }
    if to_run == 0 && cells.planned > 0 {
        crate::output::diag(format!(
            "all {} of run {} are already in the file; nothing to send",
            count(cells.planned, "request"),
            plan.run_id
        ));
    } else if rows.file.is_some() && !s.quiet {
        crate::output::diag(format!("{written_to} (run {})", plan.run_id));
    }
    failed
}

/// Hands the engine one cell at a time: warm-ups first, the rest waiting until they are done.
struct Source<'a> {
    plan: &'a Plan<'a>,
    order: &'a [Cell],
    next: usize,
    warmups: usize,
    warm_done: usize,
}

impl JobSource for Source<'_> {
    fn next(&mut self) -> Next {
        let Some(cell) = self.order.get(self.next) else {
            return Next::End;
        };
        if self.next >= self.warmups && self.warm_done < self.warmups {
            return Next::Wait;
        }
        self.next += 1;
        match self.plan.job(cell) {
            Some(job) => Next::Job(self.next - 1, Box::new(job)),
            // Its prompt cannot be read back: nothing more is sent (the run reports it).
            None => Next::End,
        }
    }

    fn finished(&mut self, r: &JobResult) {
        if r.index < self.warmups {
            self.warm_done += 1;
        }
    }
}

/// A live `--resume` of a file whose batches still run at the providers would send their cells
/// again and pay twice: refused, with the command that waits for them instead.
fn refuse_live_resume_of_open_batches(s: &BenchSettings) -> Result<(), Error> {
    let (None, Some(rows)) = (&s.batch, &s.resume) else {
        return Ok(());
    };
    let mut path = rows.clone().into_os_string();
    path.push(".batch.json");
    let path = PathBuf::from(path);
    match llmx_core::batch::job::JobFile::load(&path) {
        Ok(job) if job.open_batches().next().is_some() => Err(Error::BatchJobFile {
            path,
            problem: format!(
                "its batches still run at the providers; resuming live would send their cells again: add --batch ({})",
                batch_resume_command(s, rows)
            ),
        }),
        _ => Ok(()),
    }
}

/// The command that collects a batched run's rows: `--batch --resume FILE` (the grid is in the
/// job file).
fn batch_resume_command(s: &BenchSettings, rows: &Path) -> String {
    // The job file holds the grid and the request: the rows file is all a resume needs.
    let prog = s.argv.first().map_or("llmx", String::as_str);
    let mut out = vec![
        prog.to_string(),
        "bench".into(),
        if s.batch.as_ref().is_some_and(|b| b.auto) {
            "--batch=auto".into()
        } else {
            "--batch".into()
        },
        "--resume".into(),
        rows.display().to_string(),
    ];
    if let Some(r) = s.report.as_ref().or(s.summary.as_ref()) {
        out.push("--summary".into());
        out.push(r.display().to_string());
    }
    out.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The run's identity: what makes its rows comparable (not the order, the shard, `-j`, the
/// timeouts or the warm-ups).
fn run_id(
    s: &BenchSettings,
    prompts: &Prompts,
    labels: &[String],
    base: &ChatRequest,
) -> Result<String, Error> {
    // Hashed a prompt at a time, as they are read back.
    let mut id = llmx_core::bench::RunId::new();
    id.add("llmx bench 1");
    for p in prompts.iter() {
        let p = p.map_err(PromptsError::Store)?;
        id.add(&p.id);
        id.add(&p.text);
        id.add(p.system.as_deref().unwrap_or_default());
        id.add(&p.expect.as_ref().map(|e| e.source()).unwrap_or_default());
    }
    let mut models = labels.to_vec();
    models.sort();
    for m in &models {
        id.add(m);
    }
    id.add(&format!(
        "repeat={} system={:?} temperature={:?} max_tokens={:?} stream={}",
        s.repeat, base.system, base.temperature, base.max_tokens, base.stream
    ));
    Ok(id.finish())
}

/// The history's one-line summary of the run's prompts: how many, and the first ids.
fn run_summary(prompts: &Prompts) -> String {
    const SHOWN: usize = 20;
    match prompts.len() {
        1 => format!("1 prompt: {}", prompts.id(0).unwrap_or_default()),
        n => {
            let mut text = format!("{n} prompts: ");
            let ids: Vec<&str> = prompts.ids().take(SHOWN).collect();
            text.push_str(&ids.join(", "));
            if n > SHOWN {
                text.push_str(", …");
            }
            text
        }
    }
}

/// A resumed file must be this benchmark: its run id, or at least no prompt or model this
/// command does not have.
fn check_same_run(
    st: &Stored,
    run_id: &str,
    prompts: &Prompts,
    labels: &[String],
) -> Result<(), ResumeProblem> {
    let Some(first) = st.rows.first() else {
        return Ok(());
    };
    if let Some(other) = st.rows.iter().find(|r| r.run_id != first.run_id) {
        return Err(ResumeProblem::MixedRuns(
            first.run_id.clone(),
            other.run_id.clone(),
        ));
    }
    if first.run_id == run_id {
        return Ok(());
    }
    let ids: HashSet<&str> = prompts.ids().collect();
    let mut extra: Vec<String> = Vec::new();
    for r in &st.rows {
        let p = format!("prompt `{}`", r.prompt_id);
        if !ids.contains(r.prompt_id.as_str()) && !extra.contains(&p) {
            extra.push(p);
        }
        let m = format!("model `{}`", r.model);
        if !labels.contains(&r.model) && !extra.contains(&m) {
            extra.push(m);
        }
    }
    extra.truncate(5);
    Err(ResumeProblem::OtherRun {
        file: first.run_id.clone(),
        ours: run_id.to_string(),
        extra,
    })
}

/// The cells the file already holds with no error.
fn done_cells(st: &Stored, prompts: &Prompts, labels: &[String]) -> HashSet<Cell> {
    let pi: HashMap<&str, u32> = prompts
        .ids()
        .enumerate()
        .map(|(i, p)| (p, i as u32))
        .collect();
    st.rows
        .iter()
        .filter(|r| r.ok())
        .filter_map(|r| {
            let prompt = *pi.get(r.prompt_id.as_str())?;
            let model = labels.iter().position(|l| *l == r.model)? as u32;
            Some(Cell {
                prompt,
                model,
                repeat: r.repeat,
            })
        })
        .collect()
}

fn write_summary(path: &Path, lines: &[summary::Line], csv_safe: bool) -> Result<(), Error> {
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let write = || -> std::io::Result<()> {
        let mut f = llmx_core::file::PendingFile::create(path)?;
        if json {
            summary::write_json(lines, &mut f)?;
        } else if csv_safe {
            let mut csv = Vec::new();
            summary::write_csv(lines, &mut csv)?;
            std::io::Write::write_all(&mut f, &llmx_core::csv_safe::defuse(&csv)?)?;
        } else {
            summary::write_csv(lines, &mut f)?;
        }
        f.commit()
    };
    write().map_err(|source| Error::WriteFile {
        path: path.to_path_buf(),
        source,
    })
}

/// Save the row whose write failed where recovered results go; the path.
fn save_row(ctx: &Context, row: &[u8], format: BenchFormat) -> std::io::Result<PathBuf> {
    let ext = match format {
        BenchFormat::Csv => "csv",
        BenchFormat::Jsonl => "jsonl",
    };
    let name = format!(
        "llmx-bench-row-{}-{}.{ext}",
        llmx_core::clock::unix_secs(ctx.clock.now()),
        std::process::id()
    );
    let mut body = Vec::new();
    if format == BenchFormat::Csv {
        llmx_core::bench::rows::csv_header(&mut body)?;
    }
    body.extend_from_slice(row);
    save_in_recovery(ctx, &name, &body)
}

fn signal_name(s: engine::Signal) -> &'static str {
    match s {
        engine::Signal::Interrupt => "Ctrl-C",
        engine::Signal::Terminate => "SIGTERM",
        engine::Signal::Hangup => "SIGHUP",
    }
}

/// The command line that completes the run in `file`: the same arguments, `-o` replaced by
/// `--resume`, each quoted for a POSIX shell where needed.
fn resume_command(argv: &[String], file: &Path, stdin: bool) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut args = argv.iter();
    if let Some(prog) = args.next() {
        out.push(prog.clone());
    }
    // `-o report.html` wrote the rows beside the report: the resume names the rows, and
    // keeps the report (rewritten from the whole file) with --summary.
    let mut report = None;
    while let Some(a) = args.next() {
        let output = match a.as_str() {
            "-o" | "--output" => args.next().cloned(),
            "--resume" => {
                args.next();
                None
            }
            _ if a.starts_with("--resume=") => None,
            // A batched run resumed waits for its batches.
            "--no-wait" => None,
            _ if a.starts_with("--output=") => a.strip_prefix("--output=").map(str::to_string),
            _ if a.starts_with("-o") && a.len() > 2 && !a.starts_with("--") => {
                Some(a[2..].to_string())
            }
            _ => {
                out.push(a.clone());
                continue;
            }
        };
        let html = |o: &String| {
            let l = o.to_ascii_lowercase();
            l.ends_with(".html") || l.ends_with(".htm")
        };
        if let Some(o) = output.filter(html) {
            report = Some(o);
        }
    }
    out.push("--resume".into());
    out.push(file.display().to_string());
    if let Some(r) = report {
        out.push("--summary".into());
        out.push(r);
    }
    let cmd = out
        .iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    if stdin {
        format!("{cmd} (with the same prompts on stdin)")
    } else {
        cmd
    }
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./,:=@%+".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_command_swaps_the_output_for_resume() {
        let argv: Vec<String> = [
            "llmx", "bench", "-m", "a|b,c", "p.jsonl", "-o", "out.csv", "--repeat", "3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            resume_command(&argv, Path::new("out.csv"), false),
            "llmx bench -m 'a|b,c' p.jsonl --repeat 3 --resume out.csv"
        );
        let argv: Vec<String> = ["llmx", "bench", "-", "--output=it's.csv", "--resume", "x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            resume_command(&argv, Path::new("it's.csv"), true),
            "llmx bench - --resume 'it'\\''s.csv' (with the same prompts on stdin)"
        );
    }
}

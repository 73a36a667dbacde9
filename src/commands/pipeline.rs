//! The run pipeline `compare` and `ask` share (and `bench` will): prompt → request → plan (every
//! name resolved, keys found) → checks that stop a run before anything is sent → sinks → the
//! engine on one runtime with one client and the signals that stop it → the outcome and its exit
//! code. A command differs only in its settings and the sinks it hands in.

use std::path::Path;
use std::time::SystemTime;

use super::{attach, load_prompt, read_all_stdin, read_text_file, Context};
use crate::catalog::Catalog;
use crate::engine::{self, Fanout, Job, RunOptions, RunOutcome, Signal, Sink, Stop};
use crate::error::{Error, Exit};
use crate::provider::{ChatRequest, Message, Part, Role};
use crate::settings::{RequestSettings, RunSettings, SystemPrompt};
use crate::sink::history::{HistorySink, Recording, RowMeta};

/// The sinks a command wants, built once the jobs are known and before anything is sent (a
/// failure here is still a usage error).
pub type SinkFactory<'c> = dyn FnOnce(&[Job]) -> Result<Vec<Box<dyn Sink + 'c>>, Error> + 'c;

/// Run the pipeline. Errors before sending are usage errors (exit 2); after that, everything is
/// in the outcome.
pub fn execute<'c>(
    ctx: &'c Context,
    command: &'static str,
    run: &RunSettings,
    sinks: Box<SinkFactory<'c>>,
) -> Result<RunOutcome, Error> {
    let prompt = load_prompt(&run.prompt, &mut read_all_stdin)?;
    let request = chat_request(&run.request, prompt)?;
    let mut jobs = plan(ctx, run, &request)?;
    let client = super::http_client(ctx, run.request.connect_timeout)?;
    let runtime = super::runtime()?;
    prepare(ctx, run, &client, &runtime, &mut jobs, &mut []);
    if let Some(e) = nothing_can_run(&jobs) {
        return Err(e);
    }
    if let Some(limit) = run.max_cost {
        check_budget(ctx.catalog(), ctx.clock.now(), &jobs, limit)?;
    }
    let mut fanout = Fanout::new();
    // First of all sinks: once every job has its result, signals end llmx as usual again, so
    // Ctrl-C works while a table renders into a pipe nobody reads.
    fanout.push(engine::event::FnSink(|_, e: &engine::Event<'_>| {
        if let engine::Event::RunFinished { .. } = e {
            crate::sys::restore_default_signals();
        }
        Ok(())
    }));
    for s in sinks(&jobs)? {
        fanout.push_boxed(s);
    }
    if let Some(h) = history_sink(ctx, command, run, &request) {
        fanout.push(h);
    }
    let opts = RunOptions {
        concurrency: Some(
            run.concurrency
                .unwrap_or(crate::provider::run::defaults::CONCURRENCY),
        ),
        limits: run.request.limits,
    };
    Ok(runtime.block_on(engine::run(
        &client,
        &jobs,
        opts,
        &*ctx.clock,
        &mut fanout,
        stop_signal(),
    )))
}

/// The end of a run: when an output failed (other than a closed pipe), every result is saved
/// to a recovery file first, so nothing paid for is lost; then the exit code.
pub fn finish(ctx: &Context, mut outcome: RunOutcome) -> Result<Exit, Error> {
    let failed_output = matches!(&outcome.stopped, Some(Stop::Sink(e)) if !e.is_broken_pipe());
    if !failed_output || outcome.results.is_empty() {
        return exit_for(outcome);
    }
    let Some(Stop::Sink(error)) = outcome.stopped.take() else {
        unreachable!("matched above")
    };
    match save_recovery(ctx, &outcome.results) {
        Ok(saved) => Err(Error::OutputRecovered { error, saved }),
        Err(_) => {
            // Nowhere to save them: the table on stdout is the last resort.
            let report = crate::render::Report::from_results(
                &outcome.results,
                ctx.catalog(),
                true,
                outcome.wall,
            );
            let table = crate::render::table_string(
                &report,
                crate::render::TableOptions {
                    full: true,
                    ..crate::render::TableOptions::plain(120)
                },
            );
            let _ = crate::output::print(&table);
            Err(Error::OutputPrinted(error))
        }
    }
}

/// Write every result as JSONL (the documented columns) into the first recovery directory
/// that takes it, through a temporary file; the path written.
fn save_recovery(
    ctx: &Context,
    results: &[engine::JobResult],
) -> std::io::Result<std::path::PathBuf> {
    let mut body = Vec::new();
    for r in results {
        crate::render::jsonl_row(&crate::render::Row::project(r, ctx.catalog()), &mut body)?;
    }
    let name = format!(
        "llmx-results-{}-{}.jsonl",
        crate::clock::unix_secs(ctx.clock.now()),
        std::process::id()
    );
    save_in_recovery(ctx, &name, &body)
}

/// Write `body` as `name` into the first recovery directory that takes it, through a temporary
/// file; the path written.
pub fn save_in_recovery(
    ctx: &Context,
    name: &str,
    body: &[u8],
) -> std::io::Result<std::path::PathBuf> {
    let mut last = std::io::Error::other("no place to save results");
    for dir in ctx.paths.recovery_dirs() {
        let path = dir.join(name);
        let attempt = std::fs::create_dir_all(&dir).and_then(|_| {
            use std::io::Write;
            let mut f = crate::sink::file::PendingFile::create(&path)?;
            f.write_all(body)?;
            f.commit()
        });
        match attempt {
            Ok(()) => return Ok(path),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The exit code of a run; an output that failed is the error (exit 1: answers were paid for).
pub fn exit_for(mut outcome: RunOutcome) -> Result<Exit, Error> {
    // With `count_cancelled` false, rows cancelled by the stop itself are not failures.
    let failed = |count_cancelled: bool| {
        let any = outcome
            .results
            .iter()
            .any(|r| r.failed() && (count_cancelled || !r.cancelled()));
        if any {
            Exit::ModelFailed
        } else {
            Exit::Success
        }
    };
    match &outcome.stopped {
        Some(Stop::Signal(s)) => Ok(Exit::from_signal(*s)),
        // The reader went away (`| head`): rows cut short by that are not failures.
        Some(Stop::Sink(e)) if e.is_broken_pipe() => Ok(failed(false)),
        Some(Stop::Sink(_)) => {
            let Some(Stop::Sink(e)) = outcome.stopped.take() else {
                unreachable!("matched above")
            };
            Err(Error::Output(e))
        }
        None => Ok(failed(true)),
    }
}

/// SIGINT, SIGTERM or SIGHUP, whichever comes first; each ends the run keeping what finished.
pub async fn stop_signal() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let hup = signal(SignalKind::hangup());
        if let (Ok(mut term), Ok(mut hup)) = (term, hup) {
            return tokio::select! {
                r = tokio::signal::ctrl_c() => match r {
                    Ok(()) => Signal::Interrupt,
                    Err(_) => std::future::pending().await,
                },
                _ = term.recv() => Signal::Terminate,
                _ = hup.recv() => Signal::Hangup,
            };
        }
    }
    match tokio::signal::ctrl_c().await {
        Ok(()) => Signal::Interrupt,
        Err(_) => std::future::pending().await,
    }
}

/// Make the jobs' requests sendable and stop the links that cannot take them: image URLs a
/// provider takes no URLs for are downloaded once (and every request in `more` gets the
/// bytes too), then each link is checked against the catalog's capabilities and the
/// provider's image limits.
pub fn prepare(
    ctx: &Context,
    run: &RunSettings,
    client: &crate::provider::http::HttpClient,
    runtime: &tokio::runtime::Runtime,
    jobs: &mut [Job],
    more: &mut [ChatRequest],
) {
    let urls = attach::urls_to_fetch(jobs);
    let fetched = if urls.is_empty() {
        attach::Fetched::new()
    } else {
        runtime.block_on(attach::fetch_all(client, urls))
    };
    for job in jobs.iter_mut() {
        attach::inline_fetched(&mut job.request, &fetched);
        attach::check_links(job, ctx.catalog(), run.request.force, &fetched);
    }
    for req in more {
        attach::inline_fetched(req, &fetched);
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

/// The request every model gets (the model id is filled in per target): images before the
/// prompt text, and the tools.
pub fn chat_request(s: &RequestSettings, prompt: String) -> Result<ChatRequest, Error> {
    let system = match &s.system {
        Some(SystemPrompt::File(path)) => {
            let text = read_text_file(path, "system prompt file")?;
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
        tools,
        tool_choice,
    })
}

/// Where and how to record a run in the history; `None` when it is turned off.
pub fn recording(ctx: &Context, run: &RunSettings) -> Option<Recording> {
    let h = run.request.history;
    Some(Recording {
        path: ctx.paths.history().filter(|_| h.record)?,
        latency_file: ctx.paths.latency_file(),
        store_text: h.store_text,
    })
}

/// The request parameters a history row keeps (every run of a command shares them).
pub fn params(run: &RunSettings, request: &ChatRequest, extra: serde_json::Value) -> String {
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

/// The history sink of a one-prompt run (compare, ask).
fn history_sink<'c>(
    ctx: &'c Context,
    command: &'static str,
    run: &RunSettings,
    request: &ChatRequest,
) -> Option<HistorySink<'c>> {
    let to = recording(ctx, run)?;
    let now = ctx.clock.now();
    let text = request
        .messages
        .first()
        .map(|m| m.text())
        .unwrap_or_default();
    let prompt = crate::history::Text::new(&text, to.store_text);
    let system = request
        .system
        .as_deref()
        .map(|s| crate::history::Text::new(s, to.store_text));
    let record = crate::history::RunRecord {
        id: crate::history::new_run_id(now),
        started_ms: crate::history::epoch_ms(now),
        command: command.to_string(),
        models: run.models.join(","),
        prompt_hash: Some(prompt.hash.clone()),
        summary: to.store_text.then(|| crate::sink::history::summary(&text)),
        params: params(run, request, serde_json::Value::Null),
        prices_as_of: ctx.catalog().prices_as_of.clone(),
        bench_run: None,
    };
    Some(HistorySink::start(
        to,
        record,
        ctx.catalog(),
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

/// Resolve every `-m` entry into its chain of links; a wrong name stops the run.
pub fn plan(ctx: &Context, run: &RunSettings, request: &ChatRequest) -> Result<Vec<Job>, Error> {
    // `--route fastest` asks for the medians of the models it orders, from the history (or
    // the old latency file not yet imported); the store is opened on the first question.
    let store = std::cell::OnceCell::new();
    let latency = |provider: &str, model: &str| -> Option<u64> {
        let store = store.get_or_init(|| {
            ctx.paths
                .history()
                .and_then(|p| crate::history::Store::open_existing(&p).ok())
        });
        let recorded = store
            .as_ref()
            .and_then(|s| s.median_latency(provider, model).ok().flatten());
        recorded.or_else(|| {
            let file = ctx.paths.latency_file()?;
            crate::history::legacy_median(&file, &format!("{provider}/{model}"))
        })
    };
    let cx = engine::route::RouteContext {
        resolver: engine::resolve::Resolver {
            registry: &ctx.registry,
            catalog: ctx.catalog(),
            keys: &ctx.keys,
        },
        latency: &latency,
        route: run.request.route.as_ref(),
        no_fallback: run.request.no_fallback,
    };
    let mut jobs = Vec::with_capacity(run.models.len());
    for spec in &run.models {
        // An empty entry is refused by `resolve`, with the same message everywhere.
        let spec = spec.trim();
        let links = engine::route::expand(spec, &cx)?;
        jobs.push(Job {
            label: spec.to_string(),
            links,
            request: request.clone(),
        });
    }
    Ok(jobs)
}

/// When no job can send anything, say which keys are missing (exit 2).
pub fn nothing_can_run(jobs: &[Job]) -> Option<Error> {
    if jobs.is_empty() || !jobs.iter().all(|j| j.cannot_run()) {
        return None;
    }
    let mut msgs: Vec<String> = jobs
        .iter()
        .flat_map(|j| &j.links)
        .filter_map(|l| l.preflight.as_ref().map(|e| e.message.clone()))
        .collect();
    msgs.dedup();
    Some(Error::NothingCanRun(msgs))
}

/// The most a request could cost: its prompt at a pessimistic three characters a token, and
/// the full output allowance (`--max-tokens`, else the model's maximum output).
pub fn worst_case(job: &Job, catalog: &Catalog, now: SystemTime) -> Result<f64, Error> {
    let req = &job.request;
    let chars: usize = req.system.as_deref().map_or(0, |s| s.chars().count())
        + req
            .messages
            .iter()
            .map(|m| m.text().chars().count())
            .sum::<usize>();
    let input = (chars as u64).div_ceil(3) + 8;
    let Some(link) = job.links.iter().find(|l| l.preflight.is_none()) else {
        return Ok(0.0);
    };
    let t = &link.target;
    let entry = catalog.lookup(&t.provider.id, &t.model);
    let output = match (req.max_tokens, entry.and_then(|m| m.max_output)) {
        (Some(n), _) => u64::from(n),
        (None, Some(n)) => n,
        (None, None) => return Err(Error::MaxCostNeedsMaxTokens(job.label.clone())),
    };
    let price = catalog
        .price(&t.provider.id, &t.model, now)
        .ok_or_else(|| Error::MaxCostUnpriced(job.label.clone()))?;
    let usage = crate::provider::Usage {
        input_tokens: Some(input),
        output_tokens: Some(output),
        ..Default::default()
    };
    Ok(crate::catalog::cost(Some(price), &usage).unwrap_or(0.0))
}

fn check_budget(catalog: &Catalog, now: SystemTime, jobs: &[Job], limit: f64) -> Result<(), Error> {
    let mut total = 0.0;
    let mut parts = Vec::new();
    for job in jobs.iter().filter(|j| !j.cannot_run()) {
        let c = worst_case(job, catalog, now)?;
        total += c;
        parts.push((job.label.clone(), c));
    }
    if total > limit {
        return Err(Error::OverBudget {
            total,
            limit,
            parts,
        });
    }
    Ok(())
}

/// The output file's directory must exist before any money is spent on answers.
pub fn check_writable(path: &Path) -> Result<(), Error> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = parent {
        if !dir.is_dir() {
            return Err(Error::OutputDirMissing {
                path: path.to_path_buf(),
                dir: dir.to_path_buf(),
            });
        }
    }
    if path.is_dir() {
        return Err(Error::OutputIsDir(path.to_path_buf()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Facts, RunSettings};

    #[test]
    fn system_prompt_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("sys.txt");
        std::fs::write(&f, "Be terse.\n").unwrap();
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from([
            "llmx",
            "compare",
            "-m",
            "a",
            "-p",
            "hi",
            "--system",
            &format!("@{}", f.display()),
            "--temperature",
            "0.2",
        ])
        .unwrap();
        let crate::cli::Command::Compare(args) = cli.command else {
            panic!("not compare")
        };
        let s = crate::settings::CompareSettings::resolve(
            args,
            &Default::default(),
            &Default::default(),
            Facts::default(),
        )
        .unwrap();
        let RunSettings { request, .. } = s.run;
        let req = chat_request(&request, "hi".into()).unwrap();
        assert_eq!(req.system.as_deref(), Some("Be terse."));
        assert_eq!(req.temperature, Some(0.2));
        assert!(req.stream);
        let missing = RequestSettings {
            system: Some(SystemPrompt::File("nope.txt".into())),
            ..request
        };
        let e = chat_request(&missing, "hi".into()).unwrap_err();
        assert_eq!(e.to_string(), "system prompt file `nope.txt` not found");
    }
}

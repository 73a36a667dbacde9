//! The CLI's side of a run, around the core's pipeline ([`llmx_core::pipeline`]): the prompt
//! read from its sources, one runtime, the engine, the signals that stop a run, the history
//! flushed (a store that failed is one warning), the recovery file when an output fails, and
//! the exit code. `compare` and `ask` differ only in their settings and the sinks they hand in.

use std::path::Path;

use llmx_core::engine::{Fanout, Job, RunOutcome, Signal, Sink, Stop};
use llmx_core::pipeline::{Prepared, RunSpec};

use super::{load_prompt, read_all_stdin, Context};
use crate::error::{Error, Exit};
use crate::settings::PromptSources;

/// The sinks a command wants, built once the jobs are known and before anything is sent (a
/// failure here is still a usage error).
pub type SinkFactory<'c> = dyn FnOnce(&[Job]) -> Result<Vec<Box<dyn Sink + 'c>>, Error> + 'c;

/// Run one prompt through the pipeline. Errors before sending are usage errors (exit 2); after
/// that, everything is in the outcome.
pub fn execute<'c>(
    ctx: &'c Context,
    command: &'static str,
    run: &RunSpec,
    prompt: &PromptSources,
    verbose: u8,
    sinks: Box<SinkFactory<'c>>,
) -> Result<RunOutcome, Error> {
    let prompt = load_prompt(prompt, &mut read_all_stdin)?;
    let engine = ctx.engine(run.request.connect_timeout, verbose)?;
    let runtime = super::runtime()?;
    let outcome = runtime.block_on(async {
        let prepared =
            Prepared::new(engine, run, prompt, ctx.paths.latency_file().as_deref()).await;
        // Keys were looked up: the table's advice for a missing key depends on the keyring.
        crate::error::note_keyring(ctx.keys.store_usable());
        let prepared = prepared.map_err(Error::from)?;
        let mut fanout = Fanout::new();
        // First of all sinks: once every job has its result, signals end llmx as usual again,
        // so Ctrl-C works while a table renders into a pipe nobody reads.
        fanout.push(llmx_core::engine::FnSink(
            |_, e: &llmx_core::engine::Event<'_>| {
                if let llmx_core::engine::Event::RunFinished { .. } = e {
                    crate::sys::restore_default_signals();
                }
                Ok(())
            },
        ));
        for s in sinks(&prepared.jobs)? {
            fanout.push_boxed(s);
        }
        Ok::<_, Error>(
            prepared
                .execute(engine, command, run, &mut fanout, stop_signal())
                .await,
        )
    })?;
    flush_history(ctx);
    Ok(outcome)
}

/// `--dry-run` of a one-prompt run: what each model would be sent, on stdout; nothing is
/// sent and nothing is recorded.
pub fn dry_run(
    ctx: &Context,
    header: &str,
    run: &RunSpec,
    prompt: &PromptSources,
    terminal: bool,
) -> Result<Exit, Error> {
    let prompt = load_prompt(prompt, &mut read_all_stdin)?;
    let engine = ctx.engine(run.request.connect_timeout, 0)?;
    let jobs = llmx_core::pipeline::dry_run::one_prompt(
        engine,
        run,
        prompt,
        ctx.paths.latency_file().as_deref(),
    );
    crate::error::note_keyring(ctx.keys.store_usable());
    let text = crate::render::dry_run::render(
        header,
        &jobs.map_err(Error::from)?,
        crate::render::dry_run::CapCheck {
            limit: run.max_cost,
        },
    );
    print_plan(&text, terminal)
}

/// A plan on stdout; on a terminal, the prompt text in it cannot move the cursor.
pub fn print_plan(text: &str, terminal: bool) -> Result<Exit, Error> {
    if terminal {
        crate::output::print(&llmx_core::safe::visible(
            text,
            llmx_core::safe::Lines::Keep,
        ))?;
    } else {
        crate::output::print(text)?;
    }
    Ok(Exit::Success)
}

/// Wait for the history to hold every row handed to it; a store that failed is one warning,
/// never a failed run.
pub fn flush_history(ctx: &Context) {
    if let Some(Err(problem)) = ctx.history_writer().map(|w| w.flush()) {
        crate::output::diag(format!(
            "warning: this run is not in the history: {problem}; its results are unaffected \
             (--no-history or LLMX_NO_HISTORY=1 turns the history off)"
        ));
    }
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
    results: &[llmx_core::engine::JobResult],
) -> std::io::Result<std::path::PathBuf> {
    let mut body = Vec::new();
    for r in results {
        llmx_core::row::jsonl_row(&llmx_core::row::Row::project(r, ctx.catalog()), &mut body)?;
    }
    let name = format!(
        "llmx-results-{}-{}.jsonl",
        llmx_core::clock::unix_secs(ctx.clock.now()),
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
            let mut f = llmx_core::file::PendingFile::create(&path)?;
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

/// The exit code of a run; an output that failed is the error (exit 1: answers were paid for),
/// and so is a provider that billed more than the worst case it documents.
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
    let code = match &outcome.stopped {
        Some(Stop::Signal(s)) => Exit::from_signal(*s),
        // The reader went away (`| head`): rows cut short by that are not failures.
        Some(Stop::Sink(e)) if e.is_broken_pipe() => failed(false),
        Some(Stop::Sink(_)) => {
            let Some(Stop::Sink(e)) = outcome.stopped.take() else {
                unreachable!("matched above")
            };
            return Err(Error::Output(e));
        }
        None => failed(true),
    };
    match outcome.budget.take() {
        Some(halt) if code == Exit::Success || code == Exit::ModelFailed => {
            Err(Error::Budget(halt))
        }
        _ => Ok(code),
    }
}

/// SIGINT, SIGTERM or SIGHUP, whichever comes first; each ends the run keeping what finished.
/// Listened for on a task of its own (stopped when this future is dropped): a run's loop then
/// checks one channel each time it wakes, not three signal streams — it wakes for every chunk
/// of every stream.
pub async fn stop_signal() -> Signal {
    struct Listening(tokio::task::JoinHandle<()>);
    impl Drop for Listening {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let _listening = Listening(tokio::spawn(async move {
        let _ = tx.send(signals().await);
    }));
    match rx.await {
        Ok(s) => s,
        Err(_) => std::future::pending().await,
    }
}

async fn signals() -> Signal {
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
    use crate::settings::Facts;
    use llmx_core::pipeline::{chat_request, RequestSpec, SystemPrompt};

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
        let request = s.run.request;
        let req = chat_request(&request, "hi".into()).unwrap();
        assert_eq!(req.system.as_deref(), Some("Be terse."));
        assert_eq!(req.temperature, Some(0.2));
        assert!(req.stream);
        let missing = RequestSpec {
            system: Some(SystemPrompt::File("nope.txt".into())),
            ..request
        };
        let e = chat_request(&missing, "hi".into()).unwrap_err();
        assert_eq!(
            crate::error::Error::from(e).to_string(),
            "system prompt file `nope.txt` not found"
        );
    }
}

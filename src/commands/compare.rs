//! `llmx compare`: one prompt to many models at once, one table (or CSV, JSON, JSONL, Markdown).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::{http_client, load_prompt, request_settings, runtime, Context, PromptSources};
use crate::cli::CompareArgs;
use crate::engine::{self, Job, Report, Reporter, RunOptions, Silent};
use crate::error::{CliError, Exit};
use crate::output::progress::Progress;
use crate::output::{decide, Terminal};
use crate::render::{self, Format, TableOptions};

pub fn run(ctx: &Context, args: CompareArgs) -> Result<Exit, CliError> {
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, Some(path)) => Format::from_path(&path.to_string_lossy()).ok_or_else(|| {
            CliError::usage(format!(
                "cannot tell the format of `{}` from its extension; add --format csv|json|jsonl|markdown|table",
                path.display()
            ))
        })?,
        (None, None) => Format::Table,
    };
    if let Some(out) = &args.output {
        check_writable(out)?;
    }

    let file_arg = args.prompt_file.as_deref();
    let from_stdin = file_arg == Some("-") || (file_arg.is_none() && super::stdin_is_data());
    let sources = PromptSources {
        inline: args.prompt.as_deref().into_iter().collect(),
        file: file_arg.filter(|f| *f != "-").map(Path::new),
        stdin: from_stdin,
    };
    if sources.inline.is_empty() && sources.file.is_none() && !sources.stdin {
        return Err(CliError::usage(
            "no prompt: pass a PROMPT_FILE, -p TEXT, or pipe the prompt on stdin",
        ));
    }
    let prompt = load_prompt(&sources, &mut super::read_all_stdin)?;
    let defaults = ctx.defaults();
    let (request, limits) = request_settings(&args.request, &defaults, prompt)?;
    let models = if args.models.is_empty() {
        defaults.models.clone().ok_or_else(|| {
            CliError::usage(
                "no models: name some with -m (e.g. -m gpt,claude), or set defaults.models in the config file",
            )
        })?
    } else {
        args.models.clone()
    };
    let jobs = super::plan_jobs(ctx, &models, &args.request, &request)?;
    if let Some(e) = super::nothing_can_run(&jobs) {
        return Err(e);
    }
    if let Some(limit) = args.max_cost {
        check_budget(ctx, &jobs, limit)?;
    }

    let terminal = Terminal::detect(&ctx.env);
    let display = decide(terminal, args.quiet);
    let labels: Vec<String> = jobs.iter().map(|j| j.label.clone()).collect();
    let progress = display.progress.then(|| Progress::new(&labels));
    let reporter: &dyn Reporter = match &progress {
        Some(p) => p,
        None => &Silent,
    };
    let opts = RunOptions {
        concurrency: args
            .concurrency
            .or(defaults.concurrency)
            .map(|n| n as usize),
        limits,
    };
    let client = http_client(Duration::from_secs_f64(args.request.connect_timeout))?;
    let report = runtime()?.block_on(engine::run(
        &client,
        &jobs,
        opts,
        (ctx.catalog(), &*ctx.clock),
        reporter,
        async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        },
    ));
    if let Some(p) = &progress {
        p.clear();
    }
    crate::engine::history::record(&ctx.env, &report.rows);

    let table = TableOptions {
        full: args.full,
        width: display.width,
        color: display.color && args.output.is_none(),
    };
    write_report(&report, format, table, args.output.as_deref(), args.quiet)?;
    Ok(exit_for(&report))
}

/// The most a request could cost: its prompt at a pessimistic three characters a token, and
/// the full output allowance (`--max-tokens`, else the model's maximum output).
pub fn worst_case(
    job: &Job,
    catalog: &crate::catalog::Catalog,
    now: std::time::SystemTime,
) -> Result<f64, String> {
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
        (None, None) => {
            return Err(format!(
                "--max-cost needs --max-tokens: the most `{}` can write is not known",
                job.label
            ))
        }
    };
    let price = catalog.price(&t.provider.id, &t.model, now).ok_or_else(|| {
        format!(
            "--max-cost cannot bound `{}`: its price is unknown (see llmx models, or drop --max-cost)",
            job.label
        )
    })?;
    let usage = crate::provider::Usage {
        input_tokens: Some(input),
        output_tokens: Some(output),
        ..Default::default()
    };
    Ok(crate::catalog::cost(Some(price), &usage).unwrap_or(0.0))
}

fn check_budget(ctx: &Context, jobs: &[Job], limit: f64) -> Result<(), CliError> {
    let now = ctx.clock.now();
    let mut total = 0.0;
    let mut parts = Vec::new();
    for job in jobs.iter().filter(|j| !j.cannot_run()) {
        let c = worst_case(job, ctx.catalog(), now).map_err(CliError::usage)?;
        total += c;
        parts.push(format!("{} {}", job.label, render::usd(Some(c))));
    }
    if total > limit {
        return Err(CliError::usage(format!(
            "estimated worst case {} exceeds --max-cost {} ({}); lower --max-tokens, drop a model or raise --max-cost",
            render::usd(Some(total)),
            render::usd(Some(limit)),
            parts.join(", ")
        )));
    }
    Ok(())
}

fn exit_for(report: &Report) -> Exit {
    if report.interrupted {
        Exit::Interrupted
    } else if report.any_failed() {
        Exit::ModelFailed
    } else {
        Exit::Success
    }
}

/// The output file's directory must exist before any money is spent on answers.
fn check_writable(path: &Path) -> Result<(), CliError> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = parent {
        if !dir.is_dir() {
            return Err(CliError::usage(format!(
                "cannot write `{}`: directory `{}` does not exist",
                path.display(),
                dir.display()
            )));
        }
    }
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "cannot write `{}`: it is a directory; name a file, e.g. results.csv",
            path.display()
        )));
    }
    Ok(())
}

fn write_report(
    report: &Report,
    format: Format,
    table: TableOptions,
    output: Option<&Path>,
    quiet: bool,
) -> Result<(), CliError> {
    let Some(path) = output else {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = render::render(report, format, table, &mut lock).and_then(|_| lock.flush());
        return Ok(());
    };
    let mut buf = Vec::new();
    render::render(report, format, table, &mut buf)
        .map_err(|e| CliError::usage(format!("cannot render results: {e}")))?;
    if let Err(e) = std::fs::write(path, &buf) {
        // Keep what was computed: print it, then say what went wrong.
        let _ = render::render(report, Format::Table, table, &mut std::io::stdout());
        return Err(CliError::usage(format!(
            "cannot write `{}`: {e}; the results are printed above",
            path.display()
        )));
    }
    if !quiet {
        eprintln!("wrote {} rows to {}", report.rows.len(), path.display());
    }
    Ok(())
}

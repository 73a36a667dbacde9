//! `llmx ask`: one model, the answer streamed to stdout as it arrives and nothing else, so it
//! composes in shell pipes. Stats go to stderr with `--stats`, or as JSON with `--format json`.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use super::{http_client, load_prompt, request_settings, runtime, Context, PromptSources};
use crate::cli::{AskArgs, AskFormat};
use crate::engine::{self, Reporter, Row, RunOptions, Silent};
use crate::error::{CliError, Exit};
use crate::provider::StreamEvent;
use crate::render;

pub fn run(ctx: &Context, args: AskArgs) -> Result<Exit, CliError> {
    let text = args.text.as_deref();
    let from_stdin = text == Some("-") || (text.is_none() && super::stdin_is_data());
    let mut inline: Vec<&str> = args.prompt.as_deref().into_iter().collect();
    inline.extend(text.filter(|t| *t != "-"));
    let sources = PromptSources {
        inline,
        file: None::<&Path>,
        stdin: from_stdin,
    };
    if sources.inline.is_empty() && !sources.stdin {
        return Err(CliError::usage(
            "no prompt: pass it as an argument, with -p TEXT, or pipe it on stdin",
        ));
    }
    let prompt = load_prompt(&sources, &mut super::read_all_stdin)?;
    let (request, limits) = request_settings(&args.request, &ctx.defaults(), prompt)?;
    let jobs = super::plan_jobs(
        ctx,
        std::slice::from_ref(&args.model),
        &args.request,
        &request,
    )?;
    if let Some(e) = super::nothing_can_run(&jobs) {
        return Err(e);
    }

    let streamer = Streamer::default();
    let reporter: &dyn Reporter = match args.format {
        AskFormat::Text => &streamer,
        AskFormat::Json => &Silent,
    };
    let opts = RunOptions {
        concurrency: None,
        limits,
    };
    let client = http_client(std::time::Duration::from_secs_f64(
        args.request.connect_timeout,
    ))?;
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
    streamer.finish_line();
    crate::engine::history::record(&ctx.env, &report.rows);
    let Some(row) = report.rows.first() else {
        return Ok(Exit::ModelFailed);
    };
    if args.format == AskFormat::Json {
        let mut out = std::io::stdout().lock();
        let _ = serde_json::to_writer(&mut out, row);
        let _ = writeln!(out);
    }
    if args.stats {
        eprintln!("{}", stats_line(row));
    }
    if report.interrupted {
        return Ok(Exit::Interrupted);
    }
    if let Some(err) = &row.error {
        if args.format == AskFormat::Text {
            eprintln!("error: {}: {err}", row.model);
        }
        return Ok(Exit::ModelFailed);
    }
    Ok(Exit::Success)
}

/// One line of stats for stderr.
pub fn stats_line(row: &Row) -> String {
    let resolved = format!("{}/{}", row.provider, row.model_id);
    let name = if resolved == row.model {
        resolved
    } else {
        format!("{} ({resolved})", row.model)
    };
    format!(
        "{name} · latency {} · ttft {} · {} in / {} out · {} tok/s · cost {}{}",
        render::secs(row.latency_ms),
        render::secs(row.ttft_ms),
        render::count(row.input_tokens),
        render::count(row.output_tokens),
        row.tokens_per_s
            .map(|t| format!("{t:.1}"))
            .unwrap_or_else(|| "-".into()),
        render::usd(row.cost_usd),
        row.finish_reason
            .as_deref()
            .map(|f| format!(" · finish {f}"))
            .unwrap_or_default(),
    )
}

/// Writes answer text to stdout as it streams in.
#[derive(Default)]
struct Streamer {
    state: Mutex<StreamState>,
}

#[derive(Default)]
struct StreamState {
    wrote: bool,
    ends_with_newline: bool,
    /// stdout was closed (`| head -1`): stop writing, quietly.
    broken: bool,
}

impl Streamer {
    /// End the answer with a newline so the shell prompt starts on its own line.
    fn finish_line(&self) {
        if let Ok(mut s) = self.state.lock() {
            if s.wrote && !s.ends_with_newline && !s.broken {
                let mut out = std::io::stdout().lock();
                s.broken = writeln!(out).and_then(|_| out.flush()).is_err();
            }
        }
    }
}

impl Reporter for Streamer {
    fn on_event(&self, _index: usize, event: &StreamEvent) {
        let StreamEvent::TextDelta(text) = event else {
            return;
        };
        if text.is_empty() {
            return;
        }
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        if s.broken {
            return;
        }
        let mut out = std::io::stdout().lock();
        if out
            .write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            s.broken = true;
            return;
        }
        s.wrote = true;
        s.ends_with_newline = text.ends_with('\n');
    }
}

//! `llmx ask`: one model, the answer streamed to stdout as it arrives and nothing else, so it
//! composes in shell pipes. Stats go to stderr with `--stats`, or as JSON with `--format json`.

use super::{pipeline, Context};
use crate::error::{Error, Exit};
use crate::render::{self, Row};
use crate::settings::AskSettings;
use crate::sink::rows::{RowWriter, Shape};
use crate::sink::stream::TextStream;
use llmx_core::engine::{Sink, Stop};

pub fn run(ctx: &Context, s: AskSettings) -> Result<Exit, Error> {
    if s.inspect.dry_run {
        return pipeline::dry_run(ctx, "ask", &s.run, &s.prompt, s.terminal);
    }
    let catalog = ctx.catalog();
    let (json, terminal, spinner) = (s.json, s.terminal, s.progress);
    let model = s.run.models.first().cloned().unwrap_or_default();
    let outcome = pipeline::execute(
        ctx,
        "ask",
        &s.run,
        &s.prompt,
        s.inspect.verbose,
        Box::new(move |_| {
            let sink: Box<dyn Sink> = if json {
                Box::new(RowWriter::stdout(Shape::Object, catalog))
            } else {
                let stream = TextStream::new(std::io::stdout(), "stdout");
                Box::new(if terminal {
                    stream.for_terminal()
                } else {
                    stream
                })
            };
            // The spinner goes first: it is gone before the first token is written.
            let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
            if spinner {
                sinks.push(Box::new(crate::sink::progress::Waiting::new(&model)));
            }
            sinks.push(sink);
            Ok(sinks)
        }),
    )?;
    // The row (its tool calls parsed) only where a line is shown from it.
    if let Some(r) = outcome
        .results
        .first()
        .filter(|r| s.stats || r.error.is_some())
    {
        let row = Row::project(r, catalog);
        if s.stats {
            crate::output::diag(stats_line(&row));
        }
        let stopped = matches!(outcome.stopped, Some(Stop::Signal(_)));
        if let (Some(err), false, false) = (
            crate::error::shown_row(&row),
            json,
            stopped || r.cancelled(),
        ) {
            let err =
                llmx_core::provider::error::cut(&err, llmx_core::provider::error::SHOWN_CHARS);
            crate::output::diag(format!("error: {}: {err}", row.model));
        }
    }
    pipeline::finish(ctx, outcome)
}

/// One line of stats for stderr.
pub fn stats_line(row: &Row) -> String {
    let resolved = format!("{}/{}", row.provider, row.model_id);
    let name = if resolved == row.model {
        resolved
    } else {
        format!("{} ({resolved})", row.model)
    };
    let [latency, ttft, input, output, rate, cost] = render::metrics(row);
    let total = match row.total_ms {
        Some(_) if row.total_ms != row.latency_ms => {
            format!(" · total {}", render::secs(row.total_ms))
        }
        _ => String::new(),
    };
    let finish = row
        .finish_reason
        .as_deref()
        .map(|f| format!(" · finish {f}"))
        .unwrap_or_default();
    format!(
        "{name} · latency {latency} · ttft {ttft} · {input} in / {output} out · {rate} tok/s · \
         cost {cost}{total}{finish}"
    )
}

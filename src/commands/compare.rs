//! `llmx compare`: one prompt to many models at once, one table (or CSV, JSON, JSONL, Markdown).

use super::pipeline::{self, check_writable};
use super::Context;
use crate::error::{Error, Exit};
use crate::settings::CompareSettings;
use crate::sink::progress::Progress;
use crate::sink::rows::{RowWriter, Shape};
use llmx_core::engine::{Sink, Stop};

pub fn run(ctx: &Context, s: CompareSettings) -> Result<Exit, Error> {
    if s.inspect.dry_run {
        let header = format!("compare of {}", super::count(s.run.models.len(), "model"));
        return pipeline::dry_run(ctx, &header, &s.run, &s.prompt, s.display.terminal);
    }
    if let Some(out) = &s.output {
        check_writable(out)?;
    }
    let shape = Shape::Report(s.format, s.table);
    let catalog = ctx.catalog();
    let (progress, output, terminal) = (s.display.progress, s.output.clone(), s.display.terminal);
    let csv_safe = s.csv_safe;
    let config = ctx.config_shown();
    let outcome = pipeline::execute(
        ctx,
        "compare",
        &s.run,
        &s.prompt,
        s.inspect.verbose,
        Box::new(move |jobs| {
            let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
            if progress {
                let labels: Vec<String> = jobs.iter().map(|j| j.label.clone()).collect();
                sinks.push(Box::new(Progress::new(&labels)));
            }
            let writer = match &output {
                Some(path) => {
                    RowWriter::file(shape, catalog, path).map_err(|source| Error::OutputCreate {
                        path: path.clone(),
                        source,
                    })?
                }
                None => RowWriter::stdout(shape, catalog).on_terminal(terminal),
            }
            .with_config(config)
            .csv_safe(csv_safe);
            sinks.push(Box::new(writer));
            Ok(sinks)
        }),
    )?;
    let Some(path) = &s.output else {
        return pipeline::finish(ctx, outcome);
    };
    if let Some(Stop::Sink(_)) = &outcome.stopped {
        return pipeline::finish(ctx, outcome);
    }
    if !s.quiet {
        crate::output::diag(format!(
            "wrote {} to {}",
            super::count(outcome.results.len(), "row"),
            path.display()
        ));
    }
    pipeline::finish(ctx, outcome)
}

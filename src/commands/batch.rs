//! `llmx batch status FILE` and `llmx batch cancel FILE`: the provider batches of a
//! `bench --batch` run, read from its job file (`FILE.batch.json`).

use std::path::{Path, PathBuf};

use llmx_core::batch::job::{BatchState, JobFile};
use llmx_core::batch::{self, Api};
use llmx_core::provider::run::Target;

use super::Context;
use crate::cli::BatchCommand;
use crate::error::{Error, Exit};

pub fn run(ctx: &Context, c: BatchCommand) -> Result<Exit, Error> {
    let (file, cancel) = match c {
        BatchCommand::Status { file } => (file, false),
        BatchCommand::Cancel { file } => (file, true),
    };
    let path = job_path(&file);
    let job = JobFile::load(&path).map_err(|e| Error::BatchJobFile {
        path: path.clone(),
        problem: match &e {
            llmx_core::batch::job::JobFileError::Read(io)
                if io.kind() == std::io::ErrorKind::NotFound =>
            {
                "it does not exist: FILE is the rows file of a `bench --batch` run".into()
            }
            _ => e.to_string(),
        },
    })?;
    let engine = ctx.engine_quiet(std::time::Duration::from_secs(10))?;
    let runtime = super::runtime()?;
    let mut lines = vec![vec![
        "batch".to_string(),
        "model".into(),
        "state".into(),
        "requests".into(),
        "ok".into(),
        "failed".into(),
        "rows".into(),
    ]];
    let mut failed = false;
    for b in &job.batches {
        let model = &job.grid.models[b.model as usize];
        let label = model.label.clone();
        let rows = match b.state {
            BatchState::Read => "written",
            BatchState::Submitted => "to read",
            BatchState::Intent => "not created",
        };
        let Some(id) = &b.id else {
            lines.push(vec![
                "-".into(),
                label,
                "-".into(),
                b.cells.len().to_string(),
                "-".into(),
                "-".into(),
                rows.into(),
            ]);
            continue;
        };
        let spec = format!("{}/{}", model.provider, model.model);
        let target = llmx_core::engine::resolve::resolve(&spec, engine.resolver());
        let asked = match target {
            Ok(t) => match Api::of(&t) {
                Some(api) => runtime.block_on(ask(
                    engine,
                    &t,
                    api,
                    id,
                    cancel && b.state != BatchState::Read,
                )),
                None => Err(format!("{spec} has no Batch API")),
            },
            Err(e) => Err(crate::error::Error::from(e).to_string()),
        };
        match asked {
            // The requests are the ones sent; the provider's counts where it gives them.
            Ok(st) => lines.push(vec![
                id.clone(),
                label,
                st.raw,
                b.cells.len().to_string(),
                if st.counted {
                    st.succeeded.to_string()
                } else {
                    "unknown".into()
                },
                if st.counted {
                    st.failed.to_string()
                } else {
                    "unknown".into()
                },
                rows.into(),
            ]),
            Err(e) => {
                failed = true;
                lines.push(vec![
                    id.clone(),
                    label,
                    format!("error: {e}"),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    rows.into(),
                ]);
            }
        }
    }
    let _ = crate::output::print(&table(&lines));
    if cancel && !failed {
        crate::output::diag(format!(
            "cancel asked; the rows of what finished, and `batch_cancelled` rows for the rest: llmx bench --batch ... --resume {}",
            file.display()
        ));
    }
    Ok(if failed {
        Exit::ModelFailed
    } else {
        Exit::Success
    })
}

async fn ask(
    engine: &llmx_core::Engine,
    t: &Target,
    api: Api,
    id: &str,
    cancel: bool,
) -> Result<batch::Status, String> {
    let r = if cancel {
        batch::cancel(engine.http(), t, api, id).await
    } else {
        batch::status(engine.http(), t, api, id).await
    };
    r.map_err(|e| e.message)
}

/// `FILE.batch.json` beside the rows file `FILE` (or FILE itself when it is the job file).
fn job_path(file: &Path) -> PathBuf {
    if file.to_string_lossy().ends_with(".batch.json") {
        return file.to_path_buf();
    }
    let mut p = file.to_path_buf().into_os_string();
    p.push(".batch.json");
    PathBuf::from(p)
}

/// Columns padded to their widest cell, every cell made safe for a terminal.
fn table(lines: &[Vec<String>]) -> String {
    let cells: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            l.iter()
                .map(|c| llmx_core::safe::visible(c, llmx_core::safe::Lines::Fold).into_owned())
                .collect()
        })
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|l| unicode_width::UnicodeWidthStr::width(l[i].as_str()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..cells[0].len()).map(width).collect();
    let mut out = String::new();
    for l in &cells {
        let mut line = String::new();
        for (i, c) in l.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(c);
            if i + 1 < l.len() {
                let pad = widths[i] - unicode_width::UnicodeWidthStr::width(c.as_str());
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

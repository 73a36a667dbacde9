//! The history sink: every finished row of a run goes to the local store through the
//! process's one [`HistoryWriter`] (see [`crate::history`]), so the run never waits on SQLite.
//! What the writer could not keep is its caller's to report ([`HistoryWriter::flush`]); the
//! run's own output and exit code are unaffected.

use std::sync::Arc;
use std::time::Duration;

use super::writer::HistoryWriter;
use crate::event::{Event, Sink, SinkError};
use crate::history::{epoch_ms, Record, RunRecord, Text, Write};
use crate::job::JobResult;
use crate::row::{Projected, Row};

/// What the command knows of a row that the result does not carry.
pub struct RowMeta {
    pub prompt: Arc<Text>,
    pub system: Option<Arc<Text>>,
    pub prompt_id: Option<String>,
    pub repeat: Option<u32>,
    pub pass: Option<bool>,
}

/// The command's answer to "what is this row?" for each result; `None` for a row not to record
/// (a bench warm-up).
pub type Describe<'a> = Box<dyn FnMut(&JobResult) -> Option<RowMeta> + Send + 'a>;

pub struct HistorySink<'a> {
    writer: Arc<HistoryWriter>,
    run_id: String,
    store_text: bool,
    describe: Describe<'a>,
}

impl<'a> HistorySink<'a> {
    /// Record the run, and its rows as they finish.
    pub fn start(
        writer: Arc<HistoryWriter>,
        run: RunRecord,
        store_text: bool,
        describe: Describe<'a>,
    ) -> HistorySink<'a> {
        let run_id = run.id.clone();
        writer.send(Write::Run(run));
        HistorySink {
            writer,
            run_id,
            store_text,
            describe,
        }
    }

    fn record(&mut self, r: &JobResult, row: &Projected<'_>) -> Option<Record> {
        let meta = (self.describe)(r)?;
        let row = Arc::clone(row.row());
        Some(record(
            &self.run_id,
            r.index as u64,
            r,
            row,
            meta,
            self.store_text,
        ))
    }
}

/// The history's record of one result whose row is `row`: without its texts (the answer,
/// the calls' arguments, the reasoning) when `store_text` is off.
pub fn record(
    run_id: &str,
    idx: u64,
    r: &JobResult,
    row: Arc<Row>,
    meta: RowMeta,
    store_text: bool,
) -> Record {
    let reasoning = Some(r.response.reasoning.clone()).filter(|t| store_text && !t.is_empty());
    Record {
        run_id: run_id.to_string(),
        idx,
        at_ms: epoch_ms(r.started_at),
        prompt: meta.prompt,
        system: meta.system,
        prompt_id: meta.prompt_id,
        repeat: meta.repeat,
        pass: meta.pass,
        requested: r.model.clone(),
        row,
        store_text,
        notes: Vec::new(),
        reasoning,
        itl_ms: r.itl.map(|d| d.as_secs_f64() * 1000.0),
    }
}

impl Sink for HistorySink<'_> {
    fn event(&mut self, _at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        match event {
            Event::JobFinished { result, row } => {
                if let Some(rec) = self.record(result, row) {
                    self.writer.send(Write::Row(Box::new(rec)));
                }
            }
            Event::RunFinished { stopped, wall, .. } => {
                self.writer.send(Write::Finish {
                    id: self.run_id.clone(),
                    wall_ms: wall.as_millis().min(i64::MAX as u128) as i64,
                    interrupted: stopped.is_some(),
                });
            }
            _ => {}
        }
        Ok(())
    }
}

/// The start of a prompt as `llmx history` lists it: one line, at most 80 characters.
pub fn summary(prompt: &str) -> String {
    let one_line: String = prompt.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = one_line.chars().take(80).collect();
    if one_line.chars().count() > 80 {
        s.push('…');
    }
    s
}

//! The history sink: every finished row of a run goes to the local store (see
//! [`crate::history`]). Writes happen on a thread of their own, so neither the run's loop nor
//! the rows written to stdout or a file ever wait on SQLite; rows that finish together are
//! committed together. A store that cannot be opened or written costs one warning at the end
//! of the run and nothing else: the run's own output and exit code are unaffected.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::catalog::Catalog;
use crate::engine::{Event, JobResult, Sink, SinkError};
use crate::history::{epoch_ms, Cache, HistoryError, Record, RunRecord, Store, Text, Write};
use crate::render::Row;

/// What the command knows of a row that the result does not carry.
pub struct RowMeta {
    pub prompt: Arc<Text>,
    pub system: Option<Arc<Text>>,
    pub prompt_id: Option<String>,
    pub repeat: Option<u32>,
    pub pass: Option<bool>,
}

/// Where to record, and what.
pub struct Recording {
    /// The store.
    pub path: PathBuf,
    /// The old `latency.json`, imported into the store once.
    pub latency_file: Option<PathBuf>,
    /// Keep prompt and answer texts.
    pub store_text: bool,
}

/// The command's answer to "what is this row?" for each result.
pub type Describe<'a> = Box<dyn FnMut(&JobResult) -> Option<RowMeta> + 'a>;

pub struct HistorySink<'a> {
    run_id: String,
    catalog: &'a Catalog,
    store_text: bool,
    /// The row's prompt and the rest; `None` for a row not to record (a bench warm-up).
    describe: Describe<'a>,
    tx: Option<mpsc::Sender<Write>>,
    writer: Option<JoinHandle<Result<(), HistoryError>>>,
}

impl<'a> HistorySink<'a> {
    /// Start the writer and record the run.
    pub fn start(
        to: Recording,
        run: RunRecord,
        catalog: &'a Catalog,
        describe: Describe<'a>,
    ) -> HistorySink<'a> {
        let (tx, rx) = mpsc::channel::<Write>();
        let run_id = run.id.clone();
        let _ = tx.send(Write::Run(run));
        let Recording {
            path,
            latency_file,
            store_text,
        } = to;
        let writer = std::thread::Builder::new()
            .name("llmx-history".into())
            .spawn(move || write_all(&path, latency_file.as_deref(), &rx))
            .ok();
        HistorySink {
            run_id,
            catalog,
            store_text,
            describe,
            tx: Some(tx),
            writer,
        }
    }

    /// Let the writer finish what it was given; the warning, if it could not.
    fn close(&mut self) -> Option<String> {
        self.tx.take();
        let result = self.writer.take()?.join();
        let problem = match result {
            Ok(Ok(())) => return None,
            Ok(Err(e)) => e.to_string(),
            Err(_) => "the history writer stopped".to_string(),
        };
        Some(format!(
            "warning: this run is not in the history: {problem}; its results are unaffected \
             (--no-history or LLMX_NO_HISTORY=1 turns the history off)"
        ))
    }

    fn record(&mut self, r: &JobResult) -> Option<Record> {
        let meta = (self.describe)(r)?;
        let mut row = Row::project(r, self.catalog);
        let mut reasoning = Some(r.response.reasoning.clone()).filter(|t| !t.is_empty());
        if !self.store_text {
            row.output.clear();
            // A call's arguments are the model's answer as much as its text is.
            row.tool_calls.clear();
            reasoning = None;
        }
        Some(Record {
            run_id: self.run_id.clone(),
            idx: r.index as u64,
            at_ms: epoch_ms(r.started_at),
            prompt: meta.prompt,
            system: meta.system,
            prompt_id: meta.prompt_id,
            repeat: meta.repeat,
            pass: meta.pass,
            requested: r.model.clone(),
            row,
            reasoning,
            itl_ms: r.itl.map(|d| d.as_secs_f64() * 1000.0),
        })
    }
}

/// The writer thread: open the store, then write what arrives, a batch at a time, until the
/// sink closes the channel. After a failure the rest is read and dropped.
fn write_all(
    path: &std::path::Path,
    latency_file: Option<&std::path::Path>,
    rx: &mpsc::Receiver<Write>,
) -> Result<(), HistoryError> {
    let opened = Store::open(path).and_then(|mut s| {
        if let Some(f) = latency_file.filter(|f| f.exists()) {
            s.import_latency_file(f)?;
        }
        Ok(s)
    });
    let mut store = match opened {
        Ok(s) => s,
        Err(e) => {
            while rx.recv().is_ok() {}
            return Err(e);
        }
    };
    let mut cache = Cache::default();
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        if let Err(e) = store.write(&batch, &mut cache) {
            while rx.recv().is_ok() {}
            return Err(e);
        }
    }
    Ok(())
}

impl Sink for HistorySink<'_> {
    fn event(&mut self, _at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        match event {
            Event::JobFinished { result } => {
                if let (Some(rec), Some(tx)) = (self.record(result), &self.tx) {
                    let _ = tx.send(Write::Row(Box::new(rec)));
                }
            }
            Event::RunFinished { stopped, wall, .. } => {
                if let Some(tx) = &self.tx {
                    let _ = tx.send(Write::Finish {
                        id: self.run_id.clone(),
                        wall_ms: wall.as_millis().min(i64::MAX as u128) as i64,
                        interrupted: stopped.is_some(),
                    });
                }
                if let Some(w) = self.close() {
                    crate::output::diag(w);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl Drop for HistorySink<'_> {
    /// A run that ended without its last event still keeps the rows it handed over.
    fn drop(&mut self) {
        if let Some(w) = self.close() {
            crate::output::diag(w);
        }
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

//! The result writer. CSV and JSONL rows are appended and flushed the moment each job finishes
//! (fastest first), so a run that is killed loses nothing finished; the table, JSON and
//! Markdown are rendered once every job has a result, in the order the models were given. A
//! file is written through a temporary file renamed into place at the end of the run.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::dest::Destination;
use crate::render::{self, Format, Report, Row, TableOptions};
use llmx_core::catalog::Catalog;
use llmx_core::engine::{Event, JobResult, Sink, SinkError};

/// What is written.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A whole report in a format.
    Report(Format, TableOptions),
    /// One JSON object, the first row (`ask --format json`).
    Object,
}

pub struct RowWriter<'a> {
    shape: Shape,
    catalog: &'a Catalog,
    /// Taken when the run finishes.
    dest: Option<Destination>,
    /// For messages: `stdout` or `` `path` ``.
    name: String,
    /// Writing to a terminal: CSV text is shown with control characters neutralised. The other
    /// formats are safe anywhere (the table and Markdown neutralise server text as they render
    /// it, JSON escapes it), and the table's own colour must reach the terminal as it is.
    terminal: bool,
    /// What the run asked, kept from its start for the HTML report.
    about: render::html::About,
    /// `--csv-safe`: CSV cells a spreadsheet would read as formulas get a leading `'`.
    csv_safe: bool,
    /// The finished jobs' rows, by job index, for what is rendered at the end.
    projected: Vec<Option<Arc<Row>>>,
}

impl<'a> RowWriter<'a> {
    /// Write to stdout.
    pub fn stdout(shape: Shape, catalog: &'a Catalog) -> RowWriter<'a> {
        RowWriter {
            shape,
            catalog,
            dest: Some(Destination::Stdout),
            name: "stdout".into(),
            terminal: false,
            about: Default::default(),
            csv_safe: false,
            projected: Vec::new(),
        }
    }

    /// The config file that applied, for the HTML report: its path and masked text.
    pub fn with_config(mut self, config: Option<(String, String)>) -> Self {
        self.about.config = config;
        self
    }

    /// `--csv-safe`.
    pub fn csv_safe(mut self, on: bool) -> Self {
        self.csv_safe = on;
        self
    }

    /// stdout is a terminal.
    pub fn on_terminal(mut self, terminal: bool) -> Self {
        self.terminal = terminal;
        self
    }

    /// Write to `path` (through a temporary file beside it, created now; a device or pipe in
    /// place — a terminal behind `-o /dev/tty` gets what stdout on a terminal gets).
    pub fn file(shape: Shape, catalog: &'a Catalog, path: &Path) -> std::io::Result<Self> {
        let dest = Destination::file(path)?;
        let terminal = dest.is_terminal();
        Ok(RowWriter {
            shape,
            catalog,
            dest: Some(dest),
            name: format!("`{}`", path.display()),
            terminal,
            about: Default::default(),
            csv_safe: false,
            projected: Vec::new(),
        })
    }

    fn streaming(&self) -> Option<Format> {
        match self.shape {
            Shape::Report(f @ (Format::Csv | Format::Jsonl), _) => Some(f),
            _ => None,
        }
    }

    fn fail(&self, e: std::io::Error) -> SinkError {
        SinkError::new(self.name.clone(), e)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), SinkError> {
        let safe;
        let defused;
        let raw_text = matches!(self.shape, Shape::Report(Format::Csv, _));
        let bytes = if self.csv_safe && raw_text {
            defused = llmx_core::csv_safe::defuse(bytes).map_err(|e| self.fail(e))?;
            &defused[..]
        } else {
            bytes
        };
        let bytes = if self.terminal && raw_text {
            let text = String::from_utf8_lossy(bytes);
            safe = llmx_core::safe::visible(&text, llmx_core::safe::Lines::Keep).into_owned();
            safe.as_bytes()
        } else {
            bytes
        };
        let Some(dest) = self.dest.as_mut() else {
            return Ok(());
        };
        let r = dest.write_all(bytes).and_then(|_| dest.flush());
        r.map_err(|e| self.fail(e))
    }

    fn finish(
        &mut self,
        results: &[JobResult],
        stopped: bool,
        wall: Duration,
    ) -> Result<(), SinkError> {
        if self.streaming().is_none() {
            let mut buf = Vec::new();
            let rendered = match self.shape {
                Shape::Object => {
                    let first = &results[..results.len().min(1)];
                    let report = Report::of(first, self.catalog, &self.projected, stopped, wall);
                    match report
                        .rows
                        .first()
                        .map(|row| llmx_core::row::jsonl_line(row))
                    {
                        Some(Ok(line)) => {
                            buf = line;
                            Ok(())
                        }
                        Some(Err(e)) => Err(e),
                        None => Ok(()),
                    }
                }
                Shape::Report(format, table) => {
                    let mut report =
                        Report::of(results, self.catalog, &self.projected, stopped, wall);
                    report.about = std::mem::take(&mut self.about);
                    render::render(&report, format, table, &mut buf)
                }
            };
            rendered.map_err(|e| self.fail(e))?;
            self.write(&buf)?;
        }
        match self.dest.take() {
            Some(d) => d.finish().map_err(|e| self.fail(e)),
            None => Ok(()),
        }
    }
}

impl Sink for RowWriter<'_> {
    fn event(&mut self, _at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        if let (Event::RunStarted { jobs }, Shape::Report(Format::Html, _)) = (event, self.shape) {
            let config = self.about.config.take();
            self.about = render::html::About::of("compare", jobs);
            self.about.config = config;
        }
        match (event, self.streaming()) {
            (Event::RunStarted { .. }, Some(Format::Csv)) => {
                let mut buf = Vec::new();
                render::csv_header(&mut buf).map_err(|e| self.fail(e))?;
                self.write(&buf)
            }
            (Event::JobFinished { result, row }, None) => {
                let i = result.index;
                if self.projected.len() <= i {
                    self.projected.resize(i + 1, None);
                }
                self.projected[i] = Some(Arc::clone(row.row()));
                Ok(())
            }
            (Event::JobFinished { row, .. }, Some(format)) => {
                let row = row.row();
                let line = match format {
                    Format::Csv => {
                        let mut buf = Vec::new();
                        render::csv_row(row, &mut buf).map(|()| buf)
                    }
                    _ => llmx_core::row::jsonl_line(row),
                };
                let line = line.map_err(|e| self.fail(e))?;
                self.write(&line)?;
                Ok(())
            }
            (
                Event::RunFinished {
                    results,
                    stopped,
                    wall,
                },
                _,
            ) => self.finish(results, stopped.is_some(), *wall),
            _ => Ok(()),
        }
    }
}

//! `llmx bench`'s sinks: the row writer (each row written and flushed the moment its request
//! finishes, warm-ups skipped, the summary counted from the rows as written) and the progress
//! bar (done/total, errors, spend so far, ETA).

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use llmx_core::bench::findings::Findings;
use llmx_core::bench::summary::Summary;
use llmx_core::bench::RunMap;
use llmx_core::catalog::Catalog;
use llmx_core::engine::{Event, Sink, SinkError};

/// Row formats of `llmx bench`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchFormat {
    Csv,
    Jsonl,
}

/// Where rows go.
pub enum RowsTo {
    Stdout {
        terminal: bool,
    },
    /// Appended and flushed row by row (a killed run keeps every row written).
    File(std::fs::File),
}

/// What the writer counts of the rows it writes.
pub struct Counts {
    pub summary: Summary,
    /// Cell by cell: checks passed and failed, errors, the failed answers.
    pub findings: Findings,
}

pub struct BenchWriter<'a> {
    map: RunMap<'a>,
    catalog: &'a Catalog,
    format: BenchFormat,
    to: RowsTo,
    /// For messages: `stdout` or `` `path` ``.
    name: String,
    /// Write the CSV header when the run starts (not when appending to a resumed file).
    header: bool,
    pub counts: Counts,
    /// Rows written by this run, and how many of them failed.
    pub written: u64,
    pub failed: u64,
    /// The row whose write failed, kept so it can be saved elsewhere.
    pub unwritten: Option<Vec<u8>>,
    /// `--csv-safe`: CSV cells a spreadsheet would read as formulas get a leading `'`.
    csv_safe: bool,
}

impl<'a> BenchWriter<'a> {
    pub fn new(
        map: RunMap<'a>,
        catalog: &'a Catalog,
        format: BenchFormat,
        to: RowsTo,
        name: String,
        header: bool,
        counts: Counts,
    ) -> BenchWriter<'a> {
        BenchWriter {
            map,
            catalog,
            format,
            to,
            name,
            header,
            counts,
            written: 0,
            failed: 0,
            unwritten: None,
            csv_safe: false,
        }
    }

    /// `--csv-safe`.
    pub fn csv_safe(mut self, on: bool) -> Self {
        self.csv_safe = on;
        self
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.to {
            RowsTo::Stdout { terminal } => {
                let mut out = std::io::stdout().lock();
                if *terminal {
                    let text = String::from_utf8_lossy(bytes);
                    let safe = llmx_core::safe::visible(&text, llmx_core::safe::Lines::Keep);
                    out.write_all(safe.as_bytes())?;
                } else {
                    out.write_all(bytes)?;
                }
                out.flush()
            }
            // `-o /dev/tty`: a terminal gets what stdout on a terminal gets.
            RowsTo::File(f) if std::io::IsTerminal::is_terminal(&*f) => {
                let text = String::from_utf8_lossy(bytes);
                let safe = llmx_core::safe::visible(&text, llmx_core::safe::Lines::Keep);
                f.write_all(safe.as_bytes()).and_then(|_| f.flush())
            }
            RowsTo::File(f) => f.write_all(bytes).and_then(|_| f.flush()),
        }
    }

    fn fail(&self, e: std::io::Error) -> SinkError {
        SinkError::new(self.name.clone(), e)
    }
}

impl Sink for BenchWriter<'_> {
    fn event(&mut self, _at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        match event {
            Event::RunStarted { .. } if self.header && self.format == BenchFormat::Csv => {
                let mut buf = Vec::new();
                llmx_core::bench::rows::csv_header(&mut buf).map_err(|e| self.fail(e))?;
                self.put(&buf).map_err(|e| self.fail(e))
            }
            Event::JobFinished { result, .. } => {
                let Some(row) = self.map.row(result, self.catalog) else {
                    return Ok(());
                };
                let mut buf = Vec::new();
                match self.format {
                    BenchFormat::Csv => row.csv(&mut buf),
                    BenchFormat::Jsonl => row.jsonl(&mut buf),
                }
                .map_err(|e| self.fail(e))?;
                if self.csv_safe && self.format == BenchFormat::Csv {
                    buf = llmx_core::csv_safe::defuse(&buf).map_err(|e| self.fail(e))?;
                }
                if let Err(e) = self.put(&buf) {
                    self.unwritten = Some(buf);
                    return Err(self.fail(e));
                }
                let (prompt, model) = self.map.cell(result).map_or((usize::MAX, usize::MAX), |c| {
                    (c.prompt as usize, c.model as usize)
                });
                self.counts.summary.add(model, &row.sample());
                self.counts.findings.add(row.outcome(prompt, model));
                self.written += 1;
                self.failed += u64::from(row.row.error.is_some());
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// The progress bar on stderr: measured requests done of all, errors, spend, ETA.
pub struct BenchBar<'a> {
    map: RunMap<'a>,
    catalog: &'a Catalog,
    bar: ProgressBar,
    warmups: u64,
    warmed: u64,
    errors: u64,
    spent: f64,
    estimated: bool,
    /// A batched run's cells done of all, per provider (name, done, total), and each model's
    /// group; empty for a live run.
    groups: Vec<(String, u64, u64)>,
    group_of: Vec<usize>,
    /// No `^C` echoed into the bar while it is drawn.
    quiet_echo: Option<crate::sys::QuietControlEcho>,
}

impl<'a> BenchBar<'a> {
    pub fn new(map: RunMap<'a>, catalog: &'a Catalog) -> BenchBar<'a> {
        let warmups = map.order.iter().filter(|c| c.is_warmup()).count() as u64;
        let total = map.order.len() as u64 - warmups;
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        // The bar takes what the terminal's width leaves: the line never wraps.
        let style = ProgressStyle::with_template("{wide_bar} {pos}/{len} · {msg} · ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        let mut b = BenchBar {
            map,
            catalog,
            bar,
            warmups,
            warmed: 0,
            errors: 0,
            spent: 0.0,
            estimated: false,
            groups: Vec::new(),
            group_of: Vec::new(),
            quiet_echo: Some(crate::sys::QuietControlEcho::new()),
        };
        b.show();
        b
    }

    /// Cells already written as errors before the bar was drawn (a batched run's cells whose
    /// provider has no key, or whose batch could not be created).
    pub fn failed_already<'c>(
        mut self,
        cells: impl Iterator<Item = &'c llmx_core::bench::Cell>,
    ) -> Self {
        for c in cells {
            self.errors += 1;
            self.bar.inc(1);
            if let Some(&g) = self.group_of.get(c.model as usize) {
                self.groups[g].1 += 1;
            }
        }
        self.show();
        self
    }

    /// Count cells per provider too (a batched run, whose batches end provider by provider):
    /// `provider_of` names each model's provider.
    pub fn per_provider(mut self, provider_of: &[String]) -> Self {
        let mut groups: Vec<(String, u64, u64)> = Vec::new();
        self.group_of = provider_of
            .iter()
            .map(|p| match groups.iter().position(|(g, _, _)| g == p) {
                Some(i) => i,
                None => {
                    groups.push((p.clone(), 0, 0));
                    groups.len() - 1
                }
            })
            .collect();
        for c in self.map.order.iter().filter(|c| !c.is_warmup()) {
            if let Some(&g) = self.group_of.get(c.model as usize) {
                groups[g].2 += 1;
            }
        }
        self.groups = groups;
        self.show();
        self
    }

    fn show(&mut self) {
        let cost = crate::render::usd(Some(self.spent));
        let cost = if self.estimated {
            format!("~{cost}")
        } else {
            cost
        };
        let warm = if self.warmed < self.warmups {
            format!("warm-up {}/{} · ", self.warmed, self.warmups)
        } else {
            String::new()
        };
        let groups: String = self
            .groups
            .iter()
            .map(|(p, done, total)| {
                format!(
                    "{} {done}/{total} · ",
                    llmx_core::safe::visible(p, llmx_core::safe::Lines::Fold)
                )
            })
            .collect();
        self.bar.set_message(format!(
            "{warm}{groups}{} error{} · {cost} spent",
            self.errors,
            if self.errors == 1 { "" } else { "s" }
        ));
    }
}

impl Sink for BenchBar<'_> {
    fn event(&mut self, _at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        match event {
            Event::JobFinished { result, .. } => {
                // A batch result at the batch price, as its row is.
                let (cost, share) = llmx_core::row::billed(result, self.catalog);
                if let Some(c) = cost {
                    self.spent += c;
                    self.estimated |= result.response.usage.input_estimated
                        || result.response.usage.output_estimated
                        || share == llmx_core::row::BatchShare::Estimated;
                }
                let cell = self.map.cell(result);
                if cell.is_some_and(|c| c.is_warmup()) {
                    self.warmed += 1;
                } else {
                    self.errors += u64::from(result.failed());
                    self.bar.inc(1);
                    let group = cell.and_then(|c| self.group_of.get(c.model as usize));
                    if let Some(&g) = group {
                        self.groups[g].1 += 1;
                    }
                }
                self.show();
            }
            Event::RunFinished { .. } => {
                self.bar.finish_and_clear();
                self.quiet_echo.take();
            }
            _ => {}
        }
        Ok(())
    }
}

/// A sink lent to the fanout, so the command can read it after the run.
pub struct Lent<'s, S>(pub &'s mut S);

impl<S: Sink> Sink for Lent<'_, S> {
    fn event(&mut self, at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        self.0.event(at, event)
    }
}

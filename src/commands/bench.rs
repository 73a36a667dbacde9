//! `llmx bench`: every prompt × model × repeat through the engine's streamed run, in an
//! interleaved order, each row written and flushed as it finishes, resumable, then a per-model
//! summary. Memory stays flat however many rows: results are written and dropped.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::pipeline::{self, check_writable};
use super::{read_all_stdin, Context};
use crate::bench::prompts::Prompt;
use crate::bench::stored::{self, FileFormat, Stored};
use crate::bench::summary::{self, Summary};
use crate::bench::{Cell, Shape};
use crate::cli::BenchFormat;
use crate::engine::{self, Fanout, Job, JobResult, JobSource, Next, RunOptions, Stop};
use crate::error::{Error, Exit, ResumeProblem};
use crate::provider::ChatRequest;
use crate::settings::BenchSettings;
use crate::sink::bench::{BenchBar, BenchWriter, Lent, RowsTo, RunMap};

/// The history sink of a benchmark: one history run per invocation (shards and resumes each
/// get their own, sharing bench's run id), warm-ups not recorded.
fn history_sink<'c>(
    ctx: &'c Context,
    s: &BenchSettings,
    map: RunMap<'c>,
    requests: &[ChatRequest],
    labels: &[String],
    base: &ChatRequest,
) -> Option<crate::sink::history::HistorySink<'c>> {
    use crate::history::Text;
    let to = pipeline::recording(ctx, &s.run)?;
    let keep = to.store_text;
    let texts: Vec<_> = requests
        .iter()
        .map(|r| {
            let text = r.messages.first().map(|m| m.text()).unwrap_or_default();
            (
                Text::new(&text, keep),
                r.system.as_deref().map(|t| Text::new(t, keep)),
            )
        })
        .collect();
    let now = ctx.clock.now();
    let ids: Vec<&str> = map.prompts.iter().map(|p| p.id.as_str()).collect();
    let summary = match ids.as_slice() {
        [one] => format!("1 prompt: {one}"),
        many => format!("{} prompts: {}", many.len(), many.join(", ")),
    };
    let record = crate::history::RunRecord {
        id: crate::history::new_run_id(now),
        started_ms: crate::history::epoch_ms(now),
        command: "bench".into(),
        models: labels.join(","),
        prompt_hash: (texts.len() == 1).then(|| texts[0].0.hash.clone()),
        summary: keep.then(|| crate::sink::history::summary(&summary)),
        params: pipeline::params(
            &s.run,
            base,
            serde_json::json!({
                "repeat": s.repeat,
                "warmup": s.warmup,
                "seed": s.seed,
                "shard": s.shard.map(|sh| format!("{}/{}", sh.index, sh.count)),
            }),
        ),
        prices_as_of: ctx.catalog().prices_as_of.clone(),
        bench_run: Some(map.run_id.to_string()),
    };
    Some(crate::sink::history::HistorySink::start(
        to,
        record,
        ctx.catalog(),
        Box::new(move |r| {
            let (cell, prompt, pass) = map.measured(r)?;
            let (text, system) = texts.get(cell.prompt as usize)?;
            Some(crate::sink::history::RowMeta {
                prompt: text.clone(),
                system: system.clone(),
                prompt_id: Some(prompt.id.clone()),
                repeat: Some(cell.repeat),
                pass,
            })
        }),
    ))
}

pub fn run(ctx: &Context, s: BenchSettings) -> Result<Exit, Error> {
    let prompts = crate::bench::prompts::load(&s.inputs, &mut read_all_stdin)?;
    let base = pipeline::chat_request(&s.run.request, String::new())?;
    let mut requests: Vec<ChatRequest> = prompts
        .iter()
        .map(|p| ChatRequest {
            system: p.system.clone().or_else(|| base.system.clone()),
            messages: vec![pipeline::prompt_message(&base, p.text.clone())],
            ..base.clone()
        })
        .collect();
    let mut templates = pipeline::plan(ctx, &s.run, &base)?;
    let client = super::http_client(ctx, s.run.request.connect_timeout)?;
    let runtime = super::runtime()?;
    pipeline::prepare(
        ctx,
        &s.run,
        &client,
        &runtime,
        &mut templates,
        &mut requests,
    );
    if let Some(e) = pipeline::nothing_can_run(&templates) {
        return Err(e);
    }
    let labels: Vec<String> = templates.iter().map(|j| j.label.clone()).collect();
    if let Some(twice) = labels
        .iter()
        .enumerate()
        .find(|(i, l)| labels[..*i].contains(l))
    {
        return Err(Error::ModelTwice(twice.1.clone()));
    }
    let shape = Shape {
        prompts: prompts.len() as u32,
        models: labels.len() as u32,
        repeats: s.repeat,
    };
    let run_id = run_id(&s, &prompts, &labels, &base);
    let mut order = shape.order(s.seed, s.shard);
    let planned = order.len();
    let mut summary = Summary::new(&labels);

    // Where rows go, and what a resumed file already holds.
    let (to, name, header, file) = match (&s.resume, &s.output) {
        (Some(path), _) => {
            let bad = |problem| Error::Resume {
                path: path.clone(),
                problem,
            };
            let mut st = stored::read(path).map_err(bad)?;
            let file_format = match st.format {
                FileFormat::Csv => BenchFormat::Csv,
                FileFormat::Jsonl => BenchFormat::Jsonl,
            };
            if s.format_given && s.format != file_format {
                return Err(bad(ResumeProblem::Format));
            }
            check_same_run(&st, &run_id, &prompts, &labels).map_err(bad)?;
            st.dedupe();
            st.rewrite(path).map_err(|source| Error::WriteFile {
                path: path.clone(),
                source,
            })?;
            let done = done_cells(&st, &prompts, &labels);
            for r in &st.rows {
                if let Some(m) = labels.iter().position(|l| *l == r.model) {
                    summary.add(m, &r.sample);
                }
            }
            order.retain(|c| !done.contains(c));
            let f = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(|source| Error::OutputCreate {
                    path: path.clone(),
                    source,
                })?;
            let name = format!("`{}`", path.display());
            let kept = st.rows.len();
            (
                RowsTo::File(f),
                name,
                false,
                Some((path.clone(), file_format, kept)),
            )
        }
        (None, Some(path)) => {
            check_writable(path)?;
            if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
                return Err(Error::OutputHasResults(path.clone()));
            }
            let f = std::fs::File::create(path).map_err(|source| Error::OutputCreate {
                path: path.clone(),
                source,
            })?;
            let name = format!("`{}`", path.display());
            (
                RowsTo::File(f),
                name,
                true,
                Some((path.clone(), s.format, 0)),
            )
        }
        (None, None) => (
            RowsTo::Stdout {
                terminal: s.display.terminal,
            },
            "stdout".to_string(),
            true,
            None,
        ),
    };
    let format = file.as_ref().map_or(s.format, |f| f.1);
    for path in s.summary.iter().chain(&s.report) {
        check_writable(path)?;
    }

    // Warm-ups first (only when there is something to measure), then the cells to run.
    let mut all: Vec<Cell> = if order.is_empty() {
        Vec::new()
    } else {
        shape.warmups(s.warmup)
    };
    let warmups = all.len();
    all.append(&mut order);
    let to_run = all.len() - warmups;

    let now = ctx.clock.now();
    let budget = match s.run.max_cost {
        Some(limit) => Some(Budget::check(ctx, &templates, &requests, &all, limit, now)?),
        None => None,
    };

    let map = RunMap {
        run_id: &run_id,
        prompts: &prompts,
        order: &all,
    };
    let catalog = ctx.catalog();
    let mut writer = BenchWriter::new(map, catalog, format, to, name, header, summary);
    let mut source = Source {
        order: &all,
        next: 0,
        warmups,
        warm_done: 0,
        templates: &templates,
        requests: &requests,
        budget,
        catalog,
    };
    let outcome = {
        let mut fanout = Fanout::new();
        if s.display.progress && !all.is_empty() {
            fanout.push(BenchBar::new(map, catalog));
        }
        fanout.push(Lent(&mut writer));
        if let Some(h) = history_sink(ctx, &s, map, &requests, &labels, &base) {
            fanout.push(h);
        }
        let opts = RunOptions {
            concurrency: Some(
                s.run
                    .concurrency
                    .unwrap_or(crate::provider::run::defaults::CONCURRENCY),
            ),
            limits: s.run.request.limits,
        };
        runtime.block_on(engine::run_stream(
            &client,
            &templates,
            &mut source,
            opts,
            &*ctx.clock,
            &mut fanout,
            pipeline::stop_signal(),
        ))
    };
    crate::sys::restore_default_signals();

    // A resumed file is left with one row per cell: rows this run replaced are dropped.
    if let Some((path, _, _)) = file.as_ref().filter(|_| s.resume.is_some()) {
        if let Ok(mut st) = stored::read(path) {
            st.dedupe();
            let _ = st.rewrite(path);
        }
    }

    let lines = writer.summary.lines();
    if let Some(path) = &s.summary {
        write_summary(path, &lines)?;
    }
    if let Some(path) = &s.report {
        let mut settings = vec![
            ("models".to_string(), s.run.models.join(", ")),
            ("prompts".to_string(), s.inputs.join(", ")),
            ("repeat".to_string(), s.repeat.to_string()),
            ("warm-up".to_string(), s.warmup.to_string()),
            ("seed".to_string(), s.seed.to_string()),
        ];
        if let Some(out) = &s.output {
            settings.push(("rows".to_string(), out.display().to_string()));
        }
        let html = crate::render::html::bench(&lines, &settings, writer.written);
        let write = || -> std::io::Result<()> {
            let mut f = crate::sink::file::PendingFile::create(path)?;
            std::io::Write::write_all(&mut f, html.as_bytes())?;
            f.commit()
        };
        write().map_err(|source| Error::WriteFile {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let table = summary::table(&lines, s.display.width);
    let in_file = file.is_some();
    if in_file {
        let _ = crate::output::print(&table);
    } else {
        crate::output::diag(table.trim_end());
    }

    let resume_cmd = |f: &Path| resume_command(&s.argv, f, s.inputs.iter().any(|i| i == "-"));
    let finished = writer.written as usize;
    let not_run = to_run.saturating_sub(finished);
    let written_to = match &file {
        Some((path, _, kept)) => {
            let kept = if *kept > 0 {
                format!(" (beside the {kept} kept)")
            } else {
                String::new()
            };
            format!("{finished} row(s) written to `{}`{kept}", path.display())
        }
        None => format!("{finished} row(s) written"),
    };
    let how_to_resume = match &file {
        Some((path, _, _)) => format!("to run the rest: {}", resume_cmd(path)),
        None => "the rows went to stdout: save them with -o FILE next time to resume".into(),
    };
    match outcome.stopped {
        Some(Stop::Signal(sig)) => {
            crate::output::diag(format!(
                "stopped by {}: {written_to}; {not_run} of {to_run} request(s) not finished; {how_to_resume}",
                signal_name(sig)
            ));
            return Ok(Exit::from_signal(sig));
        }
        // The reader went away (`| head`): a quiet stop, as for compare.
        Some(Stop::Sink(e)) if e.is_broken_pipe() => {
            return Ok(if writer.failed > 0 {
                Exit::ModelFailed
            } else {
                Exit::Success
            })
        }
        Some(Stop::Sink(e)) => {
            let saved = writer
                .unwritten
                .as_ref()
                .and_then(|row| save_row(ctx, row, format).ok());
            return Err(Error::BenchOutput {
                error: e,
                saved,
                resume: how_to_resume,
            });
        }
        None => {}
    }
    if source.budget.as_ref().is_some_and(|b| b.halted) {
        let b = source.budget.as_ref().map(|b| (b.spent, b.limit));
        let (spent, limit) = b.unwrap_or_default();
        crate::output::diag(format!(
            "stopped sending: {} spent, and the next request's worst case would pass --max-cost {}; {written_to}; {not_run} request(s) not sent; {how_to_resume} (with a higher --max-cost)",
            crate::render::usd(Some(spent)),
            crate::render::usd(Some(limit)),
        ));
        return Ok(Exit::ModelFailed);
    }
    if to_run == 0 && planned > 0 {
        crate::output::diag(format!(
            "all {planned} request(s) of run {run_id} are already in the file; nothing to send"
        ));
    } else if in_file {
        crate::output::diag(format!("{written_to} (run {run_id})"));
    }
    Ok(if writer.failed > 0 {
        Exit::ModelFailed
    } else {
        Exit::Success
    })
}

/// The run's identity: what makes its rows comparable (not the order, the shard, `-j`, the
/// timeouts or the warm-ups).
fn run_id(s: &BenchSettings, prompts: &[Prompt], labels: &[String], base: &ChatRequest) -> String {
    let mut parts: Vec<String> = vec!["llmx bench 1".into()];
    for p in prompts {
        parts.push(p.id.clone());
        parts.push(p.text.clone());
        parts.push(p.system.clone().unwrap_or_default());
        parts.push(p.expect.as_ref().map(|e| e.source()).unwrap_or_default());
    }
    let mut models = labels.to_vec();
    models.sort();
    parts.extend(models);
    parts.push(format!(
        "repeat={} system={:?} temperature={:?} max_tokens={:?} stream={}",
        s.repeat, base.system, base.temperature, base.max_tokens, base.stream
    ));
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    crate::bench::run_id(&refs)
}

/// A resumed file must be this benchmark: its run id, or at least no prompt or model this
/// command does not have.
fn check_same_run(
    st: &Stored,
    run_id: &str,
    prompts: &[Prompt],
    labels: &[String],
) -> Result<(), ResumeProblem> {
    let Some(first) = st.rows.first() else {
        return Ok(());
    };
    if let Some(other) = st.rows.iter().find(|r| r.run_id != first.run_id) {
        return Err(ResumeProblem::MixedRuns(
            first.run_id.clone(),
            other.run_id.clone(),
        ));
    }
    if first.run_id == run_id {
        return Ok(());
    }
    let ids: HashSet<&str> = prompts.iter().map(|p| p.id.as_str()).collect();
    let mut extra: Vec<String> = Vec::new();
    for r in &st.rows {
        let p = format!("prompt `{}`", r.prompt_id);
        if !ids.contains(r.prompt_id.as_str()) && !extra.contains(&p) {
            extra.push(p);
        }
        let m = format!("model `{}`", r.model);
        if !labels.contains(&r.model) && !extra.contains(&m) {
            extra.push(m);
        }
    }
    extra.truncate(5);
    Err(ResumeProblem::OtherRun {
        file: first.run_id.clone(),
        ours: run_id.to_string(),
        extra,
    })
}

/// The cells the file already holds with no error.
fn done_cells(st: &Stored, prompts: &[Prompt], labels: &[String]) -> HashSet<Cell> {
    let pi: HashMap<&str, u32> = prompts
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i as u32))
        .collect();
    st.rows
        .iter()
        .filter(|r| r.ok())
        .filter_map(|r| {
            let prompt = *pi.get(r.prompt_id.as_str())?;
            let model = labels.iter().position(|l| *l == r.model)? as u32;
            Some(Cell {
                prompt,
                model,
                repeat: r.repeat,
            })
        })
        .collect()
}

/// `--max-cost` while running: what was spent, and the worst case of what is in flight.
struct Budget {
    limit: f64,
    spent: f64,
    in_flight: f64,
    /// Worst case by prompt × models + model.
    worst: Vec<f64>,
    models: usize,
    /// Worst case of each running job, by job index.
    running: HashMap<usize, f64>,
    /// Sending stopped: the next request could have passed the limit.
    halted: bool,
}

impl Budget {
    /// The worst case of every request to send; refuse to start when it passes the limit.
    fn check(
        ctx: &Context,
        templates: &[Job],
        requests: &[ChatRequest],
        cells: &[Cell],
        limit: f64,
        now: std::time::SystemTime,
    ) -> Result<Budget, Error> {
        let models = templates.len();
        let mut worst = Vec::with_capacity(requests.len() * models);
        for req in requests {
            for t in templates {
                let job = Job {
                    request: req.clone(),
                    ..t.clone()
                };
                worst.push(if t.cannot_run() {
                    0.0
                } else {
                    pipeline::worst_case(&job, ctx.catalog(), now)?
                });
            }
        }
        let mut by_model = vec![0.0; models];
        for c in cells {
            by_model[c.model as usize] += worst[c.prompt as usize * models + c.model as usize];
        }
        let total: f64 = by_model.iter().sum();
        if total > limit {
            return Err(Error::OverBudget {
                total,
                limit,
                parts: templates
                    .iter()
                    .map(|t| t.label.clone())
                    .zip(by_model)
                    .collect(),
            });
        }
        Ok(Budget {
            limit,
            spent: 0.0,
            in_flight: 0.0,
            worst,
            models,
            running: HashMap::new(),
            halted: false,
        })
    }

    fn worst(&self, c: &Cell) -> f64 {
        self.worst[c.prompt as usize * self.models + c.model as usize]
    }
}

/// Hands the engine one cell at a time: warm-ups first (the rest wait until they are done),
/// and no more once `--max-cost` could be passed.
struct Source<'a> {
    order: &'a [Cell],
    next: usize,
    warmups: usize,
    warm_done: usize,
    templates: &'a [Job],
    requests: &'a [ChatRequest],
    budget: Option<Budget>,
    catalog: &'a crate::catalog::Catalog,
}

impl JobSource for Source<'_> {
    fn next(&mut self) -> Next {
        let Some(cell) = self.order.get(self.next) else {
            return Next::End;
        };
        if self.next >= self.warmups && self.warm_done < self.warmups {
            return Next::Wait;
        }
        if let Some(b) = self.budget.as_mut() {
            let w = b.worst(cell);
            if b.halted || b.spent + b.in_flight + w > b.limit {
                b.halted = true;
                return Next::End;
            }
            b.in_flight += w;
            b.running.insert(self.next, w);
        }
        let t = &self.templates[cell.model as usize];
        let job = Job {
            label: t.label.clone(),
            links: t.links.clone(),
            request: self.requests[cell.prompt as usize].clone(),
        };
        self.next += 1;
        Next::Job(self.next - 1, Box::new(job))
    }

    fn finished(&mut self, r: &JobResult) {
        if r.index < self.warmups {
            self.warm_done += 1;
        }
        if let Some(b) = self.budget.as_mut() {
            let w = b.running.remove(&r.index).unwrap_or(0.0);
            b.in_flight -= w;
            // A cost nobody knows counts at its worst case.
            b.spent += crate::render::row::cost(r, self.catalog).unwrap_or(w);
        }
    }
}

fn write_summary(path: &Path, lines: &[summary::Line]) -> Result<(), Error> {
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let write = || -> std::io::Result<()> {
        let mut f = crate::sink::file::PendingFile::create(path)?;
        if json {
            summary::write_json(lines, &mut f)?;
        } else {
            summary::write_csv(lines, &mut f)?;
        }
        f.commit()
    };
    write().map_err(|source| Error::WriteFile {
        path: path.to_path_buf(),
        source,
    })
}

/// Save the row whose write failed where recovered results go; the path.
fn save_row(ctx: &Context, row: &[u8], format: BenchFormat) -> std::io::Result<PathBuf> {
    let ext = match format {
        BenchFormat::Csv => "csv",
        BenchFormat::Jsonl => "jsonl",
    };
    let name = format!(
        "llmx-bench-row-{}-{}.{ext}",
        crate::clock::unix_secs(ctx.clock.now()),
        std::process::id()
    );
    let mut body = Vec::new();
    if format == BenchFormat::Csv {
        crate::bench::rows::csv_header(&mut body)?;
    }
    body.extend_from_slice(row);
    pipeline::save_in_recovery(ctx, &name, &body)
}

fn signal_name(s: engine::Signal) -> &'static str {
    match s {
        engine::Signal::Interrupt => "Ctrl-C",
        engine::Signal::Terminate => "SIGTERM",
        engine::Signal::Hangup => "SIGHUP",
    }
}

/// The command line that completes the run in `file`: the same arguments, `-o` replaced by
/// `--resume`, each quoted for a POSIX shell where needed.
fn resume_command(argv: &[String], file: &Path, stdin: bool) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut args = argv.iter();
    if let Some(prog) = args.next() {
        out.push(prog.clone());
    }
    while let Some(a) = args.next() {
        match a.as_str() {
            "-o" | "--output" | "--resume" => {
                args.next();
            }
            _ if a.starts_with("--output=") || a.starts_with("--resume=") => {}
            _ if a.starts_with("-o") && a.len() > 2 && !a.starts_with("--") => {}
            _ => out.push(a.clone()),
        }
    }
    out.push("--resume".into());
    out.push(file.display().to_string());
    let cmd = out
        .iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    if stdin {
        format!("{cmd} (with the same prompts on stdin)")
    } else {
        cmd
    }
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./,:=@%+".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_command_swaps_the_output_for_resume() {
        let argv: Vec<String> = [
            "llmx", "bench", "-m", "a|b,c", "p.jsonl", "-o", "out.csv", "--repeat", "3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            resume_command(&argv, Path::new("out.csv"), false),
            "llmx bench -m 'a|b,c' p.jsonl --repeat 3 --resume out.csv"
        );
        let argv: Vec<String> = ["llmx", "bench", "-", "--output=it's.csv", "--resume", "x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            resume_command(&argv, Path::new("it's.csv"), true),
            "llmx bench - --resume 'it'\\''s.csv' (with the same prompts on stdin)"
        );
    }
}

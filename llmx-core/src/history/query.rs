//! What the reporting commands ask of the store: recent runs, one run's rows, spend, the
//! personal leaderboard, pruning and the store's own figures. Aggregates that SQLite does well
//! (sums, counts) are SQL; percentiles are computed here, exactly, from the rows.

use std::collections::HashMap;

use rusqlite::params;

use super::{
    HistoryError, Store, ANSWERED, COST_ESTIMATED, FAILED, INPUT_ESTIMATED, OUTPUT_ESTIMATED,
};
use crate::provider::ErrorKind;
use crate::row::{Row, TotalCost};

/// One run as `llmx history` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLine {
    pub id: String,
    pub started_ms: i64,
    pub command: String,
    /// The start of the prompt (bench: how many prompts); `None` when text was not kept.
    pub summary: Option<String>,
    pub models: String,
    pub rows: u64,
    /// Failed rows, cancelled ones not counted.
    pub errors: u64,
    pub cost: TotalCost,
}

/// One past run, all of it.
#[derive(Debug, Clone)]
pub struct Past {
    /// `compare`, `ask` or `bench`.
    pub command: String,
    /// The models as given, comma-separated.
    pub models: String,
    /// Bench's own run id (what its rows file carries).
    pub bench_run: Option<String>,
    pub started_ms: i64,
    /// The request parameters, as JSON (see `pipeline::params`).
    pub params: String,
    pub wall_ms: Option<i64>,
    pub interrupted: bool,
    /// In the order they finished (as CSV and JSONL were written), each with its job index.
    pub rows: Vec<(u64, Row)>,
    /// Bench's columns of each row, in the same order.
    pub bench: Vec<BenchCols>,
}

/// The columns a bench row has beyond compare's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BenchCols {
    pub prompt_id: Option<String>,
    pub repeat: Option<u32>,
    pub pass: Option<bool>,
    pub itl_ms: Option<f64>,
    /// When the row was recorded (ms since the epoch).
    pub at_ms: i64,
}

/// What to group spend by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Model,
    Provider,
    Day,
}

/// Spend and volume of one model, provider or day.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageLine {
    pub key: String,
    pub requests: u64,
    pub errors: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Rows whose token counts are llmx's estimates.
    pub tokens_estimated: u64,
    pub cost: TotalCost,
}

/// One model on the personal leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// `provider/model` as requested.
    pub model: String,
    /// Rows (cancelled ones not counted).
    pub n: u64,
    pub errors: u64,
    pub latency_p50: Option<f64>,
    pub latency_p95: Option<f64>,
    pub ttft_p50: Option<f64>,
    pub tokens_per_s_p50: Option<f64>,
    /// Mean cost of a priced request.
    pub cost_per_request: Option<f64>,
    /// Cost per 1,000 output tokens, over priced requests.
    pub cost_per_1k_output: Option<f64>,
    /// Some of the costs come from estimated token counts.
    pub cost_estimated: bool,
}

impl Standing {
    pub fn error_rate(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.errors as f64 / self.n as f64
        }
    }
}

/// The store's own figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub runs: u64,
    pub rows: u64,
    /// The file and its write-ahead log.
    pub bytes: u64,
    pub oldest_ms: Option<i64>,
    pub newest_ms: Option<i64>,
    pub schema: i64,
}

/// The `p`-th percentile (0–100) of `values` in any order, numpy's `linear` method: the same
/// figure bench's summary gives on the sorted values (numpy's linear), in linear time.
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    let last = values.len().checked_sub(1)?;
    let rank = p / 100.0 * last as f64;
    let lo = rank.floor() as usize;
    let frac = rank - lo as f64;
    let (_, lo_v, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let lo_v = *lo_v;
    if frac == 0.0 || above.is_empty() {
        return Some(lo_v);
    }
    let hi_v = above.iter().copied().fold(f64::INFINITY, f64::min);
    Some(lo_v + (hi_v - lo_v) * frac)
}

/// A stored cost as a cost: one no request can cost (a store written before llmx refused such
/// reports may hold `inf`) is unknown, never summed.
fn plausible(cost: Option<f64>) -> Option<f64> {
    cost.filter(|c| c.is_finite() && (0.0..=crate::provider::run::MOST_COST_USD).contains(c))
}

/// Sums a [`TotalCost`] the way the front end's report total does.
fn add_cost(t: &mut TotalCost, cost: Option<f64>, estimated: i64, status: i64) {
    match plausible(cost) {
        Some(c) if estimated & COST_ESTIMATED != 0 => {
            t.estimated += c;
            t.estimated_rows += 1;
        }
        Some(c) => {
            t.known += c;
            t.known_rows += 1;
        }
        None if status == ANSWERED => t.unpriced += 1,
        None => {}
    }
}

fn opt_u64(v: Option<i64>) -> Option<u64> {
    v.map(|n| n.max(0) as u64)
}

/// Where a run came from: `llmx serve`'s requests, a batched benchmark's results, or the
/// command line's live runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Serve,
    Cli,
    Batch,
}

impl Source {
    /// The value the queries compare with (`serve` runs are recorded as command `serve`,
    /// `bench --batch` runs as `batch`).
    fn sql(self) -> &'static str {
        match self {
            Source::Serve => "serve",
            Source::Cli => "cli",
            Source::Batch => "batch",
        }
    }
}

/// The SQL condition "run `alias` is of the source in parameter `?n`" (true when it is NULL).
fn source_is(alias: &str, n: u8) -> String {
    format!(
        "(?{n} IS NULL OR (CASE WHEN {alias}.command IN ('serve', 'batch') THEN {alias}.command \
         ELSE 'cli' END) = ?{n})"
    )
}

impl Store {
    /// Read only the runs of `source` in the reports from now on (`None`: every run).
    pub fn only(&mut self, source: Option<Source>) {
        self.source = source;
    }

    fn source_sql(&self) -> Option<&'static str> {
        self.source.map(Source::sql)
    }

    /// Recent runs, newest first.
    pub fn runs(
        &self,
        since_ms: Option<i64>,
        model: Option<&str>,
        search: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RunLine>, HistoryError> {
        let e = |x| self.err(x);
        let mut ids = self
            .conn
            .prepare(&format!(
                "SELECT key FROM runs r WHERE (?1 IS NULL OR started_ms >= ?1) \
                 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM results x \
                   JOIN details d ON d.id = x.id JOIN models m ON m.key = x.model \
                   WHERE x.run = r.key AND (d.label = ?2 OR m.requested = ?2 \
                   OR d.model_id = ?2 OR m.provider || '/' || m.requested = ?2))) \
                 AND (?3 IS NULL \
                   OR EXISTS (SELECT 1 FROM results x JOIN details d ON d.id = x.id \
                     JOIN texts t ON t.hash = d.prompt_hash \
                     WHERE x.run = r.key AND instr(lower(t.text), lower(?3)) > 0) \
                   OR EXISTS (SELECT 1 FROM results x JOIN details d ON d.id = x.id \
                     WHERE x.run = r.key AND instr(lower(d.output), lower(?3)) > 0)) \
                 AND {} \
                 ORDER BY started_ms DESC, key DESC LIMIT ?4",
                source_is("r", 5)
            ))
            .map_err(e)?;
        let keys: Vec<i64> = ids
            .query_map(
                params![
                    since_ms,
                    model,
                    search,
                    limit.min(i64::MAX as usize) as i64,
                    self.source_sql()
                ],
                |r| r.get(0),
            )
            .and_then(|rows| rows.collect())
            .map_err(e)?;
        keys.into_iter().map(|k| self.run_line(k)).collect()
    }

    fn run_line(&self, key: i64) -> Result<RunLine, HistoryError> {
        let e = |x| self.err(x);
        let mut line = self
            .conn
            .prepare_cached(
                "SELECT id, started_ms, command, summary, models FROM runs WHERE key = ?1",
            )
            .and_then(|mut s| {
                s.query_row([key], |r| {
                    Ok(RunLine {
                        id: r.get(0)?,
                        started_ms: r.get(1)?,
                        command: r.get(2)?,
                        summary: r.get(3)?,
                        models: r.get(4)?,
                        rows: 0,
                        errors: 0,
                        cost: TotalCost::default(),
                    })
                })
            })
            .map_err(e)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT status, cost_usd, estimated FROM results WHERE run = ?1 ORDER BY id",
            )
            .map_err(e)?;
        let mut rows = stmt.query([key]).map_err(e)?;
        while let Some(r) = rows.next().map_err(e)? {
            let status: i64 = r.get(0).map_err(e)?;
            line.rows += 1;
            line.errors += u64::from(status == FAILED);
            add_cost(
                &mut line.cost,
                r.get(1).map_err(e)?,
                r.get(2).map_err(e)?,
                status,
            );
        }
        Ok(line)
    }

    /// The key of the run whose id is `id` or starts with it.
    fn find_run(&self, id: &str) -> Result<i64, HistoryError> {
        let pattern = format!("{}%", id.replace(['%', '_'], ""));
        let found: Vec<(i64, String)> = self
            .conn
            .prepare("SELECT key, id FROM runs WHERE id LIKE ?1 ORDER BY started_ms DESC LIMIT 3")
            .and_then(|mut s| {
                s.query_map([&pattern], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(|e| self.err(e))?;
        match found.as_slice() {
            [] => Err(HistoryError::NoRun(id.to_string())),
            [(k, _)] if !id.is_empty() => Ok(*k),
            _ => match found.iter().find(|f| f.1 == id) {
                Some((k, _)) => Ok(*k),
                None => Err(HistoryError::Ambiguous(
                    id.to_string(),
                    found
                        .iter()
                        .map(|f| f.1.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                )),
            },
        }
    }

    /// The full id of the run `id` names (a prefix will do).
    pub fn run_id(&self, id: &str) -> Result<String, HistoryError> {
        let key = self.find_run(id)?;
        self.conn
            .query_row("SELECT id FROM runs WHERE key = ?1", [key], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// One run with its rows.
    pub fn past(&self, id: &str) -> Result<Past, HistoryError> {
        let key = self.find_run(id)?;
        let e = |x| self.err(x);
        let (wall_ms, interrupted, command, bench_run, started_ms, params, models) = self
            .conn
            .query_row(
                "SELECT wall_ms, interrupted, command, bench_run, started_ms, params, models \
                 FROM runs WHERE key = ?1",
                [key],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .map_err(e)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT x.idx, d.label, m.provider, d.model_id, d.output, x.latency_ms, \
                 x.ttft_ms, x.total_ms, x.input_tokens, x.output_tokens, d.cached_tokens, \
                 d.reasoning_tokens, x.estimated, x.tokens_per_s, x.cost_usd, d.finish_reason, \
                 d.error, d.error_kind, d.attempts, d.fallback_from, d.tool_calls, d.notes, d.error_limit, \
                 d.prompt_id, d.repeat, d.pass, d.itl_ms, x.at_ms \
                 FROM results x JOIN details d ON d.id = x.id JOIN models m ON m.key = x.model \
                 WHERE x.run = ?1 ORDER BY x.id",
            )
            .map_err(e)?;
        let rows = stmt
            .query_map([key], |r| {
                let estimated: i64 = r.get(12)?;
                let input_estimated = estimated & INPUT_ESTIMATED != 0;
                let output_estimated = estimated & OUTPUT_ESTIMATED != 0;
                let kind: Option<String> = r.get(17)?;
                let bench = BenchCols {
                    prompt_id: r.get(23)?,
                    repeat: r
                        .get::<_, Option<i64>>(24)?
                        .and_then(|n| u32::try_from(n).ok()),
                    pass: r.get::<_, Option<i64>>(25)?.map(|p| p != 0),
                    itl_ms: r.get(26)?,
                    at_ms: r.get(27)?,
                };
                Ok((
                    r.get::<_, i64>(0)?.max(0) as u64,
                    bench,
                    Row {
                        model: r.get(1)?,
                        provider: r.get(2)?,
                        model_id: r.get(3)?,
                        output: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                        latency_ms: opt_u64(r.get(5)?),
                        ttft_ms: opt_u64(r.get(6)?),
                        total_ms: opt_u64(r.get(7)?),
                        input_tokens: opt_u64(r.get(8)?),
                        output_tokens: opt_u64(r.get(9)?),
                        cached_tokens: opt_u64(r.get(10)?),
                        reasoning_tokens: opt_u64(r.get(11)?),
                        tokens_estimated: input_estimated || output_estimated,
                        tokens_per_s: r.get(13)?,
                        cost_usd: plausible(r.get(14)?),
                        cost_estimated: estimated & COST_ESTIMATED != 0,
                        finish_reason: r.get(15)?,
                        error: r.get(16)?,
                        error_kind: kind.as_deref().and_then(ErrorKind::parse),
                        attempts: r.get(18)?,
                        fallback_from: r.get(19)?,
                        tool_calls: from_json(r.get(20)?),
                        notes: from_json(r.get(21)?),
                        input_estimated,
                        output_estimated,
                        error_limit: r
                            .get::<_, Option<String>>(22)?
                            .as_deref()
                            .and_then(crate::provider::error::Limit::parse),
                    },
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(e)?;
        let (rows, bench) = rows.into_iter().map(|(i, b, r)| ((i, r), b)).unzip();
        Ok(Past {
            command,
            models,
            bench_run,
            started_ms,
            params,
            wall_ms,
            interrupted,
            rows,
            bench,
        })
    }

    /// `provider/model` by model key.
    fn model_names(&self) -> Result<HashMap<i64, (String, String)>, HistoryError> {
        self.conn
            .prepare("SELECT key, provider, requested FROM models")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
                    .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// Spend, volume and errors since `since_ms`, by model, provider or day (UTC), costliest
    /// first (days newest first). Summed here from the narrow rows: one pass, no sorting.
    pub fn usage(&self, since_ms: Option<i64>, by: By) -> Result<Vec<UsageLine>, HistoryError> {
        let e = |x| self.err(x);
        let names = self.model_names()?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT x.model, x.at_ms, x.status, x.input_tokens, x.output_tokens, x.estimated, \
                 x.cost_usd FROM results x JOIN runs u ON u.key = x.run \
                 WHERE x.at_ms >= ?1 AND {}",
                source_is("u", 2)
            ))
            .map_err(e)?;
        let mut rows = stmt
            .query(params![since_ms.unwrap_or(i64::MIN), self.source_sql()])
            .map_err(e)?;
        let mut by_key: HashMap<i64, UsageLine> = HashMap::new();
        let empty = |key: String| UsageLine {
            key,
            requests: 0,
            errors: 0,
            input_tokens: 0,
            output_tokens: 0,
            tokens_estimated: 0,
            cost: TotalCost::default(),
        };
        while let Some(r) = rows.next().map_err(e)? {
            let model: i64 = r.get(0).map_err(e)?;
            let key = match by {
                By::Model | By::Provider => model,
                By::Day => r.get::<_, i64>(1).map_err(e)?.div_euclid(86_400_000),
            };
            let line = by_key.entry(key).or_insert_with(|| empty(String::new()));
            let status: i64 = r.get(2).map_err(e)?;
            let estimated: i64 = r.get(5).map_err(e)?;
            line.requests += 1;
            line.errors += u64::from(status == FAILED);
            line.input_tokens += opt_u64(r.get(3).map_err(e)?).unwrap_or(0);
            line.output_tokens += opt_u64(r.get(4).map_err(e)?).unwrap_or(0);
            line.tokens_estimated +=
                u64::from(estimated & (INPUT_ESTIMATED | OUTPUT_ESTIMATED) != 0);
            add_cost(&mut line.cost, r.get(6).map_err(e)?, estimated, status);
        }
        // Name the groups; by provider, models of one provider add up.
        let mut named: HashMap<String, UsageLine> = HashMap::new();
        for (key, line) in by_key {
            let name = match by {
                By::Day => crate::clock::date_of((key.max(0) as u64) * 86_400),
                By::Model => names
                    .get(&key)
                    .map_or_else(|| "?".into(), |(p, m)| format!("{p}/{m}")),
                By::Provider => names
                    .get(&key)
                    .map_or_else(|| "?".into(), |(p, _)| p.clone()),
            };
            let into = named.entry(name.clone()).or_insert_with(|| empty(name));
            into.requests += line.requests;
            into.errors += line.errors;
            into.input_tokens += line.input_tokens;
            into.output_tokens += line.output_tokens;
            into.tokens_estimated += line.tokens_estimated;
            into.cost.known += line.cost.known;
            into.cost.known_rows += line.cost.known_rows;
            into.cost.estimated += line.cost.estimated;
            into.cost.estimated_rows += line.cost.estimated_rows;
            into.cost.unpriced += line.cost.unpriced;
        }
        let mut lines: Vec<UsageLine> = named.into_values().collect();
        match by {
            By::Day => lines.sort_by(|a, b| b.key.cmp(&a.key)),
            _ => lines.sort_by(|a, b| {
                let spend = |l: &UsageLine| l.cost.known + l.cost.estimated;
                spend(b)
                    .total_cmp(&spend(a))
                    .then_with(|| a.key.cmp(&b.key))
            }),
        }
        Ok(lines)
    }

    /// Every model with at least `min_n` rows since `since_ms`, measured on the user's own
    /// runs; cancelled rows do not count. Sorted by name (the command sorts as asked).
    pub fn leaderboard(
        &self,
        since_ms: Option<i64>,
        min_n: u64,
    ) -> Result<Vec<Standing>, HistoryError> {
        #[derive(Default)]
        struct Acc {
            n: u64,
            errors: u64,
            latency: Vec<f64>,
            ttft: Vec<f64>,
            tps: Vec<f64>,
            cost: f64,
            costed: u64,
            costed_output: u64,
            estimated: bool,
        }
        let e = |x| self.err(x);
        let names = self.model_names()?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT x.model, x.status, x.latency_ms, x.ttft_ms, x.tokens_per_s, x.cost_usd, \
                 x.estimated, x.output_tokens FROM results x JOIN runs u ON u.key = x.run \
                 WHERE x.at_ms >= ?1 AND x.status != 2 AND {}",
                source_is("u", 2)
            ))
            .map_err(e)?;
        let mut rows = stmt
            .query(params![since_ms.unwrap_or(i64::MIN), self.source_sql()])
            .map_err(e)?;
        let mut by: HashMap<i64, Acc> = HashMap::new();
        while let Some(r) = rows.next().map_err(e)? {
            let acc = by.entry(r.get(0).map_err(e)?).or_default();
            acc.n += 1;
            if r.get::<_, i64>(1).map_err(e)? != ANSWERED {
                acc.errors += 1;
                continue;
            }
            if let Some(l) = r.get::<_, Option<i64>>(2).map_err(e)? {
                acc.latency.push(l as f64);
            }
            if let Some(t) = r.get::<_, Option<i64>>(3).map_err(e)? {
                acc.ttft.push(t as f64);
            }
            if let Some(s) = r.get::<_, Option<f64>>(4).map_err(e)? {
                acc.tps.push(s);
            }
            if let Some(c) = plausible(r.get::<_, Option<f64>>(5).map_err(e)?) {
                acc.cost += c;
                acc.costed += 1;
                acc.estimated |= r.get::<_, i64>(6).map_err(e)? & COST_ESTIMATED != 0;
                acc.costed_output += opt_u64(r.get(7).map_err(e)?).unwrap_or(0);
            }
        }
        let mut board: Vec<Standing> = by
            .into_iter()
            .filter(|(_, a)| a.n >= min_n)
            .map(|(key, mut a)| Standing {
                model: names
                    .get(&key)
                    .map_or_else(|| "?".into(), |(p, m)| format!("{p}/{m}")),
                n: a.n,
                errors: a.errors,
                latency_p50: percentile(&mut a.latency, 50.0),
                latency_p95: percentile(&mut a.latency, 95.0),
                ttft_p50: percentile(&mut a.ttft, 50.0),
                tokens_per_s_p50: percentile(&mut a.tps, 50.0),
                cost_per_request: (a.costed > 0).then(|| a.cost / a.costed as f64),
                cost_per_1k_output: (a.costed_output > 0)
                    .then(|| a.cost / a.costed_output as f64 * 1000.0),
                cost_estimated: a.estimated,
            })
            .collect();
        board.sort_by(|a, b| a.model.cmp(&b.model));
        Ok(board)
    }

    /// The median latency of the last 20 answers of `provider/model` (topped up from the
    /// imported `latency.json` when fewer were recorded); `--route fastest` orders by it.
    pub fn median_latency(&self, provider: &str, model: &str) -> Result<Option<u64>, HistoryError> {
        const KEEP: i64 = 20;
        let e = |x| self.err(x);
        let mut v: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT x.latency_ms FROM models m JOIN results x ON x.model = m.key \
                 WHERE m.provider = ?1 AND m.requested = ?2 AND x.status = 0 \
                 AND x.latency_ms IS NOT NULL ORDER BY x.id DESC LIMIT ?3",
            )
            .and_then(|mut s| {
                s.query_map(params![provider, model, KEEP], |r| r.get(0))?
                    .collect()
            })
            .map_err(e)?;
        if (v.len() as i64) < KEEP {
            let more: Vec<i64> = self
                .conn
                .prepare_cached(
                    "SELECT latency_ms FROM imported_latency WHERE key = ?1 \
                     ORDER BY seq DESC LIMIT ?2",
                )
                .and_then(|mut s| {
                    s.query_map(
                        params![format!("{provider}/{model}"), KEEP - v.len() as i64],
                        |r| r.get(0),
                    )?
                    .collect()
                })
                .map_err(e)?;
            v.extend(more);
        }
        v.sort_unstable();
        Ok(v.get(v.len() / 2).map(|m| (*m).max(0) as u64))
    }

    /// Delete every row that started before `before_ms`, the runs left without rows and the
    /// texts no row uses, in short transactions (a run recording at the same time waits at
    /// most one batch); with `vacuum`, give the space back to the filesystem afterwards (that
    /// holds the store for as long as it takes). The rows and runs deleted.
    pub fn prune(&mut self, before_ms: i64, vacuum: bool) -> Result<(u64, u64), HistoryError> {
        let mut rows = 0u64;
        loop {
            let n = self.in_write(|tx| {
                let ids: Vec<i64> = tx
                    .prepare("SELECT id FROM results WHERE at_ms < ?1 ORDER BY at_ms LIMIT ?2")?
                    .query_map([before_ms, super::PRUNE_BATCH], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut hashes: Vec<String> = Vec::new();
                for id in &ids {
                    let (p, s): (String, Option<String>) = tx
                        .query_row(
                            "SELECT prompt_hash, system_hash FROM details WHERE id = ?1",
                            [id],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .unwrap_or_default();
                    hashes.push(p);
                    hashes.extend(s);
                    tx.execute("DELETE FROM details WHERE id = ?1", [id])?;
                    tx.execute("DELETE FROM results WHERE id = ?1", [id])?;
                }
                hashes.sort();
                hashes.dedup();
                for h in &hashes {
                    tx.execute(
                        "DELETE FROM texts WHERE hash = ?1 \
                         AND NOT EXISTS (SELECT 1 FROM details WHERE prompt_hash = ?1) \
                         AND NOT EXISTS (SELECT 1 FROM details WHERE system_hash = ?1)",
                        [h],
                    )?;
                }
                Ok(ids.len() as u64)
            })?;
            rows += n;
            if n == 0 {
                break;
            }
        }
        let runs = self.in_write(|tx| {
            tx.execute(
                "DELETE FROM runs WHERE started_ms < ?1 AND NOT EXISTS \
                 (SELECT 1 FROM results WHERE run = runs.key)",
                [before_ms],
            )
        })? as u64;
        if vacuum {
            self.conn.execute_batch("VACUUM").map_err(|e| self.err(e))?;
        }
        Ok((rows, runs))
    }

    pub fn stats(&self) -> Result<Stats, HistoryError> {
        let e = |x| self.err(x);
        let (runs, rows, oldest, newest): (i64, i64, Option<i64>, Option<i64>) = self
            .conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM runs), (SELECT COUNT(*) FROM results), \
                 (SELECT MIN(at_ms) FROM results), (SELECT MAX(at_ms) FROM results)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(e)?;
        let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let wal = {
            let mut s = self.path.clone().into_os_string();
            s.push("-wal");
            std::path::PathBuf::from(s)
        };
        Ok(Stats {
            runs: runs as u64,
            rows: rows as u64,
            bytes: size(&self.path) + size(&wal),
            oldest_ms: oldest,
            newest_ms: newest,
            schema: self.version()?,
        })
    }

    /// The text kept under `hash`, if it was kept.
    #[cfg(test)]
    pub fn text(&self, hash: &str) -> Result<Option<String>, HistoryError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT text FROM texts WHERE hash = ?1", [hash], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// A list a column keeps as JSON text; `NULL` (or text that is not such a list) is empty.
fn from_json<T: serde::de::DeserializeOwned>(text: Option<String>) -> Vec<T> {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

//! The summary of a benchmark: one row per model, percentiles over its successful rows by
//! linear interpolation between closest ranks (numpy's default), costs summed, the pass rate of
//! its checked answers. Built from the same values the rows hold, so it can be recomputed from
//! the rows and agree.

use std::io::{self, Write};

use serde::Serialize;

/// What the summary needs of one row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    pub ok: bool,
    pub latency_ms: Option<f64>,
    pub ttft_ms: Option<f64>,
    pub itl_ms: Option<f64>,
    pub tokens_per_s: Option<f64>,
    pub cost_usd: Option<f64>,
    pub cost_estimated: bool,
    pub pass: Option<bool>,
}

/// The `p`-th percentile (0–100) of sorted values: numpy's `linear` method.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p / 100.0 * last as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil().min(last as f64) as usize;
    let frac = rank - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

#[derive(Debug, Default, Clone)]
struct Acc {
    n: u64,
    ok: u64,
    latency: Vec<f64>,
    ttft: Vec<f64>,
    itl: Vec<f64>,
    tps: Vec<f64>,
    cost: f64,
    costed: u64,
    cost_estimated: bool,
    checked: u64,
    passed: u64,
}

/// Per-model accumulators, in the order the models were given.
#[derive(Debug, Clone)]
pub struct Summary {
    models: Vec<String>,
    acc: Vec<Acc>,
}

/// One model's line of the summary. Field order is the CSV column order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub model: String,
    pub n: u64,
    pub ok: u64,
    pub errors: u64,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p90: Option<f64>,
    pub latency_ms_p95: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    pub ttft_ms_p50: Option<f64>,
    pub ttft_ms_p95: Option<f64>,
    pub itl_ms_p50: Option<f64>,
    pub tokens_per_s_p50: Option<f64>,
    #[serde(serialize_with = "crate::row::decimal")]
    pub cost_usd_total: Option<f64>,
    #[serde(serialize_with = "crate::row::decimal")]
    pub cost_usd_mean: Option<f64>,
    pub pass_rate: Option<f64>,
    /// Answers with a check, and how many of them passed it.
    pub checked: u64,
    pub passed: u64,
    /// Some cost was computed from estimated token counts (the display's `~`).
    #[serde(skip)]
    pub cost_estimated: bool,
}

impl Summary {
    pub fn new(models: &[String]) -> Summary {
        Summary {
            models: models.to_vec(),
            acc: vec![Acc::default(); models.len()],
        }
    }

    /// Count one row of model number `model`.
    pub fn add(&mut self, model: usize, s: &Sample) {
        let Some(a) = self.acc.get_mut(model) else {
            return;
        };
        a.n += 1;
        if let Some(c) = s.cost_usd {
            a.cost += c;
            a.costed += 1;
            a.cost_estimated |= s.cost_estimated;
        }
        if !s.ok {
            return;
        }
        a.ok += 1;
        a.latency.extend(s.latency_ms);
        a.ttft.extend(s.ttft_ms);
        a.itl.extend(s.itl_ms);
        a.tps.extend(s.tokens_per_s);
        if let Some(p) = s.pass {
            a.checked += 1;
            a.passed += u64::from(p);
        }
    }

    pub fn lines(&self) -> Vec<Line> {
        self.models
            .iter()
            .zip(&self.acc)
            .map(|(model, a)| {
                let sorted = |v: &[f64]| {
                    let mut v = v.to_vec();
                    v.sort_by(f64::total_cmp);
                    v
                };
                let (lat, ttft, itl, tps) = (
                    sorted(&a.latency),
                    sorted(&a.ttft),
                    sorted(&a.itl),
                    sorted(&a.tps),
                );
                Line {
                    model: model.clone(),
                    n: a.n,
                    ok: a.ok,
                    errors: a.n - a.ok,
                    latency_ms_p50: percentile(&lat, 50.0),
                    latency_ms_p90: percentile(&lat, 90.0),
                    latency_ms_p95: percentile(&lat, 95.0),
                    latency_ms_p99: percentile(&lat, 99.0),
                    ttft_ms_p50: percentile(&ttft, 50.0),
                    ttft_ms_p95: percentile(&ttft, 95.0),
                    itl_ms_p50: percentile(&itl, 50.0),
                    tokens_per_s_p50: percentile(&tps, 50.0),
                    cost_usd_total: (a.costed > 0).then_some(a.cost),
                    cost_usd_mean: (a.costed > 0).then(|| a.cost / a.costed as f64),
                    pass_rate: (a.checked > 0).then(|| a.passed as f64 / a.checked as f64),
                    checked: a.checked,
                    passed: a.passed,
                    cost_estimated: a.cost_estimated,
                }
            })
            .collect()
    }
}

/// The summary as CSV.
pub fn write_csv(lines: &[Line], w: &mut dyn Write) -> io::Result<()> {
    let mut wr = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(w);
    wr.write_record(COLUMNS).map_err(io::Error::other)?;
    for l in lines {
        wr.serialize(l).map_err(io::Error::other)?;
    }
    wr.flush()
}

/// The summary as a JSON array.
pub fn write_json(lines: &[Line], w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, lines).map_err(io::Error::other)?;
    writeln!(w)
}

pub const COLUMNS: &[&str] = &[
    "model",
    "n",
    "ok",
    "errors",
    "latency_ms_p50",
    "latency_ms_p90",
    "latency_ms_p95",
    "latency_ms_p99",
    "ttft_ms_p50",
    "ttft_ms_p95",
    "itl_ms_p50",
    "tokens_per_s_p50",
    "cost_usd_total",
    "cost_usd_mean",
    "pass_rate",
    "checked",
    "passed",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_match_numpy_linear() {
        // numpy.percentile([1, 2, 3, 4, 10], [50, 90, 95, 99]) = 3, 7.6, 8.8, 9.76
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        let got: Vec<f64> = [50.0, 90.0, 95.0, 99.0]
            .iter()
            .map(|p| percentile(&v, *p).unwrap())
            .collect();
        let want = [3.0, 7.6, 8.8, 9.76];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "{got:?}");
        }
        assert_eq!(percentile(&[5.0], 99.0), Some(5.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1.0, 2.0], 50.0), Some(1.5));
    }

    #[test]
    fn errors_count_but_only_successes_make_percentiles() {
        let mut s = Summary::new(&["a".to_string(), "b".to_string()]);
        let ok = |ms: f64, pass: Option<bool>| Sample {
            ok: true,
            latency_ms: Some(ms),
            ttft_ms: Some(ms / 2.0),
            cost_usd: Some(0.001),
            pass,
            ..Default::default()
        };
        s.add(0, &ok(100.0, Some(true)));
        s.add(0, &ok(300.0, Some(false)));
        s.add(
            0,
            &Sample {
                ok: false,
                latency_ms: Some(5.0),
                ..Default::default()
            },
        );
        s.add(1, &Sample::default());
        let lines = s.lines();
        let a = &lines[0];
        assert_eq!((a.n, a.ok, a.errors), (3, 2, 1));
        assert_eq!(a.latency_ms_p50, Some(200.0));
        assert_eq!(a.ttft_ms_p95, Some(145.0));
        assert_eq!(a.cost_usd_total, Some(0.002));
        assert_eq!(a.cost_usd_mean, Some(0.001));
        assert_eq!(a.pass_rate, Some(0.5));
        assert_eq!((a.checked, a.passed), (2, 1));
        let b = &lines[1];
        assert_eq!((b.n, b.ok, b.errors), (1, 0, 1));
        assert_eq!(
            (b.latency_ms_p50, b.cost_usd_total, b.pass_rate),
            (None, None, None)
        );
        let mut csv = Vec::new();
        write_csv(&lines, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with(&COLUMNS.join(",")), "{csv}");
        assert!(csv.contains("\nb,1,0,1,,,,,,,,,,,,0,0\n"), "{csv}");
    }
}

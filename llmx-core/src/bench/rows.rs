//! One benchmark row: which run, prompt and repeat, then compare's columns, then the
//! inter-token latency, the check's verdict and when the request started. Written as CSV or
//! JSONL.

use std::io::{self, Write};

use serde::Serialize;

use super::summary::Sample;
use crate::row::{self, Row};

/// The columns before compare's.
#[derive(Debug, Clone, Serialize)]
pub struct Head {
    pub run_id: String,
    pub prompt_id: String,
    /// 1-based.
    pub repeat: u32,
}

/// The columns after compare's.
#[derive(Debug, Clone, Serialize)]
pub struct Tail {
    /// Mean gap between streamed chunks after the first.
    pub itl_ms: Option<f64>,
    /// The prompt's `expect` check; empty without one, or when the request failed.
    pub pass: Option<bool>,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// The row was read back from a provider's batch (`bench --batch`): no latencies.
    pub batch: bool,
    /// The provider's id for a batched request.
    pub provider_request_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct BenchRow {
    pub head: Head,
    pub row: Row,
    pub tail: Tail,
}

/// The JSON form: one flat object.
#[derive(Serialize)]
struct Flat<'a> {
    #[serde(flatten)]
    head: &'a Head,
    #[serde(flatten)]
    row: &'a Row,
    #[serde(flatten)]
    tail: &'a Tail,
}

/// Every column, in order.
pub fn columns() -> Vec<&'static str> {
    let mut c = vec!["run_id", "prompt_id", "repeat"];
    c.extend_from_slice(row::COLUMNS);
    c.extend_from_slice(&["itl_ms", "pass", "started_at"]);
    c.extend_from_slice(NEWER);
    c
}

/// The columns files written before batched runs lack (they read back as empty).
pub const NEWER: &[&str] = &["batch", "provider_request_id"];

pub fn csv_header(w: &mut dyn Write) -> io::Result<()> {
    let mut wr = ::csv::Writer::from_writer(w);
    wr.write_record(columns()).map_err(io::Error::other)?;
    wr.flush()
}

impl BenchRow {
    pub fn csv(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut wr = ::csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(w);
        wr.serialize((&self.head, &self.row, &self.tail))
            .map_err(io::Error::other)?;
        wr.flush()
    }

    pub fn jsonl(&self, w: &mut dyn Write) -> io::Result<()> {
        let flat = Flat {
            head: &self.head,
            row: &self.row,
            tail: &self.tail,
        };
        let text = serde_json::to_string(&flat).map_err(io::Error::other)?;
        writeln!(w, "{}", crate::safe::json_escape_controls(&text))
    }

    /// What the findings count of this row, in cell `prompt` × `model`.
    pub fn outcome(&self, prompt: usize, model: usize) -> super::findings::Outcome {
        super::findings::Outcome {
            prompt,
            model,
            repeat: self.head.repeat,
            error: self.row.error.clone(),
            pass: self.tail.pass,
            latency_ms: self.row.latency_ms.map(|v| v as f64),
            answer: self.row.output.clone(),
        }
    }

    /// What the summary counts of this row: the values as written.
    pub fn sample(&self) -> Sample {
        let r = &self.row;
        Sample {
            ok: r.error.is_none(),
            latency_ms: r.latency_ms.map(|v| v as f64),
            ttft_ms: r.ttft_ms.map(|v| v as f64),
            itl_ms: self.tail.itl_ms,
            tokens_per_s: r.tokens_per_s,
            cost_usd: r.cost_usd,
            cost_estimated: r.cost_estimated,
            pass: self.tail.pass,
        }
    }
}

/// Milliseconds to three decimals (a gap between chunks is often under one).
pub fn ms3(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_row() -> BenchRow {
        let mut row = Row::empty("mock/a", "mock", "a");
        row.output = "hi, \"there\"".into();
        row.latency_ms = Some(12);
        row.cost_usd = Some(0.00000122);
        BenchRow {
            head: Head {
                run_id: "abc".into(),
                prompt_id: "p1".into(),
                repeat: 2,
            },
            row,
            tail: Tail {
                itl_ms: Some(2.5),
                pass: Some(true),
                started_at: "2026-11-24T09:05:03.042Z".into(),
                batch: false,
                provider_request_id: None,
            },
        }
    }

    #[test]
    fn csv_and_jsonl_carry_every_column_in_order() {
        let r = sample_row();
        let mut csv = Vec::new();
        csv_header(&mut csv).unwrap();
        r.csv(&mut csv).unwrap();
        let mut reader = ::csv::Reader::from_reader(&csv[..]);
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header, columns());
        let rec = reader.records().next().unwrap().unwrap();
        assert_eq!(rec.len(), columns().len());
        let get = |name: &str| rec[columns().iter().position(|c| *c == name).unwrap()].to_string();
        assert_eq!(get("run_id"), "abc");
        assert_eq!(get("repeat"), "2");
        assert_eq!(get("output"), "hi, \"there\"");
        assert_eq!(get("cost_usd"), "0.00000122");
        assert_eq!(get("itl_ms"), "2.5");
        assert_eq!(get("pass"), "true");
        assert_eq!(get("started_at"), "2026-11-24T09:05:03.042Z");
        assert_eq!(get("error"), "");

        let mut jsonl = Vec::new();
        r.jsonl(&mut jsonl).unwrap();
        let text = String::from_utf8(jsonl).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), columns().len());
        assert_eq!(v["prompt_id"], "p1");
        assert!(text.contains("\"cost_usd\":0.00000122,"), "{text}");
        assert_eq!(v["pass"], true);
        assert!(v["ttft_ms"].is_null());
        assert!(text.find("\"run_id\"").unwrap() < text.find("\"model\"").unwrap());
        assert!(text.find("\"model\"").unwrap() < text.find("\"itl_ms\"").unwrap());
    }
}

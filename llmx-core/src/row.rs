//! One row of results: the stable, documented columns of CSV, JSON and JSONL output, projected
//! from a job's full result.

use std::io::{self, Write};

use serde::Serialize;

use crate::catalog::Catalog;
use crate::job::JobResult;
use crate::provider::error::Limit;
use crate::provider::ErrorKind;

/// One model's result. Field order is the CSV column order; names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// What the user asked for (`claude`, `openai/gpt-4o-mini`).
    pub model: String,
    pub provider: String,
    /// The model id the provider reports having used, else the one requested.
    pub model_id: String,
    /// The answer text (whatever arrived, even when the call failed part-way).
    pub output: String,
    /// The tools the model called, in order. An array in JSON; the same array as JSON text in
    /// CSV (`[]` for none).
    #[serde(serialize_with = "json_text")]
    pub tool_calls: Vec<Call>,
    /// The attempt that answered (or failed last): from its send to its last byte.
    pub latency_ms: Option<u64>,
    /// That attempt's send to its first streamed token (unknown for an unstreamed answer).
    pub ttft_ms: Option<u64>,
    /// The row's start to its end: every attempt, retry wait and fallback.
    pub total_ms: Option<u64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cached_tokens: Option<u64>,
    pub reasoning_tokens: Option<u64>,
    /// `input_tokens` or `output_tokens` (and so `tokens_per_s`) is llmx's estimate: the
    /// provider reported none, or zeros beside an answer.
    pub tokens_estimated: bool,
    pub tokens_per_s: Option<f64>,
    #[serde(serialize_with = "decimal")]
    pub cost_usd: Option<f64>,
    /// `cost_usd` was computed from estimated token counts.
    pub cost_estimated: bool,
    pub finish_reason: Option<String>,
    /// The whole (scrubbed) message; only the table cuts it. It names no front end's flags:
    /// [`Row::error_limit`] says which of llmx's own limits ended the call, and a front end
    /// adds how to raise it where it shows the error.
    pub error: Option<String>,
    /// `auth`, `rate_limit`, `overloaded`, `bad_request`, `not_found`, `server`, `timeout`,
    /// `network`, `decode`, `too_large`, `missing_key`, `cancelled` or `empty`.
    pub error_kind: Option<ErrorKind>,
    /// HTTP requests made for this row, retries and fallbacks included.
    pub attempts: u32,
    /// The models tried before the one that answered, each with why it failed.
    pub fallback_from: Option<String>,
    /// What llmx dropped or changed in the request for this provider (a schema keyword it
    /// refuses, a parameter outside its range), or sent against the catalog (`--force`). An
    /// array in JSON, JSON text in CSV.
    #[serde(serialize_with = "json_text")]
    pub notes: Vec<String>,
    /// Which of the counts are estimates, for the table's `~` (files carry `tokens_estimated`).
    #[serde(skip)]
    pub input_estimated: bool,
    #[serde(skip)]
    pub output_estimated: bool,
    /// Which of llmx's own limits ended the call, if one did (kept in the history, not a
    /// column of the files).
    #[serde(skip)]
    pub error_limit: Option<Limit>,
}

/// The CSV header line: [`COLUMNS`].
pub fn csv_header(w: &mut dyn Write) -> io::Result<()> {
    let mut wr = ::csv::Writer::from_writer(w);
    wr.write_record(COLUMNS).map_err(io::Error::other)?;
    wr.flush()
}

/// One CSV record (no header), as written when a job finishes.
pub fn csv_row(row: &Row, w: &mut dyn Write) -> io::Result<()> {
    let mut wr = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(w);
    wr.serialize(row).map_err(io::Error::other)?;
    wr.flush()
}

/// One JSON line.
pub fn jsonl_row(row: &Row, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(&jsonl_line(row)?)
}

/// One JSON line, newline included, as its own buffer (a row with megabytes of answer or
/// calls is written once, not copied into another buffer).
pub fn jsonl_line(row: &Row) -> io::Result<Vec<u8>> {
    let mut text = serde_json::to_string(row).map_err(io::Error::other)?;
    if let std::borrow::Cow::Owned(escaped) = crate::safe::json_escape_controls(&text) {
        text = escaped;
    }
    text.push('\n');
    Ok(text.into_bytes())
}

/// The documented column names, in order.
pub const COLUMNS: &[&str] = &[
    "model",
    "provider",
    "model_id",
    "output",
    "tool_calls",
    "latency_ms",
    "ttft_ms",
    "total_ms",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "tokens_estimated",
    "tokens_per_s",
    "cost_usd",
    "cost_estimated",
    "finish_reason",
    "error",
    "error_kind",
    "attempts",
    "fallback_from",
    "notes",
];

/// A run's cost: what the providers' counts (or their own figures) give, what estimated counts
/// give, and how many answered rows have no price at all.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TotalCost {
    pub known: f64,
    pub known_rows: usize,
    pub estimated: f64,
    pub estimated_rows: usize,
    pub unpriced: usize,
}

impl std::fmt::Display for TotalCost {
    /// `$0.0123`, `$0.0123 + ~$0.000400 estimated (+ 1 unpriced)`, `unknown (2 unpriced)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if self.known_rows > 0 || (self.estimated_rows == 0 && self.unpriced == 0) {
            parts.push(usd(Some(self.known)));
        }
        if self.estimated_rows > 0 {
            parts.push(format!("~{} estimated", usd(Some(self.estimated))));
        }
        if parts.is_empty() {
            return write!(f, "unknown ({} unpriced)", self.unpriced);
        }
        f.write_str(&parts.join(" + "))?;
        if self.unpriced > 0 {
            write!(f, " (+ {} unpriced)", self.unpriced)?;
        }
        Ok(())
    }
}

/// Dollars as every table shows them: `$0`, `$0.000351` under a cent, `$1.2345` above.
pub fn usd(c: Option<f64>) -> String {
    match c {
        Some(0.0) => "$0".into(),
        Some(c) if c < 0.01 => format!("${c:.6}"),
        Some(c) => format!("${c:.4}"),
        None => "-".into(),
    }
}

/// One tool call as the files carry it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Call {
    /// The provider's id for the call (`null` from Gemini).
    pub id: Option<String>,
    pub name: String,
    /// The arguments: the model's JSON object as it sent it (re-written on one line when it
    /// spanned several); when its text was not a JSON object, that text as a JSON string, and
    /// `invalid_arguments` is `true`. Held as text: no JSON tree per call.
    pub arguments: Box<RawValue>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invalid_arguments: bool,
}

impl PartialEq for Call {
    fn eq(&self, other: &Call) -> bool {
        self.id == other.id
            && self.name == other.name
            && self.arguments.get() == other.arguments.get()
            && self.invalid_arguments == other.invalid_arguments
    }
}

impl Call {
    pub fn of(c: &crate::provider::ToolCall) -> Call {
        let (arguments, invalid_arguments) = match object_text(&c.arguments) {
            Some(raw) => (raw, false),
            None => (string_raw(&c.arguments), true),
        };
        Call {
            id: c.id.clone(),
            name: c.name.clone(),
            arguments,
            invalid_arguments,
        }
    }

    /// The arguments as a JSON value (an object, or the text when they were not one).
    pub fn arguments_value(&self) -> serde_json::Value {
        serde_json::from_str(self.arguments.get()).unwrap_or(serde_json::Value::Null)
    }

    /// `name({"city":"Paris"})`: one line of the table (the arguments written compactly).
    pub fn line(&self) -> String {
        let args = match self.arguments_value() {
            serde_json::Value::String(raw) if self.invalid_arguments => raw,
            v => v.to_string(),
        };
        format!("{}({args})", self.name)
    }
}

use serde_json::value::RawValue;

/// A model's arguments text as JSON, when it is one object (empty text is `{}`): as sent when
/// it is one line (most are), else re-written compactly, so a JSONL row stays one line.
fn object_text(text: &str) -> Option<Box<RawValue>> {
    let t = text.trim();
    if t.is_empty() {
        return RawValue::from_string("{}".into()).ok();
    }
    if !t.starts_with('{') {
        return None;
    }
    if t.bytes().all(|b| b >= 0x20) {
        // Checked as JSON without building a tree.
        let raw: &RawValue = serde_json::from_str(t).ok()?;
        return Some(raw.to_owned());
    }
    let v: serde_json::Value = serde_json::from_str(t).ok()?;
    v.is_object()
        .then(|| RawValue::from_string(v.to_string()).ok())
        .flatten()
}

/// Text as a JSON string.
fn string_raw(text: &str) -> Box<RawValue> {
    serde_json::value::to_raw_value(text).unwrap_or_default()
}

/// A list as JSON: an array in JSON output, and (through the same raw value) its JSON text in
/// a CSV field.
pub(crate) fn json_text<T: Serialize, S: serde::Serializer>(
    v: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    // Written by serde_json, so JSON already: not parsed again to check it.
    serde_json::value::to_raw_value(v)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

/// A number of dollars as a plain decimal: no float noise (`0.000351`, not
/// `0.00035099999999999997`), never in exponent form (`0.00000122`, not `1.22e-6`). A number in
/// JSON, a field in CSV.
pub fn decimal<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    match v {
        Some(x) => match serde_json::value::RawValue::from_string(plain_decimal(*x)) {
            Ok(raw) => raw.serialize(s),
            Err(_) => s.serialize_none(),
        },
        None => s.serialize_none(),
    }
}

/// `x` with at most 12 decimals, trailing zeros dropped; not finite is `0`.
pub fn plain_decimal(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let s = format!("{x:.12}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    match s {
        "" | "-0" => "0".into(),
        s => s.to_string(),
    }
}

/// What a job cost: the provider's own figure, else its usage at the catalog's price when it
/// started, by the model id the provider reports (a dated snapshot), else the one requested.
pub fn cost(r: &JobResult, catalog: &Catalog) -> Option<f64> {
    let reported = r.response.model_id.as_deref().unwrap_or(&r.model);
    let price = catalog
        .price(&r.provider, reported, r.started_at)
        .or_else(|| catalog.price(&r.provider, &r.model, r.started_at));
    crate::catalog::cost(price, &r.response.usage)
}

/// A batch's price as a share of the list price, where the catalog has no batch price (the
/// share OpenAI, Anthropic and Google document): an estimate.
pub const BATCH_PRICE: f64 = 0.5;

/// What a job was billed: [`cost`], at the provider's batch price for a result read back from
/// a batch (the share the catalog documents, else [`BATCH_PRICE`] as an estimate). The cost,
/// and whether the batch share was estimated. A figure the provider reported itself is kept.
pub fn billed(r: &JobResult, catalog: &Catalog) -> (Option<f64>, BatchShare) {
    let c = cost(r, catalog);
    if r.batch.is_none() || c.is_none() || r.response.usage.provider_cost_usd.is_some() {
        return (c, BatchShare::None);
    }
    match catalog.batch_price(&r.provider) {
        Some(b) => (c.map(|c| c * b.share), BatchShare::Documented(b.share)),
        None => (c.map(|c| c * BATCH_PRICE), BatchShare::Estimated),
    }
}

/// How a cost was brought to a batch price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BatchShare {
    /// Not a batch result (or the provider said what it billed).
    None,
    /// The provider's documented share of the list price.
    Documented(f64),
    /// Estimated at [`BATCH_PRICE`]: the catalog has no batch price for the provider.
    Estimated,
}

/// A finished job's row, projected the first time a sink asks for it and shared after: the
/// outputs and the history read one projection instead of each making its own (a row can carry
/// an answer's megabytes and a hundred thousand tool calls).
pub struct Projected<'a> {
    result: &'a JobResult,
    catalog: &'a Catalog,
    row: std::cell::OnceCell<std::sync::Arc<Row>>,
}

impl<'a> Projected<'a> {
    pub fn new(result: &'a JobResult, catalog: &'a Catalog) -> Projected<'a> {
        Projected {
            result,
            catalog,
            row: std::cell::OnceCell::new(),
        }
    }

    /// The row, projected now if no one asked before.
    pub fn row(&self) -> &std::sync::Arc<Row> {
        self.row
            .get_or_init(|| std::sync::Arc::new(Row::project(self.result, self.catalog)))
    }
}

impl std::fmt::Debug for Projected<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projected")
            .field("projected", &self.row.get().is_some())
            .finish_non_exhaustive()
    }
}

fn ms(d: std::time::Duration) -> u64 {
    d.as_millis().min(u128::from(u64::MAX)) as u64
}

impl Row {
    /// The row of a job's result: the one projection every output (CSV, JSON, JSONL, table,
    /// Markdown) uses. Prices come from `catalog` at the time the job started.
    pub fn project(r: &JobResult, catalog: &Catalog) -> Row {
        let resp = &r.response;
        let model_id = resp.model_id.clone().unwrap_or_else(|| r.model.clone());
        let (cost, share) = billed(r, catalog);
        let mut notes = r.notes.clone();
        match share {
            BatchShare::Documented(share) => notes.push(format!(
                "cost at the provider's batch price, {}% of the list price",
                (share * 100.0).round()
            )),
            BatchShare::Estimated => notes.push(
                "cost at the batch price, estimated at half the list price (the catalog has no batch price for this provider)"
                    .into(),
            ),
            BatchShare::None => {}
        }
        let batch_estimated = share == BatchShare::Estimated;
        let latency = r.latency.unwrap_or_default();
        // Output speed after the first token; for unstreamed answers, over the whole call.
        let gen_time = match r.ttft {
            Some(t) => latency.saturating_sub(t),
            None => latency,
        };
        let tokens_per_s = match resp.usage.output_tokens {
            Some(n) if n > 0 && gen_time.as_secs_f64() > 0.0005 && r.error.is_none() => {
                Some(((n as f64 / gen_time.as_secs_f64()) * 10.0).round() / 10.0)
            }
            _ => None,
        };
        let has_usage = resp.usage.input_tokens.is_some() || resp.usage.output_tokens.is_some();
        let tokens_estimated = resp.usage.input_estimated || resp.usage.output_estimated;
        let cost_estimated = batch_estimated
            || (cost.is_some() && tokens_estimated && resp.usage.provider_cost_usd.is_none());
        let fallback_from = (!r.tried.is_empty()).then(|| {
            r.tried
                .iter()
                .map(|t| format!("{} ({})", t.name, t.error.message))
                .collect::<Vec<_>>()
                .join("; ")
        });
        Row {
            model: r.label.clone(),
            provider: r.provider.clone(),
            model_id,
            output: resp.text.clone(),
            tool_calls: resp.tool_calls.iter().map(Call::of).collect(),
            latency_ms: r.latency.map(ms),
            ttft_ms: r.ttft.map(ms),
            total_ms: r.total.map(ms),
            input_tokens: resp.usage.input_tokens,
            output_tokens: resp.usage.output_tokens,
            cached_tokens: has_usage.then_some(resp.usage.cached_input_tokens),
            reasoning_tokens: has_usage.then_some(resp.usage.reasoning_tokens),
            tokens_estimated,
            tokens_per_s,
            cost_usd: cost,
            cost_estimated,
            finish_reason: resp
                .finish_raw
                .as_ref()
                .map(|_| resp.finish.as_str().to_string()),
            error: r.error.as_ref().map(|e| e.message.clone()),
            error_kind: r.error.as_ref().map(|e| e.kind),
            attempts: r.attempts,
            fallback_from,
            notes,
            input_estimated: resp.usage.input_estimated,
            output_estimated: resp.usage.output_estimated,
            error_limit: r.error.as_ref().and_then(|e| e.limit),
        }
    }

    /// A row for `model` at `provider` with nothing measured yet.
    pub fn empty(model: &str, provider: &str, model_id: &str) -> Row {
        Row {
            model: model.to_string(),
            provider: provider.to_string(),
            model_id: model_id.to_string(),
            output: String::new(),
            tool_calls: Vec::new(),
            latency_ms: None,
            ttft_ms: None,
            total_ms: None,
            input_tokens: None,
            output_tokens: None,
            cached_tokens: None,
            reasoning_tokens: None,
            tokens_estimated: false,
            tokens_per_s: None,
            cost_usd: None,
            cost_estimated: false,
            finish_reason: None,
            error: None,
            error_kind: None,
            attempts: 0,
            fallback_from: None,
            notes: Vec::new(),
            input_estimated: false,
            output_estimated: false,
            error_limit: None,
        }
    }
}

#[cfg(test)]
mod call_tests {
    use super::*;
    use crate::provider::ToolCall;

    fn call(arguments: &str) -> Call {
        Call::of(&ToolCall {
            id: Some("c1".into()),
            name: "f".into(),
            arguments: arguments.into(),
            signature: None,
        })
    }

    #[test]
    fn arguments_are_the_models_text_on_one_line() {
        let c = call(r#"{"b": 1, "a": [2]}"#);
        assert_eq!(
            c.arguments.get(),
            r#"{"b": 1, "a": [2]}"#,
            "as sent, key order kept"
        );
        assert!(!c.invalid_arguments);
        let c = call("{\n  \"a\":\t1\n}");
        assert_eq!(
            c.arguments.get(),
            r#"{"a":1}"#,
            "one line, no control characters"
        );
        assert_eq!(call("  ").arguments.get(), "{}");
        for bad in ["[1]", "{\"a\":", "nope", "{\"a\":1} x"] {
            let c = call(bad);
            assert!(c.invalid_arguments, "{bad}");
            assert_eq!(c.arguments_value(), serde_json::Value::String(bad.into()));
        }
        let text = crate::safe::json_escape_controls(
            &serde_json::to_string(&[call("{\n\"x\":\"\u{2028}\"}")]).unwrap(),
        )
        .into_owned();
        assert_eq!(text.lines().count(), 1, "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0]["arguments"]["x"], "\u{2028}");
    }
}

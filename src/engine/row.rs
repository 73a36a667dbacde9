//! One row of results: the stable, documented columns of CSV, JSON and JSONL output.

use serde::Serialize;

use super::Job;
use crate::catalog::Catalog;
use crate::provider::run::{CallOutcome, Target};
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
    pub latency_ms: Option<u64>,
    pub ttft_ms: Option<u64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cached_tokens: Option<u64>,
    pub reasoning_tokens: Option<u64>,
    pub tokens_per_s: Option<f64>,
    pub cost_usd: Option<f64>,
    pub finish_reason: Option<String>,
    pub error: Option<String>,
    /// `auth`, `rate_limit`, `overloaded`, `bad_request`, `not_found`, `server`, `timeout`,
    /// `network`, `decode`, `too_large`, `missing_key` or `cancelled`.
    pub error_kind: Option<ErrorKind>,
    /// HTTP requests made for this row, retries and fallbacks included.
    pub attempts: u32,
    /// The models tried before the one that answered, each with why it failed.
    pub fallback_from: Option<String>,
    /// `provider/model` as requested of the provider that filled this row.
    #[serde(skip)]
    pub requested: String,
}

fn ms(d: std::time::Duration) -> u64 {
    d.as_millis().min(u128::from(u64::MAX)) as u64
}

impl Row {
    /// The row for `label`, answered (or not) by `target`.
    pub fn from_outcome(
        label: &str,
        target: &Target,
        o: &CallOutcome,
        catalog: &Catalog,
        at: std::time::SystemTime,
    ) -> Row {
        let r = &o.response;
        let model_id = r.model_id.clone().unwrap_or_else(|| target.model.clone());
        let provider = target.provider.id.clone();
        // Price by the id the provider reports (a dated snapshot), else by the one requested.
        let price = catalog
            .price(&provider, &model_id, at)
            .or_else(|| catalog.price(&provider, &target.model, at));
        let cost = crate::catalog::cost(price, &r.usage);
        // Output speed after the first token; for unstreamed answers, over the whole call.
        let gen_time = match o.ttft {
            Some(t) => o.latency.saturating_sub(t),
            None => o.latency,
        };
        let tokens_per_s = match r.usage.output_tokens {
            Some(n) if n > 0 && gen_time.as_secs_f64() > 0.0005 && o.error.is_none() => {
                Some(((n as f64 / gen_time.as_secs_f64()) * 10.0).round() / 10.0)
            }
            _ => None,
        };
        let has_usage = r.usage.input_tokens.is_some() || r.usage.output_tokens.is_some();
        Row {
            model: label.to_string(),
            provider,
            model_id,
            output: r.text.clone(),
            // A job that was never sent (no key) has no latency.
            latency_ms: (o.error.as_ref().map(|e| e.kind) != Some(ErrorKind::MissingKey))
                .then(|| ms(o.latency)),
            ttft_ms: o.ttft.map(ms),
            input_tokens: r.usage.input_tokens,
            output_tokens: r.usage.output_tokens,
            cached_tokens: has_usage.then_some(r.usage.cached_input_tokens),
            reasoning_tokens: has_usage.then_some(r.usage.reasoning_tokens),
            tokens_per_s,
            cost_usd: cost,
            finish_reason: r.finish_raw.as_ref().map(|_| r.finish.as_str().to_string()),
            error: o.error.as_ref().map(|e| e.message.clone()),
            error_kind: o.error.as_ref().map(|e| e.kind),
            attempts: o.attempts,
            fallback_from: None,
            requested: format!("{}/{}", target.provider.id, target.model),
        }
    }

    /// A row for `model` at `provider` with nothing measured yet.
    pub fn empty(model: &str, provider: &str, model_id: &str) -> Row {
        Row {
            model: model.to_string(),
            provider: provider.to_string(),
            model_id: model_id.to_string(),
            output: String::new(),
            latency_ms: None,
            ttft_ms: None,
            input_tokens: None,
            output_tokens: None,
            cached_tokens: None,
            reasoning_tokens: None,
            tokens_per_s: None,
            cost_usd: None,
            finish_reason: None,
            error: None,
            error_kind: None,
            attempts: 0,
            fallback_from: None,
            requested: format!("{provider}/{model_id}"),
        }
    }

    pub fn cancelled(job: &Job) -> Row {
        let target = &job.links[0].target;
        Row {
            error: Some("cancelled".into()),
            error_kind: Some(ErrorKind::Cancelled),
            ..Row::empty(&job.label, &target.provider.id, &target.model)
        }
    }
}

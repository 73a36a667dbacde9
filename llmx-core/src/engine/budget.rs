//! The one cost reservation. Before a job is sent, the most it could cost is reserved against
//! the cap; when it ends, the reservation is settled with what it really cost. Spend therefore
//! never passes the cap, unless a provider bills more than the worst case it documents — and
//! then the budget says so ([`BudgetHalt::Overrun`]) and no more jobs are sent.
//!
//! A request's worst case counts everything that is billed, at the price of the dearest link of
//! its fallback chain (only one link answers, but which one is not known in advance):
//!
//! - input: every byte of text the request carries — system prompt, every turn, tool calls and
//!   results, and the tool definitions (providers bill them as input) — at one token a byte,
//!   the most any byte-level tokenizer makes of it; 4 tokens of framing per turn and 3 for the
//!   reply; 400 for the tool-use prompt providers add when tools are offered (Anthropic
//!   documents up to 346); each image by its provider's documented formula
//!   ([`crate::provider::image::worst_tokens`]);
//! - output: the request's output cap (`max_tokens`), else the catalog's maximum output for the
//!   model. Reasoning tokens are part of the output and within that cap.
//!
//! Compare, bench, the server and a batch backend all reserve through [`Budget`].

use std::sync::Mutex;
use std::time::SystemTime;

use super::Job;
use crate::catalog::Catalog;
use crate::provider::{ChatRequest, Part, Usage};

/// Why a job's worst case cannot be known, so `--max-cost` cannot bound it.
#[derive(Debug, Clone, PartialEq)]
pub enum Unbounded {
    /// Neither the request nor the catalog says how much the model may write.
    NoMaxOutput { label: String, link: String },
    /// The catalog has no price for the model.
    Unpriced { label: String, link: String },
}

/// Why a budget stopped a run from sending more.
#[derive(Debug, Clone, PartialEq)]
pub enum BudgetHalt {
    /// The next job's worst case does not fit beside what is spent and reserved.
    Full {
        label: String,
        next: f64,
        spent: f64,
        reserved: f64,
        cap: f64,
    },
    /// A provider billed more than the worst case reserved for the request: its own documented
    /// figures were passed, and nothing more is sent.
    Overrun {
        label: String,
        reserved: f64,
        billed: f64,
    },
    /// A job's worst case cannot be known.
    Unbounded(Unbounded),
}

/// A spending cap and what stands against it.
#[derive(Debug)]
pub struct Budget {
    cap: f64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Settled: what finished jobs cost (their worst case when their cost is not known).
    spent: f64,
    /// Held for jobs in flight.
    reserved: f64,
}

impl Budget {
    /// A cap of `cap` USD, of which `spent` is gone already (a daily cap read back from the
    /// history, say).
    pub fn new(cap: f64, spent: f64) -> Budget {
        Budget {
            cap,
            state: Mutex::new(State {
                spent,
                reserved: 0.0,
            }),
        }
    }

    pub fn cap(&self) -> f64 {
        self.cap
    }

    /// What finished jobs cost so far.
    pub fn spent(&self) -> f64 {
        self.lock().spent
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hold `amount` for a job about to be sent, if it fits.
    pub fn reserve(&self, label: &str, amount: f64) -> Result<f64, BudgetHalt> {
        let mut s = self.lock();
        if s.spent + s.reserved + amount > self.cap {
            return Err(BudgetHalt::Full {
                label: label.to_string(),
                next: amount,
                spent: s.spent,
                reserved: s.reserved,
                cap: self.cap,
            });
        }
        s.reserved += amount;
        Ok(amount)
    }

    /// Reserve `job`'s worst case (see the module docs).
    pub fn reserve_job(
        &self,
        job: &Job,
        catalog: &Catalog,
        at: SystemTime,
    ) -> Result<f64, BudgetHalt> {
        let worst = worst_case(job, catalog, at).map_err(BudgetHalt::Unbounded)?;
        self.reserve(&job.label, worst)
    }

    /// A job that held `reserved` ended having cost `billed` (`None`: unknown, so it counts at
    /// its worst case). A bill above the reservation is an overrun: it is returned, and the
    /// caller stops sending.
    pub fn settle(&self, label: &str, reserved: f64, billed: Option<f64>) -> Option<BudgetHalt> {
        let mut s = self.lock();
        s.reserved = (s.reserved - reserved).max(0.0);
        let cost = billed
            .filter(|c| c.is_finite() && *c >= 0.0)
            .unwrap_or(reserved);
        s.spent += cost;
        // A relative slack for the float arithmetic of the two computations, nothing more.
        (cost > reserved * (1.0 + 1e-9) + 1e-12).then(|| BudgetHalt::Overrun {
            label: label.to_string(),
            reserved,
            billed: cost,
        })
    }
}

/// Framing a turn adds to its text, and the reply's priming.
const TOKENS_PER_TURN: u64 = 4;
const TOKENS_FOR_REPLY: u64 = 3;
/// What providers add to the input when tools are offered (Anthropic documents up to 346).
const TOKENS_FOR_TOOL_USE: u64 = 400;

/// The most `job` could cost: the dearest of the links that can be sent. Links that cannot
/// (no key, a preflight error) cost nothing; a job none of whose links can be sent costs 0.
pub fn worst_case(job: &Job, catalog: &Catalog, at: SystemTime) -> Result<f64, Unbounded> {
    let mut worst = 0.0f64;
    for link in job.links.iter().filter(|l| l.preflight.is_none()) {
        let t = &link.target;
        // The offline mock is answered by llmx itself and costs nothing.
        if t.provider.is_offline() {
            continue;
        }
        let name = link.name();
        let entry = catalog.lookup(&t.provider.id, &t.model);
        // What the request asks for, else what its dialect sends when asked for nothing
        // (Anthropic requires a figure), else the most the model can write.
        let asked = job
            .request
            .max_tokens
            .or_else(|| t.provider.dialect.wire().default_max_tokens());
        let output = match (asked, entry.and_then(|m| m.max_output)) {
            (Some(n), Some(most)) => u64::from(n).min(most),
            (Some(n), None) => u64::from(n),
            (None, Some(n)) => n,
            (None, None) => {
                return Err(Unbounded::NoMaxOutput {
                    label: job.label.clone(),
                    link: name,
                })
            }
        };
        let price =
            catalog
                .price(&t.provider.id, &t.model, at)
                .ok_or_else(|| Unbounded::Unpriced {
                    label: job.label.clone(),
                    link: name.clone(),
                })?;
        let input = input_tokens(&job.request, t.provider.dialect, &t.model);
        let usage = Usage {
            input_tokens: Some(input),
            output_tokens: Some(output),
            ..Default::default()
        };
        // The priced figure, never a provider's own (there is none before sending).
        let cost = crate::catalog::cost(Some(price), &usage).unwrap_or(f64::INFINITY);
        worst = worst.max(cost);
    }
    Ok(worst)
}

/// The most input tokens `req` can be billed as on `dialect`'s provider for `model`.
pub fn input_tokens(req: &ChatRequest, dialect: crate::provider::Dialect, model: &str) -> u64 {
    let mut bytes = req.system.as_ref().map_or(0, |s| s.len() as u64);
    let mut images = 0u64;
    let mut turns = 0u64;
    for m in &req.messages {
        turns += 1;
        for p in &m.content {
            match p {
                Part::Image(i) => {
                    let dims = i.prefer_inline().ok().and_then(|i| i.dims);
                    images += crate::provider::image::worst_tokens(dialect, model, dims);
                }
                p => bytes += p.billed_bytes(),
            }
        }
    }
    let tools: u64 = req.tools.iter().map(|t| t.billed_bytes()).sum();
    let tool_use = if req.tools.is_empty() {
        0
    } else {
        TOKENS_FOR_TOOL_USE
    };
    bytes + tools + images + tool_use + TOKENS_PER_TURN * (turns + 1) + TOKENS_FOR_REPLY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_never_pass_the_cap_and_overruns_are_reported() {
        let b = Budget::new(1.0, 0.25);
        assert_eq!(b.reserve("a", 0.5), Ok(0.5));
        let full = b.reserve("b", 0.3).unwrap_err();
        assert!(
            matches!(full, BudgetHalt::Full { next, .. } if next == 0.3),
            "{full:?}"
        );
        // Settled below its worst case: the rest is free again.
        assert_eq!(b.settle("a", 0.5, Some(0.1)), None);
        assert!((b.spent() - 0.35).abs() < 1e-12);
        assert_eq!(b.reserve("b", 0.3), Ok(0.3));
        // Unknown cost counts at its worst case.
        assert_eq!(b.settle("b", 0.3, None), None);
        assert!((b.spent() - 0.65).abs() < 1e-12);
        // A bill above the reservation is an overrun.
        assert_eq!(b.reserve("c", 0.1), Ok(0.1));
        assert_eq!(
            b.settle("c", 0.1, Some(0.2)),
            Some(BudgetHalt::Overrun {
                label: "c".into(),
                reserved: 0.1,
                billed: 0.2
            })
        );
    }

    #[test]
    fn many_threads_reserving_at_once_stay_within_the_cap() {
        let b = std::sync::Arc::new(Budget::new(1.0, 0.0));
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let b = b.clone();
                std::thread::spawn(move || {
                    (0..1000).filter(|_| b.reserve("x", 0.001).is_ok()).count()
                })
            })
            .collect();
        let granted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert!(granted as f64 * 0.001 <= 1.0 + 1e-9, "{granted}");
        assert!(granted >= 999, "the cap is used, not wasted: {granted}");
    }
}

//! `llmx bench`'s model of a benchmark: the prompts × models × repeats cells, the order they are
//! sent in (round-robin across models, shuffled by a seed, so no model gets all the early or
//! late slots), which of them a shard runs, the run's identity, and the rows and summary it
//! produces. No I/O here beyond reading prompt files; the command drives the engine.

pub mod expect;
pub mod findings;
pub mod prompts;
pub mod rows;
pub mod stored;
pub mod summary;

use crate::catalog::Catalog;
use crate::job::JobResult;
use prompts::{Prompt, Prompts};
use rows::{ms3, BenchRow, Head, Tail};

/// One request of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cell {
    /// Index into the prompts.
    pub prompt: u32,
    /// Index into the models.
    pub model: u32,
    /// 1-based; 0 for a warm-up request (sent first, never written).
    pub repeat: u32,
}

impl Cell {
    pub fn is_warmup(&self) -> bool {
        self.repeat == 0
    }
}

/// The benchmark's size.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub prompts: u32,
    pub models: u32,
    pub repeats: u32,
}

/// `--shard I/N`: the cells whose position in prompt, model, repeat order is I-1 modulo N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard I/N with 1 <= I <= N, e.g. 1/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<u32>().map_err(|_| bad())?,
            n.trim().parse::<u32>().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    fn holds(&self, canonical: u64) -> bool {
        canonical % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl Shape {
    /// The cell's position when cells are listed prompt by prompt, model by model, repeat by
    /// repeat: the same in every shard.
    fn canonical(&self, c: &Cell) -> u64 {
        (u64::from(c.prompt) * u64::from(self.models) + u64::from(c.model))
            * u64::from(self.repeats)
            + u64::from(c.repeat - 1)
    }

    pub fn cells(&self) -> u64 {
        u64::from(self.prompts) * u64::from(self.models) * u64::from(self.repeats)
    }

    /// Every cell of this shard (all of them without one), in sending order: rounds of one
    /// cell per model, one round per (prompt, repeat), the rounds and the models within each
    /// round shuffled by `seed`.
    pub fn order(&self, seed: u64, shard: Option<Shard>) -> Vec<Cell> {
        let mut rng = SplitMix(seed);
        let mut rounds: Vec<(u32, u32)> = (0..self.prompts)
            .flat_map(|p| (1..=self.repeats).map(move |r| (p, r)))
            .collect();
        rng.shuffle(&mut rounds);
        let mut models: Vec<u32> = (0..self.models).collect();
        let mut out = Vec::new();
        for (prompt, repeat) in rounds {
            rng.shuffle(&mut models);
            for &model in &models {
                let cell = Cell {
                    prompt,
                    model,
                    repeat,
                };
                if shard.is_none_or(|s| s.holds(self.canonical(&cell))) {
                    out.push(cell);
                }
            }
        }
        out
    }

    /// `n` warm-up requests per model, round-robin, on the prompts in turn.
    pub fn warmups(&self, n: u32) -> Vec<Cell> {
        (0..n)
            .flat_map(|w| {
                (0..self.models).map(move |model| Cell {
                    prompt: w % self.prompts.max(1),
                    model,
                    repeat: 0,
                })
            })
            .collect()
    }
}

/// A small, seedable generator (SplitMix64): the same seed gives the same order on every
/// machine and every version.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// The run's id: a hash of what makes its rows comparable (each prompt's id, text, system and
/// check; the models; the repeats; the request settings), so shards of one benchmark and
/// resumes of it share it, and a different benchmark never does. FNV-1a, stable everywhere.
pub fn run_id(parts: &[&str]) -> String {
    let mut id = RunId::new();
    for part in parts {
        id.add(part);
    }
    id.finish()
}

/// [`run_id`] a part at a time.
pub struct RunId(u64);

impl Default for RunId {
    fn default() -> Self {
        RunId::new()
    }
}

impl RunId {
    pub fn new() -> RunId {
        RunId(0xcbf2_9ce4_8422_2325)
    }

    pub fn add(&mut self, part: &str) {
        for b in part.bytes().chain([0xff]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn finish(&self) -> String {
        format!("{:012x}", self.0 >> 16)
    }
}

/// What the sinks know of the run: its id, its prompts, and the cell each job index stands for.
#[derive(Clone, Copy)]
pub struct RunMap<'a> {
    pub run_id: &'a str,
    pub prompts: &'a Prompts,
    /// By job index: warm-ups first, then the cells to run.
    pub order: &'a [Cell],
}

impl RunMap<'_> {
    /// The cell a result is for (a warm-up's included).
    pub fn cell(&self, r: &JobResult) -> Option<Cell> {
        self.order.get(r.index).copied()
    }

    /// The measured cell a result is for (not a warm-up), its prompt (read back from the
    /// set), and whether the answer passed the prompt's check (`None`: no check, the request
    /// failed, or — the set's temporary file failing — the prompt could not be read back, when
    /// only its id is known).
    pub fn measured(&self, r: &JobResult) -> Option<(Cell, Prompt, Option<bool>)> {
        let cell = self.cell(r).filter(|c| !c.is_warmup())?;
        let id = self.prompts.id(cell.prompt as usize)?;
        let prompt = self
            .prompts
            .get(cell.prompt as usize)
            .unwrap_or_else(|_| Prompt {
                id: id.to_string(),
                text: String::new(),
                system: None,
                expect: None,
            });
        let pass = match (&prompt.expect, &r.error) {
            (Some(e), None) => Some(e.check(&r.response.text)),
            _ => None,
        };
        Some((cell, prompt, pass))
    }

    /// The row of a finished measured request.
    pub fn row(&self, r: &JobResult, catalog: &Catalog) -> Option<BenchRow> {
        let (cell, prompt, pass) = self.measured(r)?;
        Some(BenchRow {
            head: Head {
                run_id: self.run_id.to_string(),
                prompt_id: prompt.id,
                repeat: cell.repeat,
            },
            row: crate::row::Row::project(r, catalog),
            tail: Tail {
                itl_ms: r.itl.map(ms3),
                pass,
                started_at: crate::clock::rfc3339(r.started_at),
                batch: r.batch.is_some(),
                provider_request_id: r.batch.as_ref().and_then(|b| b.request_id.clone()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const SHAPE: Shape = Shape {
        prompts: 7,
        models: 3,
        repeats: 2,
    };

    #[test]
    fn every_cell_once_in_rounds_of_one_per_model() {
        let order = SHAPE.order(0, None);
        assert_eq!(order.len() as u64, SHAPE.cells());
        let unique: HashSet<Cell> = order.iter().copied().collect();
        assert_eq!(unique.len(), order.len());
        for round in order.chunks(3) {
            let mut models: Vec<u32> = round.iter().map(|c| c.model).collect();
            models.sort_unstable();
            assert_eq!(models, [0, 1, 2]);
            assert!(round
                .iter()
                .all(|c| (c.prompt, c.repeat) == (round[0].prompt, round[0].repeat)));
        }
        // Shuffled: the first model of a round is not always the same one, and the seed decides.
        let firsts: HashSet<u32> = order.chunks(3).map(|r| r[0].model).collect();
        assert!(firsts.len() > 1);
        assert_eq!(order, SHAPE.order(0, None));
        assert_ne!(order, SHAPE.order(1, None));
    }

    #[test]
    fn shards_split_the_cells_exactly() {
        let all: HashSet<Cell> = SHAPE.order(0, None).into_iter().collect();
        let one = SHAPE.order(0, Some(Shard::parse("1/2").unwrap()));
        let two = SHAPE.order(5, Some(Shard::parse("2/2").unwrap()));
        assert_eq!(one.len() + two.len(), all.len());
        let union: HashSet<Cell> = one.iter().chain(&two).copied().collect();
        assert_eq!(union, all);
        for bad in ["0/2", "3/2", "1", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn warmups_cover_every_model() {
        let w = SHAPE.warmups(2);
        assert_eq!(w.len(), 6);
        assert!(w.iter().all(Cell::is_warmup));
        assert_eq!(w.iter().filter(|c| c.model == 2).count(), 2);
    }

    #[test]
    fn the_run_id_is_stable_and_tells_benchmarks_apart() {
        assert_eq!(run_id(&["a", "b"]), run_id(&["a", "b"]));
        assert_ne!(run_id(&["a", "b"]), run_id(&["ab"]));
        assert_eq!(run_id(&["a", "b"]).len(), 12);
    }
}

//! The consumers of a run's events ([`crate::engine::Sink`]s): the progress display, `ask`'s
//! streaming writer, the result writers (rows appended and flushed as each job finishes, or a
//! table rendered at the end) and the latency record `--route fastest` reads. Each is
//! independent of the engine and of the others; a command picks the ones it needs.

pub mod bench;
pub mod file;
pub mod history;
pub mod progress;
pub mod rows;
pub mod stream;

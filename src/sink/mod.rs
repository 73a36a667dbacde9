//! The CLI's consumers of a run's events ([`llmx_core::engine::Sink`]s): the progress display,
//! `ask`'s streaming writer and the result writers (rows appended and flushed as each job
//! finishes, or a table rendered at the end). The history sink is the core's. Each is
//! independent of the engine and of the others; a command picks the ones it needs.

pub mod bench;
pub mod dest;
pub mod progress;
pub mod rows;
pub mod stream;
pub mod wire;

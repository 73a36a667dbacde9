//! llmx's library core: everything that sends a prompt to a model and keeps what came back,
//! with no terminal and no command line. The `llmx` binary (and, next, `llmx serve`) are thin
//! clients of one long-lived [`Engine`].
//!
//! # Layout
//! - [`provider`]: the provider-neutral conversation and response types, the registry (one row
//!   per provider), HTTP, SSE, one module per wire dialect, the offline mock, and
//!   [`provider::run`]: one call with its timing, retries, caps, redaction and settling.
//! - [`engine`]: [`Engine`] (built once per process: HTTP client, process-wide limits, catalog,
//!   keys, clock, history writer), jobs and fallback chains, events and sinks, model resolution
//!   and routing, and the execution seam ([`engine::transport`]).
//! - [`pipeline`]: a run's request built from its spec (images, tools), planned, prepared and
//!   checked before anything is sent; [`pipeline::budget`]: the one cost reservation.
//! - [`catalog`]: models, prices, aliases, routing families; refresh.
//! - [`keys`], [`secret`], [`env`], [`clock`]: where keys come from, how they stay hidden, the
//!   environment snapshot and the clock.
//! - [`history`]: the SQLite store, its one writer per process, the sink that feeds it, the reports.
//! - [`row`]: the documented result columns; [`bench`]: a benchmark's prompts, checks, cells,
//!   order, rows, stored files and summary.
//! - [`safe`], [`csv_safe`], [`input`], [`file`], [`suggest`]: text made safe to show (and to open in
//!   a spreadsheet), bounded reading of the
//!   user's files, files written through a temporary file, did-you-mean.
//!
//! Nothing here prints or reads the process environment on its own: errors carry data and a
//! plain message, and the front end words them for its users.

pub mod batch;
pub mod bench;
pub mod catalog;
pub mod clock;
pub mod csv_safe;
pub mod engine;
pub mod env;
pub mod event;
pub mod file;
pub mod gather;
pub mod history;
pub mod input;
pub mod job;
pub mod keys;
pub mod percent;
pub mod pipeline;
pub mod provider;
pub mod row;
pub mod safe;
pub mod secret;
pub mod suggest;

pub use engine::Engine;

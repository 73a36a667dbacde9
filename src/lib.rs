//! llmx: one prompt, many models, one table.
//!
//! # Layout
//! - [`provider`]: the shared provider layer (internal model, registry, HTTP, SSE, one module per
//!   wire dialect, the offline mock provider).
//! - [`auth`]: the `Secret` type, key lookup, scrubbing of key-like text.
//! - [`settings`]: the environment and flags resolved once before a command runs.

pub mod auth;
pub mod bench;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod history;
pub mod output;
pub mod provider;
pub mod render;
pub mod settings;
pub mod sink;
pub mod sys;

/// Replace Rust's panic message with one that names only where the panic happened: a panic's
/// payload can hold anything it was formatted from (an environment value, a key, a server's
/// text), so it is never printed. Exit code 101, as for any panic.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        output::diag(format!(
            "error: llmx hit an internal error{place}; this is a bug, please report it (the details are withheld: they could hold secrets)"
        ));
    }));
}

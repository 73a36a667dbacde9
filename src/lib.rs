//! llmx, the command line: a thin client of [`llmx_core`]'s [`llmx_core::Engine`].
//!
//! # Layout
//! - [`cli`]: the clap definitions (their doc comments are the help text); [`validate`]: each
//!   value's check, shared by flags, env vars and the config file.
//! - [`settings`]: flags, then env, then the config file ([`config`]), then defaults, resolved
//!   once into plain values; commands take those, never clap types.
//! - [`commands`]: one file per subcommand; [`commands::run`] the CLI's side of a run (prompt,
//!   runtime, signals, recovery, exit codes).
//! - [`sink`]: the progress display, `ask`'s stream and the result writers; [`render`]: the
//!   table, Markdown, HTML report and listings; [`output`]: what may be printed where.
//! - [`error`]: every message a user sees, and the exit codes; [`sys`]: process-level facts.

// What `main` uses is public; everything else is the binary's own.
pub mod cli;
pub mod commands;
pub(crate) mod config;
pub mod error;
pub mod output;
pub(crate) mod render;
pub(crate) mod settings;
pub(crate) mod sink;
pub mod sys;
pub(crate) mod validate;

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

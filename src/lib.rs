//! llmx: one prompt, many models, one table.
//!
//! # Layout
//! - [`provider`]: the shared provider layer (internal model, registry, HTTP, SSE, one module per
//!   wire dialect, the offline mock provider).
//! - [`auth`]: the `Secret` type, key lookup, scrubbing of key-like text.
//! - [`settings`]: the environment and flags resolved once before a command runs.

pub mod auth;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod output;
pub mod provider;
pub mod render;
pub mod settings;
pub mod sink;

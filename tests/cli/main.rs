//! Integration tests: the real `llmx` binary against the in-repo mock provider server.

mod support;

mod ask;
mod batch;
mod bench;
mod budget;
mod clouds;
mod compare;
mod docs;
mod fidelity;
mod files;
mod first_hit;
mod history;
mod inspect;
mod models;
mod real_servers;
mod report;
mod resilience;
mod sdk;
mod serve;
mod setup;
mod stream_shapes;
mod tables;
mod terminal;
mod tools;
mod trust;

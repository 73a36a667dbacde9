//! Commands: each turns parsed arguments into settings, runs, and hands its results to a
//! renderer. Everything a user can get wrong is checked here, before anything is sent.

pub mod ask;
pub mod batch;
pub mod bench;
pub mod compare;
pub mod config;
pub mod history;
pub mod keys;
pub mod models;
pub mod past_bench;
pub mod pipeline;
pub mod serve;

use std::sync::{Arc, OnceLock};

use llmx_core::env::Env;
use llmx_core::history::HistoryWriter;
use llmx_core::provider::Registry;
use llmx_core::Engine;

use crate::cli::{Cli, Command};
use crate::error::{Error, Exit};
use crate::settings::PromptSources;

/// `1 row`, `2 rows`.
pub(crate) fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// What every command starts from, resolved once: the config file, the provider registry with
/// the config's providers and the env's base URLs laid over it, the key resolver, the clock,
/// llmx's paths, the catalog (parsed on first use: only some commands need it), and the one
/// engine and history writer of the process (built on first use). It holds no raw environment:
/// commands get what they need from here and from their settings. It is `Send + Sync`.
pub struct Context {
    pub registry: Registry,
    pub config: Option<crate::config::Config>,
    pub keys: Arc<llmx_core::keys::Keys>,
    pub clock: Arc<dyn llmx_core::clock::Clock>,
    pub paths: crate::settings::Paths,
    /// The proxies the environment names (never used for loopback targets).
    pub proxies: llmx_core::provider::http::Proxies,
    catalog: OnceLock<Arc<llmx_core::catalog::Catalog>>,
    engine: OnceLock<Engine>,
    history: OnceLock<Option<Arc<HistoryWriter>>>,
}

impl Context {
    pub fn load(env: &Env) -> Result<Context, Error> {
        let proxies = crate::settings::proxies(env)?;
        let config = crate::config::Config::load(env)?;
        let mut registry = Registry::builtin();
        if let Some(c) = &config {
            c.apply(&mut registry)?;
            for w in &c.warnings {
                crate::output::diag(format!("warning: {w}"));
            }
        }
        registry.apply_env(env);
        // The config may name more key variables.
        crate::settings::check_utf8(env, |n| crate::settings::read_by_llmx(n, &registry))?;
        let keys = llmx_core::keys::Keys::new(env, llmx_core::keys::store_for(env));
        Ok(Context {
            registry,
            config,
            keys: Arc::new(keys),
            clock: Arc::new(llmx_core::clock::SystemClock),
            paths: crate::settings::Paths::resolve(env),
            proxies,
            catalog: OnceLock::new(),
            engine: OnceLock::new(),
            history: OnceLock::new(),
        })
    }

    /// The catalog in use, parsed once.
    pub fn catalog(&self) -> &llmx_core::catalog::Catalog {
        self.catalog_arc()
    }

    fn catalog_arc(&self) -> &Arc<llmx_core::catalog::Catalog> {
        self.catalog.get_or_init(|| Arc::new(self.load_catalog()))
    }

    /// The process's one history writer, when llmx knows where the store lives.
    pub fn history_writer(&self) -> Option<&Arc<HistoryWriter>> {
        self.history
            .get_or_init(|| {
                let path = self.paths.history()?;
                Some(Arc::new(HistoryWriter::new(
                    path,
                    self.paths.latency_file(),
                )))
            })
            .as_ref()
    }

    /// The process's one engine, built on first use (a command builds it once; `connect`
    /// is its connect timeout).
    pub fn engine(&self, connect: std::time::Duration, verbose: u8) -> Result<&Engine, Error> {
        if let Some(e) = self.engine.get() {
            return Ok(e);
        }
        // Idle pooled connections are open files too: as many as may be in flight, at most.
        let idle = crate::sys::open_file_limit()
            .map_or(usize::MAX, |l| (l.saturating_sub(32) / 2).max(1) as usize);
        let mut client =
            llmx_core::provider::http::HttpClient::with_pool(connect, &self.proxies, idle)
                .map_err(|e| Error::HttpClient(e.message))?;
        if verbose > 0 {
            client = client.with_log(Arc::new(crate::sink::wire::StderrWireLog::new(verbose)));
        }
        let mut b = Engine::builder(self.registry.clone(), self.catalog_arc().clone())
            .keys(self.keys.clone())
            .clock(self.clock.clone())
            .http(client);
        if let Some(w) = self.history_writer() {
            b = b.history(w.clone());
        }
        let engine = b.build().map_err(|e| Error::HttpClient(e.message))?;
        Ok(self.engine.get_or_init(|| engine))
    }

    /// The config file as a report shows it: its path and its text with keys masked.
    pub fn config_shown(&self) -> Option<(String, String)> {
        self.config
            .as_ref()
            .map(|c| (c.path.display().to_string(), c.masked_toml()))
    }

    /// The engine, logging nothing.
    pub fn engine_quiet(&self, connect: std::time::Duration) -> Result<&Engine, Error> {
        self.engine(connect, 0)
    }

    /// Prices and names: the embedded catalog, refreshed data over it, then the user's aliases.
    pub fn load_catalog(&self) -> llmx_core::catalog::Catalog {
        let mut catalog = llmx_core::catalog::refresh::load(self.paths.catalog_cache().as_deref());
        if let Some(c) = &self.config {
            for (alias, target) in &c.file.aliases {
                catalog.aliases.insert(alias.clone(), target.clone());
            }
            let deployments = c.deployments();
            if !deployments.is_empty() {
                let unknown = catalog.add_deployments(
                    "azure",
                    "openai",
                    &deployments,
                    format!(
                        "[providers.azure.deployments] in {}: each deployment at its OpenAI model's list price (Azure's Global Standard deployments; Data Zone and regional ones cost more)",
                        c.path.display()
                    ),
                );
                for (name, model) in unknown {
                    crate::output::diag(format!(
                        "warning: [providers.azure.deployments] {name} runs `{model}`, which the catalog does not list; its cost stays unknown"
                    ));
                }
            }
        }
        catalog
    }

    /// The config's run defaults, with its `[history]` table.
    pub fn defaults(&self) -> crate::config::Defaults {
        self.config
            .as_ref()
            .map(|c| crate::config::Defaults {
                history: c.file.history,
                serve: c.file.serve.clone(),
                ..c.file.defaults.clone()
            })
            .unwrap_or_default()
    }
}

/// A server (and any thread of a command) can share the context: it is `Send + Sync`.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Context>();
};

/// Run the parsed command line.
pub fn run(cli: Cli) -> Result<Exit, Error> {
    if let Command::Completions { shell } = cli.command {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&crate::cli::completions(shell));
        return Ok(Exit::Success);
    }
    if let Command::Man { command, dir } = &cli.command {
        return man(command, dir.as_deref());
    }
    let env = Env::capture();
    crate::settings::check_utf8(&env, |n| {
        crate::settings::read_by_llmx(n, &Registry::builtin())
    })?;
    if let Command::Config(crate::cli::ConfigCommand::Init | crate::cli::ConfigCommand::Path) =
        &cli.command
    {
        // These work even when the current config file is broken.
        let crate::cli::Command::Config(c) = cli.command else {
            unreachable!("matched above")
        };
        return config::run_without_context(&crate::settings::Paths::resolve(&env), c);
    }
    let ctx = Context::load(&env)?;
    let facts = crate::settings::Facts {
        terminal: crate::output::Terminal::detect(&env, cli.color),
        stdin_is_data: stdin_is_data(),
        open_files: crate::sys::open_file_limit(),
    };
    let defaults = ctx.defaults();
    let about_keys = matches!(cli.command, Command::Keys(_));
    let result = match cli.command {
        Command::Compare(args) => {
            let s = crate::settings::CompareSettings::resolve(args, &env, &defaults, facts)?;
            compare::run(&ctx, s)
        }
        Command::Ask(args) => {
            let s = crate::settings::AskSettings::resolve(args, &env, &defaults, facts)?;
            ask::run(&ctx, s)
        }
        Command::Bench(args) => {
            let argv = std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            let s = crate::settings::BenchSettings::resolve(args, &env, &defaults, facts, argv)?;
            bench::run(&ctx, s)
        }
        Command::Serve(args) => {
            let s = crate::settings::ServeSettings::resolve(args, &env, &defaults)?;
            serve::run(&ctx, s)
        }
        Command::Batch(c) => batch::run(&ctx, c),
        Command::History(a) => {
            history::run(&ctx, crate::settings::ReportSettings::history(a, facts))
        }
        Command::Usage(a) => history::run(&ctx, crate::settings::ReportSettings::usage(a, facts)),
        Command::Leaderboard(a) => {
            history::run(&ctx, crate::settings::ReportSettings::leaderboard(a, facts))
        }
        Command::Models(args) => {
            models::run(&ctx, crate::settings::ModelsSettings::resolve(args, facts))
        }
        Command::Keys(k) => keys::run(&ctx, k, crate::output::decide(facts.terminal, true).width),
        Command::Config(c) => config::run(&ctx, c),
        Command::Completions { .. } | Command::Man { .. } => Ok(Exit::Success),
    };
    if let Some(f) = ctx.keys.take_store_failure() {
        if about_keys || first_notice(&ctx.paths, "keyring") {
            crate::output::diag(keyring_notice(&f));
        }
    }
    crate::error::note_keyring(ctx.keys.store_usable());
    result
}

/// One line about a keyring that cannot be used: never the platform's internals (D-Bus
/// addresses and errors), which help nobody reading a compare.
fn keyring_notice(f: &llmx_core::keys::StoreError) -> String {
    if f.unavailable {
        "note: no OS keyring on this system; keys come from env vars and the config file \
         (LLMX_NO_KEYRING=1 stops llmx looking)"
            .into()
    } else {
        format!(
            "note: the OS keyring failed ({}); keys come from env vars and the config file",
            f.message
        )
    }
}

/// Whether a notice named `name` is shown for the first time on this machine: true once, then
/// false for as long as the marker file in the cache dir stays (always true without one, so a
/// notice is never lost).
fn first_notice(paths: &crate::settings::Paths, name: &str) -> bool {
    let Some(dir) = &paths.cache_dir else {
        return true;
    };
    let marker = dir.join(format!("notice-{name}-shown"));
    if marker.exists() {
        return false;
    }
    let _ = std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&marker, b""));
    true
}

/// `llmx man`: a page to stdout, or every page into a directory (each written through a
/// temporary file renamed into place).
fn man(command: &[String], dir: Option<&std::path::Path>) -> Result<Exit, Error> {
    use std::io::Write;
    let Some(dir) = dir else {
        let page = crate::cli::man_page(command)
            .ok_or_else(|| Error::UnknownManPage(command.join(" ")))?;
        let _ = std::io::stdout().lock().write_all(&page);
        return Ok(Exit::Success);
    };
    let write = |name: &str, roff: &[u8]| -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut f = llmx_core::file::PendingFile::create(&dir.join(name))?;
        f.write_all(roff)?;
        f.commit()
    };
    let pages = crate::cli::man_pages();
    for (name, roff) in &pages {
        write(name, roff).map_err(|source| Error::WriteFile {
            path: dir.join(name),
            source,
        })?;
    }
    crate::output::diag(format!(
        "wrote {} man pages to {}",
        pages.len(),
        dir.display()
    ));
    Ok(Exit::Success)
}

/// A single-threaded runtime: every call is network-bound, and one thread starts fastest.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

/// Assemble the prompt; parts are joined by a blank line. `read_stdin` is only called when
/// stdin is one of the sources.
pub fn load_prompt(
    sources: &PromptSources,
    read_stdin: &mut dyn FnMut() -> std::io::Result<Vec<u8>>,
) -> Result<String, Error> {
    let mut parts: Vec<String> = sources.inline.clone();
    if let Some(path) = &sources.file {
        let text = llmx_core::input::read_text_file(path, "prompt file")?;
        // A prompt file that is empty is the file's problem, whatever else was given.
        if text.trim().is_empty() {
            return Err(Error::EmptyPromptFile(path.clone()));
        }
        parts.push(text);
    }
    if sources.stdin {
        parts.push(llmx_core::input::stdin_text(read_stdin)?);
    }
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| p.trim_end())
        .filter(|p| !p.trim().is_empty())
        .collect();
    if parts.is_empty() {
        return Err(Error::EmptyPrompt);
    }
    Ok(parts.join("\n\n"))
}

/// Whether stdin is a pipe or a redirected file, i.e. something that will end. A terminal or
/// /dev/null is not read, so `llmx` never waits on a stdin nobody is writing to.
pub fn stdin_is_data() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::FileTypeExt;
        let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
            return false;
        };
        match std::fs::File::from(fd).metadata() {
            Ok(m) => {
                let t = m.file_type();
                t.is_fifo() || t.is_file() || t.is_socket()
            }
            Err(_) => false,
        }
    }
    #[cfg(not(unix))]
    {
        use std::io::IsTerminal;
        !std::io::stdin().is_terminal()
    }
}

/// All of stdin (at most 16 MiB). When stdin is a terminal, llmx says it is reading it: a
/// prompt typed there ends with Ctrl-D.
pub fn read_all_stdin() -> std::io::Result<Vec<u8>> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        crate::output::diag("reading the prompt from stdin (the terminal); end it with Ctrl-D");
    }
    llmx_core::input::read_capped(std::io::stdin().lock(), "stdin")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_stdin() -> std::io::Result<Vec<u8>> {
        panic!("stdin must not be read")
    }

    #[test]
    fn prompt_parts_join_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.txt");
        std::fs::write(&f, "from the file\n").unwrap();
        let src = PromptSources {
            inline: vec!["Summarise:".into()],
            file: Some(f),
            stdin: true,
        };
        let p = load_prompt(&src, &mut || Ok(b"from stdin\n".to_vec())).unwrap();
        assert_eq!(p, "Summarise:\n\nfrom the file\n\nfrom stdin");
    }

    #[test]
    fn prompt_errors_are_one_line_and_name_the_problem() {
        let e = load_prompt(
            &PromptSources {
                inline: vec!["  ".into()],
                ..Default::default()
            },
            &mut no_stdin,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("the prompt is empty"), "{e}");
        assert_eq!(e.exit(), Exit::Usage);

        let missing = std::path::Path::new("no/such/prompt.txt");
        let e = load_prompt(
            &PromptSources {
                file: Some(missing.to_path_buf()),
                ..Default::default()
            },
            &mut no_stdin,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "prompt file `no/such/prompt.txt` not found");

        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("latin1.txt");
        std::fs::write(&f, b"caf\xe9").unwrap();
        let e = load_prompt(
            &PromptSources {
                file: Some(f.clone()),
                ..Default::default()
            },
            &mut no_stdin,
        )
        .unwrap_err();
        assert!(e
            .to_string()
            .contains("is not UTF-8 text (bad byte at offset 3)"));

        let e = load_prompt(
            &PromptSources {
                stdin: true,
                ..Default::default()
            },
            &mut || Ok(vec![0xff]),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("stdin is not UTF-8"));
    }
}

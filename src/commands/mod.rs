//! Commands: each turns parsed arguments into settings, runs, and hands its results to a
//! renderer. Everything a user can get wrong is checked here, before anything is sent.

pub mod ask;
pub mod compare;
pub mod config;
pub mod keys;
pub mod models;

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use crate::cli::{Cli, Command, RequestArgs};
use crate::error::{CliError, Exit};
use crate::provider::http::HttpClient;
use crate::provider::run::CallLimits;
use crate::provider::{ChatRequest, Message, Registry};
use crate::settings::Env;

/// What every command starts from, resolved once: the environment, the config file, the
/// provider registry with the config's providers and the env's base URLs laid over it, the key
/// resolver, the clock, and the catalog (parsed on first use: only some commands need it).
pub struct Context {
    pub env: Env,
    pub registry: Registry,
    pub config: Option<crate::config::Config>,
    pub keys: crate::auth::Keys,
    pub clock: Box<dyn crate::clock::Clock>,
    catalog: std::cell::OnceCell<crate::catalog::Catalog>,
}

impl Context {
    pub fn load(env: Env) -> Result<Context, CliError> {
        let config = crate::config::Config::load(&env)?;
        let mut registry = Registry::builtin();
        if let Some(c) = &config {
            c.apply(&mut registry)?;
            for w in &c.warnings {
                eprintln!("warning: {w}");
            }
        }
        registry.apply_env(&env);
        let keys = crate::auth::Keys::new(&env, crate::auth::store_for(&env));
        Ok(Context {
            env,
            registry,
            config,
            keys,
            clock: Box::new(crate::clock::SystemClock),
            catalog: std::cell::OnceCell::new(),
        })
    }

    /// The catalog in use, parsed once.
    pub fn catalog(&self) -> &crate::catalog::Catalog {
        self.catalog.get_or_init(|| self.load_catalog())
    }

    /// Prices and names: the embedded catalog, refreshed data over it, then the user's aliases.
    pub fn load_catalog(&self) -> crate::catalog::Catalog {
        let mut catalog = crate::catalog::refresh::load(&self.env);
        if let Some(c) = &self.config {
            for (alias, target) in &c.file.aliases {
                catalog.aliases.insert(alias.clone(), target.clone());
            }
        }
        catalog
    }

    pub fn defaults(&self) -> crate::config::Defaults {
        self.config
            .as_ref()
            .map(|c| c.file.defaults.clone())
            .unwrap_or_default()
    }
}

/// Run the parsed command line.
pub fn run(cli: Cli) -> Result<Exit, CliError> {
    if let Command::Completions { shell } = cli.command {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&crate::cli::completions(shell));
        return Ok(Exit::Success);
    }
    if let Command::Man = cli.command {
        use std::io::Write;
        let _ = std::io::stdout().lock().write_all(&crate::cli::man_page());
        return Ok(Exit::Success);
    }
    let env = Env::capture();
    if let Command::Config(crate::cli::ConfigCommand::Init | crate::cli::ConfigCommand::Path) =
        &cli.command
    {
        // These work even when the current config file is broken.
        let crate::cli::Command::Config(c) = cli.command else {
            unreachable!("matched above")
        };
        return config::run_without_context(&env, c);
    }
    let ctx = Context::load(env)?;
    let result = match cli.command {
        Command::Compare(args) => compare::run(&ctx, args),
        Command::Ask(args) => ask::run(&ctx, args),
        Command::Models(args) => models::run(&ctx, args),
        Command::Keys(k) => keys::run(&ctx, k),
        Command::Config(c) => config::run(&ctx, c),
        Command::Completions { .. } | Command::Man => Ok(Exit::Success),
    };
    if let Some(n) = ctx.keys.take_notice() {
        eprintln!("{n}");
    }
    result
}

/// A single-threaded runtime: every call is network-bound, and one thread starts fastest.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the async runtime: {e}")))
}

pub(crate) fn http_client(connect_timeout: Duration) -> Result<HttpClient, CliError> {
    HttpClient::new(connect_timeout).map_err(|e| CliError::usage(e.message))
}

/// Resolve every `-m` entry into its chain of links; a wrong name stops the run.
pub(crate) fn plan_jobs(
    ctx: &Context,
    specs: &[String],
    args: &RequestArgs,
    request: &ChatRequest,
) -> Result<Vec<crate::engine::Job>, CliError> {
    let latency = crate::engine::history::medians(&ctx.env);
    let cx = crate::engine::route::RouteContext {
        resolver: crate::engine::resolve::Resolver {
            registry: &ctx.registry,
            catalog: ctx.catalog(),
            keys: &ctx.keys,
        },
        latency: &latency,
        route: args.route.as_ref(),
        no_fallback: args.no_fallback,
    };
    let mut jobs = Vec::with_capacity(specs.len());
    for spec in specs {
        // An empty entry is refused by `resolve`, with the same message everywhere.
        let spec = spec.trim();
        let links = crate::engine::route::expand(spec, &cx)?;
        jobs.push(crate::engine::Job {
            label: spec.to_string(),
            links,
            request: request.clone(),
        });
    }
    Ok(jobs)
}

/// When no job can send anything, say which keys are missing (exit 2).
pub(crate) fn nothing_can_run(jobs: &[crate::engine::Job]) -> Option<CliError> {
    if jobs.is_empty() || !jobs.iter().all(|j| j.cannot_run()) {
        return None;
    }
    let mut msgs: Vec<String> = jobs
        .iter()
        .flat_map(|j| &j.links)
        .filter_map(|l| l.preflight.as_ref().map(|e| e.message.clone()))
        .collect();
    msgs.dedup();
    Some(CliError::usage(msgs.join("; ")))
}

/// Where the prompt comes from, in order: inline text, then a file, then stdin.
#[derive(Debug, Default)]
pub struct PromptSources<'a> {
    pub inline: Vec<&'a str>,
    pub file: Option<&'a Path>,
    pub stdin: bool,
}

/// Assemble the prompt; parts are joined by a blank line. `read_stdin` is only called when
/// stdin is one of the sources.
pub fn load_prompt(
    sources: &PromptSources,
    read_stdin: &mut dyn FnMut() -> std::io::Result<Vec<u8>>,
) -> Result<String, CliError> {
    let mut parts: Vec<String> = sources.inline.iter().map(|s| s.to_string()).collect();
    if let Some(path) = sources.file {
        parts.push(read_text_file(path, "prompt file")?);
    }
    if sources.stdin {
        let bytes = read_stdin()
            .map_err(|e| CliError::usage(format!("cannot read the prompt from stdin: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            CliError::usage(format!(
                "stdin is not UTF-8 text (bad byte at offset {}); convert it, e.g. with iconv",
                e.utf8_error().valid_up_to()
            ))
        })?;
        parts.push(text);
    }
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| p.trim_end())
        .filter(|p| !p.trim().is_empty())
        .collect();
    if parts.is_empty() {
        return Err(CliError::usage(
            "the prompt is empty: give it as a file, with -p TEXT, or on stdin",
        ));
    }
    Ok(parts.join("\n\n"))
}

/// Read a UTF-8 text file the user named; every failure is a one-line usage error.
pub fn read_text_file(path: &Path, what: &str) -> Result<String, CliError> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CliError::usage(format!("{what} `{shown}` not found")),
        std::io::ErrorKind::IsADirectory => {
            CliError::usage(format!("{what} `{shown}` is a directory, not a file"))
        }
        _ => CliError::usage(format!("cannot read {what} `{shown}`: {e}")),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        CliError::usage(format!(
            "{what} `{shown}` is not UTF-8 text (bad byte at offset {}); convert it, e.g. with iconv",
            e.utf8_error().valid_up_to()
        ))
    })
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

pub fn read_all_stdin() -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::io::stdin().lock().read_to_end(&mut buf)?;
    Ok(buf)
}

/// The request every model gets (the model id is filled in per target), and the per-call limits.
pub fn request_settings(
    args: &RequestArgs,
    defaults: &crate::config::Defaults,
    prompt: String,
) -> Result<(ChatRequest, CallLimits), CliError> {
    let system = match args.system.as_deref() {
        Some(s) if s.starts_with('@') => {
            let text = read_text_file(Path::new(&s[1..]), "system prompt file")?;
            Some(text.trim_end().to_string()).filter(|t| !t.is_empty())
        }
        Some(s) => Some(s.to_string()).filter(|t| !t.trim().is_empty()),
        None => None,
    };
    let request = ChatRequest {
        model: String::new(),
        system,
        messages: vec![Message::user(prompt)],
        temperature: args.temperature.or(defaults.temperature),
        max_tokens: args.max_tokens.or(defaults.max_tokens),
        stop: Vec::new(),
        stream: !args.no_stream,
    };
    let limits = CallLimits {
        total: Some(Duration::from_secs_f64(
            args.timeout.or(defaults.timeout).unwrap_or(300.0),
        )),
        first_byte: Some(Duration::from_secs_f64(args.ttfb_timeout)),
        stall: Some(Duration::from_secs_f64(args.stall_timeout)),
        max_answer_bytes: (args.max_answer_mb * (1u64 << 20) as f64) as usize,
        retry: crate::provider::run::RetryPolicy {
            retries: args.retries,
            max_wait: Duration::from_secs_f64(args.retry_max_wait),
            ..Default::default()
        },
    };
    Ok((request, limits))
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
            inline: vec!["Summarise:"],
            file: Some(&f),
            stdin: true,
        };
        let p = load_prompt(&src, &mut || Ok(b"from stdin\n".to_vec())).unwrap();
        assert_eq!(p, "Summarise:\n\nfrom the file\n\nfrom stdin");
    }

    #[test]
    fn prompt_errors_are_one_line_and_name_the_problem() {
        let e = load_prompt(
            &PromptSources {
                inline: vec!["  "],
                ..Default::default()
            },
            &mut no_stdin,
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("the prompt is empty"),
            "{}",
            e.message
        );
        assert_eq!(e.exit, Exit::Usage);

        let missing = Path::new("no/such/prompt.txt");
        let e = load_prompt(
            &PromptSources {
                file: Some(missing),
                ..Default::default()
            },
            &mut no_stdin,
        )
        .unwrap_err();
        assert_eq!(e.message, "prompt file `no/such/prompt.txt` not found");

        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("latin1.txt");
        std::fs::write(&f, b"caf\xe9").unwrap();
        let e = load_prompt(
            &PromptSources {
                file: Some(&f),
                ..Default::default()
            },
            &mut no_stdin,
        )
        .unwrap_err();
        assert!(e
            .message
            .contains("is not UTF-8 text (bad byte at offset 3)"));

        let e = load_prompt(
            &PromptSources {
                stdin: true,
                ..Default::default()
            },
            &mut || Ok(vec![0xff]),
        )
        .unwrap_err();
        assert!(e.message.starts_with("stdin is not UTF-8"));
    }

    #[test]
    fn system_prompt_from_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("sys.txt");
        std::fs::write(&f, "Be terse.\n").unwrap();
        let args = RequestArgs {
            system: Some(format!("@{}", f.display())),
            temperature: Some(0.2),
            max_tokens: Some(64),
            timeout: Some(30.0),
            connect_timeout: 10.0,
            ttfb_timeout: 120.0,
            stall_timeout: 60.0,
            retries: 2,
            retry_max_wait: 60.0,
            max_answer_mb: 4.0,
            route: None,
            no_fallback: false,
            no_stream: true,
        };
        let (req, limits) = request_settings(&args, &Default::default(), "hi".into()).unwrap();
        assert_eq!(req.system.as_deref(), Some("Be terse."));
        assert_eq!(req.temperature, Some(0.2));
        assert_eq!(req.max_tokens, Some(64));
        assert!(!req.stream);
        assert_eq!(limits.total, Some(Duration::from_secs(30)));
        assert_eq!(limits.max_answer_bytes, 4 << 20);
        assert_eq!(limits.retry.retries, 2);
        let missing = RequestArgs {
            system: Some("@nope.txt".into()),
            ..args
        };
        let e = request_settings(&missing, &Default::default(), "hi".into()).unwrap_err();
        assert_eq!(e.message, "system prompt file `nope.txt` not found");
    }
}

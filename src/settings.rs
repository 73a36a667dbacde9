//! Settings resolved once, before a command runs: command-line flags, then env vars, then the
//! config file, then built-in defaults (uv's `…Settings::resolve(args, env, config)`). Commands
//! take these plain values and never read clap types, the environment or the config file
//! themselves. Each value's validation is written once here and shared by flags, env vars and
//! the config file.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{AskArgs, AskFormat, BenchArgs, CompareArgs, ModelsArgs, RequestArgs};
use llmx_core::env::Env;
use llmx_core::pipeline::{HistoryPolicy, ImageArg, RequestSpec, RunSpec, SystemPrompt};
use llmx_core::provider::run::{defaults, CallLimits, RetryPolicy};

use crate::config::Defaults;
use crate::error::{Error, PromptCommand};
use crate::output::{decide, Display, Terminal};
use crate::render::listing::{BoardSort, UsageBy};
use crate::render::models::{ModelSort, ModelsFormat};
use crate::render::{Format, TableOptions};
use crate::sink::bench::BenchFormat;
use crate::validate::{parse_count, parse_models, parse_secs, parse_temperature};

/// A variable parsed by the same function its flag uses; a bad value names the variable.
fn env_parsed<T>(
    env: &Env,
    name: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, Error> {
    env.get(name)
        .map(|v| {
            parse(v.trim()).map_err(|problem| Error::BadEnv {
                var: name.to_string(),
                problem,
            })
        })
        .transpose()
}

/// Fail, naming the first variable llmx reads whose value is not UTF-8 (never the value: it may
/// be a key).
pub fn check_utf8(env: &Env, reads: impl Fn(&str) -> bool) -> Result<(), Error> {
    match env.not_utf8(reads) {
        Some(var) => Err(Error::EnvNotUtf8(var.to_string())),
        None => Ok(()),
    }
}

/// The proxies the environment names, for every request that does not go to this machine.
/// A proxy URL is never echoed in an error (it may hold a password).
pub fn proxies(env: &Env) -> Result<llmx_core::provider::http::Proxies, Error> {
    let pick = |names: &[&str]| -> Result<Option<reqwest::Url>, Error> {
        for name in names {
            if let Some(v) = env.get(name) {
                let bad = |problem: &str| Error::BadEnv {
                    var: name.to_string(),
                    problem: problem.to_string(),
                };
                let v = v.trim();
                // `host:port` with no scheme means an http proxy, as curl reads it.
                let with_scheme = if v.contains("://") {
                    v.to_string()
                } else {
                    format!("http://{v}")
                };
                let u = reqwest::Url::parse(&with_scheme)
                    .map_err(|_| bad("is not a proxy URL; use e.g. http://proxy.example:3128"))?;
                if !matches!(u.scheme(), "http" | "https") || u.host().is_none() {
                    return Err(bad(
                        "names a proxy llmx cannot use; use an http:// or https:// proxy URL",
                    ));
                }
                return Ok(Some(u));
            }
        }
        Ok(None)
    };
    Ok(llmx_core::provider::http::Proxies {
        https: pick(&["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"])?,
        http: pick(&["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"])?,
        no_proxy: env
            .get("no_proxy")
            .or_else(|| env.get("NO_PROXY"))
            .map(str::to_string),
    })
}

/// Whether llmx reads the variable `name` (so a value that is not UTF-8 is an error rather
/// than ignored): its own `LLMX_*`, the proxy and terminal variables, and
/// every provider's key and base URL variables.
pub fn read_by_llmx(name: &str, registry: &llmx_core::provider::Registry) -> bool {
    const GENERAL: &[&str] = &[
        "NO_COLOR",
        "COLUMNS",
        "CI",
        "TMPDIR",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ];
    name.starts_with("LLMX_")
        || GENERAL.iter().any(|g| g.eq_ignore_ascii_case(name))
        || registry
            .all()
            .iter()
            .any(|p| p.key_env.iter().any(|k| k == name) || p.base_url_env() == name)
}

// ---- Resolved settings. ----

/// Where the prompt comes from, in order: inline text, then a file, then stdin.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromptSources {
    pub inline: Vec<String>,
    pub file: Option<PathBuf>,
    pub stdin: bool,
}

/// `auto`, `none` and `required` are the modes; anything else names the tool to call.
pub fn parse_tool_choice(s: &str) -> llmx_core::provider::ToolChoice {
    use llmx_core::provider::ToolChoice;
    match s {
        "auto" => ToolChoice::Auto,
        "none" => ToolChoice::None,
        "required" | "any" => ToolChoice::Required,
        name => ToolChoice::Named(name.to_string()),
    }
}

/// `--no-history`, then `LLMX_NO_HISTORY`, then the config's `[history]`.
pub fn history_policy(
    no_history: bool,
    env: &Env,
    c: &crate::config::HistoryConfig,
) -> Result<HistoryPolicy, Error> {
    let off = match env_parsed(env, "LLMX_NO_HISTORY", parse_bool)? {
        Some(off) => off,
        None => c.enabled == Some(false),
    };
    Ok(HistoryPolicy {
        record: !no_history && !off,
        store_text: c.store_text.unwrap_or(true),
    })
}

/// `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`, any case.
fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("`{s}` is not 1 or 0 (true or false)")),
    }
}

/// Seeing what is sent: `--dry-run` sends nothing and prints it; `-v` logs each request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inspect {
    pub dry_run: bool,
    /// How many `-v`: 1 logs each request's line, status and end; 2 adds headers and bodies.
    pub verbose: u8,
}

/// What every command that sends a prompt shares: flags, then env, then the config, then
/// defaults.
pub fn request_spec(
    a: RequestArgs,
    env: &Env,
    d: &Defaults,
) -> Result<(RequestSpec, Inspect), Error> {
    // Every flag is taken here: one nobody resolves does not compile.
    let RequestArgs {
        system,
        temperature,
        max_tokens,
        limits,
        route,
        no_fallback,
        no_stream,
        no_history,
        images,
        tools,
        tool_choice,
        force,
        dry_run,
        verbose,
    } = a;
    let inspect = Inspect { dry_run, verbose };
    let history = history_policy(no_history, env, &d.history)?;
    let system = system.map(|s| match s.strip_prefix('@') {
        Some(path) => SystemPrompt::File(PathBuf::from(path)),
        None => SystemPrompt::Text(s),
    });
    let temperature = match temperature {
        Some(t) => Some(t),
        None => env_parsed(env, "LLMX_TEMPERATURE", parse_temperature)?.or(d.temperature),
    };
    let max_tokens = match max_tokens {
        Some(n) => Some(n),
        None => env_parsed(env, "LLMX_MAX_TOKENS", parse_count)?.or(d.max_tokens),
    };
    let (limits, connect_timeout) = call_limits(limits, env, d)?;
    let spec = RequestSpec {
        system,
        temperature,
        max_tokens,
        stream: !no_stream,
        connect_timeout,
        limits,
        route,
        no_fallback,
        history,
        images: images
            .iter()
            .map(|i| ImageArg::parse(i).map_err(Error::BadImageUrl))
            .collect::<Result<_, _>>()?,
        tools,
        tool_choice: tool_choice.as_deref().map(parse_tool_choice),
        force,
    };
    Ok((spec, inspect))
}

/// One request's limits (timeouts, retries, the answer cap) and the connect timeout: flags,
/// then env, then the config, then defaults.
pub fn call_limits(
    a: crate::cli::LimitArgs,
    env: &Env,
    d: &Defaults,
) -> Result<(CallLimits, Duration), Error> {
    let crate::cli::LimitArgs {
        timeout,
        connect_timeout,
        ttfb_timeout,
        stall_timeout,
        retries,
        retry_max_wait,
        max_answer_mb,
    } = a;
    let timeout = match timeout {
        Some(t) => t,
        None => env_parsed(env, "LLMX_TIMEOUT", parse_secs)?
            .or(d.timeout)
            .unwrap_or(defaults::TOTAL_SECS),
    };
    let secs = Duration::from_secs_f64;
    let limits = CallLimits {
        total: Some(secs(timeout)),
        first_byte: Some(secs(ttfb_timeout)),
        stall: Some(secs(stall_timeout)),
        max_answer_bytes: (max_answer_mb * (1u64 << 20) as f64) as usize,
        retry: RetryPolicy {
            retries,
            max_wait: secs(retry_max_wait),
            ..Default::default()
        },
    };
    Ok((limits, secs(connect_timeout)))
}

/// `llmx compare`.
#[derive(Debug, Clone)]
pub struct CompareSettings {
    pub run: RunSpec,
    pub prompt: PromptSources,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub table: TableOptions,
    pub display: Display,
    pub quiet: bool,
    pub inspect: Inspect,
    /// `--csv-safe`: CSV cells a spreadsheet would read as formulas get a leading `'`.
    pub csv_safe: bool,
}

/// Environment facts a command's settings depend on, detected once at startup.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    pub terminal: Terminal,
    /// The open-file limit (`ulimit -n`), when known: requests in flight stay below it.
    pub open_files: Option<u64>,
    /// stdin is a pipe or a file (something that will end), not a terminal or /dev/null.
    pub stdin_is_data: bool,
}

/// Where llmx keeps its files, resolved once from the environment.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// The config file (`LLMX_CONFIG`, else the user config dir).
    pub config: Option<PathBuf>,
    /// `LLMX_CACHE_DIR`, else the user cache dir.
    pub cache_dir: Option<PathBuf>,
    /// `LLMX_DATA_DIR`, else the user data dir: the history.
    pub data_dir: Option<PathBuf>,
    /// `TMPDIR`, else `/tmp`: the last place results are saved when their output fails.
    pub tmp_dir: PathBuf,
}

impl Paths {
    pub fn resolve(env: &Env) -> Paths {
        Paths {
            config: crate::config::config_path(env),
            cache_dir: llmx_core::catalog::refresh::cache_dir(env),
            data_dir: match env.get("LLMX_DATA_DIR") {
                Some(d) => Some(PathBuf::from(d)),
                None => dirs::data_dir().map(|d| d.join("llmx")),
            },
            tmp_dir: env
                .get("TMPDIR")
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir),
        }
    }

    /// Where results go when their output cannot be written, in order of preference.
    pub fn recovery_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self.cache_dir.iter().map(|d| d.join("recovered")).collect();
        dirs.push(self.tmp_dir.clone());
        dirs
    }

    /// The refreshed catalog (`llmx models --refresh`).
    pub fn catalog_cache(&self) -> Option<PathBuf> {
        Some(self.cache_dir.as_ref()?.join("catalog.json"))
    }

    /// The history store.
    pub fn history(&self) -> Option<PathBuf> {
        Some(llmx_core::history::path_in(self.data_dir.as_ref()?))
    }

    /// Latencies of earlier runs, as llmx kept them before the history (imported once).
    pub fn latency_file(&self) -> Option<PathBuf> {
        Some(self.cache_dir.as_ref()?.join("latency.json"))
    }
}

/// `llmx history`, `usage` and `leaderboard`: what to report on, and how.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    pub view: View,
    pub format: Format,
    pub table: TableOptions,
    /// stdout is a terminal: CSV is shown with control characters neutralised.
    pub terminal: bool,
    /// `--csv-safe`: CSV cells a spreadsheet would read as formulas get a leading `'`.
    pub csv_safe: bool,
    /// `--source`: only serve's requests or only the command line's runs.
    pub source: Option<llmx_core::history::query::Source>,
}

/// One of the reports on the history.
#[derive(Debug, Clone, PartialEq)]
pub enum View {
    Runs {
        since: Option<Duration>,
        model: Option<String>,
        search: Option<String>,
        limit: usize,
    },
    Show {
        run: String,
    },
    Prune {
        older_than: Duration,
        vacuum: bool,
    },
    Stats,
    Usage {
        since: Duration,
        by: UsageBy,
    },
    Leaderboard {
        since: Duration,
        min_n: u64,
        sort: BoardSort,
    },
}

impl ReportSettings {
    fn new(view: View, format: Format, full: bool, facts: Facts) -> ReportSettings {
        let display = decide(facts.terminal, true);
        ReportSettings {
            view,
            format,
            table: TableOptions {
                full,
                color: display.color,
                ..TableOptions::plain(display.width)
            },
            terminal: display.terminal,
            csv_safe: false,
            source: None,
        }
    }

    fn csv_safe(mut self, on: bool) -> ReportSettings {
        self.csv_safe = on;
        self
    }

    fn with_source(mut self, s: Option<crate::cli::Source>) -> Self {
        use llmx_core::history::query::Source;
        self.source = s.map(|s| match s {
            crate::cli::Source::Serve => Source::Serve,
            crate::cli::Source::Cli => Source::Cli,
            crate::cli::Source::Batch => Source::Batch,
        });
        self
    }

    pub fn history(a: crate::cli::HistoryArgs, facts: Facts) -> ReportSettings {
        use crate::cli::HistoryCommand as C;
        let crate::cli::HistoryArgs { command, list } = a;
        match command {
            None => {
                let crate::cli::HistoryListArgs {
                    since,
                    model,
                    search,
                    limit,
                    format,
                    source,
                    csv_safe,
                } = list;
                let view = View::Runs {
                    since: since.map(|a| a.0),
                    model,
                    search,
                    limit,
                };
                ReportSettings::new(view, format, false, facts)
                    .csv_safe(csv_safe)
                    .with_source(source)
            }
            Some(C::Show {
                run_id,
                format,
                full,
                csv_safe,
            }) => ReportSettings::new(View::Show { run: run_id }, format, full, facts)
                .csv_safe(csv_safe),
            Some(C::Prune { older_than, vacuum }) => ReportSettings::new(
                View::Prune {
                    older_than: older_than.0,
                    vacuum,
                },
                Format::Table,
                false,
                facts,
            ),
            Some(C::Stats { format }) => ReportSettings::new(View::Stats, format, false, facts),
        }
    }

    pub fn usage(a: crate::cli::UsageArgs, facts: Facts) -> ReportSettings {
        let crate::cli::UsageArgs {
            since,
            by,
            format,
            source,
            csv_safe,
        } = a;
        let view = View::Usage { since: since.0, by };
        ReportSettings::new(view, format, false, facts)
            .csv_safe(csv_safe)
            .with_source(source)
    }

    pub fn leaderboard(a: crate::cli::LeaderboardArgs, facts: Facts) -> ReportSettings {
        let crate::cli::LeaderboardArgs {
            since,
            min_n,
            sort,
            format,
            source,
            csv_safe,
        } = a;
        let view = View::Leaderboard {
            since: since.0,
            min_n,
            sort,
        };
        ReportSettings::new(view, format, false, facts)
            .csv_safe(csv_safe)
            .with_source(source)
    }
}

/// `llmx models`.
#[derive(Debug, Clone)]
pub struct ModelsSettings {
    pub provider: Option<String>,
    pub free: bool,
    pub search: Option<String>,
    pub vision: bool,
    pub tools: bool,
    pub reasoning: bool,
    pub sort: ModelSort,
    pub format: ModelsFormat,
    pub refresh: bool,
    /// With `refresh`: the most one source may take.
    pub timeout: Duration,
    /// The table's width.
    pub width: u16,
}

impl ModelsSettings {
    pub fn resolve(a: ModelsArgs, facts: Facts) -> ModelsSettings {
        let ModelsArgs {
            provider,
            free,
            search,
            vision,
            tools,
            reasoning,
            sort,
            format,
            refresh,
            timeout,
        } = a;
        ModelsSettings {
            provider,
            free,
            search,
            vision,
            tools,
            reasoning,
            sort,
            format: format.unwrap_or(if facts.terminal.stdout_tty {
                ModelsFormat::Table
            } else {
                ModelsFormat::Plain
            }),
            refresh,
            timeout: Duration::from_secs_f64(timeout),
            width: decide(facts.terminal, true).width,
        }
    }
}

/// The files a request reads, each with what it is, and the files llmx keeps: no output may be
/// one of them.
fn request_inputs(r: &RequestSpec, env: &Env) -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = Vec::new();
    if let Some(SystemPrompt::File(p)) = &r.system {
        v.push(("the system prompt file".into(), p.clone()));
    }
    if let Some(t) = &r.tools {
        v.push(("the tools file".into(), t.clone()));
    }
    for i in &r.images {
        if let llmx_core::pipeline::ImageArg::File(p) = i {
            v.push(("an --image file".into(), p.clone()));
        }
    }
    let paths = Paths::resolve(env);
    v.extend(paths.config.clone().map(|c| ("the config file".into(), c)));
    if let Some(h) = paths.history() {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = h.clone().into_os_string();
            name.push(suffix);
            v.push(("the history store".into(), PathBuf::from(name)));
        }
    }
    v
}

/// Refuse an output that is an input, llmx's own store or config, or another output of the
/// same run: any of them would be destroyed, and the run's paid-for results with it.
fn check_clashes(
    outputs: &[(&'static str, PathBuf)],
    inputs: &[(String, PathBuf)],
) -> Result<(), Error> {
    for (i, (flag, out)) in outputs.iter().enumerate() {
        let clash = |what: String, other: &PathBuf| Error::OutputIsInput {
            flag,
            output: out.clone(),
            what,
            other: other.clone(),
        };
        if let Some((what, other)) = inputs.iter().find(|(_, p)| same_file(out, p)) {
            return Err(clash(what.clone(), other));
        }
        if let Some((flag2, other)) = outputs[i + 1..].iter().find(|(_, p)| same_file(out, p)) {
            return Err(clash(format!("the {flag2} file too"), other));
        }
    }
    Ok(())
}

/// Whether two paths name one file (the same inode, or the same path when either is missing).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

impl CompareSettings {
    pub fn resolve(a: CompareArgs, env: &Env, d: &Defaults, facts: Facts) -> Result<Self, Error> {
        let CompareArgs {
            models,
            prompt_file,
            prompt,
            request,
            format,
            mut output,
            concurrency,
            full,
            layout,
            diff,
            csv_safe,
            quiet,
            max_cost,
        } = a;
        stdout_dash(&mut output);
        let format = match (format, &output) {
            (Some(f), _) => f,
            (None, Some(path)) => Format::from_path(&path.to_string_lossy())
                .ok_or_else(|| Error::UnknownExtension(path.clone()))?,
            (None, None) => Format::Table,
        };
        let file_arg = prompt_file.as_deref();
        let prompt = PromptSources {
            inline: prompt.into_iter().collect(),
            file: file_arg.filter(|f| *f != "-").map(PathBuf::from),
            stdin: file_arg == Some("-") || (file_arg.is_none() && facts.stdin_is_data),
        };
        if prompt.inline.is_empty() && prompt.file.is_none() && !prompt.stdin {
            return Err(Error::NoPrompt(PromptCommand::Compare));
        }
        let (request, inspect) = request_spec(request, env, d)?;
        let mut inputs = request_inputs(&request, env);
        inputs.extend(
            prompt
                .file
                .iter()
                .map(|f| ("the prompt file".to_string(), f.clone())),
        );
        let outputs: Vec<(&'static str, PathBuf)> =
            output.iter().map(|o| ("-o", o.clone())).collect();
        check_clashes(&outputs, &inputs)?;
        let (models, concurrency) = models_and_concurrency(models, concurrency, env, d)?;
        // The request log and a redrawn progress display would tear each other's lines.
        let display = decide(facts.terminal, quiet || inspect.verbose > 0);
        Ok(CompareSettings {
            run: RunSpec {
                models,
                request,
                concurrency: Some(within_open_files(concurrency, facts.open_files)),
                max_cost,
            },
            prompt,
            format,
            table: TableOptions {
                full,
                width: display.width,
                color: display.color && output.is_none(),
                layout,
                diff,
            },
            output,
            display,
            quiet,
            inspect,
            csv_safe,
        })
    }
}

/// `-o -` is stdout, as everywhere else.
fn stdout_dash(output: &mut Option<PathBuf>) {
    if output.as_deref() == Some(std::path::Path::new("-")) {
        *output = None;
    }
}

/// Descriptors kept for everything but sockets: stdio, the output and history files, the
/// runtime's own.
const RESERVED_FDS: u64 = 32;

/// Requests in flight: `-j` (else 256), but never so many that sockets — each request's, and
/// as many idle in the connection pool — run out of open files (with a hard limit of 256,
/// 112). Lowering an explicit `-j` says so.
fn within_open_files(asked: Option<u32>, open_files: Option<u64>) -> usize {
    let wanted = asked.map_or(llmx_core::pipeline::DEFAULT_CONCURRENCY, |n| n as usize);
    let Some(limit) = open_files else {
        return wanted;
    };
    let cap = (limit.saturating_sub(RESERVED_FDS) / 2).max(1) as usize;
    if wanted <= cap {
        return wanted;
    }
    if asked.is_some() {
        crate::output::diag(format!(
            "note: -j {wanted} lowered to {cap}: the open-file limit is {limit} (raise it with ulimit -n)"
        ));
    }
    cap
}

/// `-m` (else `LLMX_MODELS`, else the config's models) and `-j` (else `LLMX_CONCURRENCY`, else
/// the config's), as compare and bench read them.
fn models_and_concurrency(
    models: Vec<String>,
    concurrency: Option<u32>,
    env: &Env,
    d: &Defaults,
) -> Result<(Vec<String>, Option<u32>), Error> {
    let models = if !models.is_empty() {
        models
    } else if let Some(m) = env_parsed(env, "LLMX_MODELS", parse_models)? {
        m
    } else {
        d.models.clone().ok_or(Error::NoModels)?
    };
    let concurrency = match concurrency {
        Some(n) => Some(n),
        None => env_parsed(env, "LLMX_CONCURRENCY", parse_count)?.or(d.concurrency),
    };
    Ok((models, concurrency))
}

/// `llmx bench`.
#[derive(Debug, Clone)]
pub struct BenchSettings {
    /// Models, request settings, `-j` and `--max-cost`.
    pub run: RunSpec,
    /// Prompt files, directories, or `-` (stdin).
    pub inputs: Vec<String>,
    pub repeat: u32,
    pub warmup: u32,
    /// Rows go here; `None` is stdout.
    pub output: Option<PathBuf>,
    pub format: BenchFormat,
    /// `--format` was given (a resumed file keeps its own format, and must agree).
    pub format_given: bool,
    pub resume: Option<PathBuf>,
    pub summary: Option<PathBuf>,
    /// The HTML report (`-o FILE.html` or `--summary FILE.html`), written at the end.
    pub report: Option<PathBuf>,
    pub seed: u64,
    pub shard: Option<llmx_core::bench::Shard>,
    pub display: Display,
    /// `-q`: no progress bar and no "rows written" line (the summary and errors stay).
    pub quiet: bool,
    /// The command line as typed, for the command that resumes the run.
    pub argv: Vec<String>,
    pub inspect: Inspect,
    /// `--csv-safe`: CSV cells a spreadsheet would read as formulas get a leading `'`.
    pub csv_safe: bool,
    /// `--batch`: through the providers' Batch APIs.
    pub batch: Option<BatchSpec>,
    /// `--batch --resume FILE` with no prompt files: the prompts, models, repeats and
    /// request are the job file's (`inputs` and `run.models` are empty).
    pub grid_from_job: bool,
}

/// How a batched run submits and waits.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSpec {
    /// `--batch=auto`: models that cannot be batched run live beside the batches.
    pub auto: bool,
    /// `--no-wait`: submit, save the job file, exit.
    pub no_wait: bool,
    /// `--poll-interval` (or `LLMX_BATCH_POLL`): a fixed interval; `None` backs off.
    pub poll: Option<std::time::Duration>,
    /// The job file beside the rows.
    pub job_file: PathBuf,
}

impl BenchSettings {
    /// Long because it destructures every flag of `llmx bench` and resolves each in one place
    /// (the rows and report paths, the format, the outputs' clashes with the inputs).
    pub fn resolve(
        a: BenchArgs,
        env: &Env,
        d: &Defaults,
        facts: Facts,
        argv: Vec<String>,
    ) -> Result<Self, Error> {
        let BenchArgs {
            models,
            prompts,
            repeat,
            warmup,
            mut output,
            format,
            resume,
            summary,
            csv_safe,
            seed,
            shard,
            concurrency,
            max_cost,
            quiet,
            request,
            batch,
            no_wait,
            poll_interval,
        } = a;
        stdout_dash(&mut output);
        // `-o report.html`: the HTML report at the end, and the rows (which must reach a disk
        // as each finishes, and can be resumed) beside it as report.csv.
        let is_html = |p: &std::path::Path| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
        };
        let mut report = None;
        if let Some(out) = output.take() {
            if is_html(&out) {
                output = Some(out.with_extension("csv"));
                report = Some(out);
            } else {
                output = Some(out);
            }
        }
        let summary = match summary {
            Some(sum) if is_html(&sum) => {
                report = Some(sum);
                None
            }
            other => other,
        };
        // `--batch --resume FILE` with no prompt files: the grid and the request are the job
        // file's, and stdin is never read.
        let from_job = batch.is_some() && resume.is_some() && prompts.is_empty();
        if from_job {
            refuse_grid_flags(&models, &request)?;
        }
        let inputs = if !prompts.is_empty() || from_job {
            prompts
        } else if facts.stdin_is_data {
            vec!["-".to_string()]
        } else {
            return Err(Error::NoPrompts);
        };
        let target = output.as_ref().or(resume.as_ref());
        let inputs_given = inputs.clone();
        let format_given = format.is_some();
        let format = match (format, target) {
            (Some(f), _) => f,
            (None, Some(path)) => match Format::from_path(&path.to_string_lossy()) {
                Some(Format::Jsonl) => BenchFormat::Jsonl,
                _ => BenchFormat::Csv,
            },
            (None, None) => BenchFormat::Csv,
        };
        let (models, concurrency) = if from_job {
            (Vec::new(), concurrency)
        } else {
            models_and_concurrency(models, concurrency, env, d)?
        };
        let (mut request, inspect) = request_spec(request, env, d)?;
        if from_job {
            // The job file's request, not the config's defaults.
            request.system = None;
            request.temperature = None;
            request.max_tokens = None;
        }
        let mut reads = request_inputs(&request, env);
        reads.extend(
            inputs_given
                .iter()
                .filter(|i| *i != "-")
                .map(|i| ("a prompt file".to_string(), PathBuf::from(i))),
        );
        let outputs: Vec<(&'static str, PathBuf)> = [
            (
                if resume.is_some() { "--resume" } else { "-o" },
                target.cloned(),
            ),
            ("--summary", summary.clone()),
            ("the report", report.clone()),
        ]
        .into_iter()
        .filter_map(|(flag, p)| Some((flag, p?)))
        .collect();
        check_clashes(&outputs, &reads)?;
        let batch = batch_spec(
            batch.map(|m| (m == crate::cli::BatchMode::Auto, no_wait, poll_interval)),
            warmup,
            shard.is_some(),
            target,
            env,
        )?;
        Ok(BenchSettings {
            run: RunSpec {
                models,
                request,
                concurrency: Some(within_open_files(concurrency, facts.open_files)),
                max_cost,
            },
            inputs,
            repeat,
            warmup,
            output,
            format,
            format_given,
            resume,
            summary,
            report,
            seed,
            shard,
            display: decide(facts.terminal, quiet || inspect.verbose > 0),
            quiet,
            argv,
            inspect,
            csv_safe,
            batch,
            grid_from_job: from_job,
        })
    }
}

/// A batched resume with no prompt files takes its grid and request from the job file: flags
/// that would make another grid or request are refused rather than ignored.
fn refuse_grid_flags(models: &[String], r: &crate::cli::RequestArgs) -> Result<(), Error> {
    let given = [
        ("-m", !models.is_empty()),
        ("--system", r.system.is_some()),
        ("--image", !r.images.is_empty()),
        ("--tools", r.tools.is_some()),
        ("--temperature", r.temperature.is_some()),
        ("--max-tokens", r.max_tokens.is_some()),
        ("--no-stream", r.no_stream),
    ];
    match given.iter().find(|(_, g)| *g) {
        Some((flag, _)) => Err(Error::BatchWith(format!(
            "{flag} with --resume and no prompt files: the prompts, models and request come from the job file; leave {flag} out, or pass the prompt files too"
        ))),
        None => Ok(()),
    }
}

/// `--batch`'s settings, refused with `--warmup` or `--shard` and without `-o`.
fn batch_spec(
    batch: Option<(bool, bool, Option<f64>)>,
    warmup: u32,
    sharded: bool,
    target: Option<&PathBuf>,
    env: &Env,
) -> Result<Option<BatchSpec>, Error> {
    let Some((auto, no_wait, poll_interval)) = batch else {
        return Ok(None);
    };
    let refuse = |flag: &str, why: &str| Error::BatchWith(format!("{flag} {why}"));
    if warmup > 0 {
        return Err(refuse(
            "--warmup",
            "measures latency, which a batch has none of; leave it out",
        ));
    }
    if sharded {
        return Err(refuse(
            "--shard",
            "splits a live run across machines; a batch runs at the provider already: leave it out",
        ));
    }
    let Some(rows) = target.cloned() else {
        return Err(Error::BatchWith(
            "needs -o FILE: the rows and the job file beside them outlive the process".into(),
        ));
    };
    // The rows are read back on resume and the job file goes beside them: a device, a pipe or
    // a directory cannot hold either.
    if let Ok(m) = std::fs::metadata(&rows) {
        if !m.is_file() {
            return Err(Error::BatchWith(format!(
                "-o must be a regular file: `{}` is not one (the rows are read back on resume, and the job file goes beside them); name a file",
                rows.display()
            )));
        }
    }
    let poll = match poll_interval {
        Some(p) => Some(p),
        None => match env.get("LLMX_BATCH_POLL") {
            Some(v) => Some(
                crate::validate::parse_poll(v.trim())
                    .map_err(|e| Error::BatchWith(format!("LLMX_BATCH_POLL: {e}")))?,
            ),
            None => None,
        },
    };
    let mut job_file = rows.into_os_string();
    job_file.push(".batch.json");
    Ok(Some(BatchSpec {
        auto,
        no_wait,
        poll: poll.map(std::time::Duration::from_secs_f64),
        job_file: PathBuf::from(job_file),
    }))
}

/// `llmx ask`.
#[derive(Debug, Clone)]
pub struct AskSettings {
    pub run: RunSpec,
    pub prompt: PromptSources,
    /// Print one JSON object (the compare columns) instead of streaming the text.
    pub json: bool,
    /// Print latency, tokens and cost to stderr after the answer.
    pub stats: bool,
    /// stdout is a terminal: the answer is shown with control characters neutralised (a pipe
    /// gets it byte for byte).
    pub terminal: bool,
    /// A spinner on stderr until the first token (stderr is a terminal, not CI).
    pub progress: bool,
    pub inspect: Inspect,
}

impl AskSettings {
    pub fn resolve(a: AskArgs, env: &Env, d: &Defaults, facts: Facts) -> Result<Self, Error> {
        let AskArgs {
            model,
            text,
            prompt,
            request,
            stats,
            format,
        } = a;
        let text = text.as_deref();
        let mut inline: Vec<String> = prompt.into_iter().collect();
        inline.extend(text.filter(|t| *t != "-").map(str::to_string));
        let prompt = PromptSources {
            inline,
            file: None,
            // Piped data is appended to whatever prompt text was given (`echo data | llmx
            // ask "question"`), as the README says.
            stdin: text == Some("-") || facts.stdin_is_data,
        };
        if prompt.inline.is_empty() && !prompt.stdin {
            return Err(Error::NoPrompt(PromptCommand::Ask));
        }
        // -m, then LLMX_ASK_MODEL, then the config's ask_model, then the first of its models.
        let model = match model.or_else(|| env.get("LLMX_ASK_MODEL").map(str::to_string)) {
            Some(m) => m,
            None => d
                .ask_model
                .clone()
                .or_else(|| d.models.as_ref().and_then(|m| m.first().cloned()))
                .ok_or(Error::NoAskModel)?,
        };
        if model.contains(',') {
            return Err(Error::AskOneModel(model));
        }
        let (request, inspect) = request_spec(request, env, d)?;
        Ok(AskSettings {
            run: RunSpec {
                models: vec![model],
                request,
                concurrency: None,
                max_cost: None,
            },
            prompt,
            json: format == AskFormat::Json,
            stats,
            terminal: facts.terminal.stdout_tty,
            progress: decide(facts.terminal, inspect.verbose > 0).progress,
            inspect,
        })
    }
}

/// `llmx serve`: flags, then env, then the config's `[serve]`, then defaults.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub host: String,
    pub port: u16,
    /// Host names (without port) requests may carry besides the bound address and loopback.
    pub allow_hosts: Vec<String>,
    /// Origins (`scheme://host[:port]`) whose pages may call the server.
    pub cors_origins: Vec<String>,
    pub concurrency: usize,
    pub shutdown_timeout: Duration,
    pub show_token: bool,
    pub max_cost: Option<f64>,
    pub max_cost_per_day: Option<f64>,
    pub limits: CallLimits,
    pub connect_timeout: Duration,
    /// The access log's format; `None` with `-q`.
    pub log: Option<crate::cli::LogFormat>,
    pub history: HistoryPolicy,
    /// The model specs clients may ask for; `None`: any.
    pub models: Option<Vec<String>>,
    /// `LLMX_SERVE_TOKEN`, when set.
    pub token: Option<llmx_core::secret::Secret>,
}

/// The web origins allowed to call `llmx serve` (the config's, then the flags'), each as
/// `scheme://host[:port]`.
fn allowed_origins(config: &[String], flags: Vec<String>) -> Result<Vec<String>, Error> {
    let bad = |problem: String| Error::BadServeSetting {
        what: "--cors-origin".into(),
        problem,
    };
    let mut origins = config.to_vec();
    origins.extend(flags);
    origins
        .into_iter()
        .map(|o| {
            let t = o.trim_end_matches('/');
            match url::Url::parse(t) {
                Ok(u)
                    if matches!(u.scheme(), "http" | "https")
                        && u.host().is_some()
                        && u.path() == "/" =>
                {
                    Ok(u.origin().ascii_serialization())
                }
                _ => Err(bad(format!(
                    "`{o}` is not a web origin; give one such as http://localhost:3000"
                ))),
            }
        })
        .collect()
}

/// The most `llmx serve` waits for requests in flight when told to stop, by default.
pub const SERVE_SHUTDOWN_SECS: f64 = 10.0;
/// `llmx serve`'s port when none is given.
pub const SERVE_PORT: u16 = 4141;
/// Upstream requests in flight at once, by default.
pub const SERVE_CONCURRENCY: usize = 1024;

impl ServeSettings {
    pub fn resolve(a: crate::cli::ServeArgs, env: &Env, d: &Defaults) -> Result<Self, Error> {
        let crate::cli::ServeArgs {
            host,
            port,
            allow_hosts,
            cors_origins,
            concurrency,
            shutdown_timeout,
            show_token,
            max_cost,
            max_cost_per_day,
            limits,
            log_format,
            quiet,
            no_history,
        } = a;
        let c = &d.serve;
        let bad = |what: &str, problem: String| Error::BadServeSetting {
            what: what.to_string(),
            problem,
        };
        let host = host
            .or_else(|| c.host.clone())
            .unwrap_or_else(|| "127.0.0.1".into());
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if bare.parse::<std::net::IpAddr>().is_err() && bare != "localhost" {
            return Err(bad(
                "--host",
                format!(
                    "`{host}` is not an IP address; give one such as 127.0.0.1, ::1 or 0.0.0.0"
                ),
            ));
        }
        let mut allow = c.allowed_hosts.clone();
        allow.extend(allow_hosts);
        for h in &allow {
            if h.is_empty() || h.contains(['/', ' ', '@']) {
                return Err(bad(
                    "--allow-host",
                    format!("`{h}` is not a host name; give one such as llmx.internal"),
                ));
            }
        }
        let origins = allowed_origins(&c.cors_origins, cors_origins)?;
        let usd = |what: &str, v: Option<f64>| -> Result<Option<f64>, Error> {
            match v {
                Some(x) if !(x.is_finite() && x > 0.0) => Err(bad(
                    what,
                    format!("`{x}` is not an amount of dollars above 0"),
                )),
                v => Ok(v),
            }
        };
        let concurrency = match concurrency.or(c.concurrency) {
            Some(0) => {
                return Err(bad(
                    "serve.concurrency",
                    "0 would send nothing; give 1 or more".into(),
                ))
            }
            Some(n) => n as usize,
            None => SERVE_CONCURRENCY,
        };
        let shutdown = shutdown_timeout
            .or(c.shutdown_timeout)
            .unwrap_or(SERVE_SHUTDOWN_SECS);
        if !(shutdown.is_finite() && shutdown >= 0.0) {
            return Err(bad(
                "serve.shutdown_timeout",
                format!("`{shutdown}` is not a number of seconds"),
            ));
        }
        let (limits, connect_timeout) = call_limits(limits, env, d)?;
        let token = env
            .get("LLMX_SERVE_TOKEN")
            .map(|t| t.trim().to_string())
            .map(|t| {
                if t.len() < 16 {
                    Err(Error::BadEnv {
                        var: "LLMX_SERVE_TOKEN".into(),
                        problem: "a token shorter than 16 characters is too easy to guess; unset it and llmx makes one".into(),
                    })
                } else {
                    Ok(llmx_core::secret::Secret::new(t))
                }
            })
            .transpose()?;
        Ok(ServeSettings {
            host,
            port: port.or(c.port).unwrap_or(SERVE_PORT),
            allow_hosts: allow,
            cors_origins: origins,
            concurrency,
            shutdown_timeout: Duration::from_secs_f64(shutdown),
            show_token,
            max_cost: usd("serve.max_cost", max_cost.or(c.max_cost))?,
            max_cost_per_day: usd(
                "serve.max_cost_per_day",
                max_cost_per_day.or(c.max_cost_per_day),
            )?,
            limits,
            connect_timeout,
            log: (!quiet).then_some(log_format),
            history: history_policy(no_history, env, &d.history)?,
            models: c.models.clone(),
            token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn compare(args: &[&str], env: &Env, d: &Defaults) -> Result<CompareSettings, Error> {
        let mut argv = vec!["llmx", "compare"];
        argv.extend(args);
        let crate::cli::Command::Compare(a) =
            crate::cli::Cli::try_parse_from(argv).unwrap().command
        else {
            panic!("not compare")
        };
        CompareSettings::resolve(a, env, d, Facts::default())
    }

    #[test]
    fn flags_beat_env_beat_config_beat_defaults() {
        let d = Defaults {
            temperature: Some(0.2),
            max_tokens: Some(50),
            timeout: Some(30.0),
            concurrency: Some(3),
            models: Some(vec!["from-config".into()]),
            ..Default::default()
        };
        let none = Env::default();
        let s = compare(&["-p", "x"], &none, &d).unwrap();
        assert_eq!(s.run.models, ["from-config"]);
        assert_eq!(s.run.request.temperature, Some(0.2));
        assert_eq!(s.run.request.limits.total, Some(Duration::from_secs(30)));
        assert_eq!(s.run.concurrency, Some(3));
        let env = Env::from_pairs([
            ("LLMX_TEMPERATURE", "0.5"),
            ("LLMX_MODELS", "a, b"),
            ("LLMX_TIMEOUT", "7"),
        ]);
        let s = compare(&["-p", "x"], &env, &d).unwrap();
        assert_eq!(s.run.models, ["a", "b"]);
        assert_eq!(s.run.request.temperature, Some(0.5));
        assert_eq!(s.run.request.limits.total, Some(Duration::from_secs(7)));
        let s = compare(&["-p", "x", "-m", "c", "--temperature", "0.9"], &env, &d).unwrap();
        assert_eq!(s.run.models, ["c"]);
        assert_eq!(s.run.request.temperature, Some(0.9));
        let s = compare(&["-p", "x", "-m", "c"], &none, &Defaults::default()).unwrap();
        assert_eq!(
            s.run.request.limits.total,
            Some(Duration::from_secs_f64(defaults::TOTAL_SECS))
        );
        assert_eq!(s.run.request.limits.retry.retries, defaults::RETRIES);
    }

    #[test]
    fn a_bad_env_value_names_the_variable() {
        let env = Env::from_pairs([("LLMX_TEMPERATURE", "3")]);
        let e = compare(&["-p", "x", "-m", "a"], &env, &Defaults::default()).unwrap_err();
        assert_eq!(e.to_string(), "LLMX_TEMPERATURE: 3 is outside 0 to 2");
        let env = Env::from_pairs([("LLMX_CONCURRENCY", "0")]);
        let e = compare(&["-p", "x", "-m", "a"], &env, &Defaults::default()).unwrap_err();
        assert!(e.to_string().starts_with("LLMX_CONCURRENCY: "), "{e}");
    }

    #[test]
    fn system_prompt_and_limits() {
        let s = compare(
            &[
                "-p",
                "x",
                "-m",
                "a",
                "--system",
                "@sys.txt",
                "--max-tokens",
                "64",
                "--no-stream",
                "--max-answer-mb",
                "4",
            ],
            &Env::default(),
            &Defaults::default(),
        )
        .unwrap();
        let r = &s.run.request;
        assert_eq!(r.system, Some(SystemPrompt::File("sys.txt".into())));
        assert_eq!(r.max_tokens, Some(64));
        assert!(!r.stream);
        assert_eq!(r.limits.max_answer_bytes, 4 << 20);
        assert_eq!(
            r.connect_timeout,
            Duration::from_secs_f64(defaults::CONNECT_SECS)
        );
    }

    #[test]
    fn no_prompt_and_no_models_are_usage_errors() {
        let e = compare(&["-m", "a"], &Env::default(), &Defaults::default()).unwrap_err();
        assert!(e.to_string().starts_with("no prompt"), "{e}");
        let e = compare(&["-p", "x"], &Env::default(), &Defaults::default()).unwrap_err();
        assert!(e.to_string().starts_with("no models"), "{e}");
    }
}

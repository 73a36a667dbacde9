//! Every error a user sees, with its prose in one place, and the exit codes. Modules raise
//! errors that carry data (a path, a line, a provider, the limit that was hit); the wording —
//! lowercase, the user's value in backticks, the fix named — lives in the `Display`
//! implementations below, and flag names appear only here, where the CLI reports them. The exit
//! code is derived from the error, never chosen at the call site.

use std::fmt;
use std::path::PathBuf;

use llmx_core::bench::prompts::PromptsError;
use llmx_core::bench::stored::ResumeProblem;
use llmx_core::engine::resolve::ResolveError;
use llmx_core::engine::BudgetHalt;
use llmx_core::engine::SinkError;
use llmx_core::input::InputError;
use llmx_core::pipeline::PipelineError;
use llmx_core::provider::error::Limit;
use llmx_core::provider::registry::UnknownProvider;
use llmx_core::provider::ProviderError;

/// Exit codes, documented in the README and `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every model answered.
    Success = 0,
    /// At least one model failed, or an output failed after requests were sent; results that
    /// could be kept were.
    ModelFailed = 1,
    /// A usage or configuration error; nothing was sent.
    Usage = 2,
    /// SIGHUP; what had finished was kept.
    HungUp = 129,
    /// Interrupted by Ctrl-C; what had finished was printed.
    Interrupted = 130,
    /// SIGTERM; what had finished was kept.
    Terminated = 143,
}

impl Exit {
    pub fn from_signal(s: llmx_core::engine::Signal) -> Exit {
        match s {
            llmx_core::engine::Signal::Interrupt => Exit::Interrupted,
            llmx_core::engine::Signal::Terminate => Exit::Terminated,
            llmx_core::engine::Signal::Hangup => Exit::HungUp,
        }
    }
}

/// The text `--help` shows about exit codes.
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0    every model answered
  1    at least one model failed (results are still printed)
  2    usage or configuration error (nothing was sent)
  129  hung up (SIGHUP): finished rows are kept and written, the rest marked cancelled
  130  interrupted (Ctrl-C): finished rows are kept and written, the rest marked cancelled
  143  terminated (SIGTERM): finished rows are kept and written, the rest marked cancelled";

/// Which command asked for a prompt (their ways of giving one differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptCommand {
    Compare,
    Ask,
}

/// Everything that ends a command with an error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ---- Before anything is sent: exit 2. ----
    /// A `llmx serve` setting that cannot work (from a flag or the config's `[serve]`).
    #[error("{what}: {problem}")]
    BadServeSetting { what: String, problem: String },
    /// `llmx serve` cannot listen where it was told to.
    #[error(
        "cannot listen on {addr}: {problem}; pick another --port (0 takes a free one) or --host"
    )]
    ServeBind { addr: String, problem: String },
    /// The serve token could be neither found nor kept.
    #[error("{0}")]
    ServeToken(String),
    #[error("{}", match .0 {
        PromptCommand::Compare => "no prompt: pass a PROMPT_FILE, -p TEXT, or pipe the prompt on stdin",
        PromptCommand::Ask => "no prompt: pass it as an argument, with -p TEXT, or pipe it on stdin",
    })]
    NoPrompt(PromptCommand),
    #[error("the prompt is empty: give it as a file, with -p TEXT, or on stdin")]
    EmptyPrompt,
    #[error("prompt file `{}` is empty; put the prompt in it, or give it with -p TEXT", .0.display())]
    EmptyPromptFile(PathBuf),
    /// A file or stdin that could not be read as text.
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("no models: name some with -m (e.g. -m gpt,claude), or set defaults.models in the config file")]
    NoModels,
    #[error("no model to ask: name one with -m (e.g. -m claude), or set defaults.ask_model (or defaults.models) in the config file")]
    NoAskModel,
    #[error("ask takes one model, not `{0}`; to ask several at once use compare: llmx compare -m {0} ...")]
    AskOneModel(String),
    #[error("cannot tell the format of `{}` from its extension; use .csv, .json, .jsonl, .md, .html or .txt, or add --format csv|json|jsonl|markdown|html|table", .0.display())]
    UnknownExtension(PathBuf),
    #[error("{var}: {problem}")]
    BadEnv { var: String, problem: String },
    #[error("environment variable `{0}` is not valid UTF-8; fix or unset it")]
    EnvNotUtf8(String),
    #[error("{}", resolve_shown(.0))]
    Resolve(#[from] ResolveError),
    /// The request could not be built, or the run could not start (before sending).
    #[error("{}", pipeline_shown(.0))]
    Pipeline(PipelineError),
    /// A benchmark's prompts could not be loaded.
    #[error("{}", prompts_shown(.0))]
    Prompts(#[from] PromptsError),
    #[error("model `{0}` is listed twice in -m; a benchmark runs each model once per cell (use --repeat for more)")]
    ModelTwice(String),
    /// `--batch` with a flag or a model it cannot take.
    #[error("--batch: {0}")]
    BatchWith(String),
    /// A batch job file that cannot be used.
    #[error("cannot use the batch job file `{}`: {problem}", path.display())]
    BatchJobFile { path: PathBuf, problem: String },
    #[error("no prompts: pass .txt or .md files, a directory of them, a .jsonl or .csv file, or - to read JSONL from stdin")]
    NoPrompts,
    #[error("`{}` already holds results: pass --resume {} to complete that run, or remove it or choose another -o", .0.display(), .0.display())]
    OutputHasResults(PathBuf),
    #[error("cannot resume from `{}`: {}", path.display(), ResumeShown(problem))]
    Resume {
        path: PathBuf,
        problem: ResumeProblem,
    },
    #[error("cannot write `{}`: directory `{}` does not exist", path.display(), dir.display())]
    OutputDirMissing { path: PathBuf, dir: PathBuf },
    #[error("cannot write `{}`: it is a directory; name a file, e.g. results.csv", .0.display())]
    OutputIsDir(PathBuf),
    #[error("{flag} `{}` is {what} `{}`: writing there would destroy it; choose another file", .output.display(), .other.display())]
    OutputIsInput {
        flag: &'static str,
        output: PathBuf,
        /// What the other file is: `the prompt file`, `the history store`, `the --summary file`.
        what: String,
        other: PathBuf,
    },
    #[error("cannot write `{}`: {source}", path.display())]
    OutputCreate {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--image `{0}` is not a file path or an http(s) URL; pass a PNG, JPEG, WebP or GIF file, or an https:// URL")]
    BadImageUrl(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("{0}")]
    HttpClient(String),
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    UnknownProvider(UnknownProvider),
    #[error("no user config directory is known; set LLMX_CONFIG to a file path")]
    NoConfigDir,
    #[error("no user cache directory is known; set LLMX_CACHE_DIR to choose one")]
    NoCacheDir,
    #[error("`{}` already exists; not overwriting it (edit it, or move it away first)", .0.display())]
    ConfigExists(PathBuf),
    #[error("cannot create `{}`: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{}`: {source}", path.display())]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no man page for `llmx {0}`; `llmx --help` lists the commands")]
    UnknownManPage(String),
    #[error("cannot write the catalog cache `{}`: {source}", path.display())]
    CacheWrite {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the mock provider needs no key")]
    OfflineNeedsNoKey,
    #[error("the keyring is off (LLMX_NO_KEYRING); use the provider's env var or api_key in the config file")]
    KeyringOff,
    #[error("cannot read the key{}: {source}", if *from_stdin { " from stdin" } else { "" })]
    KeyRead {
        from_stdin: bool,
        source: std::io::Error,
    },
    #[error("no key given: type it at the prompt or pipe it on stdin")]
    NoKeyGiven,
    #[error("the key holds whitespace; paste only the key itself")]
    KeyHasWhitespace,
    #[error("the key is shorter than {} characters, too short to keep out of what llmx shows; paste the whole key the provider issued", llmx_core::secret::MIN_KEY_CHARS)]
    KeyTooShort,
    #[error("cannot store the key in {store}: {problem}; use the provider's env var or api_key in the config file instead")]
    KeyStore { store: String, problem: String },
    #[error("no OS keyring on this system, so keys cannot be stored: set {var}, or api_key under [providers.{provider}] in the config file (llmx config path)")]
    NoKeyring { provider: String, var: String },
    #[error("cannot remove the key from {store}: {problem}")]
    KeyRemove { store: String, problem: String },
    #[error("no {provider} key in {store}; nothing removed")]
    NoKeyToRemove { provider: String, store: String },

    /// The history store could not be read or changed (`llmx history`, `usage`, `leaderboard`).
    #[error("{0}")]
    History(#[from] llmx_core::history::HistoryError),

    // ---- After requests were sent: exit 1. ----
    /// An output failed; the run stopped and kept what it could.
    #[error("{0}")]
    Output(SinkError),
    /// The output failed after models ran; every result was saved to a recovery file.
    #[error("{error}; the results were saved to `{}`", .saved.display())]
    OutputRecovered { error: SinkError, saved: PathBuf },
    /// A benchmark's output failed; every row before it is in the file.
    #[error("{error}; {}{resume}", match saved {
        Some(p) => format!("the row being written was saved to `{}`; ", p.display()),
        None => String::new(),
    })]
    BenchOutput {
        error: SinkError,
        saved: Option<PathBuf>,
        resume: String,
    },
    /// The output file failed; the results went to stdout instead.
    #[error("{0}; the results are printed above")]
    OutputPrinted(SinkError),
    /// `--max-cost` stopped the run from sending (a provider billed more than its documented
    /// worst case, or the next request's worst case did not fit).
    #[error("{}", budget_shown(.0))]
    Budget(BudgetHalt),
}

impl From<PipelineError> for Error {
    fn from(e: PipelineError) -> Error {
        match e {
            // One variant each, worded as the CLI words them wherever they come from.
            PipelineError::Input(i) => Error::Input(i),
            PipelineError::Resolve(r) => Error::Resolve(r),
            e => Error::Pipeline(e),
        }
    }
}

/// Whether this machine has a keyring llmx can store keys in, as the command found once it
/// looked keys up (true until then): the advice for a missing key names `llmx keys set` only
/// where that can work.
static KEYRING_USABLE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Record whether keys can be stored here (see [`KEYRING_USABLE`]).
pub fn note_keyring(usable: bool) {
    KEYRING_USABLE.store(usable, std::sync::atomic::Ordering::Relaxed);
}

fn keyring_usable() -> bool {
    KEYRING_USABLE.load(std::sync::atomic::Ordering::Relaxed)
}

/// A model spec that could not be resolved, in the CLI's words: the flag it came from, and how
/// to store a missing key (where a keyring can hold one).
fn resolve_shown(e: &ResolveError) -> String {
    match e {
        ResolveError::EmptyName => "empty model name in -m".into(),
        ResolveError::MissingKey { provider, .. } if keyring_usable() => {
            format!("{e}, or run `llmx keys set {provider}`")
        }
        e => e.to_string(),
    }
}

/// `--max-cost` cannot bound some models: which, and what to do about each kind.
fn unbounded_shown(all: &[llmx_core::engine::budget::Unbounded]) -> String {
    use llmx_core::engine::budget::Unbounded;
    let named = |label: &str, link: &str| {
        if label == link {
            format!("`{link}`")
        } else {
            format!("`{label}` ({link})")
        }
    };
    let list = |names: Vec<String>| match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let no_max: Vec<String> = all
        .iter()
        .filter_map(|u| match u {
            Unbounded::NoMaxOutput { label, link } => Some(named(label, link)),
            Unbounded::Unpriced { .. } => None,
        })
        .collect();
    let unpriced: Vec<String> = all
        .iter()
        .filter_map(|u| match u {
            Unbounded::Unpriced { label, link } => Some(named(label, link)),
            Unbounded::NoMaxOutput { .. } => None,
        })
        .collect();
    let mut said = Vec::new();
    if !no_max.is_empty() {
        let whose = if no_max.len() == 1 { "its" } else { "their" };
        said.push(format!(
            "--max-cost needs --max-tokens: the catalog has no maximum output for {}, so {whose} worst case is unknown",
            list(no_max)
        ));
    }
    if !unpriced.is_empty() {
        said.push(format!(
            "--max-cost cannot bound {}: no price is known (see llmx models, or drop --max-cost)",
            list(unpriced)
        ));
    }
    said.join("; ")
}

fn pipeline_shown(e: &PipelineError) -> String {
    use llmx_core::pipeline::AttachError;
    let usd = |c: f64| llmx_core::row::usd(Some(c));
    match e {
        PipelineError::Attach(AttachError::UnknownToolChoice { name, path, tools }) => format!(
            "--tool-choice `{name}` is no tool of `{}` (it has {}); pass auto, none, required or one of those names",
            path.display(),
            tools.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
        ),
        PipelineError::Unbounded(all) => unbounded_shown(all),
        PipelineError::OverBudget {
            total,
            limit,
            parts,
        } => format!(
            "estimated worst case {} exceeds --max-cost {} ({}); lower --max-tokens, drop a model or raise --max-cost",
            usd(*total),
            usd(*limit),
            parts
                .iter()
                .map(|(l, c)| format!("{l} {}", usd(*c)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        PipelineError::Resolve(r) => resolve_shown(r),
        PipelineError::NothingCanRun(why) => why
            .iter()
            .map(|(provider, e)| advised(&e.message, Some(e.kind), e.limit, provider))
            .collect::<Vec<_>>()
            .join("; "),
        e => e.to_string(),
    }
}

fn prompts_shown(e: &PromptsError) -> String {
    match e {
        PromptsError::Empty => Error::NoPrompts.to_string(),
        e => e.to_string(),
    }
}

fn budget_shown(h: &BudgetHalt) -> String {
    let usd = |c: f64| llmx_core::row::usd(Some(c));
    match h {
        BudgetHalt::Overrun {
            label,
            reserved,
            billed,
        } => format!(
            "{label} cost {}, more than the {} worst case its provider's documented prices and limits allow; llmx stopped sending so --max-cost holds (the provider billed more than it documents)",
            usd(*billed),
            usd(*reserved)
        ),
        BudgetHalt::Full {
            label,
            next,
            spent,
            cap,
            ..
        } => format!(
            "stopped sending: {} spent, and the worst case of the next request ({label}, {}) would pass --max-cost {}",
            usd(*spent),
            usd(*next),
            usd(*cap)
        ),
        BudgetHalt::Unbounded(u) => unbounded_shown(std::slice::from_ref(u)),
    }
}

impl Error {
    /// The exit code this error ends the program with.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Output(_)
            | Error::OutputPrinted(_)
            | Error::OutputRecovered { .. }
            | Error::BenchOutput { .. }
            | Error::Budget(_)
            | Error::ServeBind { .. }
            | Error::ServeToken(_) => Exit::ModelFailed,
            _ => Exit::Usage,
        }
    }
}

/// How the CLI words a `--resume` problem (the core's [`ResumeProblem`] carries only the data).
pub struct ResumeShown<'a>(pub &'a ResumeProblem);

impl fmt::Display for ResumeShown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ResumeProblem::Read(e) if e.kind() == std::io::ErrorKind::NotFound => {
                f.write_str("it does not exist; run without --resume (with -o) to start the benchmark")
            }
            ResumeProblem::Read(e) => write!(f, "{e}"),
            ResumeProblem::NotUtf8 => f.write_str("it is not UTF-8 text, so not a bench file"),
            ResumeProblem::Empty => f.write_str("it is empty; run without --resume (with -o) to start the benchmark"),
            ResumeProblem::Columns => f.write_str("it is not a bench CSV (its header is not the `llmx bench` columns)"),
            ResumeProblem::BadLine(n) => write!(f, "line {n} is not a bench row"),
            ResumeProblem::BadRow { line, field } => write!(f, "line {line} has no valid `{field}`"),
            ResumeProblem::MixedRuns(a, b) => write!(
                f,
                "it holds rows of two runs (`{a}` and `{b}`); resume each run from its own file"
            ),
            ResumeProblem::OtherRun { file, ours, extra } if !extra.is_empty() => write!(
                f,
                "it is run `{file}`, made with {} this command does not have; pass the same prompts and -m as that run",
                extra.join(", ")
            ),
            ResumeProblem::OtherRun { file, ours, .. } => write!(
                f,
                "it is run `{file}`, but these prompts, models, --repeat and request flags make run `{ours}`; pass the same ones as that run"
            ),
            ResumeProblem::Format => f.write_str("--format names another format than the file's; drop --format"),
            ResumeProblem::NotAFile => f.write_str("it is not a regular file (a resume rewrites the file it completes); resume a bench file written with -o"),
            ResumeProblem::TooLarge(n) => write!(
                f,
                "it is {} MiB, more than a bench file llmx reads back ({} MiB); split the run with --shard",
                n >> 20,
                llmx_core::bench::stored::MAX_STORED_BYTES >> 20
            ),
        }
    }
}

/// A provider error as the CLI shows it: the provider's (scrubbed) message, and — when one of
/// llmx's own limits ended the call — the setting that raises it; for a model the catalog says
/// cannot take the request, how to send anyway. Files and the history keep the message alone.
pub fn shown(e: &ProviderError, provider: &str) -> String {
    advised(&e.message, Some(e.kind), e.limit, provider)
}

/// A row's error as the table shows it (see [`shown`]); `None` for a row that answered.
pub fn shown_row(r: &llmx_core::row::Row) -> Option<String> {
    let e = r.error.as_deref()?;
    Some(advised(e, r.error_kind, r.error_limit, &r.provider))
}

/// `message` with the CLI's advice for `kind` and `limit` (and `provider`'s missing key).
fn advised(
    message: &str,
    kind: Option<llmx_core::provider::ErrorKind>,
    limit: Option<Limit>,
    provider: &str,
) -> String {
    use llmx_core::provider::ErrorKind;
    if kind == Some(ErrorKind::MissingKey) && message.starts_with("no API key for ") {
        if !keyring_usable() {
            return message.to_string();
        }
        return format!("{message}, or run `llmx keys set {provider}`");
    }
    let flag = match limit {
        Some(Limit::Total) => "--timeout",
        Some(Limit::FirstByte) => "--ttfb-timeout",
        Some(Limit::Stall) => "--stall-timeout",
        Some(Limit::AnswerSize) => "--max-answer-mb",
        Some(Limit::RetryBudget) => "--retry-max-wait",
        None if kind == Some(ErrorKind::Unsupported)
            && message.starts_with("the catalog lists no ") =>
        {
            return format!("{message} (--force sends anyway)");
        }
        None => return message.to_string(),
    };
    format!("{message} (raise {flag})")
}

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file `{}` (from LLMX_CONFIG) not found", .0.display())]
    NotFound(PathBuf),
    #[error("cannot read config file `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config `{}` line {line}: {problem}", path.display())]
    At {
        path: PathBuf,
        line: usize,
        problem: ConfigProblem,
    },
}

/// What is wrong at a line of the config file.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigProblem {
    /// The TOML parser's own message.
    Syntax(String),
    Field {
        /// `defaults.temperature`, `providers.mybox.base_url`.
        field: String,
        problem: FieldProblem,
    },
    /// A `[providers.X]` section for a provider that is neither built in nor defined.
    NotBuiltin {
        section: String,
        suggestion: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldProblem {
    Temperature(f64),
    AtLeastOne,
    /// The flags' own range message.
    Range(String),
    NoModels,
    AliasForm,
    Dialect(String),
    NotHttpUrl(String),
    Empty,
    BadHeader,
    BuiltinDialect(String),
    MissingBaseUrl,
    /// `responses = true` on a provider whose dialect is not openai.
    ResponsesDialect,
    /// A field of one cloud's provider on another provider.
    OnlyFor(&'static str),
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigProblem::Syntax(m) => f.write_str(m),
            ConfigProblem::NotBuiltin {
                section,
                suggestion,
            } => {
                write!(f, "[{section}] is not a built-in provider; ")?;
                if let Some(s) = suggestion {
                    write!(f, "did you mean `{s}`? ")?;
                }
                f.write_str(
                    "add `dialect = \"openai\"` (or anthropic, gemini) to define a custom one",
                )
            }
            ConfigProblem::Field { field, problem } => {
                write!(f, "`{field}` ")?;
                match problem {
                    FieldProblem::Temperature(t) => write!(f, "is {t}; use 0 to 2"),
                    FieldProblem::AtLeastOne => f.write_str("must be at least 1"),
                    FieldProblem::Range(m) => f.write_str(m),
                    FieldProblem::NoModels => f.write_str("is empty; name at least one model"),
                    FieldProblem::AliasForm => f.write_str(
                        "must map a name without `/` to a model, e.g. fast = \"groq/llama-3.3-70b-versatile\"",
                    ),
                    FieldProblem::Dialect(d) => {
                        write!(f, "is `{d}`; use openai, anthropic or gemini")
                    }
                    FieldProblem::NotHttpUrl(u) => write!(f, "is `{u}`, not an http(s) URL"),
                    FieldProblem::Empty => f.write_str("is empty"),
                    FieldProblem::BadHeader => f.write_str("is not a valid HTTP header"),
                    FieldProblem::BuiltinDialect(name) => write!(
                        f,
                        "cannot change the dialect of built-in provider `{name}`; give the custom provider another name"
                    ),
                    FieldProblem::MissingBaseUrl => {
                        f.write_str("is missing; a custom provider needs one")
                    }
                    FieldProblem::ResponsesDialect => f.write_str(
                        "applies to openai-dialect providers only (the Responses wire is OpenAI's); remove it",
                    ),
                    FieldProblem::OnlyFor(p) => {
                        write!(f, "applies to [providers.{p}] only; remove it")
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_from_the_error() {
        assert_eq!(Error::NoModels.exit(), Exit::Usage);
        let sink = SinkError::new("stdout", std::io::ErrorKind::StorageFull.into());
        assert_eq!(Error::Output(sink).exit(), Exit::ModelFailed);
    }

    #[test]
    fn limits_name_the_flag_only_where_shown() {
        let e = ProviderError::limit(
            llmx_core::provider::ErrorKind::Timeout,
            Limit::Stall,
            "stream stalled: no data for 60s",
        );
        assert!(
            !e.message.contains("--"),
            "the provider layer names no flag"
        );
        assert_eq!(
            shown(&e, "openai"),
            "stream stalled: no data for 60s (raise --stall-timeout)"
        );
    }
}

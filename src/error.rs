//! Every error a user sees, with its prose in one place, and the exit codes. Modules raise
//! errors that carry data (a path, a line, a provider, the limit that was hit); the wording —
//! lowercase, the user's value in backticks, the fix named — lives in the `Display`
//! implementations below, and flag names appear only here, where the CLI reports them. The exit
//! code is derived from the error, never chosen at the call site.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::engine::resolve::ResolveError;
use crate::engine::SinkError;
use crate::provider::error::Limit;
use crate::provider::registry::UnknownProvider;
use crate::provider::ProviderError;

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
    pub fn from_signal(s: crate::engine::Signal) -> Exit {
        match s {
            crate::engine::Signal::Interrupt => Exit::Interrupted,
            crate::engine::Signal::Terminate => Exit::Terminated,
            crate::engine::Signal::Hangup => Exit::HungUp,
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
    #[error("{}", match .0 {
        PromptCommand::Compare => "no prompt: pass a PROMPT_FILE, -p TEXT, or pipe the prompt on stdin",
        PromptCommand::Ask => "no prompt: pass it as an argument, with -p TEXT, or pipe it on stdin",
    })]
    NoPrompt(PromptCommand),
    #[error("the prompt is empty: give it as a file, with -p TEXT, or on stdin")]
    EmptyPrompt,
    #[error("{}", read_failure(what, path, source))]
    ReadText {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not UTF-8 text (bad byte at offset {offset}); convert it, e.g. with iconv", match path {
        Some(p) => format!("{what} `{}`", p.display()),
        None => "stdin".to_string(),
    })]
    NotUtf8 {
        what: &'static str,
        path: Option<PathBuf>,
        offset: usize,
    },
    #[error("cannot read the prompt from stdin: {0}")]
    StdinRead(std::io::Error),
    #[error("no models: name some with -m (e.g. -m gpt,claude), or set defaults.models in the config file")]
    NoModels,
    #[error("cannot tell the format of `{}` from its extension; add --format csv|json|jsonl|markdown|table", .0.display())]
    UnknownExtension(PathBuf),
    #[error("{var}: {problem}")]
    BadEnv { var: String, problem: String },
    #[error("environment variable `{0}` is not valid UTF-8; fix or unset it")]
    EnvNotUtf8(String),
    #[error("{0}")]
    Resolve(#[from] ResolveError),
    #[error("{}", .0.join("; "))]
    NothingCanRun(Vec<String>),
    #[error("--max-cost needs --max-tokens: the most `{0}` can write is not known")]
    MaxCostNeedsMaxTokens(String),
    #[error(
        "--max-cost cannot bound `{0}`: its price is unknown (see llmx models, or drop --max-cost)"
    )]
    MaxCostUnpriced(String),
    #[error("estimated worst case {} exceeds --max-cost {} ({}); lower --max-tokens, drop a model or raise --max-cost",
        crate::render::usd(Some(*total)), crate::render::usd(Some(*limit)),
        parts.iter().map(|(l, c)| format!("{l} {}", crate::render::usd(Some(*c)))).collect::<Vec<_>>().join(", "))]
    OverBudget {
        total: f64,
        limit: f64,
        parts: Vec<(String, f64)>,
    },
    #[error("{at}: {problem}")]
    BadPrompt { at: Origin, problem: PromptProblem },
    #[error("model `{0}` is listed twice in -m; a benchmark runs each model once per cell (use --repeat for more)")]
    ModelTwice(String),
    #[error("no prompts: pass .txt or .md files, a directory of them, a .jsonl or .csv file, or - to read JSONL from stdin")]
    NoPrompts,
    #[error("`{}` already holds results: pass --resume {} to complete that run, or remove it or choose another -o", .0.display(), .0.display())]
    OutputHasResults(PathBuf),
    #[error("cannot resume from `{}`: {problem}", path.display())]
    Resume {
        path: PathBuf,
        problem: ResumeProblem,
    },
    #[error("cannot write `{}`: directory `{}` does not exist", path.display(), dir.display())]
    OutputDirMissing { path: PathBuf, dir: PathBuf },
    #[error("cannot write `{}`: it is a directory; name a file, e.g. results.csv", .0.display())]
    OutputIsDir(PathBuf),
    #[error("-o `{}` is the prompt file `{}`: writing results there would destroy the prompt; choose another output file", .output.display(), .input.display())]
    OutputIsInput { output: PathBuf, input: PathBuf },
    #[error("cannot write `{}`: {source}", path.display())]
    OutputCreate {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--image `{0}` is not a file path or an http(s) URL; pass a PNG, JPEG, WebP or GIF file, or an https:// URL")]
    BadImageUrl(String),
    #[error("image `{}` is not PNG, JPEG, WebP or GIF (llmx reads the type from the bytes, not the name); convert it, e.g. to PNG", .0.display())]
    NotAnImage(PathBuf),
    #[error("image `{}` is {}, more than any provider takes ({} at most); make it smaller", .path.display(), crate::provider::image::size(*.bytes), crate::provider::image::size(*.limit))]
    ImageTooLarge {
        path: PathBuf,
        bytes: usize,
        limit: usize,
    },
    #[error("tools file `{}`: {problem}", path.display())]
    BadTools { path: PathBuf, problem: String },
    #[error("--tool-choice `{name}` is no tool of `{}` (it has {}); pass auto, none, required or one of those names", path.display(), tools.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "))]
    UnknownToolChoice {
        name: String,
        path: PathBuf,
        tools: Vec<String>,
    },
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
    #[error("cannot store the key in {store}: {problem}; use the provider's env var or api_key in the config file instead")]
    KeyStore { store: String, problem: String },
    #[error("cannot remove the key from {store}: {problem}")]
    KeyRemove { store: String, problem: String },
    #[error("no {provider} key in {store}; nothing removed")]
    NoKeyToRemove { provider: String, store: String },

    /// The history store could not be read or changed (`llmx history`, `usage`, `leaderboard`).
    #[error("{0}")]
    History(#[from] crate::history::HistoryError),

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
}

impl Error {
    /// The exit code this error ends the program with.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Output(_)
            | Error::OutputPrinted(_)
            | Error::OutputRecovered { .. }
            | Error::BenchOutput { .. } => Exit::ModelFailed,
            _ => Exit::Usage,
        }
    }

    /// A file the user named could not be read.
    pub fn read(what: &'static str, path: &Path, source: std::io::Error) -> Error {
        Error::ReadText {
            what,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Where in the input a prompt came from: a file (or stdin) and maybe a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `None` for stdin.
    pub path: Option<PathBuf>,
    pub line: Option<usize>,
}

impl Origin {
    pub fn file(path: &Path) -> Origin {
        Origin {
            path: Some(path.to_path_buf()),
            line: None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "`{}`", p.display())?,
            None => f.write_str("stdin")?,
        }
        match self.line {
            Some(n) => write!(f, " line {n}"),
            None => Ok(()),
        }
    }
}

/// What is wrong with a prompt of a benchmark's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptProblem {
    NoId,
    NoPrompt,
    DuplicateId {
        id: String,
        first: Origin,
    },
    NotJson(String),
    NotObject,
    /// A field that must be text is not.
    NotText(&'static str),
    BadExpect(String),
    CsvColumns,
    Csv(String),
    EmptyPrompt,
    EmptyDir,
    UnknownKind,
}

impl fmt::Display for PromptProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromptProblem::NoId => f.write_str("no `id`; every prompt needs a unique id"),
            PromptProblem::NoPrompt => f.write_str("no `prompt` text"),
            PromptProblem::DuplicateId { id, first } => write!(
                f,
                "prompt id `{id}` is already used at {first}; ids must be unique"
            ),
            PromptProblem::NotJson(e) => write!(
                f,
                "not a JSON object ({e}); each line holds one object with `id` and `prompt`"
            ),
            PromptProblem::NotObject => {
                f.write_str("not a JSON object; each line holds one object with `id` and `prompt`")
            }
            PromptProblem::NotText(field) => write!(f, "`{field}` must be a string"),
            PromptProblem::BadExpect(e) => f.write_str(e),
            PromptProblem::CsvColumns => {
                f.write_str("a prompt CSV needs `id` and `prompt` columns in its header")
            }
            PromptProblem::Csv(e) => write!(f, "not valid CSV: {e}"),
            PromptProblem::EmptyPrompt => f.write_str("the prompt is empty"),
            PromptProblem::EmptyDir => f.write_str("holds no .txt or .md prompt files"),
            PromptProblem::UnknownKind => f.write_str(
                "is not a prompt file: use .txt or .md (one prompt), .jsonl or .csv (many), or a directory",
            ),
        }
    }
}

/// Why a `--resume` file cannot be completed.
#[derive(Debug)]
pub enum ResumeProblem {
    Read(std::io::Error),
    NotUtf8,
    Empty,
    /// A CSV whose header is not the bench columns.
    Columns,
    BadLine(usize),
    BadRow {
        line: usize,
        field: &'static str,
    },
    /// The file holds more than one run.
    MixedRuns(String, String),
    /// The file holds rows of prompts or models this run does not have, or was made with
    /// other prompts, repeats or request settings.
    OtherRun {
        file: String,
        ours: String,
        extra: Vec<String>,
    },
    /// `--format` names another format than the file's.
    Format,
}

impl fmt::Display for ResumeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
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
        }
    }
}

fn read_failure(what: &str, path: &Path, e: &std::io::Error) -> String {
    let shown = path.display();
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("{what} `{shown}` not found"),
        std::io::ErrorKind::IsADirectory => format!("{what} `{shown}` is a directory, not a file"),
        std::io::ErrorKind::FileTooLarge => format!(
            "{what} `{shown}` is larger than {} MiB, more than any model reads; pass a smaller file",
            crate::commands::MAX_PROMPT_BYTES >> 20
        ),
        _ => format!("cannot read {what} `{shown}`: {e}"),
    }
}

/// A provider error as the CLI shows it: the provider's (scrubbed) message, and — when one of
/// llmx's own limits ended the call — the setting that raises it.
pub fn shown(e: &ProviderError) -> String {
    let flag = match e.limit {
        Some(Limit::Total) => "--timeout",
        Some(Limit::FirstByte) => "--ttfb-timeout",
        Some(Limit::Stall) => "--stall-timeout",
        Some(Limit::AnswerSize) => "--max-answer-mb",
        Some(Limit::RetryBudget) => "--retry-max-wait",
        None => return e.message.clone(),
    };
    format!("{} (raise {flag})", e.message)
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::EmptyName => f.write_str("empty model name in -m"),
            ResolveError::UnknownModel {
                spec,
                suggestion: Some(s),
            } => write!(f, "unknown model `{spec}`; did you mean `{s}`?"),
            ResolveError::UnknownModel {
                spec,
                suggestion: None,
            } => write!(
                f,
                "unknown model `{spec}`; name it as provider/model, e.g. openai/{spec}"
            ),
            ResolveError::UnknownProvider(u) => u.fmt(f),
            ResolveError::NoModelAfter { spec, provider } => write!(
                f,
                "`{spec}` names no model after `{provider}/`, e.g. `{provider}/<model-id>`"
            ),
            ResolveError::BadBaseUrl {
                url,
                provider,
                origin,
            } => write!(
                f,
                "base URL `{url}` for {provider} is not an http(s) URL; fix {origin}"
            ),
            ResolveError::AliasCycle(chain) => {
                let shown: Vec<String> = chain.iter().map(|c| format!("`{c}`")).collect();
                write!(
                    f,
                    "the aliases {} go round in a circle; change one of them in the config's [aliases]",
                    shown.join(" → ")
                )
            }
            ResolveError::PlainHttpKey {
                provider,
                url,
                origin,
            } => write!(
                f,
                "refusing to send {provider} credentials over plain http to {url}; use https or a loopback address (set by {origin})"
            ),
            ResolveError::MissingKey { provider, vars, .. } => {
                let vars = match vars.as_slice() {
                    [one] => one.clone(),
                    [first, rest @ ..] => format!("{first} (or {})", rest.join(", ")),
                    [] => "its key".into(),
                };
                write!(
                    f,
                    "no API key for {provider}: set {vars}, or run `llmx keys set {provider}`"
                )
            }
            ResolveError::NotRoutable {
                name,
                route,
                families,
            } => write!(
                f,
                "`{name}` is offered by one provider only, so `:{route}` has nothing to choose from; models with several providers: {}",
                families.join(", ")
            ),
            ResolveError::NotServed {
                provider,
                family,
                served,
            } => write!(
                f,
                "provider `{provider}` does not serve {family}; it is served by {}",
                served.join(", ")
            ),
        }
    }
}

impl fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown provider `{}`; ", self.name)?;
        if let Some(s) = &self.suggestion {
            write!(f, "did you mean `{s}`? ")?;
        }
        write!(f, "known providers: {}", self.known.join(", "))
    }
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
            crate::provider::ErrorKind::Timeout,
            Limit::Stall,
            "stream stalled: no data for 60s",
        );
        assert!(
            !e.message.contains("--"),
            "the provider layer names no flag"
        );
        assert_eq!(
            shown(&e),
            "stream stalled: no data for 60s (raise --stall-timeout)"
        );
    }
}

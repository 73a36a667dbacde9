//! The command line: clap definitions only. Commands take these parsed values and resolve them
//! into settings before anything runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::EXIT_CODES_HELP;
use crate::output::ColorWhen;
use crate::render::listing::{BoardSort, UsageBy};
use crate::render::models::{ModelSort, ModelsFormat};
use crate::render::Format;
use crate::sink::bench::BenchFormat;
use crate::validate::{parse_count, parse_mib, parse_secs, parse_temperature, parse_usd};
use llmx_core::provider::run::defaults;

const ABOUT: &str =
    "Compare large language models side by side: one prompt, many models, one table.";

const AFTER_HELP: &str = "Examples:
  llmx compare -m mock/a,mock/b -p \"Why is the sky blue?\"
  llmx compare -m gpt,claude,gemini prompts/coding-task.md
  llmx compare -m gpt,claude prompts/summary.md -o results.csv
  cat notes.md | llmx ask -m claude -p \"Summarise:\"

Models are provider/model (openai/gpt-4o-mini, openrouter/meta-llama/llama-3.3-70b-instruct),
a known model id (gpt-4o-mini) or an alias (gpt, claude, gemini, deepseek, mistral, llama, grok).
`a|b` falls back to b when a fails; `llama-3.3-70b:cheapest` routes among providers (llmx models).
Keys come from each provider's env var (OPENAI_API_KEY, ...), then the OS keyring (llmx keys
set), then the config file (llmx config path); LLMX_<PROVIDER>_BASE_URL points a provider at
another server.";

/// `ValueEnum` for the plain enums of the layers below the command line, which know nothing of
/// clap: each variant with its value and help, as the flags show them.
macro_rules! value_enum {
    ($t:ty { $($v:ident => $name:literal $(: $help:literal)?),+ $(,)? }) => {
        impl ValueEnum for $t {
            fn value_variants<'a>() -> &'a [Self] {
                &[$(<$t>::$v),+]
            }
            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(match self {
                    $(Self::$v => clap::builder::PossibleValue::new($name)$(.help($help))?),+
                })
            }
        }
    };
}

value_enum!(Format {
    Table => "table",
    Csv => "csv",
    Json => "json",
    Jsonl => "jsonl",
    Markdown => "markdown",
    Html => "html": "One self-contained HTML report",
});
value_enum!(crate::render::Layout {
    Auto => "auto": "Side by side when every answer gets 38 columns, else stacked",
    Side => "side": "Answers in columns side by side (each at least 20 wide)",
    Stacked => "stacked": "Answers one under another, each at the full width",
});
value_enum!(ColorWhen {
    Auto => "auto",
    Always => "always",
    Never => "never",
});
value_enum!(BenchFormat {
    Csv => "csv",
    Jsonl => "jsonl",
});
value_enum!(UsageBy {
    Model => "model": "`provider/model` as requested",
    Provider => "provider",
    Day => "day": "UTC day",
});
value_enum!(BoardSort {
    Latency => "latency": "Median latency, lowest first",
    Ttft => "ttft": "Median time to first token, lowest first",
    Speed => "speed": "Median output tokens per second, highest first",
    Cost => "cost": "Mean cost per request, lowest first",
    Errors => "errors": "Error rate, lowest first",
});
value_enum!(ModelSort {
    Name => "name": "Provider, then model id",
    Price => "price": "Cheapest first (input + output price); unpriced last",
    Context => "context": "Largest context window first; unknown last",
});
value_enum!(ModelsFormat {
    Table => "table": "Aligned columns; model ids are never broken (other columns go first)",
    Plain => "plain": "One tab-separated line per model, no header: provider/id, context, input and output USD per million tokens, capabilities, aliases",
    Csv => "csv",
    Json => "json",
});

#[derive(Debug, Parser)]
#[command(
    name = "llmx",
    version,
    about = ABOUT,
    after_help = format!("{AFTER_HELP}\n\n{EXIT_CODES_HELP}"),
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE
    /// asks for it anywhere), always (e.g. for `| less -R`), never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send one prompt to several models at once and compare the answers.
    #[command(after_help = EXIT_CODES_HELP)]
    Compare(CompareArgs),
    /// Ask one model; the answer streams to stdout, made for shell pipes.
    #[command(after_help = EXIT_CODES_HELP)]
    Ask(AskArgs),
    /// Benchmark: every prompt × model × repeat, one CSV/JSONL row each, then a summary.
    #[command(after_help = BENCH_AFTER_HELP)]
    Bench(BenchArgs),
    /// Your past runs, newest first; `history show ID` renders one again, as compare did.
    #[command(args_conflicts_with_subcommands = true, after_help = HISTORY_AFTER_HELP)]
    History(HistoryArgs),
    /// What your runs cost: spend, requests, tokens and errors by model, provider or day.
    Usage(UsageArgs),
    /// Your own leaderboard: each model's latency, speed, errors and cost on your runs.
    Leaderboard(LeaderboardArgs),
    /// List the model catalog: prices, context windows, capabilities, aliases.
    Models(ModelsArgs),
    /// Store, list and remove API keys in the OS keyring.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Where the config file is, what it holds, and a starter file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print shell completions (bash, zsh, fish, powershell, elvish) to stdout.
    #[command(
        after_help = "Install, e.g.:\n  llmx completions bash > ~/.local/share/bash-completion/completions/llmx\n  llmx completions zsh > ~/.zfunc/_llmx\n  llmx completions fish > ~/.config/fish/completions/llmx.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): llmx's, or a subcommand's; or write them all into a directory.
    #[command(
        after_help = "Install, e.g.:\n  llmx man --dir ~/.local/share/man/man1    # llmx.1, llmx-compare.1, …\n  llmx man compare | man -l -"
    )]
    Man {
        /// The subcommand whose page to print (`compare`, `keys set`); none: llmx(1).
        #[arg(value_name = "COMMAND", num_args = 0..)]
        command: Vec<String>,
        /// Write every page (llmx.1 and one per subcommand) into DIR instead.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<PathBuf>,
    },
}

/// Options every command that sends a prompt shares.
#[derive(Debug, Clone, Args)]
pub struct RequestArgs {
    /// System prompt, or @FILE to read it from a file.
    #[arg(long, value_name = "TEXT|@FILE")]
    pub system: Option<String>,

    /// Sampling temperature (0 to 2) [env: LLMX_TEMPERATURE].
    #[arg(long, value_parser = parse_temperature)]
    pub temperature: Option<f64>,

    /// Most tokens each model may write [env: LLMX_MAX_TOKENS].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_tokens: Option<u32>,

    /// Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300].
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub timeout: Option<f64>,

    /// Give up connecting to a server after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = defaults::CONNECT_SECS, value_parser = parse_secs)]
    pub connect_timeout: f64,

    /// Give up when the response has not started after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = defaults::FIRST_BYTE_SECS, value_parser = parse_secs)]
    pub ttfb_timeout: f64,

    /// End a stream that sends nothing for this many seconds ("stream stalled").
    #[arg(long, value_name = "SECS", default_value_t = defaults::STALL_SECS, value_parser = parse_secs)]
    pub stall_timeout: f64,

    /// Retries on 429, 5xx, 529, connection errors and timeouts before any content arrived.
    #[arg(long, value_name = "N", default_value_t = defaults::RETRIES, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,

    /// The most to wait between retries of one model, all waits together.
    #[arg(long, value_name = "SECS", default_value_t = defaults::RETRY_MAX_WAIT_SECS, value_parser = parse_secs)]
    pub retry_max_wait: f64,

    /// Cut answers larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = defaults::MAX_ANSWER_MIB, value_parser = parse_mib)]
    pub max_answer_mb: f64,

    /// For a model several providers serve: cheapest, fastest (by your earlier runs) or
    /// provider=NAME first; the others follow as fallbacks.
    #[arg(long, value_name = "ROUTE")]
    pub route: Option<llmx_core::engine::route::Route>,

    /// Only the first choice: no fallback to the next model of a `a|b` chain or route.
    #[arg(long)]
    pub no_fallback: bool,

    /// Wait for whole answers instead of streaming them (no time to first token).
    #[arg(long)]
    pub no_stream: bool,

    /// Do not record this run in the local history [env: LLMX_NO_HISTORY=1] [config:
    /// history.enabled = false].
    #[arg(long)]
    pub no_history: bool,

    /// Attach an image (PNG, JPEG, WebP or GIF) before the prompt: a file, or an http(s) URL.
    /// Repeat for several.
    #[arg(long = "image", value_name = "PATH|URL")]
    pub images: Vec<String>,

    /// Tools the models may call: a JSON array of {"type":"function","function":{...}} or
    /// {"name","description","parameters"} objects.
    #[arg(long, value_name = "FILE")]
    pub tools: Option<PathBuf>,

    /// Whether the models may (auto), must (required) or must not (none) call a tool, or the
    /// name of the one they must call.
    #[arg(long, value_name = "auto|none|required|NAME", requires = "tools")]
    pub tool_choice: Option<String>,

    /// Send images or tools even to models the catalog says cannot take them.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Models to compare, comma-separated; repeat -m to add more [env: LLMX_MODELS] [default:
    /// defaults.models in the config file].
    #[arg(
        short,
        long = "models",
        visible_alias = "model",
        value_name = "MODELS",
        value_delimiter = ','
    )]
    pub models: Vec<String>,

    /// File holding the prompt, or - for stdin.
    #[arg(value_name = "PROMPT_FILE")]
    pub prompt_file: Option<String>,

    /// The prompt text (piped stdin, or PROMPT_FILE, is appended after it).
    #[arg(short, long, value_name = "TEXT")]
    pub prompt: Option<String>,

    #[command(flatten)]
    pub request: RequestArgs,

    /// Output format [default: table, or the extension of --output].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Write the results to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Ask at most N models at once [env: LLMX_CONCURRENCY] [default: 256].
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_count)]
    pub concurrency: Option<u32>,

    /// Show whole answers in the table instead of cutting them.
    #[arg(long)]
    pub full: bool,

    /// Answers in the table side by side, stacked one under another, or (auto) side by side
    /// only when each gets 38 columns.
    #[arg(long, value_enum, default_value_t = crate::render::Layout::Auto)]
    pub layout: crate::render::Layout,

    /// Mark, word by word, how each answer differs from the first: in colour on a terminal,
    /// else as [-removed-] and {+added+}.
    #[arg(long)]
    pub diff: bool,

    /// No progress display.
    #[arg(short, long)]
    pub quiet: bool,

    /// Refuse to send when the worst-case cost (prompt tokens estimated, output at
    /// --max-tokens) of all models together exceeds this many US dollars.
    #[arg(long, value_name = "USD", value_parser = parse_usd)]
    pub max_cost: Option<f64>,
}

const BENCH_AFTER_HELP: &str = "Examples:
  llmx bench -m gpt,claude prompts/ --repeat 3 -o results.csv
  llmx bench -m gpt,claude set.jsonl -o results.csv --resume results.csv
  llmx bench -m mock/a,mock/b prompts.csv --shard 1/2 -o part1.csv

Prompts: .txt/.md files (one prompt each, id = file stem), directories of them, .jsonl (id,
prompt, optional system and expect per line), .csv (header with id and prompt, optional system
and expect), or - for JSONL on stdin. expect: TEXT (contains, any case), /REGEX/ (or /REGEX/i),
json (the answer parses as JSON), equals:TEXT.

Exit codes:
  0    every request answered
  1    a request failed, or --max-cost stopped sending (finished rows are kept)
  2    usage or configuration error (nothing was sent)
  129  hung up (SIGHUP); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM): finished rows
       are kept, requests cut short are not written, and --resume runs them";

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Models to benchmark, comma-separated; repeat -m to add more [env: LLMX_MODELS].
    #[arg(
        short,
        long = "models",
        visible_alias = "model",
        value_name = "MODELS",
        value_delimiter = ','
    )]
    pub models: Vec<String>,

    /// Prompt files (.txt, .md, .jsonl, .csv), directories, or - for JSONL on stdin.
    #[arg(value_name = "PROMPTS")]
    pub prompts: Vec<String>,

    /// Ask each model each prompt this many times.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_count)]
    pub repeat: u32,

    /// Send this many requests per model first, and write none of them (warms connections and
    /// server caches).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub warmup: u32,

    /// Write the rows to FILE (each row flushed as its request finishes) instead of stdout.
    #[arg(short, long, value_name = "FILE", conflicts_with = "resume")]
    pub output: Option<PathBuf>,

    /// Row format [default: jsonl for a .jsonl FILE, else csv].
    #[arg(long, value_enum)]
    pub format: Option<BenchFormat>,

    /// Complete the run in FILE: keep its rows without an error, run the missing and failed
    /// ones, leave one row per cell.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,

    /// Also write the per-model summary to FILE (.json for JSON, .html for the HTML report,
    /// else CSV). `-o FILE.html` writes the report there and the rows to FILE.csv.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,

    /// Seed of the sending order (the same seed, the same order).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Run only shard I of N (1-based); the N shards' rows together are the whole run.
    #[arg(long, value_name = "I/N", value_parser = llmx_core::bench::Shard::parse)]
    pub shard: Option<llmx_core::bench::Shard>,

    /// At most N requests at once in all [env: LLMX_CONCURRENCY] [default: 256].
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_count)]
    pub concurrency: Option<u32>,

    /// Refuse to start when the worst-case cost of every request exceeds this many US
    /// dollars, and stop sending once spent plus in-flight worst cases would pass it.
    #[arg(long, value_name = "USD", value_parser = parse_usd)]
    pub max_cost: Option<f64>,

    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub request: RequestArgs,
}

/// What `ask` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AskFormat {
    /// The answer text only, streamed as it arrives.
    Text,
    /// One JSON object with the answer and its stats (the compare columns).
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct AskArgs {
    /// The model to ask [env: LLMX_ASK_MODEL] [default: defaults.ask_model, else the first of
    /// defaults.models, in the config file].
    #[arg(short, long, value_name = "MODEL")]
    pub model: Option<String>,

    /// The prompt, or - to read it from stdin.
    #[arg(value_name = "PROMPT")]
    pub text: Option<String>,

    /// Prompt text placed before piped stdin.
    #[arg(short, long, value_name = "TEXT")]
    pub prompt: Option<String>,

    #[command(flatten)]
    pub request: RequestArgs,

    /// Print latency, tokens and cost to stderr after the answer.
    #[arg(long)]
    pub stats: bool,

    #[arg(long, value_enum, default_value = "text")]
    pub format: AskFormat,
}

const HISTORY_AFTER_HELP: &str = "\
Every row of compare, ask and bench is recorded in a local SQLite store (`llmx keys path` shows
where; LLMX_DATA_DIR moves it). Turn it off with --no-history, LLMX_NO_HISTORY=1 or
`[history] enabled = false` in the config; `[history] store_text = false` keeps metrics and
hashes but no prompt or answer text.";

/// A span of time back from now: `30d`, `12h`, `90m`, `2w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Age(pub std::time::Duration);

impl std::str::FromStr for Age {
    type Err = String;
    fn from_str(s: &str) -> Result<Age, String> {
        let bad = || format!("`{s}` is not a span of time such as 30d, 12h, 90m or 2w");
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (n, unit) = t.split_at(split);
        let n: u64 = n.parse().map_err(|_| bad())?;
        let secs = match unit {
            "s" => 1,
            "m" | "min" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            _ => return Err(bad()),
        };
        n.checked_mul(secs)
            .map(|s| Age(std::time::Duration::from_secs(s)))
            .ok_or_else(bad)
    }
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
    #[command(flatten)]
    pub list: HistoryListArgs,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryListArgs {
    /// Only runs started this recently: 7d, 12h, 90m, 2w.
    #[arg(long, value_name = "AGE")]
    pub since: Option<Age>,
    /// Only runs with this model (as typed, `provider/model` or the provider's id).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Only runs whose prompt or an answer contains TEXT (any case).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// How many runs.
    #[arg(short = 'n', long = "limit", value_name = "N", default_value_t = 20)]
    pub limit: usize,
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Subcommand)]
pub enum HistoryCommand {
    /// Render a past run again, exactly as compare rendered it (any format).
    Show {
        /// The run's id, or enough of its start to be unique.
        run_id: String,
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Show whole answers in the table.
        #[arg(long)]
        full: bool,
    },
    /// Delete runs older than AGE and give the space back.
    Prune {
        #[arg(long, value_name = "AGE", required = true)]
        older_than: Age,
    },
    /// How many runs and rows the store holds, its size on disk, the oldest and newest row.
    Stats {
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Clone, Args)]
pub struct UsageArgs {
    /// Rows started this recently: 30d, 12h, 2w.
    #[arg(long, value_name = "AGE", default_value = "30d")]
    pub since: Age,
    #[arg(long, value_enum, default_value_t = UsageBy::Model)]
    pub by: UsageBy,
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Args)]
pub struct LeaderboardArgs {
    /// Rows started this recently: 30d, 12h, 2w.
    #[arg(long, value_name = "AGE", default_value = "30d")]
    pub since: Age,
    /// Leave out models with fewer rows than this.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_n: u64,
    #[arg(long, value_enum, default_value_t = BoardSort::Latency)]
    pub sort: BoardSort,
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Store a provider's key: typed at a hidden prompt, or piped on stdin (never an argument).
    Set {
        /// Provider id, e.g. openai, anthropic, gemini, or a custom provider from the config.
        provider: String,
    },
    /// For every provider: where its key comes from, and a masked form of it.
    List,
    /// Remove a provider's key from the keyring.
    Remove { provider: String },
    /// Where keys, the config file, the cache and the history live, and the lookup order.
    Path,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ConfigCommand {
    /// Print the config file's path.
    Path,
    /// Print the config file as llmx reads it, keys masked.
    Show,
    /// Write a commented starter config file (never over an existing one).
    Init,
}

#[derive(Debug, Clone, Args)]
pub struct ModelsArgs {
    /// Only this provider's models.
    #[arg(long, value_name = "PROVIDER")]
    pub provider: Option<String>,

    /// Only free models.
    #[arg(long)]
    pub free: bool,

    /// Only models whose id or alias contains TEXT (any case).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,

    /// Only models that take images.
    #[arg(long)]
    pub vision: bool,

    /// Only models that call tools.
    #[arg(long)]
    pub tools: bool,

    /// Only reasoning models.
    #[arg(long)]
    pub reasoning: bool,

    #[arg(long, value_enum, default_value = "name")]
    pub sort: ModelSort,

    /// Output format [default: table on a terminal, plain in a pipe].
    #[arg(long, value_enum)]
    pub format: Option<ModelsFormat>,

    /// Fetch current prices from OpenRouter and model lists from the providers you have set
    /// up (a key, or a base URL of your own), and cache them for later runs. With --provider,
    /// only that provider's list. Exit 0 when everything asked for was fetched, 1 when any
    /// source failed (what did arrive is still cached).
    #[arg(long)]
    pub refresh: bool,

    /// With --refresh: the most each source may take, in seconds (sources are fetched at once).
    #[arg(long, value_name = "SECS", default_value_t = llmx_core::catalog::refresh::SOURCE_TIMEOUT_SECS, value_parser = parse_secs)]
    pub timeout: f64,
}

/// Every man page: `llmx.1` and one per subcommand, nested ones included (`llmx-keys-set.1`),
/// as (file name, roff), llmx's first.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut roff = Vec::new();
        // Rendering into memory cannot fail.
        let _ = man.render(&mut roff);
        out.push((man.get_filename(), roff));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, out);
        }
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, &mut out);
    out
}

/// The page of `llmx` (no words) or of a subcommand (`["keys", "set"]`), if there is one.
pub fn man_page(command: &[String]) -> Option<Vec<u8>> {
    let name = std::iter::once("llmx")
        .chain(command.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("-");
    let file = format!("{name}.1");
    man_pages()
        .into_iter()
        .find_map(|(f, roff)| (f == file).then_some(roff))
}

/// The completion script for `shell`, as `llmx completions` prints it.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "llmx", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// The committed pages under man/ must match what this build generates, one per command.
    #[test]
    fn committed_man_pages_are_up_to_date() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
        let update = std::env::var_os("LLMX_UPDATE_COMPLETIONS").is_some();
        let pages = man_pages();
        let names: Vec<&str> = pages.iter().map(|(f, _)| f.as_str()).collect();
        for want in [
            "llmx.1",
            "llmx-compare.1",
            "llmx-ask.1",
            "llmx-bench.1",
            "llmx-keys-set.1",
        ] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        let roff = String::from_utf8(man_page(&["compare".into()]).unwrap()).unwrap();
        assert!(roff.contains("\\-\\-layout"), "{roff}");
        assert!(man_page(&["nope".into()]).is_none());
        let mut stale = Vec::new();
        for (file, want) in &pages {
            let path = dir.join(file);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, want).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(&want[..]) {
                stale.push(file.as_str());
            }
        }
        assert!(
            stale.is_empty(),
            "man/{{{}}} are stale; regenerate with: LLMX_UPDATE_COMPLETIONS=1 cargo test --lib committed",
            stale.join(",")
        );
    }

    /// The committed files under completions/ must match what this build generates.
    #[test]
    fn committed_completions_are_up_to_date() {
        use clap_complete::Shell;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
        let update = std::env::var_os("LLMX_UPDATE_COMPLETIONS").is_some();
        let mut stale = Vec::new();
        for (shell, file) in [
            (Shell::Bash, "llmx.bash"),
            (Shell::Zsh, "_llmx"),
            (Shell::Fish, "llmx.fish"),
            (Shell::PowerShell, "_llmx.ps1"),
            (Shell::Elvish, "llmx.elv"),
        ] {
            let path = dir.join(file);
            let want = completions(shell);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &want).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(&want[..]) {
                stale.push(file);
            }
        }
        assert!(
            stale.is_empty(),
            "completions/{{{}}} are stale; regenerate with: LLMX_UPDATE_COMPLETIONS=1 cargo test --lib completions",
            stale.join(",")
        );
    }

    #[test]
    fn the_timeout_help_names_the_default_in_force() {
        let help = Cli::command()
            .find_subcommand_mut("compare")
            .unwrap()
            .render_help()
            .to_string();
        let shown = format!("[default: {}]", defaults::TOTAL_SECS);
        assert!(
            help.contains(&shown),
            "--timeout help must say {shown}:\n{help}"
        );
    }

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn man_page_names_the_commands() {
        let man = String::from_utf8(man_page(&[]).unwrap()).unwrap();
        assert!(man.contains(".TH llmx 1"), "{}", &man[..80]);
        for c in ["compare", "ask", "models", "keys", "config"] {
            assert!(man.contains(c), "{c}");
        }
    }

    #[test]
    fn models_split_on_commas_and_repeat() {
        let cli =
            Cli::try_parse_from(["llmx", "compare", "-m", "a,b", "-m", "c", "-p", "x"]).unwrap();
        let Command::Compare(c) = cli.command else {
            panic!("not compare")
        };
        assert_eq!(c.models, ["a", "b", "c"]);
    }

    #[test]
    fn bad_flag_values_are_rejected() {
        for args in [
            &["llmx", "compare", "-m", "a", "--temperature", "3"][..],
            &["llmx", "compare", "-m", "a", "--timeout", "0"],
            &["llmx", "compare", "-m", "a", "-j", "0"],
            &["llmx", "compare", "-m", "a", "--format", "xml"],
            &["llmx", "ask", "--max-tokens", "0", "-m", "a"],
        ] {
            let e = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
    }
}

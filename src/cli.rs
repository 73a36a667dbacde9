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
use crate::validate::{
    parse_count, parse_mib, parse_poll, parse_secs, parse_temperature, parse_usd,
};
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

/// Each command's examples (its help and man page end with them).
pub(crate) mod examples {
    pub const COMPARE: &str = "Examples:
  llmx compare -m gpt,claude,gemini prompt.txt
  llmx compare -m gpt,claude -p \"Why is the sky blue?\" --max-tokens 300
  git diff | llmx compare -m gpt,claude -p \"Review this diff:\"
  llmx compare -m \"claude|gpt\" prompt.txt -o report.html   # claude; gpt if claude fails
  llmx compare -m llama-3.3-70b --route cheapest prompt.txt
  llmx compare -m gpt,claude prompt.txt --dry-run            # what would be sent; sends nothing
  llmx compare -m mock/fast,mock/slow -p hi                  # offline, no keys";

    pub const ASK: &str = "Examples:
  llmx ask \"What is a monad?\"                 # defaults.ask_model, else the first default model
  llmx ask -m claude --stats \"Name three primes\"
  cat build.log | llmx ask -m gpt -p \"Why did this build fail?\"
  llmx ask -m gemini --image chart.png \"What does this chart show?\"
  llmx ask -m claude --format json \"hi\" | jq -r .output";

    pub const BENCH: &str = "Examples:
  llmx bench -m gpt,claude prompts/ --repeat 3 -o results.csv
  llmx bench -m gpt,claude set.jsonl -o report.html          # rows in report.csv
  llmx bench -m gpt,claude set.jsonl --resume results.csv    # run what is missing or failed
  llmx bench -m mock/a,mock/b prompts.csv --shard 1/2 -o part1.csv
  llmx bench --batch -m gpt,claude set.jsonl -o batch.csv     # at the providers, half price
  llmx bench --batch --resume batch.csv                      # collect it, here or elsewhere

Prompts: .txt/.md files (one prompt each, id = file stem), directories of them, .jsonl (id,
prompt, optional system and expect per line), .csv (header with id and prompt, optional system
and expect), or - for JSONL on stdin. expect: TEXT (contains, any case), /REGEX/ (or /REGEX/i),
json (the answer parses as JSON), equals:TEXT.";

    pub const SERVE: &str = "Examples:
  llmx serve                                   # http://127.0.0.1:4141/v1, token required
  llmx serve --show-token                      # print the token clients send as their API key
  llmx serve --port 0 --max-cost-per-day 5     # a free port; at most $5 of requests a day
  OPENAI_BASE_URL=http://127.0.0.1:4141/v1 OPENAI_API_KEY=$(llmx serve --show-token) python app.py

Exit codes: 0 stopped by SIGINT/SIGTERM (requests in flight finished) or --show-token printed;
2 a flag or the config is wrong; 1 the address cannot be bound or the token cannot be kept.";

    pub const HISTORY: &str = "Examples:
  llmx history --since 7d --model claude
  llmx history --search \"sky\" --format csv
  llmx history show 787eca30603d                              # a run id from the list
  llmx history prune --older-than 90d

Every row of compare, ask and bench is recorded in a local SQLite store (`llmx keys path` shows
where; LLMX_DATA_DIR moves it). Turn it off with --no-history, LLMX_NO_HISTORY=1 or
`[history] enabled = false` in the config; `[history] store_text = false` keeps metrics and
hashes but no prompt or answer text.";

    pub const HISTORY_SHOW: &str = "Examples:
  llmx history show 787eca30603d
  llmx history show 787e --format markdown > run.md           # enough of the id to be unique";

    pub const HISTORY_PRUNE: &str = "Examples:
  llmx history prune --older-than 90d";

    pub const HISTORY_STATS: &str = "Examples:
  llmx history stats
  llmx history stats --format json";

    pub const USAGE: &str = "Examples:
  llmx usage                                   # the last 30 days, by model
  llmx usage --since 7d --by provider
  llmx usage --by day --format csv > spend.csv";

    pub const LEADERBOARD: &str = "Examples:
  llmx leaderboard                             # fastest first, models with 5+ rows
  llmx leaderboard --sort cost --since 7d
  llmx leaderboard --sort speed --min-n 20 --format markdown";

    pub const MODELS: &str = "Examples:
  llmx models --search claude
  llmx models --provider openai --sort price
  llmx models --vision --tools --format csv > models.csv
  llmx models --format plain | cut -f1,3,4     # id, input and output $ per million tokens
  llmx models --refresh                        # today's prices and model lists";

    pub const KEYS: &str = "Examples:
  llmx keys set openai
  llmx keys list
  llmx keys path";

    pub const KEYS_SET: &str = "Examples:
  llmx keys set openai                         # typed at a hidden prompt
  printf %s \"$ANTHROPIC_KEY\" | llmx keys set anthropic";

    pub const KEYS_LIST: &str = "Examples:
  llmx keys list";

    pub const KEYS_REMOVE: &str = "Examples:
  llmx keys remove openai";

    pub const KEYS_PATH: &str = "Examples:
  llmx keys path";

    pub const BATCH: &str = "Examples:
  llmx bench --batch --no-wait -m openai/gpt-4o-mini prompts/ -o runs.csv
  llmx batch status runs.csv
  llmx batch cancel runs.csv";

    pub const BATCH_STATUS: &str = "Examples:
  llmx batch status runs.csv";

    pub const BATCH_CANCEL: &str = "Examples:
  llmx batch cancel runs.csv";

    pub const CONFIG: &str = "Examples:
  llmx config init && ${EDITOR:-vi} \"$(llmx config path)\"
  llmx config show";

    pub const CONFIG_PATH: &str = "Examples:
  llmx config path";

    pub const CONFIG_SHOW: &str = "Examples:
  llmx config show";

    pub const CONFIG_INIT: &str = "Examples:
  llmx config init";

    pub const COMPLETIONS: &str = "Examples:
  llmx completions bash > ~/.local/share/bash-completion/completions/llmx
  llmx completions zsh > ~/.zfunc/_llmx
  llmx completions fish > ~/.config/fish/completions/llmx.fish";

    pub const MAN: &str = "Examples:
  llmx man --dir ~/.local/share/man/man1       # llmx.1, llmx-compare.1, …
  llmx man compare | man -l -";
}

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

    /// When to colour the output: auto, always (e.g. for `| less -R`), never.
    ///
    /// auto: on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE asks for colour anywhere.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, help_heading = heading::OUTPUT)]
    pub color: ColorWhen,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send one prompt to several models at once and compare the answers.
    #[command(after_help = format!("{}\n\n{EXIT_CODES_HELP}", examples::COMPARE))]
    Compare(CompareArgs),
    /// Ask one model; the answer streams to stdout, made for shell pipes.
    #[command(after_help = format!("{}\n\n{EXIT_CODES_HELP}", examples::ASK))]
    Ask(AskArgs),
    /// Benchmark: every prompt × model × repeat, one CSV/JSONL row each, then a summary.
    #[command(after_help = format!("{}\n\n{BENCH_EXIT_CODES}", examples::BENCH))]
    Bench(BenchArgs),
    /// The provider batches of a `bench --batch` run: their state, or cancel them.
    #[command(subcommand, after_help = examples::BATCH)]
    Batch(BatchCommand),
    /// A local OpenAI-compatible endpoint in front of every model: point an SDK's base URL at it.
    #[command(after_help = examples::SERVE)]
    Serve(ServeArgs),
    /// Your past runs, newest first; `history show ID` renders one again, as compare did.
    #[command(args_conflicts_with_subcommands = true, after_help = examples::HISTORY)]
    History(HistoryArgs),
    /// What your runs cost: spend, requests, tokens and errors by model, provider or day.
    #[command(after_help = examples::USAGE)]
    Usage(UsageArgs),
    /// Your own leaderboard: each model's latency, speed, errors and cost on your runs.
    #[command(after_help = examples::LEADERBOARD)]
    Leaderboard(LeaderboardArgs),
    /// List the model catalog: prices, context windows, capabilities, aliases.
    #[command(after_help = examples::MODELS)]
    Models(ModelsArgs),
    /// Store, list and remove API keys in the OS keyring.
    #[command(subcommand, after_help = examples::KEYS)]
    Keys(KeysCommand),
    /// Where the config file is, what it holds, and a starter file.
    #[command(subcommand, after_help = examples::CONFIG)]
    Config(ConfigCommand),
    /// Print shell completions (bash, zsh, fish, powershell, elvish) to stdout.
    #[command(after_help = examples::COMPLETIONS)]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): llmx's, or a subcommand's; or write them all into a directory.
    #[command(after_help = examples::MAN)]
    Man {
        /// The subcommand whose page to print (`compare`, `keys set`); none: llmx(1).
        #[arg(value_name = "COMMAND", num_args = 0..)]
        command: Vec<String>,
        /// Write every page (llmx.1 and one per subcommand) into DIR instead.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<PathBuf>,
    },
}

/// The help headings, in the order `--help` shows them.
pub(crate) mod heading {
    pub const MODELS: &str = "Models";
    pub const PROMPT: &str = "Prompt";
    pub const REQUEST: &str = "Request";
    pub const RUN: &str = "Run";
    pub const OUTPUT: &str = "Output";
    pub const LIMITS: &str = "Limits";
    pub const FILTER: &str = "Filter";
    pub const SERVER: &str = "Server";
    pub const REFRESH: &str = "Refresh";
}

/// Options every command that sends a prompt shares.
#[derive(Debug, Clone, Args)]
pub struct RequestArgs {
    /// System prompt, or @FILE to read it from a file.
    #[arg(long, value_name = "TEXT|@FILE", help_heading = heading::PROMPT)]
    pub system: Option<String>,

    /// Attach an image (PNG, JPEG, WebP or GIF): a file or an http(s) URL; repeat for more.
    ///
    /// The image goes before the prompt text.
    #[arg(long = "image", value_name = "PATH|URL", help_heading = heading::PROMPT)]
    pub images: Vec<String>,

    /// Tools the models may call (a JSON file).
    ///
    /// A JSON array of {"type":"function","function":{...}} or {"name","description",
    /// "parameters"} objects.
    #[arg(long, value_name = "FILE", help_heading = heading::PROMPT)]
    pub tools: Option<PathBuf>,

    /// Whether the models may, must or must not call a tool, or which one.
    ///
    /// auto: they may; required: they must; none: they must not; NAME: they must call that
    /// tool.
    #[arg(long, value_name = "auto|none|required|NAME", requires = "tools", help_heading = heading::PROMPT)]
    pub tool_choice: Option<String>,

    /// Send images or tools even to models the catalog says cannot take them.
    #[arg(long, help_heading = heading::PROMPT)]
    pub force: bool,

    /// Sampling temperature, 0 to 2 [env: LLMX_TEMPERATURE].
    #[arg(long, value_parser = parse_temperature, help_heading = heading::REQUEST)]
    pub temperature: Option<f64>,

    /// Most tokens each model may write [env: LLMX_MAX_TOKENS].
    #[arg(long, value_name = "N", value_parser = parse_count, help_heading = heading::REQUEST)]
    pub max_tokens: Option<u32>,

    /// Wait for whole answers instead of streaming them (no time to first token).
    #[arg(long, help_heading = heading::REQUEST)]
    pub no_stream: bool,

    /// Provider order for a model several serve: cheapest, fastest or provider=NAME.
    ///
    /// cheapest: by the catalog's prices; fastest: by your earlier runs; provider=NAME: that
    /// provider first. The others follow as fallbacks.
    #[arg(long, value_name = "ROUTE", help_heading = heading::MODELS)]
    pub route: Option<llmx_core::engine::route::Route>,

    /// Only the first choice: no fallback to the next model of an `a|b` chain or route.
    #[arg(long, help_heading = heading::MODELS)]
    pub no_fallback: bool,

    /// Print what would be sent, model by model, and send nothing.
    ///
    /// For each model: the fallback chain, the endpoint URL, where its key comes from (never
    /// the key), the exact request body with secrets masked, and the worst-case cost. Exit 0.
    #[arg(long, help_heading = heading::REQUEST)]
    pub dry_run: bool,

    /// Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies).
    ///
    /// Keys, tokens and custom auth headers are masked.
    #[arg(short, long, action = clap::ArgAction::Count, help_heading = heading::OUTPUT)]
    pub verbose: u8,

    /// Do not record this run in the local history [env: LLMX_NO_HISTORY=1].
    ///
    /// The config file's `[history] enabled = false` turns it off for every run.
    #[arg(long, help_heading = heading::OUTPUT)]
    pub no_history: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// How long and how often one request to a model may try: every command that sends one, and
/// `serve`.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300].
    #[arg(long, value_name = "SECS", value_parser = parse_secs, help_heading = heading::LIMITS)]
    pub timeout: Option<f64>,

    /// Give up connecting to a server after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = defaults::CONNECT_SECS, value_parser = parse_secs, help_heading = heading::LIMITS)]
    pub connect_timeout: f64,

    /// Give up when the response has not started after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = defaults::FIRST_BYTE_SECS, value_parser = parse_secs, help_heading = heading::LIMITS)]
    pub ttfb_timeout: f64,

    /// End a stream that sends nothing for this many seconds ("stream stalled").
    #[arg(long, value_name = "SECS", default_value_t = defaults::STALL_SECS, value_parser = parse_secs, help_heading = heading::LIMITS)]
    pub stall_timeout: f64,

    /// Retries before any content arrived.
    ///
    /// On 429, 5xx, 529, connection errors and timeouts; never once an answer has begun.
    #[arg(long, value_name = "N", default_value_t = defaults::RETRIES, value_parser = clap::value_parser!(u32).range(0..=10), help_heading = heading::LIMITS)]
    pub retries: u32,

    /// The most to wait between retries of one model, all waits together.
    #[arg(long, value_name = "SECS", default_value_t = defaults::RETRY_MAX_WAIT_SECS, value_parser = parse_secs, help_heading = heading::LIMITS)]
    pub retry_max_wait: f64,

    /// Cut answers larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = defaults::MAX_ANSWER_MIB, value_parser = parse_mib, help_heading = heading::LIMITS)]
    pub max_answer_mb: f64,
}

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Models, comma-separated; repeat -m for more [env: LLMX_MODELS].
    ///
    /// Without -m: defaults.models in the config file. A model is provider/model, a catalog
    /// id or an alias; `a|b` falls back to b when a fails.
    #[arg(
        short,
        long = "models",
        visible_alias = "model",
        value_name = "MODELS",
        value_delimiter = ',',
        help_heading = heading::MODELS
    )]
    pub models: Vec<String>,

    /// File holding the prompt, or - for stdin.
    #[arg(value_name = "PROMPT_FILE")]
    pub prompt_file: Option<String>,

    /// The prompt text (piped stdin, or PROMPT_FILE, is appended after it).
    #[arg(short, long, value_name = "TEXT", help_heading = heading::PROMPT)]
    pub prompt: Option<String>,

    #[command(flatten)]
    pub request: RequestArgs,

    /// Output format [default: table, or the extension of --output].
    #[arg(long, value_enum, help_heading = heading::OUTPUT)]
    pub format: Option<Format>,

    /// Write the results to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", help_heading = heading::OUTPUT)]
    pub output: Option<PathBuf>,

    /// Show whole answers in the table instead of cutting them.
    #[arg(long, help_heading = heading::OUTPUT)]
    pub full: bool,

    /// Answers side by side, stacked, or (auto) side by side when each gets 38 columns.
    #[arg(long, value_enum, default_value_t = crate::render::Layout::Auto, help_heading = heading::OUTPUT)]
    pub layout: crate::render::Layout,

    /// Mark, word by word, how each answer differs from the first.
    ///
    /// In colour on a terminal, else as [-removed-] and {+added+}.
    #[arg(long, help_heading = heading::OUTPUT)]
    pub diff: bool,

    /// Prefix CSV cells that start with = + - @ TAB or CR with ' (safe to open in a spreadsheet).
    ///
    /// Off by default: it changes the data. --resume reads such a file back as written.
    #[arg(long, help_heading = heading::OUTPUT)]
    pub csv_safe: bool,

    /// No progress display.
    #[arg(short, long, help_heading = heading::OUTPUT)]
    pub quiet: bool,

    /// Ask at most N models at once [env: LLMX_CONCURRENCY] [default: 256].
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_count, help_heading = heading::LIMITS)]
    pub concurrency: Option<u32>,

    /// Refuse to send when the worst-case cost of all models passes this many US dollars.
    ///
    /// The worst case counts every byte sent as a token and the output at --max-tokens (or
    /// the model's documented maximum).
    #[arg(long, value_name = "USD", value_parser = parse_usd, help_heading = heading::LIMITS)]
    pub max_cost: Option<f64>,
}

const BENCH_EXIT_CODES: &str = "Exit codes:
  0    every request answered
  1    a request failed, or --max-cost stopped sending (finished rows are kept)
  2    usage or configuration error (nothing was sent)
  129  hung up (SIGHUP); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM): finished rows
       are kept, requests cut short are not written, and --resume runs them";

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Models to benchmark, comma-separated; repeat -m for more [env: LLMX_MODELS].
    #[arg(
        short,
        long = "models",
        visible_alias = "model",
        value_name = "MODELS",
        value_delimiter = ',',
        help_heading = heading::MODELS
    )]
    pub models: Vec<String>,

    /// Prompt files (.txt, .md, .jsonl, .csv), directories, or - for JSONL on stdin.
    #[arg(value_name = "PROMPTS")]
    pub prompts: Vec<String>,

    /// Ask each model each prompt this many times.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_count, help_heading = heading::RUN)]
    pub repeat: u32,

    /// Send this many requests per model first and write none of them.
    ///
    /// Warms connections and server caches before the measured requests.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = heading::RUN)]
    pub warmup: u32,

    /// Seed of the sending order (the same seed, the same order).
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = heading::RUN)]
    pub seed: u64,

    /// Send the grid through the providers' Batch APIs (about half the price, results within
    /// 24 h) instead of live requests.
    ///
    /// One batch per model (more where a provider's limits ask); the batches' ids go to a job
    /// file beside FILE (`FILE.batch.json`). Rows have no latencies. Needs -o. Models whose
    /// provider has no Batch API are refused; --batch=auto runs them live instead.
    #[arg(
        long,
        value_name = "auto",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "all",
        hide_possible_values = true,
        help_heading = heading::RUN
    )]
    pub batch: Option<BatchMode>,

    /// With --batch: submit, save the job file and exit; --batch --resume FILE collects later.
    #[arg(long, requires = "batch", help_heading = heading::RUN)]
    pub no_wait: bool,

    /// With --batch: seconds between status checks [env: LLMX_BATCH_POLL] [default: 2, backing
    /// off to 60 after the first minute].
    #[arg(long, value_name = "SECS", requires = "batch", value_parser = parse_poll, help_heading = heading::RUN)]
    pub poll_interval: Option<f64>,

    /// Run only shard I of N (1-based); the N shards' rows together are the whole run.
    #[arg(long, value_name = "I/N", value_parser = llmx_core::bench::Shard::parse, help_heading = heading::RUN)]
    pub shard: Option<llmx_core::bench::Shard>,

    /// Write the rows to FILE, each flushed as its request finishes (else stdout).
    #[arg(short, long, value_name = "FILE", conflicts_with = "resume", help_heading = heading::OUTPUT)]
    pub output: Option<PathBuf>,

    /// Row format [default: jsonl for a .jsonl FILE, else csv].
    #[arg(long, value_enum, help_heading = heading::OUTPUT)]
    pub format: Option<BenchFormat>,

    /// Complete the run in FILE: run its missing and failed cells, one row per cell.
    ///
    /// Rows without an error are kept; a report written beside FILE is rewritten from the
    /// whole file. With --batch, the prompts, models and request may be left out: they are
    /// read from the job file FILE.batch.json.
    #[arg(long, value_name = "FILE", help_heading = heading::OUTPUT)]
    pub resume: Option<PathBuf>,

    /// Also write the summary to FILE (.json, .html for the report, else CSV).
    ///
    /// `-o FILE.html` writes the report there and the rows to FILE.csv.
    #[arg(long, value_name = "FILE", help_heading = heading::OUTPUT)]
    pub summary: Option<PathBuf>,

    /// Prefix CSV cells that start with = + - @ TAB or CR with ' (safe to open in a spreadsheet).
    ///
    /// Off by default: it changes the data. --resume reads such a file back as written.
    #[arg(long, help_heading = heading::OUTPUT)]
    pub csv_safe: bool,

    /// No progress bar, and no closing "rows written" line.
    #[arg(short, long, help_heading = heading::OUTPUT)]
    pub quiet: bool,

    /// At most N requests at once in all [env: LLMX_CONCURRENCY] [default: 256].
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_count, help_heading = heading::LIMITS)]
    pub concurrency: Option<u32>,

    /// Never spend more than this many US dollars.
    ///
    /// Refuses to start when the dearest single request's worst case passes it, and stops
    /// sending once spent plus in-flight worst cases would.
    #[arg(long, value_name = "USD", value_parser = parse_usd, help_heading = heading::LIMITS)]
    pub max_cost: Option<f64>,

    #[command(flatten)]
    pub request: RequestArgs,
}

/// `--batch` (every model batched) or `--batch=auto` (what cannot be batched runs live).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchMode {
    All,
    Auto,
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
    /// The model to ask [env: LLMX_ASK_MODEL].
    ///
    /// Without -m: defaults.ask_model, else the first of defaults.models, in the config file.
    #[arg(short, long, value_name = "MODEL", help_heading = heading::MODELS)]
    pub model: Option<String>,

    /// The prompt, or - to read it from stdin.
    #[arg(value_name = "PROMPT")]
    pub text: Option<String>,

    /// Prompt text placed before piped stdin.
    #[arg(short, long, value_name = "TEXT", help_heading = heading::PROMPT)]
    pub prompt: Option<String>,

    #[command(flatten)]
    pub request: RequestArgs,

    /// Print latency, tokens and cost to stderr after the answer.
    #[arg(long, help_heading = heading::OUTPUT)]
    pub stats: bool,

    /// What to print.
    #[arg(long, value_enum, default_value = "text", help_heading = heading::OUTPUT)]
    pub format: AskFormat,
}

/// Where a recorded run came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Source {
    /// `llmx serve`'s requests.
    Serve,
    /// compare, ask and bench, run live.
    Cli,
    /// `llmx bench --batch`: results read back from the providers' Batch APIs.
    Batch,
}

/// `llmx serve`'s access log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The address to listen on [default: 127.0.0.1; config: serve.host].
    ///
    /// Any other than loopback lets other machines reach every key you have (the token is
    /// still required).
    #[arg(long, value_name = "ADDR", help_heading = heading::SERVER)]
    pub host: Option<String>,

    /// The port [default: 4141; config: serve.port]; 0 takes a free one.
    #[arg(long, value_name = "N", help_heading = heading::SERVER)]
    pub port: Option<u16>,

    /// Another Host a request may name (a proxy's name for this server); repeat for more.
    ///
    /// Requests naming any other host are refused (403): a web page cannot reach the server
    /// through a DNS name of its own.
    #[arg(long = "allow-host", value_name = "HOST", help_heading = heading::SERVER)]
    pub allow_hosts: Vec<String>,

    /// A web origin whose pages may call the server (CORS); repeat for more.
    ///
    /// A request carrying any other Origin is refused (403).
    #[arg(long = "cors-origin", value_name = "ORIGIN", help_heading = heading::SERVER)]
    pub cors_origins: Vec<String>,

    /// Upstream requests in flight at once, all clients together [default: 1024].
    #[arg(short = 'j', long = "concurrency", value_name = "N", value_parser = parse_count, help_heading = heading::SERVER)]
    pub concurrency: Option<u32>,

    /// On SIGINT/SIGTERM, wait this long for requests in flight [default: 10].
    #[arg(long, value_name = "SECS", value_parser = parse_secs, help_heading = heading::SERVER)]
    pub shutdown_timeout: Option<f64>,

    /// Print the token clients must send (generating it if there is none) and exit.
    #[arg(long)]
    pub show_token: bool,

    /// Stop answering (429) once requests cost this much while the server runs.
    #[arg(long, value_name = "USD", value_parser = parse_usd, help_heading = heading::LIMITS)]
    pub max_cost: Option<f64>,

    /// Stop answering (429) once today's requests (UTC, from the history) cost this much.
    #[arg(long, value_name = "USD", value_parser = parse_usd, help_heading = heading::LIMITS)]
    pub max_cost_per_day: Option<f64>,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// The access log on stderr: one line per request as text, or one JSON object per line.
    #[arg(long, value_enum, default_value = "text", help_heading = heading::OUTPUT)]
    pub log_format: LogFormat,

    /// No access log (errors and the first line still print).
    #[arg(short, long, help_heading = heading::OUTPUT)]
    pub quiet: bool,

    /// Do not record requests in the local history [env: LLMX_NO_HISTORY=1].
    #[arg(long, help_heading = heading::OUTPUT)]
    pub no_history: bool,
}

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
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Only `llmx serve`'s requests, or only the command line's runs.
    #[arg(long, value_enum, value_name = "serve|cli")]
    pub source: Option<Source>,
    /// With --format csv: prefix cells that start with = + - @ TAB or CR with ' (spreadsheets).
    #[arg(long)]
    pub csv_safe: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum HistoryCommand {
    /// Render a past run again, exactly as compare rendered it (any format).
    #[command(after_help = examples::HISTORY_SHOW)]
    Show {
        /// The run's id, or enough of its start to be unique.
        run_id: String,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Show whole answers in the table.
        #[arg(long)]
        full: bool,
        /// With --format csv: prefix cells that start with = + - @ TAB or CR with '.
        #[arg(long)]
        csv_safe: bool,
    },
    /// Delete runs older than AGE and give the space back.
    #[command(after_help = examples::HISTORY_PRUNE)]
    Prune {
        /// Runs started longer ago than this: 90d, 12w.
        #[arg(long, value_name = "AGE", required = true)]
        older_than: Age,
        /// Then give the freed space back to the filesystem (holds the store while it runs;
        /// without it, later rows reuse the space).
        #[arg(long)]
        vacuum: bool,
    },
    /// How many runs and rows the store holds, its size on disk, the oldest and newest row.
    #[command(after_help = examples::HISTORY_STATS)]
    Stats {
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Clone, Args)]
pub struct UsageArgs {
    /// Rows started this recently: 30d, 12h, 2w.
    #[arg(long, value_name = "AGE", default_value = "30d")]
    pub since: Age,
    /// One line per model, provider or day.
    #[arg(long, value_enum, default_value_t = UsageBy::Model)]
    pub by: UsageBy,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Only `llmx serve`'s requests, or only the command line's runs.
    #[arg(long, value_enum, value_name = "serve|cli")]
    pub source: Option<Source>,
    /// With --format csv: prefix cells that start with = + - @ TAB or CR with ' (spreadsheets).
    #[arg(long)]
    pub csv_safe: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LeaderboardArgs {
    /// Rows started this recently: 30d, 12h, 2w.
    #[arg(long, value_name = "AGE", default_value = "30d")]
    pub since: Age,
    /// Leave out models with fewer rows than this.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_n: u64,
    /// Order of the board.
    #[arg(long, value_enum, default_value_t = BoardSort::Latency)]
    pub sort: BoardSort,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Only `llmx serve`'s requests, or only the command line's runs.
    #[arg(long, value_enum, value_name = "serve|cli")]
    pub source: Option<Source>,
    /// With --format csv: prefix cells that start with = + - @ TAB or CR with ' (spreadsheets).
    #[arg(long)]
    pub csv_safe: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum BatchCommand {
    /// Each batch of the run in FILE: its provider's state and counts, and whether its rows
    /// are written.
    #[command(after_help = examples::BATCH_STATUS)]
    Status {
        /// The rows file of a `bench --batch` run (its job file is FILE.batch.json).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Cancel the run's batches still running at the providers; `bench --batch --resume FILE`
    /// then writes what finished, and `batch_cancelled` rows for the rest.
    #[command(after_help = examples::BATCH_CANCEL)]
    Cancel {
        /// The rows file of a `bench --batch` run.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Store a provider's key: typed at a hidden prompt, or piped on stdin (never an argument).
    #[command(after_help = examples::KEYS_SET)]
    Set {
        /// Provider id, e.g. openai, anthropic, gemini, or a custom provider from the config.
        provider: String,
    },
    /// For every provider: where its key comes from, and a masked form of it.
    #[command(after_help = examples::KEYS_LIST)]
    List,
    /// Remove a provider's key from the keyring.
    #[command(after_help = examples::KEYS_REMOVE)]
    Remove {
        /// Provider id, e.g. openai.
        provider: String,
    },
    /// Where keys, the config file, the cache and the history live, and the lookup order.
    #[command(after_help = examples::KEYS_PATH)]
    Path,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ConfigCommand {
    /// Print the config file's path.
    #[command(after_help = examples::CONFIG_PATH)]
    Path,
    /// Print the config file as llmx reads it, keys masked.
    #[command(after_help = examples::CONFIG_SHOW)]
    Show,
    /// Write a commented starter config file (never over an existing one).
    #[command(after_help = examples::CONFIG_INIT)]
    Init,
}

#[derive(Debug, Clone, Args)]
pub struct ModelsArgs {
    /// Only this provider's models.
    #[arg(long, value_name = "PROVIDER", help_heading = heading::FILTER)]
    pub provider: Option<String>,

    /// Only free models.
    #[arg(long, help_heading = heading::FILTER)]
    pub free: bool,

    /// Only models whose id or alias contains TEXT (any case).
    #[arg(long, value_name = "TEXT", help_heading = heading::FILTER)]
    pub search: Option<String>,

    /// Only models that take images.
    #[arg(long, help_heading = heading::FILTER)]
    pub vision: bool,

    /// Only models that call tools.
    #[arg(long, help_heading = heading::FILTER)]
    pub tools: bool,

    /// Only reasoning models.
    #[arg(long, help_heading = heading::FILTER)]
    pub reasoning: bool,

    /// Order of the list.
    #[arg(long, value_enum, default_value = "name", help_heading = heading::OUTPUT)]
    pub sort: ModelSort,

    /// Output format [default: table on a terminal, plain in a pipe].
    #[arg(long, value_enum, help_heading = heading::OUTPUT)]
    pub format: Option<ModelsFormat>,

    /// Fetch current prices and model lists, and cache them.
    ///
    /// Prices from OpenRouter, model lists from the providers you have set up (a key, or a
    /// base URL of your own); with --provider, only that provider's list. Exit 0 when
    /// everything asked for was fetched, 1 when any source failed (what did arrive is still
    /// cached).
    #[arg(long, help_heading = heading::REFRESH)]
    pub refresh: bool,

    /// With --refresh: the most each source may take, in seconds (all are fetched at once).
    #[arg(long, value_name = "SECS", default_value_t = llmx_core::catalog::refresh::SOURCE_TIMEOUT_SECS, value_parser = parse_secs, help_heading = heading::REFRESH)]
    pub timeout: f64,
}

/// Every man page: `llmx.1` and one per subcommand, nested ones included (`llmx-keys-set.1`),
/// as (file name, roff), llmx's first.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) {
        // clap_mangen puts the text after the options in one EXTRA section; each block of it
        // (Examples:, Exit codes:, notes) gets its own section here instead.
        let man = clap_mangen::Man::new(cmd.clone());
        let mut roff = Vec::new();
        // Rendering into memory cannot fail.
        let _ = man.render_title(&mut roff);
        let _ = man.render_name_section(&mut roff);
        let _ = man.render_synopsis_section(&mut roff);
        let _ = man.render_description_section(&mut roff);
        if cmd.get_arguments().any(|a| !a.is_hide_set()) {
            let _ = man.render_options_section(&mut roff);
        }
        if cmd.has_subcommands() {
            let _ = man.render_subcommands_section(&mut roff);
        }
        if let Some(after) = cmd.get_after_help() {
            roff.extend(after_help_sections(&after.to_string()).into_bytes());
        }
        let _ = man.render_version_section(&mut roff);
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

/// A help text's blocks as man sections: `Examples:` becomes EXAMPLES and `Exit codes:` EXIT
/// STATUS (both kept as laid out), any other paragraph NOTES.
fn after_help_sections(text: &str) -> String {
    // roff: a backslash and a minus are escaped, and a line may not start with a control dot.
    let escape = |line: &str| {
        let l = line.replace('\\', "\\e").replace('-', "\\-");
        if l.starts_with('.') || l.starts_with('\'') {
            format!("\\&{l}")
        } else {
            l
        }
    };
    let mut out = String::new();
    let mut notes = Vec::new();
    for block in text.split("\n\n") {
        let (first, rest) = block.split_once('\n').unwrap_or((block, ""));
        let title = match first.trim() {
            "Examples:" => "EXAMPLES",
            "Exit codes:" => "EXIT STATUS",
            _ => {
                notes.push(block);
                continue;
            }
        };
        out.push_str(&format!(".SH \"{title}\"\n.nf\n"));
        for line in rest.lines() {
            out.push_str(&escape(line.strip_prefix("  ").unwrap_or(line)));
            out.push('\n');
        }
        out.push_str(".fi\n");
    }
    if !notes.is_empty() {
        out.push_str(".SH NOTES\n");
        for block in notes {
            out.push_str(".PP\n");
            for line in block.lines() {
                out.push_str(&escape(line));
                out.push('\n');
            }
        }
    }
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

    /// Words of a shell command as the examples write them: spaces split, double quotes group.
    fn words(cmd: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let (mut quoted, mut any) = (false, false);
        for c in cmd.chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    any = true;
                }
                ' ' if !quoted => {
                    if any {
                        out.push(std::mem::take(&mut cur));
                    }
                    any = false;
                }
                c => {
                    cur.push(c);
                    any = true;
                }
            }
        }
        if any {
            out.push(cur);
        }
        out
    }

    /// Every help and man page ends with examples, and every example parses as the command
    /// line it claims to be (pipes, `&&`, redirections and comments set aside).
    #[test]
    fn every_command_has_examples_that_parse() {
        let mut seen = 0;
        for (name, roff) in man_pages() {
            let text = String::from_utf8(roff).unwrap();
            assert!(text.contains(".SH \"EXAMPLES\""), "{name} has no EXAMPLES");
        }
        fn walk(cmd: &clap::Command, seen: &mut usize) {
            let after = cmd
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            let examples = after
                .split("\n\n")
                .find(|b| b.starts_with("Examples:"))
                .unwrap_or_else(|| panic!("{} has no examples", cmd.get_name()));
            for line in examples.lines().skip(1) {
                let line = line.split("  #").next().unwrap_or(line);
                for part in line.split(['|', '&']) {
                    let part = part.trim().split(" > ").next().unwrap_or("").trim();
                    if !part.starts_with("llmx ") {
                        continue;
                    }
                    let argv = words(part);
                    if let Err(e) = Cli::try_parse_from(&argv) {
                        panic!("example `{part}` does not parse: {e}");
                    }
                    *seen += 1;
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, seen);
            }
        }
        walk(&Cli::command(), &mut seen);
        assert!(seen >= 50, "{seen} examples");
    }

    /// compare's options come under the headings a user looks for, in this order.
    #[test]
    fn compare_help_is_grouped() {
        let help = Cli::command()
            .find_subcommand_mut("compare")
            .unwrap()
            .render_help()
            .to_string();
        let at = |h: &str| {
            help.find(&format!("\n{h}:\n"))
                .unwrap_or_else(|| panic!("{h}"))
        };
        let order = [
            "Models",
            "Prompt",
            "Request",
            "Output",
            "Limits",
            "Examples",
            "Exit codes",
        ];
        let positions: Vec<usize> = order.iter().map(|h| at(h)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{help}");
    }

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

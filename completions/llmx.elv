
use builtin;
use str;

set edit:completion:arg-completer[llmx] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'llmx'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'llmx'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand compare 'Send one prompt to several models at once and compare the answers'
            cand ask 'Ask one model; the answer streams to stdout, made for shell pipes'
            cand bench 'Benchmark: every prompt × model × repeat, one CSV/JSONL row each, then a summary'
            cand batch 'The provider batches of a `bench --batch` run: their state, or cancel them'
            cand serve 'A local OpenAI-compatible endpoint in front of every model: point an SDK''s base URL at it'
            cand history 'Your past runs, newest first; `history show ID` renders one again, as compare did'
            cand usage 'What your runs cost: spend, requests, tokens and errors by model, provider or day'
            cand leaderboard 'Your own leaderboard: each model''s latency, speed, errors and cost on your runs'
            cand models 'List the model catalog: prices, context windows, capabilities, aliases'
            cand keys 'Store, list and remove API keys in the OS keyring'
            cand config 'Where the config file is, what it holds, and a starter file'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish) to stdout'
            cand man 'Print a man page (roff): llmx''s, or a subcommand''s; or write them all into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;compare'= {
            cand -m 'Models, comma-separated; repeat -m for more [env: LLMX_MODELS]'
            cand --models 'Models, comma-separated; repeat -m for more [env: LLMX_MODELS]'
            cand --model 'Models, comma-separated; repeat -m for more [env: LLMX_MODELS]'
            cand -p 'The prompt text (piped stdin, or PROMPT_FILE, is appended after it)'
            cand --prompt 'The prompt text (piped stdin, or PROMPT_FILE, is appended after it)'
            cand --system 'System prompt, or @FILE to read it from a file'
            cand --image 'Attach an image (PNG, JPEG, WebP or GIF): a file or an http(s) URL; repeat for more'
            cand --tools 'Tools the models may call (a JSON file)'
            cand --tool-choice 'Whether the models may, must or must not call a tool, or which one'
            cand --temperature 'Sampling temperature, 0 to 2 [env: LLMX_TEMPERATURE]'
            cand --max-tokens 'Most tokens each model may write [env: LLMX_MAX_TOKENS]'
            cand --route 'Provider order for a model several serve: cheapest, fastest or provider=NAME'
            cand --timeout 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]'
            cand --connect-timeout 'Give up connecting to a server after this many seconds'
            cand --ttfb-timeout 'Give up when the response has not started after this many seconds'
            cand --stall-timeout 'End a stream that sends nothing for this many seconds ("stream stalled")'
            cand --retries 'Retries before any content arrived'
            cand --retry-max-wait 'The most to wait between retries of one model, all waits together'
            cand --max-answer-mb 'Cut answers larger than this many MiB'
            cand --format 'Output format [default: table, or the extension of --output]'
            cand -o 'Write the results to FILE instead of stdout'
            cand --output 'Write the results to FILE instead of stdout'
            cand --layout 'Answers side by side, stacked, or (auto) side by side when each gets 38 columns'
            cand -j 'Ask at most N models at once [env: LLMX_CONCURRENCY] [default: 256]'
            cand --concurrency 'Ask at most N models at once [env: LLMX_CONCURRENCY] [default: 256]'
            cand --max-cost 'Refuse to send when the worst-case cost of all models passes this many US dollars'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand --force 'Send images or tools even to models the catalog says cannot take them'
            cand --no-stream 'Wait for whole answers instead of streaming them (no time to first token)'
            cand --no-fallback 'Only the first choice: no fallback to the next model of an `a|b` chain or route'
            cand --dry-run 'Print what would be sent, model by model, and send nothing'
            cand -v 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)'
            cand --verbose 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)'
            cand --no-history 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1]'
            cand --full 'Show whole answers in the table instead of cutting them'
            cand --diff 'Mark, word by word, how each answer differs from the first'
            cand --csv-safe 'Prefix CSV cells that start with = + - @ TAB or CR with '' (safe to open in a spreadsheet)'
            cand -q 'No progress display'
            cand --quiet 'No progress display'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;ask'= {
            cand -m 'The model to ask [env: LLMX_ASK_MODEL]'
            cand --model 'The model to ask [env: LLMX_ASK_MODEL]'
            cand -p 'Prompt text placed before piped stdin'
            cand --prompt 'Prompt text placed before piped stdin'
            cand --system 'System prompt, or @FILE to read it from a file'
            cand --image 'Attach an image (PNG, JPEG, WebP or GIF): a file or an http(s) URL; repeat for more'
            cand --tools 'Tools the models may call (a JSON file)'
            cand --tool-choice 'Whether the models may, must or must not call a tool, or which one'
            cand --temperature 'Sampling temperature, 0 to 2 [env: LLMX_TEMPERATURE]'
            cand --max-tokens 'Most tokens each model may write [env: LLMX_MAX_TOKENS]'
            cand --route 'Provider order for a model several serve: cheapest, fastest or provider=NAME'
            cand --timeout 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]'
            cand --connect-timeout 'Give up connecting to a server after this many seconds'
            cand --ttfb-timeout 'Give up when the response has not started after this many seconds'
            cand --stall-timeout 'End a stream that sends nothing for this many seconds ("stream stalled")'
            cand --retries 'Retries before any content arrived'
            cand --retry-max-wait 'The most to wait between retries of one model, all waits together'
            cand --max-answer-mb 'Cut answers larger than this many MiB'
            cand --format 'What to print'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand --force 'Send images or tools even to models the catalog says cannot take them'
            cand --no-stream 'Wait for whole answers instead of streaming them (no time to first token)'
            cand --no-fallback 'Only the first choice: no fallback to the next model of an `a|b` chain or route'
            cand --dry-run 'Print what would be sent, model by model, and send nothing'
            cand -v 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)'
            cand --verbose 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)'
            cand --no-history 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1]'
            cand --stats 'Print latency, tokens and cost to stderr after the answer'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;bench'= {
            cand -m 'Models to benchmark, comma-separated; repeat -m for more [env: LLMX_MODELS]'
            cand --models 'Models to benchmark, comma-separated; repeat -m for more [env: LLMX_MODELS]'
            cand --model 'Models to benchmark, comma-separated; repeat -m for more [env: LLMX_MODELS]'
            cand --repeat 'Ask each model each prompt this many times'
            cand --warmup 'Send this many requests per model first and write none of them'
            cand --seed 'Seed of the sending order (the same seed, the same order)'
            cand --batch 'Send the grid through the providers'' Batch APIs (about half the price, results within 24 h) instead of live requests'
            cand --poll-interval 'With --batch: seconds between status checks [env: LLMX_BATCH_POLL] [default: 2, backing off to 60 after the first minute]'
            cand --shard 'Run only shard I of N (1-based); the N shards'' rows together are the whole run'
            cand -o 'Write the rows to FILE, each flushed as its request finishes (else stdout)'
            cand --output 'Write the rows to FILE, each flushed as its request finishes (else stdout)'
            cand --format 'Row format [default: jsonl for a .jsonl FILE, else csv]'
            cand --resume 'Complete the run in FILE: run its missing and failed cells, one row per cell'
            cand --summary 'Also write the summary to FILE (.json, .html for the report, else CSV)'
            cand -j 'At most N requests at once in all [env: LLMX_CONCURRENCY] [default: 256]'
            cand --concurrency 'At most N requests at once in all [env: LLMX_CONCURRENCY] [default: 256]'
            cand --max-cost 'Never spend more than this many US dollars'
            cand --system 'System prompt, or @FILE to read it from a file'
            cand --image 'Attach an image (PNG, JPEG, WebP or GIF): a file or an http(s) URL; repeat for more'
            cand --tools 'Tools the models may call (a JSON file)'
            cand --tool-choice 'Whether the models may, must or must not call a tool, or which one'
            cand --temperature 'Sampling temperature, 0 to 2 [env: LLMX_TEMPERATURE]'
            cand --max-tokens 'Most tokens each model may write [env: LLMX_MAX_TOKENS]'
            cand --route 'Provider order for a model several serve: cheapest, fastest or provider=NAME'
            cand --timeout 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]'
            cand --connect-timeout 'Give up connecting to a server after this many seconds'
            cand --ttfb-timeout 'Give up when the response has not started after this many seconds'
            cand --stall-timeout 'End a stream that sends nothing for this many seconds ("stream stalled")'
            cand --retries 'Retries before any content arrived'
            cand --retry-max-wait 'The most to wait between retries of one model, all waits together'
            cand --max-answer-mb 'Cut answers larger than this many MiB'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand --no-wait 'With --batch: submit, save the job file and exit; --batch --resume FILE collects later'
            cand --csv-safe 'Prefix CSV cells that start with = + - @ TAB or CR with '' (safe to open in a spreadsheet)'
            cand -q 'No progress bar, and no closing "rows written" line'
            cand --quiet 'No progress bar, and no closing "rows written" line'
            cand --force 'Send images or tools even to models the catalog says cannot take them'
            cand --no-stream 'Wait for whole answers instead of streaming them (no time to first token)'
            cand --no-fallback 'Only the first choice: no fallback to the next model of an `a|b` chain or route'
            cand --dry-run 'Print what would be sent, model by model, and send nothing'
            cand -v 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)'
            cand --verbose 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)'
            cand --no-history 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;batch'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'Each batch of the run in FILE: its provider''s state and counts, and whether its rows are written'
            cand cancel 'Cancel the run''s batches still running at the providers; `bench --batch --resume FILE` then writes what finished, and `batch_cancelled` rows for the rest'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;batch;status'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;batch;cancel'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;batch;help'= {
            cand status 'Each batch of the run in FILE: its provider''s state and counts, and whether its rows are written'
            cand cancel 'Cancel the run''s batches still running at the providers; `bench --batch --resume FILE` then writes what finished, and `batch_cancelled` rows for the rest'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;batch;help;status'= {
        }
        &'llmx;batch;help;cancel'= {
        }
        &'llmx;batch;help;help'= {
        }
        &'llmx;serve'= {
            cand --host 'The address to listen on [default: 127.0.0.1; config: serve.host]'
            cand --port 'The port [default: 4141; config: serve.port]; 0 takes a free one'
            cand --allow-host 'Another Host a request may name (a proxy''s name for this server); repeat for more'
            cand --cors-origin 'A web origin whose pages may call the server (CORS); repeat for more'
            cand -j 'Upstream requests in flight at once, all clients together [default: 1024]'
            cand --concurrency 'Upstream requests in flight at once, all clients together [default: 1024]'
            cand --shutdown-timeout 'On SIGINT/SIGTERM, wait this long for requests in flight [default: 10]'
            cand --max-cost 'Stop answering (429) once requests cost this much while the server runs'
            cand --max-cost-per-day 'Stop answering (429) once today''s requests (UTC, from the history) cost this much'
            cand --timeout 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]'
            cand --connect-timeout 'Give up connecting to a server after this many seconds'
            cand --ttfb-timeout 'Give up when the response has not started after this many seconds'
            cand --stall-timeout 'End a stream that sends nothing for this many seconds ("stream stalled")'
            cand --retries 'Retries before any content arrived'
            cand --retry-max-wait 'The most to wait between retries of one model, all waits together'
            cand --max-answer-mb 'Cut answers larger than this many MiB'
            cand --log-format 'The access log on stderr: one line per request as text, or one JSON object per line'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand --show-token 'Print the token clients must send (generating it if there is none) and exit'
            cand -q 'No access log (errors and the first line still print)'
            cand --quiet 'No access log (errors and the first line still print)'
            cand --no-history 'Do not record requests in the local history [env: LLMX_NO_HISTORY=1]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;history'= {
            cand --since 'Only runs started this recently: 7d, 12h, 90m, 2w'
            cand --model 'Only runs with this model (as typed, `provider/model` or the provider''s id)'
            cand --search 'Only runs whose prompt or an answer contains TEXT (any case)'
            cand -n 'How many runs'
            cand --limit 'How many runs'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --source 'Only `llmx serve`''s requests, or only the command line''s runs'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand --csv-safe 'With --format csv: prefix cells that start with = + - @ TAB or CR with '' (spreadsheets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Render a past run again, exactly as compare rendered it (any format)'
            cand prune 'Delete runs older than AGE and give the space back'
            cand stats 'How many runs and rows the store holds, its size on disk, the oldest and newest row'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;history;show'= {
            cand -f 'Output format'
            cand --format 'Output format'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand --full 'Show whole answers in the table'
            cand --csv-safe 'With --format csv: prefix cells that start with = + - @ TAB or CR with '''
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;history;prune'= {
            cand --older-than 'Runs started longer ago than this: 90d, 12w'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand --vacuum 'Then give the freed space back to the filesystem (holds the store while it runs; without it, later rows reuse the space)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;history;stats'= {
            cand -f 'Output format'
            cand --format 'Output format'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;history;help'= {
            cand show 'Render a past run again, exactly as compare rendered it (any format)'
            cand prune 'Delete runs older than AGE and give the space back'
            cand stats 'How many runs and rows the store holds, its size on disk, the oldest and newest row'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;history;help;show'= {
        }
        &'llmx;history;help;prune'= {
        }
        &'llmx;history;help;stats'= {
        }
        &'llmx;history;help;help'= {
        }
        &'llmx;usage'= {
            cand --since 'Rows started this recently: 30d, 12h, 2w'
            cand --by 'One line per model, provider or day'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --source 'Only `llmx serve`''s requests, or only the command line''s runs'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand --csv-safe 'With --format csv: prefix cells that start with = + - @ TAB or CR with '' (spreadsheets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;leaderboard'= {
            cand --since 'Rows started this recently: 30d, 12h, 2w'
            cand --min-n 'Leave out models with fewer rows than this'
            cand --sort 'Order of the board'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --source 'Only `llmx serve`''s requests, or only the command line''s runs'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand --csv-safe 'With --format csv: prefix cells that start with = + - @ TAB or CR with '' (spreadsheets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;models'= {
            cand --provider 'Only this provider''s models'
            cand --search 'Only models whose id or alias contains TEXT (any case)'
            cand --sort 'Order of the list'
            cand --format 'Output format [default: table on a terminal, plain in a pipe]'
            cand --timeout 'With --refresh: the most each source may take, in seconds (all are fetched at once)'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand --free 'Only free models'
            cand --vision 'Only models that take images'
            cand --tools 'Only models that call tools'
            cand --reasoning 'Only reasoning models'
            cand --refresh 'Fetch current prices and model lists, and cache them'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;keys'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Store a provider''s key: typed at a hidden prompt, or piped on stdin (never an argument)'
            cand list 'For every provider: where its key comes from, and a masked form of it'
            cand remove 'Remove a provider''s key from the keyring'
            cand path 'Where keys, the config file, the cache and the history live, and the lookup order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;keys;set'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;keys;list'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;keys;remove'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;keys;path'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;keys;help'= {
            cand set 'Store a provider''s key: typed at a hidden prompt, or piped on stdin (never an argument)'
            cand list 'For every provider: where its key comes from, and a masked form of it'
            cand remove 'Remove a provider''s key from the keyring'
            cand path 'Where keys, the config file, the cache and the history live, and the lookup order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;keys;help;set'= {
        }
        &'llmx;keys;help;list'= {
        }
        &'llmx;keys;help;remove'= {
        }
        &'llmx;keys;help;path'= {
        }
        &'llmx;keys;help;help'= {
        }
        &'llmx;config'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand path 'Print the config file''s path'
            cand show 'Print the config file as llmx reads it, keys masked'
            cand init 'Write a commented starter config file (never over an existing one)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;config;path'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;config;show'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;config;init'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;config;help'= {
            cand path 'Print the config file''s path'
            cand show 'Print the config file as llmx reads it, keys masked'
            cand init 'Write a commented starter config file (never over an existing one)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;config;help;path'= {
        }
        &'llmx;config;help;show'= {
        }
        &'llmx;config;help;init'= {
        }
        &'llmx;config;help;help'= {
        }
        &'llmx;completions'= {
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;man'= {
            cand --dir 'Write every page (llmx.1 and one per subcommand) into DIR instead'
            cand --color 'When to colour the output: auto, always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;help'= {
            cand compare 'Send one prompt to several models at once and compare the answers'
            cand ask 'Ask one model; the answer streams to stdout, made for shell pipes'
            cand bench 'Benchmark: every prompt × model × repeat, one CSV/JSONL row each, then a summary'
            cand batch 'The provider batches of a `bench --batch` run: their state, or cancel them'
            cand serve 'A local OpenAI-compatible endpoint in front of every model: point an SDK''s base URL at it'
            cand history 'Your past runs, newest first; `history show ID` renders one again, as compare did'
            cand usage 'What your runs cost: spend, requests, tokens and errors by model, provider or day'
            cand leaderboard 'Your own leaderboard: each model''s latency, speed, errors and cost on your runs'
            cand models 'List the model catalog: prices, context windows, capabilities, aliases'
            cand keys 'Store, list and remove API keys in the OS keyring'
            cand config 'Where the config file is, what it holds, and a starter file'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish) to stdout'
            cand man 'Print a man page (roff): llmx''s, or a subcommand''s; or write them all into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;help;compare'= {
        }
        &'llmx;help;ask'= {
        }
        &'llmx;help;bench'= {
        }
        &'llmx;help;batch'= {
            cand status 'Each batch of the run in FILE: its provider''s state and counts, and whether its rows are written'
            cand cancel 'Cancel the run''s batches still running at the providers; `bench --batch --resume FILE` then writes what finished, and `batch_cancelled` rows for the rest'
        }
        &'llmx;help;batch;status'= {
        }
        &'llmx;help;batch;cancel'= {
        }
        &'llmx;help;serve'= {
        }
        &'llmx;help;history'= {
            cand show 'Render a past run again, exactly as compare rendered it (any format)'
            cand prune 'Delete runs older than AGE and give the space back'
            cand stats 'How many runs and rows the store holds, its size on disk, the oldest and newest row'
        }
        &'llmx;help;history;show'= {
        }
        &'llmx;help;history;prune'= {
        }
        &'llmx;help;history;stats'= {
        }
        &'llmx;help;usage'= {
        }
        &'llmx;help;leaderboard'= {
        }
        &'llmx;help;models'= {
        }
        &'llmx;help;keys'= {
            cand set 'Store a provider''s key: typed at a hidden prompt, or piped on stdin (never an argument)'
            cand list 'For every provider: where its key comes from, and a masked form of it'
            cand remove 'Remove a provider''s key from the keyring'
            cand path 'Where keys, the config file, the cache and the history live, and the lookup order'
        }
        &'llmx;help;keys;set'= {
        }
        &'llmx;help;keys;list'= {
        }
        &'llmx;help;keys;remove'= {
        }
        &'llmx;help;keys;path'= {
        }
        &'llmx;help;config'= {
            cand path 'Print the config file''s path'
            cand show 'Print the config file as llmx reads it, keys masked'
            cand init 'Write a commented starter config file (never over an existing one)'
        }
        &'llmx;help;config;path'= {
        }
        &'llmx;help;config;show'= {
        }
        &'llmx;help;config;init'= {
        }
        &'llmx;help;completions'= {
        }
        &'llmx;help;man'= {
        }
        &'llmx;help;help'= {
        }
    ]
    $completions[$command]
}

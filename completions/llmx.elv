
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
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand compare 'Send one prompt to several models at once and compare the answers'
            cand ask 'Ask one model; the answer streams to stdout, made for shell pipes'
            cand bench 'Benchmark: every prompt × model × repeat, one CSV/JSONL row each, then a summary'
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
            cand -m 'Models to compare, comma-separated; repeat -m to add more [env: LLMX_MODELS] [default: defaults.models in the config file]'
            cand --models 'Models to compare, comma-separated; repeat -m to add more [env: LLMX_MODELS] [default: defaults.models in the config file]'
            cand --model 'Models to compare, comma-separated; repeat -m to add more [env: LLMX_MODELS] [default: defaults.models in the config file]'
            cand -p 'The prompt text (piped stdin, or PROMPT_FILE, is appended after it)'
            cand --prompt 'The prompt text (piped stdin, or PROMPT_FILE, is appended after it)'
            cand --system 'System prompt, or @FILE to read it from a file'
            cand --temperature 'Sampling temperature (0 to 2) [env: LLMX_TEMPERATURE]'
            cand --max-tokens 'Most tokens each model may write [env: LLMX_MAX_TOKENS]'
            cand --timeout 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]'
            cand --connect-timeout 'Give up connecting to a server after this many seconds'
            cand --ttfb-timeout 'Give up when the response has not started after this many seconds'
            cand --stall-timeout 'End a stream that sends nothing for this many seconds ("stream stalled")'
            cand --retries 'Retries on 429, 5xx, 529, connection errors and timeouts before any content arrived'
            cand --retry-max-wait 'The most to wait between retries of one model, all waits together'
            cand --max-answer-mb 'Cut answers larger than this many MiB'
            cand --route 'For a model several providers serve: cheapest, fastest (by your earlier runs) or provider=NAME first; the others follow as fallbacks'
            cand --image 'Attach an image (PNG, JPEG, WebP or GIF) before the prompt: a file, or an http(s) URL. Repeat for several'
            cand --tools 'Tools the models may call: a JSON array of {"type":"function","function":{...}} or {"name","description","parameters"} objects'
            cand --tool-choice 'Whether the models may (auto), must (required) or must not (none) call a tool, or the name of the one they must call'
            cand --format 'Output format [default: table, or the extension of --output]'
            cand -o 'Write the results to FILE instead of stdout'
            cand --output 'Write the results to FILE instead of stdout'
            cand -j 'Ask at most N models at once [env: LLMX_CONCURRENCY] [default: 256]'
            cand --concurrency 'Ask at most N models at once [env: LLMX_CONCURRENCY] [default: 256]'
            cand --layout 'Answers in the table side by side, stacked one under another, or (auto) side by side only when each gets 38 columns'
            cand --max-cost 'Refuse to send when the worst-case cost (prompt tokens estimated, output at --max-tokens) of all models together exceeds this many US dollars'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand --no-fallback 'Only the first choice: no fallback to the next model of a `a|b` chain or route'
            cand --no-stream 'Wait for whole answers instead of streaming them (no time to first token)'
            cand --no-history 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1] [config: history.enabled = false]'
            cand --force 'Send images or tools even to models the catalog says cannot take them'
            cand --full 'Show whole answers in the table instead of cutting them'
            cand --diff 'Mark, word by word, how each answer differs from the first: in colour on a terminal, else as [-removed-] and {+added+}'
            cand -q 'No progress display'
            cand --quiet 'No progress display'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;ask'= {
            cand -m 'The model to ask [env: LLMX_ASK_MODEL] [default: defaults.ask_model, else the first of defaults.models, in the config file]'
            cand --model 'The model to ask [env: LLMX_ASK_MODEL] [default: defaults.ask_model, else the first of defaults.models, in the config file]'
            cand -p 'Prompt text placed before piped stdin'
            cand --prompt 'Prompt text placed before piped stdin'
            cand --system 'System prompt, or @FILE to read it from a file'
            cand --temperature 'Sampling temperature (0 to 2) [env: LLMX_TEMPERATURE]'
            cand --max-tokens 'Most tokens each model may write [env: LLMX_MAX_TOKENS]'
            cand --timeout 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]'
            cand --connect-timeout 'Give up connecting to a server after this many seconds'
            cand --ttfb-timeout 'Give up when the response has not started after this many seconds'
            cand --stall-timeout 'End a stream that sends nothing for this many seconds ("stream stalled")'
            cand --retries 'Retries on 429, 5xx, 529, connection errors and timeouts before any content arrived'
            cand --retry-max-wait 'The most to wait between retries of one model, all waits together'
            cand --max-answer-mb 'Cut answers larger than this many MiB'
            cand --route 'For a model several providers serve: cheapest, fastest (by your earlier runs) or provider=NAME first; the others follow as fallbacks'
            cand --image 'Attach an image (PNG, JPEG, WebP or GIF) before the prompt: a file, or an http(s) URL. Repeat for several'
            cand --tools 'Tools the models may call: a JSON array of {"type":"function","function":{...}} or {"name","description","parameters"} objects'
            cand --tool-choice 'Whether the models may (auto), must (required) or must not (none) call a tool, or the name of the one they must call'
            cand --format 'format'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand --no-fallback 'Only the first choice: no fallback to the next model of a `a|b` chain or route'
            cand --no-stream 'Wait for whole answers instead of streaming them (no time to first token)'
            cand --no-history 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1] [config: history.enabled = false]'
            cand --force 'Send images or tools even to models the catalog says cannot take them'
            cand --stats 'Print latency, tokens and cost to stderr after the answer'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;bench'= {
            cand -m 'Models to benchmark, comma-separated; repeat -m to add more [env: LLMX_MODELS]'
            cand --models 'Models to benchmark, comma-separated; repeat -m to add more [env: LLMX_MODELS]'
            cand --model 'Models to benchmark, comma-separated; repeat -m to add more [env: LLMX_MODELS]'
            cand --repeat 'Ask each model each prompt this many times'
            cand --warmup 'Send this many requests per model first, and write none of them (warms connections and server caches)'
            cand -o 'Write the rows to FILE (each row flushed as its request finishes) instead of stdout'
            cand --output 'Write the rows to FILE (each row flushed as its request finishes) instead of stdout'
            cand --format 'Row format [default: jsonl for a .jsonl FILE, else csv]'
            cand --resume 'Complete the run in FILE: keep its rows without an error, run the missing and failed ones, leave one row per cell'
            cand --summary 'Also write the per-model summary to FILE (.json for JSON, .html for the HTML report, else CSV). `-o FILE.html` writes the report there and the rows to FILE.csv'
            cand --seed 'Seed of the sending order (the same seed, the same order)'
            cand --shard 'Run only shard I of N (1-based); the N shards'' rows together are the whole run'
            cand -j 'At most N requests at once in all [env: LLMX_CONCURRENCY] [default: 256]'
            cand --concurrency 'At most N requests at once in all [env: LLMX_CONCURRENCY] [default: 256]'
            cand --max-cost 'Refuse to start when the worst-case cost of every request exceeds this many US dollars, and stop sending once spent plus in-flight worst cases would pass it'
            cand --system 'System prompt, or @FILE to read it from a file'
            cand --temperature 'Sampling temperature (0 to 2) [env: LLMX_TEMPERATURE]'
            cand --max-tokens 'Most tokens each model may write [env: LLMX_MAX_TOKENS]'
            cand --timeout 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]'
            cand --connect-timeout 'Give up connecting to a server after this many seconds'
            cand --ttfb-timeout 'Give up when the response has not started after this many seconds'
            cand --stall-timeout 'End a stream that sends nothing for this many seconds ("stream stalled")'
            cand --retries 'Retries on 429, 5xx, 529, connection errors and timeouts before any content arrived'
            cand --retry-max-wait 'The most to wait between retries of one model, all waits together'
            cand --max-answer-mb 'Cut answers larger than this many MiB'
            cand --route 'For a model several providers serve: cheapest, fastest (by your earlier runs) or provider=NAME first; the others follow as fallbacks'
            cand --image 'Attach an image (PNG, JPEG, WebP or GIF) before the prompt: a file, or an http(s) URL. Repeat for several'
            cand --tools 'Tools the models may call: a JSON array of {"type":"function","function":{...}} or {"name","description","parameters"} objects'
            cand --tool-choice 'Whether the models may (auto), must (required) or must not (none) call a tool, or the name of the one they must call'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -q 'No progress bar'
            cand --quiet 'No progress bar'
            cand --no-fallback 'Only the first choice: no fallback to the next model of a `a|b` chain or route'
            cand --no-stream 'Wait for whole answers instead of streaming them (no time to first token)'
            cand --no-history 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1] [config: history.enabled = false]'
            cand --force 'Send images or tools even to models the catalog says cannot take them'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;history'= {
            cand --since 'Only runs started this recently: 7d, 12h, 90m, 2w'
            cand --model 'Only runs with this model (as typed, `provider/model` or the provider''s id)'
            cand --search 'Only runs whose prompt or an answer contains TEXT (any case)'
            cand -n 'How many runs'
            cand --limit 'How many runs'
            cand -f 'f'
            cand --format 'format'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
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
            cand -f 'f'
            cand --format 'format'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand --full 'Show whole answers in the table'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;history;prune'= {
            cand --older-than 'older-than'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;history;stats'= {
            cand -f 'f'
            cand --format 'format'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
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
            cand --by 'by'
            cand -f 'f'
            cand --format 'format'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;leaderboard'= {
            cand --since 'Rows started this recently: 30d, 12h, 2w'
            cand --min-n 'Leave out models with fewer rows than this'
            cand --sort 'sort'
            cand -f 'f'
            cand --format 'format'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;models'= {
            cand --provider 'Only this provider''s models'
            cand --search 'Only models whose id or alias contains TEXT (any case)'
            cand --sort 'sort'
            cand --format 'Output format [default: table on a terminal, plain in a pipe]'
            cand --timeout 'With --refresh: the most each source may take, in seconds (sources are fetched at once)'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand --free 'Only free models'
            cand --vision 'Only models that take images'
            cand --tools 'Only models that call tools'
            cand --reasoning 'Only reasoning models'
            cand --refresh 'Fetch current prices from OpenRouter and model lists from the providers you have set up (a key, or a base URL of your own), and cache them for later runs. With --provider, only that provider''s list. Exit 0 when everything asked for was fetched, 1 when any source failed (what did arrive is still cached)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;keys'= {
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Store a provider''s key: typed at a hidden prompt, or piped on stdin (never an argument)'
            cand list 'For every provider: where its key comes from, and a masked form of it'
            cand remove 'Remove a provider''s key from the keyring'
            cand path 'Where keys, the config file, the cache and the history live, and the lookup order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;keys;set'= {
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;keys;list'= {
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;keys;remove'= {
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;keys;path'= {
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
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
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand path 'Print the config file''s path'
            cand show 'Print the config file as llmx reads it, keys masked'
            cand init 'Write a commented starter config file (never over an existing one)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;config;path'= {
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;config;show'= {
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;config;init'= {
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
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
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;man'= {
            cand --dir 'Write every page (llmx.1 and one per subcommand) into DIR instead'
            cand --color 'When to colour the output: auto (on a terminal, unless NO_COLOR is set or CLICOLOR_FORCE asks for it anywhere), always (e.g. for `| less -R`), never'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;help'= {
            cand compare 'Send one prompt to several models at once and compare the answers'
            cand ask 'Ask one model; the answer streams to stdout, made for shell pipes'
            cand bench 'Benchmark: every prompt × model × repeat, one CSV/JSONL row each, then a summary'
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

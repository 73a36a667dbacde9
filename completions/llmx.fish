# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_llmx_global_optspecs
    string join \n color= h/help V/version
end

function __fish_llmx_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_llmx_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_llmx_using_subcommand
    set -l cmd (__fish_llmx_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c llmx -n "__fish_llmx_needs_command" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_needs_command" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "compare" -d 'Send one prompt to several models at once and compare the answers'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "ask" -d 'Ask one model; the answer streams to stdout, made for shell pipes'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "bench" -d 'Benchmark: every prompt × model × repeat, one CSV/JSONL row each, then a summary'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "batch" -d 'The provider batches of a `bench --batch` run: their state, or cancel them'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "serve" -d 'A local OpenAI-compatible endpoint in front of every model: point an SDK\'s base URL at it'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "history" -d 'Your past runs, newest first; `history show ID` renders one again, as compare did'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "usage" -d 'What your runs cost: spend, requests, tokens and errors by model, provider or day'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "leaderboard" -d 'Your own leaderboard: each model\'s latency, speed, errors and cost on your runs'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "models" -d 'List the model catalog: prices, context windows, capabilities, aliases'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "keys" -d 'Store, list and remove API keys in the OS keyring'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "config" -d 'Where the config file is, what it holds, and a starter file'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish) to stdout'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "man" -d 'Print a man page (roff): llmx\'s, or a subcommand\'s; or write them all into a directory'
complete -c llmx -n "__fish_llmx_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -s m -l models -l model -d 'Models, comma-separated; repeat -m for more [env: LLMX_MODELS]' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -s p -l prompt -d 'The prompt text (piped stdin, or PROMPT_FILE, is appended after it)' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l system -d 'System prompt, or @FILE to read it from a file' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l image -d 'Attach an image (PNG, JPEG, WebP or GIF): a file or an http(s) URL; repeat for more' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l tools -d 'Tools the models may call (a JSON file)' -r -F
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l tool-choice -d 'Whether the models may, must or must not call a tool, or which one' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l temperature -d 'Sampling temperature, 0 to 2 [env: LLMX_TEMPERATURE]' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l max-tokens -d 'Most tokens each model may write [env: LLMX_MAX_TOKENS]' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l route -d 'Provider order for a model several serve: cheapest, fastest or provider=NAME' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l timeout -d 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l connect-timeout -d 'Give up connecting to a server after this many seconds' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l ttfb-timeout -d 'Give up when the response has not started after this many seconds' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l stall-timeout -d 'End a stream that sends nothing for this many seconds ("stream stalled")' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l retries -d 'Retries before any content arrived' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l retry-max-wait -d 'The most to wait between retries of one model, all waits together' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l max-answer-mb -d 'Cut answers larger than this many MiB' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l format -d 'Output format [default: table, or the extension of --output]' -r -f -a "table\t''
csv\t''
json\t''
jsonl\t''
markdown\t''
html\t'One self-contained HTML report'"
complete -c llmx -n "__fish_llmx_using_subcommand compare" -s o -l output -d 'Write the results to FILE instead of stdout' -r -F
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l layout -d 'Answers side by side, stacked, or (auto) side by side when each gets 38 columns' -r -f -a "auto\t'Side by side when every answer gets 38 columns, else stacked'
side\t'Answers in columns side by side (each at least 20 wide)'
stacked\t'Answers one under another, each at the full width'"
complete -c llmx -n "__fish_llmx_using_subcommand compare" -s j -l concurrency -d 'Ask at most N models at once [env: LLMX_CONCURRENCY] [default: 256]' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l max-cost -d 'Refuse to send when the worst-case cost of all models passes this many US dollars' -r
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l force -d 'Send images or tools even to models the catalog says cannot take them'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l no-stream -d 'Wait for whole answers instead of streaming them (no time to first token)'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l no-fallback -d 'Only the first choice: no fallback to the next model of an `a|b` chain or route'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l dry-run -d 'Print what would be sent, model by model, and send nothing'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -s v -l verbose -d 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l no-history -d 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1]'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l full -d 'Show whole answers in the table instead of cutting them'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l diff -d 'Mark, word by word, how each answer differs from the first'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -l csv-safe -d 'Prefix CSV cells that start with = + - @ TAB or CR with \' (safe to open in a spreadsheet)'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -s q -l quiet -d 'No progress display'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand compare" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand ask" -s m -l model -d 'The model to ask [env: LLMX_ASK_MODEL]' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -s p -l prompt -d 'Prompt text placed before piped stdin' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l system -d 'System prompt, or @FILE to read it from a file' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l image -d 'Attach an image (PNG, JPEG, WebP or GIF): a file or an http(s) URL; repeat for more' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l tools -d 'Tools the models may call (a JSON file)' -r -F
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l tool-choice -d 'Whether the models may, must or must not call a tool, or which one' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l temperature -d 'Sampling temperature, 0 to 2 [env: LLMX_TEMPERATURE]' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l max-tokens -d 'Most tokens each model may write [env: LLMX_MAX_TOKENS]' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l route -d 'Provider order for a model several serve: cheapest, fastest or provider=NAME' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l timeout -d 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l connect-timeout -d 'Give up connecting to a server after this many seconds' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l ttfb-timeout -d 'Give up when the response has not started after this many seconds' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l stall-timeout -d 'End a stream that sends nothing for this many seconds ("stream stalled")' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l retries -d 'Retries before any content arrived' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l retry-max-wait -d 'The most to wait between retries of one model, all waits together' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l max-answer-mb -d 'Cut answers larger than this many MiB' -r
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l format -d 'What to print' -r -f -a "text\t'The answer text only, streamed as it arrives'
json\t'One JSON object with the answer and its stats (the compare columns)'"
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l force -d 'Send images or tools even to models the catalog says cannot take them'
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l no-stream -d 'Wait for whole answers instead of streaming them (no time to first token)'
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l no-fallback -d 'Only the first choice: no fallback to the next model of an `a|b` chain or route'
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l dry-run -d 'Print what would be sent, model by model, and send nothing'
complete -c llmx -n "__fish_llmx_using_subcommand ask" -s v -l verbose -d 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)'
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l no-history -d 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1]'
complete -c llmx -n "__fish_llmx_using_subcommand ask" -l stats -d 'Print latency, tokens and cost to stderr after the answer'
complete -c llmx -n "__fish_llmx_using_subcommand ask" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand ask" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -s m -l models -l model -d 'Models to benchmark, comma-separated; repeat -m for more [env: LLMX_MODELS]' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l repeat -d 'Ask each model each prompt this many times' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l warmup -d 'Send this many requests per model first and write none of them' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l seed -d 'Seed of the sending order (the same seed, the same order)' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l batch -d 'Send the grid through the providers\' Batch APIs (about half the price, results within 24 h) instead of live requests' -r -f -a "all\t''
auto\t''"
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l poll-interval -d 'With --batch: seconds between status checks [env: LLMX_BATCH_POLL] [default: 2, backing off to 60 after the first minute]' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l shard -d 'Run only shard I of N (1-based); the N shards\' rows together are the whole run' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -s o -l output -d 'Write the rows to FILE, each flushed as its request finishes (else stdout)' -r -F
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l format -d 'Row format [default: jsonl for a .jsonl FILE, else csv]' -r -f -a "csv\t''
jsonl\t''"
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l resume -d 'Complete the run in FILE: run its missing and failed cells, one row per cell' -r -F
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l summary -d 'Also write the summary to FILE (.json, .html for the report, else CSV)' -r -F
complete -c llmx -n "__fish_llmx_using_subcommand bench" -s j -l concurrency -d 'At most N requests at once in all [env: LLMX_CONCURRENCY] [default: 256]' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l max-cost -d 'Never spend more than this many US dollars' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l system -d 'System prompt, or @FILE to read it from a file' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l image -d 'Attach an image (PNG, JPEG, WebP or GIF): a file or an http(s) URL; repeat for more' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l tools -d 'Tools the models may call (a JSON file)' -r -F
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l tool-choice -d 'Whether the models may, must or must not call a tool, or which one' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l temperature -d 'Sampling temperature, 0 to 2 [env: LLMX_TEMPERATURE]' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l max-tokens -d 'Most tokens each model may write [env: LLMX_MAX_TOKENS]' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l route -d 'Provider order for a model several serve: cheapest, fastest or provider=NAME' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l timeout -d 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l connect-timeout -d 'Give up connecting to a server after this many seconds' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l ttfb-timeout -d 'Give up when the response has not started after this many seconds' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l stall-timeout -d 'End a stream that sends nothing for this many seconds ("stream stalled")' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l retries -d 'Retries before any content arrived' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l retry-max-wait -d 'The most to wait between retries of one model, all waits together' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l max-answer-mb -d 'Cut answers larger than this many MiB' -r
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l no-wait -d 'With --batch: submit, save the job file and exit; --batch --resume FILE collects later'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l csv-safe -d 'Prefix CSV cells that start with = + - @ TAB or CR with \' (safe to open in a spreadsheet)'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -s q -l quiet -d 'No progress bar, and no closing "rows written" line'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l force -d 'Send images or tools even to models the catalog says cannot take them'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l no-stream -d 'Wait for whole answers instead of streaming them (no time to first token)'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l no-fallback -d 'Only the first choice: no fallback to the next model of an `a|b` chain or route'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l dry-run -d 'Print what would be sent, model by model, and send nothing'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -s v -l verbose -d 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -l no-history -d 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1]'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand bench" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and not __fish_seen_subcommand_from status cancel help" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand batch; and not __fish_seen_subcommand_from status cancel help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and not __fish_seen_subcommand_from status cancel help" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and not __fish_seen_subcommand_from status cancel help" -f -a "status" -d 'Each batch of the run in FILE: its provider\'s state and counts, and whether its rows are written'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and not __fish_seen_subcommand_from status cancel help" -f -a "cancel" -d 'Cancel the run\'s batches still running at the providers; `bench --batch --resume FILE` then writes what finished, and `batch_cancelled` rows for the rest'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and not __fish_seen_subcommand_from status cancel help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and __fish_seen_subcommand_from status" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand batch; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and __fish_seen_subcommand_from cancel" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand batch; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and __fish_seen_subcommand_from help" -f -a "status" -d 'Each batch of the run in FILE: its provider\'s state and counts, and whether its rows are written'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel the run\'s batches still running at the providers; `bench --batch --resume FILE` then writes what finished, and `batch_cancelled` rows for the rest'
complete -c llmx -n "__fish_llmx_using_subcommand batch; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l host -d 'The address to listen on [default: 127.0.0.1; config: serve.host]' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l port -d 'The port [default: 4141; config: serve.port]; 0 takes a free one' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l allow-host -d 'Another Host a request may name (a proxy\'s name for this server); repeat for more' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l cors-origin -d 'A web origin whose pages may call the server (CORS); repeat for more' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -s j -l concurrency -d 'Upstream requests in flight at once, all clients together [default: 1024]' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l shutdown-timeout -d 'On SIGINT/SIGTERM, wait this long for requests in flight [default: 10]' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l max-cost -d 'Stop answering (429) once requests cost this much while the server runs' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l max-cost-per-day -d 'Stop answering (429) once today\'s requests (UTC, from the history) cost this much' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l timeout -d 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l connect-timeout -d 'Give up connecting to a server after this many seconds' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l ttfb-timeout -d 'Give up when the response has not started after this many seconds' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l stall-timeout -d 'End a stream that sends nothing for this many seconds ("stream stalled")' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l retries -d 'Retries before any content arrived' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l retry-max-wait -d 'The most to wait between retries of one model, all waits together' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l max-answer-mb -d 'Cut answers larger than this many MiB' -r
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l log-format -d 'The access log on stderr: one line per request as text, or one JSON object per line' -r -f -a "text\t''
json\t''"
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l show-token -d 'Print the token clients must send (generating it if there is none) and exit'
complete -c llmx -n "__fish_llmx_using_subcommand serve" -s q -l quiet -d 'No access log (errors and the first line still print)'
complete -c llmx -n "__fish_llmx_using_subcommand serve" -l no-history -d 'Do not record requests in the local history [env: LLMX_NO_HISTORY=1]'
complete -c llmx -n "__fish_llmx_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand serve" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -l since -d 'Only runs started this recently: 7d, 12h, 90m, 2w' -r
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -l model -d 'Only runs with this model (as typed, `provider/model` or the provider\'s id)' -r
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -l search -d 'Only runs whose prompt or an answer contains TEXT (any case)' -r
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -s n -l limit -d 'How many runs' -r
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -s f -l format -d 'Output format' -r -f -a "table\t''
csv\t''
json\t''
jsonl\t''
markdown\t''
html\t'One self-contained HTML report'"
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -l source -d 'Only `llmx serve`\'s requests, or only the command line\'s runs' -r -f -a "serve\t'`llmx serve`\'s requests'
cli\t'compare, ask and bench, run live'
batch\t'`llmx bench --batch`: results read back from the providers\' Batch APIs'"
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -l csv-safe -d 'With --format csv: prefix cells that start with = + - @ TAB or CR with \' (spreadsheets)'
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -f -a "show" -d 'Render a past run again, exactly as compare rendered it (any format)'
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -f -a "prune" -d 'Delete runs older than AGE and give the space back'
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -f -a "stats" -d 'How many runs and rows the store holds, its size on disk, the oldest and newest row'
complete -c llmx -n "__fish_llmx_using_subcommand history; and not __fish_seen_subcommand_from show prune stats help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from show" -s f -l format -d 'Output format' -r -f -a "table\t''
csv\t''
json\t''
jsonl\t''
markdown\t''
html\t'One self-contained HTML report'"
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from show" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from show" -l full -d 'Show whole answers in the table'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from show" -l csv-safe -d 'With --format csv: prefix cells that start with = + - @ TAB or CR with \''
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from prune" -l older-than -d 'Runs started longer ago than this: 90d, 12w' -r
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from prune" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from prune" -l vacuum -d 'Then give the freed space back to the filesystem (holds the store while it runs; without it, later rows reuse the space)'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from stats" -s f -l format -d 'Output format' -r -f -a "table\t''
csv\t''
json\t''
jsonl\t''
markdown\t''
html\t'One self-contained HTML report'"
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from stats" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from stats" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "show" -d 'Render a past run again, exactly as compare rendered it (any format)'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Delete runs older than AGE and give the space back'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "stats" -d 'How many runs and rows the store holds, its size on disk, the oldest and newest row'
complete -c llmx -n "__fish_llmx_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmx -n "__fish_llmx_using_subcommand usage" -l since -d 'Rows started this recently: 30d, 12h, 2w' -r
complete -c llmx -n "__fish_llmx_using_subcommand usage" -l by -d 'One line per model, provider or day' -r -f -a "model\t'`provider/model` as requested'
provider\t''
day\t'UTC day'"
complete -c llmx -n "__fish_llmx_using_subcommand usage" -s f -l format -d 'Output format' -r -f -a "table\t''
csv\t''
json\t''
jsonl\t''
markdown\t''
html\t'One self-contained HTML report'"
complete -c llmx -n "__fish_llmx_using_subcommand usage" -l source -d 'Only `llmx serve`\'s requests, or only the command line\'s runs' -r -f -a "serve\t'`llmx serve`\'s requests'
cli\t'compare, ask and bench, run live'
batch\t'`llmx bench --batch`: results read back from the providers\' Batch APIs'"
complete -c llmx -n "__fish_llmx_using_subcommand usage" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand usage" -l csv-safe -d 'With --format csv: prefix cells that start with = + - @ TAB or CR with \' (spreadsheets)'
complete -c llmx -n "__fish_llmx_using_subcommand usage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand usage" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand leaderboard" -l since -d 'Rows started this recently: 30d, 12h, 2w' -r
complete -c llmx -n "__fish_llmx_using_subcommand leaderboard" -l min-n -d 'Leave out models with fewer rows than this' -r
complete -c llmx -n "__fish_llmx_using_subcommand leaderboard" -l sort -d 'Order of the board' -r -f -a "latency\t'Median latency, lowest first'
ttft\t'Median time to first token, lowest first'
speed\t'Median output tokens per second, highest first'
cost\t'Mean cost per request, lowest first'
errors\t'Error rate, lowest first'"
complete -c llmx -n "__fish_llmx_using_subcommand leaderboard" -s f -l format -d 'Output format' -r -f -a "table\t''
csv\t''
json\t''
jsonl\t''
markdown\t''
html\t'One self-contained HTML report'"
complete -c llmx -n "__fish_llmx_using_subcommand leaderboard" -l source -d 'Only `llmx serve`\'s requests, or only the command line\'s runs' -r -f -a "serve\t'`llmx serve`\'s requests'
cli\t'compare, ask and bench, run live'
batch\t'`llmx bench --batch`: results read back from the providers\' Batch APIs'"
complete -c llmx -n "__fish_llmx_using_subcommand leaderboard" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand leaderboard" -l csv-safe -d 'With --format csv: prefix cells that start with = + - @ TAB or CR with \' (spreadsheets)'
complete -c llmx -n "__fish_llmx_using_subcommand leaderboard" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand leaderboard" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand models" -l provider -d 'Only this provider\'s models' -r
complete -c llmx -n "__fish_llmx_using_subcommand models" -l search -d 'Only models whose id or alias contains TEXT (any case)' -r
complete -c llmx -n "__fish_llmx_using_subcommand models" -l sort -d 'Order of the list' -r -f -a "name\t'Provider, then model id'
price\t'Cheapest first (input + output price); unpriced last'
context\t'Largest context window first; unknown last'"
complete -c llmx -n "__fish_llmx_using_subcommand models" -l format -d 'Output format [default: table on a terminal, plain in a pipe]' -r -f -a "table\t'Aligned columns; model ids are never broken (other columns go first)'
plain\t'One tab-separated line per model, no header: provider/id, context, input and output USD per million tokens, capabilities, aliases'
csv\t''
json\t''"
complete -c llmx -n "__fish_llmx_using_subcommand models" -l timeout -d 'With --refresh: the most each source may take, in seconds (all are fetched at once)' -r
complete -c llmx -n "__fish_llmx_using_subcommand models" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand models" -l free -d 'Only free models'
complete -c llmx -n "__fish_llmx_using_subcommand models" -l vision -d 'Only models that take images'
complete -c llmx -n "__fish_llmx_using_subcommand models" -l tools -d 'Only models that call tools'
complete -c llmx -n "__fish_llmx_using_subcommand models" -l reasoning -d 'Only reasoning models'
complete -c llmx -n "__fish_llmx_using_subcommand models" -l refresh -d 'Fetch current prices and model lists, and cache them'
complete -c llmx -n "__fish_llmx_using_subcommand models" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand models" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and not __fish_seen_subcommand_from set list remove path help" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand keys; and not __fish_seen_subcommand_from set list remove path help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and not __fish_seen_subcommand_from set list remove path help" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and not __fish_seen_subcommand_from set list remove path help" -f -a "set" -d 'Store a provider\'s key: typed at a hidden prompt, or piped on stdin (never an argument)'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and not __fish_seen_subcommand_from set list remove path help" -f -a "list" -d 'For every provider: where its key comes from, and a masked form of it'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and not __fish_seen_subcommand_from set list remove path help" -f -a "remove" -d 'Remove a provider\'s key from the keyring'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and not __fish_seen_subcommand_from set list remove path help" -f -a "path" -d 'Where keys, the config file, the cache and the history live, and the lookup order'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and not __fish_seen_subcommand_from set list remove path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from set" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from list" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from remove" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from path" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "set" -d 'Store a provider\'s key: typed at a hidden prompt, or piped on stdin (never an argument)'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "list" -d 'For every provider: where its key comes from, and a masked form of it'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a provider\'s key from the keyring'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "path" -d 'Where keys, the config file, the cache and the history live, and the lookup order'
complete -c llmx -n "__fish_llmx_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmx -n "__fish_llmx_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -f -a "path" -d 'Print the config file\'s path'
complete -c llmx -n "__fish_llmx_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -f -a "show" -d 'Print the config file as llmx reads it, keys masked'
complete -c llmx -n "__fish_llmx_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -f -a "init" -d 'Write a commented starter config file (never over an existing one)'
complete -c llmx -n "__fish_llmx_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from path" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from init" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the config file\'s path'
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the config file as llmx reads it, keys masked'
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write a commented starter config file (never over an existing one)'
complete -c llmx -n "__fish_llmx_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmx -n "__fish_llmx_using_subcommand completions" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand completions" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand man" -l dir -d 'Write every page (llmx.1 and one per subcommand) into DIR instead' -r -F
complete -c llmx -n "__fish_llmx_using_subcommand man" -l color -d 'When to colour the output: auto, always (e.g. for `| less -R`), never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmx -n "__fish_llmx_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmx -n "__fish_llmx_using_subcommand man" -s V -l version -d 'Print version'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "compare" -d 'Send one prompt to several models at once and compare the answers'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "ask" -d 'Ask one model; the answer streams to stdout, made for shell pipes'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "bench" -d 'Benchmark: every prompt × model × repeat, one CSV/JSONL row each, then a summary'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "batch" -d 'The provider batches of a `bench --batch` run: their state, or cancel them'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "serve" -d 'A local OpenAI-compatible endpoint in front of every model: point an SDK\'s base URL at it'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "history" -d 'Your past runs, newest first; `history show ID` renders one again, as compare did'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "usage" -d 'What your runs cost: spend, requests, tokens and errors by model, provider or day'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "leaderboard" -d 'Your own leaderboard: each model\'s latency, speed, errors and cost on your runs'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "models" -d 'List the model catalog: prices, context windows, capabilities, aliases'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "keys" -d 'Store, list and remove API keys in the OS keyring'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "config" -d 'Where the config file is, what it holds, and a starter file'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish) to stdout'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "man" -d 'Print a man page (roff): llmx\'s, or a subcommand\'s; or write them all into a directory'
complete -c llmx -n "__fish_llmx_using_subcommand help; and not __fish_seen_subcommand_from compare ask bench batch serve history usage leaderboard models keys config completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from batch" -f -a "status" -d 'Each batch of the run in FILE: its provider\'s state and counts, and whether its rows are written'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from batch" -f -a "cancel" -d 'Cancel the run\'s batches still running at the providers; `bench --batch --resume FILE` then writes what finished, and `batch_cancelled` rows for the rest'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "show" -d 'Render a past run again, exactly as compare rendered it (any format)'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "prune" -d 'Delete runs older than AGE and give the space back'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "stats" -d 'How many runs and rows the store holds, its size on disk, the oldest and newest row'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "set" -d 'Store a provider\'s key: typed at a hidden prompt, or piped on stdin (never an argument)'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "list" -d 'For every provider: where its key comes from, and a masked form of it'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "remove" -d 'Remove a provider\'s key from the keyring'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "path" -d 'Where keys, the config file, the cache and the history live, and the lookup order'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the config file\'s path'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the config file as llmx reads it, keys masked'
complete -c llmx -n "__fish_llmx_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "init" -d 'Write a commented starter config file (never over an existing one)'

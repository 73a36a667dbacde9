
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'llmx' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'llmx'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'llmx' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('compare', 'compare', [CompletionResultType]::ParameterValue, 'Send one prompt to several models at once and compare the answers')
            [CompletionResult]::new('ask', 'ask', [CompletionResultType]::ParameterValue, 'Ask one model; the answer streams to stdout, made for shell pipes')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Benchmark: every prompt × model × repeat, one CSV/JSONL row each, then a summary')
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'The provider batches of a `bench --batch` run: their state, or cancel them')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A local OpenAI-compatible endpoint in front of every model: point an SDK''s base URL at it')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Your past runs, newest first; `history show ID` renders one again, as compare did')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'What your runs cost: spend, requests, tokens and errors by model, provider or day')
            [CompletionResult]::new('leaderboard', 'leaderboard', [CompletionResultType]::ParameterValue, 'Your own leaderboard: each model''s latency, speed, errors and cost on your runs')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the model catalog: prices, context windows, capabilities, aliases')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Store, list and remove API keys in the OS keyring')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Where the config file is, what it holds, and a starter file')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish) to stdout')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff): llmx''s, or a subcommand''s; or write them all into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmx;compare' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Models, comma-separated; repeat -m for more [env: LLMX_MODELS]')
            [CompletionResult]::new('--models', '--models', [CompletionResultType]::ParameterName, 'Models, comma-separated; repeat -m for more [env: LLMX_MODELS]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Models, comma-separated; repeat -m for more [env: LLMX_MODELS]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The prompt text (piped stdin, or PROMPT_FILE, is appended after it)')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'The prompt text (piped stdin, or PROMPT_FILE, is appended after it)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System prompt, or @FILE to read it from a file')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Attach an image (PNG, JPEG, WebP or GIF): a file or an http(s) URL; repeat for more')
            [CompletionResult]::new('--tools', '--tools', [CompletionResultType]::ParameterName, 'Tools the models may call (a JSON file)')
            [CompletionResult]::new('--tool-choice', '--tool-choice', [CompletionResultType]::ParameterName, 'Whether the models may, must or must not call a tool, or which one')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature, 0 to 2 [env: LLMX_TEMPERATURE]')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens each model may write [env: LLMX_MAX_TOKENS]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'Provider order for a model several serve: cheapest, fastest or provider=NAME')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting to a server after this many seconds')
            [CompletionResult]::new('--ttfb-timeout', '--ttfb-timeout', [CompletionResultType]::ParameterName, 'Give up when the response has not started after this many seconds')
            [CompletionResult]::new('--stall-timeout', '--stall-timeout', [CompletionResultType]::ParameterName, 'End a stream that sends nothing for this many seconds ("stream stalled")')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries before any content arrived')
            [CompletionResult]::new('--retry-max-wait', '--retry-max-wait', [CompletionResultType]::ParameterName, 'The most to wait between retries of one model, all waits together')
            [CompletionResult]::new('--max-answer-mb', '--max-answer-mb', [CompletionResultType]::ParameterName, 'Cut answers larger than this many MiB')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table, or the extension of --output]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the results to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the results to FILE instead of stdout')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'Answers side by side, stacked, or (auto) side by side when each gets 38 columns')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Ask at most N models at once [env: LLMX_CONCURRENCY] [default: 256]')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Ask at most N models at once [env: LLMX_CONCURRENCY] [default: 256]')
            [CompletionResult]::new('--max-cost', '--max-cost', [CompletionResultType]::ParameterName, 'Refuse to send when the worst-case cost of all models passes this many US dollars')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Send images or tools even to models the catalog says cannot take them')
            [CompletionResult]::new('--no-stream', '--no-stream', [CompletionResultType]::ParameterName, 'Wait for whole answers instead of streaming them (no time to first token)')
            [CompletionResult]::new('--no-fallback', '--no-fallback', [CompletionResultType]::ParameterName, 'Only the first choice: no fallback to the next model of an `a|b` chain or route')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be sent, model by model, and send nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1]')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'Show whole answers in the table instead of cutting them')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Mark, word by word, how each answer differs from the first')
            [CompletionResult]::new('--csv-safe', '--csv-safe', [CompletionResultType]::ParameterName, 'Prefix CSV cells that start with = + - @ TAB or CR with '' (safe to open in a spreadsheet)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress display')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress display')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;ask' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model to ask [env: LLMX_ASK_MODEL]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model to ask [env: LLMX_ASK_MODEL]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Prompt text placed before piped stdin')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'Prompt text placed before piped stdin')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System prompt, or @FILE to read it from a file')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Attach an image (PNG, JPEG, WebP or GIF): a file or an http(s) URL; repeat for more')
            [CompletionResult]::new('--tools', '--tools', [CompletionResultType]::ParameterName, 'Tools the models may call (a JSON file)')
            [CompletionResult]::new('--tool-choice', '--tool-choice', [CompletionResultType]::ParameterName, 'Whether the models may, must or must not call a tool, or which one')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature, 0 to 2 [env: LLMX_TEMPERATURE]')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens each model may write [env: LLMX_MAX_TOKENS]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'Provider order for a model several serve: cheapest, fastest or provider=NAME')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting to a server after this many seconds')
            [CompletionResult]::new('--ttfb-timeout', '--ttfb-timeout', [CompletionResultType]::ParameterName, 'Give up when the response has not started after this many seconds')
            [CompletionResult]::new('--stall-timeout', '--stall-timeout', [CompletionResultType]::ParameterName, 'End a stream that sends nothing for this many seconds ("stream stalled")')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries before any content arrived')
            [CompletionResult]::new('--retry-max-wait', '--retry-max-wait', [CompletionResultType]::ParameterName, 'The most to wait between retries of one model, all waits together')
            [CompletionResult]::new('--max-answer-mb', '--max-answer-mb', [CompletionResultType]::ParameterName, 'Cut answers larger than this many MiB')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to print')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Send images or tools even to models the catalog says cannot take them')
            [CompletionResult]::new('--no-stream', '--no-stream', [CompletionResultType]::ParameterName, 'Wait for whole answers instead of streaming them (no time to first token)')
            [CompletionResult]::new('--no-fallback', '--no-fallback', [CompletionResultType]::ParameterName, 'Only the first choice: no fallback to the next model of an `a|b` chain or route')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be sent, model by model, and send nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1]')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print latency, tokens and cost to stderr after the answer')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;bench' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Models to benchmark, comma-separated; repeat -m for more [env: LLMX_MODELS]')
            [CompletionResult]::new('--models', '--models', [CompletionResultType]::ParameterName, 'Models to benchmark, comma-separated; repeat -m for more [env: LLMX_MODELS]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Models to benchmark, comma-separated; repeat -m for more [env: LLMX_MODELS]')
            [CompletionResult]::new('--repeat', '--repeat', [CompletionResultType]::ParameterName, 'Ask each model each prompt this many times')
            [CompletionResult]::new('--warmup', '--warmup', [CompletionResultType]::ParameterName, 'Send this many requests per model first and write none of them')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the sending order (the same seed, the same order)')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Send the grid through the providers'' Batch APIs (about half the price, results within 24 h) instead of live requests')
            [CompletionResult]::new('--poll-interval', '--poll-interval', [CompletionResultType]::ParameterName, 'With --batch: seconds between status checks [env: LLMX_BATCH_POLL] [default: 2, backing off to 60 after the first minute]')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Run only shard I of N (1-based); the N shards'' rows together are the whole run')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the rows to FILE, each flushed as its request finishes (else stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the rows to FILE, each flushed as its request finishes (else stdout)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Row format [default: jsonl for a .jsonl FILE, else csv]')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Complete the run in FILE: run its missing and failed cells, one row per cell')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Also write the summary to FILE (.json, .html for the report, else CSV)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'At most N requests at once in all [env: LLMX_CONCURRENCY] [default: 256]')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'At most N requests at once in all [env: LLMX_CONCURRENCY] [default: 256]')
            [CompletionResult]::new('--max-cost', '--max-cost', [CompletionResultType]::ParameterName, 'Never spend more than this many US dollars')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System prompt, or @FILE to read it from a file')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Attach an image (PNG, JPEG, WebP or GIF): a file or an http(s) URL; repeat for more')
            [CompletionResult]::new('--tools', '--tools', [CompletionResultType]::ParameterName, 'Tools the models may call (a JSON file)')
            [CompletionResult]::new('--tool-choice', '--tool-choice', [CompletionResultType]::ParameterName, 'Whether the models may, must or must not call a tool, or which one')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature, 0 to 2 [env: LLMX_TEMPERATURE]')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens each model may write [env: LLMX_MAX_TOKENS]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'Provider order for a model several serve: cheapest, fastest or provider=NAME')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting to a server after this many seconds')
            [CompletionResult]::new('--ttfb-timeout', '--ttfb-timeout', [CompletionResultType]::ParameterName, 'Give up when the response has not started after this many seconds')
            [CompletionResult]::new('--stall-timeout', '--stall-timeout', [CompletionResultType]::ParameterName, 'End a stream that sends nothing for this many seconds ("stream stalled")')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries before any content arrived')
            [CompletionResult]::new('--retry-max-wait', '--retry-max-wait', [CompletionResultType]::ParameterName, 'The most to wait between retries of one model, all waits together')
            [CompletionResult]::new('--max-answer-mb', '--max-answer-mb', [CompletionResultType]::ParameterName, 'Cut answers larger than this many MiB')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'With --batch: submit, save the job file and exit; --batch --resume FILE collects later')
            [CompletionResult]::new('--csv-safe', '--csv-safe', [CompletionResultType]::ParameterName, 'Prefix CSV cells that start with = + - @ TAB or CR with '' (safe to open in a spreadsheet)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bar, and no closing "rows written" line')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bar, and no closing "rows written" line')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Send images or tools even to models the catalog says cannot take them')
            [CompletionResult]::new('--no-stream', '--no-stream', [CompletionResultType]::ParameterName, 'Wait for whole answers instead of streaming them (no time to first token)')
            [CompletionResult]::new('--no-fallback', '--no-fallback', [CompletionResultType]::ParameterName, 'Only the first choice: no fallback to the next model of an `a|b` chain or route')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be sent, model by model, and send nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr (-v: method, URL, status, timing; -vv: headers and bodies)')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not record this run in the local history [env: LLMX_NO_HISTORY=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;batch' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Each batch of the run in FILE: its provider''s state and counts, and whether its rows are written')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel the run''s batches still running at the providers; `bench --batch --resume FILE` then writes what finished, and `batch_cancelled` rows for the rest')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmx;batch;status' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;batch;cancel' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;batch;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Each batch of the run in FILE: its provider''s state and counts, and whether its rows are written')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel the run''s batches still running at the providers; `bench --batch --resume FILE` then writes what finished, and `batch_cancelled` rows for the rest')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmx;batch;help;status' {
            break
        }
        'llmx;batch;help;cancel' {
            break
        }
        'llmx;batch;help;help' {
            break
        }
        'llmx;serve' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The address to listen on [default: 127.0.0.1; config: serve.host]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The port [default: 4141; config: serve.port]; 0 takes a free one')
            [CompletionResult]::new('--allow-host', '--allow-host', [CompletionResultType]::ParameterName, 'Another Host a request may name (a proxy''s name for this server); repeat for more')
            [CompletionResult]::new('--cors-origin', '--cors-origin', [CompletionResultType]::ParameterName, 'A web origin whose pages may call the server (CORS); repeat for more')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Upstream requests in flight at once, all clients together [default: 1024]')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Upstream requests in flight at once, all clients together [default: 1024]')
            [CompletionResult]::new('--shutdown-timeout', '--shutdown-timeout', [CompletionResultType]::ParameterName, 'On SIGINT/SIGTERM, wait this long for requests in flight [default: 10]')
            [CompletionResult]::new('--max-cost', '--max-cost', [CompletionResultType]::ParameterName, 'Stop answering (429) once requests cost this much while the server runs')
            [CompletionResult]::new('--max-cost-per-day', '--max-cost-per-day', [CompletionResultType]::ParameterName, 'Stop answering (429) once today''s requests (UTC, from the history) cost this much')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on one attempt after this many seconds in all [env: LLMX_TIMEOUT] [default: 300]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting to a server after this many seconds')
            [CompletionResult]::new('--ttfb-timeout', '--ttfb-timeout', [CompletionResultType]::ParameterName, 'Give up when the response has not started after this many seconds')
            [CompletionResult]::new('--stall-timeout', '--stall-timeout', [CompletionResultType]::ParameterName, 'End a stream that sends nothing for this many seconds ("stream stalled")')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries before any content arrived')
            [CompletionResult]::new('--retry-max-wait', '--retry-max-wait', [CompletionResultType]::ParameterName, 'The most to wait between retries of one model, all waits together')
            [CompletionResult]::new('--max-answer-mb', '--max-answer-mb', [CompletionResultType]::ParameterName, 'Cut answers larger than this many MiB')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'The access log on stderr: one line per request as text, or one JSON object per line')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('--show-token', '--show-token', [CompletionResultType]::ParameterName, 'Print the token clients must send (generating it if there is none) and exit')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No access log (errors and the first line still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No access log (errors and the first line still print)')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not record requests in the local history [env: LLMX_NO_HISTORY=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;history' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only runs started this recently: 7d, 12h, 90m, 2w')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Only runs with this model (as typed, `provider/model` or the provider''s id)')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Only runs whose prompt or an answer contains TEXT (any case)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many runs')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many runs')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Only `llmx serve`''s requests, or only the command line''s runs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('--csv-safe', '--csv-safe', [CompletionResultType]::ParameterName, 'With --format csv: prefix cells that start with = + - @ TAB or CR with '' (spreadsheets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Render a past run again, exactly as compare rendered it (any format)')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete runs older than AGE and give the space back')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'How many runs and rows the store holds, its size on disk, the oldest and newest row')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmx;history;show' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'Show whole answers in the table')
            [CompletionResult]::new('--csv-safe', '--csv-safe', [CompletionResultType]::ParameterName, 'With --format csv: prefix cells that start with = + - @ TAB or CR with ''')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;history;prune' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Runs started longer ago than this: 90d, 12w')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('--vacuum', '--vacuum', [CompletionResultType]::ParameterName, 'Then give the freed space back to the filesystem (holds the store while it runs; without it, later rows reuse the space)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;history;stats' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;history;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Render a past run again, exactly as compare rendered it (any format)')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete runs older than AGE and give the space back')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'How many runs and rows the store holds, its size on disk, the oldest and newest row')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmx;history;help;show' {
            break
        }
        'llmx;history;help;prune' {
            break
        }
        'llmx;history;help;stats' {
            break
        }
        'llmx;history;help;help' {
            break
        }
        'llmx;usage' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Rows started this recently: 30d, 12h, 2w')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'One line per model, provider or day')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Only `llmx serve`''s requests, or only the command line''s runs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('--csv-safe', '--csv-safe', [CompletionResultType]::ParameterName, 'With --format csv: prefix cells that start with = + - @ TAB or CR with '' (spreadsheets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;leaderboard' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Rows started this recently: 30d, 12h, 2w')
            [CompletionResult]::new('--min-n', '--min-n', [CompletionResultType]::ParameterName, 'Leave out models with fewer rows than this')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the board')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Only `llmx serve`''s requests, or only the command line''s runs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('--csv-safe', '--csv-safe', [CompletionResultType]::ParameterName, 'With --format csv: prefix cells that start with = + - @ TAB or CR with '' (spreadsheets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;models' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only this provider''s models')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Only models whose id or alias contains TEXT (any case)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the list')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain in a pipe]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --refresh: the most each source may take, in seconds (all are fetched at once)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('--free', '--free', [CompletionResultType]::ParameterName, 'Only free models')
            [CompletionResult]::new('--vision', '--vision', [CompletionResultType]::ParameterName, 'Only models that take images')
            [CompletionResult]::new('--tools', '--tools', [CompletionResultType]::ParameterName, 'Only models that call tools')
            [CompletionResult]::new('--reasoning', '--reasoning', [CompletionResultType]::ParameterName, 'Only reasoning models')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Fetch current prices and model lists, and cache them')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;keys' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a provider''s key: typed at a hidden prompt, or piped on stdin (never an argument)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'For every provider: where its key comes from, and a masked form of it')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a provider''s key from the keyring')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Where keys, the config file, the cache and the history live, and the lookup order')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmx;keys;set' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;keys;list' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;keys;remove' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;keys;path' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;keys;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a provider''s key: typed at a hidden prompt, or piped on stdin (never an argument)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'For every provider: where its key comes from, and a masked form of it')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a provider''s key from the keyring')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Where keys, the config file, the cache and the history live, and the lookup order')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmx;keys;help;set' {
            break
        }
        'llmx;keys;help;list' {
            break
        }
        'llmx;keys;help;remove' {
            break
        }
        'llmx;keys;help;path' {
            break
        }
        'llmx;keys;help;help' {
            break
        }
        'llmx;config' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the config file as llmx reads it, keys masked')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented starter config file (never over an existing one)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmx;config;path' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;config;show' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;config;init' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;config;help' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the config file as llmx reads it, keys masked')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented starter config file (never over an existing one)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmx;config;help;path' {
            break
        }
        'llmx;config;help;show' {
            break
        }
        'llmx;config;help;init' {
            break
        }
        'llmx;config;help;help' {
            break
        }
        'llmx;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write every page (llmx.1 and one per subcommand) into DIR instead')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always (e.g. for `| less -R`), never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'llmx;help' {
            [CompletionResult]::new('compare', 'compare', [CompletionResultType]::ParameterValue, 'Send one prompt to several models at once and compare the answers')
            [CompletionResult]::new('ask', 'ask', [CompletionResultType]::ParameterValue, 'Ask one model; the answer streams to stdout, made for shell pipes')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Benchmark: every prompt × model × repeat, one CSV/JSONL row each, then a summary')
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'The provider batches of a `bench --batch` run: their state, or cancel them')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A local OpenAI-compatible endpoint in front of every model: point an SDK''s base URL at it')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Your past runs, newest first; `history show ID` renders one again, as compare did')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'What your runs cost: spend, requests, tokens and errors by model, provider or day')
            [CompletionResult]::new('leaderboard', 'leaderboard', [CompletionResultType]::ParameterValue, 'Your own leaderboard: each model''s latency, speed, errors and cost on your runs')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the model catalog: prices, context windows, capabilities, aliases')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Store, list and remove API keys in the OS keyring')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Where the config file is, what it holds, and a starter file')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish) to stdout')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff): llmx''s, or a subcommand''s; or write them all into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmx;help;compare' {
            break
        }
        'llmx;help;ask' {
            break
        }
        'llmx;help;bench' {
            break
        }
        'llmx;help;batch' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Each batch of the run in FILE: its provider''s state and counts, and whether its rows are written')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel the run''s batches still running at the providers; `bench --batch --resume FILE` then writes what finished, and `batch_cancelled` rows for the rest')
            break
        }
        'llmx;help;batch;status' {
            break
        }
        'llmx;help;batch;cancel' {
            break
        }
        'llmx;help;serve' {
            break
        }
        'llmx;help;history' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Render a past run again, exactly as compare rendered it (any format)')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete runs older than AGE and give the space back')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'How many runs and rows the store holds, its size on disk, the oldest and newest row')
            break
        }
        'llmx;help;history;show' {
            break
        }
        'llmx;help;history;prune' {
            break
        }
        'llmx;help;history;stats' {
            break
        }
        'llmx;help;usage' {
            break
        }
        'llmx;help;leaderboard' {
            break
        }
        'llmx;help;models' {
            break
        }
        'llmx;help;keys' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a provider''s key: typed at a hidden prompt, or piped on stdin (never an argument)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'For every provider: where its key comes from, and a masked form of it')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a provider''s key from the keyring')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Where keys, the config file, the cache and the history live, and the lookup order')
            break
        }
        'llmx;help;keys;set' {
            break
        }
        'llmx;help;keys;list' {
            break
        }
        'llmx;help;keys;remove' {
            break
        }
        'llmx;help;keys;path' {
            break
        }
        'llmx;help;config' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the config file as llmx reads it, keys masked')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented starter config file (never over an existing one)')
            break
        }
        'llmx;help;config;path' {
            break
        }
        'llmx;help;config;show' {
            break
        }
        'llmx;help;config;init' {
            break
        }
        'llmx;help;completions' {
            break
        }
        'llmx;help;man' {
            break
        }
        'llmx;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

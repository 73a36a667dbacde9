
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
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand compare 'Send one prompt to several models at once and compare the answers'
            cand ask 'Ask one model; the answer streams to stdout, made for shell pipes'
            cand models 'List the model catalog: prices, context windows, capabilities, aliases'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish) to stdout'
            cand mock-server 'Run the local mock provider server (for tests and benchmarks)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;compare'= {
            cand -m 'Models to compare, comma-separated; repeat -m to add more'
            cand --models 'Models to compare, comma-separated; repeat -m to add more'
            cand --model 'Models to compare, comma-separated; repeat -m to add more'
            cand -p 'The prompt text (piped stdin, or PROMPT_FILE, is appended after it)'
            cand --prompt 'The prompt text (piped stdin, or PROMPT_FILE, is appended after it)'
            cand --system 'System prompt, or @FILE to read it from a file'
            cand --temperature 'Sampling temperature (0 to 2)'
            cand --max-tokens 'Most tokens each model may write'
            cand --timeout 'Give up on one attempt after this many seconds in all'
            cand --connect-timeout 'Give up connecting to a server after this many seconds'
            cand --ttfb-timeout 'Give up when the response has not started after this many seconds'
            cand --stall-timeout 'End a stream that sends nothing for this many seconds ("stream stalled")'
            cand --retries 'Retries on 429, 5xx, 529, connection errors and timeouts before any content arrived'
            cand --retry-max-wait 'The most to wait between retries of one model, all waits together'
            cand --max-answer-mb 'Cut answers larger than this many MiB'
            cand --route 'For a model several providers serve: cheapest, fastest (by your earlier runs) or provider=NAME first; the others follow as fallbacks'
            cand --format 'Output format [default: table, or the extension of --output]'
            cand -o 'Write the results to FILE instead of stdout'
            cand --output 'Write the results to FILE instead of stdout'
            cand -j 'Ask at most N models at once [default: all]'
            cand --concurrency 'Ask at most N models at once [default: all]'
            cand --max-cost 'Refuse to send when the worst-case cost (prompt tokens estimated, output at --max-tokens) of all models together exceeds this many US dollars'
            cand --no-fallback 'Only the first choice: no fallback to the next model of a `a|b` chain or route'
            cand --no-stream 'Wait for whole answers instead of streaming them (no time to first token)'
            cand --full 'Show whole answers in the table instead of cutting them'
            cand -q 'No progress display'
            cand --quiet 'No progress display'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;ask'= {
            cand -m 'The model to ask'
            cand --model 'The model to ask'
            cand -p 'Prompt text placed before piped stdin'
            cand --prompt 'Prompt text placed before piped stdin'
            cand --system 'System prompt, or @FILE to read it from a file'
            cand --temperature 'Sampling temperature (0 to 2)'
            cand --max-tokens 'Most tokens each model may write'
            cand --timeout 'Give up on one attempt after this many seconds in all'
            cand --connect-timeout 'Give up connecting to a server after this many seconds'
            cand --ttfb-timeout 'Give up when the response has not started after this many seconds'
            cand --stall-timeout 'End a stream that sends nothing for this many seconds ("stream stalled")'
            cand --retries 'Retries on 429, 5xx, 529, connection errors and timeouts before any content arrived'
            cand --retry-max-wait 'The most to wait between retries of one model, all waits together'
            cand --max-answer-mb 'Cut answers larger than this many MiB'
            cand --route 'For a model several providers serve: cheapest, fastest (by your earlier runs) or provider=NAME first; the others follow as fallbacks'
            cand --format 'format'
            cand --no-fallback 'Only the first choice: no fallback to the next model of a `a|b` chain or route'
            cand --no-stream 'Wait for whole answers instead of streaming them (no time to first token)'
            cand --stats 'Print latency, tokens and cost to stderr after the answer'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;models'= {
            cand --provider 'Only this provider''s models'
            cand --search 'Only models whose id or alias contains TEXT (any case)'
            cand --sort 'sort'
            cand --format 'format'
            cand --free 'Only free models'
            cand --vision 'Only models that take images'
            cand --tools 'Only models that call tools'
            cand --reasoning 'Only reasoning models'
            cand --refresh 'Fetch current prices from OpenRouter and model lists from the providers you have keys for, and cache them for later runs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;mock-server'= {
            cand --port 'Port on 127.0.0.1 (0 picks a free one)'
            cand --script 'JSON file with per-model scripts (see src/mockserver)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'llmx;help'= {
            cand compare 'Send one prompt to several models at once and compare the answers'
            cand ask 'Ask one model; the answer streams to stdout, made for shell pipes'
            cand models 'List the model catalog: prices, context windows, capabilities, aliases'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish) to stdout'
            cand mock-server 'Run the local mock provider server (for tests and benchmarks)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmx;help;compare'= {
        }
        &'llmx;help;ask'= {
        }
        &'llmx;help;models'= {
        }
        &'llmx;help;completions'= {
        }
        &'llmx;help;mock-server'= {
        }
        &'llmx;help;help'= {
        }
    ]
    $completions[$command]
}

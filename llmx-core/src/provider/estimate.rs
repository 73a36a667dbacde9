//! Token counts estimated from text, for servers that report none (llama.cpp's streams) or
//! report zeros beside an answer. No tokenizer is loaded: a tokenizer costs a fraction of a
//! second and tens of MB each time it loads, and each model has its own anyway. The rule below
//! counts what BPE tokenizers split text into — a word of letters is one token per up to six
//! letters, digits go in groups of three, every other symbol is a token, and a character
//! outside ASCII is one — which lands within about 10% of the real count on the recorded
//! answers in `tests/fixtures/real` (mean 1.08×). Counts made this way are always marked as
//! estimates; nothing downstream mixes them silently into reported figures.

use super::types::{ChatRequest, ChatResponse, FinishReason, Part};

/// Tokens a chat template adds around each message (role markers, separators).
const PER_MESSAGE: u64 = 4;
/// Tokens a chat template adds once (the start of the assistant's turn).
const PER_REQUEST: u64 = 3;

/// The estimated token count of `text`.
pub fn tokens(text: &str) -> u64 {
    #[derive(PartialEq, Clone, Copy)]
    enum Run {
        None,
        Letters,
        Digits,
    }
    let mut n = 0u64;
    let mut run = Run::None;
    let mut len = 0u64;
    let close = |run: Run, len: u64| match run {
        Run::Letters => len.div_ceil(6),
        Run::Digits => len.div_ceil(3),
        Run::None => 0,
    };
    for c in text.chars() {
        let kind = if c.is_ascii_alphabetic() {
            Run::Letters
        } else if c.is_ascii_digit() {
            Run::Digits
        } else {
            Run::None
        };
        if kind != run {
            n += close(run, len);
            run = kind;
            len = 0;
        }
        match kind {
            Run::None if !c.is_whitespace() => n += 1,
            Run::None => {}
            _ => len += 1,
        }
    }
    n + close(run, len)
}

/// The estimated prompt size of `req`: its system prompt and messages, with the template's
/// overhead.
pub(crate) fn prompt_tokens(req: &ChatRequest) -> u64 {
    let mut n = PER_REQUEST;
    if let Some(s) = &req.system {
        n += PER_MESSAGE + tokens(s);
    }
    for m in &req.messages {
        n += PER_MESSAGE;
        for p in &m.content {
            if let Part::Text(t) = p {
                n += tokens(t);
            }
        }
    }
    // Tool definitions reach the model as text too.
    for t in req.tools.iter() {
        n += PER_MESSAGE + tokens(&t.name);
        n += t.description.as_deref().map_or(0, tokens);
        n += t.parameters.as_ref().map_or(0, |p| tokens(&p.to_string()));
    }
    n
}

/// Make `resp`'s token counts honest once a call is over. Zero counts beside an answer are not
/// counts (a prompt always has tokens; an answer with text has output tokens): they become
/// unknown. Unknown counts of a call that produced text are then estimated, and marked so.
pub(crate) fn settle_usage(req: &ChatRequest, resp: &mut ChatResponse) {
    let produced =
        !resp.text.is_empty() || !resp.reasoning.is_empty() || !resp.tool_calls.is_empty();
    let u = &mut resp.usage;
    if u.input_tokens == Some(0) {
        u.input_tokens = None;
    }
    if produced && u.output_tokens == Some(0) {
        u.output_tokens = None;
    }
    if !produced {
        return;
    }
    // What an image costs in tokens depends on its size and the provider's tiling: no estimate
    // from text would be honest, so such a prompt's size stays unknown.
    if u.input_tokens.is_none() && !req.has_images() {
        u.input_tokens = Some(prompt_tokens(req));
        u.input_estimated = true;
    }
    if u.output_tokens.is_none() {
        let calls: u64 = resp
            .tool_calls
            .iter()
            .map(|c| tokens(&c.name) + tokens(&c.arguments))
            .sum();
        let counted = tokens(&resp.text) + tokens(&resp.reasoning) + calls;
        // A model cut at the limit produced exactly the limit; none produces more.
        let n = match req.max_tokens.map(u64::from) {
            Some(max) if resp.finish == FinishReason::Length => max,
            Some(max) => counted.min(max),
            None => counted,
        };
        u.output_tokens = Some(n);
        u.output_estimated = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::types::Message;

    #[test]
    fn words_digits_and_symbols() {
        assert_eq!(tokens(""), 0);
        assert_eq!(tokens("Hello, world!"), 4);
        // A long word is several tokens; digits go in threes.
        assert_eq!(tokens("internationalization"), 4);
        assert_eq!(tokens("1234567"), 3);
        assert_eq!(tokens("日本語"), 3);
        assert_eq!(tokens("  \n\t "), 0);
    }

    #[test]
    fn prompt_counts_system_messages_and_template() {
        let req = ChatRequest {
            system: Some("Be brief.".into()),
            messages: vec![Message::user("What is Rust?")],
            ..Default::default()
        };
        // 3 + (4 + 3) + (4 + 4)
        assert_eq!(prompt_tokens(&req), 18);
    }

    #[test]
    fn zeros_beside_an_answer_become_estimates() {
        let req = ChatRequest {
            messages: vec![Message::user("Say hello")],
            ..Default::default()
        };
        let mut resp = ChatResponse {
            text: "Hello there, friend".into(),
            ..Default::default()
        };
        resp.usage.input_tokens = Some(0);
        resp.usage.output_tokens = Some(0);
        settle_usage(&req, &mut resp);
        assert_eq!(resp.usage.input_tokens, Some(3 + 4 + 2));
        assert_eq!(resp.usage.output_tokens, Some(4));
        assert!(resp.usage.input_estimated && resp.usage.output_estimated);
    }

    #[test]
    fn an_answer_cut_at_max_tokens_produced_exactly_the_limit() {
        let req = ChatRequest {
            messages: vec![Message::user("Tell a story")],
            max_tokens: Some(5),
            ..Default::default()
        };
        let mut cut = ChatResponse {
            text: "Once upon a time there was a cat".into(),
            finish: FinishReason::Length,
            ..Default::default()
        };
        settle_usage(&req, &mut cut);
        assert_eq!(cut.usage.output_tokens, Some(5));
        let mut short = ChatResponse {
            text: "Hi".into(),
            finish: FinishReason::Stop,
            ..Default::default()
        };
        settle_usage(&req, &mut short);
        assert_eq!(short.usage.output_tokens, Some(1));
    }

    #[test]
    fn reported_counts_stay_and_nothing_is_estimated_without_an_answer() {
        let req = ChatRequest::default();
        let mut resp = ChatResponse {
            text: "Hi".into(),
            ..Default::default()
        };
        resp.usage.input_tokens = Some(12);
        resp.usage.output_tokens = Some(1);
        settle_usage(&req, &mut resp);
        assert_eq!(resp.usage.input_tokens, Some(12));
        assert!(!resp.usage.input_estimated && !resp.usage.output_estimated);

        let mut failed = ChatResponse::default();
        failed.usage.input_tokens = Some(0);
        settle_usage(&req, &mut failed);
        assert_eq!(failed.usage.input_tokens, None);
        assert_eq!(failed.usage.output_tokens, None);
        assert!(!failed.usage.input_estimated);
    }
}

//! The built-in offline `mock` provider: deterministic answers with no socket and no key, so a new
//! user's first command works with no account. `mock/<name>` answers at once; `mock/<name>@<ms>`
//! waits that many milliseconds before its first token and then streams a word every 2 ms, for
//! trying out the latency columns. It counts the images it is sent, and when offered tools it
//! calls one (the named one, else the first) with placeholder arguments built from the tool's
//! schema, so `--image` and `--tools` can be tried offline too.

use std::time::Duration;

use serde_json::json;

use super::types::{ChatRequest, FinishReason, Image, StreamEvent, ToolChoice, Usage};

/// A rough token estimate (four characters a token), used only by the mock.
pub(crate) fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// Split `name@250` into the name and its scripted first-token delay.
pub(crate) fn parse_model(model: &str) -> (&str, Duration) {
    match model.rsplit_once('@') {
        Some((name, ms)) => match ms.parse::<u64>() {
            Ok(ms) => (name, Duration::from_millis(ms.min(600_000))),
            Err(_) => (model, Duration::ZERO),
        },
        None => (model, Duration::ZERO),
    }
}

/// The answer the mock gives to a request.
pub fn answer(req: &ChatRequest) -> String {
    let prompt: String = req
        .messages
        .iter()
        .map(|m| m.text())
        .collect::<Vec<_>>()
        .join("\n");
    let words = prompt.split_whitespace().count();
    let chars = prompt.chars().count();
    let preview: String = prompt
        .split_whitespace()
        .take(12)
        .collect::<Vec<_>>()
        .join(" ");
    let more = if words > 12 { " …" } else { "" };
    let (name, _) = parse_model(&req.model);
    let images: Vec<String> = req
        .images()
        .map(|i| match i {
            Image::Inline(d) => format!("{}, {} bytes", d.media_type, d.bytes),
            Image::Url(_) | Image::Fetched { .. } => "a URL".to_string(),
        })
        .collect();
    let seen = match images.len() {
        0 => String::new(),
        1 => format!(" and 1 image ({})", images[0]),
        n => format!(" and {n} images ({})", images.join("; ")),
    };
    format!(
        "Mock answer from `{name}`: your prompt has {words} words and {chars} characters{seen}, \
         starting \"{preview}{more}\". This offline model needs no key; set a provider's key \
         and pick a real model to compare real answers."
    )
}

/// The tool call the mock makes, if any: the named tool, else the first offered, with a
/// placeholder for each parameter its schema lists.
fn tool_call(req: &ChatRequest) -> Option<(String, String)> {
    let tool = match &req.tool_choice {
        Some(ToolChoice::None) => return None,
        Some(ToolChoice::Named(n)) => req.tools.iter().find(|t| &t.name == n)?,
        _ => req.tools.first()?,
    };
    let mut args = serde_json::Map::new();
    if let Some(props) = tool
        .parameters
        .as_ref()
        .and_then(|p| p["properties"].as_object())
    {
        for (k, schema) in props {
            let v = match (schema["enum"].get(0), schema["type"].as_str()) {
                (Some(first), _) => first.clone(),
                (None, Some("integer")) => json!(1),
                (None, Some("number")) => json!(1.5),
                (None, Some("boolean")) => json!(true),
                (None, Some("array")) => json!([]),
                (None, Some("object")) => json!({}),
                _ => json!("mock"),
            };
            args.insert(k.clone(), v);
        }
    }
    Some((
        tool.name.clone(),
        serde_json::Value::Object(args).to_string(),
    ))
}

/// With a scripted first-token delay, the rest of the answer streams a word at a time this far
/// apart, so the tokens-per-second column has something to show.
const WORD_GAP: Duration = Duration::from_millis(2);

/// The events the mock streams, each with the delay before it.
pub fn script(req: &ChatRequest) -> Vec<(Duration, StreamEvent)> {
    let (name, ttft) = parse_model(&req.model);
    let mut text = answer(req);
    let mut finish = (FinishReason::Stop, "stop");
    let out_tokens_full = estimate_tokens(&text);
    if let Some(max) = req.max_tokens {
        if u64::from(max) < out_tokens_full {
            text = text.chars().take(max as usize * 4).collect();
            finish = (FinishReason::Length, "length");
        }
    }
    let input_text = format!(
        "{}{}",
        req.system.as_deref().unwrap_or(""),
        req.messages
            .iter()
            .map(|m| m.text())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let input = estimate_tokens(&input_text);
    if let Some((tool, arguments)) = tool_call(req) {
        let output = estimate_tokens(&tool) + estimate_tokens(&arguments);
        return vec![
            (Duration::ZERO, StreamEvent::ModelId(name.to_string())),
            (
                ttft,
                StreamEvent::ToolCall {
                    index: 0,
                    id: Some("call_mock_0".into()),
                    name: Some(tool),
                    arguments,
                    signature: None,
                },
            ),
            (
                Duration::ZERO,
                StreamEvent::Finish {
                    reason: FinishReason::ToolCalls,
                    raw: Some("tool_calls".into()),
                },
            ),
            (Duration::ZERO, usage(input, output)),
        ];
    }
    let output = estimate_tokens(&text);
    let mut events = vec![(Duration::ZERO, StreamEvent::ModelId(name.to_string()))];
    let mut first = true;
    for piece in text.split_inclusive(' ') {
        let delay = match (first, ttft.is_zero()) {
            (true, _) => ttft,
            (false, false) => WORD_GAP,
            (false, true) => Duration::ZERO,
        };
        first = false;
        events.push((delay, StreamEvent::TextDelta(piece.to_string())));
    }
    events.push((
        Duration::ZERO,
        StreamEvent::Finish {
            reason: finish.0,
            raw: Some(finish.1.to_string()),
        },
    ));
    events.push((Duration::ZERO, usage(input, output)));
    events
}

fn usage(input: u64, output: u64) -> StreamEvent {
    StreamEvent::Usage(Usage {
        input_tokens: Some(input),
        output_tokens: Some(output),
        raw: Some(json!({"prompt_tokens": input, "completion_tokens": output})),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::types::{ChatResponse, Message, Part};

    #[test]
    fn deterministic_answer_with_usage() {
        let req = ChatRequest {
            model: "echo@120".into(),
            messages: vec![Message::user("Say hello to the world")],
            stream: true,
            ..Default::default()
        };
        let s = script(&req);
        assert_eq!(s[1].0, Duration::from_millis(120));
        let mut r = ChatResponse::default();
        for (_, e) in s {
            r.apply(e);
        }
        assert!(r
            .text
            .starts_with("Mock answer from `echo`: your prompt has 5 words"));
        assert_eq!(r.usage.input_tokens, Some(6));
        assert_eq!(r.usage.output_tokens, Some(estimate_tokens(&r.text)));
        assert_eq!(r.finish, FinishReason::Stop);
        assert_eq!(r.model_id.as_deref(), Some("echo"));
    }

    #[test]
    fn counts_images_and_calls_a_tool_with_placeholders() {
        let req = ChatRequest {
            model: "m".into(),
            messages: vec![Message {
                role: crate::provider::Role::User,
                content: vec![
                    Part::image_inline("image/png", "AAAA"),
                    Part::Text("What is this?".into()),
                ],
            }],
            ..Default::default()
        };
        let mut r = ChatResponse::default();
        for (_, e) in script(&req) {
            r.apply(e);
        }
        assert!(
            r.text
                .contains("3 words and 13 characters and 1 image (image/png, 3 bytes)"),
            "{}",
            r.text
        );
        let tools = vec![
            crate::provider::Tool {
                name: "a".into(),
                description: None,
                parameters: None,
            },
            crate::provider::Tool {
                name: "get_weather".into(),
                description: None,
                parameters: Some(json!({"properties": {
                    "city": {"type": "string"}, "days": {"type": "integer"},
                    "unit": {"type": "string", "enum": ["c", "f"]}}})),
            },
        ];
        let req = ChatRequest {
            tools: tools.into(),
            tool_choice: Some(ToolChoice::Named("get_weather".into())),
            ..req
        };
        let mut r = ChatResponse::default();
        for (_, e) in script(&req) {
            r.apply(e);
        }
        assert_eq!(r.text, "");
        assert_eq!(r.finish, FinishReason::ToolCalls);
        assert_eq!(r.tool_calls[0].name, "get_weather");
        assert_eq!(
            r.tool_calls[0].parsed_arguments().unwrap(),
            json!({"city": "mock", "days": 1, "unit": "c"})
        );
        let none = ChatRequest {
            tool_choice: Some(ToolChoice::None),
            ..req
        };
        let mut r = ChatResponse::default();
        for (_, e) in script(&none) {
            r.apply(e);
        }
        assert!(r.tool_calls.is_empty() && !r.text.is_empty());
    }

    #[test]
    fn max_tokens_cuts_with_length() {
        let req = ChatRequest {
            model: "m".into(),
            messages: vec![Message::user("hi")],
            max_tokens: Some(3),
            ..Default::default()
        };
        let mut r = ChatResponse::default();
        for (_, e) in script(&req) {
            r.apply(e);
        }
        assert_eq!(r.text.chars().count(), 12);
        assert_eq!(r.finish, FinishReason::Length);
    }
}

//! Usage as providers bill it, for the budget tests: the text a request puts before the model
//! (system prompt, every turn, tool calls and results, and the tool definitions, which providers
//! bill as input) at four characters a token, as OpenAI's and Anthropic's guides put it; each
//! image by its provider's documented formula, from the size in its header; the tool-use prompt
//! Anthropic documents (346 tokens) when tools are offered; and the whole output allowance
//! written (the model writes all it may).

use base64::Engine;
use serde_json::Value;

use super::Dialect;

/// What the request is billed as: `(input, output)` tokens. `factor` multiplies the input (a
/// provider billing more than it documents).
pub fn usage(d: Dialect, req: &Value, factor: f64) -> (u64, u64) {
    let mut text = 0usize;
    let mut images = 0u64;
    walk(d, req, &mut text, &mut images);
    let tools = match &req["tools"] {
        Value::Null => 0,
        t => t.to_string().len(),
    };
    let tool_prompt = if d == Dialect::Anthropic && tools > 0 {
        346
    } else {
        0
    };
    let input = (text + tools).div_ceil(4) as u64 + images + tool_prompt;
    let output = match d {
        Dialect::OpenAi => req["max_completion_tokens"]
            .as_u64()
            .or(req["max_tokens"].as_u64()),
        Dialect::Anthropic => req["max_tokens"].as_u64(),
        Dialect::Gemini => req["generationConfig"]["maxOutputTokens"].as_u64(),
        Dialect::Responses => req["max_output_tokens"].as_u64(),
        Dialect::Bedrock => req["inferenceConfig"]["maxTokens"].as_u64(),
    }
    .unwrap_or(1000);
    ((input as f64 * factor).ceil() as u64, output)
}

/// Text bytes and image tokens of everything the request says.
fn walk(d: Dialect, v: &Value, text: &mut usize, images: &mut u64) {
    match v {
        Value::String(s) => *text += s.len(),
        Value::Array(a) => a.iter().for_each(|x| walk(d, x, text, images)),
        Value::Object(o) => {
            if let Some(dims) = image_dims(d, v) {
                *images += image_tokens(d, dims);
                return;
            }
            for (k, x) in o {
                // Field names, model ids and settings are not what the model reads.
                if matches!(
                    k.as_str(),
                    "tools"
                        | "model"
                        | "stream"
                        | "stream_options"
                        | "tool_choice"
                        | "toolConfig"
                        | "generationConfig"
                        | "role"
                        | "type"
                        | "id"
                        | "tool_call_id"
                        | "tool_use_id"
                        | "max_tokens"
                        | "max_completion_tokens"
                        | "temperature"
                        | "signature"
                        | "thoughtSignature"
                ) {
                    continue;
                }
                walk(d, x, text, images);
            }
        }
        _ => {}
    }
}

/// The size of an inline PNG image part in this dialect's shape.
fn image_dims(d: Dialect, part: &Value) -> Option<(u64, u64)> {
    let data = match d {
        Dialect::OpenAi => part["image_url"]["url"]
            .as_str()?
            .split_once(";base64,")?
            .1
            .to_string(),
        Dialect::Anthropic if part["type"] == "image" => part["source"]["data"].as_str()?.into(),
        Dialect::Gemini => part["inlineData"]["data"].as_str()?.into(),
        Dialect::Bedrock => part["image"]["source"]["bytes"].as_str()?.into(),
        Dialect::Responses if part["type"] == "input_image" => part["image_url"]
            .as_str()?
            .split_once(";base64,")?
            .1
            .to_string(),
        _ => return None,
    };
    let b = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    if !b.starts_with(b"\x89PNG\r\n\x1a\n") || b.len() < 24 {
        return Some((2048, 2048));
    }
    let be = |i: usize| u64::from(u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
    Some((be(16), be(20)))
}

/// OpenAI's tile formula (85 + 170 a 512-pixel tile after scaling to 2048 and 768), Anthropic's
/// width × height / 750, Gemini's 258 a 768-pixel tile.
fn image_tokens(d: Dialect, (w, h): (u64, u64)) -> u64 {
    match d {
        Dialect::OpenAi | Dialect::Responses => {
            let fit = |w: u64, h: u64, max: u64| {
                let long = w.max(h);
                if long <= max {
                    (w, h)
                } else {
                    (w * max / long, h * max / long)
                }
            };
            let (w, h) = fit(w, h, 2048);
            let short = w.min(h);
            let (w, h) = if short > 768 {
                (w * 768 / short, h * 768 / short)
            } else {
                (w, h)
            };
            85 + 170 * w.div_ceil(512) * h.div_ceil(512)
        }
        Dialect::Anthropic | Dialect::Bedrock => (w * h).div_ceil(750).min(1600),
        Dialect::Gemini if w <= 384 && h <= 384 => 258,
        Dialect::Gemini => 258 * w.div_ceil(768) * h.div_ceil(768),
    }
}

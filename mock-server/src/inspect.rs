//! What the mock server reads from a chat request beyond its model: the tools it offers, the
//! tool choice, and its images, which are checked the way the providers check them (inline
//! bytes must decode and be the type they claim; Gemini fetches no web URLs).

use base64::Engine;
use serde_json::Value;

use super::Dialect;

/// What the request allows the model to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Any offered tool, or none (`auto`, also when no choice is sent).
    Auto,
    /// Never a tool.
    None,
    /// Some tool (`required` / `any` / `ANY`).
    Required,
    /// This tool.
    Named(String),
}

/// The names of the tools the request offers.
pub fn offered_tools(d: Dialect, req: &Value) -> Vec<String> {
    let list: Vec<&Value> = match d {
        Dialect::OpenAi => req["tools"]
            .as_array()
            .map(|a| a.iter().map(|t| &t["function"]["name"]).collect())
            .unwrap_or_default(),
        Dialect::Anthropic => req["tools"]
            .as_array()
            .map(|a| a.iter().map(|t| &t["name"]).collect())
            .unwrap_or_default(),
        Dialect::Bedrock => req["toolConfig"]["tools"]
            .as_array()
            .map(|a| a.iter().map(|t| &t["toolSpec"]["name"]).collect())
            .unwrap_or_default(),
        Dialect::Responses => req["tools"]
            .as_array()
            .map(|a| {
                a.iter()
                    .flat_map(|t| match t["tools"].as_array() {
                        Some(inner) => inner.iter().map(|f| &f["name"]).collect(),
                        None => vec![&t["name"]],
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Dialect::Gemini => req["tools"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t["functionDeclarations"].as_array())
                    .flatten()
                    .map(|f| &f["name"])
                    .collect()
            })
            .unwrap_or_default(),
    };
    list.into_iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

pub fn tool_choice(d: Dialect, req: &Value) -> Choice {
    match d {
        Dialect::Responses => match &req["tool_choice"] {
            Value::String(s) if s == "none" => Choice::None,
            Value::String(s) if s == "required" => Choice::Required,
            Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("function") => {
                Choice::Named(req["tool_choice"]["name"].as_str().unwrap_or("").into())
            }
            _ => Choice::Auto,
        },
        Dialect::OpenAi => match &req["tool_choice"] {
            Value::String(s) if s == "none" => Choice::None,
            Value::String(s) if s == "required" => Choice::Required,
            Value::Object(_) => Choice::Named(
                req["tool_choice"]["function"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .into(),
            ),
            _ => Choice::Auto,
        },
        Dialect::Bedrock => {
            let c = &req["toolConfig"]["toolChoice"];
            if c["any"].is_object() {
                Choice::Required
            } else if c["tool"].is_object() {
                Choice::Named(c["tool"]["name"].as_str().unwrap_or("").into())
            } else {
                Choice::Auto
            }
        }
        Dialect::Anthropic => match req["tool_choice"]["type"].as_str() {
            Some("none") => Choice::None,
            Some("any") => Choice::Required,
            Some("tool") => Choice::Named(req["tool_choice"]["name"].as_str().unwrap_or("").into()),
            _ => Choice::Auto,
        },
        Dialect::Gemini => {
            let c = &req["toolConfig"]["functionCallingConfig"];
            match c["mode"].as_str() {
                Some("NONE") => Choice::None,
                Some("ANY") => match c["allowedFunctionNames"].as_array().map(Vec::as_slice) {
                    Some([one]) => Choice::Named(one.as_str().unwrap_or("").into()),
                    _ => Choice::Required,
                },
                _ => Choice::Auto,
            }
        }
    }
}

/// The media type an image's bytes are.
fn sniff(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Inline image data, checked: valid base64 whose bytes are the type claimed. Its description.
fn inline(claimed: &str, data: &str) -> Result<String, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| format!("image data is not valid base64: {e}"))?;
    match sniff(&bytes) {
        Some(t) if t == claimed => Ok(format!("{t} {} bytes", bytes.len())),
        Some(t) => Err(format!("image data is {t} but the request says {claimed}")),
        None => Err(format!(
            "image data is not a supported image (the request says {claimed})"
        )),
    }
}

/// Every image of the request, described (`image/png 68 bytes`, `url https://...`), or why
/// the provider would refuse the request.
pub fn images(d: Dialect, req: &Value) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let lists: Vec<&Value> = match d {
        Dialect::OpenAi | Dialect::Anthropic | Dialect::Bedrock => req["messages"]
            .as_array()
            .map(|m| m.iter().map(|m| &m["content"]).collect())
            .unwrap_or_default(),
        Dialect::Gemini => req["contents"]
            .as_array()
            .map(|m| m.iter().map(|m| &m["parts"]).collect())
            .unwrap_or_default(),
        Dialect::Responses => req["input"]
            .as_array()
            .map(|m| m.iter().map(|m| &m["content"]).collect())
            .unwrap_or_default(),
    };
    for part in lists.into_iter().filter_map(Value::as_array).flatten() {
        match d {
            Dialect::OpenAi if part["type"] == "image_url" => {
                let url = part["image_url"]["url"].as_str().unwrap_or("");
                match url
                    .strip_prefix("data:")
                    .and_then(|r| r.split_once(";base64,"))
                {
                    Some((mime, data)) => out.push(inline(mime, data)?),
                    None if url.starts_with("https://") || url.starts_with("http://") => {
                        out.push(format!("url {url}"))
                    }
                    None => return Err(format!("image_url `{url}` is not a URL")),
                }
            }
            Dialect::Anthropic if part["type"] == "image" => {
                let s = &part["source"];
                match s["type"].as_str() {
                    Some("base64") => out.push(inline(
                        s["media_type"].as_str().unwrap_or(""),
                        s["data"].as_str().unwrap_or(""),
                    )?),
                    Some("url") => out.push(format!("url {}", s["url"].as_str().unwrap_or(""))),
                    _ => return Err("image source must be base64 or url".into()),
                }
            }
            Dialect::Responses if part["type"] == "input_image" => {
                let url = part["image_url"].as_str().unwrap_or("");
                match url
                    .strip_prefix("data:")
                    .and_then(|r| r.split_once(";base64,"))
                {
                    Some((mime, data)) => out.push(inline(mime, data)?),
                    None => out.push(format!("url {url}")),
                }
            }
            Dialect::Bedrock if part.get("image").is_some() => {
                let format = part["image"]["format"].as_str().unwrap_or("");
                out.push(inline(
                    &format!("image/{format}"),
                    part["image"]["source"]["bytes"].as_str().unwrap_or(""),
                )?)
            }
            Dialect::Gemini if part.get("inlineData").is_some() => out.push(inline(
                part["inlineData"]["mimeType"].as_str().unwrap_or(""),
                part["inlineData"]["data"].as_str().unwrap_or(""),
            )?),
            Dialect::Gemini if part.get("fileData").is_some() => {
                let uri = part["fileData"]["fileUri"].as_str().unwrap_or("");
                return Err(format!(
                    "Cannot fetch content from the provided URL: {uri} (use the Files API or \
                     inline data)"
                ));
            }
            _ => {}
        }
    }
    Ok(out)
}

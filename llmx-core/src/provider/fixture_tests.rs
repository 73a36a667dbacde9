//! Every real recording under `tests/fixtures/real` goes through the dialect parsers: plain
//! bodies, streams (fed one byte at a time, so every chunk boundary is exercised), error bodies,
//! and truncated or corrupted copies of all of them, which must never panic.

use std::path::PathBuf;

use serde_json::Value;

use super::sse::{parse_all, SseReader};
use super::*;

pub(super) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/real")
}

pub(super) fn load(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

pub(super) fn dialect_of(rel: &str) -> Dialect {
    match rel.split('/').next() {
        Some("anthropic") => Dialect::Anthropic,
        Some("gemini") => Dialect::Gemini,
        _ => Dialect::OpenAi,
    }
}

/// The exact response bytes a recording holds.
pub(super) fn body_bytes(fx: &Value) -> Vec<u8> {
    let r = &fx["response"];
    if let Some(t) = r["sse_text"].as_str().or(r["body_text"].as_str()) {
        return t.as_bytes().to_vec();
    }
    serde_json::to_vec(&r["body"]).unwrap()
}

/// Every chat recording llmx's dialects speak (catalog listings, Responses-API streams and the
/// non-`alt=sse` Gemini array are not chat bodies llmx reads).
pub(super) fn chat_fixtures() -> Vec<String> {
    let mut out = Vec::new();
    for dir in [
        "openai",
        "ollama",
        "anthropic",
        "gemini",
        "openrouter",
        "deepseek",
        "mistral",
        "groq",
    ] {
        let mut names: Vec<String> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".json"))
            .filter(|n| !n.starts_with("models_") && !n.starts_with("responses_"))
            .filter(|n| *n != "stream_json_array.json")
            .collect();
        names.sort();
        out.extend(names.into_iter().map(|n| format!("{dir}/{n}")));
    }
    out
}

pub(super) fn decode_stream(d: Dialect, bytes: &[u8]) -> Result<ChatResponse, ProviderError> {
    let mut r = ChatResponse::default();
    let mut dec = d.wire().stream_decoder();
    for ev in parse_all(bytes) {
        for se in dec.event(&ev)? {
            r.apply(se);
        }
    }
    Ok(r)
}

/// Parse a recording the way llmx reads it: an error body for non-2xx, a stream or a body else.
pub(crate) fn parse_fixture(rel: &str) -> Result<ChatResponse, ProviderError> {
    let fx = load(rel);
    let d = dialect_of(rel);
    let status = fx["response"]["status"].as_u64().unwrap() as u16;
    let bytes = body_bytes(&fx);
    if status != 200 {
        return Err(d.wire().parse_error(status, &bytes));
    }
    if fx["response"]["sse_text"].is_string() {
        decode_stream(d, &bytes)
    } else {
        d.wire().parse_response(&bytes)
    }
}

pub(crate) fn ok(rel: &str) -> ChatResponse {
    parse_fixture(rel).unwrap_or_else(|e| panic!("{rel}: {e:?}"))
}

#[test]
fn every_chat_recording_parses() {
    let files = chat_fixtures();
    assert!(files.len() > 60, "found only {}", files.len());
    for rel in files {
        let fx = load(&rel);
        let status = fx["response"]["status"].as_u64().unwrap();
        let midstream_error = rel.contains("midstream_error");
        match parse_fixture(&rel) {
            Ok(r) => {
                assert_eq!(status, 200, "{rel}");
                assert!(!midstream_error, "{rel} should fail");
                // This real OpenRouter stream ends with `[DONE]` but never sends a finish_reason.
                if rel != "openrouter/chat_tool_call_stream.json" {
                    assert_ne!(r.finish, FinishReason::Unknown, "{rel}: no finish reason");
                    assert!(r.finish_raw.is_some(), "{rel}: raw finish kept");
                }
                assert!(r.usage.input_tokens.is_some(), "{rel}: no input tokens");
                assert!(r.usage.output_tokens.is_some(), "{rel}: no output tokens");
                if r.finish != FinishReason::ToolCalls {
                    assert!(
                        !r.text.is_empty() || rel.contains("tool"),
                        "{rel}: empty text"
                    );
                }
            }
            Err(e) => {
                assert!(status != 200 || midstream_error, "{rel}: {e:?}");
                assert!(!e.message.is_empty(), "{rel}");
            }
        }
    }
}

#[test]
fn recorded_streams_decode_the_same_fed_byte_by_byte() {
    for rel in chat_fixtures() {
        let fx = load(&rel);
        let Some(sse) = fx["response"]["sse_text"].as_str() else {
            continue;
        };
        let whole = parse_all(sse.as_bytes());
        let mut r = SseReader::new();
        let mut bytewise = Vec::new();
        for b in sse.as_bytes() {
            bytewise.extend(r.push(std::slice::from_ref(b)));
        }
        bytewise.extend(r.finish());
        assert_eq!(whole, bytewise, "{rel}");
        assert!(!whole.is_empty(), "{rel}");
        // And split into two pieces at a spread of boundaries.
        let bytes = sse.as_bytes();
        for i in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
            let mut r = SseReader::new();
            let mut got = r.push(&bytes[..i]);
            got.extend(r.push(&bytes[i..]));
            got.extend(r.finish());
            assert_eq!(whole, got, "{rel} split at {i}");
        }
    }
}

#[test]
fn bare_sse_recordings_decode() {
    for rel in [
        "anthropic/stream_ping_padding.sse",
        "anthropic/stream_cache_read.sse",
    ] {
        let bytes = std::fs::read(root().join(rel)).unwrap();
        let r = decode_stream(Dialect::Anthropic, &bytes).unwrap();
        assert!(!r.text.is_empty(), "{rel}");
        assert_eq!(r.finish, FinishReason::Stop, "{rel}");
    }
    let bytes = std::fs::read(root().join("anthropic/stream_cache_read.sse")).unwrap();
    let r = decode_stream(Dialect::Anthropic, &bytes).unwrap();
    assert!(r.usage.cached_input_tokens > 0);
    for rel in ["gemini/stream_thinking.sse", "gemini/stream_tool_call.sse"] {
        let bytes = std::fs::read(root().join(rel)).unwrap();
        let r = decode_stream(Dialect::Gemini, &bytes).unwrap();
        assert_ne!(r.finish, FinishReason::Unknown, "{rel}");
    }
}

#[test]
fn openai_plain_usage_and_model() {
    let r = ok("openai/chat_plain.json");
    assert_eq!(r.usage.input_tokens, Some(13));
    assert_eq!(r.usage.output_tokens, Some(31));
    assert_eq!(r.finish, FinishReason::Stop);
    assert_eq!(r.finish_raw.as_deref(), Some("stop"));
    assert!(r.model_id.unwrap().starts_with("gpt-"));
}

#[test]
fn openai_cached_tokens() {
    let r = ok("openai/chat_prompt_cache_hit.json");
    assert_eq!(r.usage.input_tokens, Some(1220));
    assert_eq!(r.usage.cached_input_tokens, 1152);
    assert_eq!(r.usage.output_tokens, Some(100));
}

#[test]
fn openai_stream_with_include_usage() {
    let r = ok("openai/chat_stream_usage.json");
    assert_eq!(r.usage.input_tokens, Some(14));
    assert_eq!(r.usage.output_tokens, Some(13));
    assert_eq!(r.finish, FinishReason::Stop);
    assert_eq!(r.model_id.as_deref(), Some("gpt-3.5-turbo-0125"));
    assert!(r.text.contains('5'), "{}", r.text);
}

#[test]
fn anthropic_plain_and_stream() {
    let r = ok("anthropic/messages_plain.json");
    assert_eq!(r.usage.input_tokens, Some(13));
    assert_eq!(r.usage.output_tokens, Some(35));
    assert_eq!(r.finish_raw.as_deref(), Some("end_turn"));
    let r = ok("anthropic/messages_max_tokens.json");
    assert_eq!(r.finish, FinishReason::Length);
    let r = ok("anthropic/messages_stream_cache_read.json");
    // input_tokens 11 excludes the 1031 cached tokens; llmx's input total includes them.
    assert_eq!(r.usage.input_tokens, Some(1042));
    assert_eq!(r.usage.cached_input_tokens, 1031);
    assert_eq!(r.usage.output_tokens, Some(100));
    assert_eq!(r.finish, FinishReason::Length);
    assert_eq!(r.model_id.as_deref(), Some("claude-sonnet-4-20250514"));
}

#[test]
fn anthropic_thinking_and_stop_sequence() {
    let r = ok("anthropic/messages_thinking_stream.json");
    assert!(!r.reasoning.is_empty());
    assert!(r.text.starts_with("1. **Pouch**") || r.text.contains("Pouch"));
    assert_eq!(r.usage.input_tokens, Some(46));
    assert_eq!(r.usage.output_tokens, Some(133));
    let r = ok("anthropic/messages_stream_prefill_stop_sequence.json");
    assert_eq!(r.finish, FinishReason::Stop);
    assert_eq!(r.finish_raw.as_deref(), Some("stop_sequence"));
}

#[test]
fn gemini_thoughts_count_as_output() {
    let r = ok("gemini/generate_plain.json");
    assert_eq!(r.usage.input_tokens, Some(9));
    assert_eq!(r.usage.output_tokens, Some(43));
    assert_eq!(r.usage.reasoning_tokens, 34);
    assert_eq!(r.finish_raw.as_deref(), Some("STOP"));
    let r = ok("gemini/generate_max_tokens.json");
    assert_eq!(r.finish, FinishReason::Length);
}

#[test]
fn gemini_stream_uses_last_cumulative_usage() {
    let r = ok("gemini/stream_sse.json");
    assert_eq!(r.text, "The capital of France is Paris.\n");
    assert_eq!(r.usage.input_tokens, Some(13));
    assert_eq!(r.usage.output_tokens, Some(8));
    assert_eq!(r.model_id.as_deref(), Some("gemini-2.0-flash-exp"));
}

#[test]
fn openrouter_reported_cost_and_reasoning() {
    let r = ok("openrouter/chat_usage_cost.json");
    assert_eq!(r.usage.provider_cost_usd, Some(0.00435825));
    assert_eq!(r.usage.reasoning_tokens, 960);
    assert_eq!(r.usage.output_tokens, Some(2177));
    let r = ok("openrouter/chat_stream_usage_cost.json");
    assert_eq!(r.usage.provider_cost_usd, Some(0.0));
    assert_eq!(r.usage.input_tokens, Some(586));
    let r = ok("openrouter/chat_plain_whitespace_keepalive.json");
    assert_eq!(r.usage.provider_cost_usd, Some(5.37e-06));
    let r = ok("openrouter/chat_stream_reasoning.json");
    assert!(!r.reasoning.is_empty());
}

#[test]
fn in_stream_errors_are_errors() {
    let e = parse_fixture("openrouter/chat_stream_midstream_error.json").unwrap_err();
    assert!(e.message.contains("Token limit reached"), "{}", e.message);
    assert_eq!(e.kind, ErrorKind::BadRequest);
    let e = parse_fixture("groq/chat_stream_midstream_error.json").unwrap_err();
    assert!(e.message.contains("Tool call validation failed"));
    // Groq's `tool_use_failed`: the model's call was unusable, not llmx's request.
    assert_eq!(e.kind, ErrorKind::ToolCall);
    assert_eq!(e.status, Some(400));
}

#[test]
fn compatible_providers_quirks() {
    let r = ok("deepseek/chat_reasoning.json");
    assert_eq!(r.usage.reasoning_tokens, 415);
    assert!(!r.reasoning.is_empty());
    let r = ok("deepseek/chat_stream_reasoning.json");
    assert_eq!(r.usage.reasoning_tokens, 34);
    assert_eq!(r.usage.output_tokens, Some(47));
    assert!(!r.reasoning.is_empty() && !r.text.is_empty());
    let r = ok("mistral/chat_thinking.json");
    assert_eq!(r.usage.cached_input_tokens, 5);
    assert!(!r.reasoning.is_empty() && !r.text.is_empty());
    let r = ok("mistral/chat_stream.json");
    assert_eq!(r.usage.output_tokens, Some(100));
    assert_eq!(r.finish, FinishReason::Length);
    let r = ok("groq/chat_plain.json");
    assert_eq!(r.usage.input_tokens, Some(48));
}

#[test]
fn error_bodies_are_classified() {
    let cases = [
        ("openai/error_401_invalid_api_key.json", ErrorKind::Auth),
        ("openai/error_404_model_not_found.json", ErrorKind::NotFound),
        (
            "openai/error_400_unsupported_value.json",
            ErrorKind::BadRequest,
        ),
        ("anthropic/error_401_invalid_api_key.json", ErrorKind::Auth),
        (
            "anthropic/error_404_model_not_found.json",
            ErrorKind::NotFound,
        ),
        (
            "anthropic/error_400_invalid_request.json",
            ErrorKind::BadRequest,
        ),
        ("gemini/error_403_missing_key.json", ErrorKind::Auth),
        ("gemini/error_404_model_not_found.json", ErrorKind::NotFound),
        (
            "openrouter/error_429_rate_limited.json",
            ErrorKind::RateLimit,
        ),
        (
            "openrouter/error_429_upstream_provider.json",
            ErrorKind::RateLimit,
        ),
        ("groq/error_404_model_not_found.json", ErrorKind::NotFound),
    ];
    for (rel, kind) in cases {
        let e = parse_fixture(rel).unwrap_err();
        assert_eq!(e.kind, kind, "{rel}: {e:?}");
        assert!(e.message.starts_with("HTTP "), "{rel}: {}", e.message);
    }
    let e = parse_fixture("openrouter/error_429_upstream_provider.json").unwrap_err();
    assert!(
        e.message.contains("Provider returned error ("),
        "{}",
        e.message
    );
    // OpenAI's 401 echoes a masked fragment of the key; the scrubber removes it.
    let e = parse_fixture("openai/error_401_invalid_api_key.json").unwrap_err();
    let shown = crate::secret::scrub(&e.message, &[]);
    assert!(!shown.contains("sk-"), "{shown}");
}

#[test]
fn gemini_invalid_key_400_is_auth_and_retry_delay_read() {
    let body = br#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"#;
    let e = Dialect::Gemini.wire().parse_error(400, body);
    assert_eq!(e.kind, ErrorKind::Auth);
    let body = br#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"41s"}]}}"#;
    let e = Dialect::Gemini.wire().parse_error(429, body);
    assert_eq!(e.kind, ErrorKind::RateLimit);
    assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(41)));
    // Vertex AI's streaming endpoints send the same object in a list.
    let wrapped = format!("[{}]", String::from_utf8_lossy(body));
    let e = Dialect::Gemini.wire().parse_error(429, wrapped.as_bytes());
    assert_eq!(e.kind, ErrorKind::RateLimit);
    assert!(e.message.contains("quota"), "{}", e.message);
    assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(41)));
}

/// Truncated and corrupted copies of every recording: parsers return errors, never panic.
#[test]
fn truncated_and_garbage_bodies_never_panic() {
    let mut seed = 0x9E3779B97F4A7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for rel in chat_fixtures() {
        let fx = load(&rel);
        let bytes = body_bytes(&fx);
        for d in [Dialect::OpenAi, Dialect::Anthropic, Dialect::Gemini] {
            for cut in (0..bytes.len()).step_by(bytes.len() / 40 + 1) {
                let part = &bytes[..cut];
                let _ = d.wire().parse_response(part);
                let _ = d.wire().parse_error(500, part);
                let _ = decode_stream(d, part);
            }
            for _ in 0..20 {
                let mut b = bytes.clone();
                for _ in 0..8 {
                    if b.is_empty() {
                        break;
                    }
                    let i = (next() as usize) % b.len();
                    b[i] = (next() % 256) as u8;
                }
                let _ = d.wire().parse_response(&b);
                let _ = d.wire().parse_error(429, &b);
                let _ = decode_stream(d, &b);
            }
        }
    }
    for garbage in [
        &b""[..],
        b"null",
        b"[]",
        b"{\"choices\":[{\"message\":{\"content\":7}}]}",
        b"{\"usage\":{\"prompt_tokens\":-1}}",
        b"{\"content\":[{\"type\":\"text\",\"text\":null}]}",
        b"{\"candidates\":[{\"content\":{\"parts\":[{\"text\":1e999}]}}]}",
        b"{\"error\":{\"code\":99999999999999999999}}",
        b"data: {\"error\":null}\n\n",
    ] {
        for d in [Dialect::OpenAi, Dialect::Anthropic, Dialect::Gemini] {
            let _ = d.wire().parse_response(garbage);
            let _ = d.wire().parse_error(400, garbage);
            let _ = decode_stream(d, garbage);
        }
    }
}

fn full_request(stream: bool) -> ChatRequest {
    ChatRequest {
        model: "m-1".into(),
        system: Some("Be brief.".into()),
        messages: vec![Message::user("Count from 1 to 5")],
        temperature: Some(0.5),
        max_tokens: Some(50),
        stop: vec!["\n\n".into()],
        stream,
        ..Default::default()
    }
}

#[test]
fn openai_request_body_as_documented() {
    let reg = Registry::builtin();
    let call = build_request(
        reg.get("openai").unwrap(),
        "http://h/v1",
        &full_request(true),
    );
    assert_eq!(call.url, "http://h/v1/chat/completions");
    assert_eq!(call.auth, AuthStyle::Bearer);
    assert_eq!(
        call.body,
        serde_json::json!({
            "model": "m-1",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Count from 1 to 5"}
            ],
            "temperature": 0.5,
            "max_completion_tokens": 50,
            "stop": ["\n\n"],
            "stream": true,
            "stream_options": {"include_usage": true}
        })
    );
    // Compatible services take `max_tokens`; Mistral gets no stream_options.
    let call = build_request(
        reg.get("mistral").unwrap(),
        "http://h/v1",
        &full_request(true),
    );
    assert_eq!(call.body["max_tokens"], 50);
    assert!(call.body.get("max_completion_tokens").is_none());
    assert!(call.body.get("stream_options").is_none());
    let call = build_request(
        reg.get("openrouter").unwrap(),
        "http://h",
        &full_request(false),
    );
    assert!(call.body.get("stream").is_none());
    assert!(call
        .headers
        .contains(&("x-title".to_string(), "llmx".to_string())));
}

#[test]
fn anthropic_request_body_as_documented() {
    let reg = Registry::builtin();
    let call = build_request(
        reg.get("anthropic").unwrap(),
        "http://h",
        &full_request(true),
    );
    assert_eq!(call.url, "http://h/v1/messages");
    assert_eq!(call.auth, AuthStyle::Header("x-api-key"));
    assert!(call
        .headers
        .contains(&("anthropic-version".to_string(), "2023-06-01".to_string())));
    assert_eq!(
        call.body,
        serde_json::json!({
            "model": "m-1",
            "max_tokens": 50,
            "system": "Be brief.",
            "messages": [{"role": "user", "content": "Count from 1 to 5"}],
            "temperature": 0.5,
            "stop_sequences": ["\n\n"],
            "stream": true
        })
    );
    let mut req = full_request(false);
    req.max_tokens = None;
    let call = build_request(reg.get("anthropic").unwrap(), "http://h", &req);
    assert_eq!(call.body["max_tokens"], anthropic::DEFAULT_MAX_TOKENS);
}

#[test]
fn gemini_request_body_as_documented() {
    let reg = Registry::builtin();
    let call = build_request(reg.get("gemini").unwrap(), "http://h", &full_request(true));
    assert_eq!(
        call.url,
        "http://h/v1beta/models/m-1:streamGenerateContent?alt=sse"
    );
    assert!(!call.url.contains("key="));
    assert_eq!(call.auth, AuthStyle::Header("x-goog-api-key"));
    assert_eq!(
        call.body,
        serde_json::json!({
            "contents": [{"role": "user", "parts": [{"text": "Count from 1 to 5"}]}],
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
            "generationConfig": {"temperature": 0.5, "maxOutputTokens": 50, "stopSequences": ["\n\n"]}
        })
    );
    let call = build_request(reg.get("gemini").unwrap(), "http://h", &full_request(false));
    assert_eq!(call.url, "http://h/v1beta/models/m-1:generateContent");
}

#[test]
fn image_parts_in_each_dialect() {
    let reg = Registry::builtin();
    let mut req = full_request(false);
    req.messages = vec![Message {
        role: Role::User,
        content: vec![
            Part::Text("What is this?".into()),
            Part::image_inline("image/png", "AAAA"),
        ],
    }];
    let o = build_request(reg.get("openai").unwrap(), "h", &req);
    assert_eq!(
        o.body["messages"][1]["content"][1]["image_url"]["url"],
        "data:image/png;base64,AAAA"
    );
    let a = build_request(reg.get("anthropic").unwrap(), "h", &req);
    assert_eq!(
        a.body["messages"][0]["content"][1]["source"]["type"],
        "base64"
    );
    let g = build_request(reg.get("gemini").unwrap(), "h", &req);
    assert_eq!(
        g.body["contents"][0]["parts"][1]["inlineData"]["mimeType"],
        "image/png"
    );
}

/// The real Responses recordings through the Responses wire (what llmx reads from OpenAI for a
/// Responses client): the whole body, and the streams fed one byte at a time.
#[test]
fn responses_recordings_decode_to_their_text_calls_and_usage() {
    let wire = &super::dialect::Responses;
    let whole = wire
        .parse_response(&body_bytes(&load("openai_responses/responses_plain.json")))
        .unwrap();
    assert_eq!(whole.text, "pong");
    assert_eq!(whole.finish, FinishReason::Stop);
    assert_eq!(
        (whole.usage.input_tokens, whole.usage.output_tokens),
        (Some(11), Some(5))
    );
    assert_eq!(whole.model_id.as_deref(), Some("gpt-5.5-2026-04-23"));
    for (rel, text, calls, usage) in [
        ("openai_responses/responses_stream.json", "pong", 0, (11, 5)),
        (
            "openai_responses/responses_tool_call_stream.json",
            "",
            1,
            (58, 23),
        ),
    ] {
        let bytes = body_bytes(&load(rel));
        let mut reader = SseReader::new();
        let mut dec = wire.stream_decoder();
        let mut r = ChatResponse::default();
        for b in &bytes {
            for ev in reader.push(std::slice::from_ref(b)) {
                for se in dec.event(&ev).unwrap() {
                    r.apply(se);
                }
            }
        }
        assert!(dec.finished(), "{rel}");
        assert_eq!(r.text, text, "{rel}");
        assert_eq!(r.tool_calls.len(), calls, "{rel}");
        assert_eq!(
            (r.usage.input_tokens, r.usage.output_tokens),
            (Some(usage.0), Some(usage.1)),
            "{rel}"
        );
        if calls > 0 {
            assert_eq!(r.finish, FinishReason::ToolCalls);
            assert_eq!(r.tool_calls[0].name, "multiply");
            assert_eq!(r.tool_calls[0].arguments, "{\"a\":1231,\"b\":2331}");
            assert_eq!(
                r.tool_calls[0].id.as_deref(),
                Some("call_sVidsfFJ6zlzRpelrPkTPlpd")
            );
        }
    }
    // A stream cut before `response.completed` has not finished.
    let cut = load("openai_responses/responses_stream.json")["response"]["sse_text"]
        .as_str()
        .unwrap()
        .split("event: response.completed")
        .next()
        .unwrap()
        .to_string();
    let mut dec = wire.stream_decoder();
    for ev in parse_all(cut.as_bytes()) {
        dec.event(&ev).unwrap();
    }
    assert!(!dec.finished());
}

/// Azure OpenAI's stream opens with a chunk of empty `choices` carrying the prompt's filter
/// results (Azure's content-filtering docs), and marks each chunk's `content_filter_results`:
/// the answer is read as OpenAI's.
#[test]
fn an_azure_stream_with_its_filter_results_chunk_reads_as_openais() {
    let sse = concat!(
        "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"}}}]}\n\n",
        "data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{\"content\":\"\",\"role\":\"assistant\"},\"finish_reason\":null,\"index\":0}],\"created\":1,\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\"}\n\n",
        "data: {\"choices\":[{\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"}},\"delta\":{\"content\":\"Hi there.\"},\"finish_reason\":null,\"index\":0}],\"created\":1,\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\"}\n\n",
        "data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{},\"finish_reason\":\"stop\",\"index\":0}],\"created\":1,\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\"}\n\n",
        "data: {\"choices\":[],\"created\":1,\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":3,\"prompt_tokens\":9,\"total_tokens\":12}}\n\n",
        "data: [DONE]\n\n",
    );
    let r = decode_stream(Dialect::OpenAi, sse.as_bytes()).unwrap();
    assert_eq!(r.text, "Hi there.");
    assert_eq!(r.finish, crate::provider::FinishReason::Stop);
    assert_eq!(
        (r.usage.input_tokens, r.usage.output_tokens),
        (Some(9), Some(3))
    );
    // A filtered prompt's 400 is its own kind.
    let body = br#"{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation"}}}"#;
    let e = Dialect::OpenAi.wire().parse_error(400, body);
    assert_eq!(e.kind, ErrorKind::ContentFilter);
    assert!(
        !crate::provider::run::retryable(&e, false),
        "a filtered prompt is not sent again"
    );
}

//! The mock server checked against the real recordings it imitates, and its scripted failures.

use std::time::Duration;

use serde_json::{json, Value};

use llmx_mock::*;

use crate::provider::sse::parse_all;
use crate::provider::{ChatResponse, Dialect as Wire};

fn server(config: Value) -> MockServer {
    MockServer::start(serde_json::from_value(config).unwrap()).unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// POST `body` to `path`; status, headers and the whole body.
fn post(s: &MockServer, path: &str, body: Value) -> (u16, reqwest::header::HeaderMap, String) {
    rt().block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{}{path}", s.url()))
            .header("x-api-key", "test")
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.text().await.unwrap_or_default())
    })
}

fn recording(path: &str) -> Value {
    let p = format!(
        "{}/../tests/fixtures/real/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Event names with repeats folded: the shape of a stream.
fn shape(sse: &str) -> Vec<String> {
    let mut names: Vec<String> = parse_all(sse.as_bytes())
        .into_iter()
        .map(|e| e.event.unwrap_or_else(|| "data".into()))
        .collect();
    names.dedup();
    names
}

fn decode(dialect: Wire, sse: &str) -> ChatResponse {
    let mut dec = dialect.wire().stream_decoder();
    let mut r = ChatResponse::default();
    for ev in parse_all(sse.as_bytes()) {
        for se in dec.event(&ev).unwrap() {
            r.apply(se);
        }
    }
    r
}

#[test]
fn anthropic_stream_has_the_recorded_shape() {
    let s = server(json!({"default": {"text": "Hello there, friend.", "input_tokens": 12}}));
    let (status, headers, body) = post(
        &s,
        "/v1/messages",
        json!({"model": "claude-sonnet-4-5", "max_tokens": 50, "stream": true,
               "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let real = recording("anthropic/messages_stream.json");
    assert_eq!(
        shape(&body),
        shape(real["response"]["sse_text"].as_str().unwrap())
    );
    let r = decode(Wire::Anthropic, &body);
    assert_eq!(r.text, "Hello there, friend.");
    assert_eq!(r.usage.input_tokens, Some(12));
    assert_eq!(r.usage.output_tokens, Some(3));
}

#[test]
fn openai_stream_ends_like_the_recording() {
    let s = server(json!({"default": {"text": "abc def", "input_tokens": 7, "output_tokens": 2}}));
    let (_, _, body) = post(
        &s,
        "/v1/chat/completions",
        json!({"model": "gpt-4o-mini", "stream": true, "stream_options": {"include_usage": true},
               "messages": [{"role": "user", "content": "hi"}]}),
    );
    let events = parse_all(body.as_bytes());
    let real = recording("openai/chat_stream_usage.json");
    let real_events = parse_all(real["response"]["sse_text"].as_str().unwrap().as_bytes());
    for evs in [&events, &real_events] {
        let last = evs.len() - 1;
        assert!(evs[last].is_done(), "ends with [DONE]");
        let usage_chunk: Value = serde_json::from_str(&evs[last - 1].data).unwrap();
        assert_eq!(
            usage_chunk["choices"],
            json!([]),
            "usage arrives in a chunk of its own"
        );
        assert!(usage_chunk["usage"]["prompt_tokens"].is_u64());
        let first: Value = serde_json::from_str(&evs[0].data).unwrap();
        assert_eq!(first["choices"][0]["delta"]["role"], "assistant");
    }
    let r = decode(Wire::OpenAi, &body);
    assert_eq!(r.text, "abc def");
    assert_eq!(
        (r.usage.input_tokens, r.usage.output_tokens),
        (Some(7), Some(2))
    );
}

#[test]
fn gemini_plain_and_streamed_answers_decode() {
    let s = server(
        json!({"default": {"text": "Gemini says hi.", "reasoning_tokens": 4, "output_tokens": 9}}),
    );
    let (status, _, body) = post(
        &s,
        "/v1beta/models/gemini-2.5-flash:generateContent",
        json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
    );
    assert_eq!(status, 200);
    let r = Wire::Gemini.wire().parse_response(body.as_bytes()).unwrap();
    assert_eq!(r.text, "Gemini says hi.");
    assert_eq!(r.usage.output_tokens, Some(9), "thoughts counted as output");
    assert_eq!(r.usage.reasoning_tokens, 4);
    let (_, _, sse) = post(
        &s,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
    );
    assert!(
        sse.contains("\r\n\r\n"),
        "CRLF-separated like the recordings"
    );
    assert_eq!(decode(Wire::Gemini, &sse).text, "Gemini says hi.");
}

#[test]
fn scripted_failures_are_consumed_one_per_request() {
    let s = server(json!({"models": {"claude-sonnet-4-5": {"failures": [
        {"kind": "status", "status": 529},
        {"kind": "status", "status": 429, "retry_after": "2"}
    ]}}}));
    let req = json!({"model": "claude-sonnet-4-5", "max_tokens": 5,
                     "messages": [{"role": "user", "content": "hi"}]});
    let (status, _, body) = post(&s, "/v1/messages", req.clone());
    assert_eq!(status, 529);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "overloaded_error");
    let (status, headers, _) = post(&s, "/v1/messages", req.clone());
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "2");
    let (status, _, _) = post(&s, "/v1/messages", req);
    assert_eq!(status, 200, "failures run out, then it answers");
    let log = s.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].header("x-api-key"), Some("test"));
    assert_eq!(log[0].json()["max_tokens"], 5);
}

#[test]
fn a_stall_keeps_the_stream_open_without_data() {
    let s = server(
        json!({"default": {"text": "one two three four", "chunk_chars": 4,
                                       "failures": [{"kind": "stall", "after_chunks": 1}]}}),
    );
    rt().block_on(async {
        let mut r = reqwest::Client::new()
            .post(format!("{}/v1/chat/completions", s.url()))
            .body(json!({"model": "m", "stream": true, "messages": []}).to_string())
            .send()
            .await
            .unwrap();
        let mut got = String::new();
        loop {
            match tokio::time::timeout(Duration::from_millis(300), r.chunk()).await {
                Ok(Ok(Some(c))) => got.push_str(&String::from_utf8_lossy(c.as_ref())),
                Ok(_) => panic!("the stream ended instead of stalling"),
                Err(_) => break,
            }
        }
        assert!(got.contains("\"one \""), "{got}");
        assert!(!got.contains("two"), "{got}");
    });
}

#[test]
fn replay_serves_the_recording_verbatim() {
    let file = format!(
        "{}/../tests/fixtures/real/anthropic/messages_stream.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let s = server(json!({"replays": [{"path": "/v1/messages", "file": file}]}));
    let (status, _, body) = post(&s, "/v1/messages", json!({}));
    let real = recording("anthropic/messages_stream.json");
    assert_eq!(status, 200);
    assert_eq!(body, real["response"]["sse_text"].as_str().unwrap());
}

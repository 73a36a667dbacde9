//! The clouds companies buy models through, against the mock server: Azure OpenAI (its v1
//! API and the older deployments form, `api-key` or an Entra token, the content filter).

use serde_json::{json, Value};

use crate::support::World;

const AZURE_KEY: &str = "azure-test-key-0123456789abcdef";

/// A world whose Azure resource is the mock server (`AZURE_OPENAI_ENDPOINT`).
fn azure(script: Value) -> World {
    let mut w = World::with_server(script);
    let url = w.requests_url();
    w.set("AZURE_OPENAI_ENDPOINT", &url);
    w.set("AZURE_OPENAI_API_KEY", AZURE_KEY);
    w
}

fn chat_requests(w: &World) -> Vec<llmx_mock::Recorded> {
    w.requests()
        .into_iter()
        .filter(|r| r.path.contains("/chat/completions"))
        .collect()
}

#[test]
fn azure_v1_takes_the_deployment_as_the_model_and_the_key_in_api_key() {
    let w = azure(json!({}));
    let out = w.run(&["ask", "-m", "azure/my-gpt", "hello"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "Hello from my-gpt.");
    let q = chat_requests(&w);
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].path, "/openai/v1/chat/completions");
    assert_eq!(q[0].header("api-key"), Some(AZURE_KEY));
    assert_eq!(
        q[0].header("authorization"),
        None,
        "the key went as a bearer token too"
    );
    let body = q[0].json();
    assert_eq!(body["model"], "my-gpt");
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
}

#[test]
fn azure_deployments_form_with_an_api_version() {
    let mut w = azure(json!({}));
    let url = w.requests_url();
    w.unset("AZURE_OPENAI_ENDPOINT");
    w.set("LLMX_AZURE_BASE_URL", &format!("{url}/openai"));
    w.set("OPENAI_API_VERSION", "2024-10-21");
    let out = w.run(&[
        "ask",
        "-m",
        "azure/gpt-4o-mini-prod",
        "hello",
        "--no-stream",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let q = chat_requests(&w);
    assert_eq!(
        q[0].path,
        "/openai/deployments/gpt-4o-mini-prod/chat/completions?api-version=2024-10-21"
    );
    assert_eq!(q[0].header("api-key"), Some(AZURE_KEY));
    // Without the version the deployments form cannot be called: said before sending.
    w.unset("OPENAI_API_VERSION");
    let before = w.requests().len();
    let out = w.run(&["ask", "-m", "azure/gpt-4o-mini-prod", "hello"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("needs an API version: set OPENAI_API_VERSION"),
        "{}",
        out.stderr
    );
    assert_eq!(w.requests().len(), before);
    // A version in the config's [providers.azure] works as the variable does.
    w.config("[providers.azure]\napi_version = \"2025-01-01-preview\"\n");
    let out = w.run(&["ask", "-m", "azure/gpt-4o-mini-prod", "hello"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let q = chat_requests(&w);
    assert!(
        q.last()
            .unwrap()
            .path
            .ends_with("?api-version=2025-01-01-preview"),
        "{}",
        q.last().unwrap().path
    );
}

#[test]
fn an_entra_token_goes_as_a_bearer_token_when_there_is_no_api_key() {
    let mut w = azure(json!({}));
    w.unset("AZURE_OPENAI_API_KEY");
    w.set(
        "AZURE_OPENAI_AD_TOKEN",
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-token",
    );
    let out = w.run(&["ask", "-m", "azure/my-gpt", "hello"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let q = chat_requests(&w);
    assert_eq!(
        q[0].header("authorization"),
        Some("Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-token")
    );
    assert_eq!(q[0].header("api-key"), None);
    assert!(!out.stderr.contains("test-token") && !out.stdout.contains("test-token"));
}

#[test]
fn a_prompt_azure_filters_is_its_own_error_kind_not_retried() {
    let w = azure(json!({"models": {"strict": {"content_filtered": true}}}));
    let out = w.run(&[
        "compare",
        "-m",
        "azure/strict",
        "-p",
        "hello",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let rows: Value = serde_json::from_str(&out.stdout).unwrap();
    let row = &rows[0];
    assert_eq!(row["error_kind"], "content_filter", "{row}");
    assert!(
        row["error"]
            .as_str()
            .unwrap()
            .contains("content management policy"),
        "{row}"
    );
    assert_eq!(row["attempts"], 1, "a filtered prompt is not sent again");
    assert_eq!(chat_requests(&w).len(), 1);
}

#[test]
fn azure_without_an_endpoint_says_what_to_set_and_sends_nothing() {
    let mut w = azure(json!({}));
    w.unset("AZURE_OPENAI_ENDPOINT");
    let out = w.run(&["ask", "-m", "azure/my-gpt", "hello"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("azure has no endpoint: set AZURE_OPENAI_ENDPOINT"),
        "{}",
        out.stderr
    );
    assert!(w.requests().is_empty());
}

#[test]
fn azure_throttling_is_retried_after_the_wait_it_asks_for() {
    let w = azure(json!({"models": {"busy": {
        "failures": [{"kind": "status", "status": 429}],
        "headers": {"retry-after-ms": "150"}}}}));
    let out = w.run(&[
        "compare",
        "-m",
        "azure/busy",
        "-p",
        "hello",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(rows[0]["attempts"], 2, "{}", rows[0]);
    assert_eq!(chat_requests(&w).len(), 2);
}

#[test]
fn vertex_express_mode_sends_gemini_under_its_publisher_path_with_the_key_in_a_header() {
    let mut w = azure(json!({}));
    let url = w.requests_url();
    w.set("LLMX_VERTEX_BASE_URL", &url);
    w.set("LLMX_VERTEX_API_KEY", "vertex-express-key-0123456789");
    // Gemini on Vertex beside a deployment on Azure, in one compare.
    let out = w.run(&[
        "compare",
        "-m",
        "vertex/gemini-2.5-flash,azure/my-gpt",
        "-p",
        "hello",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(rows[0]["output"], "Hello from gemini-2.5-flash.", "{rows}");
    assert_eq!(rows[1]["output"], "Hello from my-gpt.", "{rows}");
    let q: Vec<_> = w
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("GenerateContent") || r.path.contains("generateContent"))
        .collect();
    assert_eq!(q.len(), 1);
    assert_eq!(
        q[0].path,
        "/v1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(
        q[0].header("x-goog-api-key"),
        Some("vertex-express-key-0123456789")
    );
    // Vertex refuses contents without a role: every turn carries one.
    let body = q[0].json();
    assert!(
        body["contents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["role"].is_string()),
        "{body}"
    );
    // The catalog has no Vertex rows yet: `models` says so rather than print nothing.
    let listed = w.run(&["models", "--provider", "vertex"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed.stderr.contains("lists no models for vertex"),
        "{}",
        listed.stderr
    );
}

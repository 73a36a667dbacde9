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

/// The requests whose path `keep` takes, in order.
fn requests_to(w: &World, keep: impl Fn(&str) -> bool) -> Vec<llmx_mock::Recorded> {
    w.requests().into_iter().filter(|r| keep(&r.path)).collect()
}

fn chat_requests(w: &World) -> Vec<llmx_mock::Recorded> {
    requests_to(w, |p| p.contains("/chat/completions"))
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
    // The catalog has no Azure rows (deployments are named by their owners): `models` says so
    // rather than print nothing. Vertex and Bedrock have their own priced rows.
    let listed = w.run(&["models", "--provider", "azure"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed.stderr.contains("lists no models for azure"),
        "{}",
        listed.stderr
    );
    for (provider, id) in [
        ("vertex", "gemini-2.5-flash"),
        ("bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0"),
    ] {
        let listed = w.run(&["models", "--provider", provider, "--format", "json"]);
        assert_eq!(listed.code, 0, "{}", listed.stderr);
        let rows = listed.json();
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{provider} lists no {id}"));
        assert!(row["input_per_m"].as_f64().unwrap() > 0.0, "{row}");
    }
}

/// AWS's documented example credentials (the signing test suite's): not real ones.
const AWS_KEY_ID: &str = "AKIDEXAMPLE";
const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const CLAUDE_ON_BEDROCK: &str = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

/// The test service account (tests/fixtures/vertex): its key signs the JWTs, and the mock
/// checks them with the key's public half.
const SERVICE_ACCOUNT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/vertex/service-account.json"
);

/// A world whose Bedrock runtime is the mock server, which checks SigV4 signatures made with
/// the example credentials for `us-east-1` (and `token`, when given), and whose Vertex AI is
/// the mock too, reached with the test service account (its `token_uri` the mock's token
/// endpoint, tokens good for `token_secs`) in project `llmx-test-project`, location
/// `us-east5`; Azure points at it as well.
fn clouds(script: Value, token: Option<&str>) -> World {
    clouds_with_tokens(script, token, 3600)
}

fn clouds_with_tokens(script: Value, token: Option<&str>, token_secs: u64) -> World {
    let mut script = script;
    script["aws"] = json!({
        "access_key_id": AWS_KEY_ID,
        "secret_access_key": AWS_SECRET,
        "session_token": token,
        "region": "us-east-1"
    });
    script["google"] = json!({
        "service_account": SERVICE_ACCOUNT,
        "token_lifetime_secs": token_secs,
        "refresh_token": "1//refresh-0123456789"
    });
    let mut w = azure(script);
    let url = w.requests_url();
    w.set("LLMX_BEDROCK_BASE_URL", &url);
    w.set("AWS_REGION", "us-east-1");
    w.set("AWS_ACCESS_KEY_ID", AWS_KEY_ID);
    w.set("AWS_SECRET_ACCESS_KEY", AWS_SECRET);
    if let Some(t) = token {
        w.set("AWS_SESSION_TOKEN", t);
    }
    w.set("LLMX_VERTEX_BASE_URL", &url);
    let mut sa: Value =
        serde_json::from_str(&std::fs::read_to_string(SERVICE_ACCOUNT).unwrap()).unwrap();
    sa["token_uri"] = json!(format!("{url}/token"));
    let sa_path = w.write("sa.json", sa.to_string());
    w.set(
        "GOOGLE_APPLICATION_CREDENTIALS",
        &sa_path.display().to_string(),
    );
    w.set("GOOGLE_CLOUD_LOCATION", "us-east5");
    w
}

const VERTEX: &str = "/v1/projects/llmx-test-project/locations/us-east5/publishers";

fn bedrock_requests(w: &World) -> Vec<llmx_mock::Recorded> {
    requests_to(w, |p| p.starts_with("/model/"))
}

#[test]
fn one_compare_across_azure_bedrock_and_vertex_gemini_and_claude_with_tools_and_an_image_streamed_and_not(
) {
    let png = crate::tools::PNG;
    let call = json!([{"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}]);
    for stream in [true, false] {
        let w = clouds(
            json!({"default": {"tool_calls": call, "chunk_chars": 3, "input_tokens": 40, "output_tokens": 9}}),
            None,
        );
        w.write(
            "tools.json",
            r#"[{"name": "get_weather", "description": "Current weather in a city.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]"#,
        );
        w.write("photo.png", png);
        let models = format!(
            "azure/my-gpt,bedrock/{CLAUDE_ON_BEDROCK},vertex/gemini-2.5-flash,vertex/claude-3-5-haiku@20241022"
        );
        let mut args = vec![
            "compare",
            "-m",
            &models,
            "-p",
            "Weather where this was taken?",
            "--tools",
            "tools.json",
            "--image",
            "photo.png",
            "--system",
            "Be brief.",
            "--max-tokens",
            "300",
            "--format",
            "json",
        ];
        if !stream {
            args.push("--no-stream");
        }
        let out = w.run(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let rows = out.json();
        let seen = format!("I see 1 image: image/png {} bytes.", png.len());
        assert_eq!(rows.as_array().unwrap().len(), 4);
        for r in rows.as_array().unwrap() {
            assert_eq!(r["error"], Value::Null, "{r}");
            assert_eq!(r["output"], seen, "{r}");
            assert_eq!(
                r["tool_calls"][0]["arguments"],
                json!({"city": "Paris"}),
                "{r}"
            );
            assert_eq!(r["finish_reason"], "tool_calls", "{r}");
            assert_eq!(r["output_tokens"], 9, "{r}");
            // Bedrock and Vertex rows are priced from their catalog blocks; an Azure
            // deployment's model is unknown, so its cost is too (never 0).
            let model = r["model"].as_str().unwrap();
            if model.starts_with("azure/") {
                assert_eq!(r["cost_usd"], Value::Null, "{r}");
            } else {
                // Claude 3.5 Haiku, in-region on Bedrock and on Vertex: $0.80 / $4 per M.
                let want = (40.0 * 0.8 + 9.0 * 4.0) / 1e6;
                let cost = r["cost_usd"].as_f64().unwrap_or(0.0);
                if model.contains("claude") {
                    assert!((cost - want).abs() < 1e-9, "{r}");
                } else {
                    assert!(cost > 0.0, "{r}");
                }
            }
        }
        // The exact request Bedrock received: its path (the `:` sent as `%3A`), a SigV4
        // signature the mock checked, and the Converse body.
        let q = bedrock_requests(&w);
        assert_eq!(q.len(), 1);
        let action = if stream {
            "converse-stream"
        } else {
            "converse"
        };
        assert_eq!(
            q[0].path,
            format!("/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/{action}")
        );
        let auth = q[0].header("authorization").unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
                && auth.contains("/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="),
            "{auth}"
        );
        assert!(!auth.contains(AWS_SECRET));
        assert_eq!(q[0].header("x-amz-security-token"), None);
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, png);
        assert_eq!(
            q[0].json(),
            json!({
                "messages": [{"role": "user", "content": [
                    {"image": {"format": "png", "source": {"bytes": b64}}},
                    {"text": "Weather where this was taken?"}
                ]}],
                "system": [{"text": "Be brief."}],
                "inferenceConfig": {"maxTokens": 300},
                "toolConfig": {"tools": [{"toolSpec": {
                    "name": "get_weather", "description": "Current weather in a city.",
                    "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
                }}]}
            })
        );
        assert!(!out.stdout.contains(AWS_SECRET) && !out.stderr.contains(AWS_SECRET));
        // Vertex AI: one token for the process, got with the service account's JWT, sent
        // as a bearer token to the project's Gemini and Claude endpoints.
        let all = w.requests();
        let tokens: Vec<_> = all.iter().filter(|r| r.path == "/token").collect();
        assert_eq!(tokens.len(), 1);
        let form = String::from_utf8_lossy(&tokens[0].body).into_owned();
        assert!(
            form.starts_with(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey"
            ),
            "{form}"
        );
        let gemini = all
            .iter()
            .find(|r| r.path.contains("/publishers/google/"))
            .unwrap();
        let claude = all
            .iter()
            .find(|r| r.path.contains("/publishers/anthropic/"))
            .unwrap();
        let (g_action, c_action) = if stream {
            ("streamGenerateContent?alt=sse", "streamRawPredict")
        } else {
            ("generateContent", "rawPredict")
        };
        assert_eq!(
            gemini.path,
            format!("{VERTEX}/google/models/gemini-2.5-flash:{g_action}")
        );
        assert_eq!(
            claude.path,
            format!("{VERTEX}/anthropic/models/claude-3-5-haiku@20241022:{c_action}")
        );
        for r in [gemini, claude] {
            assert_eq!(r.header("authorization"), Some("Bearer ya29.mock-1"));
            assert_eq!(r.header("x-goog-api-key"), None);
        }
        // Every body exactly: Vertex's Gemini and Claude, and Azure's.
        let schema = json!({"properties": {"city": {"type": "string"}}, "required": ["city"], "type": "object"});
        assert_eq!(
            gemini.json(),
            json!({
                "contents": [{"parts": [
                    {"inlineData": {"data": b64, "mimeType": "image/png"}},
                    {"text": "Weather where this was taken?"}
                ], "role": "user"}],
                "generationConfig": {"maxOutputTokens": 300},
                "systemInstruction": {"parts": [{"text": "Be brief."}]},
                "tools": [{"functionDeclarations": [{
                    "description": "Current weather in a city.", "name": "get_weather",
                    "parameters": {"properties": {"city": {"type": "STRING"}}, "required": ["city"], "type": "OBJECT"}
                }]}]
            })
        );
        let mut want_claude = json!({
            "anthropic_version": "vertex-2023-10-16",
            "max_tokens": 300,
            "messages": [{"content": [
                {"source": {"data": b64, "media_type": "image/png", "type": "base64"}, "type": "image"},
                {"text": "Weather where this was taken?", "type": "text"}
            ], "role": "user"}],
            "system": "Be brief.",
            "tools": [{"description": "Current weather in a city.", "input_schema": schema, "name": "get_weather"}]
        });
        let azure = all
            .iter()
            .find(|r| r.path.contains("/chat/completions"))
            .unwrap();
        let mut want_azure = json!({
            "max_completion_tokens": 300,
            "messages": [
                {"content": "Be brief.", "role": "system"},
                {"content": [
                    {"image_url": {"url": format!("data:image/png;base64,{b64}")}, "type": "image_url"},
                    {"text": "Weather where this was taken?", "type": "text"}
                ], "role": "user"}
            ],
            "model": "my-gpt",
            "tools": [{"function": {"description": "Current weather in a city.", "name": "get_weather", "parameters": schema}, "type": "function"}]
        });
        if stream {
            want_claude["stream"] = json!(true);
            want_azure["stream"] = json!(true);
            want_azure["stream_options"] = json!({"include_usage": true});
        }
        assert_eq!(claude.json(), want_claude);
        assert_eq!(azure.json(), want_azure);
        let body = claude.json();
        assert_eq!(body["anthropic_version"], "vertex-2023-10-16");
        assert!(body.get("model").is_none(), "{body}");
        assert_eq!(claude.header("anthropic-version"), None);
        assert_eq!(body["system"], "Be brief.");
        assert_eq!(
            body["messages"][0]["content"][0]["source"]["data"],
            json!(b64)
        );
        // Every turn carries its role, as Vertex requires.
        assert_eq!(gemini.json()["contents"][0]["role"], "user");
        let sa_key = std::fs::read_to_string(SERVICE_ACCOUNT).unwrap();
        assert!(!out.stderr.contains("ya29.mock") && !out.stderr.contains(&sa_key[200..260]));
    }
}

#[test]
fn a_vertex_token_past_its_life_is_refreshed_and_a_bad_key_file_is_named() {
    // Tokens good for 2 s, renewed after 1; three requests of 0.7 s one after another.
    let mut w = clouds_with_tokens(json!({"default": {"ttft_ms": 700}}), None, 2);
    w.write("set.jsonl", "{\"id\": \"a\", \"prompt\": \"1\"}\n{\"id\": \"b\", \"prompt\": \"2\"}\n{\"id\": \"c\", \"prompt\": \"3\"}\n");
    let out = w.run(&[
        "bench",
        "-m",
        "vertex/gemini-2.5-flash",
        "set.jsonl",
        "-j",
        "1",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let all = w.requests();
    let issued = all.iter().filter(|r| r.path == "/token").count();
    assert!(issued >= 2, "the token was not renewed: {issued} issued");
    // The mock refuses expired tokens: every request got through with a live one.
    let chats: Vec<_> = all
        .iter()
        .filter(|r| r.path.starts_with("/v1/projects/"))
        .collect();
    assert_eq!(chats.len(), 3);
    let used: std::collections::HashSet<_> = chats
        .iter()
        .map(|r| r.header("authorization").unwrap().to_string())
        .collect();
    assert!(used.len() >= 2, "{used:?}");
    let keys = w.run(&["keys", "list"]);
    assert!(
        keys.stdout.contains(
            "OAuth2, project llmx-test-project, location us-east5: GOOGLE_APPLICATION_CREDENTIALS"
        ),
        "{}",
        keys.stdout
    );
    // A key file of a kind llmx does not read is named, before anything is sent.
    w.write("ext.json", r#"{"type": "external_account"}"#);
    let ext = w.path("ext.json").display().to_string();
    w.set("GOOGLE_APPLICATION_CREDENTIALS", &ext);
    let out = w.run(&["ask", "-m", "vertex/gemini-2.5-flash", "hi"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("of type `external_account`"),
        "{}",
        out.stderr
    );
    // A JWT from an account the token endpoint does not know is refused: the error says why.
    let mut sa: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("sa.json")).unwrap()).unwrap();
    sa["client_email"] = json!("someone-else@llmx-test-project.iam.gserviceaccount.com");
    let other = w.write("other.json", sa.to_string());
    w.set(
        "GOOGLE_APPLICATION_CREDENTIALS",
        &other.display().to_string(),
    );
    let out = w.run(&["ask", "-m", "vertex/gemini-2.5-flash", "hi"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("could not get a Google access token"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("iss is not the service account"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_session_token_is_sent_and_signed_and_a_wrong_secret_is_refused_by_the_signature() {
    let mut w = clouds(json!({}), Some("session-token-0123456789"));
    let model = format!("bedrock/{CLAUDE_ON_BEDROCK}");
    let out = w.run(&["ask", "-m", &model, "hello"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.trim(),
        format!("Hello from {CLAUDE_ON_BEDROCK}.")
    );
    let q = bedrock_requests(&w);
    assert_eq!(
        q[0].header("x-amz-security-token"),
        Some("session-token-0123456789")
    );
    assert!(q[0]
        .header("authorization")
        .unwrap()
        .contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"));
    // `keys list` says where the credentials come from, never what they are.
    let keys = w.run(&["keys", "list"]);
    assert!(
        keys.stdout.contains(
            "SigV4: env (AWS_ACCESS_KEY_ID), with a session token; region us-east-1 (AWS_REGION)"
        ),
        "{}",
        keys.stdout
    );
    assert!(!keys.stdout.contains(AWS_SECRET) && !keys.stdout.contains("session-token-0123456789"));
    // Another secret makes another signature: the mock refuses it as AWS does, and neither
    // the secret nor the token shows anywhere.
    w.set("AWS_SECRET_ACCESS_KEY", "not-the-secret-0123456789");
    let out = w.run(&["ask", "-m", &model, "hello", "-v"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("HTTP 403: The request signature we calculated does not match"),
        "{}",
        out.stderr
    );
    for secret in ["not-the-secret-0123456789", "session-token-0123456789"] {
        assert!(
            !out.stderr.contains(secret) && !out.stdout.contains(secret),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_bedrock_api_key_goes_as_a_bearer_token_and_a_profile_file_signs_too() {
    let mut w = clouds(json!({}), None);
    w.unset("AWS_ACCESS_KEY_ID");
    w.unset("AWS_SECRET_ACCESS_KEY");
    w.set("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-0123456789");
    let model = format!("bedrock/{CLAUDE_ON_BEDROCK}");
    let out = w.run(&["ask", "-m", &model, "hello", "--no-stream"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let q = bedrock_requests(&w);
    assert_eq!(
        q[0].header("authorization"),
        Some("Bearer bedrock-api-key-0123456789")
    );
    assert_eq!(q[0].header("x-amz-date"), None);
    // No key, no variables: credentials from the profile in ~/.aws/credentials, the region
    // from ~/.aws/config.
    w.unset("AWS_BEARER_TOKEN_BEDROCK");
    w.unset("AWS_REGION");
    std::fs::create_dir_all(w.path(".aws")).unwrap();
    w.write(
        ".aws/credentials",
        format!("[work]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"),
    );
    w.write(".aws/config", "[profile work]\nregion = us-east-1\n");
    w.set("AWS_PROFILE", "work");
    let out = w.run(&["ask", "-m", &model, "hello"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let q = bedrock_requests(&w);
    assert!(q[1]
        .header("authorization")
        .unwrap()
        .starts_with("AWS4-HMAC-SHA256 "));
    // Nothing at all: a one-line error naming what to set, nothing sent.
    w.unset("AWS_PROFILE");
    std::fs::remove_file(w.path(".aws/credentials")).unwrap();
    let out = w.run(&["ask", "-m", &model, "hello"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("AWS_ACCESS_KEY_ID"), "{}", out.stderr);
    assert!(
        out.stderr.contains("AWS_BEARER_TOKEN_BEDROCK"),
        "{}",
        out.stderr
    );
    assert_eq!(bedrock_requests(&w).len(), 2);
    // An SSO profile is named, with what to do instead.
    w.write(
        ".aws/config",
        "[profile corp]\nsso_session = corp\nregion = us-east-1\n",
    );
    w.set("AWS_PROFILE", "corp");
    let out = w.run(&["ask", "-m", &model, "hello"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("aws configure export-credentials --profile corp"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_corrupted_event_stream_crc_is_an_error_not_text_and_throttling_is_retried() {
    let w = clouds(
        json!({"models": {
            "broken": {"corrupt_crc": true, "text": "must not show"},
            "busy": {"failures": [{"kind": "status", "status": 429, "message": "Too many requests, please wait before trying again."}], "text": "after the wait"}
        }}),
        None,
    );
    let out = w.run(&[
        "compare",
        "-m",
        "bedrock/broken,bedrock/busy",
        "-p",
        "hi",
        "--format",
        "json",
        "--retries",
        "1",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let rows = out.json();
    let broken = &rows[0];
    assert!(
        broken["error"]
            .as_str()
            .unwrap()
            .contains("event stream: a message's CRC does not match"),
        "{broken}"
    );
    assert_eq!(
        broken["output"], "",
        "no text from a damaged stream: {broken}"
    );
    let busy = &rows[1];
    assert_eq!(busy["error"], Value::Null, "{busy}");
    assert_eq!(busy["output"], "after the wait");
    assert_eq!(busy["attempts"], 2, "{busy}");
}

#[test]
fn a_model_family_routes_across_anthropic_bedrock_and_vertex_and_falls_back_between_them() {
    let bedrock_id = "global.anthropic.claude-haiku-4-5-20251001-v1:0";
    let mut w = clouds(
        json!({"models": {
            bedrock_id: {"failures": [{"kind": "status", "status": 500}]},
            "claude-haiku-4-5@20251001": {"text": "from Vertex"}
        }}),
        None,
    );
    // No Anthropic key here: the family's cheapest members that can be called are the
    // clouds' (same price; Bedrock's global profile is listed first), and Bedrock failing
    // falls back to Vertex.
    w.unset("ANTHROPIC_API_KEY");
    let out = w.run(&[
        "compare",
        "-m",
        "claude-haiku-4-5:cheapest",
        "-p",
        "hi",
        "--retries",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let row = &out.json()[0];
    assert_eq!(row["output"], "from Vertex", "{row}");
    let paths: Vec<String> = w
        .requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| !p.starts_with("/token"))
        .collect();
    assert_eq!(
        paths,
        [
            "/model/global.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream".to_string(),
            format!("{VERTEX}/anthropic/models/claude-haiku-4-5@20251001:streamRawPredict"),
        ]
    );
    // Where no cloud is set up, the family is what it was: Anthropic answers, and the
    // clouds that have no region or project are left out without an error.
    let mut w = World::with_server(json!({}));
    w.set("OPENROUTER_API_KEY", "sk-or-test-0123456789");
    let out = w.run(&["ask", "-m", "claude-haiku-4-5:cheapest", "hi"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(w.requests().iter().all(|r| r.path == "/v1/messages"));
    // Pinned to a cloud that is not set up, the route says what to set.
    let out = w.run(&[
        "ask",
        "-m",
        "claude-haiku-4-5",
        "--route",
        "provider=bedrock",
        "hi",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("bedrock has no endpoint: set AWS_REGION"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_config_names_deployments_regions_and_projects_and_the_environment_wins() {
    let mut w = clouds(
        json!({"default": {"input_tokens": 1000, "output_tokens": 100}}),
        None,
    );
    w.unset("AWS_REGION");
    w.unset("GOOGLE_CLOUD_LOCATION");
    w.config(
        "[providers.azure.deployments]\nmy-gpt = \"gpt-4o-mini\"\nodd = \"gpt-99\"\n\n\
         [providers.bedrock]\nregion = \"us-east-1\"\n\n\
         [providers.vertex]\nproject = \"from-config\"\nlocation = \"europe-west4\"\n",
    );
    let out = w.run(&[
        "compare",
        "-m",
        "azure/my-gpt,azure/odd,vertex/gemini-2.5-flash",
        "-p",
        "hi",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A deployment is priced as the model it runs; one whose model the catalog does not know
    // is said once and stays unknown.
    let rows = out.json();
    let cost = |i: usize| rows[i]["cost_usd"].clone();
    assert_eq!(
        cost(0),
        json!((1000.0 * 0.15 + 100.0 * 0.6) / 1e6),
        "{}",
        rows[0]
    );
    assert_eq!(cost(1), Value::Null);
    assert!(
        out.stderr
            .contains("odd runs `gpt-99`, which the catalog does not list"),
        "{}",
        out.stderr
    );
    let vertex = w
        .requests()
        .into_iter()
        .find(|r| r.path.contains("/publishers/google/"))
        .unwrap();
    assert!(
        vertex
            .path
            .starts_with("/v1/projects/from-config/locations/europe-west4/"),
        "{}",
        vertex.path
    );
    // The config's region signs Bedrock's requests; the environment's wins over it.
    let model = format!("bedrock/{CLAUDE_ON_BEDROCK}");
    let out = w.run(&["ask", "-m", &model, "hi"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    w.set("AWS_REGION", "eu-west-3");
    let out = w.run(&["ask", "-m", &model, "hi"]);
    assert_eq!(out.code, 1, "the mock wants us-east-1: {}", out.stderr);
    assert!(
        out.stderr.contains("scoped to a valid region"),
        "{}",
        out.stderr
    );
    // A cloud's field on another provider is refused by name.
    w.config("[providers.vertex]\nregion = \"us-east-1\"\n");
    let out = w.run(&["ask", "-m", &model, "hi"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`providers.vertex.region` applies to [providers.bedrock] only"),
        "{}",
        out.stderr
    );
}

#[test]
fn vertex_resource_exhausted_is_retried_like_any_rate_limit() {
    let w = clouds(
        json!({"models": {"gemini-2.5-flash": {
            "failures": [{"kind": "status", "status": 429, "retry_after": "0"}], "text": "second time"
        }}}),
        None,
    );
    let out = w.run(&[
        "compare",
        "-m",
        "vertex/gemini-2.5-flash",
        "-p",
        "hi",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let row = &out.json()[0];
    assert_eq!(row["output"], "second time", "{row}");
    assert_eq!(row["attempts"], 2, "{row}");
    let chats = w
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/publishers/google/"))
        .count();
    assert_eq!(chats, 2);
}

#[test]
fn application_default_credentials_of_a_user_refresh_their_token_at_the_token_endpoint() {
    let mut w = clouds(json!({}), None);
    let url = w.requests_url();
    w.unset("GOOGLE_APPLICATION_CREDENTIALS");
    w.set("GOOGLE_CLOUD_PROJECT", "user-project");
    std::fs::create_dir_all(w.path(".config/gcloud")).unwrap();
    let adc = |refresh: &str| {
        json!({
            "type": "authorized_user", "client_id": "client-1.apps.googleusercontent.com",
            "client_secret": "client-secret-0123456789", "refresh_token": refresh,
            "token_uri": format!("{url}/token")
        })
        .to_string()
    };
    w.write(
        ".config/gcloud/application_default_credentials.json",
        adc("1//refresh-0123456789"),
    );
    let out = w.run(&["ask", "-m", "vertex/gemini-2.5-flash", "hi"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let q = w.requests();
    let token = q.iter().find(|r| r.path == "/token").unwrap();
    let form = String::from_utf8_lossy(&token.body).into_owned();
    assert!(
        form.starts_with("grant_type=refresh_token&client_id="),
        "{form}"
    );
    let chat = q
        .iter()
        .find(|r| r.path.contains("/publishers/google/"))
        .unwrap();
    assert!(chat
        .path
        .starts_with("/v1/projects/user-project/locations/us-east5/"));
    assert_eq!(chat.header("authorization"), Some("Bearer ya29.mock-1"));
    // A refresh token the endpoint refuses is the row's error, its secrets not in it.
    w.write(
        ".config/gcloud/application_default_credentials.json",
        adc("1//revoked-0123456789"),
    );
    let out = w.run(&["ask", "-m", "vertex/gemini-2.5-flash", "hi"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("could not get a Google access token"),
        "{}",
        out.stderr
    );
    for secret in ["revoked-0123456789", "client-secret-0123456789"] {
        assert!(!out.stderr.contains(secret), "{}", out.stderr);
    }
}

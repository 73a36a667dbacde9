//! Tools and images end to end: `--tools`, `--tool-choice`, `--image` and `--force` through
//! `compare` and `ask` in all three dialects, streamed and not, against the mock server, which
//! scripts tool calls (streamed in fragments) and checks the images it receives.

use base64::Engine;
use serde_json::{json, Value};

use crate::support::*;

/// A real 1×1 PNG.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

const TOOLS: &str = r#"[
  {"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
  {"name": "get_time", "description": "Local time in a city.",
   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "additionalProperties": false}}
]"#;

const ARGS: &str = r#"{"city": "Paris", "unit": "celsius"}"#;

/// One model per dialect, each scripted to call `get_weather` in 3-character fragments.
fn world() -> World {
    let call = json!([{"name": "get_weather", "arguments": ARGS}]);
    let script = |id: Option<&str>| {
        let mut calls = call.clone();
        if let Some(id) = id {
            calls[0]["id"] = json!(id);
        }
        json!({"tool_calls": calls, "chunk_chars": 3, "input_tokens": 50, "output_tokens": 12})
    };
    let w = World::with_server(json!({
        "models": {
            "gpt-5.4-mini": script(Some("call_w1")),
            "claude-sonnet-5-5": script(None),
            "gemini-3.7-flash": script(None)
        }
    }));
    w.write("tools.json", TOOLS);
    w.write("photo.jpg", PNG);
    w
}

fn by_model(rows: &Value) -> std::collections::HashMap<String, Value> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["model"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

/// The request each dialect's endpoint received.
fn bodies(w: &World) -> (Value, Value, Value) {
    let find = |part: &str| {
        w.requests()
            .into_iter()
            .find(|r| r.path.contains(part))
            .unwrap_or_else(|| panic!("no request to {part}"))
            .json()
    };
    (
        find("/chat/completions"),
        find("/v1/messages"),
        find("/v1beta/models/"),
    )
}

#[test]
fn compare_with_tools_and_an_image_in_three_dialects_streamed_and_not() {
    for stream in [true, false] {
        let w = world();
        let mut args = vec![
            "compare",
            "-m",
            "gpt,claude,gemini",
            "-p",
            "What is the weather where this photo was taken?",
            "--tools",
            "tools.json",
            "--image",
            "photo.jpg",
            "--format",
            "json",
        ];
        if !stream {
            args.push("--no-stream");
        }
        let out = w.run(&args);
        assert_eq!(out.code, 0, "{out:?}");
        let rows = by_model(&out.json());
        let seen = format!("I see 1 image: image/png {} bytes.", PNG.len());
        for (model, id) in [
            ("gpt", json!("call_w1")),
            ("claude", json!("toolu_mock0")),
            ("gemini", Value::Null),
        ] {
            let r = &rows[model];
            assert_eq!(r["error"], Value::Null, "{model}: {r}");
            // The mock read the image's bytes and type from each dialect's request.
            assert_eq!(r["output"], seen, "{model}");
            assert_eq!(
                r["tool_calls"],
                json!([{"id": id, "name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}]),
                "{model} (stream {stream})"
            );
            assert_eq!(r["finish_reason"], "tool_calls", "{model}");
            assert_eq!(r["output_tokens"], 12, "{model}");
        }
        // Only Gemini needed the schema changed, and says so.
        assert_eq!(rows["gpt"]["notes"], json!([]));
        assert_eq!(rows["claude"]["notes"], json!([]));
        assert_eq!(
            rows["gemini"]["notes"],
            json!(["tool get_time: dropped additionalProperties (not in Gemini's schema subset)"])
        );

        let (o, a, g) = bodies(&w);
        let b64 = base64::engine::general_purpose::STANDARD.encode(PNG);
        // The image comes before the prompt text, as each dialect writes an image.
        assert_eq!(
            o["messages"][0]["content"],
            json!([
                {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{b64}")}},
                {"type": "text", "text": "What is the weather where this photo was taken?"}
            ])
        );
        assert_eq!(
            a["messages"][0]["content"][0],
            json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64}})
        );
        assert_eq!(
            g["contents"][0]["parts"][0],
            json!({"inlineData": {"mimeType": "image/png", "data": b64}})
        );
        // Tools in each dialect's own shape.
        let weather_schema = json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
        assert_eq!(
            o["tools"][0],
            json!({"type": "function", "function": {"name": "get_weather",
                "description": "Current weather in a city.", "parameters": weather_schema}})
        );
        assert_eq!(o["tools"][1]["function"]["name"], "get_time");
        assert_eq!(
            a["tools"][0],
            json!({"name": "get_weather", "description": "Current weather in a city.",
                "input_schema": weather_schema})
        );
        assert_eq!(a["tools"][1]["input_schema"]["additionalProperties"], false);
        assert_eq!(
            g["tools"],
            json!([{"functionDeclarations": [
                {"name": "get_weather", "description": "Current weather in a city.",
                 "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]}},
                {"name": "get_time", "description": "Local time in a city.",
                 "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}}}
            ]}])
        );
        for body in [&o, &a, &g] {
            assert!(body.get("tool_choice").is_none() && body.get("toolConfig").is_none());
        }
        assert_eq!(o.get("stream").is_some(), stream);
    }
}

#[test]
fn the_table_shows_each_call_and_the_notes() {
    let mut w = world();
    w.set("COLUMNS", "220");
    let out = w.run(&[
        "compare",
        "-m",
        "gpt,gemini",
        "-p",
        "Weather in Paris?",
        "--tools",
        "tools.json",
        "--full",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("get_weather({\"city\":\"Paris\",\"unit\":\"celsius\"})"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("ok (tool calls)"), "{}", out.stdout);
    // The status column wraps; its pieces are all there.
    for piece in [
        "note: tool get_time:",
        "additionalProperties",
        "(not in Gemini's",
    ] {
        assert!(out.stdout.contains(piece), "{piece}: {}", out.stdout);
    }
    // CSV keeps the same array as JSON text.
    let out = w.run(&[
        "compare",
        "-m",
        "gpt",
        "-p",
        "Weather?",
        "--tools",
        "tools.json",
        "--format",
        "csv",
    ]);
    let (head, rows) = read_csv(&out.stdout);
    let col = head.iter().position(|h| h == "tool_calls").unwrap();
    let calls: Value = serde_json::from_str(&rows[0][col]).unwrap();
    assert_eq!(calls[0]["arguments"]["unit"], "celsius");
}

#[test]
fn ask_prints_the_calls_and_its_json_carries_them() {
    let w = world();
    for model in ["gpt", "claude", "gemini"] {
        let out = w.run(&[
            "ask",
            "-m",
            model,
            "--tools",
            "tools.json",
            "Weather in Paris?",
        ]);
        assert_eq!(out.code, 0, "{model}: {out:?}");
        assert_eq!(
            out.stdout, "get_weather({\"city\":\"Paris\",\"unit\":\"celsius\"})\n",
            "{model}: an answer that is only a call is an answer"
        );
        let out = w.run(&[
            "ask",
            "-m",
            model,
            "--tools",
            "tools.json",
            "--no-stream",
            "--format",
            "json",
            "Weather?",
        ]);
        assert_eq!(out.code, 0, "{out:?}");
        let row = out.json();
        assert_eq!(row["tool_calls"][0]["name"], "get_weather", "{model}");
        assert_eq!(row["finish_reason"], "tool_calls");
    }
}

#[test]
fn tool_choice_reaches_each_dialect_and_none_gets_text() {
    let w = world();
    let out = w.run(&[
        "compare",
        "-m",
        "gpt,claude,gemini",
        "-p",
        "Time in Paris?",
        "--tools",
        "tools.json",
        "--tool-choice",
        "get_time",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let (o, a, g) = bodies(&w);
    assert_eq!(
        o["tool_choice"],
        json!({"type": "function", "function": {"name": "get_time"}})
    );
    assert_eq!(
        a["tool_choice"],
        json!({"type": "tool", "name": "get_time"})
    );
    assert_eq!(
        g["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_time"]}})
    );
    // The script calls get_weather only, which the choice forbids: the mock answers in text.
    for r in out.json().as_array().unwrap() {
        assert_eq!(r["tool_calls"], json!([]), "{r}");
    }
    let w = world();
    let out = w.run(&[
        "ask",
        "-m",
        "claude",
        "--tools",
        "tools.json",
        "--tool-choice",
        "none",
        "Weather?",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout, "Hello from claude-sonnet-5-5.\n",
        "no call under `none`: the text answer"
    );
    let w = world();
    w.run(&[
        "ask",
        "-m",
        "gemini",
        "--tools",
        "tools.json",
        "--tool-choice",
        "required",
        "x",
    ]);
    assert_eq!(
        bodies_of(&w, "/v1beta/models/")["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY"}})
    );
}

fn bodies_of(w: &World, part: &str) -> Value {
    w.requests()
        .into_iter()
        .find(|r| r.path.contains(part))
        .expect("request")
        .json()
}

#[test]
fn arguments_that_are_not_json_are_kept_and_flagged() {
    let w = World::with_server(json!({
        "default": {"tool_calls": [{"name": "get_weather", "arguments": "{\"city\": \"Par"}], "chunk_chars": 4}
    }));
    w.write("tools.json", TOOLS);
    let out = w.run(&[
        "ask",
        "-m",
        "gpt",
        "--tools",
        "tools.json",
        "--format",
        "json",
        "x",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let row = out.json();
    assert_eq!(
        row["tool_calls"],
        json!([{"id": "call_mock0", "name": "get_weather", "arguments": "{\"city\": \"Par", "invalid_arguments": true}])
    );
}

/// A mock server that also serves a PNG at `/img/cat.png` (the temp dir holding it is returned
/// to keep it alive).
fn cat_server() -> (World, tempfile::TempDir) {
    let files = tempfile::tempdir().unwrap();
    let png = files.path().join("cat.png");
    std::fs::write(&png, PNG).unwrap();
    (
        World::with_server(json!({"files": {"/img/cat.png": png}})),
        files,
    )
}

/// Ask one model of each dialect about the image at `url`, as JSON.
fn ask_three_about(w: &World, url: &str) -> Out {
    w.run(&[
        "compare",
        "-m",
        "gpt,claude,gemini",
        "-p",
        "What is this?",
        "--image",
        url,
        "--format",
        "json",
    ])
}

#[test]
fn an_image_url_is_passed_on_or_downloaded_for_gemini() {
    let (w, _files) = cat_server();
    let url = format!("{}/img/cat.png", w.requests_url());
    let missing = format!("{}/img/missing.png", w.requests_url());
    let out = ask_three_about(&w, &url);
    assert_eq!(out.code, 0, "{out:?}");
    let rows = by_model(&out.json());
    assert_eq!(rows["gpt"]["output"], format!("I see 1 image: url {url}."));
    assert_eq!(
        rows["claude"]["output"],
        format!("I see 1 image: url {url}.")
    );
    assert_eq!(
        rows["gemini"]["output"],
        format!("I see 1 image: image/png {} bytes.", PNG.len()),
        "Gemini takes no URLs: llmx sent the bytes"
    );
    let (o, a, _) = bodies(&w);
    assert_eq!(o["messages"][0]["content"][0]["image_url"]["url"], url);
    assert_eq!(
        a["messages"][0]["content"][0]["source"],
        json!({"type": "url", "url": url})
    );
    let fetches = w
        .requests()
        .iter()
        .filter(|r| r.path == "/img/cat.png")
        .count();
    assert_eq!(fetches, 1, "downloaded once, only for gemini");
    let get = w
        .requests()
        .into_iter()
        .find(|r| r.path == "/img/cat.png")
        .unwrap();
    assert_eq!(get.method, "GET");
    assert!(
        get.header("authorization").is_none() && get.header("x-goog-api-key").is_none(),
        "no credential travels with the download"
    );

    // A URL that cannot be downloaded stops only the Gemini row, before sending.
    let before = w.requests().len();
    let out = w.run(&[
        "compare",
        "-m",
        "gpt,gemini",
        "-p",
        "x",
        "--image",
        &missing,
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = by_model(&out.json());
    assert_eq!(rows["gpt"]["error"], Value::Null);
    let e = rows["gemini"]["error"].as_str().unwrap();
    assert!(
        e.starts_with(&format!(
            "could not download image `{missing}` (gemini takes no image URLs, so llmx sends the bytes): HTTP 404"
        )),
        "{e}"
    );
    assert_eq!(rows["gemini"]["attempts"], 0);
    let gemini_calls = w.requests()[before..]
        .iter()
        .filter(|r| r.path.contains("/v1beta/"))
        .count();
    assert_eq!(gemini_calls, 0, "nothing sent to gemini");
}

#[test]
fn the_catalog_stops_models_without_vision_unless_forced() {
    let w = world();
    // The catalog lists gpt-3.5-turbo without image input.
    let out = w.run(&[
        "compare",
        "-m",
        "openai/gpt-3.5-turbo,claude",
        "-p",
        "What is this?",
        "--image",
        "photo.jpg",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = by_model(&out.json());
    let old = &rows["openai/gpt-3.5-turbo"];
    assert_eq!(old["error_kind"], "unsupported");
    // The row says what happened; how to send anyway is the table's advice.
    assert_eq!(
        old["error"],
        "the catalog lists no image input for openai/gpt-3.5-turbo; nothing was sent"
    );
    assert_eq!(rows["claude"]["error"], Value::Null);
    assert!(w
        .requests()
        .iter()
        .all(|r| !r.path.contains("/chat/completions")));
    let table = w.run(&[
        "compare",
        "-m",
        "openai/gpt-3.5-turbo,claude",
        "-p",
        "What is this?",
        "--image",
        "photo.jpg",
        "--full",
    ]);
    let unwrapped = table.stdout.replace("\n  ", " ");
    assert!(unwrapped.contains("(--force sends anyway)"), "{table:?}");

    let out = w.run(&[
        "compare",
        "-m",
        "openai/gpt-3.5-turbo",
        "-p",
        "What is this?",
        "--image",
        "photo.jpg",
        "--force",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let row = &out.json()[0];
    assert_eq!(
        row["notes"],
        json!(["sent with --force: the catalog lists no image input"])
    );
    assert!(row["output"].as_str().unwrap().starts_with("I see 1 image"));

    // Only models the catalog rules out: nothing can run, a usage error.
    let out = w.run(&[
        "compare",
        "-m",
        "openai/gpt-3.5-turbo",
        "-p",
        "x",
        "--image",
        "photo.jpg",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("the catalog lists no image input"),
        "{out:?}"
    );
}

#[test]
fn an_image_over_a_providers_limit_stops_that_row_only() {
    let w = world();
    // 6 MB: within OpenAI's documented limit, over Anthropic's 5 MB per image.
    let mut big = PNG.to_vec();
    big.resize(6 << 20, 0);
    w.write("big.png", &big);
    let out = w.run(&[
        "compare",
        "-m",
        "gpt,claude",
        "-p",
        "x",
        "--image",
        "big.png",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = by_model(&out.json());
    assert_eq!(
        rows["claude"]["error"],
        "an image of 6.0 MB is over the provider's size limit (Anthropic's limit: 5 MB per image, \
         32 MB per request); nothing was sent to anthropic/claude-sonnet-5-5"
    );
    assert_eq!(rows["claude"]["attempts"], 0);
    assert!(rows["gpt"]["output"]
        .as_str()
        .unwrap()
        .starts_with("I see 1 image: image/png 6291456 bytes"));
}

#[test]
fn bad_images_and_tools_are_usage_errors_and_nothing_is_sent() {
    let w = world();
    w.write("notes.png", "just text");
    w.write("obj.json", r#"{"name": "x"}"#);
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["--image", "notes.png"],
            "image `notes.png` is not PNG, JPEG, WebP or GIF (llmx reads the type from the bytes, not the name); convert it, e.g. to PNG".into(),
        ),
        (
            vec!["--image", "ftp://example.com/a.png"],
            "--image `ftp://example.com/a.png` is not a file path or an http(s) URL; pass a PNG, JPEG, WebP or GIF file, or an https:// URL".into(),
        ),
        (
            vec!["--image", "nope.png"],
            "image `nope.png` not found".into(),
        ),
        (
            vec!["--tools", "obj.json"],
            "tools file `obj.json`: it holds an object, not a JSON array of tools".into(),
        ),
        (
            vec!["--tools", "tools.json", "--tool-choice", "get_stock"],
            "--tool-choice `get_stock` is no tool of `tools.json` (it has `get_weather`, `get_time`); pass auto, none, required or one of those names".into(),
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["compare", "-m", "gpt", "-p", "x"];
        args.extend(extra.iter().copied());
        let out = w.run(&args);
        assert_eq!(out.code, 2, "{extra:?}: {out:?}");
        assert_eq!(out.stderr.trim(), format!("error: {want}"), "{extra:?}");
    }
    let out = w.run(&["compare", "-m", "gpt", "-p", "x", "--tool-choice", "auto"]);
    assert_eq!(out.code, 2, "--tool-choice needs --tools: {out:?}");
    assert!(w.requests().is_empty(), "nothing was sent");
}

#[test]
fn history_keeps_the_calls_and_notes() {
    let w = world();
    let out = w.run(&[
        "compare",
        "-m",
        "gemini",
        "-p",
        "Weather?",
        "--tools",
        "tools.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let list = w.run(&["history", "--format", "json"]);
    let id = list.json()[0]["id"].as_str().unwrap().to_string();
    let shown = w.run(&["history", "show", &id, "--format", "json"]);
    assert_eq!(
        shown.stdout, out.stdout,
        "the same rows, calls and notes included"
    );
}

#[test]
fn bench_sends_the_tools_and_image_with_every_prompt() {
    let w = world();
    w.write("set.jsonl", "{\"id\": \"a\", \"prompt\": \"Weather in Paris?\"}\n{\"id\": \"b\", \"prompt\": \"And in Rome?\"}\n");
    let out = w.run(&[
        "bench",
        "-m",
        "claude,gemini",
        "set.jsonl",
        "--tools",
        "tools.json",
        "--image",
        "photo.jpg",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let (head, rows) = read_csv(&std::fs::read_to_string(w.path("out.csv")).unwrap());
    assert_eq!(rows.len(), 4);
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    for r in &rows {
        let calls: Value = serde_json::from_str(&r[col("tool_calls")]).unwrap();
        assert_eq!(calls[0]["name"], "get_weather", "{r:?}");
        assert!(r[col("output")].starts_with("I see 1 image"), "{r:?}");
    }
    let chats: Vec<Value> = w
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.json())
        .collect();
    assert_eq!(chats.len(), 4);
    for body in &chats {
        let text = body.to_string();
        assert!(
            text.contains("get_weather") && text.contains("image/png"),
            "{text}"
        );
    }
}

#[test]
fn a_key_echoed_into_a_tool_call_never_reaches_the_output() {
    // Every run checks that no test key appears in stdout or stderr.
    let args = format!("{{\"token\": \"{OPENAI_KEY}\"}}");
    let w = World::with_server(json!({
        "default": {"tool_calls": [{"name": "get_weather", "arguments": args}], "chunk_chars": 5}
    }));
    w.write("tools.json", TOOLS);
    for format in ["json", "csv", "table"] {
        let out = w.run(&[
            "compare",
            "-m",
            "gpt",
            "-p",
            "x",
            "--tools",
            "tools.json",
            "--format",
            format,
        ]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("get_weather"), "{out:?}");
    }
    let out = w.run(&["ask", "-m", "gpt", "--tools", "tools.json", "x"]);
    assert_eq!(out.stdout, "get_weather({\"token\":\"[redacted]\"})\n");
}

#[test]
fn an_image_urls_password_never_reaches_a_provider() {
    let (w, _files) = cat_server();
    let url = w
        .requests_url()
        .replacen("http://", "http://pix:hunter2@", 1)
        + "/img/cat.png";
    let out = ask_three_about(&w, &url);
    assert_eq!(out.code, 1, "{out:?}");
    let rows = by_model(&out.json());
    for m in ["gpt", "claude"] {
        let e = rows[m]["error"].as_str().unwrap();
        assert!(
            e.contains("has a user or password in it") && e.contains("nothing was sent"),
            "{e}"
        );
    }
    assert_eq!(
        rows["gemini"]["error"],
        Value::Null,
        "llmx downloads it itself"
    );
    let all = format!("{out:?}");
    assert!(!all.contains("hunter2"), "{all}");
    let recorded = w.requests();
    assert!(
        recorded
            .iter()
            .all(|r| !String::from_utf8_lossy(&r.body).contains("hunter2")),
        "no body carries the password"
    );
    let chats: Vec<_> = recorded
        .iter()
        .filter(|r| r.path != "/img/cat.png")
        .collect();
    assert_eq!(chats.len(), 1, "only gemini was asked");
    assert!(
        chats[0].header("authorization").is_none(),
        "the provider gets no Basic auth"
    );
    let get = recorded.iter().find(|r| r.path == "/img/cat.png").unwrap();
    assert_eq!(
        get.header("authorization"),
        Some("Basic cGl4Omh1bnRlcjI="),
        "the image's own host gets the URL's user and password"
    );
}

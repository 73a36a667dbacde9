//! `llmx serve` through the real binary: a plain HTTP/1.1 client of our own (so the tests can
//! send what SDKs never would: a foreign Host, half a request, 33 MiB), the in-repo mock as
//! every upstream, and assertions on what the client got and the exact bytes the mock received.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{send_signal, Out, World, ANTHROPIC_KEY, GEMINI_KEY, OPENAI_KEY};

pub const TOKEN: &str = "test-serve-token-0123456789abcdef";

/// A running `llmx serve`.
pub struct Serve {
    child: Child,
    /// Everything the server wrote on stderr, read as it comes (a full pipe would stall nothing
    /// — the server drops access lines rather than wait — but the test wants every line).
    stderr: Option<std::thread::JoinHandle<String>>,
    /// `127.0.0.1:PORT`
    pub addr: String,
    /// What the first line said.
    pub first_line: String,
}

impl Serve {
    /// `llmx serve --port 0 ARGS` with the test token.
    pub fn start(w: &mut World, args: &[&str]) -> Serve {
        w.set("LLMX_SERVE_TOKEN", TOKEN);
        Serve::start_as_is(w, args)
    }

    pub fn start_as_is(w: &World, args: &[&str]) -> Serve {
        let mut all = vec!["serve", "--port", "0"];
        all.extend(args);
        let mut child = w.spawn(&all);
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("first line");
        let first_line = line.trim().to_string();
        let addr = first_line
            .strip_prefix("listening on http://")
            .and_then(|r| r.strip_suffix("/v1"))
            .unwrap_or_else(|| panic!("first line: {first_line:?}"))
            .to_string();
        // Keep stdout drained so the server never blocks on it.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = out.read_to_end(&mut sink);
        });
        let mut err = child.stderr.take().expect("stderr");
        let stderr = std::thread::spawn(move || {
            let mut all = String::new();
            let _ = err.read_to_string(&mut all);
            all
        });
        Serve {
            child,
            stderr: Some(stderr),
            addr,
            first_line,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then everything it printed on stderr.
    pub fn stop(mut self) -> Out {
        send_signal(&self.child, "TERM");
        self.wait()
    }

    fn wait(&mut self) -> Out {
        let status = self.child.wait().expect("wait");
        let stderr = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        let o = Out {
            code: status.code().unwrap_or(-1),
            stdout: String::new(),
            stderr,
        };
        o.assert_no_secrets();
        assert!(!o.stderr.contains(TOKEN), "token on stderr:\n{}", o.stderr);
        o
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.request(
            "POST",
            path,
            &[("authorization", &format!("Bearer {TOKEN}"))],
            body.to_string().as_bytes(),
        )
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request(
            "GET",
            path,
            &[("authorization", &format!("Bearer {TOKEN}"))],
            b"",
        )
    }

    /// A request with this server's Host, `headers` and `body`.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut all = vec![("host", self.addr.as_str())];
        all.extend_from_slice(headers);
        raw(&self.addr, method, path, &all, body)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The SSE events' `data:` payloads, in order, and the comments seen.
    pub fn events(&self) -> Vec<String> {
        self.text()
            .split("\n\n")
            .filter_map(|e| e.strip_prefix("data: ").map(str::to_string))
            .collect()
    }

    /// The JSON events before `[DONE]`, and whether `[DONE]` ended the stream.
    pub fn chunks(&self) -> (Vec<Value>, bool) {
        let ev = self.events();
        let done = ev.last().is_some_and(|e| e == "[DONE]");
        let chunks = ev
            .iter()
            .filter(|e| *e != "[DONE]")
            .map(|e| serde_json::from_str(e).unwrap_or_else(|_| panic!("chunk: {e}")))
            .collect();
        (chunks, done)
    }
}

/// `body` posted to the server at `addr` with the token, on a thread of its own.
fn spawn_post(addr: &str, body: &Value) -> std::thread::JoinHandle<Reply> {
    let (addr, body) = (addr.to_string(), body.to_string());
    std::thread::spawn(move || {
        let bearer = format!("Bearer {TOKEN}");
        let headers = [("host", addr.as_str()), ("authorization", bearer.as_str())];
        raw(
            &addr,
            "POST",
            "/v1/chat/completions",
            &headers,
            body.as_bytes(),
        )
    })
}

/// A request over a fresh connection (`Connection: close`), read to its end.
pub fn raw(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) before taking the whole body.
    let _ = s.write_all(body);
    let mut all = Vec::new();
    if let Err(e) = s.read_to_end(&mut all) {
        if all.is_empty() {
            panic!("no response: {e}");
        }
    }
    parse(&all)
}

fn parse(all: &[u8]) -> Reply {
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head: {:?}", String::from_utf8_lossy(all)));
    let head = String::from_utf8_lossy(&all[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = all[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(nl) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..nl]).trim(), 16).unwrap_or(0);
        if size == 0 || b.len() < nl + 2 + size {
            return out;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + size]);
        b = &b[(nl + 4 + size).min(b.len())..];
    }
}

fn chat(model: &str, text: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": text}]})
}

/// The text a stream's chunks carry.
fn streamed_text(chunks: &[Value]) -> String {
    chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect()
}

/// The body of the last chat request the mock received (the model listings fetched at start
/// are GETs).
fn last_post(w: &World) -> Value {
    w.requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "POST")
        .expect("a POST")
        .json()
}

/// No request the mock received carries the serve token, anywhere.
pub fn assert_token_never_upstream(w: &World) {
    for r in w.requests() {
        let all = format!("{:?} {}", r.headers, String::from_utf8_lossy(&r.body));
        assert!(
            !all.contains(TOKEN),
            "the client's token went upstream: {all}"
        );
    }
}

/// The three dialects' test models, as llmx names them and as the provider answers.
pub const MODELS: [(&str, &str); 3] = [
    ("openai/gpt-4o-mini", "gpt-4o-mini"),
    ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"),
    ("gemini/gemini-2.5-flash", "gemini-2.5-flash"),
];

#[test]
fn chat_completions_in_all_three_dialects_plain_and_streamed() {
    let mut w = World::with_server(json!({}));
    let s = Serve::start(&mut w, &[]);
    assert!(
        s.first_line.starts_with("listening on http://127.0.0.1:"),
        "{}",
        s.first_line
    );
    for (model, id) in MODELS {
        let r = s.post("/v1/chat/completions", &chat(model, "hi"));
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        assert_eq!(v["object"], "chat.completion");
        assert_eq!(v["model"], model);
        assert_eq!(
            v["choices"][0]["message"]["content"],
            format!("Hello from {id}.")
        );
        assert_eq!(v["choices"][0]["finish_reason"], "stop");
        assert_eq!(v["usage"]["prompt_tokens"], 10);
        assert_eq!(v["usage"]["completion_tokens"], 3);
        assert_eq!(v["usage"]["total_tokens"], 13);
        assert!(v["usage"]["cost"].as_f64().unwrap() > 0.0, "{v}");
        assert_eq!(v["usage"]["is_byok"], true);
        assert_eq!(r.header("x-llmx-provider"), model.split('/').next());
        assert_eq!(r.header("x-llmx-model"), Some(id));
        assert_eq!(r.header("x-llmx-attempts"), Some("1"));
        assert!(r.header("x-request-id").is_some_and(|i| !i.is_empty()));

        // Streamed, with and without the usage chunk.
        for include_usage in [false, true] {
            let mut body = chat(model, "hi");
            body["stream"] = json!(true);
            if include_usage {
                body["stream_options"] = json!({"include_usage": true});
            }
            let r = s.post("/api/v1/chat/completions", &body);
            assert_eq!(r.status, 200, "{}", r.text());
            assert_eq!(r.header("content-type"), Some("text/event-stream"));
            let (chunks, done) = r.chunks();
            assert!(done, "ends with [DONE]: {}", r.text());
            assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
            assert!(chunks
                .iter()
                .all(|c| c["object"] == "chat.completion.chunk"));
            assert_eq!(streamed_text(&chunks), format!("Hello from {id}."));
            let finish: Vec<&Value> = chunks
                .iter()
                .filter(|c| c["choices"][0]["finish_reason"].is_string())
                .collect();
            assert_eq!(finish.len(), 1, "{}", r.text());
            assert_eq!(finish[0]["choices"][0]["finish_reason"], "stop");
            assert_eq!(
                finish[0]["llmx"]["provider"],
                model.split('/').next().unwrap()
            );
            let empty_choices: Vec<&Value> = chunks
                .iter()
                .filter(|c| c["choices"].as_array().is_some_and(|a| a.is_empty()))
                .collect();
            if include_usage {
                // Exactly one `choices: []` chunk, after the finish, before [DONE].
                assert_eq!(empty_choices.len(), 1, "{}", r.text());
                assert_eq!(chunks.last().unwrap()["usage"]["total_tokens"], 13);
                assert!(finish[0]["usage"].is_null());
            } else {
                assert!(
                    empty_choices.is_empty(),
                    "no usage chunk unasked: {}",
                    r.text()
                );
                assert_eq!(finish[0]["usage"]["total_tokens"], 13);
            }
        }
    }
    // Upstream requests carry the provider's key, never the client's token.
    // (The listings fetched at start are GETs.)
    let reqs: Vec<_> = w
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(reqs.len(), 9);
    for r in &reqs {
        let key = r
            .header("authorization")
            .or(r.header("x-api-key"))
            .or(r.header("x-goog-api-key"))
            .unwrap();
        assert!(
            [
                format!("Bearer {OPENAI_KEY}"),
                ANTHROPIC_KEY.into(),
                GEMINI_KEY.into()
            ]
            .contains(&key.to_string()),
            "{key}"
        );
        // llmx always asks for usage upstream.
        if r.path.starts_with("/v1/chat") {
            assert_eq!(r.json()["stream_options"]["include_usage"], true);
        }
    }
    assert_token_never_upstream(&w);
    let out = s.stop();
    assert_eq!(out.code, 0, "{out:?}");
    // One access line per request: no prompt, no answer.
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains(" POST "))
        .collect();
    assert_eq!(lines.len(), 9, "{}", out.stderr);
    assert!(lines
        .iter()
        .all(|l| !l.contains("Hello from") && !l.contains(" hi")));
    assert!(
        lines[0].contains("model=openai/gpt-4o-mini") && lines[0].contains(" 200 "),
        "{}",
        lines[0]
    );
}

#[test]
fn foreign_hosts_origins_and_missing_tokens_are_refused() {
    let mut w = World::with_server(json!({}));
    let s = Serve::start(
        &mut w,
        &[
            "--cors-origin",
            "http://app.example:3000",
            "--allow-host",
            "llmx.internal",
        ],
    );
    let body = chat("openai/gpt-4o-mini", "hi").to_string();
    let bearer = format!("Bearer {TOKEN}");
    let post = |headers: &[(&str, &str)]| {
        raw(
            &s.addr,
            "POST",
            "/v1/chat/completions",
            headers,
            body.as_bytes(),
        )
    };

    // DNS rebinding: a page's own name for this address.
    let r = post(&[("host", "evil.example"), ("authorization", &bearer)]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "host_not_allowed");
    let port = s.addr.rsplit(':').next().unwrap();
    let r = post(&[("host", "localhost:1"), ("authorization", &bearer)]);
    assert_eq!(r.status, 403, "another port: {}", r.text());
    for host in [
        format!("localhost:{port}"),
        s.addr.clone(),
        "llmx.internal".into(),
    ] {
        let r = post(&[("host", &host), ("authorization", &bearer)]);
        assert_eq!(r.status, 200, "{host}: {}", r.text());
    }
    // An origin not allowed, even with the token.
    let r = s.request(
        "POST",
        "/v1/chat/completions",
        &[
            ("origin", "http://evil.example"),
            ("authorization", &bearer),
        ],
        body.as_bytes(),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.header("access-control-allow-origin").is_none());
    // No token, a wrong one: 401 in OpenAI's envelope.
    let r = s.request("POST", "/v1/chat/completions", &[], body.as_bytes());
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["type"], "authentication_error");
    let r = s.request(
        "POST",
        "/v1/chat/completions",
        &[("authorization", "Bearer test-serve-token-0123456789abcdeX")],
        body.as_bytes(),
    );
    assert_eq!(r.status, 401);
    // The token as x-api-key or x-goog-api-key.
    for h in ["x-api-key", "x-goog-api-key"] {
        let r = s.request(
            "POST",
            "/v1/chat/completions",
            &[(h, TOKEN)],
            body.as_bytes(),
        );
        assert_eq!(r.status, 200, "{h}: {}", r.text());
    }
    // Health needs no token.
    assert_eq!(s.request("GET", "/health", &[], b"").status, 200);
    assert_eq!(s.request("GET", "/v1/health", &[], b"").status, 200);
    // A preflight from the allowed origin, without the token, reflecting the SDK's headers.
    let r = s.request(
        "OPTIONS",
        "/v1/chat/completions",
        &[
            ("origin", "http://app.example:3000"),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization, content-type, x-stainless-os",
            ),
        ],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://app.example:3000")
    );
    assert!(r
        .header("access-control-allow-headers")
        .unwrap()
        .contains("x-stainless-os"));
    let r = s.request(
        "POST",
        "/v1/chat/completions",
        &[
            ("origin", "http://app.example:3000"),
            ("authorization", &bearer),
        ],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://app.example:3000")
    );
    // Unknown paths: 404 JSON.
    let r = s.get("/v1/nothing-here");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "not_found");
    // 33 MiB: 413 in the envelope.
    let big = vec![b' '; 33 << 20];
    let r = s.request(
        "POST",
        "/v1/chat/completions",
        &[("authorization", &bearer)],
        &big,
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "request_too_large");

    // Half a request that stalls holds no one else up.
    let mut stalled = TcpStream::connect(&s.addr).unwrap();
    stalled
        .write_all(format!("POST /v1/chat/completions HTTP/1.1\r\nhost: {}\r\nauthorization: {bearer}\r\ncontent-length: 500\r\n\r\n{{\"model\":", s.addr).as_bytes())
        .unwrap();
    let mut half_head = TcpStream::connect(&s.addr).unwrap();
    half_head.write_all(b"POST /v1/chat/com").unwrap();
    let started = std::time::Instant::now();
    let r = s.post("/v1/chat/completions", &chat("openai/gpt-4o-mini", "hi"));
    assert_eq!(r.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "held up by a stalled client"
    );
    drop((stalled, half_head));
    assert_token_never_upstream(&w);
    s.stop();
}

#[test]
fn fields_llmx_does_not_know_reach_openai_and_other_dialects_name_what_they_drop() {
    let mut w = World::with_server(json!({}));
    let s = Serve::start(&mut w, &[]);
    let body = |model: &str| {
        json!({
            "model": model,
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
            "top_p": 0.5,
            "seed": 7,
            "logit_bias": {"50256": -100},
            "response_format": {"type": "json_object"},
            "provider": {"allow_fallbacks": true, "max_price": {"prompt": 1}},
            "transforms": [],
            "usage": {"include": true},
            "max_tokens": 50,
        })
    };
    let r = s.post("/v1/chat/completions", &body("openai/gpt-4o-mini"));
    assert_eq!(r.status, 200, "{}", r.text());
    // Routing llmx does not do is said, not silently ignored.
    assert_eq!(
        r.header("x-llmx-notes"),
        Some("`provider.max_price` ignored: llmx does not route by it")
    );
    let sent = last_post(&w);
    assert_eq!(sent["model"], "gpt-4o-mini");
    assert_eq!(sent["top_p"], 0.5);
    assert_eq!(sent["seed"], 7);
    assert_eq!(sent["logit_bias"], json!({"50256": -100}));
    assert_eq!(sent["response_format"], json!({"type": "json_object"}));
    assert_eq!(
        sent["messages"][0],
        json!({"role": "system", "content": "Be brief."})
    );
    for gone in ["provider", "transforms", "usage"] {
        assert!(
            sent.get(gone).is_none(),
            "routing field `{gone}` went upstream: {sent}"
        );
    }

    let r = s.post("/v1/chat/completions", &body("anthropic/claude-sonnet-4-5"));
    assert_eq!(r.status, 200, "{}", r.text());
    let notes = r.header("x-llmx-notes").expect("notes");
    for dropped in ["`seed`", "`logit_bias`", "`response_format`"] {
        assert!(notes.contains(dropped), "{notes}");
    }
    assert!(!notes.contains("top_p"), "{notes}");
    let sent = last_post(&w);
    assert_eq!(sent["top_p"], 0.5);
    assert_eq!(sent["system"], "Be brief.");
    assert!(sent.get("seed").is_none());

    let r = s.post("/v1/chat/completions", &body("gemini/gemini-2.5-flash"));
    assert_eq!(r.status, 200, "{}", r.text());
    let notes = r.header("x-llmx-notes").expect("notes");
    assert!(
        notes.contains("`logit_bias`") && !notes.contains("seed"),
        "{notes}"
    );
    let sent = last_post(&w);
    assert_eq!(sent["generationConfig"]["topP"], 0.5);
    assert_eq!(sent["generationConfig"]["seed"], 7);
    assert_eq!(
        sent["generationConfig"]["responseMimeType"],
        "application/json"
    );
    s.stop();
}

#[test]
fn a_tool_loop_runs_against_every_dialect() {
    let script = json!({
        "text": "",
        "tool_calls": [{"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}],
    });
    let mut w = World::with_server(json!({"models": {"tooly": script}}));
    let s = Serve::start(&mut w, &[]);
    let tools = json!([{"type": "function", "function": {"name": "get_weather", "description": "Weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]);
    for provider in ["openai", "anthropic", "gemini"] {
        let model = format!("{provider}/tooly");
        for stream in [false, true] {
            let first = json!({"model": model, "stream": stream, "tools": tools,
                "messages": [{"role": "user", "content": "Weather in Paris?"}]});
            let r = s.post("/v1/chat/completions", &first);
            assert_eq!(r.status, 200, "{model}: {}", r.text());
            let call = if stream {
                let (chunks, done) = r.chunks();
                assert!(done);
                let deltas: Vec<&Value> = chunks
                    .iter()
                    .filter_map(|c| c["choices"][0]["delta"]["tool_calls"].get(0))
                    .collect();
                // The first delta of the call has index, id, type and name; then the arguments.
                assert_eq!(deltas[0]["index"], 0);
                assert_eq!(deltas[0]["type"], "function");
                assert_eq!(deltas[0]["function"]["name"], "get_weather");
                assert!(deltas[0]["id"].as_str().is_some_and(|i| !i.is_empty()));
                let args: String = deltas
                    .iter()
                    .filter_map(|d| d["function"]["arguments"].as_str())
                    .collect();
                let finish = chunks
                    .iter()
                    .find_map(|c| c["choices"][0]["finish_reason"].as_str());
                assert_eq!(finish, Some("tool_calls"));
                json!({"id": deltas[0]["id"], "type": "function",
                    "function": {"name": "get_weather", "arguments": args}})
            } else {
                let v = r.json();
                assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
                v["choices"][0]["message"]["tool_calls"][0].clone()
            };
            let args: Value =
                serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
            assert_eq!(args, json!({"city": "Paris"}), "{model}");
            let id = call["id"].as_str().unwrap().to_string();
            // The tool's result goes back; the upstream gets it in its own dialect.
            let second = json!({"model": model, "stream": stream, "tools": tools, "messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": null, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": id, "content": "{\"temp_c\": 21}"},
            ]});
            let r = s.post("/v1/chat/completions", &second);
            assert_eq!(r.status, 200, "{model}: {}", r.text());
            let sent = last_post(&w);
            match provider {
                "openai" => {
                    assert_eq!(sent["messages"][1]["tool_calls"][0]["id"], id.as_str());
                    assert_eq!(sent["messages"][2]["role"], "tool");
                    assert_eq!(sent["messages"][2]["tool_call_id"], id.as_str());
                }
                "anthropic" => {
                    assert_eq!(sent["messages"][1]["content"][0]["type"], "tool_use");
                    assert_eq!(
                        sent["messages"][1]["content"][0]["input"],
                        json!({"city": "Paris"})
                    );
                    let result = &sent["messages"][2]["content"][0];
                    assert_eq!(result["type"], "tool_result");
                    assert_eq!(result["tool_use_id"], id.as_str());
                }
                _ => {
                    assert_eq!(
                        sent["contents"][1]["parts"][0]["functionCall"]["name"],
                        "get_weather"
                    );
                    let resp = &sent["contents"][2]["parts"][0]["functionResponse"];
                    assert_eq!(resp["name"], "get_weather");
                    assert_eq!(resp["response"], json!({"temp_c": 21}));
                }
            }
        }
    }
    s.stop();
}

#[test]
fn errors_keep_their_status_and_fallbacks_are_invisible_before_the_first_token() {
    let fail = |status: u16| json!({"failures": [{"kind": "status", "status": status, "retry_after": "7"}]});
    let mut w = World::with_server(json!({"models": {
        "limited": fail(429),
        "broken": {"failures": [{"kind": "status", "status": 500}, {"kind": "status", "status": 500}]},
        "cut": {"text": "one two three four five six seven eight", "chunk_chars": 4,
                "failures": [{"kind": "cut_after", "chunks": 2}]},
        "denied": fail(401),
    }}));
    let s = Serve::start(&mut w, &["--retries", "0"]);
    // An unknown model: 404 with llmx's did-you-mean.
    let r = s.post("/v1/chat/completions", &chat("gpt-4o-minii", "hi"));
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "model_not_found");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gpt-4o-mini"),
        "{}",
        r.text()
    );
    // 429 with the upstream's Retry-After.
    let r = s.post("/v1/chat/completions", &chat("openai/limited", "hi"));
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(r.header("retry-after"), Some("7"));
    // An upstream 401 is the gateway's problem (502), never the client's token.
    let r = s.post("/v1/chat/completions", &chat("openai/denied", "hi"));
    assert_eq!(r.status, 502, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "upstream_auth");
    // A 500 then a fallback: plain, and streamed as one clean stream.
    let r = s.post(
        "/v1/chat/completions",
        &chat("openai/broken|anthropic/claude-sonnet-4-5", "hi"),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["model"], "anthropic/claude-sonnet-4-5");
    assert_eq!(v["llmx"]["fallbacks"][0]["model"], "openai/broken");
    let mut body = json!({"model": "openai/broken", "models": ["anthropic/claude-sonnet-4-5"], "stream": true,
        "messages": [{"role": "user", "content": "hi"}]});
    let r = s.post("/v1/chat/completions", &body);
    let (chunks, done) = r.chunks();
    assert!(done, "{}", r.text());
    assert!(
        chunks.iter().all(|c| c.get("error").is_none()),
        "{}",
        r.text()
    );
    assert_eq!(streamed_text(&chunks), "Hello from claude-sonnet-4-5.");
    // Cut after the first tokens: an error event and no [DONE].
    body = json!({"model": "openai/cut", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let r = s.post("/v1/chat/completions", &body);
    assert_eq!(r.status, 200);
    let events = r.events();
    assert!(!events.iter().any(|e| e == "[DONE]"), "{}", r.text());
    let last: Value = serde_json::from_str(events.last().unwrap()).unwrap();
    assert!(
        last["error"]["message"]
            .as_str()
            .unwrap()
            .contains("openai/cut"),
        "{last}"
    );
    assert_eq!(streamed_text(&r.chunks().0), "one two ");
    s.stop();
}

#[test]
fn models_lists_what_the_server_can_reach() {
    // A model only the provider's own listing knows (a local server's, say).
    let mut w = World::with_server(json!({"models": {"only-listed-9000": {}}}));
    w.unset("GEMINI_API_KEY");
    let s = Serve::start(&mut w, &[]);
    let r = s.get("/v1/models");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["object"], "list");
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"openai/gpt-4o-mini"), "{ids:?}");
    assert!(
        !ids.iter().any(|i| i.starts_with("gemini/")),
        "no key, not listed: {ids:?}"
    );
    assert!(
        ids.contains(&"openai/only-listed-9000"),
        "the live listing merged: {ids:?}"
    );
    // Fetched for providers with a key only, and never OpenRouter's public catalog.
    let listed: Vec<String> = w
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path.clone())
        .collect();
    assert!(
        !listed.iter().any(|p| p.contains("v1beta")),
        "no key, no listing: {listed:?}"
    );
    let m = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "openai/gpt-4o-mini")
        .unwrap();
    assert_eq!(m["object"], "model");
    assert_eq!(m["owned_by"], "openai");
    assert!(
        m["pricing"]["prompt"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            > 0.0
    );
    let all = s.get("/v1/models?all=true").json();
    assert!(all["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"].as_str().unwrap().starts_with("gemini/")));
    let one = s.get("/v1/models/openai/gpt-4o-mini");
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["id"], "openai/gpt-4o-mini");
    assert_eq!(
        s.get("/v1/models/openai%2Fgpt-4o-mini").json()["id"],
        "openai/gpt-4o-mini"
    );
    assert_eq!(s.get("/v1/models/openai/nope").status, 404);
    s.stop();
}

#[test]
fn the_token_is_made_once_kept_owner_only_and_never_printed_but_on_request() {
    let w = World::with_server(json!({}));
    let s = Serve::start_as_is(&w, &[]);
    let shown = w.run(&["serve", "--show-token"]);
    assert_eq!(shown.code, 0, "{shown:?}");
    let token = shown.stdout.trim().to_string();
    assert!(token.starts_with("llmx-") && token.len() == 69, "{token}");
    let bearer = format!("Bearer {token}");
    let r = s.request(
        "POST",
        "/v1/chat/completions",
        &[("authorization", &bearer)],
        chat("openai/gpt-4o-mini", "hi").to_string().as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let out = s.stop();
    assert!(
        out.stderr.contains("made a serve token") && out.stderr.contains("--show-token"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&token), "{}", out.stderr);
    let file = w.path(".config/llmx/serve-token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The same token next time.
    assert_eq!(w.run(&["serve", "--show-token"]).stdout.trim(), token);
}

#[test]
fn sigterm_lets_running_streams_finish_and_the_history_keeps_every_row() {
    let slow =
        json!({"text": "a b c d e f g h i j k l m n o p", "chunk_chars": 2, "chunk_delay_ms": 60});
    let mut w = World::with_server(json!({"models": {"slow": slow}}));
    let s = Serve::start(&mut w, &[]);
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let body = json!({"model": "openai/slow", "stream": true,
                "messages": [{"role": "user", "content": format!("q{i}")}]});
            spawn_post(&s.addr, &body)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(400));
    let out = s.stop();
    assert_eq!(out.code, 0, "{out:?}");
    for h in handles {
        let r = h.join().unwrap();
        let (chunks, done) = r.chunks();
        assert!(done, "a stream was cut: {}", r.text());
        assert_eq!(streamed_text(&chunks), "a b c d e f g h i j k l m n o p");
    }
    let runs = w.run(&["history", "--format", "json"]).json();
    let serve_run = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["command"] == "serve")
        .expect("a serve run");
    assert_eq!(serve_run["rows"], 20, "{serve_run}");
    // --source tells gateway traffic from the command line's runs.
    assert_eq!(w.run(&["ask", "-m", "openai/gpt-4o-mini", "hi"]).code, 0);
    let commands = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["history", "--format", "json"];
        all.extend(args);
        w.run(&all)
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["command"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(commands(&[]), ["ask", "serve"]);
    assert_eq!(commands(&["--source", "serve"]), ["serve"]);
    assert_eq!(commands(&["--source", "cli"]), ["ask"]);
    let requests = |source: &str| -> u64 {
        let u = w
            .run(&["usage", "--source", source, "--format", "json"])
            .json();
        u.as_array()
            .unwrap()
            .iter()
            .map(|l| l["requests"].as_u64().unwrap())
            .sum()
    };
    assert_eq!((requests("serve"), requests("cli")), (20, 1));
}

#[test]
fn max_cost_holds_across_concurrent_requests() {
    let billed = json!({"bill": true});
    let mut w = World::with_server(json!({"default": billed}));
    let s = Serve::start(&mut w, &["--max-cost", "0.0005"]);
    let body = json!({"model": "openai/gpt-4o", "max_tokens": 20,
        "messages": [{"role": "user", "content": "hi"}]});
    let handles: Vec<_> = (0..1000).map(|_| spawn_post(&s.addr, &body)).collect();
    let mut spent = 0.0;
    let (mut ok, mut refused) = (0, 0);
    for h in handles {
        let r = h.join().unwrap();
        match r.status {
            200 => {
                ok += 1;
                spent += r.json()["usage"]["cost"].as_f64().unwrap();
            }
            429 => {
                refused += 1;
                assert_eq!(r.json()["error"]["type"], "insufficient_quota");
                assert_eq!(r.header("x-should-retry"), Some("false"));
            }
            s => panic!("status {s}: {}", r.text()),
        }
    }
    assert!(ok > 0 && refused > 0, "{ok} answered, {refused} refused");
    assert!(spent <= 0.0005 + 1e-12, "spent {spent} past the cap");
    s.stop();
}

/// Read a streamed response from `s` until `needle` has arrived.
fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(needle) {
        let n = s.read(&mut buf).expect("read");
        assert!(
            n > 0,
            "closed before {needle:?}: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

fn open_stream(addr: &str, model: &str) -> TcpStream {
    let body =
        json!({"model": model, "stream": true, "messages": [{"role": "user", "content": "hi"}]})
            .to_string();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST /v1/chat/completions HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {TOKEN}\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    s
}

/// The rows of the serve run in the history, as `history show` gives them.
fn serve_rows(w: &World) -> Vec<Value> {
    let runs = w
        .run(&["history", "--source", "serve", "--format", "json"])
        .json();
    let id = runs[0]["id"].as_str().expect("a serve run").to_string();
    let shown = w.run(&["history", "show", &id, "--format", "json"]);
    shown.json().as_array().unwrap().clone()
}

/// The scheduling policy (`/proc/PID/task/TID/stat`, field 41) of each thread of `pid` called
/// `name`.
#[cfg(target_os = "linux")]
fn thread_policies(pid: u32, name: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
    {
        let dir = task.expect("a task").path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
        // Fields after the command's closing parenthesis start at field 3.
        let rest = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
        if let Some(p) = rest.split_whitespace().nth(41 - 3) {
            out.push(p.parse().expect("a policy number"));
        }
    }
    out
}

#[test]
#[cfg(target_os = "linux")]
fn the_history_writer_gives_way_to_requests_and_still_keeps_every_row() {
    const SCHED_IDLE: u32 = 5;
    let mut w = World::with_server(json!({}));
    let s = Serve::start(&mut w, &[]);
    for i in 0..3 {
        let r = s.post(
            "/v1/chat/completions",
            &chat("openai/m", &format!("hi {i}")),
        );
        assert_eq!(r.status, 200, "{}", r.text());
    }
    // Small batches are committed on a thread that runs only when nothing else wants the
    // CPU; the writer's own thread keeps the normal policy (0), so a backlog or a flush can
    // still be committed at that priority.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let policies = loop {
        let p = thread_policies(s.pid(), "llmx-hist-idle");
        if p == [SCHED_IDLE] || std::time::Instant::now() > deadline {
            break p;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(policies, [SCHED_IDLE], "the idle committer's policy");
    assert_eq!(thread_policies(s.pid(), "llmx-history"), [0]);
    let server = thread_policies(s.pid(), "llmx");
    assert!(
        !server.is_empty() && server.iter().all(|p| *p == 0),
        "{server:?}"
    );
    let out = s.stop();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(serve_rows(&w).len(), 3);
}

#[test]
fn a_client_that_goes_away_cancels_its_request_and_the_row_keeps_what_it_was_sent() {
    let slow = json!({"text": "one two three four five six seven eight nine ten", "chunk_chars": 4,
        "chunk_delay_ms": 300});
    let mut w = World::with_server(json!({"models": {"slow": slow}}));
    let s = Serve::start(&mut w, &[]);
    let mut c = open_stream(&s.addr, "openai/slow");
    let seen = read_until(&mut c, "\"content\":\"one \"");
    assert!(seen.contains("200 OK"), "{seen}");
    drop(c);
    // The row is recorded when the server notices, at its next write.
    std::thread::sleep(Duration::from_millis(900));
    let out = s.stop();
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("error=cancelled"), "{}", out.stderr);
    let rows = serve_rows(&w);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["error_kind"], "cancelled");
    assert!(
        rows[0]["output"].as_str().unwrap().starts_with("one "),
        "{}",
        rows[0]
    );
}

#[test]
fn past_the_shutdown_timeout_running_streams_end_with_an_error_event() {
    let slow = json!({"text": "one two three four five six seven eight nine ten", "chunk_chars": 4,
        "chunk_delay_ms": 400});
    let mut w = World::with_server(json!({"models": {"slow": slow}}));
    let s = Serve::start(&mut w, &["--shutdown-timeout", "0.3"]);
    let mut c = open_stream(&s.addr, "openai/slow");
    read_until(&mut c, "\"content\":\"one \"");
    let started = std::time::Instant::now();
    let out = s.stop();
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    let mut rest = String::new();
    let _ = c.read_to_string(&mut rest);
    assert!(rest.contains("\"code\":\"shutting_down\""), "{rest}");
    assert!(!rest.contains("[DONE]"), "{rest}");
    let rows = serve_rows(&w);
    assert_eq!(rows[0]["error_kind"], "cancelled", "{rows:?}");
}

#[test]
fn the_daily_cap_is_read_back_from_the_history_after_a_restart() {
    let mut w = World::with_server(json!({"default": {"bill": true}}));
    let body = json!({"model": "openai/gpt-4o", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]});
    let s = Serve::start(&mut w, &["--max-cost-per-day", "0.0004"]);
    let mut answered = 0;
    let refused = loop {
        let r = s.post("/v1/chat/completions", &body);
        match r.status {
            200 => answered += 1,
            429 => break r,
            other => panic!("{other}: {}", r.text()),
        }
        assert!(answered < 50, "the cap never held");
    };
    assert!(answered >= 1);
    let msg = refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("--max-cost-per-day"), "{msg}");
    s.stop();
    // A new server the same day starts from what the history says was spent.
    let s = Serve::start(&mut w, &["--max-cost-per-day", "0.0004"]);
    assert_eq!(s.post("/v1/chat/completions", &body).status, 429);
    s.stop();
    // And a [serve] section in the config file sets the same.
    w.config("[serve]\nmax_cost_per_day = 0.0004\n");
    let s = Serve::start(&mut w, &[]);
    assert_eq!(s.post("/v1/chat/completions", &body).status, 429);
    s.stop();
}

#[test]
fn the_access_log_as_json_names_each_request_and_nothing_it_said() {
    let mut w = World::with_server(json!({}));
    let s = Serve::start(&mut w, &["--log-format", "json"]);
    s.post(
        "/v1/chat/completions",
        &chat("openai/gpt-4o-mini", "a secret question"),
    );
    s.get("/v1/models");
    let out = s.stop();
    let lines: Vec<Value> = out
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    let line = &lines[0];
    assert_eq!(line["status"], 200);
    assert_eq!(line["wire"], "openai");
    assert_eq!(line["model"], "openai/gpt-4o-mini");
    assert_eq!(line["answered_by"], "openai/gpt-4o-mini");
    assert_eq!(line["input_tokens"], 10);
    assert!(line["cost_usd"].as_f64().unwrap() > 0.0);
    assert!(line["request_id"].as_str().is_some_and(|i| !i.is_empty()));
    assert!(!out.stderr.contains("secret question") && !out.stderr.contains("Hello from"));
    assert_eq!(lines[1]["path"], "/v1/models");
    // -q: no access log at all.
    let s = Serve::start(&mut w, &["-q"]);
    s.post("/v1/chat/completions", &chat("openai/gpt-4o-mini", "hi"));
    assert_eq!(s.stop().stderr, "");
}

#[test]
fn ipv6_loopback_and_wide_binds_say_where_they_listen() {
    let mut w = World::with_server(json!({}));
    let s = Serve::start(&mut w, &["--host", "::1"]);
    assert!(
        s.first_line.starts_with("listening on http://[::1]:"),
        "{}",
        s.first_line
    );
    let r = s.post("/v1/chat/completions", &chat("openai/gpt-4o-mini", "hi"));
    assert_eq!(r.status, 200, "{}", r.text());
    s.stop();
    let s = Serve::start(&mut w, &["--host", "0.0.0.0"]);
    let out = s.stop();
    assert!(
        out.stderr.contains("warning: listening on 0.0.0.0:")
            && out.stderr.contains("--allow-host"),
        "{}",
        out.stderr
    );
    // A port in use: a one-line error and exit 1.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = w.run(&["serve", "--port", &port]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.starts_with("error: cannot listen on 127.0.0.1:")
            && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
}

#[test]
fn signed_thinking_goes_to_the_client_and_back_upstream() {
    let mut w = World::with_server(json!({"models": {"thinker": {"reasoning": "Let me think."}}}));
    let s = Serve::start(&mut w, &[]);
    let r = s.post("/v1/chat/completions", &chat("anthropic/thinker", "hi"));
    assert_eq!(r.status, 200, "{}", r.text());
    let msg = r.json()["choices"][0]["message"].clone();
    assert_eq!(msg["reasoning_content"], "Let me think.");
    let details = msg["reasoning_details"].clone();
    assert_eq!(details[0]["type"], "reasoning.text");
    assert_eq!(details[0]["text"], "Let me think.");
    assert_eq!(details[0]["signature"], "mock");
    // Streamed: the same details, in a delta before the finish.
    let mut body = chat("anthropic/thinker", "hi");
    body["stream"] = json!(true);
    let (chunks, done) = s.post("/v1/chat/completions", &body).chunks();
    assert!(done);
    let streamed = chunks
        .iter()
        .find_map(|c| c["choices"][0]["delta"].get("reasoning_details"))
        .expect("reasoning_details in the stream");
    assert_eq!(streamed[0]["signature"], "mock");
    // The client sends the turn back: the thinking block goes upstream with its signature.
    let next = json!({"model": "anthropic/thinker", "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": msg["content"], "reasoning_details": details},
        {"role": "user", "content": "and then?"},
    ]});
    assert_eq!(s.post("/v1/chat/completions", &next).status, 200);
    let sent = last_post(&w);
    assert_eq!(
        sent["messages"][1]["content"][0],
        json!({"type": "thinking", "thinking": "Let me think.", "signature": "mock"})
    );
    s.stop();
}

#[test]
fn a_provider_without_a_key_is_named_with_the_fix() {
    let mut w = World::with_server(json!({}));
    w.unset("OPENAI_API_KEY");
    let s = Serve::start(&mut w, &[]);
    let r = s.post("/v1/chat/completions", &chat("openai/gpt-4o-mini", "hi"));
    assert_eq!(r.status, 400, "{}", r.text());
    let e = r.json()["error"].clone();
    assert_eq!(e["code"], "missing_provider_key");
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("OPENAI_API_KEY") && m.contains("llmx serve"),
        "{m}"
    );
    s.stop();
}

#[test]
fn a_silent_upstream_gets_keep_alives_and_then_its_answer() {
    // 15 s of silence before the first token: the stream commits with a comment, then answers.
    let mut w = World::with_server(json!({"models": {"slow-start": {"ttft_ms": 16_500}}}));
    let s = Serve::start(&mut w, &[]);
    let mut body = chat("openai/slow-start", "hi");
    body["stream"] = json!(true);
    let r = s.post("/v1/chat/completions", &body);
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(text.starts_with(": keep-alive\n\n"), "{text}");
    let (chunks, done) = r.chunks();
    assert!(done, "{text}");
    assert_eq!(streamed_text(&chunks), "Hello from slow-start.");
    s.stop();
}

#[test]
fn a_client_that_stops_reading_is_cut_without_slowing_anyone_else() {
    // An answer far larger than the socket buffers and the server's bounded queue.
    let big = json!({"text": "x".repeat(8 << 20), "chunk_chars": 16_384});
    let mut w = World::with_server(json!({"models": {"big": big}}));
    let s = Serve::start(&mut w, &["--max-answer-mb", "64"]);
    let mut c = open_stream(&s.addr, "openai/big");
    read_until(&mut c, "\"content\":\"xxxx");
    // The client reads no more. Others are answered meanwhile, at once.
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let r = s.post("/v1/chat/completions", &chat("openai/gpt-4o-mini", "hi"));
        assert_eq!(r.status, 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    // After 30 s without taking a byte the stalled client is cut and its request cancelled.
    std::thread::sleep(Duration::from_secs(31));
    // Nothing is left in flight: the stop is at once (not the 10 s drain of a running stream).
    let stopping = std::time::Instant::now();
    let out = s.stop();
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "{:?}",
        stopping.elapsed()
    );
    drop(c);
    assert!(out.stderr.contains("error=cancelled"), "{}", out.stderr);
    let rows = serve_rows(&w);
    let cancelled: Vec<&Value> = rows
        .iter()
        .filter(|r| r["error_kind"] == "cancelled")
        .collect();
    assert_eq!(cancelled.len(), 1, "{rows:?}");
}

/// `n` plain chat requests to `model` at once, each on its own connection; their statuses.
fn at_once(s: &Serve, model: &str, n: usize) -> Vec<u16> {
    let handles: Vec<_> = (0..n)
        .map(|_| spawn_post(&s.addr, &chat(model, "hi")))
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap().status)
        .collect()
}

#[test]
fn upstream_requests_in_flight_are_bounded_by_j_and_each_providers_limit() {
    let slow = json!({"ttft_ms": 150});
    let mut w = World::with_server(json!({"models": {"slow": slow}}));
    let s = Serve::start(&mut w, &["-j", "3"]);
    assert!(at_once(&s, "openai/slow", 12).iter().all(|&c| c == 200));
    let most = w.server.as_ref().unwrap().most_in_flight();
    assert!((2..=3).contains(&most), "{most} at once under -j 3");
    s.stop();
    // A provider's own `concurrency` holds across every client too.
    let mut w = World::with_server(json!({"models": {"slow": slow}}));
    w.config("[providers.openai]\nconcurrency = 1\n");
    let s = Serve::start(&mut w, &[]);
    assert!(at_once(&s, "openai/slow", 6).iter().all(|&c| c == 200));
    assert_eq!(w.server.as_ref().unwrap().most_in_flight(), 1);
    s.stop();
}

#[test]
fn a_model_allowlist_in_the_config_refuses_the_others() {
    let mut w = World::with_server(json!({}));
    w.config("[serve]\nmodels = [\"openai/gpt-4o-mini\"]\n");
    let s = Serve::start(&mut w, &[]);
    assert_eq!(
        s.post("/v1/chat/completions", &chat("openai/gpt-4o-mini", "hi"))
            .status,
        200
    );
    let r = s.post(
        "/v1/chat/completions",
        &chat("anthropic/claude-sonnet-4-5", "hi"),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "model_not_allowed");
    let ids: Vec<String> = s.get("/v1/models").json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["openai/gpt-4o-mini"]);
    s.stop();
}

#[test]
fn a_stderr_nobody_reads_never_stalls_the_server() {
    let mut w = World::with_server(json!({}));
    w.set("LLMX_SERVE_TOKEN", TOKEN);
    // stderr piped and not read until the end: its buffer fills after a few hundred lines.
    let mut child = w.spawn(&["serve", "--port", "0", "--no-history"]);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .trim_start_matches("listening on http://")
        .trim_end_matches("/v1")
        .to_string();
    let bearer = format!("Bearer {TOKEN}");
    let body = chat("openai/gpt-4o-mini", "hi").to_string();
    let started = std::time::Instant::now();
    for _ in 0..1500 {
        let r = raw(
            &addr,
            "POST",
            "/v1/chat/completions",
            &[("host", &addr), ("authorization", &bearer)],
            body.as_bytes(),
        );
        assert_eq!(r.status, 200);
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    send_signal(&child, "TERM");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(err.lines().count() > 100, "{err}");
}

#[test]
fn a_client_that_abandons_a_plain_request_leaves_a_cancelled_row_and_a_499_line() {
    let mut w = World::with_server(json!({"models": {"slow": {"ttft_ms": 1500}}}));
    let s = Serve::start(&mut w, &[]);
    let body = chat("openai/slow", "hi").to_string();
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(
        c,
        "POST /v1/chat/completions HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {TOKEN}\r\n\
         content-length: {}\r\n\r\n{body}",
        s.addr,
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(c);
    std::thread::sleep(Duration::from_millis(300));
    let out = s.stop();
    assert!(
        out.stderr.contains(" 499 ") && out.stderr.contains("error=cancelled"),
        "{}",
        out.stderr
    );
    let rows = serve_rows(&w);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["error_kind"], "cancelled");
}

/// An Anthropic Messages request to the server, with the token as `x-api-key`.
fn messages(s: &Serve, body: &Value) -> Reply {
    s.request(
        "POST",
        "/v1/messages?beta=true",
        &[("x-api-key", TOKEN), ("anthropic-version", "2023-06-01")],
        body.to_string().as_bytes(),
    )
}

/// An Anthropic stream's events: (event name, data).
fn anthropic_events(r: &Reply) -> Vec<(String, Value)> {
    r.text()
        .split("\n\n")
        .filter_map(|e| {
            let name = e.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = e.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_string(), serde_json::from_str(data).unwrap()))
        })
        .collect()
}

#[test]
fn anthropic_messages_in_from_any_model_plain_and_streamed() {
    let tool = json!({"text": "", "tool_calls": [{"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}]});
    let mut w = World::with_server(json!({"models": {
        "tooly": tool,
        "cut": {"text": "one two three four five six", "chunk_chars": 4,
                "failures": [{"kind": "cut_after", "chunks": 2}, {"kind": "cut_after", "chunks": 2},
                    {"kind": "cut_after", "chunks": 2}]},
    }}));
    let s = Serve::start(&mut w, &["--retries", "0"]);
    for (model, id) in MODELS {
        let body = json!({"model": model, "max_tokens": 100, "system": "Be brief.",
            "messages": [{"role": "user", "content": "hi"}]});
        let r = messages(&s, &body);
        assert_eq!(r.status, 200, "{model}: {}", r.text());
        let v = r.json();
        assert_eq!(v["type"], "message");
        assert_eq!(v["role"], "assistant");
        assert_eq!(
            v["content"][0],
            json!({"type": "text", "text": format!("Hello from {id}.")})
        );
        assert_eq!(v["stop_reason"], "end_turn");
        assert_eq!(v["usage"]["input_tokens"], 10);
        assert_eq!(v["usage"]["output_tokens"], 3);
        // Streamed: Anthropic's event order exactly.
        let mut body = body.clone();
        body["stream"] = json!(true);
        let r = messages(&s, &body);
        assert_eq!(r.status, 200);
        // `ping` may come anywhere (an Anthropic upstream's own stream has one early).
        let ev: Vec<(String, Value)> = anthropic_events(&r)
            .into_iter()
            .filter(|(n, _)| n != "ping")
            .collect();
        let names: Vec<&str> = ev.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.first(), Some(&"message_start"), "{names:?}");
        assert!(
            ev[0].1["message"]["usage"]["input_tokens"]
                .as_u64()
                .unwrap()
                > 0,
            "{}",
            ev[0].1
        );
        assert_eq!(names[1], "content_block_start");
        assert_eq!(ev[1].1["content_block"]["type"], "text");
        let n = names.len();
        assert_eq!(
            &names[n - 3..],
            ["content_block_stop", "message_delta", "message_stop"],
            "{names:?}"
        );
        assert!(
            names[2..n - 3].iter().all(|n| *n == "content_block_delta"),
            "{names:?}"
        );
        let text: String = ev
            .iter()
            .filter_map(|(_, d)| d["delta"]["text"].as_str())
            .collect();
        assert_eq!(text, format!("Hello from {id}."));
        assert_eq!(ev[n - 2].1["delta"]["stop_reason"], "end_turn");
        assert_eq!(ev[n - 2].1["usage"]["output_tokens"], 3);
    }
    // What the conversation does not carry from this wire is named.
    let body = json!({"model": "openai/gpt-4o-mini", "max_tokens": 100, "top_k": 5,
        "thinking": {"type": "adaptive"}, "messages": [{"role": "user", "content": "hi"}]});
    let r = messages(&s, &body);
    let notes = r.header("x-llmx-notes").unwrap_or_default().to_string();
    assert!(
        notes.contains("`thinking`") && notes.contains("`top_k`"),
        "{notes}"
    );
    // The system text reached the OpenAI upstream as its system message.
    let sent = w
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/chat/completions")
        .unwrap()
        .json();
    assert_eq!(
        sent["messages"][0],
        json!({"role": "system", "content": "Be brief."})
    );

    // A tool call streams as a tool_use block whose input_json_delta pieces are its JSON.
    for provider in ["openai", "anthropic", "gemini"] {
        let body = json!({"model": format!("{provider}/tooly"), "max_tokens": 100, "stream": true,
            "tools": [{"name": "get_weather", "input_schema": {"type": "object",
                "properties": {"city": {"type": "string"}}}}],
            "messages": [{"role": "user", "content": "Weather in Paris?"}]});
        let ev = anthropic_events(&messages(&s, &body));
        let start = ev
            .iter()
            .find(|(n, d)| n == "content_block_start" && d["content_block"]["type"] == "tool_use")
            .expect("a tool_use block");
        assert_eq!(start.1["content_block"]["name"], "get_weather");
        let json: String = ev
            .iter()
            .filter_map(|(_, d)| d["delta"]["partial_json"].as_str())
            .collect();
        assert_eq!(
            serde_json::from_str::<Value>(&json).unwrap(),
            json!({"city": "Paris"}),
            "{provider}"
        );
        let delta = ev.iter().find(|(n, _)| n == "message_delta").unwrap();
        assert_eq!(delta.1["delta"]["stop_reason"], "tool_use");
    }
    // A tool result goes back to an OpenAI upstream as its tool message.
    let body = json!({"model": "openai/gpt-4o-mini", "max_tokens": 100, "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "21 C"}]},
    ]});
    assert_eq!(messages(&s, &body).status, 200);
    let sent = last_post(&w);
    assert_eq!(sent["messages"][1]["tool_calls"][0]["id"], "toolu_1");
    assert_eq!(
        sent["messages"][2],
        json!({"role": "tool", "tool_call_id": "toolu_1", "content": "21 C"})
    );

    // A failure after the first block: an `error` event, no message_stop (each upstream).
    for provider in ["openai", "anthropic", "gemini"] {
        let body = json!({"model": format!("{provider}/cut"), "max_tokens": 100, "stream": true,
            "messages": [{"role": "user", "content": "hi"}]});
        let ev = anthropic_events(&messages(&s, &body));
        let names: Vec<&str> = ev.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.last(), Some(&"error"), "{provider}: {names:?}");
        assert!(
            names.contains(&"content_block_delta"),
            "{provider}: {names:?}"
        );
        assert!(!names.contains(&"message_stop"));
        assert_eq!(ev.last().unwrap().1["type"], "error");
    }

    // Errors in Anthropic's envelope.
    let r = s.request("POST", "/v1/messages", &[], b"{}");
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"type": "error", "error": {"type": "authentication_error",
        "message": r.json()["error"]["message"]}})
    );
    let r = messages(
        &s,
        &json!({"model": "gpt-4o-minii", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(r.json()["error"]["type"], "not_found_error");

    // count_tokens: estimated, and said so.
    let r = s.request("POST", "/v1/messages/count_tokens", &[("x-api-key", TOKEN)],
        json!({"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hello there, how are you?"}]}).to_string().as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["input_tokens"].as_u64().unwrap() > 0);
    assert_eq!(r.header("x-llmx-estimated"), Some("true"));
    // For an Anthropic model it is Anthropic's own count: the body and headers as they came
    // (only `model` changed), the answer as it came.
    let body = json!({"model": "anthropic/claude-sonnet-4-5", "system": "Be brief.",
        "messages": [{"role": "user", "content": "Hello there, how are you?"}]});
    let r = s.request(
        "POST",
        "/v1/messages/count_tokens?beta=true",
        &[
            ("x-api-key", TOKEN),
            ("anthropic-version", "2023-06-01"),
            ("anthropic-beta", "token-counting-2024-11-01"),
        ],
        body.to_string().as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-llmx-estimated"), None);
    let reqs = w.requests();
    let sent = reqs
        .iter()
        .find(|q| q.path == "/v1/messages/count_tokens")
        .expect("forwarded");
    let mut want = body.clone();
    want["model"] = json!("claude-sonnet-4-5");
    assert_eq!(sent.json(), want);
    assert_eq!(
        sent.header("anthropic-beta"),
        Some("token-counting-2024-11-01")
    );
    assert_ne!(sent.header("x-api-key"), Some(TOKEN));
    let mock = w.requests_url().trim_start_matches("http://").to_string();
    let direct = raw(
        &mock,
        "POST",
        "/v1/messages/count_tokens",
        &[("host", mock.as_str()), ("x-api-key", "k")],
        want.to_string().as_bytes(),
    );
    assert_eq!(r.text(), direct.text());

    // The model list in Anthropic's shape for Anthropic's clients.
    let r = s.request(
        "GET",
        "/v1/models",
        &[("x-api-key", TOKEN), ("anthropic-version", "2023-06-01")],
        b"",
    );
    let v = r.json();
    assert_eq!(v["data"][0]["type"], "model");
    assert_eq!(v["has_more"], false);
    assert_eq!(v["first_id"], v["data"][0]["id"]);
    s.stop();
}

#[test]
fn stream_shapes_for_two_tools_and_for_thinking_in_both_wires() {
    let two = json!({"text": "", "tool_calls": [
        {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
        {"name": "get_time", "arguments": "{\"tz\":\"CET\"}"},
    ]});
    let thinker = json!({"reasoning": "Let me think.", "text": "Done."});
    let mut w = World::with_server(json!({"models": {"two": two, "thinker": thinker}}));
    let s = Serve::start(&mut w, &[]);
    let tools_openai = json!([
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}},
        {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
    ]);
    let tools_anthropic = json!([
        {"name": "get_weather", "input_schema": {"type": "object"}},
        {"name": "get_time", "input_schema": {"type": "object"}},
    ]);
    for provider in ["openai", "anthropic", "gemini"] {
        let model = format!("{provider}/two");
        // OpenAI chunks: each call its own index, id and name first, then its arguments.
        let body = json!({"model": model, "stream": true, "tools": tools_openai,
            "messages": [{"role": "user", "content": "both"}]});
        let (chunks, done) = s.post("/v1/chat/completions", &body).chunks();
        assert!(done);
        let deltas: Vec<&Value> = chunks
            .iter()
            .filter_map(|c| c["choices"][0]["delta"]["tool_calls"].get(0))
            .collect();
        let heads: Vec<(u64, &str)> = deltas
            .iter()
            .filter(|d| d["id"].is_string())
            .map(|d| {
                (
                    d["index"].as_u64().unwrap(),
                    d["function"]["name"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(heads, [(0, "get_weather"), (1, "get_time")], "{provider}");
        let args = |i: u64| -> Value {
            let t: String = deltas
                .iter()
                .filter(|d| d["index"] == i)
                .filter_map(|d| d["function"]["arguments"].as_str())
                .collect();
            serde_json::from_str(&t).unwrap()
        };
        assert_eq!(
            (args(0), args(1)),
            (json!({"city": "Paris"}), json!({"tz": "CET"}))
        );
        // Anthropic events: two tool_use blocks, indexed in order, each closed.
        let body = json!({"model": model, "max_tokens": 50, "stream": true, "tools": tools_anthropic,
            "messages": [{"role": "user", "content": "both"}]});
        let ev = anthropic_events(&messages(&s, &body));
        // (An Anthropic upstream's own stream opens an empty text block first.)
        let starts: Vec<(u64, &str)> = ev
            .iter()
            .filter(|(n, d)| n == "content_block_start" && d["content_block"]["type"] == "tool_use")
            .map(|(_, d)| {
                (
                    d["index"].as_u64().unwrap(),
                    d["content_block"]["name"].as_str().unwrap(),
                )
            })
            .collect();
        let first = if provider == "anthropic" { 1 } else { 0 };
        assert_eq!(
            starts,
            [(first, "get_weather"), (first + 1, "get_time")],
            "{provider}"
        );
        let opened = ev
            .iter()
            .filter(|(n, _)| n == "content_block_start")
            .count();
        let stops = ev.iter().filter(|(n, _)| n == "content_block_stop").count();
        assert_eq!(stops, opened);
    }
    // Thinking then text on the Messages wire: from an Anthropic upstream (its own events)
    // the thinking block carries its signature before it closes; from another upstream the
    // reasoning is a thinking block of llmx's with no signature. Then the text block follows.
    for (model, signed) in [("anthropic/thinker", true), ("openai/thinker", false)] {
        let body = json!({"model": model, "max_tokens": 50, "stream": true,
            "messages": [{"role": "user", "content": "hi"}]});
        let ev = anthropic_events(&messages(&s, &body));
        let mut shape: Vec<String> = ev
            .iter()
            .filter(|(n, _)| n != "ping")
            .map(|(n, d)| match n.as_str() {
                "content_block_start" => {
                    format!("start:{}", d["content_block"]["type"].as_str().unwrap())
                }
                "content_block_delta" => {
                    format!("delta:{}", d["delta"]["type"].as_str().unwrap())
                }
                other => other.to_string(),
            })
            .collect::<Vec<_>>();
        shape.dedup();
        let mut want = vec![
            "message_start",
            "start:thinking",
            "delta:thinking_delta",
            "delta:signature_delta",
            "content_block_stop",
            "start:text",
            "delta:text_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ];
        if !signed {
            want.retain(|k| *k != "delta:signature_delta");
        }
        assert_eq!(shape, want, "{model}");
    }
    s.stop();
}

#[test]
fn messages_to_anthropic_go_through_as_they_came() {
    let limited = json!({"kind": "status", "status": 429,
        "message": "Number of request tokens has exceeded your per-minute rate limit"});
    let mut w = World::with_server(json!({"models": {
        "thinker": {"reasoning": "Let me think.", "text": "Done."},
        // One failure for the server's request, one for the direct one.
        "limited": {"failures": [limited.clone(), limited]},
    }}));
    let s = Serve::start(&mut w, &["--retries", "0"]);
    let mock = w.requests_url().trim_start_matches("http://").to_string();
    let direct = |body: &Value| {
        raw(
            &mock,
            "POST",
            "/v1/messages",
            &[
                ("host", mock.as_str()),
                ("x-api-key", "k"),
                ("anthropic-version", "2023-06-01"),
            ],
            body.to_string().as_bytes(),
        )
    };
    let beta = "interleaved-thinking-2025-05-14,context-management-2025-06-27";
    let ask = |body: &Value| {
        s.request(
            "POST",
            "/v1/messages?beta=true",
            &[
                ("x-api-key", TOKEN),
                ("anthropic-version", "2023-06-01"),
                ("anthropic-beta", beta),
            ],
            body.to_string().as_bytes(),
        )
    };
    // Fields llmx's conversation does not carry, and a block form it would flatten.
    let body = json!({"model": "anthropic/thinker", "max_tokens": 100, "stream": true,
        "thinking": {"type": "enabled", "budget_tokens": 50}, "top_k": 5,
        "context_management": {"edits": []}, "metadata": {"user_id": "u1"},
        "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "hi"}]});
    for stream in [true, false] {
        let mut body = body.clone();
        body["stream"] = json!(stream);
        let r = ask(&body);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("x-llmx-notes"), None, "nothing was dropped");
        // The upstream got the body as it came, only `model` changed, with the client's
        // version and beta headers and llmx's key (never the client's token).
        let got = w.requests();
        let sent = got.iter().rev().find(|q| q.path == "/v1/messages").unwrap();
        let mut want = body.clone();
        want["model"] = json!("thinker");
        assert_eq!(sent.json(), want);
        assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
        assert_eq!(sent.header("anthropic-beta"), Some(beta));
        assert_ne!(sent.header("x-api-key"), Some(TOKEN));
        // The answer came back as the upstream sent it, byte for byte.
        let d = direct(&want);
        assert_eq!(d.status, 200);
        assert_eq!(r.text(), d.text(), "stream: {stream}");
    }
    // An upstream error: its status and its body as they came (Claude Code reads the wording).
    let mut body = body.clone();
    body["model"] = json!("anthropic/limited");
    body["stream"] = json!(false);
    let r = ask(&body);
    let mut direct_body = body.clone();
    direct_body["model"] = json!("limited");
    let d = direct(&direct_body);
    assert_eq!((r.status, d.status), (429, 429));
    assert_eq!(r.text(), d.text());
    assert!(r.text().contains("per-minute rate limit"), "{}", r.text());
    // The history keeps the answers, usage and all.
    s.stop();
    let rows = serve_rows(&w);
    let tokens: Vec<&Value> = rows
        .iter()
        .filter(|r| r["model"] == "anthropic/thinker")
        .map(|r| &r["output_tokens"])
        .collect();
    assert_eq!(tokens.len(), 2, "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r["notes"].to_string().contains("wire: anthropic")),
        "{rows:?}"
    );
    assert!(
        tokens.iter().all(|t| t.as_u64().is_some_and(|n| n > 0)),
        "{rows:?}"
    );
}

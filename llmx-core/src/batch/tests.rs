//! The batch client against the mock server's OpenAI and Anthropic Batch APIs (whose shapes
//! tests/cli/sdk.rs checks with the official SDKs).

use std::collections::HashMap;
use std::time::Duration;

use llmx_mock::MockServer;
use serde_json::{json, Value};

use super::*;
use crate::provider::http::HttpClient;
use crate::provider::{ErrorKind, Message, Registry};
use crate::secret::Secret;

fn server(batch: Value) -> MockServer {
    MockServer::start(serde_json::from_value(json!({"batch": batch})).unwrap()).unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn target(s: &MockServer, provider: &str, model: &str) -> Target {
    let base = if provider == "openai" {
        format!("{}/v1", s.url())
    } else {
        s.url()
    };
    Target {
        provider: Registry::builtin().get(provider).unwrap().clone(),
        model: model.into(),
        base_url: base,
        key: Some(Secret::new("sk-batch-test-key-0123456789")),
        aws: None,
        google: None,
    }
}

fn request(model: &str, i: usize) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        messages: vec![Message::user(format!("prompt {i}"))],
        ..Default::default()
    }
}

/// `n` cells of prompts p1..pn: their custom ids and lines.
fn cells(t: &Target, api: Api, n: usize) -> (Vec<String>, Vec<String>) {
    (1..=n)
        .map(|i| {
            let id = custom_id("run-0123456789abcdef", &format!("p{i}"), &t.model, 1);
            let line = line_text(api, &id, t, &request(&t.model, i));
            (id, line)
        })
        .unzip()
}

async fn ended(http: &HttpClient, t: &Target, api: Api, id: &str) -> Status {
    for _ in 0..500 {
        let s = status(http, t, api, id).await.unwrap();
        if matches!(s.state, State::Ended | State::Failed(_)) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("batch {id} never ended");
}

async fn all_results(
    http: &HttpClient,
    t: &Target,
    api: Api,
    s: &Status,
    ids: &[String],
) -> HashMap<String, Outcome> {
    let mut got = HashMap::new();
    results(http, t, api, s, ids, &mut |i| {
        assert!(
            got.insert(i.custom_id.clone(), i.outcome).is_none(),
            "{} twice",
            i.custom_id
        );
    })
    .await
    .unwrap();
    got
}

#[test]
fn custom_ids_fit_every_provider_and_name_their_cell() {
    let a = custom_id("0a1b2c3d4e5f6789", "prompt-1", "openai/gpt-4o-mini", 1);
    assert!(a.len() <= 64);
    assert!(
        a.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{a}"
    );
    assert_eq!(
        a,
        custom_id("0a1b2c3d4e5f6789", "prompt-1", "openai/gpt-4o-mini", 1)
    );
    assert_ne!(
        a,
        custom_id("0a1b2c3d4e5f6789", "prompt-1", "openai/gpt-4o-mini", 2)
    );
    assert_ne!(
        a,
        custom_id("0a1b2c3d4e5f6789", "prompt-2", "openai/gpt-4o-mini", 1)
    );
    assert_ne!(
        a,
        custom_id("0a1b2c3d4e5f6789", "prompt-1", "anthropic/claude", 1)
    );
    // The separator keeps the parts apart.
    assert_ne!(custom_id("r", "ab", "c", 1), custom_id("r", "a", "bc", 1));
}

#[test]
fn both_apis_answer_every_cell_as_the_live_path_would_joined_by_custom_id() {
    let s = server(json!({"finish_ms": 120, "error_every": 3, "expire_every": 5}));
    let http = HttpClient::untimed().unwrap();
    rt().block_on(async {
        for (provider, model, api) in [
            ("openai", "gpt-4o-mini", Api::OpenAi),
            ("anthropic", "claude-sonnet-4-5", Api::Anthropic),
            ("gemini", "gemini-2.5-flash", Api::Gemini),
        ] {
            let t = target(&s, provider, model);
            assert_eq!(Api::of(&t), Some(api));
            let (ids, lines) = cells(&t, api, 6);
            // Each line is the request the live path sends unstreamed.
            let mut live = request(model, 1);
            live.stream = false;
            let body = crate::provider::build_request(&t.provider, &t.base_url, &live).body;
            let first: Value = serde_json::from_str(&lines[0]).unwrap();
            let sent = match api {
                Api::OpenAi | Api::Together => &first["body"],
                Api::Anthropic => &first["params"],
                Api::Gemini => &first["request"],
            };
            assert_eq!(sent, &body, "{provider}");
            let id = submit(&http, &t, api, &mut lines.iter().cloned(), "intent-1")
                .await
                .unwrap();
            let st = ended(&http, &t, api, &id).await;
            assert_eq!(
                (st.total, st.succeeded, st.failed),
                (6, 3, 3),
                "{provider}: {st:?}"
            );
            let got = all_results(&http, &t, api, &st, &ids).await;
            assert_eq!(got.len(), 6, "{provider}");
            for (i, cid) in ids.iter().enumerate() {
                let n = i + 1;
                match &got[cid] {
                    Outcome::Answer {
                        response,
                        request_id,
                    } => {
                        assert!(n % 3 != 0 && n % 5 != 0, "{provider}: cell {n} answered");
                        assert_eq!(response.text, format!("Hello from {model}."));
                        assert_eq!(response.usage.input_tokens, Some(10));
                        assert_eq!(response.usage.output_tokens, Some(3));
                        assert!(request_id.is_some());
                    }
                    Outcome::Expired => assert_eq!(n, 5, "{provider}"),
                    // Gemini expires whole batches, not requests: the mock fails the 5th.
                    Outcome::Failed(e) if api == Api::Gemini && n == 5 => {
                        assert_eq!(e.kind, ErrorKind::BadRequest, "{e:?}")
                    }
                    Outcome::Failed(e) => {
                        assert_eq!(n % 3, 0, "{provider}: cell {n} failed: {e:?}");
                        assert_eq!(e.kind, ErrorKind::BadRequest, "{provider}: {e:?}");
                    }
                    Outcome::Cancelled => panic!("{provider}: cell {n} cancelled"),
                }
            }
        }
    });
    // The file OpenAI got holds exactly the lines, one a line.
    let upload = s
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/files")
        .expect("an upload");
    let text = String::from_utf8_lossy(&upload.body).into_owned();
    assert!(text.contains("name=\"purpose\"\r\n\r\nbatch\r\n"), "{text}");
    assert_eq!(text.matches("\"custom_id\"").count(), 6);
    let create = s
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/batches" && r.method == "POST")
        .unwrap()
        .json();
    assert_eq!(create["endpoint"], "/v1/chat/completions");
    assert_eq!(create["completion_window"], "24h");
    assert_eq!(create["metadata"]["llmx_intent"], "intent-1");
    // Every request carried the provider's key, as the live path sends it.
    for r in s.requests() {
        let auth = r
            .header("authorization")
            .or(r.header("x-api-key"))
            .or(r.header("x-goog-api-key"))
            .unwrap_or_default();
        assert!(auth.contains("sk-batch-test-key-0123456789"), "{}", r.path);
    }
}

#[test]
fn a_lost_batch_is_found_by_its_intent_and_cancelling_stops_what_has_not_run() {
    let s = server(json!({"finish_ms": 2000}));
    let http = HttpClient::untimed().unwrap();
    rt().block_on(async {
        let t = target(&s, "openai", "gpt-4o-mini");
        let (_, lines) = cells(&t, Api::OpenAi, 3);
        let id = submit(
            &http,
            &t,
            Api::OpenAi,
            &mut lines.iter().cloned(),
            "intent-lost",
        )
        .await
        .unwrap();
        assert_eq!(
            find(&http, &t, Api::OpenAi, "intent-lost").await.unwrap(),
            Some(id.clone())
        );
        assert_eq!(
            find(&http, &t, Api::OpenAi, "intent-other").await.unwrap(),
            None
        );
        let c = cancel(&http, &t, Api::OpenAi, &id).await.unwrap();
        assert_eq!(c.state, State::Cancelling);

        let t = target(&s, "anthropic", "claude-sonnet-4-5");
        let (ids, lines) = cells(&t, Api::Anthropic, 3);
        let id = submit(&http, &t, Api::Anthropic, &mut lines.iter().cloned(), "i")
            .await
            .unwrap();
        cancel(&http, &t, Api::Anthropic, &id).await.unwrap();
        let st = ended(&http, &t, Api::Anthropic, &id).await;
        let got = all_results(&http, &t, Api::Anthropic, &st, &ids).await;
        assert!(
            ids.iter().all(|c| matches!(got[c], Outcome::Cancelled)),
            "{got:?}"
        );

        // Gemini keeps the intent as the batch's display name.
        let t = target(&s, "gemini", "gemini-2.5-flash");
        let (_, lines) = cells(&t, Api::Gemini, 2);
        let id = submit(
            &http,
            &t,
            Api::Gemini,
            &mut lines.iter().cloned(),
            "intent-g",
        )
        .await
        .unwrap();
        assert_eq!(
            find(&http, &t, Api::Gemini, "intent-g").await.unwrap(),
            Some(id.clone())
        );
        let c = cancel(&http, &t, Api::Gemini, &id).await.unwrap();
        assert_eq!(
            (c.state, c.raw.as_str()),
            (State::Ended, "BATCH_STATE_CANCELLED")
        );
    });
}

#[test]
fn limits_refuse_a_batch_in_each_providers_own_way() {
    let s = server(json!({"finish_ms": 40, "max_requests": 4}));
    let http = HttpClient::untimed().unwrap();
    rt().block_on(async {
        // OpenAI takes the file, then fails the batch at validation.
        let t = target(&s, "openai", "gpt-4o-mini");
        let (_, lines) = cells(&t, Api::OpenAi, 5);
        let id = submit(&http, &t, Api::OpenAi, &mut lines.iter().cloned(), "big")
            .await
            .unwrap();
        let st = ended(&http, &t, Api::OpenAi, &id).await;
        match st.state {
            State::Failed(errors) => assert_eq!(errors[0].0, "too_many_tasks"),
            other => panic!("{other:?}"),
        }
        // Anthropic refuses it at once.
        let t = target(&s, "anthropic", "claude-sonnet-4-5");
        let (_, lines) = cells(&t, Api::Anthropic, 5);
        let e = submit(&http, &t, Api::Anthropic, &mut lines.iter().cloned(), "big")
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.status), (ErrorKind::BadRequest, Some(400)));
        // So does Gemini, as a payload too large.
        let t = target(&s, "gemini", "gemini-2.5-flash");
        let (_, lines) = cells(&t, Api::Gemini, 5);
        let e = submit(&http, &t, Api::Gemini, &mut lines.iter().cloned(), "big")
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.status), (ErrorKind::BadRequest, Some(400)));
        assert!(e.message.contains("payload size"), "{e:?}");
    });
}

#[test]
fn results_are_fetched_with_the_key_only_from_the_providers_origin() {
    let s = server(json!({}));
    let http = HttpClient::untimed().unwrap();
    let t = target(&s, "anthropic", "claude-sonnet-4-5");
    let elsewhere = Status {
        counted: true,
        state: State::Ended,
        raw: "ended".into(),
        total: 1,
        succeeded: 1,
        failed: 0,
        results: vec!["http://127.0.0.2:9/v1/messages/batches/x/results".into()],
    };
    let e = rt()
        .block_on(results(
            &http,
            &t,
            Api::Anthropic,
            &elsewhere,
            &[],
            &mut |_| {},
        ))
        .unwrap_err();
    assert!(e.message.contains("origin"), "{e:?}");
    assert!(s.requests().is_empty());
}

/// A job file of `n` cells of prompt p1..pn in one batch for `t`'s model.
fn job_of(t: &Target, n: u32) -> job::JobFile {
    use job::*;
    JobFile {
        version: VERSION,
        run_id: "run-0123456789abcdef".into(),
        rows: "out.csv".into(),
        grid: Grid {
            prompts: GridPrompts::from_records(
                &(1..=n)
                    .map(|i| GridPrompt {
                        id: format!("p{i}"),
                        text: None,
                        system: None,
                        expect: None,
                    })
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
            models: vec![GridModel {
                label: format!("{}/{}", t.provider.id, t.model),
                provider: t.provider.id.clone(),
                model: t.model.clone(),
            }],
            repeat: 1,
            request: None,
        },
        batches: vec![Batch {
            model: 0,
            intent: "run-0".into(),
            id: None,
            state: BatchState::Intent,
            cells: (1..=n)
                .map(|i| CellRef {
                    custom_id: custom_id("run-0123456789abcdef", &format!("p{i}"), &t.model, 1),
                    prompt: i - 1,
                    repeat: 1,
                })
                .collect(),
        }],
    }
}

fn lines_for<'a>(t: &'a Target, api: Api) -> impl Fn(&job::CellRef) -> String + 'a {
    move |c| {
        line_text(
            api,
            &c.custom_id,
            t,
            &request(&t.model, c.prompt as usize + 1),
        )
    }
}

#[test]
fn a_batch_refused_for_its_size_is_split_until_it_fits_and_every_cell_is_sent_once() {
    let s = server(json!({"finish_ms": 30, "max_requests": 4}));
    let http = HttpClient::untimed().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv.batch.json");
    let t = target(&s, "anthropic", "claude-sonnet-4-5");
    let mut j = job_of(&t, 10);
    let failed = rt()
        .block_on(job::create(
            &http,
            &t,
            Api::Anthropic,
            &mut j,
            &path,
            0,
            &lines_for(&t, Api::Anthropic),
        ))
        .unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    let mut sizes: Vec<usize> = j.batches.iter().map(|b| b.cells.len()).collect();
    sizes.sort();
    assert_eq!(sizes, [2, 2, 3, 3]);
    assert!(j
        .batches
        .iter()
        .all(|b| b.id.is_some() && b.state == job::BatchState::Submitted));
    let mut sent: Vec<String> = j
        .batches
        .iter()
        .flat_map(|b| b.cells.iter().map(|c| c.custom_id.clone()))
        .collect();
    sent.sort();
    sent.dedup();
    assert_eq!(sent.len(), 10);
    // The file on disk is the job as it ended.
    assert_eq!(job::JobFile::load(&path).unwrap(), j);
    // Each created batch holds exactly its cells.
    let created: Vec<usize> = s
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/messages/batches" && r.method == "POST")
        .map(|r| r.json()["requests"].as_array().unwrap().len())
        .collect();
    assert_eq!(created, [10, 5, 2, 3, 5, 2, 3]);
}

#[test]
fn a_batch_created_before_its_id_was_saved_is_found_not_paid_for_twice() {
    let s = server(json!({"finish_ms": 30}));
    let http = HttpClient::untimed().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv.batch.json");
    let t = target(&s, "openai", "gpt-4o-mini");
    let mut j = job_of(&t, 3);
    let lines = lines_for(&t, Api::OpenAi);
    // A process created it, then died before saving its id.
    let id = rt()
        .block_on(submit(
            &http,
            &t,
            Api::OpenAi,
            &mut j.batches[0].cells.iter().map(&lines),
            "run-0",
        ))
        .unwrap();
    let failed = rt()
        .block_on(job::create(
            &http,
            &t,
            Api::OpenAi,
            &mut j,
            &path,
            0,
            &lines,
        ))
        .unwrap();
    assert!(failed.is_empty());
    assert_eq!(j.batches[0].id.as_deref(), Some(id.as_str()));
    let creates = s
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/batches" && r.method == "POST")
        .count();
    assert_eq!(creates, 1, "the batch was created twice");
}

#[test]
fn a_gemini_batch_past_20_mb_goes_as_an_uploaded_file_and_its_responses_file_is_read() {
    let s = server(json!({"finish_ms": 40, "error_every": 7}));
    let http = HttpClient::untimed().unwrap();
    let t = target(&s, "gemini", "gemini-2.5-flash");
    // 41 prompts of 500 KB: past the 20 MB an inline batch may hold.
    let big = "x".repeat(500_000);
    let (ids, lines): (Vec<String>, Vec<String>) = (1..=41)
        .map(|i| {
            let id = custom_id("run-0123456789abcdef", &format!("p{i}"), &t.model, 1);
            let req = ChatRequest {
                model: t.model.clone(),
                messages: vec![Message::user(format!("{i} {big}"))],
                ..Default::default()
            };
            let line = line_text(Api::Gemini, &id, &t, &req);
            (id, line)
        })
        .unzip();
    assert!(lines.iter().map(String::len).sum::<usize>() > gemini::INLINE_BYTES);
    rt().block_on(async {
        let name = submit(
            &http,
            &t,
            Api::Gemini,
            &mut lines.iter().cloned(),
            "llmx-big-0",
        )
        .await
        .unwrap();
        let st = ended(&http, &t, Api::Gemini, &name).await;
        let got = all_results(&http, &t, Api::Gemini, &st, &ids).await;
        assert_eq!(got.len(), 41, "every cell once");
        let failed = got
            .values()
            .filter(|o| matches!(o, Outcome::Failed(_)))
            .count();
        assert_eq!(failed, 5, "every 7th request fails");
        // The mock fails the 7th, 14th, ... request and writes the file shuffled: the
        // failures land on exactly those cells only when joined by key.
        for (i, id) in ids.iter().enumerate() {
            let failed = matches!(got[id], Outcome::Failed(_));
            assert_eq!(failed, (i + 1) % 7 == 0, "cell {}", i + 1);
        }
    });
    let q = s.requests();
    // The resumable protocol: a start with the file's size and type, then the bytes at the
    // session URL, finalized; the batch names the file, and carries no inline requests.
    let start = q
        .iter()
        .find(|r| r.header("x-goog-upload-command") == Some("start"))
        .expect("an upload was started");
    assert_eq!(start.path, "/upload/v1beta/files");
    assert_eq!(start.header("x-goog-upload-protocol"), Some("resumable"));
    assert_eq!(start.json()["file"]["displayName"], "llmx-big-0");
    assert_eq!(
        start.header("x-goog-api-key"),
        Some("sk-batch-test-key-0123456789")
    );
    let bytes = q
        .iter()
        .find(|r| r.header("x-goog-upload-command") == Some("upload, finalize"))
        .expect("the bytes were sent");
    assert!(bytes.path.starts_with("/upload/v1beta/files?upload_id="));
    assert_eq!(
        start.header("x-goog-upload-header-content-length"),
        Some(bytes.body.len().to_string().as_str())
    );
    let file_lines: Vec<Value> = bytes
        .body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(file_lines.len(), 41);
    for (l, (id, line)) in file_lines.iter().zip(ids.iter().zip(&lines)) {
        let inline: Value = serde_json::from_str(line).unwrap();
        assert_eq!(l["key"], id.as_str());
        assert_eq!(
            l["request"], inline["request"],
            "the request as the live path builds it"
        );
    }
    let create = q
        .iter()
        .find(|r| r.path.ends_with(":batchGenerateContent"))
        .unwrap();
    let body = create.json();
    assert!(body["batch"]["inputConfig"]["fileName"]
        .as_str()
        .unwrap()
        .starts_with("files/"));
    assert!(body["batch"]["inputConfig"]["requests"].is_null());
    assert!(create.body.len() < 1000, "the prompts went in the file");
    assert!(q
        .iter()
        .any(|r| r.path.starts_with("/download/v1beta/files/")
            && r.path.ends_with(":download?alt=media")));
}

// The providers' documented examples (tests/fixtures/batch_docs, with their sources): what
// llmx sends has their shape, what they show llmx reads, and the mock's objects carry every
// field they show.

fn doc(provider: &str) -> Value {
    let text = match provider {
        "openai" => include_str!("../../../tests/fixtures/batch_docs/openai.json"),
        "anthropic" => include_str!("../../../tests/fixtures/batch_docs/anthropic.json"),
        _ => include_str!("../../../tests/fixtures/batch_docs/gemini.json"),
    };
    serde_json::from_str(text).unwrap()
}

/// A documented example as JSON: the OpenAPI spec's examples carry trailing commas, dropped
/// here (and nothing else changed).
fn example(d: &Value, name: &str) -> Value {
    let text = d["examples"][name].as_str().unwrap();
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(*c);
    }
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every key path of `documented` that `ours` lacks (arrays by their first element; a key
/// whose documented value is null may be missing or null).
fn missing(ours: &Value, documented: &Value, at: &str, out: &mut Vec<String>) {
    match documented {
        Value::Object(m) => {
            for (k, v) in m {
                let path = format!("{at}.{k}");
                match ours.get(k) {
                    Some(o) => missing(o, v, &path, out),
                    None if v.is_null() => {}
                    None => out.push(path),
                }
            }
        }
        Value::Array(a) => {
            if let (Some(d), Some(o)) = (a.first(), ours.as_array().and_then(|o| o.first())) {
                missing(o, d, &format!("{at}[0]"), out);
            }
        }
        _ => {}
    }
}

/// `GET url`, as JSON.
fn get_json(url: &str) -> Value {
    rt().block_on(async {
        let bytes = reqwest::Client::new()
            .get(url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    })
}

fn shape_gaps(ours: &Value, documented: &Value) -> Vec<String> {
    let mut out = Vec::new();
    missing(ours, documented, "", &mut out);
    out
}

#[test]
fn openais_documented_batch_objects_and_lines_are_read_and_sent_as_documented() {
    let d = doc("openai");
    // The batch object: completed, its counts and both result files.
    let st = openai::status_of(&example(&d, "batch_object"));
    assert_eq!(st.state, State::Ended);
    assert_eq!((st.total, st.succeeded, st.failed), (100, 95, 5));
    assert_eq!(st.results, ["file-cvaTdG", "file-HOWS94"]);
    assert_eq!(
        openai::status_of(&example(&d, "create_response")).state,
        State::Running
    );
    assert_eq!(
        openai::status_of(&example(&d, "cancel_response")).state,
        State::Cancelling
    );
    // An output line: the answer and its request id, joined by custom_id.
    let out = d["examples"]["output_line"].as_str().unwrap();
    let it = openai::item(out.as_bytes()).unwrap();
    assert_eq!(it.custom_id, "request-2");
    match it.outcome {
        Outcome::Answer {
            response,
            request_id,
        } => {
            assert_eq!(response.text, "2 + 2 equals 4.");
            assert_eq!(request_id.as_deref(), Some("req_c187b3"));
            assert_eq!(
                (response.usage.input_tokens, response.usage.output_tokens),
                (Some(24), Some(15))
            );
        }
        other => panic!("{other:?}"),
    }
    // An HTTP failure is under `response.body`, not `error`.
    let failed = d["examples"]["error_line"].as_str().unwrap();
    match openai::item(failed.as_bytes()).unwrap().outcome {
        Outcome::Failed(e) => {
            assert_eq!((e.kind, e.status), (ErrorKind::BadRequest, Some(400)));
            assert!(e.message.contains("max_tokens"), "{e:?}");
        }
        other => panic!("{other:?}"),
    }
    // The line llmx writes has the documented input object's fields.
    let s = server(json!({"finish_ms": 30}));
    let t = target(&s, "openai", "gpt-4o-mini");
    let ours = line(Api::OpenAi, "c1", &t, &request("gpt-4o-mini", 1));
    let documented = example(&d, "input_line");
    assert!(shape_gaps(&ours, &documented).is_empty(), "{ours}");
    assert_eq!(ours["method"], "POST");
    assert_eq!(ours["url"], "/v1/chat/completions");
    // The mock's batch object carries every documented field.
    let http = HttpClient::untimed().unwrap();
    let (ids, lines) = cells(&t, Api::OpenAi, 2);
    rt().block_on(async {
        let id = submit(&http, &t, Api::OpenAi, &mut lines.iter().cloned(), "i")
            .await
            .unwrap();
        ended(&http, &t, Api::OpenAi, &id).await;
        let _ = ids;
    });
    let got = s
        .requests()
        .iter()
        .rev()
        .find(|r| r.method == "GET" && r.path.starts_with("/v1/batches/"))
        .map(|r| r.path.clone())
        .unwrap();
    let body = get_json(&format!("{}{got}", s.url()));
    // The documented metadata's keys are a user's own.
    let mut documented = example(&d, "batch_object");
    documented["metadata"] = json!({});
    let gaps = shape_gaps(&body, &documented);
    assert!(gaps.is_empty(), "the mock's batch lacks {gaps:?}");
}

#[test]
fn anthropics_documented_batch_objects_and_results_are_read_and_sent_as_documented() {
    let d = doc("anthropic");
    let st = anthropic::status_of(&example(&d, "batch_object"));
    assert_eq!(st.state, State::Running);
    assert_eq!((st.total, st.succeeded, st.failed), (200, 50, 50));
    assert!(st.results[0].ends_with("/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results"));
    let lines = d["examples"]["results_lines"].as_str().unwrap();
    let items: Vec<Item> = lines
        .lines()
        .map(|l| anthropic::item(l.as_bytes()).unwrap())
        .collect();
    assert_eq!(items[0].custom_id, "my-second-request");
    assert_eq!(items[1].custom_id, "my-first-request");
    match &items[1].outcome {
        Outcome::Answer { response, .. } => {
            assert!(response
                .text
                .starts_with("Hello! How can I assist you today?"));
            assert_eq!(response.usage.output_tokens, Some(34));
        }
        other => panic!("{other:?}"),
    }
    let errored = d["examples"]["errored_line"].as_str().unwrap();
    match anthropic::item(errored.as_bytes()).unwrap().outcome {
        Outcome::Failed(e) => assert!(e.message.contains("max_tokens"), "{e:?}"),
        other => panic!("{other:?}"),
    }
    // The request llmx puts in a batch is the documented `{custom_id, params}`.
    let s = server(json!({"finish_ms": 30}));
    let t = target(&s, "anthropic", "claude-sonnet-4-5");
    let ours = line(Api::Anthropic, "c1", &t, &request("claude-sonnet-4-5", 1));
    let documented = &example(&d, "create_request")["requests"][0];
    assert!(shape_gaps(&ours, documented).is_empty(), "{ours}");
    // The mock's batch object carries every documented field.
    let http = HttpClient::untimed().unwrap();
    let (_, lines) = cells(&t, Api::Anthropic, 2);
    let id = rt().block_on(async {
        let id = submit(&http, &t, Api::Anthropic, &mut lines.iter().cloned(), "i")
            .await
            .unwrap();
        ended(&http, &t, Api::Anthropic, &id).await;
        id
    });
    let body = get_json(&format!("{}/v1/messages/batches/{id}", s.url()));
    let gaps = shape_gaps(&body, &example(&d, "batch_object"));
    assert!(gaps.is_empty(), "the mock's batch lacks {gaps:?}");
}

#[test]
fn geminis_documented_requests_files_and_operations_are_read_and_sent_as_documented() {
    let d = doc("gemini");
    let snake_to_camel = |v: &Value| -> Value {
        fn walk(v: &Value) -> Value {
            match v {
                Value::Object(m) => Value::Object(
                    m.iter()
                        .map(|(k, v)| {
                            let mut out = String::new();
                            let mut up = false;
                            for c in k.chars() {
                                if c == '_' {
                                    up = true;
                                } else if up {
                                    out.extend(c.to_uppercase());
                                    up = false;
                                } else {
                                    out.push(c);
                                }
                            }
                            (out, walk(v))
                        })
                        .collect(),
                ),
                Value::Array(a) => Value::Array(a.iter().map(walk).collect()),
                v => v.clone(),
            }
        }
        walk(v)
    };
    // An inline request as llmx writes it has the documented `{request, metadata: {key}}`.
    let s = server(json!({"finish_ms": 30}));
    let t = target(&s, "gemini", "gemini-2.5-flash");
    let ours = line(Api::Gemini, "c1", &t, &request("gemini-2.5-flash", 1));
    let inline = snake_to_camel(&example(&d, "inline_request"));
    let documented = &inline["batch"]["inputConfig"]["requests"]["requests"][0];
    assert!(shape_gaps(&ours, documented).is_empty(), "{ours}");
    // The documented inline requests, as lines of an input file, are the documented file lines.
    let mut file = Vec::new();
    for r in inline["batch"]["inputConfig"]["requests"]["requests"]
        .as_array()
        .unwrap()
    {
        gemini::file_line(&r.to_string(), &mut file).unwrap();
    }
    let ours: Vec<Value> = file
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let documented: Vec<Value> = d["examples"]["file_lines"]
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ours[0], documented[0]);
    assert!(shape_gaps(&ours[1], &documented[1]).is_empty());
    // A finished operation with a responses file, and a line of that file.
    let st = gemini::status_of(&example(&d, "operation_done"));
    assert_eq!(st.state, State::Ended);
    assert_eq!((st.total, st.succeeded), (2, 2));
    let line = example(&d, "output_file_line");
    let it = gemini::item(&line, line["key"].as_str().map(str::to_string), &[], 0).unwrap();
    assert_eq!(it.custom_id, "request-1");
    match it.outcome {
        Outcome::Answer { response, .. } => {
            assert!(response.text.starts_with("Photosynthesis is"));
            assert_eq!(response.usage.output_tokens, Some(14));
        }
        other => panic!("{other:?}"),
    }
    // The mock accepts the documented snake_case file request and answers with the documented
    // operation's fields.
    let http = HttpClient::untimed().unwrap();
    let (_, lines) = cells(&t, Api::Gemini, 2);
    let name = rt().block_on(async {
        let name = submit(&http, &t, Api::Gemini, &mut lines.iter().cloned(), "i")
            .await
            .unwrap();
        ended(&http, &t, Api::Gemini, &name).await;
        name
    });
    let op = get_json(&format!("{}/v1beta/{name}", s.url()));
    let mut documented = example(&d, "operation_done");
    // This batch was inline: its output is `inlinedResponses`, not a file.
    documented["metadata"]["output"] = json!({});
    documented["response"] = json!({"@type": documented["response"]["@type"]});
    let gaps = shape_gaps(&op, &documented);
    assert!(gaps.is_empty(), "the mock's operation lacks {gaps:?}");
}

#[test]
fn a_result_line_llmx_cannot_read_is_its_cells_error_or_ends_the_read() {
    // A line naming its cell in a shape llmx does not know: that cell's error, not a stall.
    for api in [Api::OpenAi, Api::Anthropic, Api::Together] {
        let it = read_line(
            api,
            br#"{"custom_id": "c1", "result": {"type": "new_kind"}, "response": {}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(it.custom_id, "c1");
        match it.outcome {
            Outcome::Failed(e) => {
                assert_eq!(e.kind, ErrorKind::Decode);
                assert!(e.message.contains("could not be read"), "{e:?}");
            }
            other => panic!("{api:?}: {other:?}"),
        }
        // Blank lines are nothing; a line naming no cell is an error.
        assert!(read_line(api, b"  ").unwrap().is_none());
        assert_eq!(
            read_line(api, b"not json").unwrap_err().kind,
            ErrorKind::Decode
        );
    }
    // Together's own error line, and OpenAI's shape, both read.
    let e = read_line(
        Api::Together,
        br#"{"custom_id": "c2", "error": {"message": "bad model", "type": "invalid_request_error"}}"#,
    )
    .unwrap()
    .unwrap();
    assert!(matches!(e.outcome, Outcome::Failed(ref x) if x.message.contains("bad model")));
}

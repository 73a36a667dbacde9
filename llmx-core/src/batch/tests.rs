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
                Api::OpenAi => &first["body"],
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
            prompts: (1..=n)
                .map(|i| GridPrompt {
                    id: format!("p{i}"),
                    text: None,
                    system: None,
                    expect: None,
                })
                .collect(),
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

//! The engine's two ways to run, on the offline mock and tokio's paused clock.

use std::time::Duration;

use super::*;
use crate::event::FnSink;
use crate::provider::{Message, Registry};

/// An engine over the built-in providers and the embedded catalog, with no keys.
pub(crate) fn engine() -> Engine {
    Engine::builder(Registry::builtin(), Arc::new(Catalog::embedded()))
        .build()
        .unwrap()
}

fn mock_job(model: &str, prompt: &str) -> Job {
    let provider = Registry::builtin().get("mock").unwrap().clone();
    Job {
        label: format!("mock/{model}"),
        links: vec![Link {
            target: Target {
                provider,
                model: model.into(),
                base_url: String::new(),
                key: None,
                aws: None,
                google: None,
            },
            preflight: None,
            notes: Vec::new(),
        }],
        request: ChatRequest {
            messages: vec![Message::user(prompt)],
            stream: true,
            ..Default::default()
        },
    }
}

/// Hands out `n` jobs; the first `warmup` of them must all finish before any other starts.
/// Notes the most it ever had running at once (handed out, result not yet told).
struct Counted {
    n: usize,
    warmup: usize,
    handed: usize,
    done: usize,
    running: usize,
    most: usize,
}

impl JobSource for Counted {
    fn next(&mut self) -> Next {
        if self.handed == self.n {
            return Next::End;
        }
        if self.handed >= self.warmup && self.done < self.warmup {
            return Next::Wait;
        }
        self.handed += 1;
        self.running += 1;
        self.most = self.most.max(self.running);
        Next::Job(
            self.handed - 1,
            Box::new(mock_job("m@100", &format!("prompt {}", self.handed))),
        )
    }

    fn finished(&mut self, _: &JobResult) {
        self.running -= 1;
        self.done += 1;
    }
}

#[tokio::test(start_paused = true)]
async fn a_streamed_run_keeps_nothing_and_holds_to_its_limit() {
    let engine = engine();
    let mut source = Counted {
        n: 50,
        warmup: 3,
        handed: 0,
        done: 0,
        running: 0,
        most: 0,
    };
    let mut finished = Vec::new();
    let mut sinks = Fanout::new();
    sinks.push(FnSink(|at: Duration, ev: &Event<'_>| {
        if let Event::JobFinished { result, .. } = ev {
            finished.push((result.index, at));
        }
        Ok(())
    }));
    let plan = [mock_job("m@100", "plan")];
    let opts = RunOptions {
        concurrency: Some(4),
        limits: CallLimits::default(),
        budget: None,
    };
    let outcome = engine
        .run_stream(&plan, &mut source, opts, &mut sinks, std::future::pending())
        .await;
    drop(sinks);
    assert!(
        outcome.results.is_empty(),
        "a streamed run keeps no results"
    );
    assert!(outcome.stopped.is_none());
    assert_eq!(finished.len(), 50);
    let mut indices: Vec<usize> = finished.iter().map(|f| f.0).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..50).collect::<Vec<_>>());
    assert_eq!(source.most, 4, "never more than -j at once");
    // The three warm-ups run together and end before the first measured job starts: the
    // measured ones finish at least one answer's time (100 ms to the first token) later.
    let warm_end = finished
        .iter()
        .filter(|f| f.0 < 3)
        .map(|f| f.1)
        .max()
        .unwrap();
    let first_measured = finished
        .iter()
        .filter(|f| f.0 >= 3)
        .map(|f| f.1)
        .min()
        .unwrap();
    assert!(
        first_measured >= warm_end + Duration::from_millis(100),
        "{warm_end:?} then {first_measured:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stop_drops_unfinished_jobs_of_a_streamed_run_but_cancels_them_in_a_kept_one() {
    let engine = engine();
    let jobs = [mock_job("fast", "a"), mock_job("slow@5000", "b")];
    let opts = RunOptions {
        concurrency: None,
        limits: CallLimits::default(),
        budget: None,
    };
    let stop = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Signal::Terminate
    };
    let mut labels = Vec::new();
    let mut sinks = Fanout::new();
    sinks.push(FnSink(|_, ev: &Event<'_>| {
        if let Event::JobFinished { result, .. } = ev {
            labels.push((result.label.clone(), result.cancelled()));
        }
        Ok(())
    }));
    let mut source = Slice {
        jobs: &jobs,
        next: 0,
    };
    let outcome = engine
        .run_stream(&jobs, &mut source, opts.clone(), &mut sinks, stop)
        .await;
    drop(sinks);
    assert!(matches!(
        outcome.stopped,
        Some(Stop::Signal(Signal::Terminate))
    ));
    assert_eq!(labels, [("mock/fast".to_string(), false)]);

    let stop = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Signal::Terminate
    };
    let mut sinks = Fanout::new();
    let kept = engine.run(&jobs, opts, &mut sinks, stop).await;
    let cancelled: Vec<bool> = kept.results.iter().map(JobResult::cancelled).collect();
    assert_eq!(cancelled, [false, true]);
}

#[tokio::test(start_paused = true)]
async fn inter_token_latency_is_the_mean_gap_after_the_first_chunk() {
    // The mock streams its first word after the given delay, then a word every 2 ms.
    let engine = engine();
    let job = mock_job("m@300", "one two three");
    let mut sinks = Fanout::new();
    let out = engine
        .run(
            std::slice::from_ref(&job),
            RunOptions::default(),
            &mut sinks,
            std::future::pending(),
        )
        .await;
    let r = &out.results[0];
    assert_eq!(r.ttft, Some(Duration::from_millis(300)));
    assert_eq!(r.itl, Some(Duration::from_millis(2)));

    let mut unstreamed = job.clone();
    unstreamed.request.stream = false;
    let out = engine
        .run(
            &[unstreamed],
            RunOptions::default(),
            &mut sinks,
            std::future::pending(),
        )
        .await;
    assert_eq!((out.results[0].ttft, out.results[0].itl), (None, None));
}

/// The engine is a value a server can share across threads, and a run on it is a future any
/// worker thread may poll: `tokio::spawn` on a multi-thread runtime compiles only if it is
/// `Send` (and `'static`, which owning the engine and the jobs makes it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_is_send_and_sync_and_a_run_can_be_spawned() {
    fn shared<T: Send + Sync + Clone + 'static>(_: &T) {}
    fn sendable<F: std::future::Future + Send>(f: F) -> F {
        f
    }
    let engine = engine();
    shared(&engine);
    let jobs = vec![mock_job("a", "one"), mock_job("b", "two")];
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    let e = engine.clone();
    let run = tokio::spawn(async move {
        let mut sinks = Fanout::new();
        sinks.push(FnSink(move |_, ev: &Event<'_>| {
            if let Event::JobFinished { .. } = ev {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            Ok(())
        }));
        let fut = sendable(e.run(
            &jobs,
            RunOptions::default(),
            &mut sinks,
            std::future::pending(),
        ));
        fut.await
    });
    let out = run.await.unwrap();
    assert_eq!(out.results.len(), 2);
    assert!(out.results.iter().all(|r| !r.failed()), "{:?}", out.results);
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 2);

    // The per-job call a request handler uses: events as they happen, the result last, from a
    // task of its own.
    let mut events = engine
        .call(mock_job("c", "three words here"), RunOptions::default())
        .unwrap();
    let handler = tokio::spawn(async move {
        let mut deltas = String::new();
        let mut last = None;
        while let Some(ev) = events.next().await {
            match ev {
                JobEvent::Delta(StreamEvent::TextDelta(t)) => deltas.push_str(&t),
                JobEvent::Finished(r) => last = Some(r),
                _ => {}
            }
        }
        (deltas, last)
    });
    let (deltas, last) = handler.await.unwrap();
    let r = last.expect("the stream ends with the result");
    assert_eq!(deltas, r.response.text, "the deltas are the answer");
    assert!(!r.failed());
}

/// A provider of the OpenAI dialect at the mock server, at most `concurrency` requests at once.
fn boxed_provider(url: &str, concurrency: Option<usize>) -> crate::provider::Provider {
    let mut p = Registry::builtin().get("openai").unwrap().clone();
    p.id = "box".into();
    p.base_url = format!("{url}/v1");
    p.concurrency = concurrency;
    p
}

fn box_job(p: &crate::provider::Provider, n: usize) -> Job {
    Job {
        label: format!("box/m{n}"),
        links: vec![Link {
            target: Target {
                provider: p.clone(),
                model: "slow".into(),
                base_url: p.base_url.clone(),
                key: None,
                aws: None,
                google: None,
            },
            preflight: None,
            notes: Vec::new(),
        }],
        request: ChatRequest {
            messages: vec![Message::user("x")],
            stream: true,
            ..Default::default()
        },
    }
}

/// Two runs at once on one engine: three jobs each to a provider with `concurrency = 1`. The
/// limit is the engine's, not the run's, so the server never has two requests in flight; the
/// same runs without the limit do overlap there (the test can tell).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_on_one_engine_share_a_providers_limit() {
    for (limit, overlap) in [(Some(1), false), (None, true)] {
        let server = llmx_mock::MockServer::start(
            serde_json::from_value(serde_json::json!({
                "models": {"slow": {"text": "ok then", "ttft_ms": 60}}
            }))
            .unwrap(),
        )
        .unwrap();
        let p = boxed_provider(&server.url(), limit);
        let engine = engine();
        let run = |first: usize| {
            let engine = engine.clone();
            let jobs: Vec<Job> = (first..first + 3).map(|n| box_job(&p, n)).collect();
            tokio::spawn(async move {
                let mut sinks = Fanout::new();
                engine
                    .run(
                        &jobs,
                        RunOptions::default(),
                        &mut sinks,
                        std::future::pending(),
                    )
                    .await
            })
        };
        let (a, b) = tokio::join!(run(0), run(3));
        for out in [a.unwrap(), b.unwrap()] {
            assert!(out.results.iter().all(|r| !r.failed()), "{:?}", out.results);
        }
        assert_eq!(server.requests().len(), 6);
        let most = server.most_in_flight();
        assert_eq!(most > 1, overlap, "limit {limit:?}: {most} at once");
    }
}

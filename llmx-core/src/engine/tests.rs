//! The engine's two ways to run, on the offline mock and tokio's paused clock.

use std::time::Duration;

use super::*;
use crate::engine::event::FnSink;
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
        if let Event::JobFinished { result } = ev {
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
        if let Event::JobFinished { result } = ev {
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

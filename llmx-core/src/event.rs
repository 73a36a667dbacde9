//! What the engine tells the rest of llmx while it runs, and who listens. The engine emits
//! timestamped [`Event`]s to a [`Fanout`] of [`Sink`]s — the progress display, `ask`'s streaming
//! writer, the output writers, the latency record — and knows nothing about any of them. A sink
//! may fail (a closed pipe, a full disk): the run then stops cleanly and the error names the
//! output that failed. Adding a sink never touches the engine.

use std::time::Duration;

use crate::job::{Job, JobResult};
use crate::provider::{ProviderError, StreamEvent};
use crate::row::Projected;

/// One thing that happened in a run. `job` is the job's index in the order given.
#[derive(Debug)]
pub enum Event<'a> {
    /// Before anything is sent.
    RunStarted { jobs: &'a [Job] },
    /// An HTTP request (or an offline answer) is about to start; `attempt` counts from 1 per link.
    AttemptStarted {
        job: usize,
        link: &'a str,
        attempt: u32,
    },
    /// The attempt failed in a way worth retrying; the next one starts after `wait`.
    RetryScheduled {
        job: usize,
        attempt: u32,
        wait: Duration,
        error: &'a ProviderError,
    },
    /// A link failed before delivering anything; the job moves on to the next one.
    FellBack {
        job: usize,
        from: &'a str,
        to: &'a str,
        error: &'a ProviderError,
    },
    /// The first token (text or reasoning) of the answer arrived, `ttft` after the attempt began.
    FirstToken { job: usize, ttft: Duration },
    /// A piece of the answer as it streamed in.
    Delta { job: usize, event: &'a StreamEvent },
    /// A job ended: answered, failed, or cancelled (with whatever text had arrived). `row` is
    /// its row, projected once for every sink that wants it.
    JobFinished {
        result: &'a JobResult,
        row: &'a Projected<'a>,
    },
    /// Every job has a result; `results` are in the order given.
    RunFinished {
        results: &'a [JobResult],
        stopped: Option<&'a Stop>,
        wall: Duration,
    },
}

/// Why a run ended before every job finished on its own.
#[derive(Debug)]
pub enum Stop {
    /// A signal asked llmx to stop.
    Signal(Signal),
    /// An output failed; the run stopped so no more money is spent on answers nobody can keep.
    Sink(SinkError),
}

/// The signals that end a run early; each keeps what finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
    /// SIGHUP (the terminal went away).
    Hangup,
}

impl Signal {
    /// 128 + the signal number, as shells report a process ended by it.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Hangup => 129,
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }
}

/// An output that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {output}: {source}")]
pub struct SinkError {
    /// The output, for the message: `stdout`, `` `results.csv` ``.
    pub output: String,
    #[source]
    pub source: std::io::Error,
}

impl SinkError {
    pub fn new(output: impl Into<String>, source: std::io::Error) -> SinkError {
        SinkError {
            output: output.into(),
            source,
        }
    }

    /// The reader went away (`| head`): stop quietly, it is not an error worth reporting.
    pub fn is_broken_pipe(&self) -> bool {
        self.source.kind() == std::io::ErrorKind::BrokenPipe
    }
}

/// Something that consumes a run's events. Sinks are `Send`, so a run's future is `Send` and a
/// server can run it on any worker thread.
pub trait Sink: Send {
    /// Handle one event, `at` after the run started. An error stops the run.
    fn event(&mut self, at: Duration, event: &Event<'_>) -> Result<(), SinkError>;
}

/// Sinks in order. A sink that fails gets no further events; the others carry on so they can
/// keep what finished.
#[derive(Default)]
pub struct Fanout<'a> {
    sinks: Vec<(Box<dyn Sink + 'a>, bool)>,
}

impl<'a> Fanout<'a> {
    pub fn new() -> Self {
        Fanout { sinks: Vec::new() }
    }

    pub fn push(&mut self, sink: impl Sink + 'a) -> &mut Self {
        self.sinks.push((Box::new(sink), true));
        self
    }

    pub fn push_boxed(&mut self, sink: Box<dyn Sink + 'a>) -> &mut Self {
        self.sinks.push((sink, true));
        self
    }

    /// Give `event` to every live sink; the first failure is returned (after the others ran).
    pub fn dispatch(&mut self, at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        let mut first = None;
        for (sink, alive) in &mut self.sinks {
            if !*alive {
                continue;
            }
            if let Err(e) = sink.event(at, event) {
                *alive = false;
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

/// A sink made of a closure, for small listeners and tests.
pub struct FnSink<F>(pub F);

impl<F> Sink for FnSink<F>
where
    F: FnMut(Duration, &Event<'_>) -> Result<(), SinkError> + Send,
{
    fn event(&mut self, at: Duration, event: &Event<'_>) -> Result<(), SinkError> {
        (self.0)(at, event)
    }
}

//! One call to one model, timed the same way for every dialect: latency from the answering
//! attempt's send to its last byte, time to first token at that attempt's first streamed token
//! (text or reasoning), and the call's total from its first send to its end, retries and their
//! waits included. Whatever arrived before a failure is kept in the outcome.
//!
//! What servers really do is settled here too: a `200` stream with no events is asked again
//! once without streaming (servers answer that with their real reason), a JSON body to a
//! streamed request is read as a whole answer, an answer with no text is an `empty` failure,
//! zero token counts beside a non-empty answer are unknown, and unknown counts are estimated
//! (and marked so).
//!
//! # The execution seam
//! How an attempt reaches a model is a [`Transport`]: [`HttpTransport`] sends it to the
//! provider's server, [`OfflineTransport`] answers it in-process (the `mock` provider). Both
//! hand what arrives to a [`Delivery`] (one streamed event at a time, or a whole answer), which
//! enforces the answer cap, measures time to first token, replaces echoed secrets and reports
//! each piece to the caller; every call then ends in the one [`settle`]. A transport that
//! answers later and in bulk (a provider's Batch API: submit many requests, poll, read the
//! results by id) is a third implementation whose `attempt` waits for its request's result and
//! hands it over whole: the retry loop, the events, `settle`, the engine and the sinks do not
//! change.

use std::time::Duration;

use tokio::time::Instant;

use super::error::{ErrorKind, Limit, ProviderError};
use super::http::HttpClient;
use super::registry::Provider;
use super::sse::SseReader;
use super::types::{ChatRequest, ChatResponse, StreamEvent};
use super::{build_request, mock};
use crate::secret::{Redactor, Secret};

/// A resolved model to call: which provider, which of its model ids, where, with which key.
#[derive(Debug, Clone)]
pub struct Target {
    pub provider: Provider,
    pub model: String,
    pub base_url: String,
    pub key: Option<Secret>,
    /// Bedrock's SigV4 signing, where its requests are signed rather than keyed.
    pub aws: Option<super::AwsSigning>,
    /// Vertex AI's OAuth2 credential, where there is no express-mode key.
    pub google: Option<std::sync::Arc<super::google_auth::GoogleAuth>>,
}

impl Target {
    /// Everything secret a request to this target carries.
    pub fn credentials(&self) -> super::Credentials {
        super::Credentials {
            aws: self.aws.clone(),
            google: self.google.clone(),
            ..super::Credentials::new(&self.provider, &self.base_url, self.key.clone())
        }
    }
}

/// What one call produced. `response` holds everything received, even when `error` is set.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    pub response: ChatResponse,
    pub error: Option<ProviderError>,
    /// The last attempt (the one that answered, or failed last): from its send to its last byte.
    pub latency: Duration,
    /// From that attempt's send to its first streamed token; `None` when nothing streamed.
    pub ttft: Option<Duration>,
    /// That attempt's mean gap between streamed chunks (text or reasoning) after the first;
    /// `None` when fewer than two streamed.
    pub itl: Option<Duration>,
    /// From the first send to the end of the call: every attempt and the waits between them.
    pub total: Duration,
    /// Whether any content arrived (a retry after that would pay twice for one answer).
    pub delivered: bool,
    /// HTTP requests made (1 without retries; 0 when nothing was sent).
    pub attempts: u32,
    /// What the dialect dropped or changed to fit the provider.
    pub notes: Vec<String>,
}

impl CallOutcome {
    /// The outcome of a call that was never sent.
    pub(crate) fn not_sent(error: ProviderError) -> CallOutcome {
        CallOutcome {
            response: ChatResponse::default(),
            error: Some(error),
            latency: Duration::ZERO,
            ttft: None,
            itl: None,
            total: Duration::ZERO,
            delivered: false,
            attempts: 0,
            notes: Vec::new(),
        }
    }
}

/// The defaults of [`CallLimits`], in seconds (and MiB), written once: the CLI's flags show them.
pub mod defaults {
    /// One attempt, from send to the last byte.
    pub const TOTAL_SECS: f64 = 300.0;
    /// Until the response headers arrive.
    pub const FIRST_BYTE_SECS: f64 = 120.0;
    /// The longest silence inside a stream.
    pub const STALL_SECS: f64 = 60.0;
    /// Connecting to a server.
    pub const CONNECT_SECS: f64 = 10.0;
    pub const RETRIES: u32 = 2;
    /// All waits between retries of one call together.
    pub const RETRY_MAX_WAIT_SECS: f64 = 60.0;
    /// Answers larger than this are cut.
    pub const MAX_ANSWER_MIB: f64 = 4.0;
}

/// Limits for one call.
#[derive(Debug, Clone, Copy)]
pub struct CallLimits {
    /// One attempt, from send to last byte.
    pub total: Option<Duration>,
    /// From send to the response headers.
    pub first_byte: Option<Duration>,
    /// Longest gap between two pieces of a streamed body.
    pub stall: Option<Duration>,
    /// Answers larger than this are cut.
    pub max_answer_bytes: usize,
    pub retry: RetryPolicy,
}

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            total: Some(Duration::from_secs_f64(defaults::TOTAL_SECS)),
            first_byte: Some(Duration::from_secs_f64(defaults::FIRST_BYTE_SECS)),
            stall: Some(Duration::from_secs_f64(defaults::STALL_SECS)),
            max_answer_bytes: (defaults::MAX_ANSWER_MIB * (1u64 << 20) as f64) as usize,
            retry: RetryPolicy::default(),
        }
    }
}

/// When and how long to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first backoff; each retry doubles it (with jitter).
    pub base: Duration,
    /// The most llmx waits between attempts of one call, all waits together.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: defaults::RETRIES,
            base: Duration::from_millis(500),
            max_wait: Duration::from_secs_f64(defaults::RETRY_MAX_WAIT_SECS),
        }
    }
}

/// Whether a failure is worth another attempt: rate limits, overload, 500/502/503/504,
/// connection failures and timeouts, and only while no content has arrived (a retry after that
/// would pay twice and count twice). Never 400/401/403/404.
///
/// A server that says `x-should-retry` is believed either way (gateways retry upstream
/// themselves, and know when another try is pointless).
pub(crate) fn retryable(e: &ProviderError, delivered: bool) -> bool {
    if delivered {
        return false;
    }
    if let Some(asked) = e.should_retry {
        return asked && !matches!(e.kind, ErrorKind::Cancelled | ErrorKind::MissingKey);
    }
    match e.kind {
        ErrorKind::RateLimit | ErrorKind::Overloaded | ErrorKind::Network | ErrorKind::Timeout => {
            true
        }
        ErrorKind::Server => matches!(e.status, None | Some(500 | 502 | 503 | 504)),
        _ => false,
    }
}

/// The wait before retry number `retry` (1-based): exponential with jitter in [50%, 100%],
/// or longer when the provider asked for longer.
pub(crate) fn backoff(retry: u32, asked: Option<Duration>, policy: &RetryPolicy) -> Duration {
    let exp = policy
        .base
        .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
        .min(Duration::from_secs(30));
    let jitter = 0.5 + 0.5 * unit_random();
    let ours = exp.mul_f64(jitter);
    match asked {
        Some(a) if a > ours => a,
        _ => ours,
    }
}

/// A number in [0, 1) from the clock and a counter: enough to spread retries apart.
fn unit_random() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let mut x = COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ nanos;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// What a call reports while it runs.
#[derive(Debug)]
pub enum CallEvent<'a> {
    /// Attempt number `n` (from 1) is starting.
    AttemptStarted(u32),
    /// Attempt `attempt` failed retryably; the next starts after `wait`.
    RetryScheduled {
        attempt: u32,
        wait: Duration,
        error: &'a ProviderError,
    },
    /// The first token arrived, this long after the call started.
    FirstToken(Duration),
    /// A stream event, as it arrived (a non-streamed answer is one text delta at the end).
    Stream(&'a StreamEvent),
}

/// Call `target` with `req` through `transport`, retrying as `limits.retry` allows, reporting
/// to `on` as it goes.
pub async fn call(
    transport: &dyn Transport,
    target: &Target,
    req: &ChatRequest,
    limits: CallLimits,
    on: &mut (dyn FnMut(CallEvent<'_>) + Send),
) -> CallOutcome {
    let start = Instant::now();
    let mut waited = Duration::ZERO;
    let mut attempts = 0;
    let out = loop {
        attempts += 1;
        on(CallEvent::AttemptStarted(attempts));
        let (mut out, ending) = attempt(transport, target, req, limits, on).await;
        if ending == Ending::EmptyStream {
            // A 200 with no events is not a dropped connection, and retrying it the same way
            // gets the same nothing. Servers answer the same request unstreamed with their
            // real reason (llama.cpp: the prompt passes the context window), or with an answer.
            attempts += 1;
            on(CallEvent::AttemptStarted(attempts));
            let unstreamed = ChatRequest {
                stream: false,
                ..req.clone()
            };
            // llama-cpp-python (and a real llama.cpp server past its context window) leaves
            // the connection that carried the empty stream broken: a request reusing it is
            // reset before any answer. The probe goes on a new connection.
            let (mut probe, _) = attempt_on(transport, target, &unstreamed, limits, on, true).await;
            // Should even that be reset, once more.
            if probe
                .error
                .as_ref()
                .is_some_and(|e| e.kind == ErrorKind::Network && !probe.delivered)
            {
                attempts += 1;
                on(CallEvent::AttemptStarted(attempts));
                probe = attempt_on(transport, target, &unstreamed, limits, on, true)
                    .await
                    .0;
            }
            out = probe;
            out.attempts = attempts;
            if let Some(e) = out.error.as_mut() {
                e.message = format!(
                    "the server sent an empty stream; asked again without streaming, it said: {}",
                    e.message
                );
            }
            return settle(out, req, start, true);
        }
        out.attempts = attempts;
        let Some(err) = &out.error else {
            break out;
        };
        if attempts > limits.retry.retries || !retryable(err, out.delivered) {
            break out;
        }
        let wait = backoff(attempts, err.retry_after, &limits.retry);
        if waited + wait > limits.retry.max_wait {
            if let Some(e) = out.error.as_mut() {
                e.message = format!(
                    "{} (not retried: waiting {:.0}s more would pass the {}s retry budget)",
                    e.message,
                    wait.as_secs_f64(),
                    limits.retry.max_wait.as_secs()
                );
                e.limit = Some(Limit::RetryBudget);
            }
            break out;
        }
        if let Some(error) = &out.error {
            on(CallEvent::RetryScheduled {
                attempt: attempts,
                wait,
                error,
            });
        }
        tokio::time::sleep(wait).await;
        waited += wait;
    };
    settle(out, req, start, false)
}

/// The end of every call, whatever carried it: its total time, an answer with no text made an
/// `empty` failure, and the token counts made honest (zeros beside an answer are unknown;
/// unknown ones estimated).
pub fn settle(
    mut out: CallOutcome,
    req: &ChatRequest,
    start: Instant,
    after_empty_stream: bool,
) -> CallOutcome {
    out.total = start.elapsed();
    implausible_usage(&mut out);
    let resp = &mut out.response;
    // An answer that is only tool calls is an answer; so is a refusal, even without text.
    if out.error.is_none()
        && resp.text.trim().is_empty()
        && resp.tool_calls.is_empty()
        && resp.finish != super::FinishReason::Refusal
    {
        out.error = Some(ProviderError::new(
            ErrorKind::Empty,
            empty_message(resp, after_empty_stream),
        ));
    }
    super::estimate::settle_usage(req, resp);
    out
}

/// The most tokens one request can be billed for: the largest context windows are 10 million
/// tokens, so a count beyond this is a broken report, not a bill.
pub const MOST_TOKENS: u64 = 100_000_000;
/// The most one request can cost, in USD: a million tokens of output costs at most a few
/// hundred dollars at any listed price.
pub const MOST_COST_USD: f64 = 10_000.0;

/// Token counts and costs no request could be billed (`u64::MAX` tokens, a cost of 1e308, a
/// negative or non-finite one) are unknown, each with a note: they are never priced or summed.
fn implausible_usage(out: &mut CallOutcome) {
    let u = &mut out.response.usage;
    let mut notes = Vec::new();
    for (what, count) in [
        ("input", &mut u.input_tokens),
        ("output", &mut u.output_tokens),
    ] {
        if let Some(n) = count.filter(|n| *n > MOST_TOKENS) {
            notes.push(format!(
                "the provider reported {n} {what} tokens, more than any request can be billed for; treated as unknown"
            ));
            *count = None;
        }
    }
    for (what, count) in [
        ("cached", &mut u.cached_input_tokens),
        ("cache-write", &mut u.cache_write_tokens),
        ("reasoning", &mut u.reasoning_tokens),
    ] {
        if *count > MOST_TOKENS {
            notes.push(format!(
                "the provider reported {count} {what} tokens, more than any request can be billed for; treated as unknown"
            ));
            *count = 0;
        }
    }
    if let Some(c) = u
        .provider_cost_usd
        .filter(|c| !c.is_finite() || *c < 0.0 || *c > MOST_COST_USD)
    {
        notes.push(format!(
            "the provider reported a cost of ${c}, which no request can cost; llmx prices the tokens instead"
        ));
        u.provider_cost_usd = None;
    }
    out.notes.extend(notes);
}

/// Why an answer without text is empty, in the terms the server gave.
fn empty_message(resp: &ChatResponse, after_empty_stream: bool) -> String {
    if after_empty_stream {
        return "the server sent an empty stream, and no answer text when asked again without \
                streaming"
            .into();
    }
    let finish = resp.finish_raw.as_deref().unwrap_or("none");
    let tokens = match resp.usage.output_tokens {
        Some(n) => format!(", {n} output tokens reported"),
        None => String::new(),
    };
    if resp.reasoning.trim().is_empty() {
        format!("the server answered with no text (finish reason: {finish}{tokens})")
    } else {
        format!(
            "only reasoning arrived, no answer text (finish reason: {finish}{tokens}); \
             a higher max-tokens may leave room for the answer"
        )
    }
}

/// How an attempt's body ended, beyond success or an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// A whole answer, or a stream that finished.
    Normal,
    /// A `200` stream that closed cleanly without a single event.
    EmptyStream,
}

/// One attempt through `transport`, timed from its own start.
async fn attempt(
    transport: &dyn Transport,
    target: &Target,
    req: &ChatRequest,
    limits: CallLimits,
    on: &mut (dyn FnMut(CallEvent<'_>) + Send),
) -> (CallOutcome, Ending) {
    attempt_on(transport, target, req, limits, on, false).await
}

/// One attempt, on a new connection when `fresh`.
async fn attempt_on(
    transport: &dyn Transport,
    target: &Target,
    req: &ChatRequest,
    limits: CallLimits,
    on: &mut (dyn FnMut(CallEvent<'_>) + Send),
    fresh: bool,
) -> (CallOutcome, Ending) {
    let start = Instant::now();
    let mut out = CallOutcome {
        response: ChatResponse::default(),
        error: None,
        latency: Duration::ZERO,
        ttft: None,
        itl: None,
        total: Duration::ZERO,
        delivered: false,
        attempts: 1,
        notes: Vec::new(),
    };
    let mut shown = Shown::new(start, &target.credentials().secrets());
    let result = {
        let mut d = Delivery {
            out: &mut out,
            shown: &mut shown,
            on: &mut *on,
            limits,
        };
        let inner = if fresh {
            transport.attempt_fresh(target, req, &mut d)
        } else {
            transport.attempt(target, req, &mut d)
        };
        match limits.total {
            Some(total) => tokio::time::timeout(total, inner).await,
            None => Ok(inner.await),
        }
    };
    shown.flush(&mut out, on);
    if !shown.redactor.is_empty() {
        // In place: nothing copied for a call that holds no secret.
        for c in &mut out.response.tool_calls {
            shown.redactor.redact_from(&mut c.name, 0);
            shown.redactor.redact_from(&mut c.arguments, 0);
            if let Some(id) = &mut c.id {
                shown.redactor.redact_from(id, 0);
            }
        }
    }
    out.latency = start.elapsed();
    // The mean gap between chunks after the first: only for an answer that streamed.
    out.itl = match out.ttft {
        Some(first) if shown.chunks >= 2 => {
            Some(shown.last_chunk.saturating_sub(first) / (shown.chunks - 1))
        }
        _ => None,
    };
    // An empty stream is not an error yet: `call` asks again and decides.
    let mut ending = Ending::Normal;
    match result {
        Ok(Ok(e)) => ending = e,
        Ok(Err(e)) => {
            out.error = Some(e.scrubbed(&target.credentials().secrets()));
        }
        Err(_) => {
            out.error = Some(ProviderError::limit(
                ErrorKind::Timeout,
                Limit::Total,
                format!(
                    "no complete answer within {}",
                    super::error::secs_shown(limits.total.unwrap_or_default())
                ),
            ))
        }
    }
    (out, ending)
}

/// What of the answer has been handed on. When the call carries secrets, a server that echoes
/// one back (in the answer, the reasoning or the model id) gets it replaced before anything is
/// shown; the end of a streamed answer that could be the start of a secret is held back until
/// the next delta tells, so a secret split across two deltas is caught too.
/// Time to first token is measured from `start`, the attempt's start.
pub(crate) struct Shown {
    start: Instant,
    redactor: Redactor,
    text: usize,
    reasoning: usize,
    /// Chunks of text or reasoning received, and when the last arrived (after `start`).
    chunks: u32,
    last_chunk: Duration,
    /// When the network chunk being read arrived (after `start`): every event in it arrived
    /// then, so the clock is read once a chunk, not once an event. `None` where the transport
    /// does not say (each event then reads the clock).
    arrived: Option<Duration>,
    /// Bytes of text, reasoning and tool calls delivered: kept as they arrive, so the cap
    /// costs nothing per event however many calls the answer holds.
    size: usize,
}

impl Shown {
    fn new(start: Instant, secrets: &[&Secret]) -> Shown {
        Shown {
            start,
            redactor: Redactor::new(secrets),
            text: 0,
            reasoning: 0,
            chunks: 0,
            arrived: None,
            last_chunk: Duration::ZERO,
            size: 0,
        }
    }

    /// Redact what arrived since `sent`, and return the part that is now safe to hand on.
    fn advance(&self, buf: &mut String, sent: &mut usize, all: bool) -> Option<String> {
        if *sent > buf.len() || !buf.is_char_boundary(*sent) {
            *sent = buf.len();
        }
        let longest = self.redactor.longest();
        let mut from = sent.saturating_sub(longest);
        while !buf.is_char_boundary(from) {
            from -= 1;
        }
        self.redactor.redact_from(buf, from);
        let mut end = if all {
            buf.len()
        } else {
            buf.len() - self.redactor.hold_len(&buf[*sent..])
        };
        while !buf.is_char_boundary(end) {
            end -= 1;
        }
        if end <= *sent {
            return None;
        }
        let piece = buf[*sent..end].to_string();
        *sent = end;
        Some(piece)
    }

    /// Hand on whatever is still held back (the call is over).
    fn flush(&mut self, out: &mut CallOutcome, on: &mut (dyn FnMut(CallEvent<'_>) + Send)) {
        if self.redactor.is_empty() {
            return;
        }
        let mut sent = self.text;
        if let Some(t) = self.advance(&mut out.response.text, &mut sent, true) {
            on(CallEvent::Stream(&StreamEvent::TextDelta(t)));
        }
        self.text = sent;
        let mut sent = self.reasoning;
        if let Some(t) = self.advance(&mut out.response.reasoning, &mut sent, true) {
            on(CallEvent::Stream(&StreamEvent::ReasoningDelta(t)));
        }
        self.reasoning = sent;
    }
}

/// Hand one event on and fold it into the answer; `Err` when the answer passes the size cap.
fn deliver(
    ev: StreamEvent,
    limits: &CallLimits,
    out: &mut CallOutcome,
    shown: &mut Shown,
    on: &mut (dyn FnMut(CallEvent<'_>) + Send),
) -> Result<(), ProviderError> {
    let grows = match &ev {
        StreamEvent::TextDelta(t) | StreamEvent::ReasoningDelta(t) => t.len(),
        StreamEvent::ToolCall {
            name, arguments, ..
        } => arguments.len() + name.as_ref().map_or(0, String::len),
        _ => 0,
    };
    if shown.size.saturating_add(grows) > limits.max_answer_bytes {
        return Err(too_large(out, limits));
    }
    shown.size += grows;
    let is_token = match &ev {
        StreamEvent::TextDelta(t) | StreamEvent::ReasoningDelta(t) => !t.is_empty(),
        // A call's first piece is the model's first output, as a token is.
        StreamEvent::ToolCall { .. } => true,
        _ => false,
    };
    if is_token {
        out.delivered = true;
        shown.chunks += 1;
        let at = shown.arrived.unwrap_or_else(|| shown.start.elapsed());
        shown.last_chunk = at;
        if out.ttft.is_none() {
            out.ttft = Some(at);
            on(CallEvent::FirstToken(at));
        }
    }
    // Tool calls are handed on whole, with the result: their pieces are not text to show, and
    // a secret a server echoed into one is replaced once the call is complete.
    if matches!(ev, StreamEvent::ToolCall { .. }) {
        out.response.apply(ev);
        return Ok(());
    }
    if shown.redactor.is_empty() {
        on(CallEvent::Stream(&ev));
        out.response.apply(ev);
        return Ok(());
    }
    match ev {
        StreamEvent::TextDelta(t) => {
            out.response.text.push_str(&t);
            let mut sent = shown.text;
            if let Some(piece) = shown.advance(&mut out.response.text, &mut sent, false) {
                on(CallEvent::Stream(&StreamEvent::TextDelta(piece)));
            }
            shown.text = sent;
        }
        StreamEvent::ReasoningDelta(t) => {
            out.response.reasoning.push_str(&t);
            let mut sent = shown.reasoning;
            if let Some(piece) = shown.advance(&mut out.response.reasoning, &mut sent, false) {
                on(CallEvent::Stream(&StreamEvent::ReasoningDelta(piece)));
            }
            shown.reasoning = sent;
        }
        StreamEvent::ModelId(id) => {
            let ev = StreamEvent::ModelId(shown.redactor.redact(&id));
            on(CallEvent::Stream(&ev));
            out.response.apply(ev);
        }
        // Handed on whole: a secret the server echoed into it is replaced there and then.
        StreamEvent::Verbatim(text) => {
            on(CallEvent::Stream(&StreamEvent::Verbatim(
                shown.redactor.redact(&text),
            )));
        }
        ev => {
            on(CallEvent::Stream(&ev));
            out.response.apply(ev);
        }
    }
    Ok(())
}

/// What llmx holds of an answer: its text, reasoning and tool calls.
fn answer_size(r: &ChatResponse) -> usize {
    r.text.len()
        + r.reasoning.len()
        + r.tool_calls
            .iter()
            .map(|c| c.name.len() + c.arguments.len())
            .sum::<usize>()
}

/// A response whose framing alone passes what llmx holds in memory for one answer.
fn body_too_large(cap: usize) -> ProviderError {
    ProviderError::limit(
        ErrorKind::TooLarge,
        Limit::AnswerSize,
        format!(
            "the response passed {:.0} MiB before it was complete",
            cap as f64 / (1 << 20) as f64
        ),
    )
}

/// Mark an answer cut at the size cap.
fn too_large(out: &mut CallOutcome, limits: &CallLimits) -> ProviderError {
    let mib = limits.max_answer_bytes as f64 / (1 << 20) as f64;
    out.response
        .text
        .push_str(&format!("\n[llmx: answer cut at {mib:.1} MiB]"));
    ProviderError::limit(
        ErrorKind::TooLarge,
        Limit::AnswerSize,
        format!("the answer passed {mib:.1} MiB and was cut"),
    )
}

/// One attempt in flight: how its body ended, or why it failed.
pub type Attempt<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Ending, ProviderError>> + Send + 'a>>;

/// How attempts reach a model: the execution seam (see the module docs). `attempt` sends one
/// request and hands everything that comes back to `d`; its `Ok` says how the body ended, its
/// `Err` why the attempt failed (what arrived before that is kept in `d`).
pub trait Transport: Send + Sync {
    fn attempt<'a, 'd: 'a>(
        &'a self,
        target: &'a Target,
        req: &'a ChatRequest,
        d: &'a mut Delivery<'d>,
    ) -> Attempt<'a>;

    /// An attempt on a new connection, not one from a pool (after a server closed a stream in
    /// a way that leaves its connection broken). Without connections, the same as `attempt`.
    fn attempt_fresh<'a, 'd: 'a>(
        &'a self,
        target: &'a Target,
        req: &'a ChatRequest,
        d: &'a mut Delivery<'d>,
    ) -> Attempt<'a> {
        self.attempt(target, req, d)
    }
}

/// Where an attempt delivers what arrives: the answer being assembled, what of it has been
/// shown (for redaction and timing), the call's limits and the caller's callback.
pub struct Delivery<'d> {
    out: &'d mut CallOutcome,
    shown: &'d mut Shown,
    on: &'d mut (dyn FnMut(CallEvent<'_>) + Send),
    limits: CallLimits,
}

impl Delivery<'_> {
    /// The call's limits (time to the first byte, stalls, the answer cap).
    pub fn limits(&self) -> &CallLimits {
        &self.limits
    }

    /// A chunk of the body has just arrived: the events read from it are timed by it.
    pub fn chunk_arrived(&mut self) {
        self.shown.arrived = Some(self.shown.start.elapsed());
    }

    /// One streamed event; `Err` when the answer passes the size cap.
    pub fn event(&mut self, ev: StreamEvent) -> Result<(), ProviderError> {
        deliver(ev, &self.limits, self.out, self.shown, self.on)
    }

    /// A whole answer (an unstreamed response, or a result read back from a batch): checked
    /// against the cap, echoed secrets replaced, its text handed on as one delta.
    pub fn whole(&mut self, mut r: ChatResponse) -> Result<(), ProviderError> {
        if answer_size(&r) > self.limits.max_answer_bytes {
            return Err(too_large(self.out, &self.limits));
        }
        let shown = &mut *self.shown;
        if !shown.redactor.is_empty() {
            r.text = shown.redactor.redact(&r.text);
            r.reasoning = shown.redactor.redact(&r.reasoning);
            r.model_id = r.model_id.map(|m| shown.redactor.redact(&m));
        }
        shown.text = r.text.len();
        shown.reasoning = r.reasoning.len();
        shown.size = answer_size(&r);
        if !r.tool_calls.is_empty() {
            self.out.delivered = true;
        }
        if !r.text.is_empty() {
            self.out.delivered = true;
            (self.on)(CallEvent::Stream(&StreamEvent::TextDelta(r.text.clone())));
        }
        if r.usage.provider_cost_usd.is_none() {
            r.usage.provider_cost_usd = self.out.response.usage.provider_cost_usd;
        }
        self.out.response = r;
        Ok(())
    }

    /// What the dialect dropped or changed to fit the provider.
    pub fn notes(&mut self, notes: &[String]) {
        self.out.notes = notes.to_vec();
    }

    /// A cost the carrier itself reported (a gateway's header); the answer's own figure wins.
    pub fn reported_cost(&mut self, usd: Option<f64>) {
        self.out.response.usage.provider_cost_usd = usd;
    }

    /// An answer that was not streamed has no time to first token, however it was delivered.
    pub fn unstreamed(&mut self) {
        self.out.ttft = None;
    }
}

/// The offline `mock` provider: answered in-process from [`mock::script`], with its scripted
/// delays, through the same delivery as a real server's stream.
pub struct OfflineTransport;

impl Transport for OfflineTransport {
    fn attempt<'a, 'd: 'a>(
        &'a self,
        _target: &'a Target,
        req: &'a ChatRequest,
        d: &'a mut Delivery<'d>,
    ) -> Attempt<'a> {
        Box::pin(async move {
            for (delay, ev) in mock::script(req) {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                d.event(ev)?;
            }
            if !req.stream {
                d.unstreamed();
            }
            Ok(Ending::Normal)
        })
    }
}

/// Real providers over HTTP(S): the dialect builds the request, [`HttpClient`] sends it (the
/// only place keys are added), and the body is read whole or as a stream of events.
pub struct HttpTransport {
    pub client: HttpClient,
}

impl Transport for HttpTransport {
    fn attempt<'a, 'd: 'a>(
        &'a self,
        target: &'a Target,
        req: &'a ChatRequest,
        d: &'a mut Delivery<'d>,
    ) -> Attempt<'a> {
        Box::pin(http_attempt(&self.client, target, req, d))
    }

    fn attempt_fresh<'a, 'd: 'a>(
        &'a self,
        target: &'a Target,
        req: &'a ChatRequest,
        d: &'a mut Delivery<'d>,
    ) -> Attempt<'a> {
        Box::pin(async move { http_attempt(&self.client.fresh(), target, req, d).await })
    }
}

/// Anthropic's own count of a Messages client's input: its count_tokens body (only `model`
/// changed) to
/// `POST {base}/v1/messages/count_tokens` with its version and beta headers. The provider's
/// answer as it came; its error (status and body as sent) when it refuses.
pub async fn count_tokens(
    http: &HttpClient,
    target: &Target,
    client: &super::types::ClientBody,
    within: Duration,
) -> Result<Vec<u8>, ProviderError> {
    let req = ChatRequest {
        model: target.model.clone(),
        client: Some(std::sync::Arc::new(client.clone())),
        ..Default::default()
    };
    let mut call = super::anthropic::build_request(&req, &target.base_url);
    call.url.push_str("/count_tokens");
    let creds = target.credentials();
    let ex = http.exchange(format!(
        "{}/{} count_tokens",
        target.provider.id, target.model
    ));
    let resp = http
        .send(
            &mut call,
            &creds,
            super::Dialect::Anthropic.wire(),
            &ex,
            Some(within),
        )
        .await?;
    Ok(super::http::read_capped(resp, 1 << 20).await)
}

async fn http_attempt(
    client: &HttpClient,
    target: &Target,
    req: &ChatRequest,
    d: &mut Delivery<'_>,
) -> Result<Ending, ProviderError> {
    let ex = client.exchange(format!("{}/{}", target.provider.id, target.model));
    let got = http_exchange(client, target, req, d, &ex).await;
    match &got {
        Ok(_) => ex.done(),
        Err(e) => ex.failed(&e.message),
    }
    got
}

async fn http_exchange(
    client: &HttpClient,
    target: &Target,
    req: &ChatRequest,
    d: &mut Delivery<'_>,
    ex: &super::wire_log::Exchange,
) -> Result<Ending, ProviderError> {
    let limits = d.limits;
    let wire = target.provider.wire_for(req);
    let mut call = build_request(&target.provider, &target.base_url, req);
    d.notes(&call.notes);
    let creds = target.credentials();
    // The time to the first byte bounds the response's head; an error's body is read on its
    // own (bounded) time: its status is known already.
    let resp = client
        .send(&mut call, &creds, wire, ex, limits.first_byte)
        .await?;
    // A gateway's own figure for what the call cost; the body's `usage.cost` wins over it.
    d.reported_cost(header_cost(resp.headers()));
    let json_body = is_json(resp.headers());
    let mut resp = super::body::Body::new(resp);
    // The answer cap counts decoded text. What is held undecoded at once (a whole JSON body,
    // or one SSE event) may be larger by its framing and escapes, up to this.
    let held_cap = limits
        .max_answer_bytes
        .saturating_mul(8)
        .saturating_add(1 << 20);
    // Some servers ignore `stream: true` and send the whole answer as JSON: read it as one.
    if !req.stream || json_body {
        let mut body = Vec::new();
        let mut watch = StallWatch::new(limits.stall);
        while let Some(chunk) = next_chunk(&mut resp, &mut watch, &call.url, &creds).await? {
            ex.body(&chunk, |b| scrub_shown(b, &creds));
            if body.len() + chunk.len() > held_cap {
                return Err(body_too_large(held_cap));
            }
            body.extend_from_slice(&chunk);
        }
        // An empty body is an empty answer (what an empty stream is when not streamed).
        let r = if body.iter().all(u8::is_ascii_whitespace) {
            ChatResponse::default()
        } else {
            parse_whole(wire, &body)?
        };
        if call.verbatim {
            d.event(StreamEvent::Verbatim(
                String::from_utf8_lossy(&body).into_owned(),
            ))?;
        }
        d.whole(r)?;
        return Ok(Ending::Normal);
    }
    let mut reader = if wire.event_stream() {
        Framer::Aws(super::eventstream::Reader::new())
    } else {
        Framer::Sse(SseReader::new())
    };
    let mut decoder = wire.stream_decoder();
    let mut events = 0usize;
    let mut watch = StallWatch::new(limits.stall);
    // Reused for every chunk and event: nothing allocated per event to hold them.
    let (mut batch, mut decoded) = (Vec::new(), Vec::new());
    loop {
        let Some(chunk) = next_chunk(&mut resp, &mut watch, &call.url, &creds).await? else {
            break;
        };
        d.chunk_arrived();
        // A binary event stream is shown by `-vv` as the events it decodes to.
        let binary = matches!(reader, Framer::Aws(_));
        if !binary {
            ex.body(&chunk, |b| scrub_shown(b, &creds));
        }
        reader.push_into(&chunk, &mut batch)?;
        if binary {
            for ev in &batch {
                ex.body(ev.to_text().as_bytes(), |b| scrub_shown(b, &creds));
            }
        }
        if reader.pending() > held_cap {
            return Err(body_too_large(held_cap));
        }
        events += batch.len();
        for ev in batch.drain(..) {
            if call.verbatim {
                d.event(StreamEvent::Verbatim(ev.to_text()))?;
            }
            decoder.event_into(&ev, &mut decoded)?;
            for se in decoded.drain(..) {
                d.event(se)?;
            }
            reader.recycle(ev);
        }
    }
    if let Some(ev) = reader.finish() {
        events += 1;
        if call.verbatim {
            d.event(StreamEvent::Verbatim(ev.to_text()))?;
        }
        for se in decoder.event(&ev)? {
            d.event(se)?;
        }
    }
    if events == 0 {
        return Ok(Ending::EmptyStream);
    }
    // A body that just stops is a cut connection, even when the server closed it cleanly.
    if !decoder.finished() {
        return Err(ProviderError::new(
            ErrorKind::Network,
            "stream cut: the connection closed before the model finished",
        ));
    }
    Ok(Ending::Normal)
}

/// How a stream's events are framed: server-sent events, or (Bedrock) AWS's binary event
/// stream, whose messages come out as events of the same shape.
enum Framer {
    Sse(SseReader),
    Aws(super::eventstream::Reader),
}

impl Framer {
    fn push_into(
        &mut self,
        chunk: &[u8],
        out: &mut Vec<super::sse::SseEvent>,
    ) -> Result<(), ProviderError> {
        match self {
            Framer::Sse(r) => {
                r.push_into(chunk, out);
                Ok(())
            }
            Framer::Aws(r) => r.push_into(chunk, out),
        }
    }

    fn pending(&self) -> usize {
        match self {
            Framer::Sse(r) => r.pending(),
            Framer::Aws(r) => r.pending(),
        }
    }

    /// An event read, handed back: its text's buffer holds the next one.
    fn recycle(&mut self, ev: super::sse::SseEvent) {
        if let Framer::Sse(r) = self {
            r.recycle(ev);
        }
    }

    /// An event left unterminated at the body's end (SSE only: a binary message cut short is
    /// no message, and the stream did not finish).
    fn finish(&mut self) -> Option<super::sse::SseEvent> {
        match self {
            Framer::Sse(r) => r.finish(),
            Framer::Aws(_) => None,
        }
    }
}

/// A body chunk as `-vv` shows it: the request's secrets scrubbed. (A secret split across two
/// chunks is not caught here; servers do not echo keys in answers, and error bodies are read
/// and scrubbed whole.)
fn scrub_shown(bytes: &[u8], creds: &super::Credentials) -> String {
    crate::secret::scrub(&String::from_utf8_lossy(bytes), &creds.secrets())
}

/// Whether a response says its body is JSON (not an event stream).
fn is_json(h: &reqwest::header::HeaderMap) -> bool {
    h.get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || m.ends_with("+json")
        })
}

/// The cost a gateway reports in a header (LiteLLM's `x-litellm-response-cost`), in USD.
fn header_cost(h: &reqwest::header::HeaderMap) -> Option<f64> {
    h.get("x-litellm-response-cost")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|c| c.is_finite() && *c >= 0.0)
}

/// A whole JSON answer: one response object, or (a streaming endpoint that ignored the request
/// for events, as Gemini's does without `alt=sse`) an array of the stream's objects.
fn parse_whole(
    wire: &dyn super::dialect::WireDialect,
    body: &[u8],
) -> Result<ChatResponse, ProviderError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'[') {
        return wire.parse_response(body);
    }
    let Ok(serde_json::Value::Array(items)) = super::parse_json(body) else {
        return Err(ProviderError::decode("response is not valid JSON"));
    };
    let mut decoder = wire.stream_decoder();
    let mut r = ChatResponse::default();
    for item in items {
        let ev = super::sse::SseEvent {
            event: None,
            data: item.to_string(),
        };
        for se in decoder.event(&ev)? {
            r.apply(se);
        }
    }
    Ok(r)
}

/// The stall limit over one body: a single timer, moved on only when it fires (each chunk notes
/// when it came), rather than a new timer for every chunk of a stream.
struct StallWatch {
    limit: Option<Duration>,
    /// When the last chunk came (or the watch started).
    last: tokio::time::Instant,
    timer: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl StallWatch {
    fn new(limit: Option<Duration>) -> StallWatch {
        let now = tokio::time::Instant::now();
        StallWatch {
            limit,
            last: now,
            timer: limit.map(|t| Box::pin(tokio::time::sleep_until(now + t))),
        }
    }
}

/// The next piece of a response body, or `None` at its end; no data for the stall limit is a
/// stalled stream, a transport failure a cut one.
async fn next_chunk(
    resp: &mut super::body::Body,
    watch: &mut StallWatch,
    url: &str,
    creds: &super::Credentials,
) -> Result<Option<bytes::Bytes>, ProviderError> {
    let r = match (watch.limit, watch.timer.as_mut()) {
        (Some(t), Some(timer)) => loop {
            tokio::select! {
                biased;
                r = resp.chunk() => break r,
                () = timer.as_mut() => {
                    let due = watch.last + t;
                    if tokio::time::Instant::now() >= due {
                        return Err(ProviderError::limit(
                            ErrorKind::Timeout,
                            Limit::Stall,
                            format!("stream stalled: no data for {}", super::error::secs_shown(t)),
                        ));
                    }
                    timer.as_mut().reset(due);
                }
            }
        },
        _ => resp.chunk().await,
    };
    watch.last = tokio::time::Instant::now();
    r.map_err(|e| {
        let mut err = super::http::transport_error(&e, url, creds);
        err.kind = ErrorKind::Network;
        err.message = format!("stream cut: {}", err.message);
        err
    })
}

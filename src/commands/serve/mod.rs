//! `llmx serve`: a local OpenAI- and Anthropic-compatible endpoint in front of every model llmx
//! reaches. A
//! thin front end over the core's one long-lived [`Engine`]: each request is parsed from its
//! wire into the core's conversation, resolved to a job (model specs, fallback chains,
//! routing), reserved against the caps, run with [`Engine::call`], and its events written back
//! in the client's wire; the result is priced, logged and recorded like any CLI row.
//!
//! Security: loopback by default; every request's `Host` must be this server's (DNS
//! rebinding), an `Origin` must be one allowed; then the local token. Clients' credentials are
//! never passed upstream (the provider layer adds the provider's own key, and only that).

mod chat;
mod http;
mod log;
mod models;
mod render;
mod responses;
pub mod token;

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use llmx_core::engine::Budget;
use llmx_core::history::{HistoryWriter, RunRecord, Write};
use llmx_core::pipeline::Planner;
use llmx_core::Engine;
use tokio::sync::{watch, Semaphore};

use crate::commands::Context;
use crate::error::{Error, Exit};
use crate::settings::ServeSettings;

/// What every request handler shares.
pub(crate) struct Server {
    pub engine: Engine,
    pub planner: Planner,
    pub settings: ServeSettings,
    pub token: llmx_core::secret::Secret,
    /// The bound address, as `Host` headers may name it.
    pub addr: SocketAddr,
    /// Upstream requests in flight, all clients together (`-j`).
    pub slots: Arc<Semaphore>,
    /// `--max-cost`: the server's life.
    pub life: Option<Arc<Budget>>,
    /// `--max-cost-per-day`: today's (UTC) budget, started from what the history says was spent.
    pub day: Option<Mutex<(i64, Arc<Budget>)>>,
    /// The history's run for this server, and its writer.
    pub history: Option<(Arc<HistoryWriter>, String)>,
    /// Rows recorded so far (each row's index in the run).
    pub rows: AtomicU64,
    /// Requests seen so far (request ids).
    pub seq: AtomicU64,
    /// What this server's request ids start with.
    pub id_prefix: String,
    /// Becomes true when the shutdown's grace period is over: streams still running end with
    /// an error event.
    pub hard_stop: watch::Receiver<bool>,
    pub started: std::time::Instant,
    /// The configured providers' own model listings, fetched once in the background at start
    /// (`None` until they are in).
    pub listed: watch::Receiver<Option<Arc<Vec<llmx_core::catalog::Block>>>>,
    /// The access log (`None` with `-q`).
    pub log: Option<log::AccessLog>,
}

/// Wait until `rx` holds true (forever if its sender is gone while it is false).
pub(crate) async fn until_true(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The UTC day number of `t`.
fn day_of(t: SystemTime) -> i64 {
    llmx_core::history::epoch_ms(t).div_euclid(86_400_000)
}

impl Server {
    /// The budgets a request reserves against, today's rolled over at midnight UTC.
    pub fn budgets(&self) -> Vec<Arc<Budget>> {
        let mut out: Vec<Arc<Budget>> = self.life.iter().cloned().collect();
        if let (Some(day), Some(cap)) = (&self.day, self.settings.max_cost_per_day) {
            let today = day_of(self.engine.clock().now());
            let mut d = day.lock().unwrap_or_else(|e| e.into_inner());
            if d.0 != today {
                *d = (today, Arc::new(Budget::new(cap, 0.0)));
            }
            out.push(d.1.clone());
        }
        out
    }

    /// A new request id: this server's own prefix (from its start time and process) and a
    /// counter, so ids differ across restarts too.
    pub fn request_id(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("req-{}-{n}", self.id_prefix)
    }
}

/// Run the server until SIGINT/SIGTERM, or print the token with `--show-token`.
pub fn run(ctx: &Context, s: ServeSettings) -> Result<Exit, Error> {
    let tok = token::obtain(ctx, s.token.as_ref())?;
    if s.show_token {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", tok.secret.expose());
        let _ = out.flush();
        return Ok(Exit::Success);
    }
    if tok.new {
        crate::output::diag(format!(
            "made a serve token and kept it in {}; clients send it as their API key \
             (`llmx serve --show-token` prints it)",
            tok.kept
        ));
    }
    let engine = ctx.engine(s.connect_timeout, 0)?.clone();
    // One thread serves every connection: measured on the 2-core bench machine it costs less
    // CPU per request than a work-stealing pool (no wake-ups across threads on the request's
    // path) and answers more requests per second with the upstream sharing the machine (see
    // docs/serve.md). The history writer and keyring lookups have threads of their own.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::ServeBind {
            addr: s.host.clone(),
            problem: e.to_string(),
        })?;
    rt.block_on(serve(ctx, engine, s, tok.secret))
}

/// Connections the kernel holds for the server before it accepts them: a burst of clients
/// (a benchmark's, an agent's fan-out) is queued, not refused (the system's `somaxconn` caps it).
const BACKLOG: u32 = 4096;

/// A listening socket on `addr` (`host:port`, `localhost` resolved).
async fn listen(addr: &str) -> std::io::Result<tokio::net::TcpListener> {
    let mut last = None;
    for a in tokio::net::lookup_host(addr).await? {
        let socket = if a.is_ipv6() {
            tokio::net::TcpSocket::new_v6()?
        } else {
            tokio::net::TcpSocket::new_v4()?
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(a).and_then(|()| socket.listen(BACKLOG)) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("the address resolves to nothing")))
}

fn bind_addr(host: &str, port: u16) -> String {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.contains(':') {
        format!("[{bare}]:{port}")
    } else {
        format!("{bare}:{port}")
    }
}

async fn serve(
    ctx: &Context,
    engine: Engine,
    s: ServeSettings,
    token: llmx_core::secret::Secret,
) -> Result<Exit, Error> {
    let want = bind_addr(&s.host, s.port);
    let listener = listen(&want).await.map_err(|e| Error::ServeBind {
        addr: want.clone(),
        problem: e.to_string(),
    })?;
    let addr = listener.local_addr().map_err(|e| Error::ServeBind {
        addr: want.clone(),
        problem: e.to_string(),
    })?;
    if !addr.ip().is_loopback() {
        crate::output::diag(format!(
            "warning: listening on {addr}, which other machines can reach: anyone who has the \
             token can spend on every provider key you have (requests must name this server in \
             their Host: add --allow-host NAME for each name clients use)"
        ));
    }
    let history = record_run(&engine, &s);
    let day = day_budget(&engine, &s);
    let listed = fetch_listings(&engine);
    let (stop_tx, hard_stop) = watch::channel(false);
    let shutdown_timeout = s.shutdown_timeout;
    let s_log = s.log;
    let server = Arc::new(Server {
        planner: Planner::new(engine.clone(), ctx.paths.latency_file().as_deref()),
        engine,
        slots: Arc::new(Semaphore::new(s.concurrency)),
        life: s.max_cost.map(|c| Arc::new(Budget::new(c, 0.0))),
        day,
        settings: s,
        token,
        addr,
        history,
        rows: AtomicU64::new(0),
        seq: AtomicU64::new(0),
        id_prefix: llmx_core::history::new_run_id(std::time::SystemTime::now()),
        hard_stop,
        started: std::time::Instant::now(),
        listed,
        log: s_log.map(log::AccessLog::start),
    });
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{addr}/v1");
        let _ = out.flush();
    }
    let (drain_tx, drain_rx) = watch::channel(false);
    let mut conns = tokio::task::JoinSet::new();
    let mut last_trim = std::time::Instant::now();
    let signal = crate::commands::pipeline::stop_signal();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            _ = &mut signal => break,
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                conns.spawn(http::connection(server.clone(), stream, drain_rx.clone()));
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {
                if conns.is_empty() && last_trim.elapsed() > Duration::from_secs(1) {
                    give_back_memory();
                    last_trim = std::time::Instant::now();
                }
            }
        }
    }
    drop(listener);
    drain(conns, &drain_tx, &stop_tx, shutdown_timeout).await;
    if let Some(log) = &server.log {
        log.flush();
    }
    if let Some((w, id)) = &server.history {
        w.send(Write::Finish {
            id: id.clone(),
            wall_ms: server.started.elapsed().as_millis().min(i64::MAX as u128) as i64,
            interrupted: false,
        });
        if let Err(e) = w.flush() {
            crate::output::diag(format!(
                "warning: the history could not keep every request: {e}"
            ));
        }
    }
    Ok(Exit::Success)
}

/// How long one provider's listing may take at start.
const LISTING_TIMEOUT: Duration = Duration::from_secs(10);

/// Fetch, in the background, the model listings of the providers this server can reach (a key,
/// or a server that needs none; never OpenRouter's public catalog without a key), as
/// `llmx models --refresh` reads them. A provider that does not answer keeps its catalog rows.
fn fetch_listings(engine: &Engine) -> watch::Receiver<Option<Arc<Vec<llmx_core::catalog::Block>>>> {
    let (tx, rx) = watch::channel(None);
    let engine = engine.clone();
    tokio::spawn(async move {
        // Key lookups may wait on the OS keyring: not on the server's thread.
        let e = engine.clone();
        let sources = tokio::task::spawn_blocking(move || {
            let keys = e.keys();
            llmx_core::catalog::refresh::sources(e.registry(), keys, None)
                .into_iter()
                // Only providers a request could reach: a key, or a server that needs none
                // (OpenRouter's public catalog is not fetched without a key).
                .filter(|s| {
                    e.registry()
                        .get(&s.provider)
                        .is_some_and(|p| keys.find(p).is_some() || (!p.key_required && !s.priced))
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        let got = llmx_core::catalog::refresh::fetch(
            engine.http(),
            &sources,
            engine.clock().now(),
            LISTING_TIMEOUT,
        )
        .await;
        let mut blocks = got.cache.listed;
        blocks.extend(got.cache.priced);
        let _ = tx.send(Some(Arc::new(blocks)));
    });
    rx
}

/// Once the last connection closes, hand the memory a burst of requests used back to the
/// system (glibc keeps freed memory in its arenas otherwise, and the server would idle at its
/// peak).
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory at the top of glibc's heaps; it takes no
    // pointers and is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The history's run for this server (command `serve`), when it records.
fn record_run(engine: &Engine, s: &ServeSettings) -> Option<(Arc<HistoryWriter>, String)> {
    match (s.history.record, engine.history()) {
        (true, Some(w)) => {
            // A commit never takes the CPU from a request (measured: the concurrency-1 p99).
            w.background();
            let id = llmx_core::history::new_run_id(engine.clock().now());
            w.send(Write::Run(RunRecord {
                id: id.clone(),
                started_ms: llmx_core::history::epoch_ms(engine.clock().now()),
                command: "serve".into(),
                models: s.models.as_ref().map(|m| m.join(",")).unwrap_or_default(),
                prompt_hash: None,
                summary: None,
                params: "{}".into(),
                prices_as_of: engine.catalog().prices_as_of.clone(),
                bench_run: None,
            }));
            Some((w.clone(), id))
        }
        _ => None,
    }
}

/// Today's budget for `--max-cost-per-day`, started from what the history says was spent.
fn day_budget(engine: &Engine, s: &ServeSettings) -> Option<Mutex<(i64, Arc<Budget>)>> {
    match s.max_cost_per_day {
        Some(cap) => {
            let now = engine.clock().now();
            let today = day_of(now);
            let spent = spent_since(engine, today * 86_400_000);
            Some(Mutex::new((today, Arc::new(Budget::new(cap, spent)))))
        }
        None => None,
    }
}

/// Stop accepting; let the requests in flight finish, then (past `timeout`) end the streams
/// still running with an error event, and give up on what is left.
async fn drain(
    mut conns: tokio::task::JoinSet<()>,
    drain_tx: &watch::Sender<bool>,
    stop_tx: &watch::Sender<bool>,
    timeout: Duration,
) {
    let _ = drain_tx.send(true);
    let drained = tokio::time::timeout(timeout, async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        let _ = stop_tx.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while conns.join_next().await.is_some() {}
        })
        .await;
        conns.abort_all();
    }
}

/// What the history says was spent since `since_ms` (a daily cap survives restarts).
fn spent_since(engine: &Engine, since_ms: i64) -> f64 {
    let Some(w) = engine.history() else {
        return 0.0;
    };
    let Ok(store) = llmx_core::history::Store::open_existing(w.path()) else {
        return 0.0;
    };
    store
        .usage(Some(since_ms), llmx_core::history::query::By::Provider)
        .map(|lines| lines.iter().map(|l| l.cost.known + l.cost.estimated).sum())
        .unwrap_or(0.0)
}

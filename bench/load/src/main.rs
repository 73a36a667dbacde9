//! `llmx-load`: sends chat completion requests over HTTP/1.1 keep-alive connections (one per
//! worker) and reports latency and time-to-first-token percentiles as one JSON object. Made for
//! `bench/serve.py`, which runs the same load against the mock server directly and through
//! `llmx serve`: a Python client cannot resolve sub-millisecond differences.
//!
//! ```text
//! llmx-load --url http://127.0.0.1:4141/v1/chat/completions --token T --model openai/m \
//!           [--concurrency 1] [--requests 2000] [--warmup 100] [--stream]
//! ```
//!
//! Latency is send to the last body byte; TTFT (streams) is send to the first frame carrying
//! answer text. Each stream's content deltas are counted, so a lost frame shows.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;

struct Args {
    url: String,
    token: String,
    model: String,
    concurrency: usize,
    requests: usize,
    warmup: usize,
    stream: bool,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        url: String::new(),
        token: "none".into(),
        model: "openai/m".into(),
        concurrency: 1,
        requests: 2000,
        warmup: 100,
        stream: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = value()?,
            "--token" => a.token = value()?,
            "--model" => a.model = value()?,
            "--concurrency" => a.concurrency = value()?.parse().map_err(|e| format!("{e}"))?,
            "--requests" => a.requests = value()?.parse().map_err(|e| format!("{e}"))?,
            "--warmup" => a.warmup = value()?.parse().map_err(|e| format!("{e}"))?,
            "--stream" => a.stream = true,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if a.url.is_empty() {
        return Err("--url is required".into());
    }
    Ok(a)
}

/// One request's measurements.
struct Sample {
    latency: Duration,
    ttft: Option<Duration>,
    deltas: usize,
    ok: bool,
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}

async fn worker(a: std::sync::Arc<Args>, n: usize, warmup: usize) -> Result<Vec<Sample>, String> {
    let url: hyper::Uri = a.url.parse().map_err(|e| format!("{e}"))?;
    let authority = url.authority().ok_or("no host in --url")?.to_string();
    let stream = tokio::net::TcpStream::connect(&authority)
        .await
        .map_err(|e| format!("connect {authority}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let body = serde_json::json!({
        "model": a.model,
        "stream": a.stream,
        "messages": [{"role": "user", "content": "Say hello."}],
    })
    .to_string();
    let mut out = Vec::with_capacity(n);
    for i in 0..n + warmup {
        let req = Request::post(url.path())
            .header("host", &authority)
            .header("authorization", format!("Bearer {}", a.token))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.clone())))
            .map_err(|e| e.to_string())?;
        send.ready().await.map_err(|e| e.to_string())?;
        let t = Instant::now();
        let resp = send.send_request(req).await.map_err(|e| e.to_string())?;
        let ok = resp.status().is_success();
        let mut b = resp.into_body();
        let (mut ttft, mut deltas) = (None, 0);
        while let Some(frame) = b.frame().await {
            let frame = frame.map_err(|e| e.to_string())?;
            if let Some(data) = frame.data_ref() {
                let text = String::from_utf8_lossy(data);
                let content = text.matches("\"content\":\"").count()
                    - text.matches("\"content\":\"\"").count();
                if content > 0 && ttft.is_none() {
                    ttft = Some(t.elapsed());
                }
                deltas += content;
            }
        }
        let latency = t.elapsed();
        if i >= warmup {
            out.push(Sample {
                latency,
                ttft,
                deltas,
                ok,
            });
        }
    }
    Ok(out)
}

#[tokio::main]
async fn main() {
    let a = match args() {
        Ok(a) => std::sync::Arc::new(a),
        Err(e) => {
            eprintln!("llmx-load: {e}");
            std::process::exit(2);
        }
    };
    let per = a.requests.div_ceil(a.concurrency.max(1));
    let warm = a.warmup.div_ceil(a.concurrency.max(1));
    let started = Instant::now();
    let tasks: Vec<_> = (0..a.concurrency.max(1))
        .map(|_| tokio::spawn(worker(a.clone(), per, warm)))
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(s)) => all.extend(s),
            Ok(Err(e)) => {
                eprintln!("llmx-load: {e}");
                std::process::exit(1);
            }
            Err(e) => {
                eprintln!("llmx-load: {e}");
                std::process::exit(1);
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mut lat: Vec<f64> = all.iter().map(|s| us(s.latency)).collect();
    let mut ttft: Vec<f64> = all.iter().filter_map(|s| s.ttft.map(us)).collect();
    let deltas: Vec<usize> = all.iter().map(|s| s.deltas).collect();
    let report = serde_json::json!({
        "requests": all.len(),
        "errors": all.iter().filter(|s| !s.ok).count(),
        "wall_s": wall,
        "rps": all.len() as f64 / wall,
        "latency_us": {"p50": percentile(&mut lat, 50.0), "p99": percentile(&mut lat, 99.0)},
        "ttft_us": {"p50": percentile(&mut ttft, 50.0), "p99": percentile(&mut ttft, 99.0)},
        "deltas_min": deltas.iter().min(),
        "deltas_max": deltas.iter().max(),
    });
    println!("{report}");
}

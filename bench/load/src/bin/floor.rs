//! `llmx-floor`: the least a gateway can do — forward each request's bytes to one upstream and
//! stream the answer back, parsing nothing. `bench/serve.py` measures it beside `llmx serve`,
//! on the same runtime shape (one thread), so the figures say what two HTTP legs on this machine
//! cost before any gateway work: the floor under any added-latency goal.
//!
//! ```text
//! llmx-floor --upstream http://127.0.0.1:PORT    # prints `listening on http://127.0.0.1:P`
//! ```

use std::convert::Infallible;
use std::io::Write;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};

type Body = BoxBody<Bytes, hyper::Error>;

async fn forward(
    client: Client<HttpConnector, Incoming>,
    upstream: hyper::Uri,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let (mut parts, body) = req.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut uri = upstream.clone().into_parts();
    uri.path_and_query = path.parse().ok();
    parts.uri = hyper::Uri::from_parts(uri).unwrap_or(upstream);
    parts.headers.remove(hyper::header::HOST);
    match client.request(Request::from_parts(parts, body)).await {
        Ok(resp) => Ok(resp.map(|b| b.boxed())),
        Err(e) => {
            let body = Full::new(Bytes::from(format!("upstream: {e}")))
                .map_err(|never| match never {})
                .boxed();
            let mut resp = Response::new(body);
            *resp.status_mut() = hyper::StatusCode::BAD_GATEWAY;
            Ok(resp)
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let upstream: hyper::Uri = match (args.next().as_deref(), args.next()) {
        (Some("--upstream"), Some(u)) => match u.parse() {
            Ok(u) => u,
            Err(e) => {
                eprintln!("llmx-floor: --upstream {u}: {e}");
                std::process::exit(2);
            }
        },
        _ => {
            eprintln!("usage: llmx-floor --upstream http://HOST:PORT");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("a bound address");
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client: Client<_, Incoming> = Client::builder(TokioExecutor::new()).build(connector);
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (client, upstream) = (client.clone(), upstream.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    forward(client.clone(), upstream.clone(), req)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

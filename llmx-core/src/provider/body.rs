//! A response body read as its chunks arrive.

/// A response body as its chunks arrive.
///
/// Read from a spawned task, a body's chunks come straight from the connection's task. Read
/// from the future a current-thread runtime blocks on (the command line's runs), every chunk
/// handed over from the connection's task would cost a poll of the I/O driver first (tokio
/// polls its driver before it returns to that future): one `epoll_wait` and a clock read per
/// chunk, a fifth of the CPU of a stream of 200,000 small events. There the body is read by a
/// task of its own, which takes chunks from the connection's task back to back and passes
/// them on through a short queue; the run then wakes once per batch of chunks.
pub(crate) enum Body {
    Direct(reqwest::Response),
    Pumped(tokio::sync::mpsc::Receiver<reqwest::Result<bytes::Bytes>>),
}

impl Body {
    pub(crate) fn new(resp: reqwest::Response) -> Body {
        if tokio::task::try_id().is_some() {
            return Body::Direct(resp);
        }
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            let mut resp = resp;
            // Made once: a waiter registered anew for every chunk costs more than the chunk.
            let closed = tx.closed();
            tokio::pin!(closed);
            loop {
                // A reader that went away (a cancelled call) drops the connection at once,
                // even while the server is silent; while chunks flow, a failed send notices.
                let r = tokio::select! {
                    biased;
                    r = resp.chunk() => r,
                    () = &mut closed => return,
                };
                let Some(r) = r.transpose() else {
                    return;
                };
                let failed = r.is_err();
                if tx.send(r).await.is_err() || failed {
                    return;
                }
            }
        });
        Body::Pumped(rx)
    }

    pub(crate) async fn chunk(&mut self) -> reqwest::Result<Option<bytes::Bytes>> {
        match self {
            Body::Direct(resp) => resp.chunk().await,
            Body::Pumped(rx) => rx.recv().await.transpose(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Body;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    /// A server that answers one request with `chunks` as HTTP chunks, then (when `hold`) stays
    /// silent until the client closes the connection, which it reports.
    fn server(chunks: Vec<String>, hold: bool) -> (String, mpsc::Receiver<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let (closed_tx, closed) = mpsc::channel();
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
                line.clear();
            }
            let mut out = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
            for c in &chunks {
                out.extend(format!("{:x}\r\n{c}\r\n", c.len()).bytes());
            }
            if !hold {
                out.extend(b"0\r\n\r\n");
            }
            conn.write_all(&out).unwrap();
            if hold {
                let mut rest = Vec::new();
                let _ = reader.read_to_end(&mut rest);
                let _ = closed_tx.send(());
            }
        });
        (url, closed)
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn read_outside_a_task_every_chunk_arrives_in_order_then_the_end() {
        let chunks: Vec<String> = (0..2000).map(|i| format!("data: {i}\n\n")).collect();
        let (url, _) = server(chunks.clone(), false);
        let got = rt().block_on(async {
            let mut body = Body::new(reqwest::get(&url).await.unwrap());
            assert!(matches!(body, Body::Pumped(_)));
            let mut got = Vec::new();
            while let Some(c) = body.chunk().await.unwrap() {
                got.extend_from_slice(&c);
            }
            // The end stays the end.
            assert!(body.chunk().await.unwrap().is_none());
            got
        });
        assert_eq!(String::from_utf8(got).unwrap(), chunks.concat());
    }

    #[test]
    fn a_body_dropped_while_the_server_is_silent_closes_the_connection() {
        let (url, closed) = server(vec!["data: first\n\n".into()], true);
        rt().block_on(async {
            let mut body = Body::new(reqwest::get(&url).await.unwrap());
            assert_eq!(body.chunk().await.unwrap().unwrap(), "data: first\n\n");
            drop(body);
            // The runtime goes on (as a run with other calls does): the connection must close
            // now, not when the server next sends something.
            let start = Instant::now();
            while closed.try_recv().is_err() {
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "the connection stayed open after its reader went away"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }

    #[test]
    fn read_inside_a_task_the_body_is_read_directly() {
        let (url, _) = server(vec!["data: x\n\n".into()], false);
        rt().block_on(async {
            tokio::spawn(async move {
                let mut body = Body::new(reqwest::get(&url).await.unwrap());
                assert!(matches!(body, Body::Direct(_)));
                assert_eq!(body.chunk().await.unwrap().unwrap(), "data: x\n\n");
                assert!(body.chunk().await.unwrap().is_none());
            })
            .await
            .unwrap();
        });
    }
}

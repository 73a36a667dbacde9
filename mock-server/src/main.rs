//! `llmx-mock-server`: the mock provider server as a process, for `bench/` and manual tries.
//! Prints `listening on http://127.0.0.1:PORT` on stdout, then serves until Ctrl-C.
//!
//!     cargo run --release -p llmx-mock -- --port 8080 --script bench/mock.json

use std::io::Write;
use std::process::ExitCode;

use llmx_mock::{serve, MockConfig, HELP};

const USAGE: &str = "usage: llmx-mock-server [--port N] [--script FILE]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut port: u16 = 0;
    let mut script = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                let v = args.next().ok_or(USAGE)?;
                port = v.parse().map_err(|_| format!("`{v}` is not a port"))?;
            }
            "--script" => script = Some(args.next().ok_or(USAGE)?),
            "-h" | "--help" => {
                println!("{HELP}");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`; {USAGE}")),
        }
    }
    let config = match &script {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read mock script `{path}`: {e}"))?;
            serde_json::from_str::<MockConfig>(&text)
                .map_err(|e| format!("mock script `{path}`: {e}"))?
        }
        None => MockConfig::default(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot read the listening address: {e}"))?;
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on http://{addr}");
            let _ = out.flush();
        }
        serve(listener, config, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        Ok(())
    })
}

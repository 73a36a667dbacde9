//! `llmx mock-server` (hidden): the local mock provider server, for benchmarks and manual tries.
//! Prints `listening on http://127.0.0.1:PORT` on stdout, then serves until Ctrl-C.

use std::io::Write;

use crate::cli::MockServerArgs;
use crate::error::{CliError, Exit};
use crate::mockserver::{serve, MockConfig};

pub fn run(args: MockServerArgs) -> Result<Exit, CliError> {
    let config = match &args.script {
        Some(path) => {
            let text = super::read_text_file(path, "mock script")?;
            serde_json::from_str::<MockConfig>(&text)
                .map_err(|e| CliError::usage(format!("mock script `{}`: {e}", path.display())))?
        }
        None => MockConfig::default(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
            .await
            .map_err(|e| {
                CliError::usage(format!("cannot listen on 127.0.0.1:{}: {e}", args.port))
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::usage(format!("cannot read the listening address: {e}")))?;
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on http://{addr}");
            let _ = out.flush();
        }
        serve(listener, config, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        Ok(Exit::Success)
    })
}

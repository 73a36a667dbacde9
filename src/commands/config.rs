//! `llmx config path|show|init`.

use super::Context;
use crate::cli::ConfigCommand;
use crate::config::STARTER;
use crate::error::{Error, Exit};
use crate::settings::Paths;

pub fn run(ctx: &Context, cmd: ConfigCommand) -> Result<Exit, Error> {
    match cmd {
        ConfigCommand::Show => {
            match &ctx.config {
                Some(c) => {
                    crate::output::print(&format!("# {}\n{}", c.path.display(), c.masked_toml()))?;
                }
                None => {
                    let p = ctx
                        .paths
                        .config
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    crate::output::diag(format!(
                        "no config file at {p}; `llmx config init` writes a starter one"
                    ));
                }
            }
            Ok(Exit::Success)
        }
        other => run_without_context(&ctx.paths, other),
    }
}

/// `path` and `init` need no (valid) config.
pub fn run_without_context(paths: &Paths, cmd: ConfigCommand) -> Result<Exit, Error> {
    let path = paths.config.clone().ok_or(Error::NoConfigDir)?;
    match cmd {
        ConfigCommand::Path => {
            crate::output::print(&format!("{}\n", path.display()))?;
            Ok(Exit::Success)
        }
        ConfigCommand::Init => {
            if path.exists() {
                return Err(Error::ConfigExists(path));
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
                    dir: dir.to_path_buf(),
                    source,
                })?;
            }
            write_private(&path, STARTER).map_err(|source| Error::WriteFile {
                path: path.clone(),
                source,
            })?;
            crate::output::diag(format!("wrote {}", path.display()));
            Ok(Exit::Success)
        }
        ConfigCommand::Show => Ok(Exit::Success),
    }
}

/// Create a file readable by its owner only (it may come to hold keys).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

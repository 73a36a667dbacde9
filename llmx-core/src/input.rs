//! Reading the files a user names (prompts, system prompts, tools files, bench inputs) and
//! stdin: bounded in size, UTF-8 checked, and every failure one error that names the file and
//! what it was for.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest prompt (or system prompt, or tools file) llmx reads: far beyond any model's
/// context window, and a guard against `/dev/zero` or a wrong file filling memory.
pub const MAX_PROMPT_BYTES: u64 = 16 << 20;

/// A file or stdin that could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}", read_failure(what, path, source))]
    Read {
        /// What the file is for: `prompt file`, `system prompt file`, `tools file`.
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not UTF-8 text (bad byte at offset {offset}); convert it, e.g. with iconv", match path {
        Some(p) => format!("{what} `{}`", p.display()),
        None => "stdin".to_string(),
    })]
    NotUtf8 {
        what: &'static str,
        /// `None` for stdin.
        path: Option<PathBuf>,
        offset: usize,
    },
    #[error("cannot read the prompt from stdin: {0}")]
    Stdin(std::io::Error),
}

impl InputError {
    /// A file the user named could not be read.
    pub fn read(what: &'static str, path: &Path, source: std::io::Error) -> InputError {
        InputError::Read {
            what,
            path: path.to_path_buf(),
            source,
        }
    }
}

fn read_failure(what: &str, path: &Path, e: &std::io::Error) -> String {
    let shown = path.display();
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("{what} `{shown}` not found"),
        std::io::ErrorKind::IsADirectory => format!("{what} `{shown}` is a directory, not a file"),
        std::io::ErrorKind::FileTooLarge => format!(
            "{what} `{shown}` is larger than {} MiB, more than any model reads; pass a smaller file",
            MAX_PROMPT_BYTES >> 20
        ),
        _ => format!("cannot read {what} `{shown}`: {e}"),
    }
}

/// Read at most [`MAX_PROMPT_BYTES`] from `r`; more is an error naming `what`.
pub fn read_capped(mut r: impl Read, what: &'static str) -> Result<Vec<u8>, std::io::Error> {
    let mut buf = Vec::new();
    r.by_ref()
        .take(MAX_PROMPT_BYTES + 1)
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_PROMPT_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "{what} holds more than {} MiB, more than any model reads",
                MAX_PROMPT_BYTES >> 20
            ),
        ));
    }
    Ok(buf)
}

/// Read a UTF-8 text file the user named.
pub fn read_text_file(path: &Path, what: &'static str) -> Result<String, InputError> {
    let bytes = std::fs::File::open(path)
        .and_then(|f| read_capped(f, what))
        .map_err(|e| InputError::read(what, path, e))?;
    String::from_utf8(bytes).map_err(|e| InputError::NotUtf8 {
        what,
        path: Some(path.to_path_buf()),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// All of stdin (as `read_stdin` gives it) as UTF-8 text.
pub fn stdin_text(
    read_stdin: &mut dyn FnMut() -> std::io::Result<Vec<u8>>,
) -> Result<String, InputError> {
    let bytes = read_stdin().map_err(InputError::Stdin)?;
    String::from_utf8(bytes).map_err(|e| InputError::NotUtf8 {
        what: "stdin",
        path: None,
        offset: e.utf8_error().valid_up_to(),
    })
}

//! What may be printed where. Terminal facts (is a TTY, NO_COLOR, CI, width) are decided once,
//! in one pure function (the progress display itself is a sink: [`crate::sink::progress`]).

pub mod safe;

use std::io::Write;

/// One diagnostic line on stderr, with any server text in it neutralised (see [`safe`]). A
/// closed or failing stderr is ignored: a message is never worth a panic.
pub fn diag(line: impl AsRef<str>) {
    let line = safe::visible(line.as_ref(), safe::Lines::Fold);
    let mut e = std::io::stderr().lock();
    let _ = e
        .write_all(line.as_bytes())
        .and_then(|_| e.write_all(b"\n"));
}

/// Write `text` to stdout and flush. A closed pipe (`| head`) is a quiet success; any other
/// failure is the error (exit 1).
pub fn print(text: &str) -> Result<(), crate::error::Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(crate::error::Error::Output(crate::engine::SinkError::new(
            "stdout", e,
        ))),
    }
}

/// Facts about the terminal, gathered once at startup.
#[derive(Debug, Clone, Copy, Default)]
pub struct Terminal {
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    pub no_color: bool,
    pub ci: bool,
    pub width: Option<u16>,
}

/// What the output layer will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Display {
    /// stdout is a terminal: server text written there is neutralised (see [`safe`]).
    pub terminal: bool,
    pub progress: bool,
    pub color: bool,
    pub width: u16,
}

/// Progress bars only on an interactive stderr, never in CI or with `-q`; colour only on a
/// terminal stdout without NO_COLOR; width from the terminal, else 120.
pub fn decide(t: Terminal, quiet: bool) -> Display {
    Display {
        terminal: t.stdout_tty,
        progress: t.stderr_tty && !t.ci && !quiet,
        color: t.stdout_tty && !t.no_color,
        width: t.width.unwrap_or(120).max(40),
    }
}

impl Terminal {
    pub fn detect(env: &crate::settings::Env) -> Terminal {
        use std::io::IsTerminal;
        let stdout_tty = std::io::stdout().is_terminal();
        Terminal {
            stdout_tty,
            stderr_tty: std::io::stderr().is_terminal(),
            no_color: env.get("NO_COLOR").is_some(),
            ci: env.get("CI").is_some_and(|v| v != "false" && v != "0"),
            // A pseudo-terminal may report 0 columns: that is "unknown", not "very narrow".
            width: if stdout_tty {
                comfy_table::Table::new().width().filter(|w| *w > 0)
            } else {
                None
            }
            .or_else(|| {
                env.get("COLUMNS")
                    .and_then(|c| c.parse().ok())
                    .filter(|w| *w > 0)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_decisions() {
        let tty = Terminal {
            stdout_tty: true,
            stderr_tty: true,
            width: Some(90),
            ..Default::default()
        };
        assert_eq!(
            decide(tty, false),
            Display {
                terminal: true,
                progress: true,
                color: true,
                width: 90
            }
        );
        assert!(!decide(tty, true).progress, "-q silences progress");
        let ci = Terminal { ci: true, ..tty };
        assert!(!decide(ci, false).progress);
        let nc = Terminal {
            no_color: true,
            ..tty
        };
        assert!(!decide(nc, false).color);
        let pipe = Terminal::default();
        assert_eq!(
            decide(pipe, false),
            Display {
                terminal: false,
                progress: false,
                color: false,
                width: 120
            }
        );
    }
}

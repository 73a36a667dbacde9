//! What may be printed where. Terminal facts (is a TTY, NO_COLOR, CI, width) are decided once,
//! in one pure function (the progress display itself is one of the sinks).

/// Text from a server made safe to show (the core's, used by every renderer here).
pub use llmx_core::safe;

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

/// Lines of text on stderr (a table, a summary), each with any server text in it neutralised,
/// each on its own line.
pub fn diag_lines(text: &str) {
    let mut e = std::io::stderr().lock();
    for line in text.trim_end().lines() {
        let line = safe::visible(line, safe::Lines::Fold);
        let _ = e
            .write_all(line.as_bytes())
            .and_then(|_| e.write_all(b"\n"));
    }
}

/// Write `text` to stdout and flush. A closed pipe (`| head`) is a quiet success; any other
/// failure is the error (exit 1).
pub fn print(text: &str) -> Result<(), crate::error::Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(crate::error::Error::Output(
            llmx_core::engine::SinkError::new("stdout", e),
        )),
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// Facts about the terminal, gathered once at startup.
#[derive(Debug, Clone, Copy, Default)]
pub struct Terminal {
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// `NO_COLOR` is set and not empty (no-color.org).
    pub no_color: bool,
    /// `CLICOLOR_FORCE` is set and not `0`: colour even into a pipe.
    pub clicolor_force: bool,
    /// `TERM=dumb`: a terminal that shows escape sequences as text.
    pub dumb: bool,
    /// `--color`.
    pub color: ColorWhen,
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

/// Progress bars only on an interactive stderr, never in CI or with `-q`; colour as `--color`
/// says, and with `auto` as the conventions of no-color.org and bixense.com/clicolors say (in
/// the order anstream and cargo apply them): never with NO_COLOR, always with CLICOLOR_FORCE,
/// else on a terminal stdout that is not `TERM=dumb`; width from the terminal, else 120.
pub fn decide(t: Terminal, quiet: bool) -> Display {
    let color = match t.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => !t.no_color && (t.clicolor_force || (t.stdout_tty && !t.dumb)),
    };
    Display {
        terminal: t.stdout_tty,
        progress: t.stderr_tty && !t.ci && !quiet,
        color,
        width: t.width.unwrap_or(120).max(40),
    }
}

impl Terminal {
    pub fn detect(env: &llmx_core::env::Env, color: ColorWhen) -> Terminal {
        use std::io::IsTerminal;
        let stdout_tty = std::io::stdout().is_terminal();
        Terminal {
            stdout_tty,
            stderr_tty: std::io::stderr().is_terminal(),
            no_color: env.get("NO_COLOR").is_some_and(|v| !v.is_empty()),
            clicolor_force: env
                .get("CLICOLOR_FORCE")
                .is_some_and(|v| !v.is_empty() && v != "0"),
            dumb: env.get("TERM") == Some("dumb"),
            color,
            ci: env.get("CI").is_some_and(|v| v != "false" && v != "0"),
            // A pseudo-terminal may report 0 columns: that is "unknown", not "very narrow".
            width: if stdout_tty {
                crate::sys::terminal_width()
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
        let dumb = Terminal { dumb: true, ..tty };
        assert!(
            !decide(dumb, false).color,
            "TERM=dumb shows escapes as text"
        );
        let forced = Terminal {
            clicolor_force: true,
            ..Terminal::default()
        };
        assert!(decide(forced, false).color, "CLICOLOR_FORCE colours a pipe");
        assert!(
            !decide(
                Terminal {
                    no_color: true,
                    ..forced
                },
                false
            )
            .color,
            "NO_COLOR wins over CLICOLOR_FORCE"
        );
        let always = Terminal {
            color: ColorWhen::Always,
            no_color: true,
            ..Terminal::default()
        };
        assert!(decide(always, false).color, "--color always wins");
        let never = Terminal {
            color: ColorWhen::Never,
            ..tty
        };
        assert!(!decide(never, false).color, "--color never wins");
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

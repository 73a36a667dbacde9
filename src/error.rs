//! The errors a user sees before anything is sent, and the exit codes, in one place.

/// Exit codes, documented in the README and `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every model answered.
    Success = 0,
    /// At least one model failed; results were still printed.
    ModelFailed = 1,
    /// A usage or configuration error; nothing was sent.
    Usage = 2,
    /// SIGHUP; what had finished was kept.
    HungUp = 129,
    /// Interrupted by Ctrl-C; what had finished was printed.
    Interrupted = 130,
    /// SIGTERM; what had finished was kept.
    Terminated = 143,
}

impl Exit {
    pub fn from_signal(s: crate::engine::Signal) -> Exit {
        match s {
            crate::engine::Signal::Interrupt => Exit::Interrupted,
            crate::engine::Signal::Terminate => Exit::Terminated,
            crate::engine::Signal::Hangup => Exit::HungUp,
        }
    }
}

/// The text `--help` shows about exit codes.
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0    every model answered
  1    at least one model failed (results are still printed)
  2    usage or configuration error (nothing was sent)
  129  hung up (SIGHUP): finished rows are kept and written, the rest marked cancelled
  130  interrupted (Ctrl-C): finished rows are kept and written, the rest marked cancelled
  143  terminated (SIGTERM): finished rows are kept and written, the rest marked cancelled";

/// A one-line error for the user, with the exit code it ends the program with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub message: String,
    pub exit: Exit,
}

impl CliError {
    /// A usage or configuration problem found before anything was sent (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            exit: Exit::Usage,
        }
    }

    /// A failure after requests were sent (an output that could not be written): exit 1, never
    /// 2, because answers were already paid for.
    pub fn after_send(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            exit: Exit::ModelFailed,
        }
    }
}

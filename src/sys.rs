//! The few process-wide settings llmx makes through the OS: the open-file limit raised for a
//! wide fan-out, the default signal dispositions restored once a run no longer needs its own
//! handlers, and the width of the terminal stdout is.

/// Raise the soft limit on open files to the hard limit (macOS starts shells at 256, which a
/// fan-out of a few hundred models passes). Whether the limit changed.
#[cfg(unix)]
pub fn raise_open_file_limit() -> bool {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given, which lives on this stack frame.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return false;
    }
    if lim.rlim_cur >= lim.rlim_max {
        return false;
    }
    // macOS refuses more than OPEN_MAX (10240) even when the hard limit says unlimited.
    for want in [lim.rlim_max, 10_240] {
        if want <= lim.rlim_cur {
            continue;
        }
        let new = libc::rlimit {
            rlim_cur: want,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: setrlimit reads the struct it is given.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } == 0 {
            return true;
        }
    }
    false
}

#[cfg(not(unix))]
pub fn raise_open_file_limit() -> bool {
    false
}

/// The soft limit on open files, when the OS says (after [`raise_open_file_limit`]).
#[cfg(unix)]
pub fn open_file_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given, which lives on this stack frame.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return None;
    }
    // rlim_t is not u64 on every platform.
    #[allow(clippy::unnecessary_cast)]
    let cur = lim.rlim_cur as u64;
    (lim.rlim_cur != libc::RLIM_INFINITY).then_some(cur)
}

#[cfg(not(unix))]
pub fn open_file_limit() -> Option<u64> {
    None
}

/// The columns of the terminal stdout is, when it is one and says (a pseudo-terminal may say 0:
/// unknown, not very narrow).
#[cfg(unix)]
pub fn terminal_width() -> Option<u16> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes a winsize into the struct it is given, on this stack frame.
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some(ws.ws_col)
}

#[cfg(not(unix))]
pub fn terminal_width() -> Option<u16> {
    None
}

/// Put SIGINT, SIGTERM and SIGHUP back to their default action (end the process). The run
/// installs handlers so a signal keeps finished rows; once the run is over (rendering, say),
/// Ctrl-C must work again, and tokio's handlers stay installed for the life of the process.
#[cfg(unix)]
pub fn restore_default_signals() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: SIG_DFL is always a valid disposition; no handler code is involved.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
        }
    }
}

#[cfg(not(unix))]
pub fn restore_default_signals() {}

/// While it lives, the terminal on stdin does not echo control characters (`^C`). The progress
/// display fills each line to the terminal's edge, so an echoed `^C` would wrap onto a line of
/// its own and the display, which counts its lines, would leave one behind above the results.
/// Ctrl-C still interrupts (only the echo is off); the setting is restored when this is dropped.
pub struct QuietControlEcho {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl QuietControlEcho {
    /// Turn the echo off, when stdin is a terminal that echoes control characters.
    #[cfg(unix)]
    pub fn new() -> QuietControlEcho {
        // SAFETY: isatty, tcgetattr and tcsetattr read or write the termios on this stack frame.
        unsafe {
            if libc::isatty(libc::STDIN_FILENO) != 1 {
                return QuietControlEcho { saved: None };
            }
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut t) != 0 || t.c_lflag & libc::ECHOCTL == 0 {
                return QuietControlEcho { saved: None };
            }
            let saved = t;
            t.c_lflag &= !libc::ECHOCTL;
            if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t) != 0 {
                return QuietControlEcho { saved: None };
            }
            QuietControlEcho { saved: Some(saved) }
        }
    }

    #[cfg(not(unix))]
    pub fn new() -> QuietControlEcho {
        QuietControlEcho {}
    }
}

impl Default for QuietControlEcho {
    fn default() -> Self {
        QuietControlEcho::new()
    }
}

impl Drop for QuietControlEcho {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(t) = self.saved.take() {
            // SAFETY: tcsetattr reads the termios saved above.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t);
            }
        }
    }
}

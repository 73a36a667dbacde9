//! Where results go: stdout, or a file written through a temporary file beside it and renamed
//! into place when complete ([`PendingFile`]).

use std::io::{self, Write};
use std::path::Path;

use llmx_core::file::PendingFile;

/// stdout or a pending file, with the name errors use.
pub enum Destination {
    Stdout,
    File(PendingFile),
}

impl Destination {
    pub fn file(path: &Path) -> io::Result<Destination> {
        PendingFile::create(path).map(Destination::File)
    }

    /// Whether the bytes go straight to a terminal (`-o /dev/tty`).
    pub fn is_terminal(&self) -> bool {
        match self {
            Destination::Stdout => false,
            Destination::File(f) => f.is_terminal(),
        }
    }

    /// Finish: a file is renamed into place; stdout is flushed.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Destination::Stdout => io::stdout().flush(),
            Destination::File(f) => f.commit(),
        }
    }
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Destination::Stdout => io::stdout().write(buf),
            Destination::File(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Destination::Stdout => io::stdout().flush(),
            Destination::File(f) => f.flush(),
        }
    }
}

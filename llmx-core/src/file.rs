//! Files llmx writes, kept whole: a regular file (or a new one) is written through a temporary
//! file beside it and renamed into place when complete, so an existing file is never left
//! half-overwritten; anything else — a character device (`/dev/null`), a FIFO, a pipe behind
//! `/dev/stdout` or a process substitution — is written directly, in place, as every Unix tool
//! does, and never replaced.
//!
//! The temporary file has an unpredictable name and is created exclusively (`O_CREAT|O_EXCL`:
//! a planted file or symlink of that name is never opened), by the `tempfile` crate. A symlink
//! to a regular file is followed: the file it points to is replaced, the link stays a link.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where the bytes go until commit.
enum Target {
    /// A temporary file, renamed over `path` on commit.
    Temp {
        path: PathBuf,
        file: BufWriter<tempfile::NamedTempFile>,
    },
    /// The target itself (a device, a FIFO, a pipe), written in place.
    Direct(BufWriter<File>),
}

/// A file being written: a regular target is untouched until [`PendingFile::commit`].
pub struct PendingFile {
    target: Option<Target>,
}

/// Whether `path` names something other than a regular file (following symlinks); a missing
/// path is a regular file to be.
pub fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

impl PendingFile {
    /// Start writing `path`: in place when it is a device, FIFO or pipe; otherwise through a
    /// new temporary file in the directory of the file it names.
    pub fn create(path: &Path) -> io::Result<PendingFile> {
        if is_special(path) {
            let f = std::fs::OpenOptions::new().write(true).open(path)?;
            return Ok(PendingFile {
                target: Some(Target::Direct(BufWriter::new(f))),
            });
        }
        // A symlink to a regular file: replace the file it points to, not the link.
        let path = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path)?,
            _ => path.to_path_buf(),
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".llmx.tmp")
            .tempfile_in(&dir)?;
        // The file gets the permissions a plain create would give it (or the ones the file it
        // replaces had), not the temporary file's 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = match std::fs::metadata(&path) {
                Ok(m) => m.permissions().mode() & 0o7777,
                Err(_) => 0o666 & !umask(),
            };
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        Ok(PendingFile {
            target: Some(Target::Temp {
                path,
                file: BufWriter::new(tmp),
            }),
        })
    }

    /// Whether it writes straight to a terminal (a `/dev/tty` target).
    pub fn is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        matches!(&self.target, Some(Target::Direct(f)) if f.get_ref().is_terminal())
    }

    /// Flush to disk and, for a regular file, rename over the target. On any failure the
    /// temporary file is removed and the target is left as it was.
    pub fn commit(mut self) -> io::Result<()> {
        match self.target.take() {
            Some(Target::Temp { path, file }) => {
                let tmp = file.into_inner().map_err(|e| e.into_error())?;
                tmp.as_file().sync_all()?;
                tmp.persist(&path).map(|_| ()).map_err(|e| e.error)
            }
            Some(Target::Direct(mut f)) => f.flush(),
            None => Ok(()),
        }
    }
}

/// The process's umask, read without changing it for long.
#[cfg(unix)]
fn umask() -> u32 {
    static MASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *MASK.get_or_init(|| {
        // /proc says it without touching it; else the default most systems use.
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Umask:"))
                    .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            })
            .unwrap_or(0o022)
    })
}

impl Write for PendingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Some(Target::Temp { file, .. }) => file.write(buf),
            Some(Target::Direct(f)) => f.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Some(Target::Temp { file, .. }) => file.flush(),
            Some(Target::Direct(f)) => f.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_changes_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old results\n").unwrap();
        let mut f = PendingFile::create(&path).unwrap();
        f.write_all(b"new results\n").unwrap();
        f.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old results\n");
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new results\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp left"
        );

        let mut f = PendingFile::create(&path).unwrap();
        f.write_all(b"half a ro").unwrap();
        drop(f);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new results\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp left"
        );
    }
}

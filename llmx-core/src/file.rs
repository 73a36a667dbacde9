//! Files written through a temporary file beside them and renamed into place when complete, so
//! an existing file is never left half-overwritten.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written: the target path is untouched until [`PendingFile::commit`].
pub struct PendingFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl PendingFile {
    /// Create the temporary file (`.NAME.llmx-PID.tmp` in the target's directory).
    pub fn create(path: &Path) -> io::Result<PendingFile> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let tmp = path.with_file_name(format!(".{name}.llmx-{}.tmp", std::process::id()));
        let file = File::create(&tmp)?;
        Ok(PendingFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(BufWriter::new(file)),
        })
    }

    /// Flush to disk and rename over the target. On any failure the temporary file is removed
    /// and the target is left as it was.
    pub fn commit(mut self) -> io::Result<()> {
        let r = match self.file.as_mut() {
            Some(f) => f
                .flush()
                .and_then(|_| f.get_ref().sync_all())
                .and_then(|_| std::fs::rename(&self.tmp, &self.path)),
            None => Ok(()),
        };
        if r.is_ok() {
            self.file = None;
        }
        r
    }
}

impl Write for PendingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for PendingFile {
    /// Not committed (the write failed): drop the temporary file, keep whatever was there before.
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
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

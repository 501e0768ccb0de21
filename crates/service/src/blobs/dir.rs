//! The blob store in a directory (by default `DATA_DIR/blobs`). A file is written under a
//! temporary name in `tmp/`, flushed to disk, then renamed into place: a reader sees the whole
//! file or none, and a crash leaves at most a stray temporary file (removed at the next start).

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct DirStore {
    root: PathBuf,
}

impl DirStore {
    /// Opens (creating) the store at `root`, and removes temporary files a crash left.
    pub fn open(root: impl Into<PathBuf>) -> Result<DirStore, String> {
        let root = root.into();
        let tmp = root.join("tmp");
        if tmp.exists() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        Ok(DirStore { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of `key`. Keys are ours (`uploads/` and hex), but a key that could leave the
    /// directory is refused all the same.
    fn path(&self, key: &str) -> Result<PathBuf, String> {
        let safe = !key.is_empty()
            && key.split('/').all(|p| !p.is_empty() && p != "." && p != "..")
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'-' || b == b'_' || b == b'.');
        if !safe {
            return Err(format!("'{key}' is not a blob key"));
        }
        Ok(self.root.join(key))
    }

    pub fn put(&self, key: &str, bytes: &[u8]) -> Result<(), String> {
        let path = self.path(key)?;
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let tmp = self.root.join("tmp").join(format!("{}.part", hex::encode(rand::random::<[u8; 12]>())));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("cannot write {}: {e}", path.display())
        })
    }

    /// The file of `key`, open for reading, with its length; `None` when there is none. A
    /// download streams it from here rather than holding it in memory.
    pub fn open_read(&self, key: &str) -> Result<Option<(std::fs::File, u64)>, String> {
        let path = self.path(key)?;
        match std::fs::File::open(&path) {
            Ok(f) => {
                let len = f.metadata().map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
                Ok(Some((f, len)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    pub fn delete(&self, key: &str) -> Result<(), String> {
        let path = self.path(key)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot delete {}: {e}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &DirStore, key: &str) -> Option<Vec<u8>> {
        s.open_read(key).unwrap().map(|(mut f, _)| {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b).unwrap();
            b
        })
    }

    #[test]
    fn put_get_delete() {
        let root = std::env::temp_dir().join(format!("openturk-dirstore-{}", hex::encode(rand::random::<[u8; 8]>())));
        let s = DirStore::open(&root).unwrap();
        s.put("uploads/abc", b"hello").unwrap();
        assert_eq!(read(&s, "uploads/abc").as_deref(), Some(&b"hello"[..]));
        s.put("uploads/abc", b"again").unwrap();
        assert_eq!(read(&s, "uploads/abc").as_deref(), Some(&b"again"[..]));
        s.delete("uploads/abc").unwrap();
        s.delete("uploads/abc").unwrap();
        assert_eq!(read(&s, "uploads/abc"), None);
        assert!(s.put("../escape", b"x").is_err());
        assert!(std::fs::read_dir(root.join("tmp")).unwrap().next().is_none(), "no temporary file is left");
        let _ = std::fs::remove_dir_all(&root);
    }
}

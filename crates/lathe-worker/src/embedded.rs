//! The Python worker, embedded in the binary and written on first use to a content-addressed
//! directory of the cache: `<cache>/worker/<hash>/lathe_worker/`. The hash covers every file's
//! name and content, so a new lathe never runs an old worker, and two versions coexist.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

include!(concat!(env!("OUT_DIR"), "/worker_files.rs"));

/// The hex digest of the embedded worker.
pub fn worker_hash() -> String {
    let mut hasher = Sha256::new();
    for (name, source) in WORKER_FILES {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(source.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The directory to put on `PYTHONPATH`: it holds `lathe_worker/`. Written once; a concurrent
/// writer is harmless, in another process or in another thread of this one (a suite judges
/// several candidates at once): each writes a private directory, then renames it into place.
pub fn install_worker(cache_dir: &Path) -> io::Result<PathBuf> {
    static INSTALLS: AtomicU64 = AtomicU64::new(0);
    let root = cache_dir.join("worker").join(worker_hash());
    if root.join("lathe_worker").join("__main__.py").is_file() {
        return Ok(root);
    }
    std::fs::create_dir_all(cache_dir.join("worker"))?;
    let staging = cache_dir.join("worker").join(format!(
        ".staging-{}-{}-{}",
        std::process::id(),
        INSTALLS.fetch_add(1, Ordering::Relaxed),
        worker_hash()
    ));
    let package = staging.join("lathe_worker");
    std::fs::create_dir_all(&package)?;
    for (name, source) in WORKER_FILES {
        std::fs::write(package.join(name), source)?;
    }
    match std::fs::rename(&staging, &root) {
        Ok(()) => Ok(root),
        // Another process installed it first: theirs is identical.
        Err(_) if root.join("lathe_worker").join("__main__.py").is_file() => {
            let _ = std::fs::remove_dir_all(&staging);
            Ok(root)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_package_is_embedded() {
        let names: Vec<&str> = WORKER_FILES.iter().map(|(n, _)| *n).collect();
        for required in ["__init__.py", "__main__.py", "protocol.py", "evaluate.py"] {
            assert!(names.contains(&required), "{names:?}");
        }
    }

    #[test]
    fn threads_installing_at_once_all_get_the_worker() {
        let cache = tempfile::tempdir().unwrap();
        let roots: Vec<PathBuf> = std::thread::scope(|scope| {
            let installs: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| install_worker(cache.path()).unwrap()))
                .collect();
            installs.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(
            roots
                .iter()
                .all(|r| r.join("lathe_worker/__main__.py").is_file())
        );
        let left: Vec<_> = std::fs::read_dir(cache.path().join("worker"))
            .unwrap()
            .collect();
        assert_eq!(left.len(), 1, "staging directories left behind: {left:?}");
    }

    #[test]
    fn installs_once_into_a_content_addressed_directory() {
        let cache = tempfile::tempdir().unwrap();
        let first = install_worker(cache.path()).unwrap();
        assert!(first.ends_with(worker_hash()));
        let main = first.join("lathe_worker/__main__.py");
        assert_eq!(
            std::fs::read_to_string(&main).unwrap(),
            WORKER_FILES
                .iter()
                .find(|(n, _)| *n == "__main__.py")
                .unwrap()
                .1
        );
        assert_eq!(install_worker(cache.path()).unwrap(), first);
    }
}

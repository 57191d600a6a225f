//! A throwaway crate on disk: files written under a fresh temporary folder, removed on drop.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{ModuleTree, violations};

/// A folder of files for one test.
pub struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    /// Writes each `(relative path, contents)` under a new temporary folder.
    pub fn new(files: &[(&str, &str)]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "layering-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        for (path, contents) in files {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, contents).unwrap();
        }
        Self { dir }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The violations of the tree rooted at `root`, shown with paths relative to the folder.
    pub fn violations(&self, root: &str) -> Vec<String> {
        let tree = ModuleTree::load(&self.dir.join(root)).unwrap();
        violations(&tree)
            .into_iter()
            .map(|mut violation| {
                violation.file = violation.file.strip_prefix(&self.dir).unwrap().to_owned();
                violation.to_string()
            })
            .collect()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The violations of a crate whose root is `src/lib.rs`, given its files.
pub fn lib_violations(files: &[(&str, &str)]) -> Vec<String> {
    Fixture::new(files).violations("src/lib.rs")
}

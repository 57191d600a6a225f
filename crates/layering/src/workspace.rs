//! Checking a whole workspace (every crate under `crates/` and `tests/`, the fuzz crate too) or
//! one crate, root by root, into one report.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::manifest::crate_roots;
use crate::rule::{Violation, violations};
use crate::tree::ModuleTree;

/// The folders of a workspace that hold crates: the folder itself if it has a manifest, and each
/// subfolder with one.
const CRATE_FOLDERS: [&str; 2] = ["crates", "tests"];

/// The outcome of a check.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// How many crates were checked.
    pub crates: usize,
    /// How many modules the checked trees hold (a file shared by two roots counts in each).
    pub modules: usize,
    /// Every violation found, file paths relative to the checked folder, sorted.
    pub violations: Vec<Violation>,
}

impl Report {
    /// Whether the rule holds everywhere.
    pub fn holds(&self) -> bool {
        self.violations.is_empty()
    }
}

impl fmt::Display for Report {
    /// One line per violation, then a one-line summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for violation in &self.violations {
            writeln!(f, "{violation}")?;
        }
        if self.holds() {
            return write!(
                f,
                "{} crates, {} modules, layering holds",
                self.crates, self.modules
            );
        }
        let mut files: Vec<&PathBuf> = self.violations.iter().map(|v| &v.file).collect();
        files.dedup();
        write!(
            f,
            "{} layering violations in {} files ({} crates, {} modules checked): a module may use \
             only modules declared above it in its parent",
            self.violations.len(),
            files.len(),
            self.crates,
            self.modules
        )
    }
}

/// Checks the workspace in `dir` (a folder with `crates/`), or the single crate in `dir`.
pub fn check(dir: &Path) -> Result<Report, Error> {
    let crates = if dir.join("crates").is_dir() {
        crate_dirs(dir)?
    } else if dir.join("Cargo.toml").is_file() {
        vec![dir.to_owned()]
    } else {
        return Err(Error::NotACrate {
            path: dir.to_owned(),
        });
    };
    let mut report = Report {
        crates: crates.len(),
        ..Report::default()
    };
    for krate in &crates {
        for root in crate_roots(krate)? {
            let tree = ModuleTree::load(&root)?;
            report.modules += tree.modules.len();
            report.violations.extend(violations(&tree));
        }
    }
    for violation in &mut report.violations {
        if let Ok(relative) = violation.file.strip_prefix(dir) {
            violation.file = relative.to_owned();
        }
    }
    // A file shared by several roots (a test `support` module) is reported once.
    report.violations.sort();
    report.violations.dedup();
    Ok(report)
}

/// The crate folders of the workspace in `root`, sorted.
pub fn crate_dirs(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut crates = Vec::new();
    for folder in CRATE_FOLDERS.map(|name| root.join(name)) {
        if !folder.is_dir() {
            continue;
        }
        if folder.join("Cargo.toml").is_file() {
            crates.push(folder.clone());
        }
        let entries = std::fs::read_dir(&folder).map_err(Error::io(&folder))?;
        let mut inner = Vec::new();
        for entry in entries {
            let path = entry.map_err(Error::io(&folder))?.path();
            if path.join("Cargo.toml").is_file() {
                inner.push(path);
            }
        }
        inner.sort();
        crates.extend(inner);
    }
    Ok(crates)
}

//! What can stop a check before it reaches a verdict: an unreadable or unparsable file, a module
//! whose file is missing, a manifest that names no readable root.

use std::path::PathBuf;

/// Why a workspace, a crate or a module tree could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A Rust source file is not valid Rust.
    #[error("cannot parse {}:{line}: {source}", path.display())]
    Parse {
        /// The source file.
        path: PathBuf,
        /// The line the parser stopped at.
        line: usize,
        /// What the parser said.
        #[source]
        source: syn::Error,
    },
    /// `mod name;` names a module whose file exists at none of the places Rust looks.
    #[error("{}: module `{name}` not found (looked for {})", file.display(), looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    ModuleNotFound {
        /// The file holding the declaration.
        file: PathBuf,
        /// The declared module's name.
        name: String,
        /// The candidate files, none of which exists.
        looked: Vec<PathBuf>,
    },
    /// The directory to check is neither a workspace (no `crates/`) nor a crate (no `Cargo.toml`).
    #[error("{} holds neither a `crates/` folder nor a Cargo.toml", path.display())]
    NotACrate {
        /// The directory given.
        path: PathBuf,
    },
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

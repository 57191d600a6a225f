//! A crate's roots, each its own module tree: the library and binaries Cargo finds by convention
//! (`src/lib.rs`, `src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs`), its integration tests
//! (`tests/*.rs`, `tests/*/main.rs`), and the files its manifest's `[lib]`, `[[bin]]` and
//! `[[test]]` tables name with `path = "…"`.
//!
//! The manifest is read line by line for those `path` keys only; a full TOML parser would be a
//! dependency for one key.

use std::path::{Component, Path, PathBuf};

use crate::error::Error;

/// The root files of the crate in `dir` that exist, each once, in a stable order.
pub fn crate_roots(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(Error::io(&manifest))?;
    let mut roots: Vec<PathBuf> = declared_paths(&text)
        .into_iter()
        .map(|path| dir.join(path))
        .collect();
    roots.extend(
        [dir.join("src/lib.rs"), dir.join("src/main.rs")]
            .into_iter()
            .filter(|file| file.is_file()),
    );
    roots.extend(conventional(&dir.join("src/bin"))?);
    roots.extend(conventional(&dir.join("tests"))?);
    let mut unique = Vec::new();
    for root in roots.iter().map(|root| normalise(root)) {
        if root.is_file() && !unique.contains(&root) {
            unique.push(root);
        }
    }
    Ok(unique)
}

/// The `*.rs` files and `*/main.rs` files directly in `dir` (none if it does not exist), sorted.
fn conventional(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(Error::io(dir)(source)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(Error::io(dir))?.path();
        if path.is_dir() {
            files.push(path.join("main.rs"));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.retain(|file| file.is_file());
    files.sort();
    Ok(files)
}

/// The `path = "…"` values of the `[lib]`, `[[bin]]` and `[[test]]` tables of a manifest.
fn declared_paths(manifest: &str) -> Vec<String> {
    let mut in_target = false;
    let mut paths = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            let table = line.trim_matches(|c| c == '[' || c == ']').trim();
            in_target = matches!(table, "lib" | "bin" | "test");
        } else if in_target && let Some(value) = line.strip_prefix("path").and_then(string_value) {
            paths.push(value);
        }
    }
    paths
}

/// The quoted string of `= "value"` (or `= 'value'`), ignoring a trailing comment.
fn string_value(rest: &str) -> Option<String> {
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &rest[1..];
    Some(inner[..inner.find(quote)?].to_owned())
}

/// `path` without `.` components (`dir/./src/main.rs` → `dir/src/main.rs`).
fn normalise(path: &Path) -> PathBuf {
    path.components()
        .filter(|component| *component != Component::CurDir)
        .collect()
}

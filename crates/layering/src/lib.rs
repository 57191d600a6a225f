//! Keeps module layering one-way: inside a crate, a module imports only modules declared above it.
//!
//! The project's rule (design.md, "Inside a crate") is that `lib.rs` or `main.rs` declares its
//! modules in flow order, leaves first, and that each module uses only the modules declared above
//! it; a folder module's `mod.rs` orders its children the same way. Import cycles are then
//! impossible, and reading a crate top to bottom meets every module after what it builds on.
//!
//! What is checked, for every crate root (library, binaries, integration tests, each its own
//! module tree):
//! - every path starting with `crate::`, `super::` or `self::` in production code, whether in a
//!   `use` tree (brace groups included), a type, an expression or a macro invocation's tokens, is
//!   resolved to an absolute module path;
//! - at the first level where that path leaves the referencing module's own path, a sibling
//!   module it names (or a sibling an item the parent re-exports comes from) must be declared
//!   above the referencing module. Own descendants, ancestors and items the parent defines itself
//!   impose no order, and `#[cfg(test)]` code is skipped (tests may `use super::*`).
//!
//! Sources are parsed with [`syn`] and scanned as [`proc_macro2`] token streams: both are the
//! maintained, standard Rust parsing crates (the compiler's own proc-macro ecosystem is built on
//! them), so the checker reads Rust as the compiler does without a compiler dependency.
//!
//! Run it with `cargo run -q -p layering` at the workspace root (or give a workspace or crate
//! folder as the argument): one line per violation, then a summary; the exit status is 1 when the
//! rule is broken.

// Leaves first, the whole-workspace check last; each line is its own group so that rustfmt's
// `reorder_modules` keeps this order.
mod error;
// Paths as written and resolved.
mod path;
// `#[cfg(test)]` recognised and stripped.
mod test_code;
// Anchored paths in token streams.
mod scan;
// Names brought in by `use`.
mod uses;
// Module trees loaded from a root.
mod tree;
// The rule applied to one tree.
mod rule;
// A crate's roots.
mod manifest;
// Every crate, every root, one report.
mod workspace;

pub use error::Error;
pub use manifest::crate_roots;
pub use path::{Anchor, ModPath, WrittenPath};
pub use rule::{Violation, violations};
pub use tree::{Module, ModuleTree};
pub use uses::Imports;
pub use workspace::{Report, check, crate_dirs};

#[cfg(test)]
mod tests;

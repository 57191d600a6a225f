//! The rule itself: a module uses only modules declared above it. A reference is traced to the
//! first level where its path leaves the referencing module's own path; there, if the name is a
//! sibling module (or an item the parent re-exports from one), that sibling must come first in the
//! parent's declarations. Own descendants and ancestors are always fine, and so are names the
//! parent defines itself.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::path::{Absolute, Anchor, ModPath, Relative, WrittenPath};
use crate::tree::{Module, ModuleTree};

/// How many re-exports a reference is followed through before the trace gives up.
const MAX_REEXPORT_HOPS: usize = 8;

/// A reference to a sibling module declared below the referencing one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// The file holding the reference.
    pub file: PathBuf,
    /// The reference's first line in that file.
    pub line: usize,
    /// The referencing module.
    pub module: ModPath,
    /// The sibling module it reaches (the referenced path up to the level where the rule applies).
    pub used: ModPath,
    /// When the reference goes through a re-export: the re-exported path it names.
    pub via: Option<ModPath>,
    /// The file declaring both siblings, relative to the crate root's folder (`lib.rs`,
    /// `config/mod.rs`).
    pub declared_in: PathBuf,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: module {} uses ",
            self.file.display(),
            self.line,
            Relative(&self.module)
        )?;
        match &self.via {
            Some(name) => write!(f, "{} (from {}, ", Absolute(name), Absolute(&self.used))?,
            None => write!(f, "{} (", Absolute(&self.used))?,
        }
        let level = self.used.len() - 1;
        let below = if self.module.len() == self.used.len() {
            "it"
        } else {
            self.module[level].as_str()
        };
        write!(
            f,
            "declared below {below} in {})",
            self.declared_in.display()
        )
    }
}

/// Every violation of the rule in `tree`, one per referencing module and used sibling (at the
/// first line it is used on), sorted by file and line.
pub fn violations(tree: &ModuleTree) -> Vec<Violation> {
    let root_dir = tree.root.parent().unwrap_or(Path::new(""));
    let mut found: Vec<Violation> = Vec::new();
    for module in tree.modules.values() {
        for reference in &module.references {
            let Some(target) = reference.resolve(&module.path) else {
                continue;
            };
            let Some((used, via, parent)) = trace(tree, module, target) else {
                continue;
            };
            let known = found.iter_mut().find(|v| {
                v.file == module.file && v.module == module.path && v.used == used && v.via == via
            });
            match known {
                Some(violation) => violation.line = violation.line.min(reference.line),
                None => found.push(Violation {
                    file: module.file.clone(),
                    line: reference.line,
                    module: module.path.clone(),
                    used,
                    via,
                    declared_in: parent
                        .file
                        .strip_prefix(root_dir)
                        .unwrap_or(&parent.file)
                        .to_owned(),
                }),
            }
        }
    }
    found.sort();
    found
}

/// Follows `target`, referenced from `module`, to the level where it leaves the module's own path;
/// returns the sibling it reaches there, the re-exported name it went through and their parent
/// when that sibling is declared below the referencing side.
fn trace<'t>(
    tree: &'t ModuleTree,
    module: &Module,
    mut target: ModPath,
) -> Option<(ModPath, Option<ModPath>, &'t Module)> {
    let mine = &module.path;
    let mut via = None;
    for _ in 0..MAX_REEXPORT_HOPS {
        let level = mine.iter().zip(&target).take_while(|(a, b)| a == b).count();
        if level == mine.len() || level == target.len() {
            return None; // the module itself, a descendant or an ancestor
        }
        let parent = tree.module(&mine[..level])?;
        let name = &target[level];
        if parent.children.contains(name) {
            let position = |child: &String| parent.children.iter().position(|c| c == child);
            let below = position(name)? > position(&mine[level])?;
            return below.then(|| (target[..=level].to_vec(), via, parent));
        }
        if parent.defines.contains(name) {
            return None;
        }
        let source = reexport_source(tree, parent, name)?;
        via.get_or_insert_with(|| target[..=level].to_vec());
        target = source
            .into_iter()
            .chain(target.drain(level + 1..))
            .collect();
    }
    None
}

/// The absolute path of what `parent` imports as `name` from one of its own children (explicitly
/// or through a glob over a child that has the name); `None` for imports from elsewhere.
fn reexport_source(tree: &ModuleTree, parent: &Module, name: &str) -> Option<ModPath> {
    let from_child = |written: &WrittenPath| -> Option<ModPath> {
        let absolute = match written.anchor {
            Anchor::Bare => {
                let first = written.segments.first()?;
                parent.children.contains(first).then(|| {
                    parent
                        .path
                        .iter()
                        .chain(&written.segments)
                        .cloned()
                        .collect()
                })?
            }
            _ => written.resolve(&parent.path)?,
        };
        let below_parent = absolute.len() > parent.path.len()
            && absolute.starts_with(&parent.path)
            && parent.children.contains(&absolute[parent.path.len()]);
        below_parent.then_some(absolute)
    };
    let explicit = parent
        .imports
        .names
        .iter()
        .filter(|(imported, _)| imported == name)
        .find_map(|(_, written)| from_child(written));
    explicit.or_else(|| {
        parent.imports.globs.iter().find_map(|written| {
            let module = from_child(written)?;
            let child = tree.module(&module)?;
            let has =
                child.defines.contains(name) || child.imports.names.iter().any(|(n, _)| n == name);
            has.then(|| module.into_iter().chain([name.to_owned()]).collect())
        })
    })
}

//! The names a `use` declaration brings into its module (`use child::Name`,
//! `pub use self::child::{A, B as C}`, `pub(crate) use crate::x::*`): how a parent re-exports what
//! its children define, so that `crate::Name` can be traced to the child it comes from.

use syn::{ItemUse, UseTree};

use crate::path::{Anchor, WrittenPath};

/// What one module's `use` declarations bring into scope.
#[derive(Debug, Default, Clone)]
pub struct Imports {
    /// Each imported name with the path it was imported from (`self` imports name the module).
    pub names: Vec<(String, WrittenPath)>,
    /// The paths of glob imports (`use x::*`), each naming the module whose items come in.
    pub globs: Vec<WrittenPath>,
}

impl Imports {
    /// Adds the names of one `use` declaration; paths from another crate (`::x`) are skipped.
    pub fn add(&mut self, item: &ItemUse) {
        if item.leading_colon.is_none() {
            let line = item.use_token.span.start().line;
            self.add_tree(&item.tree, &mut Vec::new(), line);
        }
    }

    /// Adds the names of `tree`, found under the segments in `prefix`.
    fn add_tree(&mut self, tree: &UseTree, prefix: &mut Vec<String>, line: usize) {
        match tree {
            UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.add_tree(&path.tree, prefix, line);
                prefix.pop();
            }
            UseTree::Name(name) => {
                let ident = name.ident.to_string();
                if let Some((path, last)) = written(prefix, &ident, line) {
                    self.names.push((last, path));
                }
            }
            UseTree::Rename(rename) => {
                let alias = rename.rename.to_string();
                if alias != "_"
                    && let Some((path, _)) = written(prefix, &rename.ident.to_string(), line)
                {
                    self.names.push((alias, path));
                }
            }
            UseTree::Glob(_) => {
                if let Some(path) = anchored(prefix, line) {
                    self.globs.push(path);
                }
            }
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.add_tree(tree, prefix, line);
                }
            }
        }
    }
}

/// The path `prefix::name` and the name it imports (`a::b::{self}` imports `b`).
fn written(prefix: &[String], name: &str, line: usize) -> Option<(WrittenPath, String)> {
    if name == "self" {
        let last = prefix.last()?.clone();
        return Some((anchored(prefix, line)?, last));
    }
    let mut full = prefix.to_vec();
    full.push(name.to_owned());
    Some((anchored(&full, line)?, name.to_owned()))
}

/// `segments` read as a path: its leading `crate`, `self` or `super`s become the anchor.
fn anchored(segments: &[String], line: usize) -> Option<WrittenPath> {
    let (first, rest) = segments.split_first()?;
    let (anchor, rest) = match first.as_str() {
        "crate" | "$crate" => (Anchor::Crate, rest),
        "self" => (Anchor::SelfModule, rest),
        "super" => {
            let climbs = 1 + rest.iter().take_while(|s| *s == "super").count();
            (Anchor::Super(climbs), &rest[climbs - 1..])
        }
        _ => (Anchor::Bare, segments),
    };
    Some(WrittenPath {
        anchor,
        segments: rest.to_vec(),
        line,
    })
}

//! Module paths: a path as written (`crate::a::b`, `super::super::c`, `self::d`, `e::f`) and its
//! resolution to an absolute path from the module that wrote it.

use std::fmt;

/// An absolute module path below the crate root; empty for the root itself.
pub type ModPath = Vec<String>;

/// Where a written path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// `crate::…` (or `$crate::…` in a macro): the crate root.
    Crate,
    /// `self::…`: the writing module.
    SelfModule,
    /// `super::…` repeated this many times: that many levels up.
    Super(usize),
    /// No keyword (`name::…`): an item in scope or another crate; only `use` trees carry these.
    Bare,
}

/// A path as written in a module, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenPath {
    /// Where the path starts.
    pub anchor: Anchor,
    /// The names after the anchor (modules, then possibly an item and its members).
    pub segments: Vec<String>,
    /// The 1-based line of the path's first token.
    pub line: usize,
}

impl WrittenPath {
    /// The absolute path this names when written in `module`, or `None` for a bare path or a
    /// `super` that climbs above the crate root.
    pub fn resolve(&self, module: &[String]) -> Option<ModPath> {
        let base = match self.anchor {
            Anchor::Crate => &[][..],
            Anchor::SelfModule => module,
            Anchor::Super(levels) => module.get(..module.len().checked_sub(levels)?)?,
            Anchor::Bare => return None,
        };
        Some(base.iter().chain(&self.segments).cloned().collect())
    }
}

/// Shows an absolute path as `crate::a::b`.
pub struct Absolute<'a>(pub &'a [String]);

impl fmt::Display for Absolute<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("crate")?;
        self.0
            .iter()
            .try_for_each(|segment| write!(f, "::{segment}"))
    }
}

/// Shows a module path as `a::b` (`crate` for the root).
pub struct Relative<'a>(pub &'a [String]);

impl fmt::Display for Relative<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("crate")
        } else {
            f.write_str(&self.0.join("::"))
        }
    }
}

//! A crate root's module tree as the compiler builds it: `mod x;` loads `x.rs` or `x/mod.rs`
//! (or the file a `#[path]` names), `mod x { … }` nests in place, `#[cfg(test)]` items are left
//! out. Each module keeps its children in declaration order, the names it defines and imports,
//! and every `crate::`/`super::`/`self::` path its production code writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use quote::ToTokens;
use syn::{Item, ItemMod};

use crate::error::Error;
use crate::path::{ModPath, WrittenPath};
use crate::scan::anchored_paths;
use crate::test_code::{is_test_only, item_attrs, strip_test_code};
use crate::uses::Imports;

/// One module of a tree.
#[derive(Debug, Clone)]
pub struct Module {
    /// Its absolute path (empty for the crate root).
    pub path: ModPath,
    /// The file its items are written in (for an inline `mod x { … }`, the enclosing file).
    pub file: PathBuf,
    /// Its child modules, in the order they are declared.
    pub children: Vec<String>,
    /// The names of the items it defines (child modules included).
    pub defines: BTreeSet<String>,
    /// What its `use` declarations bring into scope.
    pub imports: Imports,
    /// Every anchored path (`crate::`, `super::`, `self::`) in its production code.
    pub references: Vec<WrittenPath>,
}

/// The modules reachable from one crate root (a library, a binary or an integration test).
#[derive(Debug, Clone)]
pub struct ModuleTree {
    /// The root file (`src/lib.rs`, `src/main.rs`, `tests/name.rs`, …).
    pub root: PathBuf,
    /// Every module by absolute path; the root's path is empty.
    pub modules: BTreeMap<ModPath, Module>,
}

impl ModuleTree {
    /// Parses `root` and every module file it reaches.
    pub fn load(root: &Path) -> Result<Self, Error> {
        let mut tree = Self {
            root: root.to_owned(),
            modules: BTreeMap::new(),
        };
        let dir = parent_dir(root);
        tree.load_file(root, ModPath::new(), &dir)?;
        Ok(tree)
    }

    /// The module at `path`, if the tree has one.
    pub fn module(&self, path: &[String]) -> Option<&Module> {
        self.modules.get(path)
    }

    /// Parses `file` as the module at `path`; `dir` is where its `mod x;` files live.
    fn load_file(&mut self, file: &Path, path: ModPath, dir: &Path) -> Result<(), Error> {
        let text = std::fs::read_to_string(file).map_err(Error::io(file))?;
        let parsed = syn::parse_file(&text).map_err(|source| Error::Parse {
            path: file.to_owned(),
            line: source.span().start().line,
            source,
        })?;
        let location = Location {
            file,
            dir,
            path_base: &parent_dir(file),
        };
        self.load_items(&location, path, parsed.items)
    }

    /// Adds the module at `path` made of `items`, and its children.
    fn load_items(
        &mut self,
        location: &Location<'_>,
        path: ModPath,
        items: Vec<Item>,
    ) -> Result<(), Error> {
        let mut module = Module {
            path,
            file: location.file.to_owned(),
            children: Vec::new(),
            defines: BTreeSet::new(),
            imports: Imports::default(),
            references: Vec::new(),
        };
        for mut item in items {
            if is_test_only(item_attrs(&item)) {
                continue;
            }
            match item {
                Item::Mod(child) => {
                    let name = child.ident.to_string();
                    module.children.push(name.clone());
                    module.defines.insert(name.clone());
                    let mut child_path = module.path.clone();
                    child_path.push(name);
                    self.load_child(location, child_path, child)?;
                }
                Item::Use(declaration) => {
                    module.imports.add(&declaration);
                    module
                        .references
                        .extend(anchored_paths(declaration.to_token_stream()));
                }
                _ => {
                    strip_test_code(&mut item);
                    module.defines.extend(defined_name(&item));
                    module
                        .references
                        .extend(anchored_paths(item.to_token_stream()));
                }
            }
        }
        self.modules.insert(module.path.clone(), module);
        Ok(())
    }

    /// Loads the child module `child` declared at `location`, inline or from its file.
    fn load_child(
        &mut self,
        location: &Location<'_>,
        path: ModPath,
        child: ItemMod,
    ) -> Result<(), Error> {
        let name = child.ident.to_string();
        let attribute = path_attribute(&child);
        if let Some((_, items)) = child.content {
            let dir = location.dir.join(attribute.as_deref().unwrap_or(&name));
            let inner = Location {
                file: location.file,
                dir: &dir,
                path_base: &dir,
            };
            return self.load_items(&inner, path, items);
        }
        let candidates = match &attribute {
            Some(relative) => vec![location.path_base.join(relative)],
            None => vec![
                location.dir.join(format!("{name}.rs")),
                location.dir.join(&name).join("mod.rs"),
            ],
        };
        let Some(found) = candidates.iter().find(|file| file.is_file()) else {
            return Err(Error::ModuleNotFound {
                file: location.file.to_owned(),
                name,
                looked: candidates,
            });
        };
        // `mod.rs` and `#[path]` files own their folder; `x.rs` keeps its children in `x/`.
        let owns_folder = attribute.is_some() || found.file_name().is_some_and(|n| n == "mod.rs");
        let dir = if owns_folder {
            parent_dir(found)
        } else {
            found.with_extension("")
        };
        self.load_file(found, path, &dir)
    }
}

/// Where a module's items are written and where its out-of-line children are looked for.
struct Location<'a> {
    /// The file holding the items.
    file: &'a Path,
    /// The folder of `mod x;` children (`x.rs`, `x/mod.rs`).
    dir: &'a Path,
    /// The folder a `#[path = "…"]` on a child is relative to.
    path_base: &'a Path,
}

/// The folder holding `file` (`.` for a bare file name).
fn parent_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The value of a `#[path = "…"]` attribute on a module declaration.
fn path_attribute(module: &ItemMod) -> Option<String> {
    module.attrs.iter().find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(pair) if pair.path.is_ident("path") => match &pair.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(value),
                ..
            }) => Some(value.value()),
            _ => None,
        },
        _ => None,
    })
}

/// The name an item defines in its module's namespace, if it defines one.
fn defined_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Const(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::ExternCrate(i) => i.rename.as_ref().map_or(&i.ident, |(_, alias)| alias),
        Item::Fn(i) => &i.sig.ident,
        Item::Macro(i) => i.ident.as_ref()?,
        Item::Static(i) => &i.ident,
        Item::Struct(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::TraitAlias(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Union(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

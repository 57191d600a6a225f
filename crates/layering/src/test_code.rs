//! Test-only code, which the rule leaves alone (`#[cfg(test)] mod tests { use super::*; }` reaches
//! back up by design): recognising `#[cfg(test)]` and removing such items before a scan.

use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Meta};

/// Whether these attributes compile the item only for tests: `#[cfg(test)]`, or a `cfg` that
/// requires `test` such as `#[cfg(all(test, feature = "x"))]`.
pub fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"))
        .any(|attr| match &attr.meta {
            Meta::List(list) => list
                .parse_args::<Meta>()
                .is_ok_and(|meta| requires_test(&meta)),
            _ => false,
        })
}

/// Whether a `cfg` predicate holds only when `test` does.
fn requires_test(predicate: &Meta) -> bool {
    match predicate {
        Meta::Path(path) => path.is_ident("test"),
        Meta::List(list) if list.path.is_ident("all") => list
            .parse_args_with(syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated)
            .is_ok_and(|all| all.iter().any(requires_test)),
        _ => false,
    }
}

/// Removes the test-only items nested inside `item` (methods of an `impl`, items of a function
/// body, associated items of a trait) so that a scan of its tokens sees production code only.
pub fn strip_test_code(item: &mut syn::Item) {
    StripTests.visit_item_mut(item);
}

/// The visitor behind [`strip_test_code`].
struct StripTests;

impl VisitMut for StripTests {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        item.items
            .retain(|inner| !is_test_only(impl_item_attrs(inner)));
        visit_mut::visit_item_impl_mut(self, item);
    }

    fn visit_item_trait_mut(&mut self, item: &mut syn::ItemTrait) {
        item.items
            .retain(|inner| !is_test_only(trait_item_attrs(inner)));
        visit_mut::visit_item_trait_mut(self, item);
    }

    fn visit_item_mod_mut(&mut self, item: &mut syn::ItemMod) {
        if let Some((_, items)) = &mut item.content {
            items.retain(|inner| !is_test_only(item_attrs(inner)));
        }
        visit_mut::visit_item_mod_mut(self, item);
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        block.stmts.retain(|stmt| match stmt {
            syn::Stmt::Item(item) => !is_test_only(item_attrs(item)),
            syn::Stmt::Local(local) => !is_test_only(&local.attrs),
            _ => true,
        });
        visit_mut::visit_block_mut(self, block);
    }
}

/// The outer attributes of an item.
pub fn item_attrs(item: &syn::Item) -> &[Attribute] {
    use syn::Item;
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The outer attributes of an item inside an `impl` block.
fn impl_item_attrs(item: &syn::ImplItem) -> &[Attribute] {
    use syn::ImplItem;
    match item {
        ImplItem::Const(i) => &i.attrs,
        ImplItem::Fn(i) => &i.attrs,
        ImplItem::Type(i) => &i.attrs,
        ImplItem::Macro(i) => &i.attrs,
        _ => &[],
    }
}

/// The outer attributes of an item inside a trait.
fn trait_item_attrs(item: &syn::TraitItem) -> &[Attribute] {
    use syn::TraitItem;
    match item {
        TraitItem::Const(i) => &i.attrs,
        TraitItem::Fn(i) => &i.attrs,
        TraitItem::Type(i) => &i.attrs,
        TraitItem::Macro(i) => &i.attrs,
        _ => &[],
    }
}

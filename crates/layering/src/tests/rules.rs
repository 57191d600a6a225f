//! The rule on synthetic module trees: what is reported and what is not.

use super::fixture::lib_violations;

#[test]
fn an_upward_import_is_reported() {
    let found = lib_violations(&[
        ("src/lib.rs", "mod leaf;\nmod flow;\n"),
        (
            "src/leaf.rs",
            "pub struct Leaf;\n\nuse crate::flow::Flow;\n",
        ),
        ("src/flow.rs", "use crate::leaf::Leaf;\npub struct Flow;\n"),
    ]);
    assert_eq!(
        found,
        ["src/leaf.rs:3: module leaf uses crate::flow (declared below it in lib.rs)"]
    );
}

#[test]
fn a_two_module_cycle_is_reported_once_per_module_pair() {
    let found = lib_violations(&[
        ("src/lib.rs", "mod config;\nmod agents;\n"),
        (
            "src/config.rs",
            "use crate::agents::Agents;\nfn f(a: crate::agents::Agents) {}\n",
        ),
        ("src/agents.rs", "use crate::config::Config;\n"),
    ]);
    assert_eq!(
        found,
        ["src/config.rs:1: module config uses crate::agents (declared below it in lib.rs)"]
    );
}

#[test]
fn a_cycle_through_a_reexport_is_reported() {
    let found = lib_violations(&[
        (
            "src/lib.rs",
            "mod a;\nmod b;\nmod c;\nmod d;\npub use b::B;\npub use self::c::{C, D as Renamed};\n\
             pub(crate) use crate::d::*;\npub struct Own;\n",
        ),
        (
            "src/a.rs",
            "use crate::B;\nfn f(_: crate::Renamed) {}\nfn g(_: crate::Glob, _: crate::Own) {}\n",
        ),
        ("src/b.rs", "pub struct B;\n"),
        ("src/c.rs", "pub struct C;\npub struct D;\n"),
        ("src/d.rs", "pub struct Glob;\nuse crate::{B, Own};\n"),
    ]);
    assert_eq!(
        found,
        [
            "src/a.rs:1: module a uses crate::B (from crate::b, declared below it in lib.rs)",
            "src/a.rs:2: module a uses crate::Renamed (from crate::c, declared below it in lib.rs)",
            "src/a.rs:3: module a uses crate::Glob (from crate::d, declared below it in lib.rs)",
        ]
    );
}

#[test]
fn use_groups_resolve_every_branch() {
    let found = lib_violations(&[
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\nmod d;\n"),
        (
            "src/a.rs",
            "use crate::{\n    b::{self, X},\n    c::{z::{Z, W}},\n};\n",
        ),
        ("src/b.rs", "pub struct X;\n"),
        ("src/c.rs", "pub mod z { pub struct Z; pub struct W; }\n"),
        ("src/d.rs", "use crate::{a, b::{X as _}, c::z::*};\n"),
    ]);
    assert_eq!(
        found,
        [
            "src/a.rs:2: module a uses crate::b (declared below it in lib.rs)",
            "src/a.rs:3: module a uses crate::c (declared below it in lib.rs)",
        ]
    );
}

#[test]
fn paths_inside_macro_invocations_are_found() {
    let found = lib_violations(&[
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
        (
            "src/a.rs",
            "fn f(v: u8) -> bool {\n    tracing::info!(x = %crate::b::name());\n    \
             matches!(v, crate::c::ONE)\n}\n",
        ),
        ("src/b.rs", "pub fn name() -> &'static str { \"b\" }\n"),
        ("src/c.rs", "pub const ONE: u8 = 1;\n"),
    ]);
    assert_eq!(
        found,
        [
            "src/a.rs:2: module a uses crate::b (declared below it in lib.rs)",
            "src/a.rs:3: module a uses crate::c (declared below it in lib.rs)",
        ]
    );
}

#[test]
fn super_and_self_resolve_from_the_writing_module() {
    let found = lib_violations(&[
        ("src/lib.rs", "mod outer;\nmod top;\n"),
        (
            "src/outer/mod.rs",
            "mod one;\nmod two;\nuse self::one::One;\n",
        ),
        (
            "src/outer/one.rs",
            "pub struct One;\nuse super::two::Two;\nfn f() { super::super::top::g(); }\n\
             fn h() { self::inner(); }\nfn inner() {}\n",
        ),
        (
            "src/outer/two.rs",
            "pub struct Two;\nuse super::one::One;\n",
        ),
        ("src/top.rs", "pub fn g() {}\n"),
    ]);
    assert_eq!(
        found,
        [
            "src/outer/one.rs:2: module outer::one uses crate::outer::two (declared below it in outer/mod.rs)",
            "src/outer/one.rs:3: module outer::one uses crate::top (declared below outer in lib.rs)",
        ]
    );
}

#[test]
fn test_code_is_not_checked() {
    let found = lib_violations(&[
        ("src/lib.rs", "mod a;\nmod b;\n"),
        (
            "src/a.rs",
            "pub struct A;\nimpl A {\n    #[cfg(test)]\n    fn probe() { crate::b::g(); }\n}\n\
             #[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::b::g;\n}\n\
             #[cfg(all(test, feature = \"x\"))]\nmod missing_file_never_loaded;\n",
        ),
        ("src/b.rs", "pub fn g() {}\n"),
    ]);
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn parents_descendants_and_the_parents_own_items_are_fine() {
    let found = lib_violations(&[
        (
            "src/lib.rs",
            "mod a;\nmod b;\npub use b::B;\npub struct Root;\nfn f() { crate::b::g(); self::a::h(); }\n",
        ),
        (
            "src/a.rs",
            "mod inner;\npub fn h() { crate::a::inner::i(); self::inner::i(); }\n\
             fn k(_: crate::Root, _: super::Root) {}\n",
        ),
        (
            "src/a/inner.rs",
            "pub fn i() { crate::a::h(); super::h(); }\n",
        ),
        (
            "src/b.rs",
            "pub struct B;\npub fn g() { let _: crate::B = crate::B; }\n",
        ),
    ]);
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn nested_folder_modules_follow_the_same_rule() {
    let found = lib_violations(&[
        ("src/lib.rs", "mod steps;\n"),
        (
            "src/steps/mod.rs",
            "mod parse;\nmod verify;\npub use verify::Verified;\n",
        ),
        ("src/steps/parse/mod.rs", "mod fields;\n"),
        (
            "src/steps/parse/fields.rs",
            "fn f(_: crate::steps::Verified) {}\n",
        ),
        (
            "src/steps/verify.rs",
            "pub struct Verified;\nuse super::parse;\n",
        ),
    ]);
    assert_eq!(
        found,
        [
            "src/steps/parse/fields.rs:1: module steps::parse::fields uses crate::steps::Verified \
             (from crate::steps::verify, declared below parse in steps/mod.rs)"
        ]
    );
}

#[test]
fn inline_modules_and_path_attributes_are_followed() {
    let found = lib_violations(&[
        (
            "src/lib.rs",
            "mod a {\n    pub fn f() { crate::b::g(); }\n    mod deep;\n}\n#[path = \"elsewhere.rs\"]\nmod b;\n",
        ),
        ("src/a/deep.rs", "fn x() { crate::b::g(); }\n"),
        ("src/elsewhere.rs", "pub fn g() {}\n"),
    ]);
    assert_eq!(
        found,
        [
            "src/a/deep.rs:1: module a::deep uses crate::b (declared below a in lib.rs)",
            "src/lib.rs:2: module a uses crate::b (declared below it in lib.rs)",
        ]
    );
}

//! Which files are roots, and a whole workspace checked root by root.

use super::fixture::Fixture;
use crate::{check, crate_roots};

#[test]
fn roots_are_conventional_files_and_the_manifests_paths() {
    let fixture = Fixture::new(&[
        (
            "Cargo.toml",
            "[package]\nname = \"x\"\n\n[lib]\npath = \"support/lib.rs\" # not src/\n\n\
             [[bin]]\nname = \"tool\"\npath = \"./src/main.rs\"\n\n[[test]]\nname = \"e2e\"\n\
             path = 'e2e.rs'\n\n[dependencies]\npath = { path = \"not-a-root.rs\" }\n",
        ),
        ("support/lib.rs", ""),
        ("src/main.rs", ""),
        ("src/bin/one.rs", ""),
        ("src/bin/two/main.rs", ""),
        ("e2e.rs", ""),
        ("tests/flat.rs", ""),
        ("tests/suite/main.rs", ""),
        ("tests/support/mod.rs", ""),
        ("not-a-root.rs", ""),
    ]);
    let roots: Vec<String> = crate_roots(fixture.dir())
        .unwrap()
        .iter()
        .map(|root| {
            root.strip_prefix(fixture.dir())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        roots,
        [
            "support/lib.rs",
            "src/main.rs",
            "e2e.rs",
            "src/bin/one.rs",
            "src/bin/two/main.rs",
            "tests/flat.rs",
            "tests/suite/main.rs",
        ]
    );
}

#[test]
fn a_workspace_is_checked_crate_by_crate_and_root_by_root() {
    let fixture = Fixture::new(&[
        ("crates/one/Cargo.toml", "[package]\nname = \"one\"\n"),
        ("crates/one/src/lib.rs", "mod a;\nmod b;\n"),
        ("crates/one/src/a.rs", "use crate::b::B;\n"),
        ("crates/one/src/b.rs", "pub struct B;\n"),
        ("crates/one/tests/it/main.rs", "mod support;\nmod cases;\n"),
        ("crates/one/tests/it/support.rs", "pub fn helper() {}\n"),
        (
            "crates/one/tests/it/cases.rs",
            "use crate::support::helper;\n",
        ),
        ("crates/not-a-crate/README.md", ""),
        (
            "tests/Cargo.toml",
            "[package]\nname = \"e2e\"\n[lib]\npath = \"support/lib.rs\"\n",
        ),
        ("tests/support/lib.rs", "mod x;\nmod y;\n"),
        ("tests/support/x.rs", "fn f() { super::y::g() }\n"),
        ("tests/support/y.rs", "pub fn g() {}\n"),
    ]);
    let report = check(fixture.dir()).unwrap();
    assert_eq!((report.crates, report.modules), (2, 9));
    assert_eq!(
        report.to_string().lines().collect::<Vec<_>>(),
        [
            "crates/one/src/a.rs:1: module a uses crate::b (declared below it in lib.rs)",
            "tests/support/x.rs:1: module x uses crate::y (declared below it in lib.rs)",
            "2 layering violations in 2 files (2 crates, 9 modules checked): a module may use \
             only modules declared above it in its parent",
        ]
    );

    let fixed = Fixture::new(&[
        ("Cargo.toml", "[package]\nname = \"one\"\n"),
        ("src/lib.rs", "mod b;\nmod a;\n"),
        ("src/a.rs", "use crate::b::B;\n"),
        ("src/b.rs", "pub struct B;\n"),
    ]);
    let report = check(fixed.dir()).unwrap();
    assert!(report.holds());
    assert_eq!(report.to_string(), "1 crates, 3 modules, layering holds");
}

#[test]
fn a_file_that_is_not_rust_is_an_error_naming_it() {
    let fixture = Fixture::new(&[
        ("Cargo.toml", "[package]\nname = \"one\"\n"),
        ("src/lib.rs", "mod a;\nmod gone;\n"),
        ("src/a.rs", "fn (\n"),
    ]);
    let error = check(fixture.dir()).unwrap_err().to_string();
    assert!(
        error.starts_with("cannot parse ") && error.contains("src/a.rs:1"),
        "{error}"
    );
}

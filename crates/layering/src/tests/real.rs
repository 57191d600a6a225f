//! The check over real code: this crate, and the whole workspace.

use std::path::Path;

use crate::check;

#[test]
fn this_crate_follows_the_rule() {
    let report = check(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(report.holds(), "{report}");
}

/// Every crate of this workspace: `cargo test` fails when an import runs back up.
#[test]
fn the_workspace_follows_the_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let report = check(&root).unwrap();
    assert!(report.holds(), "{report}");
}

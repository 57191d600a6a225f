//! The pages of the manual and their fenced code blocks.

use std::path::{Path, PathBuf};

use crate::support::workspace_root;

/// One fenced block: where it is, its language and its text.
#[derive(Debug, Clone)]
pub(super) struct Block {
    /// Page and line, for messages.
    pub where_: String,
    pub lang: String,
    pub text: String,
    /// The next block on the page, when only blank lines separate them.
    pub followed_by: Option<Box<Block>>,
}

/// The README, the CLI's README and every page under `docs/`.
pub(super) fn pages() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut pages = vec![
        root.join("README.md"),
        root.join("crates/bridge-cli/README.md"),
    ];
    collect_markdown(&root.join("docs"), &mut pages);
    pages
}

fn collect_markdown(dir: &Path, into: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_markdown(&path, into);
        } else if path.extension().is_some_and(|e| e == "md") {
            into.push(path);
        }
    }
}

/// Every fenced block of every page.
pub(super) fn all_blocks() -> Vec<Block> {
    pages().iter().flat_map(|p| blocks_of(p)).collect()
}

fn blocks_of(page: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(page).unwrap();
    let name = page
        .strip_prefix(workspace_root())
        .unwrap_or(page)
        .display()
        .to_string();
    // (block, its opening fence's line, the line after its closing fence)
    let mut found: Vec<(Block, usize, usize)> = vec![];
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].trim_start().strip_prefix("```") else {
            i += 1;
            continue;
        };
        let start = i;
        let body: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| !l.trim_start().starts_with("```"))
            .copied()
            .collect();
        i += body.len() + 2;
        found.push((
            Block {
                where_: format!("{name}:{}", start + 1),
                lang: info.split_whitespace().next().unwrap_or("").to_owned(),
                text: body.join("\n"),
                followed_by: None,
            },
            start,
            i,
        ));
    }
    let mut blocks: Vec<Block> = found.iter().map(|(b, _, _)| b.clone()).collect();
    for k in 0..found.len().saturating_sub(1) {
        let gap = &lines[found[k].2.min(lines.len())..found[k + 1].1];
        if gap.iter().all(|l| l.trim().is_empty()) {
            blocks[k].followed_by = Some(Box::new(found[k + 1].0.clone()));
        }
    }
    blocks
}

/// A shell block that talks to the local stack `make local` serves.
pub(super) fn targets_the_local_stack(block: &Block) -> bool {
    matches!(block.lang.as_str(), "sh" | "bash" | "shell")
        && (block.text.contains("127.0.0.1:3000") || block.text.contains("127.0.0.1:3001"))
}

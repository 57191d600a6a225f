//! Atlassian Document Format (Jira Cloud's rich text) flattened to plain text.
//!
//! ADF is a tree of nodes (`doc` → `paragraph` → `text`, lists, code blocks, mentions, …).
//! The agent needs the words and the structure a reader would see, not the markup.

use serde_json::Value;

/// Block nodes end with a line break so paragraphs and list items stay apart.
const BLOCKS: [&str; 9] = [
    "paragraph",
    "heading",
    "codeBlock",
    "blockquote",
    "listItem",
    "tableRow",
    "panel",
    "rule",
    "mediaSingle",
];
/// Deep enough for any real document; deeper input is cut off rather than recursed into.
const MAX_DEPTH: usize = 64;

/// Whether `v` looks like an ADF document.
pub(crate) fn is_adf(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("doc")
        && v.get("content").is_some_and(Value::is_array)
}

/// The document's text, one line per block.
pub(crate) fn flatten(doc: &Value) -> String {
    let mut out = String::new();
    walk(doc, &mut out, 0);
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

fn walk(node: &Value, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let kind = node.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "text" => out.push_str(node.get("text").and_then(Value::as_str).unwrap_or("")),
        "hardBreak" => out.push('\n'),
        "mention" | "emoji" | "status" | "date" | "inlineCard" => {
            let attrs = node.get("attrs");
            let text = ["text", "shortName", "url", "timestamp"]
                .iter()
                .find_map(|k| attrs.and_then(|a| a.get(*k)).and_then(Value::as_str));
            out.push_str(text.unwrap_or(""));
        }
        _ => {}
    }
    if kind == "listItem" {
        out.push_str("- ");
    }
    if let Some(children) = node.get("content").and_then(Value::as_array) {
        for child in children {
            walk(child, out, depth + 1);
            if kind == "tableRow" {
                out.push_str(" | ");
            }
        }
    }
    if BLOCKS.contains(&kind) && !out.ends_with('\n') {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paragraphs_lists_code_and_inline_nodes() {
        let doc = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [
                {"type": "text", "text": "Checkout fails for "},
                {"type": "mention", "attrs": {"id": "1", "text": "@Ana"}},
                {"type": "text", "text": " since", "marks": [{"type": "strong"}]},
                {"type": "hardBreak"},
                {"type": "text", "text": "the deploy."}
            ]},
            {"type": "bulletList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "EU only"}]}]},
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "HTTP 502"}]}]}
            ]},
            {"type": "codeBlock", "attrs": {"language": "text"}, "content": [{"type": "text", "text": "upstream timed out"}]}
        ]});
        assert!(is_adf(&doc));
        assert_eq!(
            flatten(&doc),
            "Checkout fails for @Ana since\nthe deploy.\n- EU only\n- HTTP 502\nupstream timed out"
        );
    }

    #[test]
    fn non_documents_and_hostile_depth() {
        assert!(!is_adf(&json!("plain wiki text")));
        assert!(!is_adf(&json!({"type": "paragraph", "content": []})));
        let mut deep = json!({"type": "text", "text": "bottom"});
        for _ in 0..200 {
            deep = json!({"type": "paragraph", "content": [deep]});
        }
        let doc = json!({"type": "doc", "content": [deep]});
        assert_eq!(
            flatten(&doc),
            "",
            "too deep to be a real document: cut off, no stack overflow"
        );
    }
}

//! The agent's analysis as each ticket system should receive it: text that system shows, never
//! markup it acts on, within its size limit. The analysis is steered by whoever wrote the ticket
//! (prompt injection), so it is hostile input to the ticket system:
//! - ServiceNow renders `[code]…[/code]` in journal fields as HTML where the instance allows it;
//!   the tags are defused, everything else is shown as text.
//! - GitHub renders Markdown: raw HTML, images fetched from any host, links, reference
//!   definitions and `@user` / `@org/team` mentions (which page people). HTML and brackets are
//!   escaped and mentions put in code spans, so headings, lists and emphasis still read well.
//! - Jira (v3 API) takes an Atlassian Document Format document whose text nodes are never parsed
//!   as markup (wiki `!http://…!` images and `[link|…]` stay text).
//!
//! Over a limit, the end of the analysis is cut and a visible note says where the whole one is.

use serde_json::{Value, json};

/// GitHub's limit on an issue comment's body, in characters.
pub const GITHUB_COMMENT_MAX_CHARS: usize = 65_536;
/// Jira's limit on a comment, in characters of its stored form (the ADF document's JSON here).
pub const JIRA_COMMENT_MAX_CHARS: usize = 32_767;
/// What is written into a ServiceNow work note at most (journal entries are stored up to 65,536
/// characters; some headroom for the instance's own prefix).
pub const SERVICENOW_NOTE_MAX_CHARS: usize = 60_000;

/// The first line of every note: who wrote it, and the job that holds the whole analysis.
pub(crate) fn heading(job_id: &str) -> String {
    format!("AI analysis (AgentCore bridge, job {job_id}):")
}

fn truncation_note(job_id: &str) -> String {
    format!("[truncated; full analysis: GET /jobs/{job_id}]")
}

/// A ServiceNow work note: plain text with `[code]` tags defused.
pub fn servicenow_work_note(analysis: &str, job_id: &str) -> String {
    fit(analysis, job_id, SERVICENOW_NOTE_MAX_CHARS, |text| {
        let note = format!("{}\n\n{text}", heading(job_id));
        let len = note.chars().count();
        (defuse_code_tags(&note), len)
    })
}

/// A GitHub comment body: Markdown whose HTML, images, links and mentions are inert.
pub fn github_comment(analysis: &str, job_id: &str) -> String {
    fit(analysis, job_id, GITHUB_COMMENT_MAX_CHARS, |text| {
        let body = format!("{}\n\n{}", heading(job_id), inert_markdown(text));
        let len = body.chars().count();
        (body, len)
    })
}

/// A Jira comment body: an ADF document of plain-text paragraphs (blank lines separate them,
/// single newlines are hard breaks).
pub fn jira_comment(analysis: &str, job_id: &str) -> Value {
    fit(analysis, job_id, JIRA_COMMENT_MAX_CHARS, |text| {
        let doc = adf_document(&format!("{}\n\n{text}", heading(job_id)));
        let len = doc.to_string().chars().count();
        (doc, len)
    })
}

/// `render(analysis)`, or, when its measured size is over `max`, `render` of the longest prefix
/// of `analysis` (in characters) followed by the truncation note that fits.
pub(crate) fn fit<T>(
    analysis: &str,
    job_id: &str,
    max: usize,
    render: impl Fn(&str) -> (T, usize),
) -> T {
    let (whole, size) = render(analysis);
    if size <= max {
        return whole;
    }
    let note = truncation_note(job_id);
    let cut = |chars: usize| {
        let end = analysis
            .char_indices()
            .nth(chars)
            .map_or(analysis.len(), |(i, _)| i);
        render(&format!("{}\n\n{note}", analysis[..end].trim_end()))
    };
    // The longest prefix that fits: rendering only grows with the prefix.
    let (mut fits, mut too_long) = (0, analysis.chars().count());
    while too_long - fits > 1 {
        let mid = fits + (too_long - fits) / 2;
        if cut(mid).1 <= max {
            fits = mid;
        } else {
            too_long = mid;
        }
    }
    cut(fits).0
}

/// `[code]` and `[/code]` (any case, spaces inside the brackets) with parentheses instead of
/// brackets: shown, never rendered as HTML.
fn defuse_code_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find(']') {
            Some(end) if is_code_tag(&after[..end]) => {
                out.push('(');
                out.push_str(&after[..end]);
                out.push(')');
                rest = &after[end + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_code_tag(inside: &str) -> bool {
    let tag: String = inside.chars().filter(|c| !c.is_whitespace()).collect();
    tag.eq_ignore_ascii_case("code") || tag.eq_ignore_ascii_case("/code")
}

/// Markdown that GitHub shows as written: `<` and `&` as entities (no HTML, no autolinks in
/// angle brackets), `[`, `]` and `!` backslash-escaped (no links, images or reference
/// definitions), and `@name` or `@org/team` in a code span (mentions inside code notify nobody).
fn inert_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '[' | ']' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '@' if starts_word(&chars, i) => {
                let end = mention_end(&chars, i + 1);
                if end > i + 1 {
                    let name: String = chars[i..end].iter().collect();
                    out.push_str(&format!("`{name}`"));
                    i = end;
                    continue;
                }
                out.push('@');
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Whether `chars[i]` starts a word (GitHub does not mention from inside `a@b`).
fn starts_word(chars: &[char], i: usize) -> bool {
    i == 0 || !chars[i - 1].is_alphanumeric()
}

/// The end of a mention's name starting at `from`: letters, digits, `-` and `_`, and one `/`
/// followed by more (a team).
fn mention_end(chars: &[char], from: usize) -> usize {
    let name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.';
    let mut end = from;
    while end < chars.len() && name(chars[end]) {
        end += 1;
    }
    if end > from && end + 1 < chars.len() && chars[end] == '/' && name(chars[end + 1]) {
        end += 1;
        while end < chars.len() && name(chars[end]) {
            end += 1;
        }
    }
    end
}

/// An ADF document of paragraphs of text nodes and hard breaks.
fn adf_document(text: &str) -> Value {
    let paragraphs: Vec<Value> = text
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut content = Vec::new();
            for (n, line) in p.split('\n').enumerate() {
                if n > 0 {
                    content.push(json!({"type": "hardBreak"}));
                }
                if !line.is_empty() {
                    content.push(json!({"type": "text", "text": line}));
                }
            }
            json!({"type": "paragraph", "content": content})
        })
        .collect();
    json!({"type": "doc", "version": 1, "content": paragraphs})
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "Done. [code]<img src=x onerror=alert(1)>[/code] [ CODE ]<b>x</b>[/ code]\n\
        cc @octo-org/security-team and @alice, mail bob@example.com\n\
        ![x](https://evil.example/x.png) [click](https://evil.example) <https://evil.example>\n\
        [1]: https://evil.example/ref\n!http://evil.example/x.png! [link|https://evil.example]";

    #[test]
    fn servicenow_code_tags_are_shown_not_rendered() {
        let note = servicenow_work_note(HOSTILE, "job_1");
        assert!(note.starts_with("AI analysis (AgentCore bridge, job job_1):\n\nDone. "));
        assert!(!note.to_ascii_lowercase().contains("[code]"), "{note}");
        assert!(
            !note.contains("[/code]") && !note.contains("[ CODE ]") && !note.contains("[/ code]")
        );
        assert!(
            note.contains("(code)<img src=x onerror=alert(1)>(/code)"),
            "{note}"
        );
        // Other brackets stay as written.
        assert!(note.contains("[click](https://evil.example)"));
    }

    #[test]
    fn github_html_images_links_and_mentions_are_inert() {
        let body = github_comment(HOSTILE, "job_1");
        assert!(
            !body.contains('<'),
            "no raw HTML or angle autolinks: {body}"
        );
        assert!(body.contains("&lt;img src=x onerror=alert(1)>"));
        assert!(
            body.contains("\\!\\[x\\](https://evil.example/x.png)"),
            "{body}"
        );
        assert!(body.contains("\\[click\\](https://evil.example)"));
        assert!(body.contains("\\[1\\]: https://evil.example/ref"));
        assert!(
            body.contains("cc `@octo-org/security-team` and `@alice`,"),
            "{body}"
        );
        assert!(
            body.contains("bob@example.com"),
            "an address is not a mention"
        );
        // Formatting that is not dangerous is kept.
        let plain = github_comment("## Steps\n1. **Restart** the relay", "j");
        assert!(plain.ends_with("## Steps\n1. **Restart** the relay"));
    }

    #[test]
    fn jira_text_is_text_nodes_never_wiki_markup() {
        let doc = jira_comment(HOSTILE, "job_1");
        assert_eq!(doc["type"], "doc");
        assert_eq!(doc["version"], 1);
        let paragraphs = doc["content"].as_array().unwrap();
        assert_eq!(paragraphs.len(), 2, "{doc}");
        let texts: Vec<&str> = paragraphs[1]["content"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["text"].as_str())
            .collect();
        assert!(texts.contains(&"!http://evil.example/x.png! [link|https://evil.example]"));
        for node in paragraphs
            .iter()
            .flat_map(|p| p["content"].as_array().unwrap())
        {
            assert!(
                matches!(node["type"].as_str(), Some("text" | "hardBreak")),
                "{node}"
            );
            assert!(node.get("marks").is_none());
        }
    }

    #[test]
    fn long_analyses_are_cut_to_each_limit_with_a_visible_note() {
        let long = "word ".repeat(40_000) + "THE END";
        let gh = github_comment(&long, "job_9");
        assert!(gh.chars().count() <= GITHUB_COMMENT_MAX_CHARS);
        assert!(
            gh.ends_with(
                "[truncated; full analysis: GET /jobs/job_9]"
                    .replace('[', "\\[")
                    .replace(']', "\\]")
                    .as_str()
            ),
            "{}",
            &gh[gh.len() - 80..]
        );
        assert!(!gh.contains("THE END"));
        assert!(
            gh.chars().count() > GITHUB_COMMENT_MAX_CHARS - 100,
            "as much as fits"
        );
        let jira = jira_comment(&long, "job_9");
        assert!(jira.to_string().chars().count() <= JIRA_COMMENT_MAX_CHARS);
        assert!(
            jira.to_string()
                .contains("[truncated; full analysis: GET /jobs/job_9]")
        );
        let sn = servicenow_work_note(&long, "job_9");
        assert!(sn.chars().count() <= SERVICENOW_NOTE_MAX_CHARS);
        assert!(sn.ends_with("[truncated; full analysis: GET /jobs/job_9]"));
        // Multi-byte text is cut on character boundaries.
        let wide = "é".repeat(70_000);
        assert!(github_comment(&wide, "j").chars().count() <= GITHUB_COMMENT_MAX_CHARS);
    }

    #[test]
    fn short_analyses_are_posted_whole() {
        assert_eq!(
            servicenow_work_note("Restart the relay.", "job_1"),
            "AI analysis (AgentCore bridge, job job_1):\n\nRestart the relay."
        );
        assert!(!github_comment("ok", "j").contains("truncated"));
    }
}

//! The analysis as a notification where people will see it, for sources with no ticket of their
//! own to write to (alert groups, Sentry alerts): a Slack message or a Microsoft Teams card, and
//! for GitLab issues and Linear issues a comment. Like every write-back, the text is hostile (the
//! alert or issue that steered the agent was written by anyone) and must arrive as text:
//! - Slack parses `<…>` in message text as links, user and channel mentions (`<!channel>` pages a
//!   whole channel): `&`, `<` and `>` are escaped as Slack documents, and `mrkdwn` is off.
//! - Teams cards render Markdown in `TextBlock`s; the card uses `RichTextBlock`/`TextRun`
//!   elements, whose text is never parsed.
//! - GitLab runs quick actions (`/close`, `/assign @x`) from lines of a note, and both GitLab and
//!   Linear render Markdown links and remote images: the analysis goes into a fenced code block
//!   longer than any fence inside it, where none of that applies.

use serde_json::{Value, json};

use crate::write_back::{fit, heading};

/// What Slack shows of a message's text at most, in characters (it truncates longer ones).
pub const SLACK_TEXT_MAX_CHARS: usize = 40_000;
/// A Teams workflow webhook takes 28 KB; the card is kept under this many bytes of JSON.
pub const TEAMS_CARD_MAX_BYTES: usize = 27_000;
/// GitLab's limit on a note's body, in characters.
pub const GITLAB_NOTE_MAX_CHARS: usize = 1_000_000;
/// What is written into a Linear comment at most, in characters (Linear publishes no limit).
pub const LINEAR_COMMENT_MAX_CHARS: usize = 50_000;

/// A Slack incoming-webhook message: `about` (which alert or issue) then the analysis, as text
/// in which nothing is a link or a mention.
pub fn slack_message(about: &str, analysis: &str, job_id: &str) -> Value {
    fit(analysis, job_id, SLACK_TEXT_MAX_CHARS, |text| {
        let text = slack_escape(&format!("{}\n{about}\n\n{text}", heading(job_id)));
        let len = text.chars().count();
        (json!({"text": text, "mrkdwn": false}), len)
    })
}

/// A Teams workflow-webhook message: one Adaptive Card whose text is all `TextRun`s.
pub fn teams_message(about: &str, analysis: &str, job_id: &str) -> Value {
    fit(analysis, job_id, TEAMS_CARD_MAX_BYTES, |text| {
        let mut body = vec![rich_text(&heading(job_id), true), rich_text(about, true)];
        body.extend(
            text.split("\n\n")
                .filter(|p| !p.trim().is_empty())
                .map(|p| rich_text(p, false)),
        );
        let message = json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                },
            }],
        });
        let len = message.to_string().len();
        (message, len)
    })
}

/// A GitLab note: the heading, then the analysis fenced, so quick actions, mentions, links and
/// images in it are shown, not acted on.
pub fn gitlab_note(analysis: &str, job_id: &str) -> String {
    fenced_note(analysis, job_id, GITLAB_NOTE_MAX_CHARS)
}

/// A Linear comment (Markdown): the heading, then the analysis fenced.
pub fn linear_comment(analysis: &str, job_id: &str) -> String {
    fenced_note(analysis, job_id, LINEAR_COMMENT_MAX_CHARS)
}

fn fenced_note(analysis: &str, job_id: &str, max: usize) -> String {
    fit(analysis, job_id, max, |text| {
        let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
        let note = format!("{}\n\n{fence}text\n{text}\n{fence}", heading(job_id));
        let len = note.chars().count();
        (note, len)
    })
}

/// The longest run of `c` in `text`.
pub(crate) fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// Slack's three control characters in message text, escaped as its formatting guide says.
pub(crate) fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn rich_text(text: &str, bold: bool) -> Value {
    let mut run = json!({"type": "TextRun", "text": text});
    if bold {
        run["weight"] = json!("bolder");
    }
    json!({"type": "RichTextBlock", "inlines": [run]})
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "<!channel> see <https://evil.example|the fix> & *now*\n\n[x](https://evil.example) ![i](https://evil.example/p.png)\n/close\n/assign @root";

    #[test]
    fn slack_text_has_no_links_or_mentions() {
        let m = slack_message(
            "Alertmanager alert group group-1: <b>CPU</b>",
            HOSTILE,
            "job_1",
        );
        let text = m["text"].as_str().unwrap();
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(text.contains("&lt;!channel&gt;") && text.contains("&amp; *now*"));
        assert!(text.starts_with("AI analysis (AgentCore bridge, job job_1):\nAlertmanager"));
        assert_eq!(m["mrkdwn"], false);
    }

    #[test]
    fn teams_text_is_runs_never_markdown_blocks() {
        let m = teams_message("Sentry alert 42: TypeError", HOSTILE, "job_1");
        let card = &m["attachments"][0]["content"];
        assert_eq!(card["type"], "AdaptiveCard");
        let blocks = card["body"].as_array().unwrap();
        assert!(blocks.iter().all(|b| b["type"] == "RichTextBlock"));
        let texts: Vec<&str> = blocks
            .iter()
            .map(|b| b["inlines"][0]["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts[1], "Sentry alert 42: TypeError");
        assert!(
            texts
                .iter()
                .any(|t| t.contains("[x](https://evil.example)")),
            "kept as text"
        );
        assert!(
            !m.to_string().contains(r#""type":"TextBlock""#),
            "no Markdown-rendering TextBlock"
        );
    }

    #[test]
    fn long_analyses_fit_each_limit_with_a_note() {
        let long = "word ".repeat(20_000);
        let slack = slack_message("a", &long, "j");
        assert!(slack["text"].as_str().unwrap().chars().count() <= SLACK_TEXT_MAX_CHARS);
        assert!(slack["text"].as_str().unwrap().contains("GET /jobs/j"));
        let teams = teams_message("a", &long, "j");
        assert!(teams.to_string().len() <= TEAMS_CARD_MAX_BYTES);
        assert!(teams.to_string().contains("GET /jobs/j"));
        let linear = linear_comment(&long.repeat(2), "j");
        assert!(linear.chars().count() <= LINEAR_COMMENT_MAX_CHARS);
    }

    #[test]
    fn notes_fence_the_analysis_beyond_any_fence_inside() {
        let note = gitlab_note("```\n/close\n```` still inside", "job_1");
        let fence = "`````";
        assert!(
            note.contains(&format!("{fence}text\n```\n/close")),
            "{note}"
        );
        assert!(note.ends_with(&format!("inside\n{fence}")), "{note}");
        // No line of the note starts a quick action outside the fence.
        let outside: Vec<&str> = note.split(fence).step_by(2).collect();
        assert!(
            outside
                .iter()
                .all(|part| !part.lines().any(|l| l.starts_with('/')))
        );
        assert!(linear_comment("plain", "j").contains("```text\nplain\n```"));
    }
}

//! The analysis as an Amazon SNS notification, for alert sources whose sink is a topic: one
//! publish that reads well wherever the topic delivers. SNS's `MessageStructure: json` carries a
//! message per protocol: e-mail subscribers get plain text; every other subscriber (AWS Chatbot,
//! now Amazon Q Developer in chat applications, HTTPS, SQS, Lambda) gets the `default` message,
//! a Chatbot custom notification, which Chatbot shows in Slack, Teams or Chime.
//!
//! Chatbot renders the notification's text as the chat's Markdown (`client-markdown`, the only
//! text type it takes), and the analysis is hostile (steered by whoever wrote the alert): it is
//! put in a fenced code block longer than any fence inside it, and `&`, `<`, `>` are escaped as
//! Slack documents, so nothing in it is a link, an image or a mention (`<!channel>`). The title
//! (the alert's line) is escaped the same way and its Markdown emphasis characters are shown.

use serde_json::json;

use crate::chat::{longest_run, slack_escape};
use crate::write_back::{fit, heading};

/// SNS takes a subject of fewer than 100 characters, without line breaks.
pub const SNS_SUBJECT_MAX_CHARS: usize = 99;
/// The e-mail text, in bytes as escaped into the JSON message. With the Chatbot message it stays
/// well under SNS's 262,144-byte limit on a message.
pub const SNS_EMAIL_MAX_BYTES: usize = 200_000;
/// The Chatbot notification, in bytes as escaped into the JSON message: a chat message is read,
/// not scrolled; the whole analysis is in the e-mail and the job record.
pub const CHATBOT_NOTIFICATION_MAX_BYTES: usize = 12_000;

/// One SNS publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsNotification {
    /// `Subject` (the e-mail's subject line).
    pub subject: String,
    /// `Message`, to publish with `MessageStructure: json`.
    pub message: String,
}

/// The notification for the analysis of the alert `about` (one line naming it) by job `job_id`.
pub fn sns_notification(about: &str, analysis: &str, job_id: &str) -> SnsNotification {
    let email = fit(analysis, job_id, SNS_EMAIL_MAX_BYTES, |text| {
        let email = format!("{}\n{about}\n\n{text}\n", heading(job_id));
        let len = json_len(&email);
        (email, len)
    });
    let chatbot = fit(analysis, job_id, CHATBOT_NOTIFICATION_MAX_BYTES, |text| {
        let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
        let notification = json!({
            "version": "1.0",
            "source": "custom",
            "id": job_id,
            "content": {
                "textType": "client-markdown",
                "title": inert_line(about),
                "description": slack_escape(&format!("{}\n{fence}\n{text}\n{fence}", heading(job_id))),
            },
            "metadata": {
                "summary": inert_line(about),
                "eventType": "AgentCoreAnalysis",
                "additionalContext": {"job_id": job_id},
            },
        })
        .to_string();
        let len = json_len(&notification);
        (notification, len)
    });
    SnsNotification {
        subject: subject(about),
        message: json!({"default": chatbot, "email": email}).to_string(),
    }
}

/// `AI analysis: <about>`, on one line, under SNS's limit.
fn subject(about: &str) -> String {
    let line: String = format!("AI analysis: {about}")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    line.chars().take(SNS_SUBJECT_MAX_CHARS).collect()
}

/// One line of Markdown shown as written: Slack's control characters escaped, emphasis, code,
/// link and heading characters backslash-escaped.
fn inert_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in slack_escape(text).chars() {
        match c {
            c if c.is_control() => out.push(' '),
            '*' | '_' | '~' | '`' | '[' | ']' | '(' | ')' | '#' | '!' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The bytes `text` takes as a JSON string.
fn json_len(text: &str) -> usize {
    serde_json::to_string(text).map_or(usize::MAX, |s| s.len())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    const HOSTILE: &str = "<!channel> see <https://evil.example|the fix> & *now*\n```\n[x](https://evil.example) ![i](https://evil.example/p.png)\n```";

    fn parts(n: &SnsNotification) -> (Value, String) {
        let message: Value = serde_json::from_str(&n.message).unwrap();
        let chatbot: Value = serde_json::from_str(message["default"].as_str().unwrap()).unwrap();
        (chatbot, message["email"].as_str().unwrap().to_owned())
    }

    #[test]
    fn chatbot_gets_a_custom_notification_whose_analysis_is_fenced_and_escaped() {
        let n = sns_notification("Alertmanager alert group g-1: *CPU* <b>", HOSTILE, "job_1");
        let (chatbot, _) = parts(&n);
        assert_eq!(chatbot["version"], "1.0");
        assert_eq!(chatbot["source"], "custom");
        assert_eq!(chatbot["content"]["textType"], "client-markdown");
        let description = chatbot["content"]["description"].as_str().unwrap();
        assert!(!description.contains('<') && !description.contains('>'));
        assert!(description.contains("&lt;!channel&gt;"), "{description}");
        // The fence is longer than the one inside the analysis, and closes the description.
        assert!(
            description.contains("\n````\n&lt;!channel&gt;"),
            "{description}"
        );
        assert!(description.ends_with("\n````"), "{description}");
        let title = chatbot["content"]["title"].as_str().unwrap();
        assert_eq!(title, r"Alertmanager alert group g-1: \*CPU\* &lt;b&gt;");
    }

    #[test]
    fn email_subscribers_get_the_whole_analysis_as_plain_text() {
        let n = sns_notification("Sentry alert 42: TypeError", HOSTILE, "job_1");
        let (_, email) = parts(&n);
        assert!(email.starts_with("AI analysis (AgentCore bridge, job job_1):\nSentry alert 42"));
        assert!(email.contains(HOSTILE));
        assert_eq!(n.subject, "AI analysis: Sentry alert 42: TypeError");
    }

    #[test]
    fn subjects_are_one_line_under_one_hundred_characters() {
        let n = sns_notification(&format!("a\nb{}", "x".repeat(200)), "ok", "j");
        assert!(n.subject.chars().count() < 100);
        assert!(!n.subject.chars().any(char::is_control));
    }

    #[test]
    fn long_analyses_fit_under_the_sns_message_limit_with_a_note() {
        let long = "word \"quoted\" ".repeat(40_000);
        let n = sns_notification("about", &long, "j");
        assert!(n.message.len() < 262_144, "{}", n.message.len());
        let (chatbot, email) = parts(&n);
        assert!(email.contains("GET /jobs/j"));
        assert!(
            chatbot["content"]["description"]
                .as_str()
                .unwrap()
                .contains("GET /jobs/j")
        );
    }
}

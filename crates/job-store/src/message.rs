//! The SQS message body that carries one job from the webhook Lambda to the worker.

use serde::{Deserialize, Serialize};

use crate::error::MessageError;
use crate::key::is_job_id;

/// Everything the worker needs to run the job without re-reading the delivery. Unknown fields are
/// ignored on parse, so a newer sender and an older worker can overlap during a deploy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMessage {
    /// The job to run; checked to have a job id's shape on parse.
    pub job_id: String,
    /// The source the delivery came to (a route segment).
    pub source: String,
    /// The ticket's key.
    pub ticket_id: String,
    /// The agent session to run in.
    pub session_id: String,
    /// The end user the agent acts for, if the delivery named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The agent payload, exactly as the synchronous path would send it.
    pub payload: serde_json::Value,
    /// Where and how to post the analysis back, if the source is configured for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_back: Option<serde_json::Value>,
    /// The session will not be continued: the worker stops it once the job is done, so it does
    /// not hold one of the account's active sessions until it idles out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub release_session: bool,
    /// How many times the job was put back on the queue because AgentCore was throttling or
    /// over quota. These put-backs are new messages, so they do not use up the receives that
    /// guard against poison messages; this count bounds them instead.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub deferrals: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl JobMessage {
    /// Parses a received body. An error means a poison message: report it as a batch item failure
    /// so SQS moves it to the dead-letter queue after `maxReceiveCount` receives.
    pub fn from_sqs_body(body: &str) -> Result<Self, MessageError> {
        let message: JobMessage = serde_json::from_str(body)?;
        if !is_job_id(&message.job_id) {
            return Err(MessageError::BadJobId);
        }
        Ok(message)
    }

    /// The body `JobQueue::enqueue` sends.
    pub fn to_sqs_body(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn message() -> JobMessage {
        JobMessage {
            job_id: "job_0123456789abcdef0123456789abcdef".into(),
            source: "jira".into(),
            ticket_id: "OPS-1".into(),
            session_id: "jira-OPS-1-0123456789abcdef0123456789abcdef".into(),
            user_id: None,
            payload: json!({"prompt": "p"}),
            write_back: None,
            release_session: false,
            deferrals: 0,
        }
    }

    #[test]
    fn round_trips_and_omits_absent_options() {
        let m = message();
        let body = m.to_sqs_body().unwrap();
        assert!(
            !body.contains("user_id")
                && !body.contains("write_back")
                && !body.contains("release_session")
                && !body.contains("deferrals"),
            "{body}"
        );
        assert_eq!(JobMessage::from_sqs_body(&body).unwrap(), m);
    }

    #[test]
    fn a_deferred_releasing_job_round_trips() {
        let m = JobMessage {
            release_session: true,
            deferrals: 3,
            ..message()
        };
        let body = m.to_sqs_body().unwrap();
        assert!(body.contains(r#""deferrals":3"#), "{body}");
        assert_eq!(JobMessage::from_sqs_body(&body).unwrap(), m);
    }

    #[test]
    fn poison_messages_are_typed() {
        assert!(matches!(
            JobMessage::from_sqs_body("not json"),
            Err(MessageError::Syntax { .. })
        ));
        assert!(matches!(
            JobMessage::from_sqs_body(r#"{"job_id": "job_0123456789abcdef0123456789abcdef"}"#),
            Err(MessageError::Schema { .. })
        ));
        let mut m = message();
        m.job_id = "job_../../etc".into();
        assert!(matches!(
            JobMessage::from_sqs_body(&m.to_sqs_body().unwrap()),
            Err(MessageError::BadJobId)
        ));
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let mut v = serde_json::to_value(message()).unwrap();
        v["added_later"] = json!(1);
        assert_eq!(
            JobMessage::from_sqs_body(&v.to_string()).unwrap(),
            message()
        );
    }
}

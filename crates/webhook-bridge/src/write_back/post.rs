//! One write-back attempt and the state it leaves: done, pending (a transient failure with tries
//! left: the message is handed back, the agent is not called again), or failed.

use job_store::{WriteBack, WriteBackStatus};
use ticket_prompt::{Source, sns_notification};

use super::client::WriteBackClient;
use super::create::creation;
use super::credentials::WriteBackCredentials;
use super::error::WriteBackError;
use super::publish::SnsPublisher;
use super::render::request;
use super::target::Target;
use crate::config::Credentials;

/// Posts analyses to tickets and sinks: the HTTP client, the SNS client and the credentials,
/// built once per cold start.
pub struct TicketWriter {
    client: WriteBackClient,
    sns: SnsPublisher,
    credentials: WriteBackCredentials,
}

/// What one attempt leaves.
pub struct Posted {
    /// The job's write-back state after this attempt.
    pub state: WriteBack,
    /// Whether to try again (hand the message back).
    pub retry: bool,
}

impl TicketWriter {
    /// A writer with `credentials`, publishing to SNS sinks with `sns`.
    pub fn new(credentials: WriteBackCredentials, sns: SnsPublisher) -> Self {
        TicketWriter {
            client: WriteBackClient::default(),
            sns,
            credentials,
        }
    }

    /// Whether this function can write to `source`'s tickets.
    pub fn writes_to(&self, source: Source) -> bool {
        self.credentials.configured(source)
    }

    /// Posts `analysis` of job `job_id` to `target`; `attempts` counts this one, and on the
    /// `last_try` a transient failure is final.
    pub async fn post(
        &self,
        source: Source,
        target: &Target,
        analysis: &str,
        job_id: &str,
        attempts: u32,
        last_try: bool,
    ) -> Posted {
        let result = match self.credentials.get(source).await {
            Err(e) => Err(e),
            Ok(creds) => self.send(target, &creds, analysis, job_id).await,
        };
        let mut state = WriteBack {
            target: target.name().to_owned(),
            status: WriteBackStatus::Done,
            attempts,
            last_error_code: None,
        };
        let retry = match result {
            Ok(()) => false,
            Err(e) => {
                let retry = e.is_transient() && !last_try;
                state.last_error_code = Some(e.code().to_owned());
                state.status = if retry {
                    WriteBackStatus::Pending
                } else {
                    WriteBackStatus::Failed
                };
                retry
            }
        };
        tracing::info!(
            job_id,
            target = state.target,
            status = state.status.as_str(),
            attempts,
            error = state.last_error_code.as_deref().unwrap_or(""),
            "write-back"
        );
        Posted { state, retry }
    }

    /// One try: an SNS publish for a topic sink; for a ticket sink, a lookup of the job's ticket
    /// and, when there is none, its create; otherwise the target's HTTP request.
    async fn send(
        &self,
        target: &Target,
        creds: &Credentials,
        analysis: &str,
        job_id: &str,
    ) -> Result<(), WriteBackError> {
        match (target, creds) {
            (Target::Chat { about }, Credentials::Sns { topic_arn }) if target.is_valid() => {
                let notification = sns_notification(about, analysis, job_id);
                self.sns.publish(topic_arn, &notification, job_id).await
            }
            (Target::Chat { about }, Credentials::NewTicket { system, place })
                if target.is_valid() =>
            {
                let creation = creation(about, system, place, analysis, job_id)?;
                let answer = self.client.fetch(&creation.lookup).await?;
                if creation.exists(&answer)? {
                    tracing::info!(job_id, "the job's ticket exists already: not opened again");
                    return Ok(());
                }
                self.client.send(&creation.create).await
            }
            _ => {
                let req = request(target, creds, analysis, job_id)?;
                self.client.send(&req).await
            }
        }
    }
}

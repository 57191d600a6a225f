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

/// Which try of a job this is.
#[derive(Debug, Clone, Copy)]
pub struct Try<'a> {
    /// The job.
    pub job_id: &'a str,
    /// This try's number (from 1).
    pub attempts: u32,
    /// Whether a transient failure is final (the job's last try).
    pub last_try: bool,
    /// Of several sinks, those earlier tries posted (see `WriteBack::sinks_posted`).
    pub sinks_posted: &'a [u32],
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

    /// Posts `analysis` to `target` on this `try_` of the job.
    pub async fn post(
        &self,
        source: Source,
        target: &Target,
        analysis: &str,
        try_: Try<'_>,
    ) -> Posted {
        let Try {
            job_id,
            attempts,
            last_try,
            sinks_posted,
        } = try_;
        let mut posted = sinks_posted.to_vec();
        let result = match self.credentials.get(source).await {
            Err(e) => Err(e),
            Ok(creds) => match creds.as_ref() {
                Credentials::Sinks(sinks) => {
                    self.send_each(target, sinks, analysis, job_id, &mut posted)
                        .await
                }
                creds => self.send(target, creds, analysis, job_id).await,
            },
        };
        let mut state = WriteBack {
            target: target.name().to_owned(),
            status: WriteBackStatus::Done,
            attempts,
            last_error_code: None,
            sinks_posted: posted,
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

    /// Each of several sinks not `posted` yet, adding those that take it. A transient failure
    /// wins over a refusal, so the job is tried again for the sinks that may still take it.
    async fn send_each(
        &self,
        target: &Target,
        sinks: &[Credentials],
        analysis: &str,
        job_id: &str,
        posted: &mut Vec<u32>,
    ) -> Result<(), WriteBackError> {
        let mut failure: Option<WriteBackError> = None;
        for (i, sink) in (0u32..).zip(sinks) {
            if posted.contains(&i) {
                continue;
            }
            match self.send(target, sink, analysis, job_id).await {
                Ok(()) => posted.push(i),
                Err(e) => {
                    tracing::warn!(job_id, sink = i, error = e.code(), "sink not posted");
                    if failure.is_none_or(|f| !f.is_transient() && e.is_transient()) {
                        failure = Some(e);
                    }
                }
            }
        }
        posted.sort_unstable();
        failure.map_or(Ok(()), Err)
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
        if !target.is_valid() {
            return Err(WriteBackError::InvalidTarget);
        }
        match (target, creds) {
            (Target::Chat { about }, Credentials::Sns { topic_arn }) => {
                let notification = sns_notification(about, analysis, job_id);
                self.sns.publish(topic_arn, &notification, job_id).await
            }
            (Target::Chat { about }, Credentials::NewTicket { system, place }) => {
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

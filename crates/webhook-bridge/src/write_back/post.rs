//! One write-back attempt and the state it leaves: done, pending (a transient failure with tries
//! left: the message is handed back, the agent is not called again), or failed.

use job_store::{WriteBack, WriteBackStatus};
use ticket_prompt::Source;

use super::client::WriteBackClient;
use super::credentials::WriteBackCredentials;
use super::render::request;
use super::target::Target;

/// Posts analyses to tickets: the HTTP client and the credentials, built once per cold start.
pub struct TicketWriter {
    client: WriteBackClient,
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
    /// A writer with `credentials`.
    pub fn new(credentials: WriteBackCredentials) -> Self {
        TicketWriter {
            client: WriteBackClient::default(),
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
            Ok(creds) => match request(target, &creds, analysis, job_id) {
                Err(e) => Err(e),
                Ok(req) => self.client.send(&req).await,
            },
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
}

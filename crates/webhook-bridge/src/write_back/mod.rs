//! Posting an analysis back to its ticket: a ServiceNow work note, a GitHub issue comment, a
//! Jira comment, a GitLab note, a Linear comment; or, for alerts, to a Slack or Teams channel or
//! an SNS topic or a new ticket. The bridge holds the ticket-system credentials, so the agent needs none; URLs
//! are built from the configured base URL and validated ids only, never from a payload's URLs.

mod error;
mod target;

mod render;

mod create;

mod client;
mod credentials;
mod publish;

mod post;

pub use credentials::WriteBackCredentials;
pub use error::WriteBackError;
pub use post::{Posted, TicketWriter, Try};
pub use publish::SnsPublisher;
pub use target::{TARGET_NAMES, Target};

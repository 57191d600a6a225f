//! Recording stubs of the ticket systems' write-back APIs, on one loopback HTTP server:
//!
//! - ServiceNow Table API: `PATCH /api/now/table/{table}/{sys_id}` (Basic auth); incidents
//!   created by `POST /api/now/table/incident` and found by
//!   `GET /api/now/table/incident?sysparm_query=field=value^…&sysparm_fields=…&sysparm_limit=…`;
//! - GitHub: `POST /repos/{owner}/{repo}/issues/{number}/comments` (`Bearer`/`token` auth);
//!   issues created by `POST /repos/{owner}/{repo}/issues` and listed by
//!   `GET /repos/{owner}/{repo}/issues?labels=a,b&state=…&per_page=…`;
//! - Jira Cloud: `POST /rest/api/3/issue/{key}/comment` (Basic auth, email:api_token; the body an
//!   Atlassian Document Format document); issues created by `POST /rest/api/3/issue` and found by
//!   `POST /rest/api/3/search/jql` (`project =` and `labels =` clauses joined by `AND`);
//! - Slack incoming webhook: `POST /services/{team}/{channel}/{token}` (the token is the secret;
//!   plain-text answers: `ok`, `no_service`, `invalid_payload`);
//! - Microsoft Teams through a Power Automate workflow:
//!   `POST /workflows/{id}/triggers/manual/paths/invoke?api-version=1&sig={sig}` (also under
//!   `/powerautomate/automations/direct/`; the body a message with Adaptive Card attachments;
//!   202 with no body);
//! - GitLab: `POST /api/v4/projects/{id}/issues/{issue_iid}/notes` (`{id}` numeric or a
//!   URL-encoded `namespace%2Fproject`; `PRIVATE-TOKEN` or `Bearer` auth); issues created by
//!   `POST /api/v4/projects/{id}/issues` and listed by
//!   `GET /api/v4/projects/{id}/issues?labels=a,b&per_page=…`;
//! - Linear: `POST /graphql`, the `commentCreate` mutation (the API key bare in `Authorization`,
//!   or `Bearer`; errors in a GraphQL `errors` array);
//! - Amazon SNS, what an HTTP/S subscriber calls: the signing certificate,
//!   `GET /SimpleNotificationService-{id}.pem` (the configured PEM, or S3's `NoSuchKey` 404), and
//!   subscription confirmation, `GET /?Action=ConfirmSubscription&TopicArn={arn}&Token={token}`
//!   (XML answers; a `SubscriptionArn` of `{TopicArn}:{uuid}`).
//!
//! Each route answers with the vendor's status codes and error documents (so a client's error
//! handling is exercised as it will be against the real service), and every request is recorded
//! for tests to check field by field. Created tickets are kept for the lookups and for
//! [`RunningTicketing::created`]. [`RunningTicketing::fail_next`] scripts outages, and
//! [`RunningTicketing::lose_next_answers`] a create that happened whose answer never arrived.
//!
//! Used by `make local` and the end-to-end tests; never deployed.

// Leaves first: each module uses only those above it.
mod auth;
mod percent;
mod record;
mod routes;
mod server;

pub use auth::{BasicCredentials, PresentedAuth, TicketingConfig};
pub use record::RecordedRequest;
pub use server::{RunningTicketing, TicketingError};

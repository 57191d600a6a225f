//! Every stubbed write-back API over real HTTP, one test binary: the ticket systems (ServiceNow,
//! GitHub, Jira), the chat webhooks (Slack, Teams through Power Automate), the other trackers
//! (GitLab, Linear) and SNS's subscriber endpoints: success answers, each refusal, scripted
//! outages, and what gets recorded. Then ticket creation and its lookups (ServiceNow and Jira in
//! `new_tickets`, GitHub and GitLab in `new_issues`), lost answers included.

mod support;

mod gitlab;
mod linear;
mod new_issues;
mod new_tickets;
mod slack;
mod sns;
mod teams;
mod tickets;

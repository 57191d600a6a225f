//! Every stubbed write-back API over real HTTP, one test binary: the ticket systems (ServiceNow,
//! GitHub, Jira), the chat webhooks (Slack, Teams through Power Automate) and the other trackers
//! (GitLab, Linear): success answers, each refusal, scripted outages, and what gets recorded.

mod support;

mod gitlab;
mod linear;
mod slack;
mod teams;
mod tickets;

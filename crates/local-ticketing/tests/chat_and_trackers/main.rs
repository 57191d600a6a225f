//! The chat webhooks (Slack, Teams through Power Automate) and the other trackers (GitLab,
//! Linear) over real HTTP: success answers, each refusal, scripted outages, and what gets
//! recorded. One test binary; a module per vendor.

mod gitlab;
mod linear;
mod slack;
mod support;
mod teams;

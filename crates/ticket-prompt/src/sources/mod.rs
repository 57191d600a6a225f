//! Vendor payloads → [`Ticket`](crate::Ticket): one module per sender (Alertmanager and Grafana
//! share `alert_group`), most a table of where its fields live, read the same way by `mapping`;
//! `delivery` ties them together.

mod adf;
mod fields;
mod mapping;

mod alert_group;
mod cloudwatch;
mod datadog;
mod dynatrace;
mod generic;
mod github;
mod gitlab;
mod jira;
mod linear;
mod newrelic;
mod pagerduty;
mod sentry;
mod servicenow;
mod splunk;
mod zendesk;

mod delivery;

pub use delivery::{Delivery, default_events, read_delivery};

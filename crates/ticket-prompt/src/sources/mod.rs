//! Vendor payloads → [`Ticket`](crate::Ticket): one module per ticketing system, each a table of
//! where its fields live, read the same way by `mapping`; `delivery` ties them together.

mod adf;
mod fields;
mod mapping;

mod generic;
mod github;
mod jira;
mod pagerduty;
mod servicenow;
mod zendesk;

mod delivery;

pub use delivery::{Delivery, default_events, read_delivery};

//! `JobStore` on moto's DynamoDB: claims (the dedupe), leases, outcomes, and SDK failures.

mod claim;
mod failures;
mod lease;
mod listing;
mod outcome;

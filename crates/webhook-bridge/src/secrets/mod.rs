//! Secret values at run time: read from Secrets Manager or SSM Parameter Store, and one cache
//! that every secret-backed setting uses (fetched once; a failure is retried by the next caller).

mod store;

mod cached;

pub use cached::{Secret, SecretError};
pub use store::SecretStore;

//! One setting whose value is either given in the configuration or kept in a secret store:
//! fetched and parsed on first use, kept for the container's lifetime; a fetch or parse that
//! fails is logged (naming the variable, never the value) and retried by the next caller, so a
//! cold start during an outage heals without a redeploy.

use thiserror::Error;
use tokio::sync::OnceCell;

use super::store::SecretStore;
use crate::config::SecretRef;

/// Why a secret-backed value is not available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SecretError {
    /// The store did not answer with a value (retried by the next caller).
    #[error("the secret could not be fetched")]
    Unreachable,
    /// The value was fetched but is not what the setting needs (also retried: it may be fixed).
    #[error("the secret's value is not usable")]
    Unusable,
}

/// A value of type `T`, given or fetched.
#[derive(Debug)]
pub enum Secret<T> {
    /// From the configuration itself.
    Given(T),
    /// Fetched from `reference` on first use.
    Fetched {
        /// The variable that named the reference, for logs.
        variable: &'static str,
        /// Where the value is.
        reference: SecretRef,
        /// The parsed value once a fetch succeeded.
        value: OnceCell<T>,
    },
}

impl<T> Secret<T> {
    /// A value to fetch from `reference` when first needed.
    pub fn fetched(variable: &'static str, reference: SecretRef) -> Secret<T> {
        Secret::Fetched {
            variable,
            reference,
            value: OnceCell::new(),
        }
    }

    /// The value, fetching and parsing it with `parse` the first time. `parse`'s error says
    /// what is wrong without quoting the value.
    pub async fn get(
        &self,
        store: &SecretStore,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<&T, SecretError> {
        match self {
            Secret::Given(value) => Ok(value),
            Secret::Fetched {
                variable,
                reference,
                value,
            } => {
                value
                    .get_or_try_init(|| async {
                        let raw = fetch(store, variable, reference).await?;
                        parse(&raw).map_err(|problem| {
                            tracing::error!(variable, problem, "secret is not usable");
                            SecretError::Unusable
                        })
                    })
                    .await
            }
        }
    }
}

/// The raw value (not generic, so each kind of secret shares this code).
async fn fetch(
    store: &SecretStore,
    variable: &str,
    reference: &SecretRef,
) -> Result<String, SecretError> {
    store.fetch(reference).await.map_err(|problem| {
        tracing::error!(variable, problem, "secret could not be fetched");
        SecretError::Unreachable
    })
}

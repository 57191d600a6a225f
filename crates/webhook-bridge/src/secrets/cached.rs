//! One setting whose value is either given in the configuration or kept in a secret store:
//! fetched and parsed on first use, kept for `SECRET_TTL_SECONDS`, then read again, so revoking
//! a leaked secret (or rotating it) takes effect within that time on every warm container. A
//! fetch or parse that fails is logged (naming the variable, never the value) and retried by the
//! next caller; meanwhile the last good value is served for at most `SECRET_MAX_STALE_SECONDS`
//! past its freshness (a store outage does not fail requests at once), then the setting fails
//! closed. While a stale value is being served, a failed read is retried at most every
//! [`STALE_RETRY`], so requests do not queue behind one slow read after another. A cold start
//! during an outage heals without a redeploy.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use thiserror::Error;
use tokio::sync::Mutex;

use super::store::SecretStore;
use crate::config::SecretRef;

/// While the last good value is served stale, the least time between two reads that fail.
pub const STALE_RETRY: std::time::Duration = std::time::Duration::from_secs(10);

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
    Given(Arc<T>),
    /// Fetched from `reference` when first needed, and again once stale.
    Fetched {
        /// The variable that named the reference, for logs.
        variable: &'static str,
        /// Where the value is.
        reference: SecretRef,
        /// The last good value and when it was read.
        cached: RwLock<Option<(Arc<T>, Instant)>>,
        /// When a read last failed (cleared by a good one).
        failed_at: RwLock<Option<Instant>>,
        /// Held while reading, so one caller reads at a time and the others then find its value.
        reading: Mutex<()>,
    },
}

impl<T> Secret<T> {
    /// A value given in the configuration.
    pub fn given(value: T) -> Secret<T> {
        Secret::Given(Arc::new(value))
    }

    /// A value to fetch from `reference` when first needed.
    pub fn fetched(variable: &'static str, reference: SecretRef) -> Secret<T> {
        Secret::Fetched {
            variable,
            reference,
            cached: RwLock::new(None),
            failed_at: RwLock::new(None),
            reading: Mutex::new(()),
        }
    }

    /// The value: the cached one while fresh, else read and parsed with `parse` (its error says
    /// what is wrong without quoting the value). While reads fail, the last good value is served
    /// until it is stale by more than the store's allowance.
    pub async fn get(
        &self,
        store: &SecretStore,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Arc<T>, SecretError> {
        let (variable, reference, cached, failed_at, reading) = match self {
            Secret::Given(value) => return Ok(value.clone()),
            Secret::Fetched {
                variable,
                reference,
                cached,
                failed_at,
                reading,
            } => (*variable, reference, cached, failed_at, reading),
        };
        let current = || cached.read().unwrap_or_else(|e| e.into_inner()).clone();
        let fresh = |c: &Option<(Arc<T>, Instant)>| {
            c.as_ref()
                .filter(|(_, at)| at.elapsed() < store.freshness().ttl)
                .map(|(v, _)| v.clone())
        };
        let limits = store.freshness();
        let servable = |c: &Option<(Arc<T>, Instant)>| {
            c.as_ref()
                .filter(|(_, at)| at.elapsed() < limits.ttl + limits.max_stale)
                .map(|(v, _)| v.clone())
        };
        let recently_failed = || {
            failed_at
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .is_some_and(|at| at.elapsed() < STALE_RETRY)
        };
        if let Some(value) = fresh(&current()) {
            return Ok(value);
        }
        // A read failed a moment ago: serve the stale value without waiting for another.
        if recently_failed()
            && let Some(value) = servable(&current())
        {
            return Ok(value);
        }
        let _reading = reading.lock().await;
        let last = current();
        if let Some(value) = fresh(&last) {
            return Ok(value);
        }
        let read = match fetch(store, variable, reference).await {
            Ok(raw) => parse(&raw).map_err(|problem| {
                tracing::error!(variable, problem, "secret is not usable");
                SecretError::Unusable
            }),
            Err(e) => Err(e),
        };
        let mut failure = failed_at.write().unwrap_or_else(|e| e.into_inner());
        match read {
            Ok(value) => {
                let value = Arc::new(value);
                *cached.write().unwrap_or_else(|e| e.into_inner()) =
                    Some((value.clone(), Instant::now()));
                *failure = None;
                Ok(value)
            }
            Err(e) => {
                *failure = Some(Instant::now());
                let stale = servable(&last).ok_or(e)?;
                tracing::warn!(
                    variable,
                    "secret could not be refreshed: serving the last good value for now"
                );
                Ok(stale)
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

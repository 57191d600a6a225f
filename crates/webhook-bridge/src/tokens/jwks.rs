//! An OIDC issuer's signing keys: fetched from the pinned JWKS URL on first use, kept, and
//! fetched again when a token names a key id the set does not hold (the issuer rotated its keys).
//! Such refetches happen at most once per [`REFETCH_INTERVAL`], so a stream of made-up key ids
//! costs one fetch, not one per request. Keys of kinds this build cannot use are skipped, not
//! fatal to the set.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use serde::Deserialize;
use tokio::sync::Mutex;

/// The least time between two refetches an unknown key id causes.
pub(super) const REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// The largest key set read (Cognito's is about 1 KB).
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// How long one fetch may take: a token check is on the request's path.
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
/// While no key set was ever fetched, the least time between two failed fetches: during an
/// issuer outage requests are answered 503 at once instead of queueing behind one slow fetch
/// after another.
pub(super) const UNAVAILABLE_RETRY: Duration = Duration::from_secs(5);

/// Why no key was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyMiss {
    /// The set (fresh, or refetched no longer ago than allowed) has no such key.
    Unknown,
    /// No set could be fetched yet.
    Unavailable,
}

/// The key set of one issuer.
pub(super) struct Jwks {
    url: String,
    http: reqwest::Client,
    keys: RwLock<Option<Arc<Vec<Jwk>>>>,
    /// When an unknown key id last caused a fetch; held while fetching, so one request fetches
    /// at a time and the others then find what it loaded.
    last_refetch: Mutex<Option<Instant>>,
    /// When a fetch last failed (cleared by a good one).
    failed_at: RwLock<Option<Instant>>,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

impl Jwks {
    pub(super) fn new(url: String) -> Jwks {
        Jwks {
            url,
            http: reqwest::Client::builder()
                .timeout(FETCH_TIMEOUT)
                // Never follow a redirect away from the pinned URL.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            keys: RwLock::new(None),
            last_refetch: Mutex::new(None),
            failed_at: RwLock::new(None),
        }
    }

    /// The key with id `kid`.
    pub(super) async fn key(&self, kid: &str) -> Result<Jwk, KeyMiss> {
        if let Some(found) = self.cached(kid) {
            return Ok(found);
        }
        if self.current().is_none() && self.failed_recently() {
            return Err(KeyMiss::Unavailable);
        }
        let mut last_refetch = self.last_refetch.lock().await;
        if let Some(found) = self.cached(kid) {
            return Ok(found);
        }
        let loaded = self.current().is_some();
        if !loaded && self.failed_recently() {
            return Err(KeyMiss::Unavailable);
        }
        // A set never loaded is fetched (its absence is an outage, answered 503, not a reason to
        // wait), at most every UNAVAILABLE_RETRY while that fails; a loaded one is fetched again
        // only once per interval.
        if !loaded || last_refetch.is_none_or(|at| at.elapsed() >= REFETCH_INTERVAL) {
            if loaded {
                *last_refetch = Some(Instant::now());
            }
            self.fetch().await;
        }
        match self.current() {
            None => Err(KeyMiss::Unavailable),
            Some(_) => self.cached(kid).ok_or(KeyMiss::Unknown),
        }
    }

    fn failed_recently(&self) -> bool {
        self.failed_at
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|at| at.elapsed() < UNAVAILABLE_RETRY)
    }

    fn current(&self) -> Option<Arc<Vec<Jwk>>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn cached(&self, kid: &str) -> Option<Jwk> {
        self.current()?
            .iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid))
            .cloned()
    }

    /// Fetches the set; on failure the last good set is kept and the failure logged.
    async fn fetch(&self) {
        match self.download().await {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "OIDC signing keys fetched");
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(keys));
                *self.failed_at.write().unwrap_or_else(|e| e.into_inner()) = None;
            }
            Err(problem) => {
                *self.failed_at.write().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
                tracing::error!(
                    variable = "OIDC_JWKS_URL",
                    problem,
                    "OIDC signing keys could not be fetched"
                );
            }
        }
    }

    async fn download(&self) -> Result<Vec<Jwk>, String> {
        let mut resp = self
            .http
            .get(&self.url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("status {}", resp.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let raw: RawSet = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(raw
            .keys
            .into_iter()
            .filter_map(|k| serde_json::from_value::<Jwk>(k).ok())
            .filter(|k| k.common.key_id.is_some())
            .collect())
    }
}

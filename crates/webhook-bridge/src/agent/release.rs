//! A session being stopped in the background once its answer is in: started as soon as the
//! answer is read, so it overlaps whatever the flow still does (recording the job, writing back,
//! rendering the response), and awaited before the Lambda returns, because a frozen Lambda
//! finishes nothing.

use std::future::Future;

use tokio::task::JoinHandle;

/// A `StopRuntimeSession` under way (or none).
#[derive(Default)]
pub struct SessionRelease(Option<JoinHandle<String>>);

impl SessionRelease {
    /// Nothing to release.
    pub fn none() -> SessionRelease {
        SessionRelease(None)
    }

    /// Starts `stop` (itself bounded by a budget) on the runtime, now.
    pub(super) fn start(stop: impl Future<Output = String> + Send + 'static) -> SessionRelease {
        SessionRelease(Some(tokio::spawn(stop)))
    }

    /// Waits for the stop to finish; what happened, for the log, or `None` when no session was
    /// being released.
    pub async fn settled(self) -> Option<String> {
        let handle = self.0?;
        Some(
            handle
                .await
                .unwrap_or_else(|e| format!("not stopped ({e})")),
        )
    }
}

impl std::fmt::Debug for SessionRelease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "SessionRelease(started)"
        } else {
            "SessionRelease(none)"
        })
    }
}

//! A background task tied to the handle that owns it: awaited when the owner asks, aborted when
//! the owner is dropped first.

use tokio::task::JoinHandle;

/// A spawned task, aborted when this is dropped unless it was joined.
pub(crate) struct OwnedTask(Option<JoinHandle<()>>);

impl OwnedTask {
    /// Takes ownership of `task`.
    pub(crate) fn new(task: JoinHandle<()>) -> OwnedTask {
        OwnedTask(Some(task))
    }

    /// Waits for the task to end.
    pub(crate) async fn join(mut self) {
        if let Some(task) = self.0.take() {
            let _ = task.await;
        }
    }
}

impl Drop for OwnedTask {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

//! The life cycle the local fronts share (Runtime API, API Gateway, Function URL): a router
//! served in the background, waited on by a binary, stopped when its handle is dropped.

use std::net::SocketAddr;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::task::OwnedTask;

/// A router being served; the server stops when this is dropped.
pub(crate) struct Background {
    addr: SocketAddr,
    task: OwnedTask,
}

/// Whether connections send small writes at once (`TCP_NODELAY`), or wait for ACKs (Nagle).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writes {
    /// Each write leaves at once: needed where a response is written piece by piece, or a
    /// streamed line would wait for a delayed ACK (~40 ms).
    Immediate,
    /// The operating system's default.
    Batched,
}

impl Background {
    /// Binds `addr` (`127.0.0.1:0` picks a free port) and serves `app` on it.
    pub(crate) async fn start(addr: &str, app: Router, writes: Writes) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let task = match writes {
            Writes::Immediate => {
                let listener = listener.tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                })
            }
            Writes::Batched => tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            }),
        };
        Ok(Background {
            addr: local,
            task: OwnedTask::new(task),
        })
    }

    /// The address it listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until the server task ends (for the binary).
    pub(crate) async fn wait(self) {
        self.task.join().await;
    }
}

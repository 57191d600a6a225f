//! Accepting HTTPS connections for axum: TCP accepted, the TLS handshake done, the decrypted
//! stream handed to the HTTP server.
//!
//! Handshakes run in tasks of their own so that a slow or refused one (a client that does not
//! trust the CA aborts mid-handshake) never holds up the next connection; a failed handshake is
//! logged and dropped, as a TLS front end does.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// The longest a client may take to finish its handshake before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A TCP listener that completes the TLS handshake before axum sees a connection.
pub(crate) struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<io::Result<(TlsStream<TcpStream>, SocketAddr)>>,
}

impl TlsListener {
    pub(crate) fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> Self {
        TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
        }
    }

    /// Starts the handshake of a freshly accepted connection in its own task.
    fn start_handshake(&mut self, stream: TcpStream, peer: SocketAddr) {
        // An answer goes out as several small writes (the response head, then each SSE event, each
        // its own TLS record); with Nagle's algorithm on, a write that follows an unacknowledged
        // one waits for the client's delayed ACK (~40 ms on Linux). `make bench` saw exactly that
        // as the first streamed line's latency (~43 ms, ~1 ms with this), the local stack's cost
        // and not the bridge's. The plain-HTTP path is left as it always was.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on a TLS connection");
        }
        let acceptor = self.acceptor.clone();
        self.handshakes.spawn(async move {
            let tls = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                .await
                .map_err(|_| {
                    io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out")
                })??;
            Ok((tls, peer))
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // Both branches are cancel-safe: an accepted socket or a finished handshake is never
            // lost when the other branch wins.
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((stream, peer)) => self.start_handshake(stream, peer),
                    Err(e) => accept_failed(e).await,
                },
                Some(done) = self.handshakes.join_next(), if !self.handshakes.is_empty() => {
                    match done {
                        Ok(Ok(connection)) => return connection,
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(e) => tracing::debug!(error = %e, "TLS handshake task ended"),
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// What axum's own TCP listener does on an accept error: a connection that went away before it
/// was accepted is nothing; anything else (say, out of file descriptors) is logged and retried
/// after a pause instead of spinning.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "local AgentCore: accept error");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

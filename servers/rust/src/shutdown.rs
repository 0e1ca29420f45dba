//! Graceful shutdown of the HTTP connections (http and grpc modes) on
//! SIGTERM: each is told to finish, which sends GOAWAY on HTTP/2 and closes
//! an idle HTTP/1.1 connection, and the server waits a short, bounded time
//! for them before it exits.
//!
//! [`Shutdown`] starts it; each connection holds a [`Signal`], and the
//! shutdown is over when every signal is dropped: when the accept loop and
//! every connection have ended.

use std::time::Duration;

use hyper_util::server::graceful::GracefulConnection;
use tokio::sync::watch;

/// Starts the shutdown of every connection holding one of its signals.
pub struct Shutdown {
    tx: watch::Sender<()>,
}

/// A connection's side of a [`Shutdown`]: tells it when to finish.
#[derive(Clone)]
pub struct Signal {
    rx: watch::Receiver<()>,
}

impl Shutdown {
    /// A shutdown not yet started.
    pub fn new() -> Self {
        let (tx, _) = watch::channel(());
        Shutdown { tx }
    }

    /// A signal for one more connection, or a server that hands it on.
    pub fn signal(&self) -> Signal {
        Signal {
            rx: self.tx.subscribe(),
        }
    }

    /// Tells every connection to finish and waits until all have, or until
    /// bound has passed.
    pub async fn run(self, bound: Duration) {
        // Fails only when no signal is left, with nothing to tell.
        let _ = self.tx.send(());
        let _ = tokio::time::timeout(bound, self.tx.closed()).await;
    }
}

impl Signal {
    /// Returns when the shutdown starts.
    async fn started(&mut self) {
        // An error means the Shutdown is gone: the server is stopping too.
        let _ = self.rx.changed().await;
    }
}

/// Runs the HTTP connection conn to its end; when the shutdown of stop
/// starts, it asks conn to finish (GOAWAY on HTTP/2) and lets it. Errors
/// are the client's doing and end only this connection; the contract wants
/// no per-request logs.
pub async fn serve<C: GracefulConnection>(conn: C, mut stop: Signal) {
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.started() => conn.as_mut().graceful_shutdown(),
    }
    let _ = conn.await;
}

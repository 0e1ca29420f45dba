//! The proxy mode: each client connection is dialed through to the backend
//! and relayed in both directions until either side closes, then both
//! connections are closed. If the backend cannot be dialed, the client is
//! closed.

use std::sync::Arc;

use tokio::io;
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::net::DIAL_TIMEOUT;

/// Relays client to backend and back; returning drops (closes) both.
pub async fn handle(backend: Arc<str>, mut client: TcpStream) {
    let Ok(Ok(mut upstream)) = timeout(DIAL_TIMEOUT, TcpStream::connect(&*backend)).await else {
        return;
    };
    let _ = upstream.set_nodelay(true);
    let (mut client_rd, mut client_wr) = client.split();
    let (mut upstream_rd, mut upstream_wr) = upstream.split();
    // Unlike copy_bidirectional, which half-closes and waits for both
    // directions, the relay ends as soon as either direction does.
    tokio::select! {
        _ = io::copy(&mut client_rd, &mut upstream_wr) => {}
        _ = io::copy(&mut upstream_rd, &mut client_wr) => {}
    }
}

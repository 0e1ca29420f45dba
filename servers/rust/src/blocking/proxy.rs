//! The proxy mode of the blocking form. The worker that took the client
//! connection dials the backend and relays client → backend itself; the
//! backend → client direction runs on one extra (scoped) thread per
//! connection, which lives exactly as long as the relay. When either
//! direction ends, both sockets are shut down, which ends the other
//! direction's blocking read, and both are closed. A backend that cannot
//! be dialed closes the client.

use std::io;
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::thread;

use super::relay;
use crate::net::DIAL_TIMEOUT;

/// Relays client to backend and back; returning drops (closes) both.
pub fn handle(backend: &str, client: TcpStream) {
    let Ok(upstream) = dial(backend) else {
        return;
    };
    let _ = upstream.set_nodelay(true);
    thread::scope(|s| {
        let back = thread::Builder::new()
            .name("proxy-back".into())
            .spawn_scoped(s, || relay_then_close(&upstream, &client));
        // Without the second thread there is no relay: close both at once.
        if back.is_ok() {
            relay_then_close(&client, &upstream);
        } else {
            close_both(&client, &upstream);
        }
    });
}

/// Relays from to to until either side ends, then shuts both down.
fn relay_then_close(from: &TcpStream, to: &TcpStream) {
    let _ = relay::copy(from, to);
    close_both(from, to);
}

/// Shuts down both directions of both sockets; a thread blocked reading
/// either one wakes up with EOF.
fn close_both(a: &TcpStream, b: &TcpStream) {
    let _ = a.shutdown(Shutdown::Both);
    let _ = b.shutdown(Shutdown::Both);
}

/// Connects to addr, trying each address it resolves to, each for at most
/// DIAL_TIMEOUT.
fn dial(addr: &str) -> io::Result<TcpStream> {
    let mut last_err = None;
    for sa in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&sa, DIAL_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("no address to connect to")))
}

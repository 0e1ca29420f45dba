//! The TCP plumbing every mode of the async form shares: binding the
//! listener and the accept loop that hands each connection, with
//! TCP_NODELAY set, to its own task; and the settings the blocking form
//! shares with it.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{lookup_host, TcpListener, TcpSocket, TcpStream};

/// The listen backlog asked for; the kernel caps it at net.core.somaxconn.
pub const BACKLOG: u32 = 4096;

/// Bounds of the pause after a failed accept (for example EMFILE), so that
/// a burst of failures does not spin the CPU.
const MIN_ACCEPT_DELAY: Duration = Duration::from_millis(5);
const MAX_ACCEPT_DELAY: Duration = Duration::from_millis(100);

/// How long a proxy waits for the backend connection.
pub const DIAL_TIMEOUT: Duration = Duration::from_secs(5);

/// Returns the pause after the next failed accept, given the last one.
pub fn accept_backoff(last: Duration) -> Duration {
    (last * 2).clamp(MIN_ACCEPT_DELAY, MAX_ACCEPT_DELAY)
}

/// Turns a listen address into one the resolver takes: an empty HOST
/// (`:PORT`) means every IPv4 address, as in Go.
pub fn host_port(addr: &str) -> String {
    if addr.starts_with(':') {
        format!("0.0.0.0{addr}")
    } else {
        addr.to_string()
    }
}

/// Adds the address to an error of listening on it.
pub fn listen_error(addr: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("listen {addr}: {e}"))
}

/// Binds a listener to addr (HOST:PORT; an empty HOST means every IPv4
/// address), trying each address the host resolves to.
pub async fn listen(addr: &str) -> io::Result<TcpListener> {
    let context = |e| listen_error(addr, e);
    let mut last_err = None;
    for sa in lookup_host(&host_port(addr)).await.map_err(context)? {
        match bind(sa) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_err = Some(e),
        }
    }
    let err = last_err.unwrap_or_else(|| io::Error::other("no address to listen on"));
    Err(context(err))
}

/// Binds and listens on one address with SO_REUSEADDR, like Go does.
fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Accepts connections forever and spawns handle(conn) for each one. Accept
/// errors are retried after a short, growing pause. The loop ends when its
/// task is dropped, which closes the listener.
pub async fn serve<F, Fut>(listener: TcpListener, handle: F)
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut delay = Duration::ZERO;
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                delay = Duration::ZERO;
                // Only fails if the peer is already gone; the handler sees that.
                let _ = stream.set_nodelay(true);
                tokio::spawn(handle(stream));
            }
            Err(_) => {
                delay = accept_backoff(delay);
                tokio::time::sleep(delay).await;
            }
        }
    }
}

//! The TCP plumbing every mode shares: binding the listener (both I/O
//! forms), the accept loop of the async form that hands each connection,
//! with TCP_NODELAY set, to its own task, and the settings the blocking
//! form shares with it.
//!
//! TLS ([`crate::tls`]) is done in each connection's task, on top of the
//! TCP stream the accept loop hands over: the modes serve any [`Conn`].

use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use socket2::{Domain, Socket, Type};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

/// The byte stream of one connection, as the modes serve it: TCP, or TLS
/// over TCP.
pub trait Conn: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Conn for T {}

/// The listen backlog asked for; the kernel caps it at net.core.somaxconn.
const BACKLOG: i32 = 4096;

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
fn host_port(addr: &str) -> String {
    if addr.starts_with(':') {
        format!("0.0.0.0{addr}")
    } else {
        addr.to_string()
    }
}

/// Binds a blocking listener to addr (HOST:PORT; an empty HOST means
/// every IPv4 address), trying each address the host resolves to. Both
/// I/O forms listen through it.
pub fn listen_std(addr: &str) -> io::Result<std::net::TcpListener> {
    let context = |e: io::Error| io::Error::new(e.kind(), format!("listen {addr}: {e}"));
    let mut last_err = None;
    for sa in host_port(addr).to_socket_addrs().map_err(context)? {
        match bind(sa) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_err = Some(e),
        }
    }
    let err = last_err.unwrap_or_else(|| io::Error::other("no address to listen on"));
    Err(context(err))
}

/// Binds a tokio listener to addr, as listen_std does. It must run
/// inside the runtime.
pub fn listen(addr: &str) -> io::Result<TcpListener> {
    let listener = listen_std(addr)?;
    listener.set_nonblocking(true)?;
    TcpListener::from_std(listener)
}

/// Binds and listens on one address with SO_REUSEADDR, like Go does.
fn bind(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
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

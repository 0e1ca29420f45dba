//! The blocking listener and its acceptor thread.

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::thread;
use std::time::Duration;

use socket2::{Domain, Socket, Type};

use super::pool::Pool;
use crate::net::{accept_backoff, host_port, listen_error, BACKLOG};

/// Binds a listener to addr (HOST:PORT; an empty HOST means every IPv4
/// address), trying each address the host resolves to.
pub fn listen(addr: &str) -> io::Result<TcpListener> {
    let context = |e| listen_error(addr, e);
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

/// Binds and listens on one address with SO_REUSEADDR and the async
/// form's backlog.
fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG as i32)?;
    Ok(socket.into())
}

/// Accepts connections for ever and queues each one, with TCP_NODELAY
/// set, for the pool. Accept errors are retried after a short, growing
/// pause.
pub fn accept_loop(listener: &TcpListener, pool: &Pool) {
    let mut delay = Duration::ZERO;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                delay = Duration::ZERO;
                // Only fails if the peer is already gone; the worker sees that.
                let _ = stream.set_nodelay(true);
                pool.submit(stream);
            }
            Err(_) => {
                delay = accept_backoff(delay);
                thread::sleep(delay);
            }
        }
    }
}

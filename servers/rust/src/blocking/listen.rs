//! The blocking form's acceptor thread; the listener is bound by
//! [`crate::net::listen_std`].

use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use super::pool::Pool;
use crate::net::accept_backoff;

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

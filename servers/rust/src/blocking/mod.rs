//! The blocking I/O form (`--io blocking`): std::net sockets with blocking
//! reads and writes, and no tokio.
//!
//! One acceptor thread accepts connections and queues them; a fixed pool of
//! `--workers` threads takes them in order, each serving one connection
//! until it closes. While every worker is busy, new connections wait in the
//! queue: a slow dependency (`/delay/D/...`, where the worker itself
//! sleeps) starves the whole pool, which is what this form is for.
//!
//! SIGTERM and SIGINT are blocked in every thread and taken by the main
//! thread with sigwait; it then returns, which ends the process and closes
//! every socket without waiting for the workers.

mod echo;
mod http;
mod listen;
mod pool;
mod proxy;
mod relay;
mod request;
mod signals;

use std::io;
use std::sync::Arc;
use std::thread;

use crate::config::{Config, Mode};
use crate::PROG;
use pool::Pool;
use signals::StopSignals;

/// Serves cfg in the blocking form until SIGTERM or SIGINT. It returns an
/// error if the server could not start.
pub fn run(cfg: Config) -> io::Result<()> {
    // The command line rejects both; this form has neither.
    if cfg.mode == Mode::Grpc || cfg.tls.is_some() {
        return Err(io::Error::other(
            "the blocking form serves neither gRPC nor TLS",
        ));
    }
    // Before any thread starts, so that every thread inherits the mask.
    let stop = StopSignals::block()?;
    let listener = crate::net::listen_std(&cfg.listen)?;
    eprintln!(
        "{PROG}: mode={} io={} workers={} tls=off listen={}",
        cfg.mode,
        cfg.io,
        cfg.workers,
        listener.local_addr()?
    );
    let pool = match cfg.mode {
        Mode::Echo => Pool::start(cfg.workers, echo::handle)?,
        Mode::Http => Pool::start(cfg.workers, http::handle)?,
        Mode::Proxy => {
            let backend: Arc<str> = cfg.backend.into();
            Pool::start(cfg.workers, move |s| proxy::handle(&backend, s))?
        }
        Mode::Grpc => unreachable!("rejected above"),
    };
    thread::Builder::new()
        .name("acceptor".into())
        .spawn(move || listen::accept_loop(&listener, &pool))?;
    stop.wait()
}

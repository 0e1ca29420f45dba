//! latbench-server-rust is the Rust reference server for latbench.
//!
//! It runs one of four modes on a TCP listener:
//!
//! - echo: every byte received is written back in order;
//! - http: an HTTP/1.1 keep-alive and HTTP/2 server with `/bytes/N`,
//!   `/delay/D/bytes/N` (the same after waiting D) and `/health`;
//! - proxy: a TCP relay of every connection to `--backend`;
//! - grpc: the gRPC service `latbench.echo.v1.Echo` (see [`grpc`]);
//!
//! in one of two I/O forms (`--io`):
//!
//! - async (the default): a tokio multi-thread runtime with `--threads`
//!   workers, hyper for http, tonic for grpc; `/delay` waits on a tokio
//!   timer. With `--tls-cert` and `--tls-key`, echo, http and grpc are
//!   served over TLS (see [`tls`]);
//! - blocking: std::net on a fixed pool of `--workers` threads, each
//!   serving one connection at a time (see [`blocking`]); `/delay` sleeps
//!   the worker thread. No TLS, no grpc.
//!
//! It logs one line to stderr when it is listening and otherwise only fatal
//! errors. SIGTERM or SIGINT stops it: the listener is closed, HTTP
//! connections are told to finish (GOAWAY on HTTP/2) and given a moment,
//! every connection is closed and it exits 0. Usage errors, and TLS files
//! that do not load, exit 2; runtime errors exit 1.

mod blocking;
mod body;
mod config;
mod echo;
mod grpc;
mod http;
mod net;
mod proxy;
mod route;
mod shutdown;
mod tls;

use std::io;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use config::{Command, Config, Io, Mode};
use shutdown::{Shutdown, Signal};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};
use tokio_rustls::TlsAcceptor;

/// Prefixes every line the server writes to stderr.
pub(crate) const PROG: &str = "latbench-server-rust";

/// How long shutdown waits for the runtime's threads to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(100);

/// How long shutdown waits for HTTP connections to finish once told to
/// (HTTP/2: after GOAWAY), before closing them; with SHUTDOWN_GRACE, well
/// within the contract's 2 s from SIGTERM to exit.
const DRAIN_GRACE: Duration = Duration::from_millis(500);

fn main() -> ExitCode {
    // A non-UTF-8 argument cannot be valid; lossy conversion turns it
    // into a usage error instead of a panic.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match config::parse(&args, default_threads()) {
        Ok(Command::Help) => {
            eprintln!("{}", config::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Command::Run(cfg)) => {
            // The TLS files are checked before anything starts: a bad one
            // is the caller's mistake, like a bad flag.
            let acceptor = match cfg.tls.as_ref().map(|f| tls::acceptor(f, cfg.mode)) {
                None => None,
                Some(Ok(acceptor)) => Some(acceptor),
                Some(Err(msg)) => {
                    eprintln!("{PROG}: {msg}");
                    return ExitCode::from(2);
                }
            };
            match run_form(cfg, acceptor) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{PROG}: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Err(msg) => {
            eprintln!("{PROG}: {msg}\n{}", config::USAGE);
            ExitCode::from(2)
        }
    }
}

/// The number of CPUs this process may run on: its scheduler affinity
/// (and cgroup quota), so that `taskset -c 1` makes it 1.
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Serves cfg in its I/O form until SIGTERM or SIGINT, over TLS with
/// acceptor (the async form only: config rejects TLS in the other).
fn run_form(cfg: Config, acceptor: Option<TlsAcceptor>) -> io::Result<()> {
    match cfg.io {
        Io::Async => run(cfg, acceptor),
        Io::Blocking => blocking::run(cfg),
    }
}

/// Starts the runtime, serves until SIGTERM or SIGINT and shuts down. It
/// returns an error if the server could not start.
fn run(cfg: Config, acceptor: Option<TlsAcceptor>) -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cfg.threads)
        .enable_all()
        .build()?;
    let result = rt.block_on(serve_until_signal(cfg, acceptor));
    // Dropping the runtime's tasks closes the listener and every connection.
    rt.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// Listens, logs the start line and runs the mode's accept loop on a worker
/// until a stop signal arrives; then closes the listener and lets the HTTP
/// connections finish, for at most DRAIN_GRACE.
async fn serve_until_signal(cfg: Config, acceptor: Option<TlsAcceptor>) -> io::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let listener = net::listen(&cfg.listen)?;
    eprintln!(
        "{PROG}: mode={} io={} threads={} tls={} listen={}",
        cfg.mode,
        cfg.io,
        cfg.threads,
        if acceptor.is_some() { "on" } else { "off" },
        listener.local_addr()?
    );
    let shutdown = Shutdown::new();
    let accept_loop = tokio::spawn(serve(cfg, acceptor, listener, shutdown.signal()));
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    accept_loop.abort();
    shutdown.run(DRAIN_GRACE).await;
    Ok(())
}

/// Runs the accept loop of cfg.mode on listener, over TLS with acceptor;
/// stop tells the HTTP connections to finish.
async fn serve(cfg: Config, acceptor: Option<TlsAcceptor>, listener: TcpListener, stop: Signal) {
    match cfg.mode {
        Mode::Echo => echo::serve(listener, acceptor).await,
        Mode::Http => http::serve(listener, acceptor, stop).await,
        Mode::Grpc => grpc::serve(listener, acceptor, stop).await,
        Mode::Proxy => {
            let backend: Arc<str> = cfg.backend.into();
            net::serve(listener, move |s| proxy::handle(Arc::clone(&backend), s)).await
        }
    }
}

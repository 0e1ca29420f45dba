//! latbench-server-rust is the Rust reference server for latbench.
//!
//! It runs one of three modes on a TCP listener:
//!
//! - echo: every byte received is written back in order;
//! - http: an HTTP/1.1 keep-alive server with `/bytes/N`,
//!   `/delay/D/bytes/N` (the same after waiting D) and `/health`;
//! - proxy: a TCP relay of every connection to `--backend`.
//!
//! in one of two I/O forms (`--io`):
//!
//! - async (the default): a tokio multi-thread runtime with `--threads`
//!   workers, hyper for http; `/delay` waits on a tokio timer;
//! - blocking: std::net on a fixed pool of `--workers` threads, each
//!   serving one connection at a time (see [`blocking`]); `/delay` sleeps
//!   the worker thread.
//!
//! It logs one line to stderr when it is listening and otherwise only fatal
//! errors. SIGTERM or SIGINT stops it: the listener and every connection are
//! closed and it exits 0. Usage errors exit 2, runtime errors exit 1.

mod blocking;
mod body;
mod config;
mod echo;
mod http;
mod net;
mod proxy;
mod route;

use std::io;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use config::{Command, Config, Io, Mode};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

/// Prefixes every line the server writes to stderr.
pub(crate) const PROG: &str = "latbench-server-rust";

/// How long shutdown waits for the runtime's threads to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(100);

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
        Ok(Command::Run(cfg)) => match run_form(cfg) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{PROG}: {e}");
                ExitCode::from(1)
            }
        },
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

/// Serves cfg in its I/O form until SIGTERM or SIGINT.
fn run_form(cfg: Config) -> io::Result<()> {
    match cfg.io {
        Io::Async => run(cfg),
        Io::Blocking => blocking::run(cfg),
    }
}

/// Starts the runtime, serves until SIGTERM or SIGINT and shuts down. It
/// returns an error if the server could not start.
fn run(cfg: Config) -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cfg.threads)
        .enable_all()
        .build()?;
    let result = rt.block_on(serve_until_signal(cfg));
    // Dropping the runtime's tasks closes the listener and every connection.
    rt.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// Listens, logs the start line and runs the mode's accept loop on a worker
/// until a stop signal arrives.
async fn serve_until_signal(cfg: Config) -> io::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let listener = net::listen(&cfg.listen)?;
    eprintln!(
        "{PROG}: mode={} io={} threads={} listen={}",
        cfg.mode,
        cfg.io,
        cfg.threads,
        listener.local_addr()?
    );
    tokio::spawn(serve(cfg, listener));
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

/// Runs the accept loop of cfg.mode on listener.
async fn serve(cfg: Config, listener: TcpListener) {
    match cfg.mode {
        Mode::Echo => net::serve(listener, echo::handle).await,
        Mode::Http => {
            let server = Arc::new(http::Server::new());
            net::serve(listener, move |s| http::handle(Arc::clone(&server), s)).await
        }
        Mode::Proxy => {
            let backend: Arc<str> = cfg.backend.into();
            net::serve(listener, move |s| proxy::handle(Arc::clone(&backend), s)).await
        }
    }
}

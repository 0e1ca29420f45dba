//! Command-line parsing for the server contract:
//! `--mode echo|http|proxy|grpc --listen HOST:PORT [--backend HOST:PORT]
//! [--threads N] [--tls-cert FILE --tls-key FILE] [--io async|blocking]
//! [--workers N]`.
//!
//! Like Go's `flag` package, which the Go reference server uses, a flag may
//! start with one or two dashes and take its value either as the next
//! argument or after `=`.

use std::fmt;

/// The usage line printed with every usage error and for `--help`.
pub const USAGE: &str =
    "Usage: latbench-server-rust --mode echo|http|proxy|grpc --listen HOST:PORT \
[--backend HOST:PORT] [--threads N] [--tls-cert FILE --tls-key FILE] [--io async|blocking] \
[--workers N]
  --mode MODE        server mode: echo, http (HTTP/1.1, and HTTP/2: h2c with prior
                     knowledge, or h2 over TLS), proxy, or grpc (the gRPC service
                     latbench.echo.v1.Echo over h2c, or h2 over TLS)
  --listen HOST:PORT address to listen on
  --backend HOST:PORT
                     backend address for proxy mode
  --threads N        async form: tokio worker threads (default: the CPUs this
                     process may run on); ignored with --io blocking
  --tls-cert FILE    PEM certificate chain: serve TLS 1.2 and 1.3 (echo, http and
                     grpc modes, async form); needs --tls-key
  --tls-key FILE     PEM private key of --tls-cert; needs --tls-cert
  --io FORM          I/O form: async (tokio and hyper, the default) or blocking
                     (std::net, one connection at a time per worker thread)
  --workers N        blocking form: worker threads, each serving one connection
                     at a time; more connections wait for a free one (default 8)";

/// The `--workers` default: the size of the blocking form's pool.
pub const DEFAULT_WORKERS: usize = 8;

/// What the server serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Echo,
    Http,
    Proxy,
    Grpc,
}

impl Mode {
    /// Parses a `--mode` value.
    fn parse(s: &str) -> Option<Mode> {
        match s {
            "echo" => Some(Mode::Echo),
            "http" => Some(Mode::Http),
            "proxy" => Some(Mode::Proxy),
            "grpc" => Some(Mode::Grpc),
            _ => None,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Echo => "echo",
            Mode::Http => "http",
            Mode::Proxy => "proxy",
            Mode::Grpc => "grpc",
        })
    }
}

/// How the server does its I/O.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Io {
    /// Non-blocking: tokio tasks on `--threads` runtime threads.
    Async,
    /// Blocking: a fixed pool of `--workers` threads, one connection each.
    Blocking,
}

impl Io {
    /// Parses an `--io` value.
    fn parse(s: &str) -> Option<Io> {
        match s {
            "async" => Some(Io::Async),
            "blocking" => Some(Io::Blocking),
            _ => None,
        }
    }
}

impl fmt::Display for Io {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Io::Async => "async",
            Io::Blocking => "blocking",
        })
    }
}

/// The certificate and key files of `--tls-cert` and `--tls-key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: String,
    pub key: String,
}

/// The parsed, validated command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub mode: Mode,
    pub listen: String,
    pub backend: String,
    pub threads: usize,
    pub io: Io,
    pub workers: usize,
    /// TLS on the listener; only with the async form, and not in proxy mode.
    pub tls: Option<TlsFiles>,
}

/// The outcome of parsing: run with a config, or print the usage and exit 0.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Run(Config),
    Help,
}

/// The flag values as given, before validation.
#[derive(Default)]
struct Flags {
    mode: String,
    listen: String,
    backend: String,
    threads: Option<usize>,
    io: Option<String>,
    workers: Option<usize>,
    tls_cert: String,
    tls_key: String,
}

impl Flags {
    /// Stores the value of flag name, which must be one of FLAGS.
    fn set(&mut self, name: &str, value: String) -> Result<(), String> {
        match name {
            "mode" => self.mode = value,
            "listen" => self.listen = value,
            "backend" => self.backend = value,
            "threads" => self.threads = Some(parse_count(name, &value)?),
            "io" => self.io = Some(value),
            "tls-cert" => self.tls_cert = value,
            "tls-key" => self.tls_key = value,
            _ => self.workers = Some(parse_count(name, &value)?),
        }
        Ok(())
    }
}

/// The flags that take a value.
const FLAGS: [&str; 8] = [
    "mode", "listen", "backend", "threads", "io", "workers", "tls-cert", "tls-key",
];

/// Parses `args` (without the program name). `default_threads` is the
/// value of `--threads` when it is not given. The error is a one-line
/// message for a usage error.
pub fn parse(args: &[String], default_threads: usize) -> Result<Command, String> {
    let mut flags = Flags::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some((name, inline)) = split_flag(arg) else {
            return Err(format!("unexpected argument {arg:?}"));
        };
        if matches!(name, "h" | "help") {
            return Ok(Command::Help);
        }
        if !FLAGS.contains(&name) {
            return Err(format!("flag provided but not defined: {arg}"));
        }
        let value = match inline {
            Some(v) => v.to_string(),
            None => it
                .next()
                .cloned()
                .ok_or_else(|| format!("flag needs an argument: --{name}"))?,
        };
        flags.set(name, value)?;
    }
    validate(flags, default_threads).map(Command::Run)
}

/// Splits `-name`, `--name` or `--name=value` into the flag name and its
/// inline value; it returns None for an argument that is not a flag.
/// A lone `--` is not a flag either (Go's `flag` ends parsing there, and
/// every argument after it is a stray positional one).
fn split_flag(arg: &str) -> Option<(&str, Option<&str>)> {
    let body = arg
        .strip_prefix("--")
        .or_else(|| arg.strip_prefix('-'))
        .filter(|b| !b.is_empty() && !b.starts_with('-'))?;
    Some(match body.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (body, None),
    })
}

/// Parses the value of a `--threads` or `--workers` flag: an integer of
/// at least 1.
fn parse_count(flag: &str, s: &str) -> Result<usize, String> {
    let n: i64 = s
        .parse()
        .map_err(|_| format!("invalid value {s:?} for flag --{flag}: not an integer"))?;
    usize::try_from(n)
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| format!("--{flag} must be at least 1, got {n}"))
}

/// Checks the flag combination, in the order the Go server does.
fn validate(flags: Flags, default_threads: usize) -> Result<Config, String> {
    let mode = Mode::parse(&flags.mode).ok_or_else(|| {
        format!(
            "--mode must be echo, http, proxy or grpc, got {:?}",
            flags.mode
        )
    })?;
    if flags.listen.is_empty() {
        return Err("--listen HOST:PORT is required".to_string());
    }
    if mode == Mode::Proxy && flags.backend.is_empty() {
        return Err("--backend HOST:PORT is required in proxy mode".to_string());
    }
    let io = match flags.io.as_deref() {
        None => Io::Async,
        Some(s) => {
            Io::parse(s).ok_or_else(|| format!("--io must be async or blocking, got {s:?}"))?
        }
    };
    let tls = validate_tls(mode, io, flags.tls_cert, flags.tls_key)?;
    if io == Io::Blocking && mode == Mode::Grpc {
        return Err(
            "--io blocking does not serve --mode grpc: gRPC is served by the async form only"
                .to_string(),
        );
    }
    let threads = flags.threads.unwrap_or(default_threads);
    if threads < 1 {
        return Err(format!("--threads must be at least 1, got {threads}"));
    }
    Ok(Config {
        mode,
        listen: flags.listen,
        backend: flags.backend,
        threads,
        io,
        workers: flags.workers.unwrap_or(DEFAULT_WORKERS),
        tls,
    })
}

/// Checks the TLS flags: both or neither (an empty value counts as not
/// given, as with Go's `flag`), and only in the modes and form that serve
/// TLS.
fn validate_tls(mode: Mode, io: Io, cert: String, key: String) -> Result<Option<TlsFiles>, String> {
    match (cert.is_empty(), key.is_empty()) {
        (true, true) => return Ok(None),
        (false, true) => {
            return Err("--tls-cert needs --tls-key FILE, which is missing".to_string())
        }
        (true, false) => {
            return Err("--tls-key needs --tls-cert FILE, which is missing".to_string())
        }
        (false, false) => {}
    }
    if mode == Mode::Proxy {
        return Err(
            "--mode proxy does not take --tls-cert/--tls-key: TLS is served in echo, http and grpc modes"
                .to_string(),
        );
    }
    if io == Io::Blocking {
        return Err(
            "--io blocking does not serve TLS (--tls-cert/--tls-key): TLS is served by the async form only"
                .to_string(),
        );
    }
    Ok(Some(TlsFiles { cert, key }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn run(s: &str) -> Result<Config, String> {
        match parse(&args(s), 4)? {
            Command::Run(c) => Ok(c),
            Command::Help => Err("help".to_string()),
        }
    }

    #[test]
    fn parses_every_flag_form() {
        let c = run("--mode proxy -listen=127.0.0.1:1 --backend=127.0.0.1:2 -threads 3").unwrap();
        assert_eq!(
            c,
            Config {
                mode: Mode::Proxy,
                listen: "127.0.0.1:1".into(),
                backend: "127.0.0.1:2".into(),
                threads: 3,
                io: Io::Async,
                workers: DEFAULT_WORKERS,
                tls: None,
            }
        );
    }

    #[test]
    fn grpc_and_tls() {
        let c = run("--mode grpc --listen :0").unwrap();
        assert_eq!((c.mode, c.tls), (Mode::Grpc, None));
        for mode in ["echo", "http", "grpc"] {
            let c = run(&format!(
                "--mode {mode} --listen :0 --tls-cert c.pem -tls-key=k.pem"
            ))
            .unwrap();
            let files = TlsFiles {
                cert: "c.pem".into(),
                key: "k.pem".into(),
            };
            assert_eq!(c.tls, Some(files), "{mode}");
        }
        // An empty value is no value.
        let c = run("--mode http --listen :0 --tls-cert= --tls-key=").unwrap();
        assert_eq!(c.tls, None);
    }

    #[test]
    fn io_and_workers() {
        let c = run("--mode http --listen :0").unwrap();
        assert_eq!((c.io, c.workers), (Io::Async, 8));
        let c = run("--mode http --listen :0 --io blocking --workers 2").unwrap();
        assert_eq!((c.io, c.workers), (Io::Blocking, 2));
        let c = run("--mode echo --listen :0 -io=async -workers=1000").unwrap();
        assert_eq!((c.io, c.workers), (Io::Async, 1000));
        // --threads is accepted, and ignored, in the blocking form.
        let c = run("--mode echo --listen :0 --io blocking --threads 3").unwrap();
        assert_eq!((c.io, c.threads, c.workers), (Io::Blocking, 3, 8));
    }

    #[test]
    fn threads_default_and_later_flag_wins() {
        assert_eq!(run("--mode echo --listen :0").unwrap().threads, 4);
        let c = run("--mode echo --mode http --listen :0").unwrap();
        assert_eq!(c.mode, Mode::Http);
    }

    #[test]
    fn help() {
        assert_eq!(parse(&args("--help"), 1), Ok(Command::Help));
        assert_eq!(parse(&args("--mode x -h"), 1), Ok(Command::Help));
    }

    #[test]
    fn usage_errors() {
        let cases = [
            ("", "--mode must be"),
            ("--mode ftp --listen :0", "--mode must be"),
            ("--mode echo", "--listen HOST:PORT is required"),
            (
                "--mode proxy --listen :0",
                "--backend HOST:PORT is required",
            ),
            ("--mode echo --listen :0 --threads 0", "at least 1"),
            ("--mode echo --listen :0 --threads -2", "at least 1"),
            ("--mode echo --listen :0 --threads x", "not an integer"),
            ("--mode echo --listen :0 --verbose", "not defined"),
            ("--mode echo --listen :0 stray", "unexpected argument"),
            ("--mode echo --listen :0 -- x", "unexpected argument"),
            ("--mode echo --listen", "needs an argument"),
            ("--mode echo --listen :0 --io", "needs an argument"),
            (
                "--mode echo --listen :0 --io nio",
                "--io must be async or blocking",
            ),
            (
                "--mode echo --listen :0 --io=",
                "--io must be async or blocking",
            ),
            ("--mode echo --listen :0 --io Blocking", "--io must be"),
            (
                "--mode echo --listen :0 --workers 0",
                "--workers must be at least 1",
            ),
            (
                "--mode echo --listen :0 --workers -1",
                "--workers must be at least 1",
            ),
            (
                "--mode echo --listen :0 --workers many",
                "invalid value \"many\" for flag --workers: not an integer",
            ),
            ("--mode echo --listen :0 --workers", "needs an argument"),
            ("--mode echo --listen :0 --tls-cert", "needs an argument"),
            (
                "--mode echo --listen :0 --tls-cert c.pem",
                "--tls-key FILE, which is missing",
            ),
            (
                "--mode http --listen :0 --tls-key k.pem",
                "--tls-cert FILE, which is missing",
            ),
            (
                "--mode grpc --listen :0 --tls-cert c.pem --tls-key=",
                "--tls-key FILE, which is missing",
            ),
            (
                "--mode proxy --listen :0 --backend :1 --tls-cert c.pem --tls-key k.pem",
                "--mode proxy does not take --tls-cert/--tls-key",
            ),
            (
                "--mode http --listen :0 --io blocking --tls-cert c.pem --tls-key k.pem",
                "--io blocking does not serve TLS",
            ),
            (
                "--mode grpc --listen :0 --io blocking",
                "--io blocking does not serve --mode grpc",
            ),
            (
                "--mode GRPC --listen :0",
                "--mode must be echo, http, proxy or grpc",
            ),
        ];
        for (line, want) in cases {
            let err = run(line).unwrap_err();
            assert!(err.contains(want), "{line:?}: got {err:?}, want {want:?}");
        }
    }
}

//! Command-line parsing for the server contract:
//! `--mode echo|http|proxy --listen HOST:PORT [--backend HOST:PORT] [--threads N]
//! [--io async|blocking] [--workers N]`.
//!
//! Like Go's `flag` package, which the Go reference server uses, a flag may
//! start with one or two dashes and take its value either as the next
//! argument or after `=`.

use std::fmt;

/// The usage line printed with every usage error and for `--help`.
pub const USAGE: &str = "Usage: latbench-server-rust --mode echo|http|proxy --listen HOST:PORT \
[--backend HOST:PORT] [--threads N] [--io async|blocking] [--workers N]
  --mode MODE        server mode: echo, http or proxy
  --listen HOST:PORT address to listen on
  --backend HOST:PORT
                     backend address for proxy mode
  --threads N        async form: tokio worker threads (default: the CPUs this
                     process may run on); ignored with --io blocking
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
}

impl Mode {
    /// Parses a `--mode` value.
    fn parse(s: &str) -> Option<Mode> {
        match s {
            "echo" => Some(Mode::Echo),
            "http" => Some(Mode::Http),
            "proxy" => Some(Mode::Proxy),
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

/// The parsed, validated command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub mode: Mode,
    pub listen: String,
    pub backend: String,
    pub threads: usize,
    pub io: Io,
    pub workers: usize,
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
            _ => self.workers = Some(parse_count(name, &value)?),
        }
        Ok(())
    }
}

/// The flags that take a value.
const FLAGS: [&str; 6] = ["mode", "listen", "backend", "threads", "io", "workers"];

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
    let mode = Mode::parse(&flags.mode)
        .ok_or_else(|| format!("--mode must be echo, http or proxy, got {:?}", flags.mode))?;
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
    })
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
            }
        );
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
        ];
        for (line, want) in cases {
            let err = run(line).unwrap_err();
            assert!(err.contains(want), "{line:?}: got {err:?}, want {want:?}");
        }
    }
}

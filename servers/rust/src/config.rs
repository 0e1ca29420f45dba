//! Command-line parsing for the server contract:
//! `--mode echo|http|proxy --listen HOST:PORT [--backend HOST:PORT] [--threads N]`.
//!
//! Like Go's `flag` package, which the Go reference server uses, a flag may
//! start with one or two dashes and take its value either as the next
//! argument or after `=`.

use std::fmt;

/// The usage line printed with every usage error and for `--help`.
pub const USAGE: &str = "Usage: latbench-server-rust --mode echo|http|proxy --listen HOST:PORT \
[--backend HOST:PORT] [--threads N]
  --mode MODE        server mode: echo, http or proxy
  --listen HOST:PORT address to listen on
  --backend HOST:PORT
                     backend address for proxy mode
  --threads N        worker threads (default: the CPUs this process may run on)";

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

/// The parsed, validated command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub mode: Mode,
    pub listen: String,
    pub backend: String,
    pub threads: usize,
}

/// The outcome of parsing: run with a config, or print the usage and exit 0.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Run(Config),
    Help,
}

/// Parses `args` (without the program name). `default_threads` is the
/// value of `--threads` when it is not given. The error is a one-line
/// message for a usage error.
pub fn parse(args: &[String], default_threads: usize) -> Result<Command, String> {
    let mut mode = None;
    let mut listen = String::new();
    let mut backend = String::new();
    let mut threads = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some((name, inline)) = split_flag(arg) else {
            return Err(format!("unexpected argument {arg:?}"));
        };
        if matches!(name, "h" | "help") {
            return Ok(Command::Help);
        }
        if !matches!(name, "mode" | "listen" | "backend" | "threads") {
            return Err(format!("flag provided but not defined: {arg}"));
        }
        let value = match inline {
            Some(v) => v.to_string(),
            None => it
                .next()
                .cloned()
                .ok_or_else(|| format!("flag needs an argument: --{name}"))?,
        };
        match name {
            "mode" => mode = Some(value),
            "listen" => listen = value,
            "backend" => backend = value,
            _ => threads = Some(parse_threads(&value)?),
        }
    }
    let threads = threads.unwrap_or(default_threads);
    validate(mode.as_deref().unwrap_or(""), listen, backend, threads).map(Command::Run)
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

/// Parses a `--threads` value.
fn parse_threads(s: &str) -> Result<usize, String> {
    let n: i64 = s
        .parse()
        .map_err(|_| format!("invalid value {s:?} for flag --threads: not an integer"))?;
    usize::try_from(n)
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| format!("--threads must be at least 1, got {n}"))
}

/// Checks the flag combination, in the order the Go server does.
fn validate(mode: &str, listen: String, backend: String, threads: usize) -> Result<Config, String> {
    let mode = Mode::parse(mode)
        .ok_or_else(|| format!("--mode must be echo, http or proxy, got {mode:?}"))?;
    if listen.is_empty() {
        return Err("--listen HOST:PORT is required".to_string());
    }
    if mode == Mode::Proxy && backend.is_empty() {
        return Err("--backend HOST:PORT is required in proxy mode".to_string());
    }
    if threads < 1 {
        return Err(format!("--threads must be at least 1, got {threads}"));
    }
    Ok(Config {
        mode,
        listen,
        backend,
        threads,
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
            }
        );
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
        ];
        for (line, want) in cases {
            let err = run(line).unwrap_err();
            assert!(err.contains(want), "{line:?}: got {err:?}, want {want:?}");
        }
    }
}

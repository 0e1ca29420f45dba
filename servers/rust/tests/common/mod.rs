//! Helpers of the real-socket tests: the server binary started on a free
//! port, and a minimal HTTP/1.1 client; [`certs`]: a throwaway CA and TLS
//! clients that trust it; [`h2frames`]: raw HTTP/2 frames.

#![allow(dead_code)] // Each test file uses its own part of the helpers.

pub mod certs;
pub mod h2frames;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Bounds every read and write of a test; generous for a busy machine.
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// A running server, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// The start line, without its newline.
    pub start_line: String,
    // Held open so that the server never writes to a closed pipe.
    _stderr: BufReader<ChildStderr>,
}

impl Server {
    /// Starts the server with args and `--listen 127.0.0.1:0`, and waits for
    /// its start line, which names the port.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_latbench-server-rust"))
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        stderr.read_line(&mut line).expect("read the start line");
        let addr = line
            .trim()
            .rsplit_once("listen=")
            .and_then(|(_, a)| a.parse().ok())
            .unwrap_or_else(|| panic!("no listen= in the start line {line:?}"));
        Server {
            child,
            addr,
            start_line: line.trim_end().to_string(),
            _stderr: stderr,
        }
    }

    /// A new connection to the server.
    pub fn connect(&self) -> TcpStream {
        connect(self.addr)
    }

    /// Sends SIGTERM and waits at most bound for the exit.
    pub fn terminate(&mut self, bound: Duration) -> Option<ExitStatus> {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill has no memory-safety requirements.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let deadline = Instant::now() + bound;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the server with args until it exits (a usage error), and returns
/// its exit code and what it wrote to stderr.
pub fn run_to_exit(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_latbench-server-rust"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the server");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A connection to addr with IO_TIMEOUT on reads and writes.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    c.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    c
}

/// A GET request for path with extra header lines.
pub fn get(path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n{extra}\r\n")
}

/// One response: its status and body.
#[derive(Debug, PartialEq, Eq)]
pub struct Resp {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Reads one response with a Content-Length body from r.
pub fn read_response(r: &mut impl BufRead) -> io::Result<Resp> {
    let mut status = 0;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if status == 0 {
            status = line
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
        } else if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body)?;
    Ok(Resp { status, body })
}

/// Sends req on c and reads the answer.
pub fn round_trip(c: &mut BufReader<TcpStream>, req: &str) -> io::Result<Resp> {
    c.get_mut().write_all(req.as_bytes())?;
    read_response(c)
}

/// The first n bytes of the alphabet pattern.
pub fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}

/// Expects the server to close c: the next read brings no data.
pub fn expect_eof(c: &mut impl Read) {
    let mut b = [0u8; 1];
    match c.read(&mut b) {
        Ok(0) => {}
        Ok(_) => panic!("got data, want the connection closed"),
        Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}"),
    }
}

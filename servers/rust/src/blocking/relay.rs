//! Copying one socket's bytes to another with blocking reads and writes.

use std::io::{self, Read, Write};
use std::net::TcpStream;

/// The copy buffer, as large as the async form's.
const BUF_SIZE: usize = 32 << 10;

/// Writes everything read from `from` to `to` until `from` ends (EOF) or
/// either side fails.
pub fn copy(mut from: &TcpStream, mut to: &TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..n])?;
    }
}

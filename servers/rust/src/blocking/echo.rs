//! The echo mode of the blocking form: the worker reads and writes back
//! until the client closes (or an error), then closes the connection.

use std::net::TcpStream;

use super::relay;

/// Echoes stream; dropping it closes the connection.
pub fn handle(stream: TcpStream) {
    let _ = relay::copy(&stream, &stream);
}

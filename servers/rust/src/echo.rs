//! The echo mode: every byte a client sends is written back in order, and
//! the connection is closed when the client closes its side (or on error).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The per-connection buffer, as large as the Go server's.
const BUF_SIZE: usize = 32 << 10;

/// Echoes stream until EOF or an error; dropping it closes the connection.
pub async fn handle(mut stream: TcpStream) {
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if stream.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

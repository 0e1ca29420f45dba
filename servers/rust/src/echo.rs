//! The echo mode: every byte a client sends is written back in order, and
//! the connection is closed when the client closes its side (or on error).
//! Over TLS the bytes are those of the decrypted stream, and the server
//! ends with its own close_notify.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::net::{self, Conn};
use crate::tls;

/// The per-connection buffer, as large as the Go server's.
const BUF_SIZE: usize = 32 << 10;

/// Accepts connections on listener forever and echoes each one, over TLS
/// when an acceptor is given.
pub async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>) {
    match tls {
        None => net::serve(listener, handle).await,
        Some(acceptor) => {
            net::serve(listener, move |s| tls::accept(acceptor.clone(), s, handle)).await
        }
    }
}

/// Echoes stream until EOF (over TLS: close_notify, or EOF) or an error,
/// then closes its write side; dropping it closes the connection.
pub async fn handle<S: Conn>(mut stream: S) {
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // The flush is a no-op on TCP; over TLS it makes sure the records
        // are on the wire before the next read waits.
        if stream.write_all(&buf[..n]).await.is_err() || stream.flush().await.is_err() {
            return;
        }
    }
    // TCP: a FIN, as closing would send; TLS: close_notify, then the FIN.
    let _ = stream.shutdown().await;
}

//! The http mode of the async form: a hyper HTTP/1.1 keep-alive server
//! answering the routes of [`crate::route`].
//!
//! hyper itself answers a malformed request with 400 and closes, honours
//! `Connection: close` and HTTP/1.0, and answers pipelined requests in
//! order. The wait of `/delay/D/...` is a tokio timer: the connection's
//! task sleeps and the runtime thread serves other connections meanwhile.
//!
//! Unlike the Go server there is no header-read or idle timeout: hyper's
//! header timeout arms a new boxed timer for every request, a cost on the
//! path this benchmark measures, and the server only faces its own load
//! generator on loopback.

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::body::RepeatBody;
use crate::route::route;

/// The HTTP/1 connection settings shared by every connection.
pub struct Server {
    http: http1::Builder,
}

impl Server {
    /// Returns the server settings: keep-alive (hyper's default), and
    /// half-closed connections served to the end, as Go does: a client that
    /// shuts down its write side after pipelined requests gets every answer.
    ///
    /// `pipeline_flush` stays off: it holds responses back while the read
    /// buffer is not empty, so the automatic 400 to a request hyper cannot
    /// parse (whose bytes stay in that buffer) would never be sent, and it
    /// copies bodies into one flat buffer instead of writing them in place.
    pub fn new() -> Self {
        let mut http = http1::Builder::new();
        http.keep_alive(true).half_close(true);
        Server { http }
    }
}

/// Serves HTTP/1.1 on stream until the client closes, a request asks to
/// close or a protocol error ends the connection.
pub async fn handle(server: Arc<Server>, stream: TcpStream) {
    let conn = server
        .http
        .serve_connection(TokioIo::new(stream), service_fn(respond));
    // Errors are the client's doing (a reset, a malformed request that
    // hyper already answered); the contract wants no per-request logs.
    let _ = conn.await;
}

/// Answers one request, after a timer on the event loop for `/delay`.
async fn respond(req: Request<Incoming>) -> Result<Response<RepeatBody>, Infallible> {
    let answer = route(req.method(), req.uri().path());
    if !answer.wait.is_zero() {
        tokio::time::sleep(answer.wait).await;
    }
    Ok(answer.response)
}

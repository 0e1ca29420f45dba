//! The http mode of the async form: hyper serving the routes of
//! [`crate::route`] over HTTP/1.1 and HTTP/2.
//!
//! - Plain TCP: hyper-util's auto connection builder reads the first bytes
//!   of each connection: the HTTP/2 preface starts h2c with prior
//!   knowledge, anything else is HTTP/1.1.
//! - TLS: the protocol the handshake negotiated by ALPN, `h2` or
//!   `http/1.1`; a client that offers no ALPN gets HTTP/1.1.
//!
//! Over HTTP/1.1, hyper itself answers a malformed request with 400 and
//! closes, honours `Connection: close` and HTTP/1.0, and answers pipelined
//! requests in order. Over HTTP/2, hyper (through the h2 crate) resets a
//! malformed request's stream with PROTOCOL_ERROR and keeps the
//! connection, answers PING, does flow control, and allows 200 concurrent
//! streams. The wait of `/delay/D/...` is a tokio timer: the connection's
//! task (HTTP/2: the stream's) sleeps and the runtime thread serves others
//! meanwhile. On SIGTERM each connection is told to finish
//! ([`crate::shutdown`]): GOAWAY on HTTP/2.
//!
//! Unlike the Go server there is no header-read or idle timeout: hyper's
//! header timeout arms a new boxed timer for every request, a cost on the
//! path this benchmark measures, and the server only faces its own load
//! generator on loopback.

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::body::RepeatBody;
use crate::net::{self, Conn};
use crate::route::route;
use crate::shutdown::{self, Signal};
use crate::tls;

/// Which HTTP version a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// HTTP/1.1, or h2c if the connection starts with the HTTP/2 preface.
    Detect,
    /// HTTP/1.1, as negotiated by ALPN (or for lack of it).
    Http1,
    /// HTTP/2, as negotiated by ALPN.
    Http2,
}

/// The connection settings shared by every connection.
pub struct Server {
    /// Detects the version (plain TCP).
    detect: auto::Builder<TokioExecutor>,
    /// The same settings, HTTP/1.1 only.
    http1: auto::Builder<TokioExecutor>,
    /// The same settings, HTTP/2 only.
    http2: auto::Builder<TokioExecutor>,
    stop: Signal,
}

impl Server {
    /// Returns the server settings, with stop for graceful shutdown.
    ///
    /// HTTP/1.1: keep-alive (hyper's default), and half-closed connections
    /// served to the end, as Go does: a client that shuts down its write
    /// side after pipelined requests gets every answer. `pipeline_flush`
    /// stays off: it holds responses back while the read buffer is not
    /// empty, so the automatic 400 to a request hyper cannot parse (whose
    /// bytes stay in that buffer) would never be sent, and it copies bodies
    /// into one flat buffer instead of writing them in place.
    ///
    /// HTTP/2: hyper's defaults (200 concurrent streams, 1 MiB receive
    /// windows, 16 KiB frames).
    pub fn new(stop: Signal) -> Self {
        let mut detect = auto::Builder::new(TokioExecutor::new());
        detect.http1().keep_alive(true).half_close(true);
        Server {
            http1: detect.clone().http1_only(),
            http2: detect.clone().http2_only(),
            detect,
            stop,
        }
    }
}

/// Accepts connections on listener forever and serves HTTP on each, over
/// TLS when an acceptor is given.
pub async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>, stop: Signal) {
    let server = Arc::new(Server::new(stop));
    match tls {
        None => {
            net::serve(listener, move |s| {
                handle(Arc::clone(&server), s, Protocol::Detect)
            })
            .await
        }
        Some(acceptor) => {
            net::serve(listener, move |s| {
                let server = Arc::clone(&server);
                tls::accept(acceptor.clone(), s, move |s| {
                    let protocol = if tls::negotiated_h2(&s) {
                        Protocol::Http2
                    } else {
                        Protocol::Http1
                    };
                    handle(server, s, protocol)
                })
            })
            .await
        }
    }
}

/// Serves HTTP on stream until the client closes, a request asks to close,
/// a protocol error ends the connection or the server shuts down.
pub async fn handle<S: Conn>(server: Arc<Server>, stream: S, protocol: Protocol) {
    let builder = match protocol {
        Protocol::Detect => &server.detect,
        Protocol::Http1 => &server.http1,
        Protocol::Http2 => &server.http2,
    };
    let conn = builder.serve_connection(TokioIo::new(stream), service_fn(respond));
    shutdown::serve(conn, server.stop.clone()).await;
}

/// Answers one request, after a timer on the event loop for `/delay`.
async fn respond(req: Request<Incoming>) -> Result<Response<RepeatBody>, Infallible> {
    let answer = route(req.method(), req.uri().path());
    let mut response = answer.response;
    if req.version() == Version::HTTP_2 {
        h2_framing(req.method(), &mut response);
    }
    if !answer.wait.is_zero() {
        tokio::time::sleep(answer.wait).await;
    }
    Ok(response)
}

/// Sets what hyper leaves to the handler over HTTP/2: `content-length` on
/// every response (hyper sets it only on a non-empty body), and no DATA
/// frames for HEAD. Over HTTP/1.1 hyper does both itself.
fn h2_framing(method: &Method, response: &mut Response<RepeatBody>) {
    let len = response.body().remaining();
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(len));
    if *method == Method::HEAD {
        *response.body_mut() = RepeatBody::text("");
    }
}

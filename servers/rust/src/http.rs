//! The http mode: a hyper HTTP/1.1 keep-alive server with two routes.
//!
//! - `GET /bytes/N`: 200, `application/octet-stream`, N bytes of the
//!   alphabet pattern; N must be a decimal integer from 0 to 16 MiB, else 400.
//! - `GET /health`: 200 `ok`.
//!
//! HEAD works wherever GET does; another method on a known path answers 405,
//! an unknown path 404. hyper itself answers a malformed request with 400
//! and closes, honours `Connection: close` and HTTP/1.0, and answers
//! pipelined requests in order.
//!
//! Unlike the Go server there is no header-read or idle timeout: hyper's
//! header timeout arms a new boxed timer for every request, a cost on the
//! path this benchmark measures, and the server only faces its own load
//! generator on loopback.

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::body::RepeatBody;

/// The largest body `/bytes/N` serves (16 MiB).
const MAX_BYTES: usize = 16 << 20;

const TEXT_PLAIN: &str = "text/plain; charset=utf-8";
const OCTET_STREAM: &str = "application/octet-stream";

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

/// Answers one request.
async fn respond(req: Request<Incoming>) -> Result<Response<RepeatBody>, Infallible> {
    Ok(route(req.method(), req.uri().path()))
}

/// Maps a method and path to its response.
fn route(method: &Method, path: &str) -> Response<RepeatBody> {
    let get = *method == Method::GET || *method == Method::HEAD;
    if path == "/health" {
        return if get { health() } else { not_allowed() };
    }
    match path.strip_prefix("/bytes/") {
        Some(n) if !n.is_empty() && !n.contains('/') => {
            if !get {
                return not_allowed();
            }
            match parse_size(n) {
                Some(n) => response(StatusCode::OK, OCTET_STREAM, RepeatBody::pattern(n)),
                None => text(
                    StatusCode::BAD_REQUEST,
                    "size must be a decimal integer from 0 to 16777216\n",
                ),
            }
        }
        _ => text(StatusCode::NOT_FOUND, "404 page not found\n"),
    }
}

/// Parses s as a decimal integer (digits only) of at most MAX_BYTES.
fn parse_size(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|&n| n <= MAX_BYTES)
}

/// The answer of GET /health.
fn health() -> Response<RepeatBody> {
    text(StatusCode::OK, "ok")
}

/// 405 with the methods a known path allows.
fn not_allowed() -> Response<RepeatBody> {
    let mut resp = text(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
    resp.headers_mut()
        .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    resp
}

/// A plain-text response.
fn text(status: StatusCode, body: &'static str) -> Response<RepeatBody> {
    response(status, TEXT_PLAIN, RepeatBody::text(body))
}

/// A response with status, Content-Type and body; hyper adds
/// Content-Length from the body's exact size.
fn response(
    status: StatusCode,
    content_type: &'static str,
    body: RepeatBody,
) -> Response<RepeatBody> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::body::Body;

    #[test]
    fn parse_size_accepts_decimal_up_to_16_mib() {
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("007"), Some(7));
        assert_eq!(parse_size("16777216"), Some(MAX_BYTES));
        for bad in [
            "",
            "16777217",
            "99999999999999999999",
            "-1",
            "+1",
            "1.5",
            "abc",
            " 1",
            "0x10",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn routes() {
        let cases = [
            (Method::GET, "/bytes/10", StatusCode::OK, Some(10)),
            (Method::HEAD, "/bytes/10", StatusCode::OK, Some(10)),
            (Method::GET, "/health", StatusCode::OK, Some(2)),
            (Method::GET, "/bytes/abc", StatusCode::BAD_REQUEST, None),
            (
                Method::GET,
                "/bytes/16777217",
                StatusCode::BAD_REQUEST,
                None,
            ),
            (Method::GET, "/bytes/", StatusCode::NOT_FOUND, None),
            (Method::GET, "/bytes/1/2", StatusCode::NOT_FOUND, None),
            (
                Method::GET,
                "/bytes-and-more/3",
                StatusCode::NOT_FOUND,
                None,
            ),
            (Method::GET, "/", StatusCode::NOT_FOUND, None),
            (
                Method::POST,
                "/health",
                StatusCode::METHOD_NOT_ALLOWED,
                None,
            ),
            (
                Method::PUT,
                "/bytes/1",
                StatusCode::METHOD_NOT_ALLOWED,
                None,
            ),
        ];
        for (method, path, status, len) in cases {
            let resp = route(&method, path);
            assert_eq!(resp.status(), status, "{method} {path}");
            if let Some(len) = len {
                assert_eq!(
                    resp.body().size_hint().exact(),
                    Some(len),
                    "{method} {path}"
                );
            }
        }
    }

    #[test]
    fn content_types() {
        let ct = |path| route(&Method::GET, path).headers()[CONTENT_TYPE].clone();
        assert_eq!(ct("/bytes/1"), OCTET_STREAM);
        assert_eq!(ct("/health"), TEXT_PLAIN);
    }
}

//! The grpc mode: the gRPC service `latbench.echo.v1.Echo` of
//! `servers/proto/echo.proto`, generated at build time by tonic (see
//! `build.rs`), over HTTP/2: h2c with prior knowledge on plain TCP, h2 over
//! TLS (ALPN `h2`).
//!
//! - `Unary` answers the request's payload, byte for byte.
//! - `Stream` answers each message with its payload, in order, as soon as
//!   it arrives, and ends with status OK when the client half-closes.
//!
//! tonic's codec enforces its default limit of 4 MiB per request message,
//! offers no compression, and answers an unknown method or service with
//! UNIMPLEMENTED. Above the limit tonic answers OUT_OF_RANGE where gRPC
//! (and the Go and Java libraries) say RESOURCE_EXHAUSTED, so the server
//! turns the one into the other ([`size_status`], [`size_headers`]). The
//! connections are hyper's, served by hyper-util's builder as in the http
//! mode, and shut down the same way ([`crate::shutdown`]).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::service::{service_fn, Service};
use hyper::HeaderMap;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_stream::{Stream, StreamExt};
use tonic::{Code, Request, Response, Status, Streaming};

use crate::net::{self, Conn};
use crate::shutdown::{self, Signal};
use crate::tls;

/// The code generated from echo.proto: messages, server and client.
pub mod pb {
    // The generated code is not ours to lint.
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    tonic::include_proto!("latbench.echo.v1");
}

use pb::echo_server::{Echo, EchoServer};
use pb::{EchoReply, EchoRequest};

/// The echo service: stateless.
#[derive(Clone, Copy, Debug, Default)]
pub struct EchoService;

/// The reply stream of `Stream`.
type ReplyStream = Pin<Box<dyn Stream<Item = Result<EchoReply, Status>> + Send>>;

#[tonic::async_trait]
impl Echo for EchoService {
    async fn unary(&self, req: Request<EchoRequest>) -> Result<Response<EchoReply>, Status> {
        let payload = req.into_inner().payload;
        Ok(Response::new(EchoReply { payload }))
    }

    type StreamStream = ReplyStream;

    /// Maps each request to its reply as it comes: nothing is buffered. A
    /// bad message (over the size limit, malformed) ends the stream with
    /// its status.
    async fn stream(
        &self,
        req: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<ReplyStream>, Status> {
        let replies = req.into_inner().map(|msg| {
            msg.map(|EchoRequest { payload }| EchoReply { payload })
                .map_err(size_status)
        });
        Ok(Response::new(Box::pin(replies)))
    }
}

/// What every connection shares: the service and the HTTP/2 settings
/// (hyper's defaults, as in the http mode).
struct Server {
    service: EchoServer<EchoService>,
    http2: auto::Builder<TokioExecutor>,
    stop: Signal,
}

/// Accepts connections on listener forever and serves the Echo service on
/// each, over TLS when an acceptor is given.
pub async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>, stop: Signal) {
    let server = Arc::new(Server {
        service: EchoServer::new(EchoService),
        http2: auto::Builder::new(TokioExecutor::new()).http2_only(),
        stop,
    });
    match tls {
        None => net::serve(listener, move |s| handle(Arc::clone(&server), s)).await,
        Some(acceptor) => {
            net::serve(listener, move |s| {
                let server = Arc::clone(&server);
                tls::accept(acceptor.clone(), s, move |s| handle(server, s))
            })
            .await
        }
    }
}

/// Serves HTTP/2 gRPC on stream until the client or the server ends it.
async fn handle<S: Conn>(server: Arc<Server>, stream: S) {
    let grpc = TowerToHyperService::new(server.service.clone());
    let service = service_fn(move |req: hyper::Request<Incoming>| {
        let response = grpc.call(req);
        async move {
            let mut response = response.await?;
            size_headers(response.headers_mut());
            Ok::<_, Infallible>(response)
        }
    });
    let conn = server.http2.serve_connection(TokioIo::new(stream), service);
    shutdown::serve(conn, server.stop.clone()).await;
}

/// The grpc-status header of a trailers-only response.
const GRPC_STATUS: &str = "grpc-status";

/// Turns tonic's OUT_OF_RANGE for a request message over the size limit
/// into gRPC's RESOURCE_EXHAUSTED, with tonic's message. The service itself
/// never answers OUT_OF_RANGE, so every one is the codec's.
fn size_status(status: Status) -> Status {
    if status.code() == Code::OutOfRange {
        Status::resource_exhausted(status.message())
    } else {
        status
    }
}

/// As size_status, for the trailers-only response in which tonic answers
/// a unary request it cannot decode: the status is in its headers.
fn size_headers(headers: &mut HeaderMap) {
    let out_of_range = HeaderValue::from(Code::OutOfRange as i32);
    if headers.get(GRPC_STATUS) == Some(&out_of_range) {
        headers.insert(
            GRPC_STATUS,
            HeaderValue::from(Code::ResourceExhausted as i32),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_becomes_resource_exhausted() {
        let s = size_status(Status::out_of_range("too large"));
        assert_eq!(
            (s.code(), s.message()),
            (Code::ResourceExhausted, "too large")
        );
        assert_eq!(size_status(Status::internal("x")).code(), Code::Internal);

        let mut headers = HeaderMap::new();
        headers.insert(GRPC_STATUS, HeaderValue::from_static("11"));
        size_headers(&mut headers);
        assert_eq!(headers[GRPC_STATUS], "8");
        headers.insert(GRPC_STATUS, HeaderValue::from_static("0"));
        size_headers(&mut headers);
        assert_eq!(headers[GRPC_STATUS], "0");
    }
}

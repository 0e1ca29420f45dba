//! Real-socket tests of `--mode grpc` with tonic's client, over h2c and
//! over TLS: Unary and Stream echo every payload in order, the 4 MiB
//! message limit, UNIMPLEMENTED, and SIGTERM.

mod common;

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use common::certs::Certs;
use common::Server;
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::Code;

/// The code generated from echo.proto by the build script.
mod pb {
    tonic::include_proto!("latbench.echo.v1");
}

use pb::echo_client::EchoClient;
use pb::{EchoReply, EchoRequest};

/// tonic's default limit of a request message (4 MiB).
const LIMIT: usize = 4 << 20;

/// How long a server may take to exit after SIGTERM (the contract's bound).
const SIGTERM_BOUND: Duration = Duration::from_secs(2);

/// The payload whose EchoRequest encodes to exactly n bytes: a one-byte
/// tag, the length as a varint, the payload.
fn payload_for_message_of(n: usize) -> Vec<u8> {
    let mut len = n - 2;
    while 1 + varint_len(len) + len != n {
        len -= 1;
    }
    (0..len).map(|i| (i * 13 % 256) as u8).collect()
}

/// The bytes of len as a protobuf varint.
fn varint_len(len: usize) -> usize {
    (usize::BITS - len.leading_zeros()).div_ceil(7).max(1) as usize
}

/// Starts the grpc mode with extra flags.
fn grpc_server(extra: &[&str]) -> Server {
    let mut args = vec!["--mode", "grpc", "--threads", "2"];
    args.extend_from_slice(extra);
    Server::start(&args)
}

/// An h2c channel to server.
async fn h2c_channel(server: &Server) -> Channel {
    Endpoint::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// A channel to server over TLS, trusting the CA of certs.
async fn tls_channel(server: &Server, certs: &Certs) -> Channel {
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&certs.ca_pem))
        .domain_name("localhost");
    Endpoint::from_shared(format!("https://{}", server.addr))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// A request stream fed message by message through a channel, so that a
/// test sends the next one only after the answer to the last.
struct Requests(mpsc::Receiver<EchoRequest>);

impl Stream for Requests {
    type Item = EchoRequest;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<EchoRequest>> {
        self.0.poll_recv(cx)
    }
}

/// Unary with payloads up to the limit, then one byte over it.
async fn check_unary(channel: Channel) {
    let mut client = EchoClient::new(channel).max_decoding_message_size(LIMIT);
    for n in [0, 1, 1000, 1 << 20] {
        let payload: Vec<u8> = (0..n).map(|i| (i % 253) as u8).collect();
        let reply = client
            .unary(EchoRequest {
                payload: payload.clone(),
            })
            .await
            .unwrap();
        assert!(reply.into_inner().payload == payload, "{n} bytes");
    }
    // A message of exactly 4 MiB passes, and its reply comes back.
    let payload = payload_for_message_of(LIMIT);
    let reply = client
        .unary(EchoRequest {
            payload: payload.clone(),
        })
        .await
        .unwrap();
    assert!(reply.into_inner().payload == payload, "a 4 MiB message");
    // One byte more is RESOURCE_EXHAUSTED, and the connection lives on.
    let payload = payload_for_message_of(LIMIT + 1);
    let status = client.unary(EchoRequest { payload }).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let reply = client
        .unary(EchoRequest {
            payload: b"after".to_vec(),
        })
        .await
        .unwrap();
    assert_eq!(reply.into_inner().payload, b"after");
}

/// Stream: each message answered before the next is sent, in order; the
/// end after the client half-closes; an over-limit message ends the
/// stream with RESOURCE_EXHAUSTED.
async fn check_stream(channel: Channel) {
    let mut client = EchoClient::new(channel);
    let (tx, rx) = mpsc::channel(1);
    let mut replies = client.stream(Requests(rx)).await.unwrap().into_inner();
    for i in 0..50usize {
        let payload = format!("message {i}").repeat(i * 37 + 1).into_bytes();
        tx.send(EchoRequest {
            payload: payload.clone(),
        })
        .await
        .unwrap();
        let EchoReply { payload: got } = replies.message().await.unwrap().expect("a reply");
        assert!(got == payload, "message {i}");
    }
    drop(tx);
    assert_eq!(replies.message().await.unwrap(), None, "the end, status OK");

    let (tx, rx) = mpsc::channel(1);
    let mut replies = client.stream(Requests(rx)).await.unwrap().into_inner();
    tx.send(EchoRequest {
        payload: b"first".to_vec(),
    })
    .await
    .unwrap();
    let first = replies.message().await.unwrap().expect("a reply");
    assert_eq!(first.payload, b"first");
    let payload = payload_for_message_of(LIMIT + 1);
    tx.send(EchoRequest { payload }).await.unwrap();
    let status = replies.message().await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
}

#[tokio::test]
async fn unary_over_h2c() {
    let server = grpc_server(&[]);
    check_unary(h2c_channel(&server).await).await;
}

#[tokio::test]
async fn stream_over_h2c() {
    let server = grpc_server(&[]);
    check_stream(h2c_channel(&server).await).await;
}

#[tokio::test]
async fn unary_and_stream_over_tls() {
    let certs = Certs::new();
    let server = grpc_server(&certs.flags());
    let channel = tls_channel(&server, &certs).await;
    check_unary(channel.clone()).await;
    check_stream(channel).await;
}

#[tokio::test]
async fn an_unknown_method_or_service_is_unimplemented() {
    let server = grpc_server(&[]);
    let channel = h2c_channel(&server).await;
    for path in ["/latbench.echo.v1.Echo/Nope", "/no.such.Service/Unary"] {
        let mut grpc = tonic::client::Grpc::new(channel.clone());
        grpc.ready().await.unwrap();
        let codec = tonic_prost::ProstCodec::<EchoRequest, EchoReply>::default();
        let status = grpc
            .unary(
                tonic::Request::new(EchoRequest::default()),
                path.parse().unwrap(),
                codec,
            )
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unimplemented, "{path}: {status:?}");
    }
}

#[tokio::test]
async fn sigterm_exits_0_with_a_stream_open() {
    let mut server = grpc_server(&[]);
    let mut client = EchoClient::new(h2c_channel(&server).await);
    let (tx, rx) = mpsc::channel(1);
    let mut replies = client.stream(Requests(rx)).await.unwrap().into_inner();
    tx.send(EchoRequest {
        payload: b"hello".to_vec(),
    })
    .await
    .unwrap();
    assert!(replies.message().await.unwrap().is_some());
    let status = tokio::task::spawn_blocking(move || server.terminate(SIGTERM_BOUND))
        .await
        .unwrap();
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?} within {SIGTERM_BOUND:?} of SIGTERM"
    );
}

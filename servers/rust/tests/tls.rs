//! Real-socket tests of TLS (`--tls-cert`, `--tls-key`): echo over TLS
//! with and without ALPN, TLS 1.2 and 1.3, and HTTPS over HTTP/1.1 and h2
//! as ALPN selects; a failed handshake only closes its connection.

mod common;

use std::io::{Read, Write};

use bytes::Bytes;
use common::certs::Certs;
use common::{pattern, Server};
use http_body_util::{BodyExt, Empty};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Request, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::version::{TLS12, TLS13};

/// Starts mode with TLS from certs.
fn tls_server(mode: &str, certs: &Certs) -> Server {
    let mut args = vec!["--mode", mode, "--threads", "2"];
    args.extend_from_slice(&certs.flags());
    Server::start(&args)
}

/// A message of n bytes that is not the alphabet pattern.
fn message(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

#[tokio::test]
async fn echo_over_tls_with_any_alpn_and_version() {
    let certs = Certs::new();
    let server = tls_server("echo", &certs);
    assert!(
        server.start_line.contains(" tls=on "),
        "{}",
        server.start_line
    );
    let offers: [&[&[u8]]; 3] = [&[], &[b"h2"], &[b"latbench-echo", b"http/1.1"]];
    for alpn in offers {
        for version in [&TLS13, &TLS12] {
            let config = certs.client_config_with(alpn, &[version]);
            let mut c = certs.connect_with(server.addr, config).await.unwrap();
            let session = c.get_ref().1;
            assert_eq!(session.alpn_protocol(), None, "the server selects none");
            assert_eq!(session.protocol_version(), Some(version.version));
            for size in [1, 64, 16 << 10, 1 << 20] {
                let msg = message(size);
                let (mut rd, mut wr) = tokio::io::split(&mut c);
                let write = async {
                    wr.write_all(&msg).await.unwrap();
                    wr.flush().await.unwrap();
                };
                let mut got = vec![0; size];
                let (_, read) = tokio::join!(write, rd.read_exact(&mut got));
                read.unwrap();
                assert!(got == msg, "{size} bytes, ALPN {alpn:?}, {version:?}");
            }
            // close_notify: the server echoes what came before and closes.
            c.write_all(b"bye").await.unwrap();
            c.shutdown().await.unwrap();
            let mut rest = Vec::new();
            c.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"bye");
        }
    }
}

#[tokio::test]
async fn a_failed_handshake_only_closes_its_connection() {
    let certs = Certs::new();
    let server = tls_server("echo", &certs);
    // Plain text where a ClientHello should be: the server closes.
    let mut plain = server.connect();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = Vec::new();
    let _ = plain.read_to_end(&mut buf);
    // A client that does not trust the certificate gives up mid-handshake.
    let stranger = Certs::new();
    let err = stranger
        .connect_with(server.addr, stranger.client_config(&[]))
        .await;
    assert!(err.is_err(), "a client trusting another CA connected");
    // A client that hangs up before its ClientHello.
    drop(server.connect());
    // The server still serves.
    let mut c = certs.connect(server.addr, &[]).await;
    c.write_all(b"still here").await.unwrap();
    let mut got = [0u8; 10];
    c.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"still here");
}

/// Sends GET path on an HTTP/1.1 or h2 connection (as ALPN negotiated on
/// a TLS connection offering alpn) and returns the version, status,
/// content-type, content-length and body of the answer.
async fn https_get(
    certs: &Certs,
    server: &Server,
    alpn: &[&[u8]],
    path: &str,
) -> (Version, StatusCode, String, Option<u64>, Bytes) {
    let tls = certs.connect(server.addr, alpn).await;
    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2".as_slice());
    let io = TokioIo::new(tls);
    let req = Request::get(format!("https://localhost{path}"))
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = if h2 {
        let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .unwrap();
        tokio::spawn(conn);
        // h2 takes the authority from the URI; a host header is not allowed.
        let (mut parts, body) = req.into_parts();
        parts.headers.remove("host");
        send.send_request(Request::from_parts(parts, body))
            .await
            .unwrap()
    } else {
        let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        let (mut parts, body) = req.into_parts();
        parts.uri = path.parse().unwrap();
        send.send_request(Request::from_parts(parts, body))
            .await
            .unwrap()
    };
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let length = resp
        .headers()
        .get(CONTENT_LENGTH)
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let (version, status) = (resp.version(), resp.status());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (version, status, content_type, length, body)
}

#[tokio::test]
async fn https_speaks_what_alpn_negotiated() {
    let certs = Certs::new();
    let server = tls_server("http", &certs);
    let cases: [(&[&[u8]], Version); 4] = [
        (&[b"h2", b"http/1.1"], Version::HTTP_2),
        (&[b"h2"], Version::HTTP_2),
        (&[b"http/1.1"], Version::HTTP_11),
        // No ALPN: HTTP/1.1.
        (&[], Version::HTTP_11),
    ];
    for (alpn, want) in cases {
        for n in [0, 10, 65546 + 7, 1 << 20] {
            let (version, status, ct, len, body) =
                https_get(&certs, &server, alpn, &format!("/bytes/{n}")).await;
            assert_eq!((version, status), (want, StatusCode::OK), "{alpn:?} {n}");
            assert_eq!(ct, "application/octet-stream");
            assert_eq!(len, Some(n as u64), "{alpn:?} {n}");
            assert!(body == pattern(n), "{alpn:?}: the body of /bytes/{n}");
        }
        let (_, status, _, _, body) = https_get(&certs, &server, alpn, "/health").await;
        assert_eq!((status, body.as_ref()), (StatusCode::OK, b"ok".as_slice()));
        let (_, status, ..) = https_get(&certs, &server, alpn, "/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{alpn:?}");
        let (_, status, ..) = https_get(&certs, &server, alpn, "/bytes/16777217").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{alpn:?}");
        let (_, status, _, _, body) = https_get(&certs, &server, alpn, "/delay/5ms/bytes/7").await;
        assert_eq!((status, body.to_vec()), (StatusCode::OK, pattern(7)));
    }
}

#[tokio::test]
async fn tls_versions_12_and_13() {
    let certs = Certs::new();
    let server = tls_server("http", &certs);
    for version in [&TLS12, &TLS13] {
        let config = certs.client_config_with(&[b"h2"], &[version]);
        let c = certs.connect_with(server.addr, config).await.unwrap();
        let session = c.get_ref().1;
        assert_eq!(session.alpn_protocol(), Some(b"h2".as_slice()));
        assert_eq!(session.protocol_version(), Some(version.version));
    }
}

//! Real-socket tests of HTTP/2 in the http mode on plain TCP (h2c with
//! prior knowledge): the routes through hyper's client, many concurrent
//! streams, flow control with the initial windows; and on the wire: the
//! server's SETTINGS, PING, malformed input and GOAWAY on SIGTERM.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use bytes::Bytes;
use common::h2frames::{self, read_frame, read_until, write_frame};
use common::{get, pattern, round_trip, Server};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http2;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

/// How long a server may take to exit after SIGTERM (the contract's bound).
const SIGTERM_BOUND: Duration = Duration::from_secs(2);

/// Starts the http mode on plain TCP.
fn http_server() -> Server {
    Server::start(&["--mode", "http", "--threads", "2"])
}

/// An h2c connection with prior knowledge to server, from builder.
async fn h2c(
    server: &Server,
    builder: &http2::Builder<TokioExecutor>,
) -> http2::SendRequest<Empty<Bytes>> {
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (send, conn) = builder.handshake(TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    send
}

/// Sends method path on send and returns the status, content-length and
/// body of the answer.
async fn request(
    send: &mut http2::SendRequest<Empty<Bytes>>,
    method: Method,
    path: &str,
) -> (StatusCode, Option<usize>, Bytes) {
    let req = Request::builder()
        .method(method)
        .uri(format!("http://test{path}"))
        .body(Empty::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.version(), Version::HTTP_2);
    let status = resp.status();
    if status == StatusCode::OK && path != "/health" {
        assert_eq!(resp.headers()[CONTENT_TYPE], "application/octet-stream");
    }
    let len = resp
        .headers()
        .get(CONTENT_LENGTH)
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, len, body)
}

#[tokio::test]
async fn h2c_prior_knowledge_serves_the_routes_and_http1_still_works() {
    let server = http_server();
    assert!(
        server.start_line.contains(" tls=off "),
        "{}",
        server.start_line
    );
    let mut send = h2c(&server, &http2::Builder::new(TokioExecutor::new())).await;
    for n in [0, 1, 26, 65546 + 7, 1 << 20] {
        let (status, len, body) = request(&mut send, Method::GET, &format!("/bytes/{n}")).await;
        assert_eq!((status, len), (StatusCode::OK, Some(n)), "/bytes/{n}");
        assert!(body == pattern(n), "the body of /bytes/{n}");
    }
    let (status, len, body) = request(&mut send, Method::HEAD, "/bytes/100").await;
    assert_eq!((status, len, body.len()), (StatusCode::OK, Some(100), 0));
    let (status, _, body) = request(&mut send, Method::GET, "/health").await;
    assert_eq!((status, body.as_ref()), (StatusCode::OK, b"ok".as_slice()));
    let (status, ..) = request(&mut send, Method::GET, "/bytes/16777217").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, ..) = request(&mut send, Method::GET, "/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = request(&mut send, Method::GET, "/delay/10ms/bytes/5").await;
    assert_eq!((status, body.to_vec()), (StatusCode::OK, pattern(5)));

    // The same listener still speaks HTTP/1.1.
    let mut c = std::io::BufReader::new(server.connect());
    let resp = round_trip(&mut c, &get("/bytes/10", "")).unwrap();
    assert_eq!((resp.status, resp.body), (200, pattern(10)));
}

#[tokio::test]
async fn a_hundred_concurrent_streams_on_one_connection() {
    let server = http_server();
    let send = h2c(&server, &http2::Builder::new(TokioExecutor::new())).await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let mut send = send.clone();
            // Each waits on the server, so all are open at once.
            tokio::spawn(async move {
                let path = format!("/delay/200ms/bytes/{}", 1000 + i);
                (i, request(&mut send, Method::GET, &path).await)
            })
        })
        .collect();
    for t in tasks {
        let (i, (status, _, body)) = t.await.unwrap();
        assert_eq!(status, StatusCode::OK, "stream {i}");
        assert!(body == pattern(1000 + i), "the body of stream {i}");
    }
}

#[tokio::test]
async fn a_1_mib_body_with_the_initial_windows() {
    let server = http_server();
    let mut builder = http2::Builder::new(TokioExecutor::new());
    builder
        .initial_stream_window_size(65_535)
        .initial_connection_window_size(65_535)
        .adaptive_window(false);
    let mut send = h2c(&server, &builder).await;
    for _ in 0..2 {
        let (status, len, body) = request(&mut send, Method::GET, "/bytes/1048576").await;
        assert_eq!((status, len), (StatusCode::OK, Some(1 << 20)));
        assert!(body == pattern(1 << 20), "the 1 MiB body");
    }
}

#[test]
fn settings_allow_100_streams_and_ping_is_answered() {
    let server = http_server();
    let mut c = server.connect();
    let settings = h2frames::handshake(&mut c).unwrap();
    if let Some((_, max)) = settings
        .iter()
        .find(|(id, _)| *id == h2frames::MAX_CONCURRENT_STREAMS)
    {
        assert!(*max >= 100, "SETTINGS_MAX_CONCURRENT_STREAMS {max}");
    }
    write_frame(&mut c, h2frames::PING, 0, 0, b"latbench").unwrap();
    let pong = read_until(&mut c, h2frames::PING, Some(h2frames::ACK)).unwrap();
    assert_eq!(pong.payload, b"latbench");
}

#[test]
fn a_malformed_request_resets_its_stream_only() {
    let server = http_server();
    let mut c = server.connect();
    h2frames::handshake(&mut c).unwrap();
    // A request without :path is malformed.
    let flags = h2frames::END_HEADERS | h2frames::END_STREAM;
    write_frame(&mut c, h2frames::HEADERS, flags, 1, &[0x82, 0x86]).unwrap();
    let f = loop {
        let f = read_frame(&mut c).unwrap();
        if f.stream == 1 {
            break f;
        }
    };
    let reset = f.kind == h2frames::RST_STREAM
        && f.stream == 1
        && f.payload == h2frames::PROTOCOL_ERROR.to_be_bytes();
    let bad_request = f.kind == h2frames::HEADERS && f.stream == 1;
    assert!(
        reset || bad_request,
        "want RST_STREAM(PROTOCOL_ERROR) or a 400, got {f:?}"
    );
    // The connection lives on.
    let block = h2frames::get_headers("/bytes/3");
    write_frame(&mut c, h2frames::HEADERS, flags, 3, &block).unwrap();
    let f = read_until(&mut c, h2frames::HEADERS, None).unwrap();
    assert_eq!(f.stream, 3);
    let f = read_until(&mut c, h2frames::DATA, None).unwrap();
    assert_eq!((f.stream, f.payload), (3, b"abc".to_vec()));
}

#[test]
fn garbage_only_closes_its_connection() {
    let server = http_server();
    // A garbage frame after the preface: GOAWAY or a close, nothing worse.
    let mut c = server.connect();
    h2frames::handshake(&mut c).unwrap();
    c.write_all(&[0xff; 64]).unwrap();
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
    // A broken preface.
    let mut c = server.connect();
    c.write_all(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n\0\0\0\0")
        .unwrap();
    let _ = c.read_to_end(&mut rest);
    // The server still serves both versions.
    let mut c = server.connect();
    h2frames::handshake(&mut c).unwrap();
    let mut c = std::io::BufReader::new(server.connect());
    let resp = round_trip(&mut c, &get("/bytes/10", "")).unwrap();
    assert_eq!((resp.status, resp.body), (200, pattern(10)));
}

#[test]
fn sigterm_sends_goaway_and_exits_0() {
    let mut server = http_server();
    let mut c = server.connect();
    h2frames::handshake(&mut c).unwrap();
    let block = h2frames::get_headers("/bytes/3");
    let flags = h2frames::END_HEADERS | h2frames::END_STREAM;
    write_frame(&mut c, h2frames::HEADERS, flags, 1, &block).unwrap();
    read_until(&mut c, h2frames::DATA, Some(h2frames::END_STREAM)).unwrap();
    // Answer the server's PINGs, as a live client would, until its GOAWAY.
    let reader = std::thread::spawn(move || loop {
        let f = read_frame(&mut c).expect("a GOAWAY before the close");
        if f.kind == h2frames::GOAWAY {
            return f;
        }
        if f.kind == h2frames::PING && f.flags & h2frames::ACK == 0 {
            let _ = write_frame(&mut c, h2frames::PING, h2frames::ACK, 0, &f.payload);
        }
    });
    let status = server.terminate(SIGTERM_BOUND);
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?} within {SIGTERM_BOUND:?} of SIGTERM"
    );
    let goaway = reader.join().unwrap();
    assert_eq!(goaway.stream, 0);
}

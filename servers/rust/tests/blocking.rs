//! Real-socket tests of the blocking form's echo, http and proxy modes and
//! of SIGTERM in both forms.

mod common;

use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::thread;
use std::time::Duration;

use common::{expect_eof, get, pattern, read_response, round_trip, Server};

/// How long a server may take to exit after SIGTERM (the contract's bound).
const SIGTERM_BOUND: Duration = Duration::from_secs(2);

/// Starts mode in the blocking form with extra flags.
fn blocking(mode: &str, extra: &[&str]) -> Server {
    let mut args = vec!["--mode", mode, "--io", "blocking", "--workers", "4"];
    args.extend_from_slice(extra);
    Server::start(&args)
}

/// Writes msg on c and reads back as many bytes.
fn echo_once(c: &mut std::net::TcpStream, msg: &[u8]) -> Vec<u8> {
    let mut writer = c.try_clone().unwrap();
    let msg_owned = msg.to_vec();
    let w = thread::spawn(move || writer.write_all(&msg_owned).unwrap());
    let mut got = vec![0; msg.len()];
    c.read_exact(&mut got).unwrap();
    w.join().unwrap();
    got
}

#[test]
fn echo_round_trips_and_closes_after_the_client() {
    let server = blocking("echo", &[]);
    let mut c = server.connect();
    for size in [1, 64, 16 << 10, 1 << 20] {
        let msg: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        assert_eq!(echo_once(&mut c, &msg), msg, "{size} bytes");
    }
    c.write_all(b"bye").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    c.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"bye");
}

#[test]
fn http_keep_alive_close_and_malformed() {
    let server = blocking("http", &[]);
    let mut c = BufReader::new(server.connect());
    for n in [0, 1, 26, 65546 + 7, 1 << 20] {
        let resp = round_trip(&mut c, &get(&format!("/bytes/{n}"), "")).unwrap();
        assert_eq!((resp.status, resp.body), (200, pattern(n)));
    }
    let resp = round_trip(&mut c, &get("/health", "")).unwrap();
    assert_eq!((resp.status, resp.body), (200, b"ok".to_vec()));
    let resp = round_trip(&mut c, &get("/bytes/abc", "")).unwrap();
    assert_eq!(resp.status, 400);
    let resp = round_trip(&mut c, &get("/nope", "Connection: close\r\n")).unwrap();
    assert_eq!(resp.status, 404);
    expect_eof(&mut c);

    let mut c = BufReader::new(server.connect());
    let resp = round_trip(&mut c, "GET /bytes/3 HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!((resp.status, resp.body), (200, pattern(3)));
    expect_eof(&mut c);

    let mut c = BufReader::new(server.connect());
    let resp = round_trip(&mut c, "GARBAGE\r\n\r\n").unwrap();
    assert_eq!(resp.status, 400);
    expect_eof(&mut c);
}

#[test]
fn http_answers_pipelined_requests_after_a_half_close() {
    let server = blocking("http", &[]);
    let mut c = BufReader::new(server.connect());
    let reqs = [
        get("/bytes/5", ""),
        get("/bytes/10000", ""),
        get("/bytes/7", ""),
    ];
    c.get_mut().write_all(reqs.concat().as_bytes()).unwrap();
    c.get_mut().shutdown(Shutdown::Write).unwrap();
    for n in [5, 10000, 7] {
        let resp = read_response(&mut c).unwrap();
        assert_eq!((resp.status, resp.body), (200, pattern(n)));
    }
    expect_eof(&mut c);
}

#[test]
fn proxy_relays_and_closes_both_sides() {
    let backend = blocking("http", &[]);
    let addr = backend.addr.to_string();
    let proxy = blocking("proxy", &["--backend", &addr]);
    let mut c = BufReader::new(proxy.connect());
    for n in [10, 1 << 20] {
        let resp = round_trip(&mut c, &get(&format!("/bytes/{n}"), "")).unwrap();
        assert_eq!((resp.status, resp.body), (200, pattern(n)));
    }
    // The backend closes after this answer; the proxy closes the client.
    let resp = round_trip(&mut c, &get("/bytes/1", "Connection: close\r\n")).unwrap();
    assert_eq!(resp.status, 200);
    expect_eof(&mut c);
}

#[test]
fn proxy_closes_the_client_of_an_unreachable_backend() {
    let down = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = down.local_addr().unwrap().to_string();
    drop(down);
    let proxy = blocking("proxy", &["--backend", &addr]);
    expect_eof(&mut proxy.connect());
}

#[test]
fn sigterm_exits_0_with_workers_sleeping_and_reading() {
    for io in ["blocking", "async"] {
        let mut server = Server::start(&["--mode", "http", "--io", io, "--workers", "2"]);
        // One worker sleeps in /delay, the other waits in a read.
        let mut sleeping = server.connect();
        sleeping
            .write_all(get("/delay/30s/bytes/1", "").as_bytes())
            .unwrap();
        let mut idle = BufReader::new(server.connect());
        let resp = round_trip(&mut idle, &get("/bytes/1", "")).unwrap();
        assert_eq!(resp.status, 200);
        let _queued = server.connect();
        thread::sleep(Duration::from_millis(100));
        let status = server.terminate(SIGTERM_BOUND);
        assert!(
            status.is_some_and(|s| s.success()),
            "{io}: {status:?} within {SIGTERM_BOUND:?} of SIGTERM"
        );
    }
}

#[test]
fn sigterm_exits_0_in_echo_and_proxy() {
    let backend = blocking("echo", &[]);
    let addr = backend.addr.to_string();
    for (mode, extra) in [("echo", vec![]), ("proxy", vec!["--backend", &addr])] {
        let mut server = blocking(mode, &extra);
        let mut c = server.connect();
        assert_eq!(echo_once(&mut c, b"hello"), b"hello", "{mode}");
        let status = server.terminate(SIGTERM_BOUND);
        assert!(
            status.is_some_and(|s| s.success()),
            "{mode}: {status:?} within {SIGTERM_BOUND:?} of SIGTERM"
        );
    }
}

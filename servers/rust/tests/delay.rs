//! Real-socket tests of `/delay/D/bytes/N` in both I/O forms, and of the
//! point of the blocking form: a slow dependency starves its pool.

mod common;

use std::io::{BufReader, Write};
use std::time::{Duration, Instant};

use common::{get, pattern, read_response, round_trip, Server};

/// Both I/O forms.
const FORMS: [&str; 2] = ["async", "blocking"];

/// Starts the http mode in form io with workers workers.
fn http_server(io: &str, workers: &str) -> Server {
    Server::start(&["--mode", "http", "--io", io, "--workers", workers])
}

#[test]
fn delay_waits_then_answers_like_bytes() {
    for io in FORMS {
        let server = http_server(io, "8");
        let mut c = BufReader::new(server.connect());
        let start = Instant::now();
        let resp = round_trip(&mut c, &get("/delay/50ms/bytes/10", "")).unwrap();
        let took = start.elapsed();
        assert_eq!((resp.status, resp.body), (200, pattern(10)), "{io}");
        assert!(
            took >= Duration::from_millis(50),
            "{io}: answered after {took:?}"
        );
        // The connection stays usable.
        let resp = round_trip(&mut c, &get("/delay/0ms/bytes/30", "")).unwrap();
        assert_eq!((resp.status, resp.body), (200, pattern(30)), "{io}");
    }
}

#[test]
fn bad_delay_is_a_400_with_keep_alive() {
    for io in FORMS {
        let server = http_server(io, "8");
        let mut c = BufReader::new(server.connect());
        for path in [
            "/delay/61s/bytes/10",
            "/delay/1.5ms/bytes/10",
            "/delay/10/bytes/10",
            "/delay/1ms/bytes/16777217",
        ] {
            let resp = round_trip(&mut c, &get(path, "")).unwrap();
            assert_eq!(resp.status, 400, "{io} {path}");
        }
        let resp = round_trip(&mut c, &get("/delay/1ms/nope", "")).unwrap();
        assert_eq!(resp.status, 404, "{io}");
        let resp = round_trip(&mut c, &get("/bytes/10", "")).unwrap();
        assert_eq!((resp.status, resp.body), (200, pattern(10)), "{io}");
    }
}

#[test]
fn pipelined_delays_answer_in_order() {
    for io in FORMS {
        let server = http_server(io, "8");
        let mut c = BufReader::new(server.connect());
        let reqs = [
            get("/delay/100ms/bytes/3", ""),
            get("/bytes/5", ""),
            get("/delay/1ms/bytes/7", ""),
        ];
        c.get_mut().write_all(reqs.concat().as_bytes()).unwrap();
        for n in [3, 5, 7] {
            let resp = read_response(&mut c).unwrap();
            assert_eq!((resp.status, resp.body), (200, pattern(n)), "{io}");
        }
    }
}

/// With two workers busy on /delay/500ms, how long a third connection's
/// GET /bytes/10 takes in form io.
fn third_connection_time(io: &str) -> Duration {
    let server = http_server(io, "2");
    // Connected in this order, so the blocking form's queue hands the
    // first two to its two workers and keeps the third waiting.
    let mut slow = [server.connect(), server.connect()].map(BufReader::new);
    let mut third = BufReader::new(server.connect());
    let slow_req = get("/delay/500ms/bytes/10", "Connection: close\r\n");
    let start = Instant::now();
    for c in &mut slow {
        c.get_mut().write_all(slow_req.as_bytes()).unwrap();
    }
    let resp = round_trip(&mut third, &get("/bytes/10", "")).unwrap();
    let took = start.elapsed();
    assert_eq!((resp.status, resp.body), (200, pattern(10)), "{io}");
    for c in &mut slow {
        let resp = read_response(c).unwrap();
        assert_eq!((resp.status, resp.body), (200, pattern(10)), "{io}");
    }
    assert!(start.elapsed() >= Duration::from_millis(500), "{io}");
    took
}

#[test]
fn a_slow_dependency_starves_only_the_blocking_form() {
    let blocking = third_connection_time("blocking");
    assert!(
        blocking >= Duration::from_millis(400),
        "blocking: the third connection was answered after {blocking:?}, want it to wait for a worker"
    );
    let nonblocking = third_connection_time("async");
    assert!(
        nonblocking < Duration::from_millis(200),
        "async: the third connection was answered after {nonblocking:?}, want at once"
    );
}

//! The routes of the http mode, shared by both I/O forms: each request
//! maps to a response and how long to wait before sending it.
//!
//! - `GET /bytes/N`: 200, `application/octet-stream`, N bytes of the
//!   alphabet pattern; N must be a decimal integer from 0 to 16 MiB, else 400.
//! - `GET /delay/D/bytes/N`: the answer of `/bytes/N`, sent after D (a slow
//!   dependency). D is a whole number with the unit `us`, `ms` or `s`, at
//!   most 60 s, else 400. A 400 is sent at once, without waiting.
//! - `GET /health`: 200 `ok`.
//!
//! HEAD works wherever GET does; another method on a known path answers 405,
//! an unknown path 404.

use std::time::Duration;

use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::{Method, Response, StatusCode};

use crate::body::RepeatBody;

/// The largest body `/bytes/N` serves (16 MiB).
const MAX_BYTES: usize = 16 << 20;

/// The longest delay `/delay/D/...` waits.
const MAX_DELAY: Duration = Duration::from_secs(60);

const TEXT_PLAIN: &str = "text/plain; charset=utf-8";
const OCTET_STREAM: &str = "application/octet-stream";

/// The answer to one request: send `response` after waiting `wait`.
pub struct Answer {
    pub wait: Duration,
    pub response: Response<RepeatBody>,
}

impl From<Response<RepeatBody>> for Answer {
    /// An answer sent at once.
    fn from(response: Response<RepeatBody>) -> Self {
        Answer {
            wait: Duration::ZERO,
            response,
        }
    }
}

/// Maps a method and path to its answer.
pub fn route(method: &Method, path: &str) -> Answer {
    let get = *method == Method::GET || *method == Method::HEAD;
    if path == "/health" {
        return if get { health() } else { not_allowed() }.into();
    }
    let (delay, size) = match split_path(path) {
        Some(parts) => parts,
        None => return text(StatusCode::NOT_FOUND, "404 page not found\n").into(),
    };
    if !get {
        return not_allowed().into();
    }
    let Some(wait) = delay.map_or(Some(Duration::ZERO), parse_delay) else {
        return text(
            StatusCode::BAD_REQUEST,
            "delay must be a whole number of us, ms or s, at most 60s\n",
        )
        .into();
    };
    let Some(n) = parse_size(size) else {
        return text(
            StatusCode::BAD_REQUEST,
            "size must be a decimal integer from 0 to 16777216\n",
        )
        .into();
    };
    Answer {
        wait,
        response: response(StatusCode::OK, OCTET_STREAM, RepeatBody::pattern(n)),
    }
}

/// Splits `/bytes/N` into (None, N) and `/delay/D/bytes/N` into (Some(D),
/// N); both segments must be non-empty. Any other path gives None.
fn split_path(path: &str) -> Option<(Option<&str>, &str)> {
    let (delay, rest) = match path.strip_prefix("/delay/") {
        Some(rest) => {
            let (d, rest) = rest.split_once('/').filter(|(d, _)| !d.is_empty())?;
            (Some(d), rest)
        }
        None => (None, path.strip_prefix('/')?),
    };
    let size = rest.strip_prefix("bytes/")?;
    (!size.is_empty() && !size.contains('/')).then_some((delay, size))
}

/// Parses s as a decimal integer (digits only) of at most MAX_BYTES.
fn parse_size(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|&n| n <= MAX_BYTES)
}

/// Parses a delay: a whole decimal number followed by `us`, `ms` or `s`,
/// of at most MAX_DELAY.
pub fn parse_delay(s: &str) -> Option<Duration> {
    let unit_at = s.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = s.split_at(unit_at);
    if digits.is_empty() {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let d = match unit {
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        _ => return None,
    };
    (d <= MAX_DELAY).then_some(d)
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

/// A response with status, Content-Type and body; Content-Length comes
/// from the body's exact size when the response is written.
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
    fn parse_delay_whole_numbers_with_a_unit_up_to_60s() {
        let ok = [
            ("0ms", Duration::ZERO),
            ("0us", Duration::ZERO),
            ("250us", Duration::from_micros(250)),
            ("100ms", Duration::from_millis(100)),
            ("2s", Duration::from_secs(2)),
            ("60s", Duration::from_secs(60)),
            ("60000ms", Duration::from_secs(60)),
            ("060s", Duration::from_secs(60)),
        ];
        for (s, want) in ok {
            assert_eq!(parse_delay(s), Some(want), "{s:?}");
        }
        for bad in [
            "61s",
            "60001ms",
            "60000001us",
            "1m",
            "-1ms",
            "+1ms",
            "1.5ms",
            "ms",
            "10",
            "10xs",
            "",
            "s",
            "10 ms",
            "10MS",
            "1ns",
            "1h",
            "1ms1",
            "99999999999999999999s",
        ] {
            assert_eq!(parse_delay(bad), None, "{bad:?}");
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
            (Method::GET, "/delay/5ms/bytes/10", StatusCode::OK, Some(10)),
            (Method::HEAD, "/delay/5ms/bytes/3", StatusCode::OK, Some(3)),
            (
                Method::GET,
                "/delay/61s/bytes/10",
                StatusCode::BAD_REQUEST,
                None,
            ),
            (
                Method::GET,
                "/delay/1ms/bytes/16777217",
                StatusCode::BAD_REQUEST,
                None,
            ),
            (
                Method::POST,
                "/delay/1ms/bytes/1",
                StatusCode::METHOD_NOT_ALLOWED,
                None,
            ),
            (Method::GET, "/delay/1ms", StatusCode::NOT_FOUND, None),
            (Method::GET, "/delay/1ms/", StatusCode::NOT_FOUND, None),
            (Method::GET, "/delay//bytes/1", StatusCode::NOT_FOUND, None),
            (
                Method::GET,
                "/delay/1ms/bytes/",
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::GET,
                "/delay/1ms/bytes/1/",
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::GET,
                "/delay/1ms/health",
                StatusCode::NOT_FOUND,
                None,
            ),
            (Method::GET, "/delay/bytes/1", StatusCode::NOT_FOUND, None),
        ];
        for (method, path, status, len) in cases {
            let resp = route(&method, path).response;
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
    fn waits() {
        let wait = |path| route(&Method::GET, path).wait;
        assert_eq!(wait("/delay/250us/bytes/1"), Duration::from_micros(250));
        assert_eq!(wait("/delay/2s/bytes/1"), Duration::from_secs(2));
        assert_eq!(wait("/bytes/1"), Duration::ZERO);
        assert_eq!(wait("/health"), Duration::ZERO);
        // A bad request is answered at once.
        assert_eq!(wait("/delay/2s/bytes/x"), Duration::ZERO);
        assert_eq!(wait("/delay/2s/bytes/1/2"), Duration::ZERO);
    }

    #[test]
    fn content_types() {
        let ct = |path| route(&Method::GET, path).response.headers()[CONTENT_TYPE].clone();
        assert_eq!(ct("/bytes/1"), OCTET_STREAM);
        assert_eq!(ct("/delay/0ms/bytes/1"), OCTET_STREAM);
        assert_eq!(ct("/health"), TEXT_PLAIN);
        assert_eq!(ct("/delay/x/bytes/1"), TEXT_PLAIN);
    }
}

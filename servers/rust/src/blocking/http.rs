//! The http mode of the blocking form: HTTP/1.1 with keep-alive on one
//! worker thread per connection, answering the routes of
//! [`crate::route`] like the async form does.
//!
//! Requests are read and answered one at a time, so pipelined requests are
//! answered in order. The wait of `/delay/D/...` is the worker thread
//! sleeping: the connection, and the worker, are busy for all of it. A
//! malformed request answers 400 (a head too large 414 or 431) and
//! closes, as hyper does; `Connection: close` and HTTP/1.0 close after the answer.

use std::io::{self, BufWriter, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::SystemTime;

use httpdate::HttpDate;
use hyper::{Method, Response, StatusCode};

use super::request::{Error, Head, Reader};
use crate::body::RepeatBody;
use crate::route::route;

/// The write buffer: a response head and a small body go out in one write.
const WRITE_BUF: usize = 16 << 10;

/// Serves HTTP/1.1 on stream until the client closes, a request asks to
/// close or a request is malformed; dropping stream closes it.
pub fn handle(stream: TcpStream) {
    if let Ok(true) = serve(&stream) {
        // Send FIN after the last answer rather than a reset for bytes
        // the client may still be sending.
        let _ = stream.shutdown(Shutdown::Write);
    }
}

/// Answers requests until the connection should close. It returns whether
/// an answer ends the connection (Ok(true)), as opposed to the client
/// having closed or failed.
fn serve(stream: &TcpStream) -> io::Result<bool> {
    let mut reader = Reader::new(stream);
    let mut w = BufWriter::with_capacity(WRITE_BUF, stream);
    loop {
        let head = match reader.read_head() {
            Ok(Some(head)) => head,
            Ok(None) | Err(Error::Io) => return Ok(false),
            Err(Error::Bad(status)) => return write_error(&mut w, status).map(|()| true),
        };
        match reader.skip_body(head.body) {
            Ok(()) => {}
            Err(Error::Io) => return Ok(false),
            Err(Error::Bad(status)) => return write_error(&mut w, status).map(|()| true),
        }
        let answer = route(&head.method, head.uri.path());
        if !answer.wait.is_zero() {
            thread::sleep(answer.wait);
        }
        write_response(&mut w, &head, answer.response)?;
        if !head.keep_alive {
            return Ok(true);
        }
    }
}

/// Writes the answer to a request and flushes it.
fn write_response(w: &mut impl Write, head: &Head, resp: Response<RepeatBody>) -> io::Result<()> {
    let (parts, mut body) = resp.into_parts();
    write_status(w, head.http10, parts.status)?;
    for (name, value) in &parts.headers {
        w.write_all(name.as_str().as_bytes())?;
        w.write_all(b": ")?;
        w.write_all(value.as_bytes())?;
        w.write_all(b"\r\n")?;
    }
    write!(w, "content-length: {}\r\n", body.remaining())?;
    // Only what differs from the version's default, as hyper does.
    match (head.http10, head.keep_alive) {
        (false, false) => w.write_all(b"connection: close\r\n")?,
        (true, true) => w.write_all(b"connection: keep-alive\r\n")?,
        _ => {}
    }
    write_date(w)?;
    w.write_all(b"\r\n")?;
    if head.method != Method::HEAD {
        while let Some(chunk) = body.next_chunk() {
            w.write_all(chunk)?;
        }
    }
    w.flush()
}

/// Writes the answer to a malformed request, which closes the connection.
fn write_error(w: &mut impl Write, status: StatusCode) -> io::Result<()> {
    write_status(w, false, status)?;
    w.write_all(b"content-length: 0\r\nconnection: close\r\n")?;
    write_date(w)?;
    w.write_all(b"\r\n")?;
    w.flush()
}

/// Writes the status line, in the request's version as hyper does.
fn write_status(w: &mut impl Write, http10: bool, status: StatusCode) -> io::Result<()> {
    let version = if http10 { "HTTP/1.0" } else { "HTTP/1.1" };
    let reason = status.canonical_reason().unwrap_or("");
    write!(w, "{version} {} {reason}\r\n", status.as_str())
}

/// Writes the Date header, which an origin server with a clock must send;
/// formatted straight into w, without a String per response.
fn write_date(w: &mut impl Write) -> io::Result<()> {
    write!(w, "date: {}\r\n", HttpDate::from(SystemTime::now()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocking::request::BodyLen;
    use hyper::Uri;

    fn head(method: Method, http10: bool, keep_alive: bool) -> Head {
        Head {
            method,
            uri: Uri::from_static("/"),
            http10,
            keep_alive,
            body: BodyLen::Length(0),
        }
    }

    /// Writes the answer to path and returns it without the Date line.
    fn answer(head: &Head, path: &str) -> String {
        let mut out = Vec::new();
        write_response(&mut out, head, route(&head.method, path).response).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<_> = text
            .split("\r\n")
            .filter(|l| !l.starts_with("date: "))
            .collect();
        lines.join("\r\n")
    }

    #[test]
    fn responses() {
        let get = head(Method::GET, false, true);
        assert_eq!(
            answer(&get, "/bytes/28"),
            "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n\
content-length: 28\r\n\r\nabcdefghijklmnopqrstuvwxyzab"
        );
        let head_only = head(Method::HEAD, false, true);
        assert_eq!(
            answer(&head_only, "/bytes/28"),
            "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n\
content-length: 28\r\n\r\n"
        );
        let http10 = head(Method::GET, true, true);
        let text = answer(&http10, "/health");
        assert!(text.starts_with("HTTP/1.0 200 OK\r\n"), "{text}");
        assert!(text.contains("\r\nconnection: keep-alive\r\n"), "{text}");
        let http10_close = head(Method::GET, true, false);
        assert!(!answer(&http10_close, "/health").contains("connection:"));
        let close = head(Method::GET, false, false);
        assert_eq!(
            answer(&close, "/nope"),
            "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain; charset=utf-8\r\n\
content-length: 19\r\nconnection: close\r\n\r\n404 page not found\n"
        );
        let post = head(Method::POST, false, true);
        assert!(answer(&post, "/health").contains("\r\nallow: GET, HEAD\r\n"));
    }

    #[test]
    fn error_response() {
        let mut out = Vec::new();
        write_error(&mut out, StatusCode::BAD_REQUEST).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n"));
        assert!(text.contains("\r\nconnection: close\r\ndate: "));
        assert!(text.ends_with(" GMT\r\n\r\n"));
    }
}

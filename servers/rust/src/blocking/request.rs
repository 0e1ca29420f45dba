//! Reading HTTP/1.1 requests from a blocking connection: heads are parsed
//! with httparse (the parser hyper uses), request bodies are read and
//! discarded. Pipelined requests stay in the buffer for the next call.

use std::io::{self, Read};

use httparse::{Header, Status, EMPTY_HEADER};
use hyper::{Method, StatusCode, Uri};

/// The largest request head accepted; a longer one answers 431.
const MAX_HEAD: usize = 64 << 10;

/// The most header fields a request may have (hyper's default); more
/// answer 431.
const MAX_HEADERS: usize = 100;

/// The longest line of a chunked body (size line or trailer) accepted.
const MAX_LINE: usize = 4 << 10;

/// The read buffer's first size, and the least room each read gets.
const READ_SIZE: usize = 16 << 10;

/// What the server needs of a request head.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    pub method: Method,
    /// The request target; route on its path.
    pub uri: Uri,
    /// The request asked for HTTP/1.0.
    pub http10: bool,
    /// The connection stays open after the answer.
    pub keep_alive: bool,
    pub body: BodyLen,
}

/// How a request body is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLen {
    Length(u64),
    Chunked,
}

/// Why no request could be read.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// The connection failed or ended inside a request: close it.
    Io,
    /// The request is malformed: answer with this status and close.
    Bad(StatusCode),
}

impl From<io::Error> for Error {
    fn from(_: io::Error) -> Self {
        Error::Io
    }
}

/// A buffered reader of requests; buf[start..end] holds what was read
/// but not consumed yet.
pub struct Reader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl<R: Read> Reader<R> {
    pub fn new(inner: R) -> Self {
        Reader {
            inner,
            buf: vec![0; READ_SIZE],
            start: 0,
            end: 0,
        }
    }

    /// Reads the next request head. It returns None when the client closed
    /// the connection between requests.
    pub fn read_head(&mut self) -> Result<Option<Head>, Error> {
        loop {
            if let Some((head, n)) = parse_head(&self.buf[self.start..self.end])? {
                self.start += n;
                return Ok(Some(head));
            }
            let pending = &self.buf[self.start..self.end];
            if pending.len() >= MAX_HEAD {
                return Err(Error::Bad(too_large(pending)));
            }
            if !self.fill()? {
                return if self.start == self.end {
                    Ok(None)
                } else {
                    Err(Error::Io)
                };
            }
        }
    }

    /// Reads and discards a request body.
    pub fn skip_body(&mut self, body: BodyLen) -> Result<(), Error> {
        match body {
            BodyLen::Length(n) => self.skip(n),
            BodyLen::Chunked => self.skip_chunked(),
        }
    }

    /// Discards the chunks, the last chunk and the trailer of a chunked
    /// body.
    fn skip_chunked(&mut self) -> Result<(), Error> {
        loop {
            let size = parse_chunk_size(self.line()?).ok_or(Error::Bad(StatusCode::BAD_REQUEST))?;
            if size == 0 {
                while !self.line()?.is_empty() {}
                return Ok(());
            }
            self.skip(size)?;
            if !self.line()?.is_empty() {
                return Err(Error::Bad(StatusCode::BAD_REQUEST));
            }
        }
    }

    /// Discards the next n bytes.
    fn skip(&mut self, mut n: u64) -> Result<(), Error> {
        while n > 0 {
            if self.start == self.end && !self.fill()? {
                return Err(Error::Io);
            }
            let k = n.min((self.end - self.start) as u64);
            self.start += k as usize;
            n -= k;
        }
        Ok(())
    }

    /// Consumes the next line and returns it without its CRLF (or LF).
    fn line(&mut self) -> Result<&[u8], Error> {
        loop {
            let pending = &self.buf[self.start..self.end];
            if let Some(i) = pending.iter().position(|&c| c == b'\n') {
                let line = self.start..self.start + i;
                self.start += i + 1;
                let line = &self.buf[line];
                return Ok(line.strip_suffix(b"\r").unwrap_or(line));
            }
            if pending.len() >= MAX_LINE {
                return Err(Error::Bad(StatusCode::BAD_REQUEST));
            }
            if !self.fill()? {
                return Err(Error::Io);
            }
        }
    }

    /// Reads more bytes into the buffer, making room first. It returns
    /// false at EOF.
    fn fill(&mut self) -> io::Result<bool> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_SIZE {
            self.buf.resize(self.end + READ_SIZE, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// The status of a head larger than MAX_HEAD, as hyper answers it: 414
/// while the request line is not complete, else 431.
fn too_large(head: &[u8]) -> StatusCode {
    if head.contains(&b'\n') {
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    } else {
        StatusCode::URI_TOO_LONG
    }
}

/// Parses a request head at the start of bytes. It returns the head and
/// its length, or None if bytes holds only part of it.
fn parse_head(bytes: &[u8]) -> Result<Option<(Head, usize)>, Error> {
    let mut headers = [EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let n = match req.parse(bytes) {
        Ok(Status::Complete(n)) => n,
        Ok(Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Error::Bad(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE))
        }
        Err(_) => return Err(bad()),
    };
    // A complete parse sets the method, the target and the version.
    let method = Method::from_bytes(req.method.unwrap_or("").as_bytes()).map_err(|_| bad())?;
    let uri: Uri = req.path.unwrap_or("").parse().map_err(|_| bad())?;
    let http10 = req.version == Some(0);
    let (keep_alive, body) = framing(req.headers, http10)?;
    let head = Head {
        method,
        uri,
        http10,
        keep_alive,
        body,
    };
    Ok(Some((head, n)))
}

/// Reads the connection and framing headers: whether the connection stays
/// open (HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
/// `Connection: keep-alive`) and how the body is framed. A body with a bad
/// or conflicting length, or an unknown coding, is an error. As in hyper,
/// chunked wins over a Content-Length, and the connection then closes.
fn framing(headers: &[Header], http10: bool) -> Result<(bool, BodyLen), Error> {
    let (mut close, mut keep) = (false, false);
    let mut length = None;
    let mut chunked = None;
    for h in headers {
        let value = std::str::from_utf8(h.value).ok();
        let name = h.name;
        if name.eq_ignore_ascii_case("connection") {
            for token in value.unwrap_or("").split(',').map(str::trim) {
                close |= token.eq_ignore_ascii_case("close");
                keep |= token.eq_ignore_ascii_case("keep-alive");
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            for v in value.ok_or_else(bad)?.split(',') {
                let n = parse_length(v.trim()).ok_or_else(bad)?;
                if length.is_some_and(|l| l != n) {
                    return Err(bad());
                }
                length = Some(n);
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            let last = value.ok_or_else(bad)?.rsplit(',').next().unwrap_or("");
            chunked = Some(last.trim().eq_ignore_ascii_case("chunked"));
        }
    }
    let body = match chunked {
        None => BodyLen::Length(length.unwrap_or(0)),
        Some(true) => BodyLen::Chunked,
        Some(false) => return Err(bad()),
    };
    let framed_twice = chunked.is_some() && length.is_some();
    let keep_alive = !close && (!http10 || keep) && !framed_twice;
    Ok((keep_alive, body))
}

/// Parses a Content-Length value: decimal digits only.
fn parse_length(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses a chunk-size line: hex digits, then optional extensions.
fn parse_chunk_size(line: &[u8]) -> Option<u64> {
    let line = std::str::from_utf8(line).ok()?;
    let size = line.split(';').next().unwrap_or("").trim();
    if size.is_empty() || !size.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(size, 16).ok()
}

/// The error of a malformed request.
fn bad() -> Error {
    Error::Bad(StatusCode::BAD_REQUEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns its input at most .0 bytes at a time, to
    /// cover requests split across reads.
    struct Trickle<'a>(usize, &'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1.len()).min(self.0);
            buf[..n].copy_from_slice(&self.1[..n]);
            self.1 = &self.1[n..];
            Ok(n)
        }
    }

    /// Reads every request of input, 7 bytes at a time, skipping bodies,
    /// until the end or an error.
    fn read_all(input: &[u8]) -> (Vec<Head>, Option<Error>) {
        read_all_by(7, input)
    }

    /// Reads every request of input, step bytes at a time.
    fn read_all_by(step: usize, input: &[u8]) -> (Vec<Head>, Option<Error>) {
        let mut r = Reader::new(Trickle(step, input));
        let mut heads = Vec::new();
        loop {
            match r.read_head() {
                Ok(None) => return (heads, None),
                Ok(Some(h)) => {
                    let body = h.body;
                    heads.push(h);
                    if let Err(e) = r.skip_body(body) {
                        return (heads, Some(e));
                    }
                }
                Err(e) => return (heads, Some(e)),
            }
        }
    }

    #[test]
    fn pipelined_requests_in_order() {
        let input = b"GET /bytes/1 HTTP/1.1\r\nHost: x\r\n\r\n\
HEAD /health?x=1 HTTP/1.1\r\nHost: x\r\n\r\n\
GET http://x/delay/1ms/bytes/2 HTTP/1.1\r\nHost: x\r\n\r\n";
        let (heads, err) = read_all(input);
        assert_eq!(err, None);
        let got: Vec<_> = heads
            .iter()
            .map(|h| (h.method.as_str(), h.uri.path()))
            .collect();
        assert_eq!(
            got,
            [
                ("GET", "/bytes/1"),
                ("HEAD", "/health"),
                ("GET", "/delay/1ms/bytes/2")
            ]
        );
        assert!(heads.iter().all(|h| h.keep_alive && !h.http10));
    }

    #[test]
    fn keep_alive() {
        let cases = [
            ("HTTP/1.1", "", true),
            ("HTTP/1.1", "Connection: close\r\n", false),
            ("HTTP/1.1", "Connection: Keep-Alive, Close\r\n", false),
            ("HTTP/1.0", "", false),
            ("HTTP/1.0", "Connection: keep-alive\r\n", true),
        ];
        for (version, extra, want) in cases {
            let req = format!("GET / {version}\r\nHost: x\r\n{extra}\r\n");
            let (heads, err) = read_all(req.as_bytes());
            assert_eq!(err, None, "{req:?}");
            assert_eq!(heads[0].keep_alive, want, "{req:?}");
            assert_eq!(heads[0].http10, version == "HTTP/1.0");
        }
    }

    #[test]
    fn bodies_are_skipped() {
        let input = b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\
POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n\
GET /c HTTP/1.1\r\nContent-Length: 0, 0\r\n\r\n";
        let (heads, err) = read_all(input);
        assert_eq!(err, None);
        let paths: Vec<_> = heads.iter().map(|h| h.uri.path()).collect();
        assert_eq!(paths, ["/a", "/b", "/c"]);
        assert_eq!(heads[1].body, BodyLen::Chunked);
        assert!(heads.iter().all(|h| h.keep_alive));
    }

    #[test]
    fn chunked_wins_over_a_length_then_closes() {
        let input = b"GET /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n\
3\r\nabc\r\n0\r\n\r\n";
        let (heads, err) = read_all(input);
        assert_eq!(err, None);
        assert_eq!(
            (heads[0].body, heads[0].keep_alive),
            (BodyLen::Chunked, false)
        );
    }

    #[test]
    fn malformed_requests() {
        let bad = Some(Error::Bad(StatusCode::BAD_REQUEST));
        let cases: [&[u8]; 9] = [
            b"GARBAGE\r\n\r\n",
            b"GET /health HTTP/1.1\r\nHost: test\r\nNoColonHere\r\n\r\n",
            b"GET /health HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            b"GET /health HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"GET /health HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"GET /health HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
            b"GET /x HTTP/2.0\r\n\r\n",
        ];
        for input in cases {
            let (_, err) = read_all(input);
            assert_eq!(err, bad, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn oversized_heads() {
        let too_large = Some(Error::Bad(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_HEAD));
        let uri_too_long = Some(Error::Bad(StatusCode::URI_TOO_LONG));
        assert_eq!(read_all_by(READ_SIZE, long.as_bytes()).1, uri_too_long);
        let long = format!("GET / HTTP/1.1\r\nA: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(read_all_by(READ_SIZE, long.as_bytes()).1, too_large);
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "A: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(read_all(many.as_bytes()).1, too_large);
    }

    #[test]
    fn end_of_input() {
        // Between requests: a clean close.
        assert_eq!(read_all(b"").1, None);
        // Inside a head or a body: the connection just closes.
        assert_eq!(read_all(b"GET / HTTP/1.1\r\n").1, Some(Error::Io));
        let cut = b"GET / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc";
        assert_eq!(read_all(cut).1, Some(Error::Io));
    }
}

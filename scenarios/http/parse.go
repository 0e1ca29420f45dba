package http

import (
	"bufio"
	"bytes"
	"io"
	"math"

	"github.com/latbench/latbench/scenarios"
)

// readBufferSize is the size of the response read buffer, and so the
// longest status, header or chunk-size line accepted.
const readBufferSize = 64 << 10

// maxHeaders is the most header lines one response head (or trailer
// section) may have.
const maxHeaders = 100

// Malformed-response errors. They are preallocated so that a failing
// request does not allocate.
var (
	errLineTooLong = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "http: response line longer than the 64 KiB read buffer"}
	errStatusLine = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "http: malformed status line"}
	errHeaderLine = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "http: malformed header line"}
	errTooManyHeaders = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "http: more than 100 header lines"}
	errContentLength = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "http: invalid Content-Length"}
	errChunk = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "http: malformed chunked body"}
)

// response is what the client needs to know about one response.
type response struct {
	status  int   // status code, 100 to 999
	bodyLen int64 // body bytes read and discarded, never negative
	close   bool  // the server will close the connection after it
}

// head holds what the parser learned from a status line and headers.
type head struct {
	status        int
	http10        bool  // HTTP/1.0: close unless keep-alive is asked for
	contentLength int64 // -1 when absent
	te            bool  // Transfer-Encoding present
	chunked       bool  // its final coding is chunked
	connClose     bool  // Connection: close
	keepAlive     bool  // Connection: keep-alive
	framing       bool  // the last header line was one of the above
}

// responseReader reads HTTP/1.x responses from a connection without
// allocating: lines are parsed in place in the bufio buffer and bodies are
// discarded while being counted.
type responseReader struct {
	br *bufio.Reader
}

// newResponseReader returns a responseReader with a 64 KiB buffer over r.
func newResponseReader(r io.Reader) *responseReader {
	return &responseReader{br: bufio.NewReaderSize(r, readBufferSize)}
}

// reset drops any buffered bytes and switches to reading from r, keeping
// the buffer.
func (rr *responseReader) reset(r io.Reader) {
	rr.br.Reset(r)
}

// read reads one whole response, skipping interim 1xx responses (such as
// 100 Continue), and discards its body. The connection ending early gives
// scenarios.ErrShortResponse; a malformed response gives an ErrOther
// RequestError; read errors are returned as they are.
func (rr *responseReader) read() (response, error) {
	for {
		var h head
		if err := rr.readHead(&h); err != nil {
			return response{}, err
		}
		if h.status < 200 && h.status != 101 {
			continue
		}
		return rr.readBody(&h)
	}
}

// readHead reads the status line and the headers into h.
func (rr *responseReader) readHead(h *head) error {
	line, err := rr.readLine()
	if err != nil {
		return err
	}
	if err := h.parseStatusLine(line); err != nil {
		return err
	}
	h.contentLength = -1
	return rr.readFields(h)
}

// readBody discards the body framed as h says and returns the response.
func (rr *responseReader) readBody(h *head) (response, error) {
	resp := response{status: h.status, close: h.connClose || (h.http10 && !h.keepAlive)}
	var err error
	switch {
	case h.status == 101:
		// Switching Protocols: what follows is no longer HTTP.
		resp.close = true
	case h.status == 204 || h.status == 304:
		// Never a body, whatever the headers say.
	case h.chunked:
		resp.bodyLen, err = rr.discardChunked()
	case !h.te && h.contentLength >= 0:
		resp.bodyLen = h.contentLength
		err = rr.discard(h.contentLength)
	default:
		// No length: the body ends when the server closes.
		resp.bodyLen, err = rr.discardToEOF()
		resp.close = true
	}
	if err != nil {
		return response{}, err
	}
	return resp, nil
}

// readLine returns the next line without its line ending (CRLF or a bare
// LF). The slice points into the buffer and is valid until the next read.
func (rr *responseReader) readLine() ([]byte, error) {
	line, err := rr.br.ReadSlice('\n')
	switch err {
	case nil:
	case bufio.ErrBufferFull:
		return nil, errLineTooLong
	case io.EOF:
		return nil, scenarios.ErrShortResponse
	default:
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// discard skips exactly n body bytes.
func (rr *responseReader) discard(n int64) error {
	for n > 0 {
		d, err := rr.br.Discard(int(min(n, 1<<30)))
		n -= int64(d)
		if err == io.EOF {
			return scenarios.ErrShortResponse
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// discardToEOF skips everything up to the end of the stream and returns
// how many bytes that was.
func (rr *responseReader) discardToEOF() (int64, error) {
	var total int64
	for {
		d, err := rr.br.Discard(readBufferSize)
		total += int64(d)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// discardChunked skips a chunked body, including its trailer section, and
// returns the sum of the chunk sizes.
func (rr *responseReader) discardChunked() (int64, error) {
	var total int64
	for {
		line, err := rr.readLine()
		if err != nil {
			return 0, err
		}
		size, ok := parseChunkSize(line)
		if !ok || size > math.MaxInt64-total {
			return 0, errChunk
		}
		if size == 0 {
			return total, rr.skipTrailers()
		}
		if err := rr.discard(size); err != nil {
			return 0, err
		}
		if line, err = rr.readLine(); err != nil {
			return 0, err
		}
		if len(line) != 0 {
			return 0, errChunk
		}
		total += size
	}
}

// skipTrailers reads trailer lines up to the empty line that ends them.
func (rr *responseReader) skipTrailers() error {
	return rr.readFields(nil)
}

// readFields reads header (or trailer) lines up to the empty line that
// ends them, at most maxHeaders of them, and parses each into h; a nil h
// skips them.
func (rr *responseReader) readFields(h *head) error {
	for n := 0; ; n++ {
		line, err := rr.readLine()
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return nil
		}
		if n == maxHeaders {
			return errTooManyHeaders
		}
		if h == nil {
			continue
		}
		if err := h.parseHeader(line); err != nil {
			return err
		}
	}
}

// parseStatusLine parses "HTTP/1.x NNN[ reason]".
func (h *head) parseStatusLine(line []byte) error {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || !isDigit(line[7]) || line[8] != ' ' {
		return errStatusLine
	}
	if len(line) > 12 && line[12] != ' ' {
		return errStatusLine
	}
	status := 0
	for _, c := range line[9:12] {
		if !isDigit(c) {
			return errStatusLine
		}
		status = status*10 + int(c-'0')
	}
	if status < 100 {
		return errStatusLine
	}
	h.status = status
	h.http10 = line[7] == '0'
	return nil
}

// parseHeader records the framing headers (Content-Length,
// Transfer-Encoding, Connection) and ignores the others.
func (h *head) parseHeader(line []byte) error {
	if line[0] == ' ' || line[0] == '\t' {
		// An obsolete folded continuation of the previous header.
		if h.framing {
			return errHeaderLine
		}
		return nil
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 || bytes.IndexByte(line[:colon], ' ') >= 0 || bytes.IndexByte(line[:colon], '\t') >= 0 {
		return errHeaderLine
	}
	name, value := line[:colon], trimSpace(line[colon+1:])
	h.framing = true
	switch {
	case equalFold(name, "content-length"):
		n, ok := parseDecimal(value)
		if !ok || (h.contentLength >= 0 && n != h.contentLength) {
			return errContentLength
		}
		h.contentLength = n
	case equalFold(name, "transfer-encoding"):
		h.te = true
		h.chunked = equalFold(trimSpace(value[bytes.LastIndexByte(value, ',')+1:]), "chunked")
	case equalFold(name, "connection"):
		h.connClose = h.connClose || hasToken(value, "close")
		h.keepAlive = h.keepAlive || hasToken(value, "keep-alive")
	default:
		h.framing = false
	}
	return nil
}

// parseChunkSize parses the hexadecimal size at the start of a chunk-size
// line, ignoring any chunk extensions after ';'.
func parseChunkSize(line []byte) (int64, bool) {
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = trimSpace(line)
	if len(line) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range line {
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		if n > math.MaxInt64>>4 {
			return 0, false
		}
		n = n<<4 | int64(d)
	}
	return n, true
}

// parseDecimal parses a non-empty string of ASCII digits that fits an
// int64.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// hasToken reports whether the comma-separated list v contains token,
// compared case-insensitively.
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		item := v
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		if equalFold(trimSpace(item), token) {
			return true
		}
	}
	return false
}

// equalFold reports whether b equals the lower-case ASCII string s,
// ignoring the case of ASCII letters in b.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// trimSpace removes leading and trailing spaces and tabs.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

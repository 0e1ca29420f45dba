package http

import (
	"bytes"
	"math"
)

// minLineBuffer is the capacity a line buffer starts with, enough for
// every usual line.
const minLineBuffer = 256

// lineBuffer finds lines in the bytes fed to a parser. A line that ends
// inside the bytes given is returned in place; only a line that straddles
// feeds is copied, into a buffer that starts empty and grows on demand up
// to maxLineBytes, so that thousands of idle sessions stay small.
type lineBuffer struct {
	buf []byte // the start of the current line, without a line feed
}

// reset drops any partial line, keeping the capacity.
func (lb *lineBuffer) reset() { lb.buf = lb.buf[:0] }

// next returns the line that ends in p, without its line ending (CRLF or
// a bare LF), and how many bytes of p it used. When p ends inside the
// line, next keeps those bytes, uses all of p and returns ok false. The
// line points into p or into the buffer and is valid until the next call.
// A line longer than maxLineBytes is an error as soon as it is known to
// be.
func (lb *lineBuffer) next(p []byte) (line []byte, n int, ok bool, err error) {
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		if len(lb.buf)+len(p) >= maxLineBytes {
			return nil, len(p), false, errLineTooLong
		}
		lb.add(p)
		return nil, len(p), false, nil
	}
	if len(lb.buf)+i+1 > maxLineBytes {
		return nil, i + 1, false, errLineTooLong
	}
	line = p[:i]
	if len(lb.buf) > 0 {
		lb.add(line)
		line = lb.buf
		lb.buf = lb.buf[:0] // line stays valid: nothing is added before the next call
	}
	if k := len(line); k > 0 && line[k-1] == '\r' {
		line = line[:k-1]
	}
	return line, i + 1, true, nil
}

// add appends b to the buffer, growing it by doubling from minLineBuffer
// but never beyond maxLineBytes, which the callers check.
func (lb *lineBuffer) add(b []byte) {
	need := len(lb.buf) + len(b)
	if need > cap(lb.buf) {
		grown := make([]byte, len(lb.buf), min(max(need, 2*cap(lb.buf), minLineBuffer), maxLineBytes))
		copy(grown, lb.buf)
		lb.buf = grown
	}
	lb.buf = append(lb.buf, b...)
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

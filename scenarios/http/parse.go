package http

import (
	"math"

	"github.com/latbench/latbench/scenarios"
)

// maxLineBytes is the longest status, header, trailer or chunk-size line
// accepted, its line ending included.
const maxLineBytes = 64 << 10

// maxHeaders is the most header lines one response head (or trailer
// section) may have.
const maxHeaders = 100

// Malformed-response errors. They are preallocated so that a failing
// request does not allocate.
var (
	errLineTooLong = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "http: response line longer than 64 KiB"}
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

// state is the part of a response the parser expects next.
type state uint8

// The parser states, in the order a response goes through them.
const (
	statusLine    state = iota // the status line
	headerLines                // header lines up to the empty line
	fixedBody                  // the rest of a Content-Length body
	chunkSizeLine              // a chunk-size line
	chunkData                  // the rest of a chunk's data
	chunkEnd                   // the empty line after a chunk's data
	trailerLines               // trailer lines up to the empty line
	bodyToEOF                  // a body that ends with the connection
	done                       // nothing: the response has ended
)

// response is what the session needs to know about one response.
type response struct {
	status  int   // final status code, 100 to 999; 0 until its head has ended
	bodyLen int64 // body length as known so far, never negative
	close   bool  // the server will close the connection after it
}

// parser is an incremental HTTP/1.x response parser. It is fed the bytes
// of a response as they arrive, split anywhere. Lines that end inside the
// bytes given are parsed in place; only a line that straddles two feeds is
// copied, into lines. Bodies are counted, not copied. Interim 1xx
// responses (except 101) are skipped.
type parser struct {
	state  state
	head   head // the head being parsed, or the last one
	resp   response
	remain int64      // bytes left in a fixed body or a chunk
	fields int        // header or trailer lines so far in this section
	lines  lineBuffer // the start of a line that straddles feeds
}

// reset prepares the parser for a new response, keeping the capacity of
// its line buffer.
func (ps *parser) reset() {
	ps.state = statusLine
	ps.resp = response{}
	ps.lines.reset()
}

// step parses the start of p: one line, or body bytes. It returns how many
// bytes of p it used, at least one when p is not empty, and all of p when
// p ends inside a line. It is not called once the response has ended.
func (ps *parser) step(p []byte) (int, error) {
	switch ps.state {
	case fixedBody, chunkData:
		return ps.count(p), nil
	case bodyToEOF:
		ps.resp.bodyLen += int64(len(p))
		return len(p), nil
	}
	line, n, ok, err := ps.lines.next(p)
	if !ok || err != nil {
		return n, err
	}
	return n, ps.parseLine(line)
}

// eof ends the response at the end of the stream. Only a body that has no
// length ends there; anything else is cut short.
func (ps *parser) eof() error {
	if ps.state != bodyToEOF {
		return scenarios.ErrShortResponse
	}
	ps.state = done
	return nil
}

// lengthFinal reports whether resp.bodyLen is the length of the whole
// body rather than what is known of it so far.
func (ps *parser) lengthFinal() bool {
	return ps.state == fixedBody || ps.state == done
}

// count skips the body or chunk bytes at the start of p and returns how
// many there were.
func (ps *parser) count(p []byte) int {
	n := int(min(int64(len(p)), ps.remain))
	ps.remain -= int64(n)
	if ps.remain > 0 {
		return n
	}
	if ps.state == fixedBody {
		ps.state = done
	} else {
		ps.state = chunkEnd
	}
	return n
}

// parseLine parses one whole line, without its line ending.
func (ps *parser) parseLine(line []byte) error {
	switch ps.state {
	case statusLine:
		ps.head = head{contentLength: -1}
		ps.fields = 0
		ps.state = headerLines
		return ps.head.parseStatusLine(line)
	case headerLines:
		if len(line) == 0 {
			ps.endHead()
			return nil
		}
		if err := ps.countField(); err != nil {
			return err
		}
		return ps.head.parseHeader(line)
	case chunkSizeLine:
		return ps.startChunk(line)
	case chunkEnd:
		if len(line) != 0 {
			return errChunk
		}
		ps.state = chunkSizeLine
		return nil
	case trailerLines:
		if len(line) == 0 {
			ps.state = done
			return nil
		}
		return ps.countField()
	}
	return nil
}

// countField counts one header or trailer line and fails beyond
// maxHeaders.
func (ps *parser) countField() error {
	if ps.fields == maxHeaders {
		return errTooManyHeaders
	}
	ps.fields++
	return nil
}

// endHead acts on the empty line that ends a head: it skips an interim
// response, or records the final status and chooses how the body is
// framed.
func (ps *parser) endHead() {
	h := &ps.head
	if h.status < 200 && h.status != 101 {
		ps.state = statusLine // the final response follows
		return
	}
	ps.resp.status = h.status
	ps.resp.close = h.connClose || (h.http10 && !h.keepAlive)
	switch {
	case h.status == 101:
		// Switching Protocols: what follows is no longer HTTP.
		ps.resp.close = true
		ps.state = done
	case h.status == 204 || h.status == 304:
		// Never a body, whatever the headers say.
		ps.state = done
	case h.chunked:
		ps.state = chunkSizeLine
	case !h.te && h.contentLength == 0:
		ps.state = done
	case !h.te && h.contentLength > 0:
		ps.resp.bodyLen = h.contentLength
		ps.remain = h.contentLength
		ps.state = fixedBody
	default:
		// No length: the body ends when the server closes.
		ps.resp.close = true
		ps.state = bodyToEOF
	}
}

// startChunk acts on a chunk-size line: it adds the chunk to the body
// length, or moves on to the trailers after the last chunk.
func (ps *parser) startChunk(line []byte) error {
	size, ok := parseChunkSize(line)
	if !ok || size > math.MaxInt64-ps.resp.bodyLen {
		return errChunk
	}
	if size == 0 {
		ps.fields = 0
		ps.state = trailerLines
		return nil
	}
	ps.resp.bodyLen += size
	ps.remain = size
	ps.state = chunkData
	return nil
}

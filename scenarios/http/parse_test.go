package http

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/latbench/latbench/scenarios"
)

// parseCase is one response byte stream and what reading it must give.
type parseCase struct {
	name    string
	in      string
	want    response
	wantErr error
}

// manyHeaders returns n header lines.
func manyHeaders(n int) string {
	return strings.Repeat("X-Filler: 1\r\n", n)
}

var parseCases = []parseCase{
	// Content-Length bodies.
	{name: "content length", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		want: response{status: 200, bodyLen: 5}},
	{name: "lowercase headers", in: "HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: keep-alive\r\n\r\nabc",
		want: response{status: 200, bodyLen: 3}},
	{name: "uppercase headers", in: "HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 3\r\n\r\nabc",
		want: response{status: 200, bodyLen: 3}},
	{name: "zero length", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		want: response{status: 200, bodyLen: 0}},
	{name: "other headers ignored", in: "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 2\r\nServer: x\r\n\r\nok",
		want: response{status: 200, bodyLen: 2}},
	{name: "spaces around value", in: "HTTP/1.1 200 OK\r\nContent-Length: \t 4 \t\r\n\r\nabcd",
		want: response{status: 200, bodyLen: 4}},
	{name: "no space after colon", in: "HTTP/1.1 200 OK\r\nContent-Length:4\r\n\r\nabcd",
		want: response{status: 200, bodyLen: 4}},
	{name: "repeated equal content length", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
		want: response{status: 200, bodyLen: 2}},
	{name: "no reason phrase", in: "HTTP/1.1 404\r\nContent-Length: 1\r\n\r\nx",
		want: response{status: 404, bodyLen: 1}},
	{name: "empty reason phrase", in: "HTTP/1.1 500 \r\nContent-Length: 1\r\n\r\nx",
		want: response{status: 500, bodyLen: 1}},
	{name: "bare LF line endings", in: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
		want: response{status: 200, bodyLen: 2}},
	{name: "folded line after other header", in: "HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
		want: response{status: 200, bodyLen: 2}},
	{name: "exactly 100 headers", in: "HTTP/1.1 200 OK\r\n" + manyHeaders(99) + "Content-Length: 1\r\n\r\nx",
		want: response{status: 200, bodyLen: 1}},
	{name: "204 has no body", in: "HTTP/1.1 204 No Content\r\n\r\n",
		want: response{status: 204}},
	{name: "304 ignores content length", in: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
		want: response{status: 304}},
	{name: "100 continue skipped", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		want: response{status: 200, bodyLen: 2}},
	{name: "101 switching protocols", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
		want: response{status: 101, close: true}},

	// Chunked bodies.
	{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
		want: response{status: 200, bodyLen: 11}},
	{name: "chunked lowercase", in: "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		want: response{status: 200, bodyLen: 3}},
	{name: "chunked hex sizes", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\nB\r\n0123456789a\r\n0\r\n\r\n",
		want: response{status: 200, bodyLen: 21}},
	{name: "chunked extensions", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n2 ; x=\"y\"\r\nab\r\n0;last\r\n\r\n",
		want: response{status: 200, bodyLen: 7}},
	{name: "chunked trailers", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n",
		want: response{status: 200, bodyLen: 2}},
	{name: "chunked leading zeros", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0002\r\nok\r\n000\r\n\r\n",
		want: response{status: 200, bodyLen: 2}},
	{name: "chunked empty", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		want: response{status: 200, bodyLen: 0}},
	{name: "chunked after other coding", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		want: response{status: 200, bodyLen: 2}},
	{name: "chunked overrides content length", in: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		want: response{status: 200, bodyLen: 2}},

	// Connection handling and bodies read to the end of the stream.
	{name: "connection close with length", in: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
		want: response{status: 200, bodyLen: 2, close: true}},
	{name: "connection close token list", in: "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 2\r\n\r\nok",
		want: response{status: 200, bodyLen: 2, close: true}},
	{name: "connection close without length", in: "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nread until the end",
		want: response{status: 200, bodyLen: 18, close: true}},
	{name: "no length at all", in: "HTTP/1.1 200 OK\r\n\r\nabcdef",
		want: response{status: 200, bodyLen: 6, close: true}},
	{name: "no length empty body", in: "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
		want: response{status: 200, bodyLen: 0, close: true}},
	{name: "transfer encoding without chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 1\r\n\r\nabc",
		want: response{status: 200, bodyLen: 3, close: true}},
	{name: "http 1.0 closes", in: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
		want: response{status: 200, bodyLen: 2, close: true}},
	{name: "http 1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
		want: response{status: 200, bodyLen: 2}},

	// Malformed responses.
	{name: "garbage status line", in: "garbage\r\n\r\n", wantErr: errStatusLine},
	{name: "non-numeric status", in: "HTTP/1.1 abc OK\r\n\r\n", wantErr: errStatusLine},
	{name: "two-digit status", in: "HTTP/1.1 20 OK\r\n\r\n", wantErr: errStatusLine},
	{name: "four-digit status", in: "HTTP/1.1 2000 OK\r\n\r\n", wantErr: errStatusLine},
	{name: "status below 100", in: "HTTP/1.1 099 Low\r\n\r\n", wantErr: errStatusLine},
	{name: "http/2 version", in: "HTTP/2 200 OK\r\n\r\n", wantErr: errStatusLine},
	{name: "lowercase protocol", in: "http/1.1 200 OK\r\n\r\n", wantErr: errStatusLine},
	{name: "empty status line", in: "\r\n\r\n", wantErr: errStatusLine},
	{name: "header without colon", in: "HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\nok", wantErr: errHeaderLine},
	{name: "space before colon", in: "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok", wantErr: errHeaderLine},
	{name: "empty header name", in: "HTTP/1.1 200 OK\r\n: 2\r\n\r\nok", wantErr: errHeaderLine},
	{name: "folded content length", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n 3\r\n\r\nok", wantErr: errHeaderLine},
	{name: "non-numeric content length", in: "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", wantErr: errContentLength},
	{name: "negative content length", in: "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", wantErr: errContentLength},
	{name: "signed content length", in: "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", wantErr: errContentLength},
	{name: "empty content length", in: "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", wantErr: errContentLength},
	{name: "content length list", in: "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", wantErr: errContentLength},
	{name: "overflowing content length", in: "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", wantErr: errContentLength},
	{name: "conflicting content lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", wantErr: errContentLength},
	{name: "too many headers", in: "HTTP/1.1 200 OK\r\n" + manyHeaders(101) + "\r\n", wantErr: errTooManyHeaders},
	{name: "too many trailers", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + manyHeaders(101) + "\r\n", wantErr: errTooManyHeaders},
	{name: "status line too long", in: "HTTP/1.1 200 " + strings.Repeat("x", readBufferSize) + "\r\n\r\n", wantErr: errLineTooLong},
	{name: "header line too long", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("x", readBufferSize) + "\r\n\r\n", wantErr: errLineTooLong},
	{name: "bad chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\nabc\r\n0\r\n\r\n", wantErr: errChunk},
	{name: "empty chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", wantErr: errChunk},
	{name: "negative chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", wantErr: errChunk},
	{name: "overflowing chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", wantErr: errChunk},
	{name: "chunk data too long", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n", wantErr: errChunk},

	// Responses cut short.
	{name: "empty stream", in: "", wantErr: scenarios.ErrShortResponse},
	{name: "truncated status line", in: "HTTP/1.1 200", wantErr: scenarios.ErrShortResponse},
	{name: "truncated head", in: "HTTP/1.1 200 OK\r\nContent-Le", wantErr: scenarios.ErrShortResponse},
	{name: "head without end", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", wantErr: scenarios.ErrShortResponse},
	{name: "truncated body", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", wantErr: scenarios.ErrShortResponse},
	{name: "truncated chunk", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", wantErr: scenarios.ErrShortResponse},
	{name: "missing last chunk", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", wantErr: scenarios.ErrShortResponse},
	{name: "missing trailer end", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", wantErr: scenarios.ErrShortResponse},
	{name: "only interim response", in: "HTTP/1.1 100 Continue\r\n\r\n", wantErr: scenarios.ErrShortResponse},
}

func TestParseResponse(t *testing.T) {
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{name: "whole", wrap: func(r io.Reader) io.Reader { return r }},
		{name: "one byte at a time", wrap: iotest.OneByteReader},
		{name: "half at a time", wrap: iotest.HalfReader},
	}
	for _, tt := range parseCases {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				rr := newResponseReader(rd.wrap(strings.NewReader(tt.in)))
				got, err := rr.read()
				if err != tt.wantErr {
					t.Fatalf("read() error = %v, want %v", err, tt.wantErr)
				}
				if got != tt.want {
					t.Errorf("read() = %+v, want %+v", got, tt.want)
				}
			})
		}
	}
}

func TestParseConsecutiveResponses(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n" +
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest"
	want := []response{
		{status: 200, bodyLen: 2},
		{status: 200, bodyLen: 3},
		{status: 404, bodyLen: 0},
		{status: 200, bodyLen: 4, close: true},
	}
	rr := newResponseReader(iotest.OneByteReader(strings.NewReader(in)))
	for i, w := range want {
		got, err := rr.read()
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		if got != w {
			t.Errorf("response %d = %+v, want %+v", i, got, w)
		}
	}
	if _, err := rr.read(); err != scenarios.ErrShortResponse {
		t.Errorf("read after the last response = %v, want %v", err, scenarios.ErrShortResponse)
	}
}

func TestParseReadError(t *testing.T) {
	boom := iotest.ErrTimeout
	in := io.MultiReader(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), iotest.ErrReader(boom))
	if _, err := newResponseReader(in).read(); err != boom {
		t.Errorf("read() error = %v, want the reader's error %v", err, boom)
	}
}

func TestParseLargeBody(t *testing.T) {
	const size = 3*readBufferSize + 17
	in := "HTTP/1.1 200 OK\r\nContent-Length: 196625\r\n\r\n" + strings.Repeat("z", size)
	got, err := newResponseReader(strings.NewReader(in)).read()
	if err != nil || got.bodyLen != size {
		t.Errorf("read() = %+v, %v, want body length %d", got, err, size)
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, tt := range parseCases {
		f.Add([]byte(tt.in), false)
		f.Add([]byte(tt.in), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, oneByte bool) {
		var r io.Reader = bytes.NewReader(data)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		rr := newResponseReader(r)
		// Every successful read consumes at least one byte, so this ends.
		for i := 0; i <= len(data); i++ {
			resp, err := rr.read()
			if err != nil {
				if _, ok := err.(*scenarios.RequestError); !ok {
					t.Fatalf("read() error %v (%T) is not a preallocated RequestError", err, err)
				}
				if c := scenarios.Classify(err); c != scenarios.ErrOther && c != scenarios.ErrShortRead {
					t.Fatalf("read() error %v has class %v", err, c)
				}
				return
			}
			if resp.bodyLen < 0 {
				t.Fatalf("read() body length %d is negative", resp.bodyLen)
			}
			if resp.status < 100 || resp.status > 999 {
				t.Fatalf("read() status %d is out of range", resp.status)
			}
			if resp.close {
				return
			}
		}
		t.Fatal("more responses than input bytes")
	})
}

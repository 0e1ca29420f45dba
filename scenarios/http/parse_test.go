package http

import (
	"strconv"
	"strings"
	"testing"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// parseCase is one response byte stream, after which the server closes
// the connection, and what it must give: the response, or the error
// (whose class the session reports).
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
	{name: "status line too long", in: "HTTP/1.1 200 " + strings.Repeat("x", maxLineBytes) + "\r\n\r\n", wantErr: errLineTooLong},
	{name: "header line too long", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("x", maxLineBytes) + "\r\n\r\n", wantErr: errLineTooLong},
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

// newCaseSession returns a session that accepts tt's response: it expects
// tt's status (200 when tt expects an error) and any body length.
func newCaseSession(t testing.TB, tt parseCase) *session {
	t.Helper()
	status := tt.want.status
	if status == 0 {
		status = DefaultStatus
	}
	return newSession(t, Options{Path: "/", ExpectStatus: status, ExpectLength: AnyLength})
}

// checkOutcome fails the test unless a request that ended with got gave
// what tt wants: a success with tt's response, or a failure with tt's
// error and its class. where says how the response was read.
func checkOutcome(t *testing.T, s *session, got scenarios.Status, tt parseCase, where string) {
	t.Helper()
	if tt.wantErr == nil {
		if got != scenarios.Success || s.ps.resp != tt.want {
			t.Fatalf("%s: status %+v (%v), response %+v; want success, %+v", where, got, s.Err(), s.ps.resp, tt.want)
		}
		return
	}
	class := tt.wantErr.(*scenarios.RequestError).Class
	if got != scenarios.Failure(class) || s.last.err != tt.wantErr {
		t.Fatalf("%s: status %+v, error %v; want class %v, error %v", where, got, s.last.err, class, tt.wantErr)
	}
}

// splitPoints returns where TestParse splits in into two reads: at every
// byte, or for inputs longer than 4 KiB at every 97th byte and at every
// byte near either end.
func splitPoints(in string) []int {
	var points []int
	for i := 0; i <= len(in); i++ {
		if len(in) <= 4<<10 || i%97 == 0 || i < 64 || i > len(in)-64 {
			points = append(points, i)
		}
	}
	return points
}

func TestParse(t *testing.T) {
	for _, tt := range parseCases {
		in := []byte(tt.in)
		s := newCaseSession(t, tt)
		t.Run(tt.name, func(t *testing.T) {
			s.Connected()
			checkOutcome(t, s, scenariotest.Feed(s, [][]byte{in}), tt, "whole")
			s.Connected()
			checkOutcome(t, s, scenariotest.FeedCopies(s, scenariotest.Split(in, 1)), tt, "one byte per read")
			for _, i := range splitPoints(tt.in) {
				s.Connected()
				got := scenariotest.Feed(s, [][]byte{in[:i:i], in[i:]})
				checkOutcome(t, s, got, tt, "split at "+strconv.Itoa(i))
			}
		})
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	for _, tt := range parseCases {
		t.Run(tt.name, func(t *testing.T) {
			s := newCaseSession(t, tt)
			reads := [][]byte{[]byte(tt.in)}
			allocs := testing.AllocsPerRun(20, func() {
				s.Connected()
				scenariotest.Feed(s, reads)
			})
			if allocs != 0 {
				t.Errorf("a request allocates %v times, want 0", allocs)
			}
		})
	}
}

func TestConsecutiveResponses(t *testing.T) {
	responses := []struct {
		in       string
		want     response
		wantKeep bool
	}{
		{in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
			want: response{status: 200, bodyLen: 2}, wantKeep: true},
		{in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
			want: response{status: 200, bodyLen: 3}, wantKeep: true},
		{in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
			want: response{status: 200, bodyLen: 0}, wantKeep: true},
		{in: "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest",
			want: response{status: 200, bodyLen: 4, close: true}, wantKeep: false},
	}
	for _, readSize := range []int{0, 1, 3, 10} {
		t.Run("reads of "+strconv.Itoa(readSize), func(t *testing.T) {
			s := newSession(t, Options{Path: "/", ExpectLength: AnyLength})
			s.Connected()
			for i, r := range responses {
				got := scenariotest.FeedCopies(s, scenariotest.Split([]byte(r.in), readSize))
				if got != scenarios.Success || s.ps.resp != r.want {
					t.Fatalf("response %d: status %+v (%v), response %+v; want success, %+v", i, got, s.Err(), s.ps.resp, r.want)
				}
				if s.KeepOpen() != r.wantKeep {
					t.Errorf("response %d: KeepOpen() = %v, want %v", i, s.KeepOpen(), r.wantKeep)
				}
			}
		})
	}
}

func TestLargeBody(t *testing.T) {
	const size = 3*maxLineBytes + 17
	tests := []struct {
		name string
		in   string
	}{
		{name: "content length", in: lengthResponse(size)},
		{name: "chunks of 64KiB+1", in: chunkedResponse(size, maxLineBytes+1)},
		{name: "chunks of 1000", in: chunkedResponse(size, 1000)},
	}
	for _, tt := range tests {
		for _, readSize := range []int{0, 1, 1000, 64 << 10} {
			t.Run(tt.name+"/reads of "+strconv.Itoa(readSize), func(t *testing.T) {
				s := newSession(t, Options{Size: size})
				got := scenariotest.Feed(s, scenariotest.Split([]byte(tt.in), readSize))
				if got != scenarios.Success || s.ps.resp.bodyLen != size {
					t.Errorf("status %+v (%v), body length %d; want success, %d", got, s.Err(), s.ps.resp.bodyLen, size)
				}
			})
		}
	}
}

// lineOf returns prefix followed by x's up to a line of n bytes with its
// CRLF.
func lineOf(prefix string, n int) string {
	return prefix + strings.Repeat("x", n-len(prefix)-2) + "\r\n"
}

func TestLongLines(t *testing.T) {
	const status = "HTTP/1.1 200 OK\r\n"
	const chunked = status + "Transfer-Encoding: chunked\r\n\r\n"
	ok := response{status: 200}
	tests := []struct {
		name    string
		in      string
		want    response
		wantErr error
	}{
		{name: "status line of 64KiB", in: lineOf("HTTP/1.1 200 ", maxLineBytes) + "Content-Length: 0\r\n\r\n", want: ok},
		{name: "status line of 64KiB+1", in: lineOf("HTTP/1.1 200 ", maxLineBytes+1) + "Content-Length: 0\r\n\r\n",
			wantErr: errLineTooLong},
		{name: "header line of 64KiB", in: status + lineOf("X: ", maxLineBytes) + "Content-Length: 0\r\n\r\n", want: ok},
		{name: "header line of 64KiB+1", in: status + lineOf("X: ", maxLineBytes+1) + "Content-Length: 0\r\n\r\n",
			wantErr: errLineTooLong},
		{name: "header line of 64KiB with a bare LF", in: status + "X: " + strings.Repeat("x", maxLineBytes-4) + "\nContent-Length: 0\r\n\r\n", want: ok},
		{name: "chunk-size line of 64KiB", in: chunked + lineOf("2;", maxLineBytes) + "ok\r\n0\r\n\r\n",
			want: response{status: 200, bodyLen: 2}},
		{name: "chunk-size line of 64KiB+1", in: chunked + lineOf("2;", maxLineBytes+1) + "ok\r\n0\r\n\r\n",
			wantErr: errLineTooLong},
		{name: "trailer line of 64KiB+1", in: chunked + "0\r\n" + lineOf("X: ", maxLineBytes+1) + "\r\n",
			wantErr: errLineTooLong},
		{name: "endless line", in: status + "X: " + strings.Repeat("x", 3*maxLineBytes), wantErr: errLineTooLong},
	}
	for _, tt := range tests {
		s := newSession(t, Options{Path: "/", ExpectLength: AnyLength})
		for _, readSize := range []int{0, 1, 1000, 64 << 10} {
			t.Run(tt.name+"/reads of "+strconv.Itoa(readSize), func(t *testing.T) {
				s.Connected()
				got := scenariotest.Feed(s, scenariotest.Split([]byte(tt.in), readSize))
				checkOutcome(t, s, got, parseCase{want: tt.want, wantErr: tt.wantErr}, "fed")
				if c := cap(s.ps.lines.buf); c > maxLineBytes {
					t.Errorf("line buffer grew to %d bytes, more than %d", c, maxLineBytes)
				}
			})
		}
	}
}

func TestLineBufferGrowsOnDemand(t *testing.T) {
	short := lengthResponse(10)
	long := "HTTP/1.1 200 OK\r\n" + lineOf("X-Long: ", 5000) + "Content-Length: 10\r\n\r\n0123456789"
	tests := []struct {
		name           string
		reads          [][]byte
		minCap, maxCap int
	}{
		{name: "whole response", reads: [][]byte{[]byte(short)}},
		{name: "split in the body", reads: scenariotest.Split([]byte(short), len(short)-5)},
		{name: "split in the status line", reads: scenariotest.Split([]byte(short), 5),
			minCap: minLineBuffer, maxCap: minLineBuffer},
		{name: "split in a long header", reads: scenariotest.Split([]byte(long), 3000),
			minCap: 5000, maxCap: 2 * 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t, Options{Size: 10})
			if got := scenariotest.Feed(s, tt.reads); got != scenarios.Success {
				t.Fatalf("status %+v (%v), want success", got, s.Err())
			}
			if c := cap(s.ps.lines.buf); c < tt.minCap || c > tt.maxCap {
				t.Errorf("line buffer capacity %d, want %d to %d", c, tt.minCap, tt.maxCap)
			}
		})
	}
}

// FuzzConsume feeds arbitrary bytes, as one read, as one byte per read and
// as reads of arbitrary sizes, each copied and overwritten after Consume,
// to a session that expects status 200 and a body of length bytes (any
// when length is 0). It checks that the session never panics, reads past
// p or keeps it, and gives the same outcome whatever the reads: the same
// status and final status code, and after a success the same response.
// (After a failure the body length known so far may differ: a body that
// runs to the end of the connection fails as soon as it is too long.)
func FuzzConsume(f *testing.F) {
	for _, tt := range parseCases {
		if len(tt.in) > 4<<10 {
			continue // the long-line cases: TestLongLines has them, and they slow the fuzzer down
		}
		f.Add([]byte(tt.in), []byte{}, uint16(0))
		f.Add([]byte(tt.in), []byte{3, 0, 17, 1, 255}, uint16(tt.want.bodyLen))
		f.Add([]byte(tt.in), []byte{30, 2}, uint16(tt.want.bodyLen+1))
	}
	f.Fuzz(func(t *testing.T, data, sizes []byte, length uint16) {
		type outcome struct {
			status scenarios.Status
			resp   response
		}
		s := newSession(t, Options{Path: "/", ExpectLength: int(length)})
		run := func(reads [][]byte) outcome {
			s.Connected()
			o := outcome{status: scenariotest.FeedCopies(s, reads), resp: s.ps.resp}
			if o.status != scenarios.Success {
				o.resp = response{status: o.resp.status}
			}
			return o
		}
		whole := run([][]byte{data})
		if got := run(scenariotest.Split(data, 1)); got != whole {
			t.Fatalf("one byte per read gives %+v, whole gives %+v", got, whole)
		}
		if got := run(scenariotest.Pieces(data, sizes)); got != whole {
			t.Fatalf("reads of %v bytes give %+v, whole gives %+v", sizes, got, whole)
		}
		switch {
		case !whole.status.Done:
			t.Fatalf("status %+v after Closed, want done", whole.status)
		case whole.status == scenarios.Success && whole.resp.status != DefaultStatus:
			t.Fatalf("success with status %d", whole.resp.status)
		case whole.status == scenarios.Success && length > 0 && whole.resp.bodyLen != int64(length):
			t.Fatalf("success with a body of %d bytes, want %d", whole.resp.bodyLen, length)
		case whole.status.Class == scenarios.ErrPayload && length == 0:
			t.Fatalf("status %+v without a length to check", whole.status)
		case (s.Err() == nil) != (whole.status == scenarios.Success):
			t.Fatalf("status %+v with Err() = %v", whole.status, s.Err())
		}
	})
}

package conformance

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// maxBodyBytes is the largest N of GET /bytes/N the contract serves.
const maxBodyBytes = 16 << 20

// testHTTP checks the http mode.
func (s *suite) testHTTP(t *testing.T) {
	p := s.start(t, "http", "")
	addr := p.Addr()
	t.Run("bytes", func(t *testing.T) { checkBytes(t, addr) })
	t.Run("health", func(t *testing.T) { checkHealth(t, addr) })
	t.Run("status codes", func(t *testing.T) { checkStatusCodes(t, addr) })
	t.Run("keep-alive 1000 requests", func(t *testing.T) { checkKeepAlive(t, addr) })
	t.Run("pipelined requests", func(t *testing.T) { checkPipelined(t, addr) })
	t.Run("connection close", func(t *testing.T) { checkConnectionClose(t, addr) })
	t.Run("malformed request", func(t *testing.T) { checkMalformed(t, addr) })
	t.Run("1000 concurrent connections", func(t *testing.T) {
		checkConcurrent(t, addr, func(c net.Conn, _ int) error {
			return getBytes(bufio.NewReader(c), c, 64, "")
		})
	})
}

// checkBytes fetches bodies of many sizes and checks status, headers and
// every byte.
func checkBytes(t *testing.T, addr string) {
	tests := []struct {
		name string
		n    int
	}{
		{name: "empty", n: 0},
		{name: "one byte", n: 1},
		{name: "one alphabet", n: 26},
		{name: "10000 bytes", n: 10000},
		{name: "past 64 KiB", n: 65546 + 7},
		{name: "1 MiB", n: 1 << 20},
		{name: "16 MiB, the maximum", n: maxBodyBytes},
	}
	c := dial(t, addr)
	r := bufio.NewReader(c)
	for _, tt := range tests {
		if err := getBytes(r, c, tt.n, ""); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// getBytes sends GET /bytes/n (with extra header lines) on c and checks
// the answer read from r.
func getBytes(r *bufio.Reader, c net.Conn, n int, extra string) error {
	path := "/bytes/" + strconv.Itoa(n)
	resp, body, err := roundTrip(r, c, request(path, extra))
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return checkBytesResponse(resp, body, n)
}

// checkBytesResponse checks one answer of GET /bytes/n.
func checkBytesResponse(resp *http.Response, body []byte, n int) error {
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("status %d, want 200", resp.StatusCode)
	case resp.Header.Get("Content-Type") != "application/octet-stream":
		return fmt.Errorf("Content-Type %q, want application/octet-stream", resp.Header.Get("Content-Type"))
	case resp.Header.Get("Content-Length") != strconv.Itoa(n):
		return fmt.Errorf("Content-Length %q, want %d", resp.Header.Get("Content-Length"), n)
	case len(resp.TransferEncoding) > 0:
		return fmt.Errorf("Transfer-Encoding %v, want none", resp.TransferEncoding)
	case len(body) != n:
		return fmt.Errorf("body of %d bytes, want %d", len(body), n)
	}
	for i, b := range body {
		if want := byte('a' + i%26); b != want {
			return fmt.Errorf("body byte %d is %q, want %q", i, b, want)
		}
	}
	return nil
}

// checkHealth checks GET /health.
func checkHealth(t *testing.T, addr string) {
	c := dial(t, addr)
	resp, body, err := roundTrip(bufio.NewReader(c), c, request("/health", ""))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Fatalf("GET /health: status %d body %q, want 200 \"ok\"", resp.StatusCode, trim(body))
	}
}

// checkStatusCodes checks the 404 and 400 answers; the connection stays
// usable after them.
func checkStatusCodes(t *testing.T, addr string) {
	tests := []struct {
		name string
		path string
		want int
	}{
		{name: "unknown path", path: "/nope", want: http.StatusNotFound},
		{name: "unknown path below root", path: "/bytes-and-more/3", want: http.StatusNotFound},
		{name: "size not a number", path: "/bytes/abc", want: http.StatusBadRequest},
		{name: "negative size", path: "/bytes/-1", want: http.StatusBadRequest},
		{name: "fractional size", path: "/bytes/1.5", want: http.StatusBadRequest},
		{name: "size over 16 MiB", path: "/bytes/16777217", want: http.StatusBadRequest},
		{name: "size far over 16 MiB", path: "/bytes/99999999999999999999", want: http.StatusBadRequest},
	}
	for _, tt := range tests {
		c := dial(t, addr)
		resp, _, err := roundTrip(bufio.NewReader(c), c, request(tt.path, ""))
		if err != nil {
			t.Errorf("%s: GET %s: %v", tt.name, tt.path, err)
			continue
		}
		if resp.StatusCode != tt.want {
			t.Errorf("%s: GET %s: status %d, want %d", tt.name, tt.path, resp.StatusCode, tt.want)
		}
	}
}

// checkKeepAlive sends 1,000 requests one after another on one
// connection.
func checkKeepAlive(t *testing.T, addr string) {
	c := dial(t, addr)
	r := bufio.NewReader(c)
	for i := range 1000 {
		if err := getBytes(r, c, i%300, ""); err != nil {
			t.Fatalf("request %d on one connection: %v", i+1, err)
		}
	}
}

// checkPipelined writes three requests at once and expects the answers
// in order.
func checkPipelined(t *testing.T, addr string) {
	sizes := []int{5, 10000, 7}
	var reqs strings.Builder
	for _, n := range sizes {
		reqs.WriteString(request("/bytes/"+strconv.Itoa(n), ""))
	}
	c := dial(t, addr)
	setDeadline(t, c)
	if _, err := io.WriteString(c, reqs.String()); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	for i, n := range sizes {
		resp, body, err := readResponse(r)
		if err != nil {
			t.Fatalf("answer %d: %v", i+1, err)
		}
		if err := checkBytesResponse(resp, body, n); err != nil {
			t.Fatalf("answer %d (GET /bytes/%d): %v", i+1, n, err)
		}
	}
}

// checkConnectionClose checks that "Connection: close" (and HTTP/1.0
// without keep-alive) gets its answer, then the server closes.
func checkConnectionClose(t *testing.T, addr string) {
	tests := []struct {
		name string
		req  string
	}{
		{name: "HTTP/1.1 Connection: close", req: request("/bytes/100", "Connection: close\r\n")},
		{name: "HTTP/1.0", req: "GET /bytes/100 HTTP/1.0\r\nHost: test\r\n\r\n"},
	}
	for _, tt := range tests {
		c := dial(t, addr)
		r := bufio.NewReader(c)
		resp, body, err := roundTrip(r, c, tt.req)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if err := checkBytesResponse(resp, body, 100); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if err := expectEOF(c, r); err != nil {
			t.Errorf("%s: after the answer: %v", tt.name, err)
		}
	}
}

// checkMalformed sends bad requests: each gets 400 and a closed
// connection, and the server then still answers a good request on a new
// connection.
func checkMalformed(t *testing.T, addr string) {
	tests := []struct {
		name string
		req  string
	}{
		{name: "garbage request line", req: "GARBAGE\r\n\r\n"},
		{name: "header without colon", req: "GET /health HTTP/1.1\r\nHost: test\r\nNoColonHere\r\n\r\n"},
		{name: "bad content length", req: "GET /health HTTP/1.1\r\nHost: test\r\nContent-Length: x\r\n\r\n"},
	}
	for _, tt := range tests {
		c := dial(t, addr)
		r := bufio.NewReader(c)
		resp, _, err := roundTrip(r, c, tt.req)
		if err != nil {
			t.Errorf("%s: want a 400 answer, got %v", tt.name, err)
		} else if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tt.name, resp.StatusCode)
		} else if err := expectEOF(c, r); err != nil {
			t.Errorf("%s: after the 400: %v", tt.name, err)
		}
		c2 := dial(t, addr)
		if err := getBytes(bufio.NewReader(c2), c2, 10, ""); err != nil {
			t.Fatalf("after %s, a good request on a new connection: %v", tt.name, err)
		}
	}
}

// request returns a GET request for path with extra header lines.
func request(path, extra string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n"
}

// roundTrip writes req to c and reads one response from r.
func roundTrip(r *bufio.Reader, c net.Conn, req string) (*http.Response, []byte, error) {
	if err := c.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		return nil, nil, err
	}
	if _, err := io.WriteString(c, req); err != nil {
		return nil, nil, err
	}
	return readResponse(r)
}

// readResponse reads one response and its whole body.
func readResponse(r *bufio.Reader) (*http.Response, []byte, error) {
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, nil, fmt.Errorf("read body: %w", err)
	}
	return resp, body, nil
}

// expectEOF checks that the server closes c: the next read from r ends
// with EOF (or a reset) within closeBound and brings no data. A generous
// margin on top of closeBound keeps it reliable on a loaded machine.
func expectEOF(c net.Conn, r *bufio.Reader) error {
	if r == nil {
		r = bufio.NewReader(c)
	}
	if err := c.SetReadDeadline(time.Now().Add(5 * closeBound)); err != nil {
		return err
	}
	b, err := r.ReadByte()
	switch {
	case err == nil:
		return fmt.Errorf("got byte %q, want the connection closed", b)
	case !isClosed(err):
		return fmt.Errorf("want the connection closed, got %v", err)
	}
	return nil
}

// isClosed reports whether err means the peer closed the connection.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// setDeadline bounds every read and write on c.
func setDeadline(t *testing.T, c net.Conn) {
	t.Helper()
	if err := c.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
}

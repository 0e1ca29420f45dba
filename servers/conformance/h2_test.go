package conformance

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// alpn is a way to speak HTTP over TLS: the ALPN protocol the client
// offers and the HTTP version it then expects.
type alpn struct {
	proto string
	major int // HTTP major version
	set   func(*http.Protocols, bool)
}

// The two ALPN protocols of HTTP over TLS.
var (
	alpnHTTP1 = alpn{proto: "http/1.1", major: 1, set: (*http.Protocols).SetHTTP1}
	alpnH2    = alpn{proto: "h2", major: 2, set: (*http.Protocols).SetHTTP2}
)

// testHTTPS checks the http mode over TLS with the client offering only
// a.proto: the routes, byte for byte, all on one connection.
func (s *suite) testHTTPS(t *testing.T, a alpn) {
	certs := newTestCerts(t)
	addr := s.startWith(t, "http", certs.args()...).Addr()
	var p http.Protocols
	a.set(&p, true)
	checkRoutes(t, newHTTPConn(t, "https", addr, &p, certs.clientConfig(a.proto), false), a)
}

// testHTTPSNoALPN checks that a TLS client that offers no ALPN gets
// HTTP/1.1.
func (s *suite) testHTTPSNoALPN(t *testing.T) {
	certs := newTestCerts(t)
	addr := s.startWith(t, "http", certs.args()...).Addr()
	c := dialTLS(t, addr, certs.clientConfig())
	r := bufio.NewReader(c)
	for _, n := range []int{0, 10000, 1 << 20} {
		if err := getBytes(r, c, n, ""); err != nil {
			t.Fatal(err)
		}
	}
	if p := c.ConnectionState().NegotiatedProtocol; p != "" {
		t.Errorf("the server selected ALPN %q for a client that offered none", p)
	}
}

// testH2C checks HTTP/2 with prior knowledge on the plain port: the
// routes, 100 concurrent streams on one connection, a 1 MiB body to a
// client that keeps the initial flow-control windows, and a connection
// that sends garbage after the preface.
func (s *suite) testH2C(t *testing.T) {
	addr := s.start(t, "http", "").Addr()
	h2c := new(http.Protocols)
	h2c.SetUnencryptedHTTP2(true)
	t.Run("routes", func(t *testing.T) {
		checkRoutes(t, newHTTPConn(t, "http", addr, h2c, nil, false), alpn{major: 2})
	})
	t.Run("100 concurrent streams on one connection", func(t *testing.T) {
		checkConcurrentStreams(t, newHTTPConn(t, "http", addr, h2c, nil, false))
	})
	t.Run("1 MiB with the initial 65535-byte windows", func(t *testing.T) {
		if err := newHTTPConn(t, "http", addr, h2c, nil, true).getBytes(1<<20, 2); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("HTTP/1.1 on the same port", func(t *testing.T) {
		c := dial(t, addr)
		if err := getBytes(bufio.NewReader(c), c, 100, ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("garbage after the preface closes only its connection", func(t *testing.T) {
		c := dial(t, addr)
		setDeadline(t, c)
		if _, err := io.WriteString(c, h2Preface+"this is not an HTTP/2 frame\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, c); err != nil && !isClosed(err) {
			t.Errorf("after a garbage frame: %v; want the connection closed", err)
		}
		if err := newHTTPConn(t, "http", addr, h2c, nil, false).getBytes(10, 2); err != nil {
			t.Errorf("a good client after the garbage: %v", err)
		}
	})
}

// h2Preface is the first 24 bytes of an HTTP/2 connection.
const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// checkRoutes fetches the routes of the contract on c, in protocol a,
// checking status, headers and every byte. Every request goes on c's one
// connection, so the connection must live on after the 404 and 400s.
func checkRoutes(t *testing.T, c *httpConn, a alpn) {
	sizes := []struct {
		name string
		n    int
	}{
		{name: "empty", n: 0},
		{name: "one byte", n: 1},
		{name: "10000 bytes", n: 10000},
		{name: "past 64 KiB", n: 65546 + 7},
		{name: "1 MiB", n: 1 << 20},
		{name: "16 MiB, the maximum", n: maxBodyBytes},
	}
	for _, tt := range sizes {
		if err := c.getBytes(tt.n, a.major); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	statuses := []struct {
		name string
		path string
		want int
	}{
		{name: "unknown path", path: "/nope", want: http.StatusNotFound},
		{name: "size not a number", path: "/bytes/abc", want: http.StatusBadRequest},
		{name: "size over 16 MiB", path: "/bytes/16777217", want: http.StatusBadRequest},
		{name: "bad delay", path: "/delay/61s/bytes/1", want: http.StatusBadRequest},
	}
	for _, tt := range statuses {
		resp, _, err := c.get(tt.path, a.major)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
		} else if resp.StatusCode != tt.want {
			t.Errorf("%s: GET %s: status %d, want %d", tt.name, tt.path, resp.StatusCode, tt.want)
		}
	}
	resp, body, err := c.get("/health", a.major)
	if err != nil || resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Errorf("GET /health: %v, body %q; want 200 \"ok\"", err, trim(body))
	}
	if err := c.getBytes(7, a.major); err != nil {
		t.Errorf("after the 404 and 400s: %v", err)
	}
	if resp != nil && resp.TLS != nil && resp.TLS.NegotiatedProtocol != a.proto {
		t.Errorf("ALPN selected %q, want %q", resp.TLS.NegotiatedProtocol, a.proto)
	}
}

// checkConcurrentStreams reserves 100 streams on c's HTTP/2 connection,
// which only works when the server's SETTINGS_MAX_CONCURRENT_STREAMS is
// at least 100, then sends 100 requests at once, each to a 300 ms
// dependency so that all are open together.
func checkConcurrentStreams(t *testing.T, c *httpConn) {
	if err := c.getBytes(1, 2); err != nil {
		t.Fatal(err) // Now the server's SETTINGS have come.
	}
	const streams = 100
	for i := range streams {
		if err := c.cc.Reserve(); err != nil {
			t.Fatalf("stream %d of %d: %v; SETTINGS_MAX_CONCURRENT_STREAMS must be at least %d", i+1, streams, err, streams)
		}
	}
	errs := make([]error, streams)
	var wg sync.WaitGroup
	for i := range streams {
		wg.Go(func() {
			resp, body, err := c.get(fmt.Sprintf("/delay/300ms/bytes/%d", 10*i), 2)
			if err == nil {
				err = checkBytesResponse(resp, body, 10*i)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("stream %d: %v", i, err)
		}
	}
}

// httpConn is one client connection to a server: every request goes on
// it, in the protocol its transport negotiated.
type httpConn struct {
	cc   *http.ClientConn
	base string // scheme://addr
}

// newHTTPConn connects to addr in one of the protocols p: over TLS with
// conf (scheme https; ALPN as conf says, or from p), or plain (scheme
// http). With initialWindows the client keeps HTTP/2's initial
// 65,535-byte flow-control windows, so the server has to wait for its
// WINDOW_UPDATEs.
func newHTTPConn(t *testing.T, scheme, addr string, p *http.Protocols, conf *tls.Config, initialWindows bool) *httpConn {
	t.Helper()
	tr := &http.Transport{Protocols: p, TLSClientConfig: conf, DisableCompression: true}
	if initialWindows {
		tr.HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerConnection: 65535, MaxReceiveBufferPerStream: 65535}
	}
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	cc, err := tr.NewClientConn(ctx, scheme, addr)
	if err != nil {
		t.Fatalf("connect to %s://%s: %v", scheme, addr, err)
	}
	t.Cleanup(func() { cc.Close() })
	return &httpConn{cc: cc, base: scheme + "://" + addr}
}

// get fetches path and reads the whole body; the answer must come in
// HTTP major version major.
func (c *httpConn) get(path string, major int) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	resp, err := c.cc.RoundTrip(req)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, nil, fmt.Errorf("GET %s: body after %v: %w", path, time.Since(start).Round(time.Millisecond), err)
	}
	if resp.ProtoMajor != major {
		return resp, body, fmt.Errorf("GET %s: answered in %s, want HTTP/%d", path, resp.Proto, major)
	}
	return resp, body, nil
}

// getBytes fetches /bytes/n and checks status, headers and body.
func (c *httpConn) getBytes(n, major int) error {
	resp, body, err := c.get("/bytes/"+strconv.Itoa(n), major)
	if err != nil {
		return err
	}
	if err := checkBytesResponse(resp, body, n); err != nil {
		return fmt.Errorf("GET /bytes/%d: %w", n, err)
	}
	return nil
}

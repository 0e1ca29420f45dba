package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// clientConn is one client connection to a server: every request goes
// on it, in the protocol its transport negotiated.
type clientConn struct {
	*http.ClientConn
	base string // scheme://addr
}

// newClientConn connects to addr in one of the protocols p: over TLS with
// conf (scheme https), or plain (scheme http) when conf is nil. With
// initialWindows the client keeps HTTP/2's initial 65,535-byte
// flow-control windows.
func newClientConn(t *testing.T, addr string, p *http.Protocols, conf *tls.Config, initialWindows bool) *clientConn {
	t.Helper()
	scheme := "http"
	if conf != nil {
		scheme = "https"
	}
	tr := &http.Transport{Protocols: p, TLSClientConfig: conf}
	if initialWindows {
		tr.HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerConnection: 65535, MaxReceiveBufferPerStream: 65535}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cc, err := tr.NewClientConn(ctx, scheme, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return &clientConn{ClientConn: cc, base: scheme + "://" + addr}
}

// routeCase is one request and the answer every HTTP transport must give.
type routeCase struct {
	name       string
	path       string
	wantStatus int
	wantType   string // "" means not checked
	wantBody   []byte // nil means not checked; else also the Content-Length
}

// bytesCase is the routeCase of a 200 from /bytes/n.
func bytesCase(name string, n int) routeCase {
	return routeCase{name: name, path: fmt.Sprintf("/bytes/%d", n), wantStatus: 200,
		wantType: "application/octet-stream", wantBody: wantPattern(n)}
}

// routeCases are the requests every HTTP transport must answer the same.
var routeCases = []routeCase{
	bytesCase("empty", 0),
	bytesCase("10000 bytes", 10000),
	bytesCase("past the pattern chunk", patternSize+7),
	bytesCase("1 MiB", 1<<20),
	bytesCase("16 MiB", 16<<20),
	{name: "delay", path: "/delay/1ms/bytes/26", wantStatus: 200, wantType: "application/octet-stream", wantBody: wantPattern(26)},
	{name: "over 16 MiB", path: "/bytes/16777217", wantStatus: 400},
	{name: "unknown path", path: "/nope", wantStatus: 404},
	{name: "health", path: "/health", wantStatus: 200, wantBody: []byte("ok")},
}

// getChecked fetches rc.path on c and checks the answer against rc and
// the protocol against wantMajor.
func getChecked(c *clientConn, rc routeCase, wantMajor int) error {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+rc.path, nil)
	if err != nil {
		return err
	}
	resp, err := c.RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return fmt.Errorf("GET %s: body: %w", rc.path, err)
	case resp.StatusCode != rc.wantStatus || resp.ProtoMajor != wantMajor:
		return fmt.Errorf("GET %s: %s %s, want status %d over HTTP/%d", rc.path, resp.Proto, resp.Status, rc.wantStatus, wantMajor)
	case rc.wantType != "" && resp.Header.Get("Content-Type") != rc.wantType:
		return fmt.Errorf("GET %s: Content-Type %q, want %q", rc.path, resp.Header.Get("Content-Type"), rc.wantType)
	case rc.wantBody == nil:
		return nil
	case resp.ContentLength != int64(len(rc.wantBody)):
		return fmt.Errorf("GET %s: Content-Length %d, want %d", rc.path, resp.ContentLength, len(rc.wantBody))
	case !bytes.Equal(body, rc.wantBody):
		return fmt.Errorf("GET %s: the %d body bytes differ from the %d expected", rc.path, len(body), len(rc.wantBody))
	}
	return nil
}

// checkRoutes runs routeCases on c, one after another on its one
// connection.
func checkRoutes(t *testing.T, c *clientConn, wantMajor int) {
	for _, tt := range routeCases {
		t.Run(tt.name, func(t *testing.T) {
			if err := getChecked(c, tt, wantMajor); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestHTTPSRoutes(t *testing.T) {
	certs := newTestCerts(t)
	s := startServer(t, serveHTTPS(certs.serverConfig(t)))
	tests := []struct {
		name      string
		protocols *http.Protocols
		wantMajor int
	}{
		{name: "http/1.1", protocols: protocols((*http.Protocols).SetHTTP1), wantMajor: 1},
		{name: "h2", protocols: protocols((*http.Protocols).SetHTTP2), wantMajor: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRoutes(t, newClientConn(t, s.addr, tt.protocols, certs.clientConfig(), false), tt.wantMajor)
		})
	}
	t.Run("no ALPN gets HTTP/1.1", func(t *testing.T) {
		c := dialTLS(t, s.addr, certs.clientConfig())
		if _, err := io.WriteString(c, "GET /health HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Proto != "HTTP/1.1" || resp.StatusCode != 200 {
			t.Errorf("answer %s %s, want HTTP/1.1 200", resp.Proto, resp.Status)
		}
	})
}

func TestH2CRoutes(t *testing.T) {
	s := startServer(t, serveHTTP)
	checkRoutes(t, newClientConn(t, s.addr, protocols((*http.Protocols).SetUnencryptedHTTP2), nil, true), 2)
}

func TestH2CConcurrentStreams(t *testing.T) {
	s := startServer(t, serveHTTP)
	c := newClientConn(t, s.addr, protocols((*http.Protocols).SetUnencryptedHTTP2), nil, false)
	if err := getChecked(c, bytesCase("1 byte", 1), 2); err != nil {
		t.Fatal(err) // Now the server's SETTINGS have come.
	}
	const streams = 100
	for i := range streams {
		if err := c.Reserve(); err != nil {
			t.Fatalf("stream %d of %d: %v", i+1, streams, err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, streams)
	for i := range errs {
		rc := bytesCase("delayed", i)
		rc.path = fmt.Sprintf("/delay/200ms/bytes/%d", i)
		wg.Go(func() { errs[i] = getChecked(c, rc, 2) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("stream %d: %v", i, err)
		}
	}
}

func TestSniffPreface(t *testing.T) {
	tests := []struct {
		name    string
		chunks  []string // What the client sends, a pause between chunks, before it half-closes.
		wantH2  bool
		wantErr bool
	}{
		{name: "HTTP/1.1 request", chunks: []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n"}},
		{name: "short garbage", chunks: []string{"GARBAGE\r\n\r\n"}},
		{name: "preface", chunks: []string{h2cPreface + "\x00\x00"}, wantH2: true},
		{name: "preface in three pieces", chunks: []string{"PRI * HT", "TP/2.0\r\n\r\nSM\r", "\n\r\n\x00"}, wantH2: true},
		{name: "PRI request that is not the preface", chunks: []string{"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"}},
		{name: "part of the preface, then HTTP/1", chunks: []string{"PRI * HT", "TP/1.1\r\n\r\n"}},
		{name: "part of the preface, then close", chunks: []string{"PRI * HTTP"}, wantErr: true},
		{name: "nothing", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			c := dial(t, ln.Addr().String())
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				for _, chunk := range tt.chunks {
					io.WriteString(c, chunk)
					time.Sleep(20 * time.Millisecond)
				}
				c.CloseWrite()
			}()
			defer func() { <-sent }()
			sc, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			head, isH2, err := sniffPreface(sc)
			if (err != nil) != tt.wantErr {
				t.Fatalf("sniffPreface error = %v, want an error: %v", err, tt.wantErr)
			}
			// The head is what the reads brought: a start of the input
			// that holds the whole preface for HTTP/2.
			input := strings.Join(tt.chunks, "")
			if err == nil && (isH2 != tt.wantH2 || len(head) == 0 ||
				!strings.HasPrefix(input, string(head)) || (isH2 && !strings.HasPrefix(string(head), h2cPreface))) {
				t.Errorf("sniffPreface = %q, %v; want HTTP/2: %v", head, isH2, tt.wantH2)
			}
		})
	}
}

func TestHTTPShortRequestAnsweredAtOnce(t *testing.T) {
	s := startServer(t, serveHTTP)
	h := dialHTTP(t, s.addr)
	start := time.Now()
	if resp, _ := h.send("GARBAGE\r\n\r\n"); resp.StatusCode != 400 {
		t.Errorf("status = %d, want 400", resp.StatusCode)
	}
	if took := time.Since(start); took >= readHeaderTimeout/2 {
		t.Errorf("a request shorter than the HTTP/2 preface was answered after %v: the server waited for more", took)
	}
}

func TestH2CGarbageAfterPreface(t *testing.T) {
	s := startServer(t, serveHTTP)
	c := dial(t, s.addr)
	if _, err := io.WriteString(c, h2cPreface+"this is not a frame at all\r\n"); err != nil {
		t.Fatal(err)
	}
	io.ReadAll(c) // The server answers with its SETTINGS, maybe a GOAWAY, and closes.
	h2 := newClientConn(t, s.addr, protocols((*http.Protocols).SetUnencryptedHTTP2), nil, false)
	if err := getChecked(h2, bytesCase("5 bytes", 5), 2); err != nil {
		t.Errorf("after a garbage frame: %v", err)
	}
}

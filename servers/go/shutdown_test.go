package main

import (
	"bufio"
	"bytes"
	"net"
	"testing"
)

// echoOnce sends one byte on c and expects it back.
func echoOnce(t *testing.T, c *net.TCPConn) {
	t.Helper()
	if got := roundTrip(t, c, []byte("x")); !bytes.Equal(got, []byte("x")) {
		t.Fatalf("echoed %q, want x", got)
	}
}

// healthOnce sends GET /health on c and expects 200 ok, leaving the
// connection idle in keep-alive.
func healthOnce(t *testing.T, c *net.TCPConn) {
	t.Helper()
	h := &httpConn{t: t, c: c, br: bufio.NewReader(c)}
	if resp, body := h.get("/health"); resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("GET /health = %d %q, want 200 ok", resp.StatusCode, body)
	}
}

func TestShutdownClosesConnections(t *testing.T) {
	tests := []struct {
		name     string
		serve    func(t *testing.T) serveFunc
		exchange func(t *testing.T, c *net.TCPConn)
	}{
		{name: "echo", serve: func(*testing.T) serveFunc { return serveEcho }, exchange: echoOnce},
		{name: "http", serve: func(*testing.T) serveFunc { return serveHTTP }, exchange: healthOnce},
		{name: "proxy", serve: func(t *testing.T) serveFunc {
			return proxyTo(startServer(t, serveEcho).addr)
		}, exchange: echoOnce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, tt.serve(t))
			used := dial(t, s.addr)
			tt.exchange(t, used)
			fresh := dial(t, s.addr)
			s.stop(t)
			expectClosed(t, used)
			expectClosed(t, fresh)
			if c, err := net.Dial("tcp", s.addr); err == nil {
				c.Close()
				t.Error("server still accepts connections after shutdown")
			}
		})
	}
}

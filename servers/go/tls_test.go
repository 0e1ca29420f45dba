package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

func TestLoadTLS(t *testing.T) {
	c := newTestCerts(t)
	missing := c.certFile + ".missing"
	tests := []struct {
		name     string
		cert     string
		key      string
		wantFile string // "" means success; else the error must name this file.
	}{
		{name: "matching pair", cert: c.certFile, key: c.keyFile},
		{name: "certificate missing", cert: missing, key: c.keyFile, wantFile: missing},
		{name: "key missing", cert: c.certFile, key: missing, wantFile: missing},
		{name: "key in the certificate's place", cert: c.keyFile, key: c.keyFile, wantFile: c.keyFile},
		{name: "certificate in the key's place", cert: c.certFile, key: c.certFile, wantFile: c.certFile},
		{name: "key of another certificate", cert: c.certFile, key: c.otherKey, wantFile: c.otherKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf, err := loadTLS(tt.cert, tt.key)
			if tt.wantFile == "" {
				if err != nil || len(conf.Certificates) != 1 || conf.MinVersion != tls.VersionTLS12 {
					t.Fatalf("loadTLS = %+v, %v; want one certificate and TLS 1.2 at least", conf, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantFile) {
				t.Fatalf("loadTLS error = %v, want one naming %s", err, tt.wantFile)
			}
		})
	}
}

// dialTLS connects to addr with conf, completes the handshake and closes
// the connection when the test ends.
func dialTLS(t *testing.T, addr string, conf *tls.Config) *tls.Conn {
	t.Helper()
	raw := dial(t, addr)
	c := tls.Client(raw, conf)
	if err := c.Handshake(); err != nil {
		t.Fatalf("TLS handshake with %s: %v", addr, err)
	}
	return c
}

func TestEchoTLS(t *testing.T) {
	certs := newTestCerts(t)
	s := startServer(t, serveEchoTLS(certs.serverConfig(t)))
	tests := []struct {
		name       string
		conf       *tls.Config
		wantVer    uint16
		payloadLen int
	}{
		{name: "no ALPN", conf: certs.clientConfig(), wantVer: tls.VersionTLS13, payloadLen: 64},
		{name: "ALPN offered, none selected", conf: certs.clientConfig("h2", "latbench-test"), wantVer: tls.VersionTLS13, payloadLen: 64},
		{name: "TLS 1.2", conf: &tls.Config{RootCAs: certs.pool, ServerName: "localhost", MaxVersion: tls.VersionTLS12}, wantVer: tls.VersionTLS12, payloadLen: 16 << 10},
		{name: "1 MiB", conf: certs.clientConfig(), wantVer: tls.VersionTLS13, payloadLen: 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialTLS(t, s.addr, tt.conf)
			st := c.ConnectionState()
			if st.Version != tt.wantVer || st.NegotiatedProtocol != "" {
				t.Errorf("version %x, ALPN %q; want %x and none", st.Version, st.NegotiatedProtocol, tt.wantVer)
			}
			payload := randomBytes(tt.payloadLen)
			for range 2 {
				if got := roundTrip(t, c, payload); !bytes.Equal(got, payload) {
					t.Fatalf("echoed %d bytes differ from the %d sent", len(got), len(payload))
				}
			}
			if err := c.CloseWrite(); err != nil { // close_notify
				t.Fatal(err)
			}
			if rest, err := io.ReadAll(c); len(rest) > 0 || err != nil {
				t.Errorf("after close_notify read %d bytes, %v; want EOF", len(rest), err)
			}
		})
	}
}

func TestEchoTLSFailedHandshake(t *testing.T) {
	certs := newTestCerts(t)
	s := startServer(t, serveEchoTLS(certs.serverConfig(t)))
	plain := dial(t, s.addr)
	if _, err := io.WriteString(plain, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(plain); err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Errorf("plain text to the TLS port: %v; want the connection closed", err)
	}
	c := dialTLS(t, s.addr, certs.clientConfig())
	if got := roundTrip(t, c, []byte("after")); string(got) != "after" {
		t.Errorf("echo after a failed handshake = %q", got)
	}
}

// isReset reports whether err is a connection reset by the peer.
func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "reset")
}

func TestShutdownClosesTLSConnections(t *testing.T) {
	certs := newTestCerts(t)
	tests := []struct {
		name  string
		serve serveFunc
		alpn  []string
	}{
		{name: "echo", serve: serveEchoTLS(certs.serverConfig(t))},
		{name: "https h2", serve: serveHTTPS(certs.serverConfig(t)), alpn: []string{"h2"}},
		{name: "https http/1.1", serve: serveHTTPS(certs.serverConfig(t)), alpn: []string{"http/1.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, tt.serve)
			c := dialTLS(t, s.addr, certs.clientConfig(tt.alpn...))
			s.stop(t)
			if _, err := io.ReadAll(c); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !isReset(err) {
				t.Errorf("client after shutdown: %v; want the connection closed", err)
			}
		})
	}
}

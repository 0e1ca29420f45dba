package conformance

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// tlsConns is how many TLS connections the concurrency test holds open
// at once: fewer than the plain tests, as each costs a handshake.
const tlsConns = 100

// testTLSEcho checks echo over TLS: the handshake with and without ALPN
// and in both TLS versions, round trips, close_notify, a failed
// handshake and concurrent connections.
func (s *suite) testTLSEcho(t *testing.T) {
	certs := newTestCerts(t)
	addr := s.startWith(t, "echo", certs.args()...).Addr()
	t.Run("handshake", func(t *testing.T) { checkTLSHandshakes(t, addr, certs) })
	t.Run("round trips", func(t *testing.T) { checkEchoSizesOn(t, dialTLS(t, addr, certs.clientConfig())) })
	t.Run("closes after close_notify", func(t *testing.T) { checkTLSEchoClose(t, addr, certs) })
	t.Run("a failed handshake closes only its connection", func(t *testing.T) {
		checkFailedHandshake(t, addr, certs)
	})
	t.Run("100 concurrent connections", func(t *testing.T) {
		checkConcurrentDial(t, tlsConns, func() (net.Conn, error) {
			return tlsHandshake(addr, certs.clientConfig())
		}, func(c net.Conn, i int) error { return echoOnce(c, message(64, i)) })
	})
}

// checkTLSHandshakes checks that a client offering no ALPN, or some, is
// served (and gets no protocol selected), in TLS 1.2 and in 1.3.
func checkTLSHandshakes(t *testing.T, addr string, certs *testCerts) {
	tests := []struct {
		name        string
		protos      []string
		minVersion  uint16
		maxVersion  uint16
		wantVersion uint16
	}{
		{name: "no ALPN", wantVersion: tls.VersionTLS13},
		{name: "ALPN h2 and http/1.1 offered", protos: []string{"h2", "http/1.1"}, wantVersion: tls.VersionTLS13},
		{name: "ALPN of an unknown protocol offered", protos: []string{"latbench-test"}, wantVersion: tls.VersionTLS13},
		{name: "TLS 1.2", maxVersion: tls.VersionTLS12, wantVersion: tls.VersionTLS12},
		{name: "TLS 1.3", minVersion: tls.VersionTLS13, wantVersion: tls.VersionTLS13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := certs.clientConfig(tt.protos...)
			conf.MinVersion, conf.MaxVersion = tt.minVersion, tt.maxVersion
			c := dialTLS(t, addr, conf)
			st := c.ConnectionState()
			if st.Version != tt.wantVersion {
				t.Errorf("TLS version %s, want %s", tls.VersionName(st.Version), tls.VersionName(tt.wantVersion))
			}
			if st.NegotiatedProtocol != "" {
				t.Errorf("the server selected ALPN %q, want none", st.NegotiatedProtocol)
			}
			if err := echoOnce(c, message(64, 0)); err != nil {
				t.Error(err)
			}
		})
	}
}

// checkTLSEchoClose sends a message, then close_notify, and expects the
// echo and then the end of the stream.
func checkTLSEchoClose(t *testing.T, addr string, certs *testCerts) {
	c := dialTLS(t, addr, certs.clientConfig())
	msg := message(64, 0)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil && !closedTLS(err) {
		t.Fatalf("read until the server closes: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("after close_notify got %d bytes %q, want the %d bytes sent", len(got), trim(got), len(msg))
	}
}

// checkFailedHandshake sends plain text to the TLS port, expects the
// server to close that connection (after an alert, maybe), and then to
// serve a good client.
func checkFailedHandshake(t *testing.T, addr string, certs *testCerts) {
	c := dial(t, addr)
	setDeadline(t, c)
	if _, err := io.WriteString(c, "GET /health HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, c); err != nil && !isClosed(err) {
		t.Errorf("plain text to the TLS port: %v; want the connection closed", err)
	}
	if err := echoOnce(dialTLS(t, addr, certs.clientConfig()), message(10, 1)); err != nil {
		t.Errorf("a good client after the failed handshake: %v", err)
	}
}

// closedTLS reports whether err from reading a TLS connection means the
// peer closed it: with close_notify (a nil error or io.EOF), or without
// (io.ErrUnexpectedEOF, a reset).
func closedTLS(err error) bool {
	return err == nil || errors.Is(err, io.ErrUnexpectedEOF) || isClosed(err)
}

// tlsHandshake connects to addr and completes a TLS handshake with conf,
// within ioTimeout.
func tlsHandshake(addr string, conf *tls.Config) (*tls.Conn, error) {
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: ioTimeout}, Config: conf}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return c.(*tls.Conn), nil
}

// dialTLS is tlsHandshake that fails the test on an error and closes the
// connection when the test ends.
func dialTLS(t *testing.T, addr string, conf *tls.Config) *tls.Conn {
	t.Helper()
	c, err := tlsHandshake(addr, conf)
	if err != nil {
		t.Fatalf("TLS handshake with %s: %v", addr, err)
	}
	if err := c.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

package engine

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
	"golang.org/x/sys/unix"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

// newTestCA makes a CA.
func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "latbench test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue makes a server certificate for ips, valid until notAfter.
func (ca *testCA) issue(t testing.TB, ips []net.IP, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "server"},
		NotBefore: notAfter.Add(-2 * time.Hour), NotAfter: notAfter, IPAddresses: ips,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsEchoServer starts an echo server that speaks TLS with cert and
// offers alpn.
func tlsEchoServer(t testing.TB, cert tls.Certificate, alpn ...string) *scenariotest.Server {
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: alpn}
	return scenariotest.Start(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		buf := make([]byte, 4096)
		for {
			n, err := tc.Read(buf)
			if err != nil {
				return
			}
			if _, err := tc.Write(buf[:n]); err != nil {
				return
			}
		}
	})
}

// alpnPing is the ping scenario asking ALPN for a protocol.
type alpnPing struct {
	pingScenario
	proto string
}

func (a alpnPing) ALPN() string { return a.proto }

// Requests over TLS succeed, each connection's handshake is timed, and
// every failure to set TLS up is a tls error that names its cause.
func TestRunOverTLS(t *testing.T) {
	ca := newTestCA(t)
	localhost := []net.IP{net.IPv4(127, 0, 0, 1)}
	tests := []struct {
		name       string
		cert       tls.Certificate
		pool       *x509.CertPool
		serverName string
		wantErr    string // "" for success
	}{
		{name: "trusted certificate", cert: ca.issue(t, localhost, time.Now().Add(time.Hour)), pool: ca.pool},
		{name: "unknown authority", cert: ca.issue(t, localhost, time.Now().Add(time.Hour)), pool: x509.NewCertPool(),
			wantErr: "certificate signed by unknown authority"},
		{name: "expired certificate", cert: ca.issue(t, localhost, time.Now().Add(-time.Minute)), pool: ca.pool,
			wantErr: "expired"},
		{name: "hostname mismatch", cert: ca.issue(t, localhost, time.Now().Add(time.Hour)), pool: ca.pool,
			serverName: "example.com", wantErr: "wanted to match example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tlsEchoServer(t, tt.cert)
			res, err := Run(context.Background(), Options{Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Connections: 2,
				MaxRequests: 50, TLS: &tls.Config{RootCAs: tt.pool, ServerName: tt.serverName}})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErr == "" {
				if res.Requests() != 50 || res.Handshake.TotalCount() != 2 || res.Connect.TotalCount() != 2 {
					t.Fatalf("%d requests, %d handshakes, %d connects; want 50, 2, 2 (errors %v)", res.Requests(),
						res.Handshake.TotalCount(), res.Connect.TotalCount(), res.ErrorSamples)
				}
				return
			}
			if res.Errors.Of("tls") == 0 || !strings.Contains(res.ErrorSamples["tls"], tt.wantErr) {
				t.Errorf("tls errors %d, sample %q; want some, naming %q", res.Errors.Of("tls"), res.ErrorSamples["tls"], tt.wantErr)
			}
		})
	}
}

// A multiplexed scenario that needs ALPN to pick h2 fails with a clear
// error when the server picks something else; a scenario of one request
// at a time only asks.
func TestTLSALPN(t *testing.T) {
	ca := newTestCA(t)
	cert := ca.issue(t, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Now().Add(time.Hour))
	srv := tlsEchoServer(t, cert, "http/1.1")
	res, err := Run(context.Background(), Options{Scenario: alpnPing{proto: "http/1.1"}, Addrs: []string{srv.Addr()},
		MaxRequests: 10, TLS: &tls.Config{RootCAs: ca.pool}})
	if err != nil || res.Requests() != 10 {
		t.Fatalf("asking http/1.1 of a server that has it: %v, %d requests, errors %v", err, res.Requests(), res.ErrorSamples)
	}
	tr := newTLSTransport(&tls.Config{RootCAs: ca.pool, ServerName: "127.0.0.1", NextProtos: []string{"h2"}}, "h2")
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Fd puts the socket in blocking mode; the loop's sockets are
	// non-blocking, and a read that blocks in a raw syscall would hold
	// its P and stall the garbage collector, and with it the server.
	fd := int(f.Fd())
	if err := unix.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	tr.reset(fd)
	if err := tr.handshake(time.Now().Add(5 * time.Second)); err == nil || !strings.Contains(err.Error(), `ALPN "h2"`) {
		t.Errorf("handshake asking h2 of an http/1.1 server: %v, want an error naming the ALPN mismatch", err)
	}
}

// The request timeout bounds a handshake the server never answers.
func TestTLSHandshakeTimeout(t *testing.T) {
	srv := silentServer(t)
	res, err := Run(context.Background(), Options{Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, MaxRequests: 1,
		Timeout: 200 * time.Millisecond, TLS: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors.Total() != 1 || res.Errors.Of(scenarios.ErrTimeout.String())+res.Errors.Of("tls") != 1 {
		t.Errorf("errors %v, want the one request to time out (or its handshake to)", res.ErrorSamples)
	}
}

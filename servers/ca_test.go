package servers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// newTestCA makes a CA in a temporary folder of t.
func newTestCA(t *testing.T) *CA {
	t.Helper()
	ca, err := NewCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// readCert parses the first certificate of the PEM file at path.
func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s holds no PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestNewCAVerifies(t *testing.T) {
	ca := newTestCA(t)
	leaf := readCert(t, ca.ServerCertFile)
	tests := []struct {
		name    string
		host    string
		wantErr bool
	}{
		{name: "IPv4 loopback", host: "127.0.0.1"},
		{name: "IPv6 loopback", host: "::1"},
		{name: "localhost", host: "localhost"},
		{name: "another loopback address", host: "127.0.0.2", wantErr: true},
		{name: "another name", host: "example.com", wantErr: true},
		{name: "a subdomain of localhost", host: "a.localhost", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: tt.host, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			if (err != nil) != tt.wantErr {
				t.Errorf("Verify for %s = %v; want an error: %v", tt.host, err, tt.wantErr)
			}
		})
	}
	t.Run("not trusted without the pool", func(t *testing.T) {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: x509.NewCertPool(), DNSName: "localhost"}); err == nil {
			t.Error("the server certificate verifies against an empty pool")
		}
	})
	t.Run("key pair", func(t *testing.T) {
		pair, err := tls.LoadX509KeyPair(ca.ServerCertFile, ca.ServerKeyFile)
		if err != nil {
			t.Fatal(err)
		}
		key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
		if !ok || key.Curve != elliptic.P256() {
			t.Errorf("server key is %T; want ECDSA P-256", pair.PrivateKey)
		}
	})
}

func TestNewCAFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run", "tls")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ca, err := newCA(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want string
		perm os.FileMode
	}{
		{name: "CA certificate", path: ca.CertFile, want: "ca.pem", perm: 0o644},
		{name: "server certificate", path: ca.ServerCertFile, want: "server.pem", perm: 0o644},
		{name: "server key", path: ca.ServerKeyFile, want: "server-key.pem", perm: 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path != filepath.Join(dir, tt.want) {
				t.Errorf("path %s; want %s in %s", tt.path, tt.want, dir)
			}
			info, err := os.Stat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != tt.perm {
				t.Errorf("permissions %v; want %v", info.Mode().Perm(), tt.perm)
			}
		})
	}
	root, leaf := readCert(t, ca.CertFile), readCert(t, ca.ServerCertFile)
	if !root.IsCA || !root.MaxPathLenZero || leaf.IsCA {
		t.Errorf("IsCA = %v (path length 0: %v) for the CA, %v for the server", root.IsCA, root.MaxPathLenZero, leaf.IsCA)
	}
	for _, c := range []*x509.Certificate{root, leaf} {
		if !c.NotBefore.Equal(now.Add(-time.Hour)) || !c.NotAfter.Equal(now.Add(7*24*time.Hour)) {
			t.Errorf("%s valid %v to %v; want from an hour before %v for 7 days", c.Subject.CommonName, c.NotBefore, c.NotAfter, now)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "localhost", CurrentTime: now.Add(8 * 24 * time.Hour)}); err == nil {
		t.Error("the server certificate still verifies after 8 days")
	}
}

func TestNewCAReplaces(t *testing.T) {
	dir := t.TempDir()
	first, err := NewCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := NewCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	leaf := readCert(t, second.ServerCertFile)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: first.Pool(), DNSName: "localhost"}); err == nil {
		t.Error("the second CA's server certificate verifies with the first CA's pool")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: second.Pool(), DNSName: "localhost"}); err != nil {
		t.Errorf("the second CA's server certificate does not verify with its pool: %v", err)
	}
}

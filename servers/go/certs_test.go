package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testCerts is a throwaway CA and a server certificate it signed, for
// 127.0.0.1, ::1 and localhost, written as PEM files into a temporary
// folder.
type testCerts struct {
	certFile string         // the server certificate
	keyFile  string         // its private key
	otherKey string         // a key that does not match certFile
	pool     *x509.CertPool // trusts the CA
}

// newTestCerts makes a testCerts in t's temporary folder.
func newTestCerts(t *testing.T) *testCerts {
	t.Helper()
	caKey := newKey(t)
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "latbench test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := &testCerts{
		certFile: filepath.Join(dir, "server.pem"),
		keyFile:  filepath.Join(dir, "server.key"),
		otherKey: filepath.Join(dir, "other.key"),
		pool:     x509.NewCertPool(),
	}
	c.pool.AddCert(caCert)
	writePEM(t, c.certFile, "CERTIFICATE", leafDER)
	writeKey(t, c.keyFile, key)
	writeKey(t, c.otherKey, newKey(t))
	return c
}

// serverConfig loads the server's TLS configuration as the server does.
func (c *testCerts) serverConfig(t *testing.T) *tls.Config {
	t.Helper()
	conf, err := loadTLS(c.certFile, c.keyFile)
	if err != nil {
		t.Fatalf("loadTLS: %v", err)
	}
	return conf
}

// clientConfig returns a client configuration that trusts the CA and
// offers protos through ALPN.
func (c *testCerts) clientConfig(protos ...string) *tls.Config {
	return &tls.Config{RootCAs: c.pool, ServerName: "127.0.0.1", NextProtos: protos}
}

// newKey returns a fresh P-256 key.
func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeKey writes k to path as a PKCS #8 PEM block.
func writeKey(t *testing.T, path string, k *ecdsa.PrivateKey) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, path, "PRIVATE KEY", der)
}

// writePEM writes one PEM block to path.
func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

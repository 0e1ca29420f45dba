package servers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The validity of the certificates NewCA makes: from caBackdate before
// the moment they are made (a clock a little behind is no problem), for
// caValidity.
const (
	caBackdate = time.Hour
	caValidity = 7 * 24 * time.Hour
)

// The files NewCA writes into its folder.
const (
	caCertName     = "ca.pem"
	serverCertName = "server.pem"
	serverKeyName  = "server-key.pem"
)

// CA is a throwaway certificate authority made for one run
// (servers/PROTOCOLS.md, Certificates): its own certificate, and a server
// certificate it signed for 127.0.0.1, ::1 and localhost, all as PEM
// files in one folder. The targets latbench starts serve TLS with
// Server() (StartSpec.TLS); latbench's client trusts Pool(), and nothing
// else does. Its private key is never written: no other certificate can
// be signed with it once NewCA returns.
type CA struct {
	// CertFile is the CA's certificate (ca.pem), for clients other than
	// latbench's that must trust the run's servers (e.g. curl --cacert).
	CertFile string
	// ServerCertFile is the server certificate (server.pem), signed by the
	// CA, with the subject alternative names 127.0.0.1, ::1 and
	// localhost.
	ServerCertFile string
	// ServerKeyFile is the server certificate's private key
	// (server-key.pem, PKCS#8), readable only by its owner.
	ServerKeyFile string

	pool *x509.CertPool
}

// NewCA makes a CA and its server certificate (ECDSA P-256, valid from
// one hour ago for 7 days) and writes them into dir, which it creates if
// needed. The files of an earlier CA in dir are replaced.
func NewCA(dir string) (*CA, error) {
	return newCA(dir, time.Now())
}

// newCA is NewCA with the time the certificates are made at.
func newCA(dir string, now time.Time) (*CA, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("make the run's CA: %w", err)
	}
	caKey, caCert, err := newCACert(now)
	if err != nil {
		return nil, fmt.Errorf("make the run's CA: %w", err)
	}
	leafDER, leafKey, err := newServerCert(now, caCert, caKey)
	if err != nil {
		return nil, fmt.Errorf("make the run's server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		return nil, fmt.Errorf("make the run's server certificate: %w", err)
	}
	ca := &CA{
		CertFile:       filepath.Join(dir, caCertName),
		ServerCertFile: filepath.Join(dir, serverCertName),
		ServerKeyFile:  filepath.Join(dir, serverKeyName),
		pool:           x509.NewCertPool(),
	}
	ca.pool.AddCert(caCert)
	for _, f := range []struct {
		path, typ string
		der       []byte
		perm      os.FileMode
	}{
		{ca.CertFile, "CERTIFICATE", caCert.Raw, 0o644},
		{ca.ServerCertFile, "CERTIFICATE", leafDER, 0o644},
		{ca.ServerKeyFile, "PRIVATE KEY", keyDER, 0o600},
	} {
		if err := writePEM(f.path, f.typ, f.der, f.perm); err != nil {
			return nil, fmt.Errorf("write the run's CA: %w", err)
		}
	}
	return ca, nil
}

// Pool returns a certificate pool that holds only the CA: a TLS client
// with it as RootCAs trusts the servers of the run and nothing else. Each
// call returns a new pool, which the caller may extend.
func (ca *CA) Pool() *x509.CertPool {
	return ca.pool.Clone()
}

// Server returns the server certificate and key files, for StartSpec.TLS.
func (ca *CA) Server() *TLSFiles {
	return &TLSFiles{Cert: ca.ServerCertFile, Key: ca.ServerKeyFile}
}

// newCACert makes the CA's key and self-signed certificate, which may
// sign server certificates only (path length 0).
func newCACert(now time.Time) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "latbench run CA " + serial.Text(16)[:8], Organization: []string{"latbench"}},
		NotBefore:             now.Add(-caBackdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, err
}

// newServerCert makes a server key and its certificate for 127.0.0.1,
// ::1 and localhost, signed by ca, and returns the certificate's DER.
func newServerCert(now time.Time, ca *x509.Certificate, caKey *ecdsa.PrivateKey) ([]byte, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"latbench"}},
		NotBefore:    now.Add(-caBackdate),
		NotAfter:     now.Add(caValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	return der, key, err
}

// newSerial returns a random 128-bit certificate serial number.
func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
}

// writePEM writes one PEM block of type typ holding der to path with
// permissions perm, replacing an existing file.
func writePEM(path, typ string, der []byte, perm os.FileMode) error {
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	// Remove first: WriteFile keeps the permissions of a file that exists.
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile(path, data, perm)
}

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
)

// TLS (servers/PROTOCOLS.md): with --tls-cert and --tls-key the echo,
// http and grpc listeners speak TLS 1.2 and 1.3 with crypto/tls. Each mode
// offers its own ALPN protocols: echo none (a client offering some gets
// none selected), http h2 and http/1.1, grpc h2.

// loadTLS reads the PEM certificate chain in certFile and the private key
// in keyFile and returns the server's base TLS configuration (TLS 1.2 and
// 1.3, no ALPN). Every error names the file it is about: one that does
// not read or holds no certificate names certFile, a key that does not
// parse or does not match the certificate names keyFile.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert: %w", err)
	}
	if err := checkCertPEM(certPEM); err != nil {
		return nil, fmt.Errorf("--tls-cert %s: %w", certFile, err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("--tls-key %s (for the certificate in %s): %w", keyFile, certFile, err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// checkCertPEM checks that data holds at least one PEM certificate and
// that every certificate in it parses, so that a bad certificate file is
// told apart from a bad key.
func checkCertPEM(data []byte) error {
	found := false
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return err
		}
		found = true
	}
	if !found {
		return errors.New("no PEM CERTIFICATE block in it")
	}
	return nil
}

// withALPN returns a copy of conf that offers protos through ALPN.
func withALPN(conf *tls.Config, protos ...string) *tls.Config {
	c := conf.Clone()
	c.NextProtos = protos
	return c
}

// serveEchoTLS returns the echo server over TLS with conf: each
// connection does the TLS handshake and then echoes the decrypted stream
// as serveEcho does the plain one. When the client closes (close_notify
// or EOF), the server sends its close_notify and closes.
//
// The connections serveConns tracks, and closes at shutdown, are the TCP
// ones: closing those is immediate, where closing a tls.Conn first tries
// to send close_notify and may wait for a client that does not read.
func serveEchoTLS(conf *tls.Config) func(ctx context.Context, ln net.Listener) error {
	conf = withALPN(conf) // ALPN: select none, whatever the client offers.
	return func(ctx context.Context, ln net.Listener) error {
		return serveConns(ctx, ln, func(_ context.Context, c net.Conn) {
			tc := tls.Server(c, conf)
			echo(tc) // A failed handshake ends it at the first Read.
			tc.Close()
		})
	}
}

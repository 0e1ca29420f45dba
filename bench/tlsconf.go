package bench

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/servers"
)

// TLS for cells whose scenario asks for it (--tls). Targets latbench
// starts serve a certificate made for the run: a throwaway certificate
// authority in the run folder (tls/ca.pem, for curl --cacert and the
// like), whose certificate latbench's client alone trusts. A server
// latbench did not start (--target-addr) is trusted through --tls-ca, or
// the system's roots, or not checked with --tls-insecure.

// TLSOptions are the client's TLS settings of a run.
type TLSOptions struct {
	// CAFile is a PEM file of the certificate authorities to trust
	// instead of the system's (--tls-ca).
	CAFile string
	// Insecure skips verifying the server's certificate (--tls-insecure).
	Insecure bool
	// Resume resumes TLS sessions on reconnects (--tls-resume): a new
	// connection then skips the full handshake, as browsers do.
	Resume bool
}

// Check refuses settings that cannot work: a CA file that cannot be read
// or holds no certificate.
func (o TLSOptions) Check() error {
	if o.CAFile == "" {
		return nil
	}
	_, err := readPool(o.CAFile)
	return err
}

// clientTLS returns the TLS configuration of a cell's client; nil when
// the cell speaks plain TCP.
func (e *Executor) clientTLS(spec CellSpec) (*tls.Config, error) {
	if !spec.Scenario.TLS {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: e.TLS.Insecure}
	if e.TLS.Resume {
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	switch {
	case e.TLS.CAFile != "":
		pool, err := readPool(e.TLS.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	case e.TargetAddr == "" && e.Manifest != nil:
		ca, err := e.runCA()
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = ca.Pool()
	}
	return cfg, nil
}

// readPool reads the certificate authorities of a PEM file.
func readPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--tls-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--tls-ca %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// runCA returns the run's certificate authority, made on first use in
// CertDir.
func (e *Executor) runCA() (*servers.CA, error) {
	if e.ca != nil {
		return e.ca, nil
	}
	if e.CertDir == "" {
		return nil, errors.New("no folder for the run's TLS certificates")
	}
	ca, err := servers.NewCA(filepath.Join(e.CertDir, "tls"))
	if err != nil {
		return nil, fmt.Errorf("the run's TLS certificates: %w", err)
	}
	e.ca = ca
	return ca, nil
}

// serverTLS returns what a launched target of the cell listens with: the
// TLS files (nil for plain TCP), the kind of listener and, for a proxy
// in front of a backend, the protocols ALPN may offer (what the backend
// speaks behind it). backend says the target is the proxy's backend,
// which always listens in plain TCP.
func (e *Executor) serverTLS(spec CellSpec, backend bool) (*servers.TLSFiles, string, []string, error) {
	sc := spec.Scenario
	if backend {
		sc.TLS = false
		return nil, catalog.Listener(sc), nil, nil
	}
	if !sc.TLS {
		return nil, catalog.Listener(sc), nil, nil
	}
	ca, err := e.runCA()
	if err != nil {
		return nil, "", nil, err
	}
	var alpn []string
	if spec.Proxy {
		alpn = []string{servers.ALPNHTTP1}
		if sc.Name == "h2" || sc.Name == "grpc" {
			alpn = []string{servers.ALPNH2}
		}
	}
	return ca.Server(), catalog.Listener(sc), alpn, nil
}

// describe returns the scenario's settings as a cell records them, with
// TLS, which the engine speaks rather than the scenario.
func describe(spec catalog.Spec, sc scenarios.Scenario) map[string]string {
	d := sc.Describe()
	if spec.TLS {
		d["tls"] = "true"
	}
	return d
}

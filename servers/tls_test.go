package servers

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStartRefusesListener(t *testing.T) {
	ca := newTestCA(t)
	nginx, haproxy := manifestTarget(t, "nginx"), manifestTarget(t, "haproxy")
	external := &Target{Name: "ext", Modes: []string{ModeHTTP}, Address: "127.0.0.1:1"}
	missingKey := &TLSFiles{Cert: ca.ServerCertFile, Key: filepath.Join(t.TempDir(), "nokey.pem")}
	tests := []struct {
		name    string
		spec    StartSpec
		wantErr string
	}{
		{name: "blocking form asked for TLS", spec: StartSpec{Target: manifestTarget(t, "go-blocking"), Mode: ModeHTTP, TLS: ca.Server()},
			wantErr: "target go-blocking does not speak TLS: its manifest entry in "},
		{name: "user target without tls", spec: StartSpec{Target: shTarget("plain", "exec sleep 60"), Mode: ModeEcho, TLS: ca.Server()},
			wantErr: "target plain does not speak TLS"},
		{name: "grpc of a blocking form", spec: StartSpec{Target: manifestTarget(t, "go-blocking"), Mode: ModeGRPC},
			wantErr: `target go-blocking does not serve mode "grpc"; its modes: echo, http, proxy`},
		{name: "grpc of nginx", spec: StartSpec{Target: nginx, Mode: ModeGRPC},
			wantErr: `target nginx does not serve mode "grpc"; its modes: http`},
		{name: "reference server's proxy mode with TLS", spec: StartSpec{Target: manifestTarget(t, "go"), Mode: ModeProxy, Backend: "127.0.0.1:1", TLS: ca.Server()},
			wantErr: "target go takes no TLS in proxy mode"},
		{name: "external target with TLS", spec: StartSpec{Target: external, Mode: ModeHTTP, TLS: ca.Server()},
			wantErr: "target ext is not launched by latbench, so it cannot be given TLS files"},
		{name: "tls listener without files", spec: StartSpec{Target: nginx, Mode: ModeHTTP, Listener: ListenerTLS},
			wantErr: "target nginx: a tls listener needs a certificate and key"},
		{name: "files on an h2c listener", spec: StartSpec{Target: nginx, Mode: ModeHTTP, Listener: ListenerH2C, TLS: ca.Server()},
			wantErr: "target nginx: listener h2c is plain TCP, yet TLS files were given"},
		{name: "unknown listener", spec: StartSpec{Target: nginx, Mode: ModeHTTP, Listener: "quic"},
			wantErr: `target nginx: unknown listener "quic"; valid: http1, h2c, tls`},
		{name: "ALPN without TLS", spec: StartSpec{Target: nginx, Mode: ModeHTTP, ALPN: []string{ALPNHTTP1}},
			wantErr: "target nginx: ALPN http/1.1 is negotiated over TLS only, and listener http1 is plain TCP"},
		{name: "ALPN of a reference server", spec: StartSpec{Target: manifestTarget(t, "go"), Mode: ModeHTTP, TLS: ca.Server(), ALPN: []string{ALPNH2}},
			wantErr: "target go offers the ALPN protocols of its own server"},
		{name: "nginx ALPN h2 alone", spec: StartSpec{Target: nginx, Mode: ModeHTTP, TLS: ca.Server(), ALPN: []string{ALPNH2}},
			wantErr: "nginx offers h2 only together with http/1.1"},
		{name: "unknown ALPN", spec: StartSpec{Target: haproxy, Mode: ModeProxy, Backend: "127.0.0.1:1", TLS: ca.Server(), ALPN: []string{"h3"}},
			wantErr: `target haproxy: unknown ALPN protocol "h3"; valid: h2, http/1.1`},
		{name: "ALPN twice", spec: StartSpec{Target: haproxy, Mode: ModeProxy, Backend: "127.0.0.1:1", TLS: ca.Server(), ALPN: []string{ALPNH2, ALPNH2}},
			wantErr: "ALPN protocol h2 is listed twice"},
		{name: "key file missing", spec: StartSpec{Target: nginx, Mode: ModeHTTP, TLS: missingKey},
			wantErr: "TLS key file " + missingKey.Key + ": open "},
		{name: "no key file", spec: StartSpec{Target: nginx, Mode: ModeHTTP, TLS: &TLSFiles{Cert: ca.ServerCertFile}},
			wantErr: "TLS key file is missing: TLS needs both a certificate and its key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := launchErr(t, tt.spec)
			if err == nil || p != nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Start = %v, %v; want an error containing %q", p, err, tt.wantErr)
			}
		})
	}
}

// client returns an HTTP client for the targets of a test that speaks
// protos (HTTP/1.1: "http1", HTTP/2 over TLS: "h2", HTTP/2 with prior
// knowledge: "h2c") and trusts only pool. Its connections are closed when
// the test ends.
func client(t *testing.T, pool *x509.CertPool, protos ...string) *http.Client {
	t.Helper()
	var p http.Protocols
	p.SetHTTP1(slices.Contains(protos, "http1"))
	p.SetHTTP2(slices.Contains(protos, "h2"))
	p.SetUnencryptedHTTP2(slices.Contains(protos, "h2c"))
	conf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if p.HTTP1() {
		// Offered even alone (the transport adds h2 when it speaks it), so
		// that the server's ALPN choice shows.
		conf.NextProtos = []string{ALPNHTTP1}
	}
	tr := &http.Transport{Protocols: &p, TLSClientConfig: conf}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: testWait}
}

// wantProto says what a request of getContract must have gone over.
type wantProto struct {
	major int    // HTTP version: 1 or 2
	alpn  string // the protocol negotiated over TLS; "" for plain TCP
}

// getContract asks GET /bytes/N of the server at url (http:// or
// https://) and checks the contract's answer, the HTTP version and, over
// TLS, the negotiated protocol and the verified certificate chain.
func getContract(t *testing.T, c *http.Client, url string, want wantProto) {
	t.Helper()
	const n = 10000
	resp, err := c.Get(fmt.Sprintf("%s/bytes/%d", url, n))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || len(body) != n || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("status %d, %d bytes, Content-Type %q; want 200, %d bytes of application/octet-stream",
			resp.StatusCode, len(body), resp.Header.Get("Content-Type"), n)
	}
	for i, b := range body {
		if b != 'a'+byte(i%26) {
			t.Fatalf("byte %d of the body is %q", i, b)
		}
	}
	if resp.ProtoMajor != want.major {
		t.Errorf("answered over %s; want HTTP/%d", resp.Proto, want.major)
	}
	checkTLSState(t, resp.TLS, want.alpn)
}

// checkTLSState checks a connection's TLS state: none when alpn is "",
// else a chain verified to the run's CA for 127.0.0.1 and alpn
// negotiated.
func checkTLSState(t *testing.T, st *tls.ConnectionState, alpn string) {
	t.Helper()
	switch {
	case alpn == "" && st != nil:
		t.Errorf("TLS %s over a plain listener", st.NegotiatedProtocol)
	case alpn == "":
	case st == nil:
		t.Errorf("plain TCP; want TLS with ALPN %s", alpn)
	case st.NegotiatedProtocol != alpn:
		t.Errorf("ALPN negotiated %q; want %q", st.NegotiatedProtocol, alpn)
	case len(st.VerifiedChains) == 0 || st.PeerCertificates[0].VerifyHostname("127.0.0.1") != nil:
		t.Errorf("the certificate chain was not verified for 127.0.0.1")
	}
}

// baseURL returns the base URL of a target at addr.
func baseURL(scheme, addr string) string {
	return scheme + "://" + addr
}

func TestLaunchNginxListeners(t *testing.T) {
	target := manifestTarget(t, "nginx")
	requireInstalled(t, target.Binary)
	ca := newTestCA(t)
	tests := []struct {
		name     string
		listener string
		tls      bool
		alpn     []string
		protos   []string // what the client speaks
		want     wantProto
	}{
		{name: "https over http/1.1", tls: true, protos: []string{"http1"}, want: wantProto{major: 1, alpn: ALPNHTTP1}},
		{name: "h2 via ALPN", tls: true, protos: []string{"http1", "h2"}, want: wantProto{major: 2, alpn: ALPNH2}},
		{name: "ALPN http/1.1 only", tls: true, alpn: []string{ALPNHTTP1}, protos: []string{"http1", "h2"}, want: wantProto{major: 1, alpn: ALPNHTTP1}},
		{name: "h2c with prior knowledge", listener: ListenerH2C, protos: []string{"h2c"}, want: wantProto{major: 2}},
		{name: "plain http/1.1", listener: ListenerHTTP1, protos: []string{"http1", "h2c"}, want: wantProto{major: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := StartSpec{Target: target, Mode: ModeHTTP, Listener: tt.listener, ALPN: tt.alpn}
			scheme := "http"
			if tt.tls {
				spec.TLS, scheme = ca.Server(), "https"
			}
			p := launch(t, spec)
			c := client(t, ca.Pool(), tt.protos...)
			for range 3 { // one connection, several requests
				getContract(t, c, baseURL(scheme, p.Addr()), tt.want)
			}
		})
	}
}

func TestLaunchNginxH2COnly(t *testing.T) {
	target := manifestTarget(t, "nginx")
	requireInstalled(t, target.Binary)
	p := launch(t, StartSpec{Target: target, Mode: ModeHTTP, Listener: ListenerH2C})
	// An HTTP/1.1 request on an h2c listener gets no HTTP/1.1 answer.
	if err := httpHealth(t.Context(), p.Addr()); err == nil {
		t.Error("nginx's h2c listener answered an HTTP/1.1 request")
	}
}

func TestLaunchHAProxyTLS(t *testing.T) {
	target := manifestTarget(t, "haproxy")
	requireInstalled(t, target.Binary)
	nginx := manifestTarget(t, "nginx")
	ca := newTestCA(t)
	tests := []struct {
		name    string
		backend func(t *testing.T) string // starts the backend, returns its address
		alpn    []string
		protos  []string
		want    wantProto
	}{
		{
			name: "default ALPN http/1.1 in front of nginx",
			backend: func(t *testing.T) string {
				requireInstalled(t, nginx.Binary)
				return launch(t, StartSpec{Target: nginx, Mode: ModeHTTP}).Addr()
			},
			protos: []string{"http1", "h2"},
			want:   wantProto{major: 1, alpn: ALPNHTTP1},
		},
		{
			name: "h2 via ALPN in front of the Go server",
			backend: func(t *testing.T) string {
				return launch(t, StartSpec{Target: goTarget(goServer(t)), Mode: ModeHTTP}).Addr()
			},
			alpn:   []string{ALPNH2, ALPNHTTP1},
			protos: []string{"http1", "h2"},
			want:   wantProto{major: 2, alpn: ALPNH2},
		},
		{
			name: "http/1.1 via ALPN in front of the Go server",
			backend: func(t *testing.T) string {
				return launch(t, StartSpec{Target: goTarget(goServer(t)), Mode: ModeHTTP}).Addr()
			},
			alpn:   []string{ALPNH2, ALPNHTTP1},
			protos: []string{"http1"},
			want:   wantProto{major: 1, alpn: ALPNHTTP1},
		},
		{
			name: "h2 in front of nginx's h2c listener",
			backend: func(t *testing.T) string {
				requireInstalled(t, nginx.Binary)
				return launch(t, StartSpec{Target: nginx, Mode: ModeHTTP, Listener: ListenerH2C}).Addr()
			},
			alpn:   []string{ALPNH2},
			protos: []string{"h2"},
			want:   wantProto{major: 2, alpn: ALPNH2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := launch(t, StartSpec{Target: target, Mode: ModeProxy, Backend: tt.backend(t), CPUs: "0", TLS: ca.Server(), ALPN: tt.alpn})
			c := client(t, ca.Pool(), tt.protos...)
			for range 3 {
				getContract(t, c, baseURL("https", p.Addr()), tt.want)
			}
		})
	}
}

// referenceTarget returns the manifest's target name, run from the
// binary built for the tests when name is go; other languages run from
// bin/ and are skipped when they are not built (make servers).
func referenceTarget(t *testing.T, name string) *Target {
	t.Helper()
	target := *manifestTarget(t, name)
	if name == "go" {
		target.Command = slices.Clone(target.Command)
		target.Command[0], target.Binary = goServer(t), ""
		return &target
	}
	if st := target.Check(repoRoot(t)); !st.Runnable {
		t.Skipf("target %s cannot run here: missing %s; %s", name, strings.Join(st.Missing, ", "), st.Fix)
	}
	return &target
}

func TestLaunchReferenceTLS(t *testing.T) {
	ca := newTestCA(t)
	for _, name := range []string{"go", "rust", "java", "python"} {
		t.Run(name, func(t *testing.T) {
			target := referenceTarget(t, name)
			tests := []struct {
				name   string
				mode   string
				protos []string
				want   wantProto
			}{
				{name: "https http/1.1", mode: ModeHTTP, protos: []string{"http1"}, want: wantProto{major: 1, alpn: ALPNHTTP1}},
				{name: "https h2", mode: ModeHTTP, protos: []string{"h2"}, want: wantProto{major: 2, alpn: ALPNH2}},
				{name: "grpc over TLS", mode: ModeGRPC, want: wantProto{major: 2, alpn: ALPNH2}},
				{name: "echo over TLS", mode: ModeEcho},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					p := launch(t, StartSpec{Target: target, Mode: tt.mode, Root: repoRoot(t), Threads: 1, TLS: ca.Server()})
					if argv := strings.Join(p.Argv(), " "); !strings.HasSuffix(argv, "--tls-cert "+ca.ServerCertFile+" --tls-key "+ca.ServerKeyFile) {
						t.Errorf("Argv() = %q; want the TLS flags last", argv)
					}
					switch tt.mode {
					case ModeHTTP:
						getContract(t, client(t, ca.Pool(), tt.protos...), baseURL("https", p.Addr()), tt.want)
					case ModeGRPC:
						checkTLSState(t, tlsHandshake(t, ca.Pool(), p.Addr(), ALPNH2), tt.want.alpn)
					case ModeEcho:
						tlsEcho(t, ca.Pool(), p.Addr())
					}
				})
			}
		})
	}
}

// tlsDial opens a TLS connection to addr offering ALPN protos, trusting
// only pool and verifying the certificate for 127.0.0.1.
func tlsDial(t *testing.T, pool *x509.CertPool, addr string, protos ...string) *tls.Conn {
	t.Helper()
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: testWait},
		Config: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", NextProtos: protos, MinVersion: tls.VersionTLS12}}
	c, err := d.DialContext(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(testWait))
	return c.(*tls.Conn)
}

// tlsHandshake does a TLS handshake with addr offering protos and returns
// the connection's state.
func tlsHandshake(t *testing.T, pool *x509.CertPool, addr string, protos ...string) *tls.ConnectionState {
	t.Helper()
	st := tlsDial(t, pool, addr, protos...).ConnectionState()
	return &st
}

// tlsEcho checks an echo round trip over TLS.
func tlsEcho(t *testing.T, pool *x509.CertPool, addr string) {
	t.Helper()
	c := tlsDial(t, pool, addr)
	const msg = "hello over TLS"
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != msg {
		t.Errorf("echo over TLS returned %q, %v", buf, err)
	}
}

func TestWriteConfigTLSFiles(t *testing.T) {
	ca := newTestCA(t)
	cert, key, err := ca.Server().read()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		kind  string
		files map[string][]byte // file in the config's folder: contents
	}{
		{name: "nginx: certificate and key", kind: ConfigNginx, files: map[string][]byte{"tls-cert.pem": cert, "tls-key.pem": key}},
		{name: "haproxy: one file with both", kind: ConfigHAProxy, files: map[string][]byte{"tls.pem": append(append(slices.Clip(cert), '\n'), key...)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, dir, err := writeConfig(tt.kind, configSpec{Listen: "127.0.0.1:1", Backend: "127.0.0.1:2", Listener: ListenerTLS, TLS: ca.Server(), ALPN: []string{ALPNHTTP1}})
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			for name, want := range tt.files {
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || string(got) != string(want) {
					t.Errorf("%s: %v; want a copy of the run's files", name, err)
				}
			}
		})
	}
}

func TestDefaultManifestProtocols(t *testing.T) {
	m, err := LoadManifest(DefaultManifestPath(repoRoot(t)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		wantGRPC bool
		wantTLS  bool // serves TLS in http mode
	}{
		{name: "go", wantGRPC: true, wantTLS: true},
		{name: "rust", wantGRPC: true, wantTLS: true},
		{name: "java", wantGRPC: true, wantTLS: true},
		{name: "python", wantGRPC: true, wantTLS: true},
		{name: "go-blocking"},
		{name: "rust-blocking"},
		{name: "java-blocking"},
		{name: "java-virtual"},
		{name: "python-blocking"},
		{name: "nginx", wantTLS: true},
		{name: "haproxy"}, // a proxy: TLS in proxy mode, see below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, err := m.Lookup(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if got := target.Supports(ModeGRPC); got != tt.wantGRPC {
				t.Errorf("serves grpc: %v, want %v", got, tt.wantGRPC)
			}
			if got := target.Supports(ModeHTTP) && target.tlsRefusal(ModeHTTP) == nil; got != tt.wantTLS {
				t.Errorf("serves TLS in http mode: %v, want %v", got, tt.wantTLS)
			}
		})
	}
	if haproxy, _ := m.Lookup("haproxy"); haproxy.tlsRefusal(ModeProxy) != nil {
		t.Error("haproxy refuses TLS in proxy mode")
	}
}

func TestLaunchNginxH2KeepsConnection(t *testing.T) {
	target := manifestTarget(t, "nginx")
	requireInstalled(t, target.Binary)
	ca := newTestCA(t)
	p := launch(t, StartSpec{Target: target, Mode: ModeHTTP, TLS: ca.Server()})
	c := client(t, ca.Pool(), "h2")
	opened := 0
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if !info.Reused {
			opened++
		}
	}}
	// More requests than nginx's default keepalive_requests (1000), which
	// also bounds the streams of one HTTP/2 connection.
	for i := range 1200 {
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), http.MethodGet, baseURL("https", p.Addr())+"/health", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
			t.Fatalf("request %d: %s %d, %v", i+1, resp.Proto, resp.StatusCode, err)
		}
	}
	if opened != 1 {
		t.Errorf("1200 requests opened %d connections; want 1", opened)
	}
}

package servers

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteConfig(t *testing.T) {
	files := newTestCA(t).Server()
	tests := []struct {
		name     string
		kind     string
		spec     configSpec
		contains []string
		lacks    []string
		files    []string // files under the folder, besides the config
	}{
		{
			name: "nginx: one worker per core, keep-alive, run sizes",
			kind: ConfigNginx,
			spec: configSpec{Listen: "127.0.0.1:8080", Workers: 2, Sizes: []int{12345}},
			contains: []string{"daemon off;", "worker_processes 2;", "listen 127.0.0.1:8080 ", "access_log off;",
				"keepalive_requests 100000000;", "location = /health", "default_type application/octet-stream;"},
			files: []string{"www/bytes/0", "www/bytes/10000", "www/bytes/12345", "www/bytes/1048576"},
		},
		{
			name:     "nginx: no cpuset lets nginx choose",
			kind:     ConfigNginx,
			spec:     configSpec{Listen: "[::1]:80"},
			contains: []string{"worker_processes auto;", "listen [::1]:80 "},
		},
		{
			name: "nginx: TLS with ALPN h2 and http/1.1",
			kind: ConfigNginx,
			spec: configSpec{Listen: "127.0.0.1:8443", Listener: ListenerTLS, TLS: files, ALPN: []string{ALPNH2, ALPNHTTP1}},
			contains: []string{"listen 127.0.0.1:8443 ssl http2 backlog=4096;", "/tls-cert.pem;", "/tls-key.pem;",
				"ssl_protocols TLSv1.2 TLSv1.3;", "http2_max_concurrent_streams 1024;", "keepalive_requests 100000000;", "keepalive_timeout 300s;"},
		},
		{
			name:     "nginx: TLS with ALPN http/1.1 only",
			kind:     ConfigNginx,
			spec:     configSpec{Listen: "127.0.0.1:8443", Listener: ListenerTLS, TLS: files, ALPN: []string{ALPNHTTP1}},
			contains: []string{"listen 127.0.0.1:8443 ssl backlog=4096;", "ssl_certificate "},
		},
		{
			name:     "nginx: h2c",
			kind:     ConfigNginx,
			spec:     configSpec{Listen: "127.0.0.1:8080", Listener: ListenerH2C, Workers: 2},
			contains: []string{"listen 127.0.0.1:8080 http2 backlog=4096;", "worker_processes 2;", "access_log off;"},
			lacks:    []string{"ssl"},
		},
		{
			name:     "nginx: http/1.1 has no TLS",
			kind:     ConfigNginx,
			spec:     configSpec{Listen: "127.0.0.1:8080", Listener: ListenerHTTP1},
			contains: []string{"listen 127.0.0.1:8080 backlog=4096;"},
			lacks:    []string{"ssl", "listen 127.0.0.1:8080 http2"},
		},
		{
			name:     "haproxy: tcp relay",
			kind:     ConfigHAProxy,
			spec:     configSpec{Listen: "127.0.0.1:9", Backend: "127.0.0.1:10", Workers: 1},
			contains: []string{"mode tcp", "nbthread 1", "bind 127.0.0.1:9\n", "server backend1 127.0.0.1:10"},
		},
		{
			name:     "haproxy: h2c is the same tcp relay",
			kind:     ConfigHAProxy,
			spec:     configSpec{Listen: "127.0.0.1:9", Backend: "127.0.0.1:10", Listener: ListenerH2C},
			contains: []string{"mode tcp", "bind 127.0.0.1:9\n"},
			lacks:    []string{" ssl "},
		},
		{
			name:     "haproxy: TLS termination",
			kind:     ConfigHAProxy,
			spec:     configSpec{Listen: "127.0.0.1:9", Backend: "127.0.0.1:10", Listener: ListenerTLS, TLS: files, ALPN: []string{ALPNH2, ALPNHTTP1}},
			contains: []string{"mode tcp", "bind 127.0.0.1:9 ssl crt ", "/tls.pem alpn h2,http/1.1\n", "server backend1 127.0.0.1:10"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, dir, err := writeConfig(tt.kind, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.contains {
				if !strings.Contains(string(text), want) {
					t.Errorf("config lacks %q:\n%s", want, text)
				}
			}
			for _, bad := range tt.lacks {
				if strings.Contains(string(text), bad) {
					t.Errorf("config has %q:\n%s", bad, text)
				}
			}
			for _, f := range tt.files {
				checkBodyFile(t, filepath.Join(dir, f))
			}
		})
	}
}

// checkBodyFile checks that a /bytes/N file holds the contract's N bytes.
func checkBodyFile(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(len(b)) != filepath.Base(path) {
		t.Errorf("%s has %d bytes", path, len(b))
	}
	for i, c := range b {
		if c != 'a'+byte(i%26) {
			t.Fatalf("%s: byte %d is %q", path, i, c)
		}
	}
}

func TestWriteConfigRejectsBadSizes(t *testing.T) {
	_, dir, err := writeConfig(ConfigNginx, configSpec{Listen: "127.0.0.1:1", Sizes: []int{maxBodyBytes + 1}})
	if err == nil {
		os.RemoveAll(dir)
		t.Fatal("want an error for a body over 16 MiB")
	}
	if dir != "" {
		t.Errorf("folder %s returned on error", dir)
	}
}

// requireInstalled skips the test when binary is missing, or fails it
// under CI=true, where `make servers` installs it.
func requireInstalled(t *testing.T, binary string) {
	t.Helper()
	if _, err := os.Stat(binary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (CI=true: run make servers, which installs it)", binary)
		}
		t.Skipf("%s is not installed (scripts/install-debian.sh installs it)", binary)
	}
}

// manifestTarget returns a target of the repository's manifest.
func manifestTarget(t *testing.T, name string) *Target {
	t.Helper()
	m, err := LoadManifest(DefaultManifestPath(repoRoot(t)))
	if err != nil {
		t.Fatal(err)
	}
	target, err := m.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return target
}

func TestLaunchNginx(t *testing.T) {
	target := manifestTarget(t, "nginx")
	requireInstalled(t, target.Binary)
	p, err := Start(context.Background(), StartSpec{Target: target, Mode: ModeHTTP, Root: repoRoot(t),
		BodySizes: []int{777}, ReadyTimeout: testReadyTimeout, Probe: httpHealth})
	if err != nil {
		t.Fatal(err)
	}
	workdir := p.workdir
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	// More requests than nginx's default keepalive_requests (1000): the
	// connection must stay open throughout.
	for i := range 1200 {
		n := []int{10000, 777}[i%2]
		if err := getBody(c, r, n); err != nil {
			t.Fatalf("request %d on one connection: %v", i+1, err)
		}
	}
	c.Close()
	if err := p.Stop(testGrace); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(workdir); !os.IsNotExist(err) {
		t.Errorf("config folder %s left behind after Stop", workdir)
	}
}

// getBody sends GET /bytes/n on c and checks the answer read from r.
func getBody(c net.Conn, r *bufio.Reader, n int) error {
	if _, err := fmt.Fprintf(c, "GET /bytes/%d HTTP/1.1\r\nHost: x\r\n\r\n", n); err != nil {
		return err
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return err
	case resp.StatusCode != http.StatusOK || len(body) != n || resp.Close:
		return fmt.Errorf("status %d, %d bytes, close %v; want 200, %d bytes, keep-alive", resp.StatusCode, len(body), resp.Close, n)
	case resp.Header.Get("Content-Type") != "application/octet-stream":
		return fmt.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	return nil
}

func TestLaunchHAProxy(t *testing.T) {
	target := manifestTarget(t, "haproxy")
	requireInstalled(t, target.Binary)
	backend, err := Start(context.Background(), StartSpec{Target: goTarget(goServer(t)), Mode: ModeEcho, Root: repoRoot(t), ReadyTimeout: testReadyTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Stop(testGrace)
	p, err := Start(context.Background(), StartSpec{Target: target, Mode: ModeProxy, Root: repoRoot(t),
		Backend: backend.Addr(), CPUs: "0", ReadyTimeout: testReadyTimeout})
	if err != nil {
		t.Fatal(err)
	}
	if got := roundTrip(t, p.Addr(), "through haproxy"); got != "through haproxy" {
		t.Errorf("relayed echo %q", got)
	}
	if err := p.Stop(testGrace); err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// testTimeout bounds every blocking step of a test. It is generous so
// the tests stay deterministic on a slow, noisy machine.
const testTimeout = 10 * time.Second

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// serveFunc is the common shape of serveEcho, serveHTTP and a bound
// serveProxy.
type serveFunc func(ctx context.Context, ln net.Listener) error

// runningServer is a server started in-process by startServer.
type runningServer struct {
	addr    string
	cancel  context.CancelFunc
	errc    chan error
	stopped bool
}

// startServer runs serve on a fresh 127.0.0.1:0 listener and stops it
// when the test ends.
func startServer(t *testing.T, serve serveFunc) *runningServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &runningServer{addr: ln.Addr().String(), cancel: cancel, errc: make(chan error, 1)}
	go func() { s.errc <- serve(ctx, ln) }()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop cancels the server and fails the test unless Serve returns nil
// within testTimeout. It may be called more than once.
func (s *runningServer) stop(t *testing.T) {
	t.Helper()
	if s.stopped {
		return
	}
	s.stopped = true
	s.cancel()
	select {
	case err := <-s.errc:
		if err != nil {
			t.Errorf("serve returned %v, want nil", err)
		}
	case <-time.After(testTimeout):
		t.Fatalf("serve did not return within %v of cancel", testTimeout)
	}
}

// deadline returns the I/O deadline for test connections.
func deadline() time.Time {
	return time.Now().Add(testTimeout)
}

// dial connects to addr with a testTimeout deadline on the connection
// and closes it when the test ends.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(deadline())
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// expectClosed fails the test unless the peer of c has closed: a read
// must end with EOF or a reset, not time out or return data.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	var buf [1]byte
	n, err := c.Read(buf[:])
	var ne net.Error
	switch {
	case n > 0:
		t.Fatalf("read %q from a connection that should be closed", buf[:n])
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatalf("connection still open after %v", testTimeout)
	case err == nil:
		t.Fatal("read returned no data and no error")
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    config
		wantErr string
	}{
		{name: "echo", args: []string{"--mode", "echo", "--listen", "127.0.0.1:1"},
			want: config{mode: "echo", listen: "127.0.0.1:1", io: "async", workers: 8}},
		{name: "http with threads", args: []string{"--mode=http", "--listen=:8080", "--threads=3"},
			want: config{mode: "http", listen: ":8080", threads: 3, threadsSet: true, io: "async", workers: 8}},
		{name: "proxy", args: []string{"-mode", "proxy", "-listen", ":1", "-backend", "h:2"},
			want: config{mode: "proxy", listen: ":1", backend: "h:2", io: "async", workers: 8}},
		{name: "blocking with workers", args: []string{"--mode", "http", "--listen", ":1", "--io", "blocking", "--workers", "4"},
			want: config{mode: "http", listen: ":1", io: "blocking", workers: 4}},
		{name: "tls", args: []string{"--mode", "http", "--listen", ":1", "--tls-cert", "c.pem", "--tls-key", "k.pem"},
			want: config{mode: "http", listen: ":1", io: "async", workers: 8, tlsCert: "c.pem", tlsKey: "k.pem"}},
		{name: "grpc", args: []string{"--mode", "grpc", "--listen", ":1"},
			want: config{mode: "grpc", listen: ":1", io: "async", workers: 8}},
		{name: "only --tls-cert", args: []string{"--mode", "echo", "--listen", ":1", "--tls-cert", "c.pem"},
			wantErr: "--tls-key FILE is missing"},
		{name: "only --tls-key", args: []string{"--mode", "echo", "--listen", ":1", "--tls-key", "k.pem"},
			wantErr: "--tls-cert FILE is missing"},
		{name: "proxy with tls", args: []string{"--mode", "proxy", "--listen", ":1", "--backend", "h:2", "--tls-cert", "c", "--tls-key", "k"},
			wantErr: "--mode proxy takes no TLS"},
		{name: "blocking with tls", args: []string{"--mode", "http", "--listen", ":1", "--io", "blocking", "--tls-cert", "c", "--tls-key", "k"},
			wantErr: "--io blocking serves neither TLS nor --mode grpc"},
		{name: "blocking grpc", args: []string{"--mode", "grpc", "--listen", ":1", "--io", "blocking"},
			wantErr: "--io blocking serves neither TLS nor --mode grpc"},
		{name: "no mode", args: []string{"--listen", ":1"}, wantErr: "--mode"},
		{name: "bad mode", args: []string{"--mode", "ftp", "--listen", ":1"}, wantErr: `"ftp"`},
		{name: "no listen", args: []string{"--mode", "echo"}, wantErr: "--listen"},
		{name: "proxy without backend", args: []string{"--mode", "proxy", "--listen", ":1"}, wantErr: "--backend"},
		{name: "zero threads", args: []string{"--mode", "echo", "--listen", ":1", "--threads", "0"}, wantErr: "--threads"},
		{name: "threads not a number", args: []string{"--mode", "echo", "--listen", ":1", "--threads", "x"}, wantErr: "-threads"},
		{name: "bad io", args: []string{"--mode", "echo", "--listen", ":1", "--io", "threads"}, wantErr: `"threads"`},
		{name: "zero workers", args: []string{"--mode", "echo", "--listen", ":1", "--io", "blocking", "--workers", "0"}, wantErr: "--workers"},
		{name: "unknown flag", args: []string{"--mode", "echo", "--listen", ":1", "--port", "1"}, wantErr: "-port"},
		{name: "positional argument", args: []string{"--mode", "echo", "--listen", ":1", "extra"}, wantErr: `"extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			got, err := parseFlags(tt.args, &stderr)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("parseFlags(%q) = %+v, want error", tt.args, got)
				}
				if !strings.Contains(stderr.String(), tt.wantErr) || !strings.Contains(stderr.String(), "Usage") {
					t.Errorf("stderr = %q, want it to mention %q and show usage", stderr.String(), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFlags(%q): %v", tt.args, err)
			}
			if !tt.want.threadsSet {
				tt.want.threads = got.threads // The default depends on the machine.
			}
			if got != tt.want {
				t.Errorf("parseFlags(%q) = %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

func TestRealMainExitCodes(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer busy.Close()
	certs := newTestCerts(t)
	missing := certs.certFile + ".missing"
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "unreadable certificate", args: []string{"--mode", "echo", "--listen", "127.0.0.1:0", "--tls-cert", missing, "--tls-key", certs.keyFile},
			wantCode: exitUsage, wantStderr: missing},
		{name: "key of another certificate", args: []string{"--mode", "http", "--listen", "127.0.0.1:0", "--tls-cert", certs.certFile, "--tls-key", certs.otherKey},
			wantCode: exitUsage, wantStderr: certs.otherKey},
		{name: "help", args: []string{"-h"}, wantCode: exitOK, wantStderr: "Usage"},
		{name: "bad flag", args: []string{"--nope"}, wantCode: exitUsage, wantStderr: "-nope"},
		{name: "proxy without backend", args: []string{"--mode", "proxy", "--listen", "127.0.0.1:0"},
			wantCode: exitUsage, wantStderr: "--backend"},
		{name: "port in use", args: []string{"--mode", "echo", "--listen", busy.Addr().String()},
			wantCode: exitRuntime, wantStderr: busy.Addr().String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := realMain(tt.args, &stderr); got != tt.wantCode {
				t.Errorf("realMain(%q) = %d, want %d; stderr:\n%s", tt.args, got, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestRunLogsStartLine(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	cfg := config{mode: "echo", listen: "127.0.0.1:0"}
	go func() {
		errc <- run(ctx, cfg, nil, pw)
		pw.Close()
	}()
	line := make([]byte, 256)
	n, err := pr.Read(line)
	cancel()
	if err != nil {
		t.Fatalf("reading start line: %v", err)
	}
	if err := <-errc; err != nil {
		t.Errorf("run returned %v", err)
	}
	if got := string(line[:n]); !strings.HasPrefix(got, "latbench-server-go: mode=echo io=async listen=127.0.0.1:") ||
		!strings.Contains(got, " threads=") || !strings.HasSuffix(got, " tls=off\n") {
		t.Errorf("start line = %q", got)
	}
}

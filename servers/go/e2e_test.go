package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sigtermBound is how long the binary may take to exit after SIGTERM.
const sigtermBound = 2 * time.Second

// buildServer builds the server binary into a temporary directory and
// returns its path. It skips the test if the go tool is not on PATH.
func buildServer(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "srv")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitAccepting dials addr until it succeeds or testTimeout passes.
func waitAccepting(t *testing.T, addr string, exited <-chan error) {
	t.Helper()
	end := deadline()
	for time.Now().Before(end) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		select {
		case err := <-exited:
			t.Fatalf("server exited before accepting: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server not accepting on %s after %v", addr, testTimeout)
}

func TestBinarySIGTERM(t *testing.T) {
	bin := buildServer(t)
	certs := newTestCerts(t)
	tlsArgs := []string{"--tls-cert", certs.certFile, "--tls-key", certs.keyFile}
	tests := []struct {
		name      string
		args      []string
		wantStart string // The start line's prefix; " listen=ADDR" stands for the address.
	}{
		// The live connection of a TLS server is one that has not done
		// its handshake: it must not delay the exit either.
		{name: "echo over TLS", args: append([]string{"--mode", "echo", "--threads", "2"}, tlsArgs...),
			wantStart: "mode=echo io=async listen=ADDR threads=2 tls=on\n"},
		{name: "http over TLS", args: append([]string{"--mode", "http", "--threads", "2"}, tlsArgs...),
			wantStart: "mode=http io=async listen=ADDR threads=2 tls=on\n"},
		{name: "grpc", args: []string{"--mode", "grpc", "--threads", "2"},
			wantStart: "mode=grpc io=async listen=ADDR threads=2 tls=off\n"},
		{name: "grpc over TLS", args: append([]string{"--mode", "grpc", "--threads", "2"}, tlsArgs...),
			wantStart: "mode=grpc io=async listen=ADDR threads=2 tls=on\n"},
		{name: "echo", args: []string{"--mode", "echo", "--threads", "1"},
			wantStart: "mode=echo io=async listen=ADDR threads=1 tls=off\n"},
		{name: "http", args: []string{"--mode", "http", "--threads", "3"},
			wantStart: "mode=http io=async listen=ADDR threads=3 tls=off\n"},
		{name: "proxy", args: []string{"--mode", "proxy", "--backend", "127.0.0.1:9"},
			wantStart: "mode=proxy io=async listen=ADDR threads="},
		{name: "blocking http", args: []string{"--mode", "http", "--io", "blocking", "--workers", "3"},
			wantStart: "mode=http io=blocking workers=3 listen=ADDR tls=off\n"},
		{name: "blocking proxy", args: []string{"--mode", "proxy", "--io", "blocking", "--backend", "127.0.0.1:9"},
			wantStart: "mode=proxy io=blocking workers=8 listen=ADDR tls=off\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := freeAddr(t)
			var stderr bytes.Buffer
			cmd := exec.Command(bin, append(tt.args, "--listen", addr)...)
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatalf("start: %v", err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer func() {
				cmd.Process.Kill()
				<-exited
			}()
			waitAccepting(t, addr, exited)
			dial(t, addr) // A live connection must not delay the exit.
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatalf("SIGTERM: %v", err)
			}
			select {
			case err := <-exited:
				exited <- err // For the deferred cleanup.
				if err != nil {
					t.Fatalf("exit after SIGTERM: %v; stderr:\n%s", err, stderr.String())
				}
			case <-time.After(sigtermBound):
				t.Fatalf("still running %v after SIGTERM", sigtermBound)
			}
			want := "latbench-server-go: " + strings.Replace(tt.wantStart, "ADDR", addr, 1)
			if !strings.HasPrefix(stderr.String(), want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr = %q, want one line starting %q", stderr.String(), want)
			}
		})
	}
}

func TestBinaryPortInUse(t *testing.T) {
	bin := buildServer(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--mode", "echo", "--listen", addr).CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != exitRuntime {
		t.Fatalf("exit = %v, want exit status %d; output:\n%s", err, exitRuntime, out)
	}
	if !strings.Contains(string(out), addr) {
		t.Errorf("output %q does not mention %s", out, addr)
	}
}

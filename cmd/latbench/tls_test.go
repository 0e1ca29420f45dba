package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latbench/latbench/results"
)

// --tls against a target latbench starts: the target serves a
// certificate of the run's own authority, which the client trusts; the
// run folder keeps the authority's certificate for other clients.
func TestRunOverTLSWithTheRunsCA(t *testing.T) {
	out := t.TempDir()
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--out", out, "--scenario", "http", "--tls",
		"--rate", "500", "--connections", "2", "--warmup", "200ms", "--duration", "500ms")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	run, dir := loadOnlyRun(t, out)
	c := run.Cells[0]
	if c.Status != results.StatusOK || c.Stats.Requests == 0 || c.Load.Scenario["tls"] != "true" || !strings.Contains(c.ID, "-tls-") {
		t.Errorf("cell %s: status %s (%s), %d requests, scenario %v; want ok over TLS", c.ID, c.Status, c.Failure, c.Stats.Requests, c.Load.Scenario)
	}
	if _, err := os.Stat(filepath.Join(dir, "tls", "ca.pem")); err != nil {
		t.Errorf("the run's CA certificate: %v", err)
	}
}

// --tls against a server latbench did not start: an authority it does
// not know fails the cell naming the cause; --tls-ca with the right one,
// or --tls-insecure, passes.
func TestRunOverTLSAtAnAddress(t *testing.T) {
	first := t.TempDir()
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--out", first, "--scenario", "http", "--tls",
		"--rate", "200", "--warmup", "100ms", "--duration", "300ms")
	if r.code != 0 {
		t.Fatalf("a first run to get a CA: exit %d\n%s", r.code, r.stderr)
	}
	_, dir := loadOnlyRun(t, first)
	srv := startServerWithTLS(t, filepath.Join(dir, "tls"))
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantText string
	}{
		{name: "unknown authority", wantCode: 1, wantText: "certificate signed by unknown authority"},
		{name: "the right authority", args: []string{"--tls-ca", filepath.Join(dir, "tls", "ca.pem")}},
		{name: "not verified", args: []string{"--tls-insecure"}},
		{name: "a CA file that is not one", args: []string{"--tls-ca", filepath.Join(dir, "tls", "server-key.pem")}, wantCode: 2, wantText: "no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"run", "--out", out, "--target-addr", srv, "--scenario", "http", "--tls",
				"--rate", "200", "--warmup", "100ms", "--duration", "300ms"}, tc.args...)
			r := latbench(t, args...)
			if r.code != tc.wantCode || !strings.Contains(r.stdout+r.stderr, tc.wantText) {
				t.Errorf("exit %d, want %d with %q; stderr:\n%s", r.code, tc.wantCode, tc.wantText, r.stderr)
			}
		})
	}
}

// startServerWithTLS starts the Go reference server in http mode with
// the server certificate of the CA in dir, and returns its address. It is
// stopped when the test ends.
func startServerWithTLS(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command(bins.server, "--mode", "http", "--listen", "127.0.0.1:0",
		"--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server-key.pem"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if _, addr, ok := strings.Cut(sc.Text(), "listen="); ok {
			addr, _, _ = strings.Cut(addr, " ")
			go func() { _, _ = io.Copy(io.Discard, stderr) }()
			return addr
		}
	}
	t.Fatal("the server said nothing of where it listens")
	return ""
}

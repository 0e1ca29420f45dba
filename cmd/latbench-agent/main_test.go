package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"go.uber.org/goleak"

	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// testSuite is a suite file of one echo cell agents can share.
const testSuite = `name: k8s
targets: [ext]
defaults: {warmup: 100ms, duration: 1s, connections: 4, timeout: 1s}
scenarios:
  - scenario: echo
    size: 64
loads:
  - name: fixed
    rate: 400
`

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// runCLI runs latbench-agent in this process, with the arguments
// arranged as main does, and returns its output and error.
func runCLI(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	app := newApp(&stdout, &stderr)
	app.ExitErrHandler = func(*cli.Context, error) {}
	err := app.Run(cmdline.Interspersed(app, append([]string{"latbench-agent"}, args...)))
	return stdout.String(), stderr.String(), err
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestK8sReadyCommand(t *testing.T) {
	dir := t.TempDir()
	ready := writeFile(t, dir, "ready", "now\n")
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "ready", args: []string{"ready", ready}},
		{name: "not yet", args: []string{"ready", filepath.Join(dir, "missing")}, wantErr: "not ready"},
		{name: "no file", args: []string{"ready"}, wantErr: "latbench-agent ready FILE"},
	}
	for _, tc := range cases {
		_, _, err := runCLI(tc.args...)
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestParseConfigMapRef(t *testing.T) {
	cases := []struct {
		ref, ns, name string
		wantErr       bool
	}{
		{ref: "bench/latbench-go-http-fixed", ns: "bench", name: "latbench-go-http-fixed"},
		{ref: "default/a.b", ns: "default", name: "a.b"},
		{ref: "latbench", wantErr: true},
		{ref: "/latbench", wantErr: true},
		{ref: "bench/", wantErr: true},
		{ref: "Bench/x", wantErr: true},
		{ref: "bench/x/y", wantErr: true},
	}
	for _, tc := range cases {
		ns, name, err := parseConfigMapRef(tc.ref)
		if (err != nil) != tc.wantErr || ns != tc.ns || name != tc.name {
			t.Errorf("parseConfigMapRef(%q) = %q, %q, %v", tc.ref, ns, name, err)
		}
	}
}

// closedPort returns an address on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestAgentT0FromAConfigMap(t *testing.T) {
	dir := t.TempDir()
	cell := writeFile(t, dir, "cell.yaml", testSuite)
	echo := scenariotest.Start(t, func(c net.Conn) { _, _ = io.Copy(c, c) }).Addr()
	t.Setenv("KUBERNETES_SERVICE_HOST", "") // not in a pod
	cases := []struct {
		name      string
		addr      string
		extra     []string
		wantErr   string
		wantReady bool
	}{
		{name: "both --t0 and --t0-configmap", addr: echo, extra: []string{"--t0", "1796126400000000000", "--t0-configmap", "bench/lb"},
			wantErr: "exclude each other"},
		{name: "a ref without a namespace", addr: echo, extra: []string{"--t0-configmap", "lb"}, wantErr: "NAMESPACE/NAME"},
		{name: "ready, then no cluster to watch", addr: echo, extra: []string{"--t0-configmap", "bench/lb"},
			wantErr: "works in a Kubernetes pod", wantReady: true},
		{name: "a target that does not answer is not ready", addr: closedPort(t), extra: []string{"--t0-configmap", "bench/lb"},
			wantErr: "does not answer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ready := filepath.Join(t.TempDir(), "ready")
			args := append([]string{"run", "--cell", cell, "--target-addr", tc.addr, "--index", "0", "--agents", "2", "--ready-file", ready}, tc.extra...)
			_, _, err := runCLI(args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if _, statErr := os.Stat(ready); (statErr == nil) != tc.wantReady {
				t.Errorf("ready file written: %v, want %v", statErr == nil, tc.wantReady)
			}
		})
	}
}

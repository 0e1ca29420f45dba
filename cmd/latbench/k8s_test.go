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

	"github.com/latbench/latbench/scenarios/scenariotest"
)

// k8sTestSuite is a suite file of one echo cell agents can share.
const k8sTestSuite = `name: k8s
targets: [ext]
defaults: {warmup: 100ms, duration: 1s, connections: 4, timeout: 1s}
scenarios:
  - scenario: echo
    size: 64
loads:
  - name: fixed
    rate: 400
`

// runK8sCLI runs the k8s and agent commands in this process, with the
// arguments arranged as main does, and returns their output and error.
func runK8sCLI(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	app := &cli.App{Name: "latbench", Writer: &stdout, ErrWriter: &stderr, ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{k8sCommand(&stdout, &stderr), agentCommand(&stdout, &stderr)}}
	err := app.Run(interspersed(app, append([]string{"latbench"}, args...)))
	return stdout.String(), stderr.String(), err
}

func TestK8sManifestCommand(t *testing.T) {
	dir := t.TempDir()
	cell := writeFile(t, dir, "cell.yaml", k8sTestSuite)
	base := []string{"k8s", "manifest", "--cell", cell, "--target-addr", "echo.bench.svc:7000", "--agents", "4", "--image", "ghcr.io/example/latbench:v1"}
	cases := []struct {
		name     string
		args     []string
		want     []string
		wantErr  string
		wantCode int
	}{
		{name: "defaults", args: base, want: []string{"kind: Job", "completions: 4", "namespace: default", "name: latbench-ext-echo-",
			"- --t0-configmap\n        - default/latbench-ext-echo-", "image: ghcr.io/example/latbench:v1", "activeDeadlineSeconds: 3600"}},
		{name: "namespace, name and resources", args: append(base, "--namespace", "bench", "--name", "lb", "--cpu", "1500m", "--memory", "512Mi"),
			want: []string{"namespace: bench", "- bench/lb", "cpu: 1500m", "memory: 512Mi"}},
		{name: "a bad name", args: append(base, "--name", "LB_1"), wantErr: `name "LB_1"`, wantCode: exitUsage},
		{name: "a bad quantity", args: append(base, "--cpu", "lots"), wantErr: `cpu "lots"`, wantCode: exitUsage},
		{name: "no such cell", args: append(base, "--cell-id", "go-http-max"), wantErr: "is not a cell of", wantCode: exitUsage},
		{name: "no image", args: base[:len(base)-2], wantErr: "needs --image", wantCode: exitUsage},
		{name: "no verb", args: append([]string{"k8s"}, base[2:]...), wantErr: "latbench k8s manifest --cell", wantCode: exitUsage},
		{name: "an unknown verb", args: append([]string{"k8s", "apply"}, base[2:]...), wantErr: "latbench k8s manifest --cell", wantCode: exitUsage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, _, err := runK8sCLI(tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || (tc.wantCode != 0 && exitCode(err) != tc.wantCode) {
					t.Fatalf("error %v (exit %d), want one containing %q (exit %d)", err, exitCode(err), tc.wantErr, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("the manifest lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}

func TestK8sManifestCommandWritesAFile(t *testing.T) {
	dir := t.TempDir()
	cell := writeFile(t, dir, "cell.yaml", k8sTestSuite)
	out := filepath.Join(dir, "agents.yaml")
	stdout, stderr, err := runK8sCLI("k8s", "manifest", "--cell", cell, "--target-addr", "svc:80", "--agents", "2",
		"--image", "img:1", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(data, []byte("kind: RoleBinding")) || stdout != "" || !strings.Contains(stderr, "kubectl apply -f "+out) {
		t.Fatalf("file %q (%v), stdout %q, stderr %q", data, err, stdout, stderr)
	}
}

func TestK8sReadyCommand(t *testing.T) {
	dir := t.TempDir()
	ready := writeFile(t, dir, "ready", "now\n")
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "ready", args: []string{"k8s", "ready", ready}},
		{name: "not yet", args: []string{"k8s", "ready", filepath.Join(dir, "missing")}, wantErr: "not ready"},
		{name: "no file", args: []string{"k8s", "ready"}, wantErr: "latbench k8s ready FILE"},
	}
	for _, tc := range cases {
		_, _, err := runK8sCLI(tc.args...)
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
	cell := writeFile(t, dir, "cell.yaml", k8sTestSuite)
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
			args := append([]string{"agent", "--cell", cell, "--target-addr", tc.addr, "--index", "0", "--agents", "2", "--ready-file", ready}, tc.extra...)
			_, _, err := runK8sCLI(args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if _, statErr := os.Stat(ready); (statErr == nil) != tc.wantReady {
				t.Errorf("ready file written: %v, want %v", statErr == nil, tc.wantReady)
			}
		})
	}
}

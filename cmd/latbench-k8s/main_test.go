package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"go.uber.org/goleak"

	"github.com/latbench/latbench/cmd/internal/cmdline"
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

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// runCLI runs latbench-k8s in this process, with the arguments arranged
// as main does, and returns its output and error.
func runCLI(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	app := newApp(&stdout, &stderr)
	app.ExitErrHandler = func(*cli.Context, error) {}
	err := app.Run(cmdline.Interspersed(app, append([]string{"latbench-k8s"}, args...)))
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

func TestK8sManifestCommand(t *testing.T) {
	dir := t.TempDir()
	cell := writeFile(t, dir, "cell.yaml", k8sTestSuite)
	base := []string{"manifest", "--cell", cell, "--target-addr", "echo.bench.svc:7000", "--agents", "4", "--image", "ghcr.io/example/latbench:v1"}
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
		{name: "a bad name", args: append(base, "--name", "LB_1"), wantErr: `name "LB_1"`, wantCode: cmdline.ExitUsage},
		{name: "a bad quantity", args: append(base, "--cpu", "lots"), wantErr: `cpu "lots"`, wantCode: cmdline.ExitUsage},
		{name: "no such cell", args: append(base, "--cell-id", "go-http-max"), wantErr: "is not a cell of", wantCode: cmdline.ExitUsage},
		{name: "no image", args: base[:len(base)-2], wantErr: `"image" not set`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, _, err := runCLI(tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || (tc.wantCode != 0 && cmdline.ExitCode(err) != tc.wantCode) {
					t.Fatalf("error %v (exit %d), want one containing %q (exit %d)", err, cmdline.ExitCode(err), tc.wantErr, tc.wantCode)
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
	stdout, stderr, err := runCLI("manifest", "--cell", cell, "--target-addr", "svc:80", "--agents", "2",
		"--image", "img:1", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(data, []byte("kind: RoleBinding")) || stdout != "" || !strings.Contains(stderr, "kubectl apply -f "+out) {
		t.Fatalf("file %q (%v), stdout %q, stderr %q", data, err, stdout, stderr)
	}
}

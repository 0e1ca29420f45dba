package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// testBins holds the binaries TestMain builds for the end-to-end tests.
type testBins struct {
	dir      string // temp folder; every process started from it has it in its argv
	latbench string
	server   string
}

// bins is set once by TestMain before any test runs and only read after.
var bins testBins

func TestMain(m *testing.M) {
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// runTests builds latbench and the Go reference server into a temp
// folder, runs the tests, and checks that no goroutine or child process
// outlived them.
func runTests(m *testing.M) (int, error) {
	dir := os.Getenv(testBinsEnv) // built already (runPrivately)
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "latbench-e2e-"); err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		if err := buildBins(dir); err != nil {
			return 0, err
		}
	}
	bins = testBins{dir: dir, latbench: filepath.Join(dir, "latbench"), server: filepath.Join(dir, "latbench-server-go")}
	code := m.Run()
	if left := processesUnder(dir); len(left) > 0 {
		return 1, fmt.Errorf("processes left running: %v", left)
	}
	if err := goleak.Find(); err != nil {
		return 1, err
	}
	return code, nil
}

// buildBins builds latbench, the Go reference server and latbench-agent
// into dir; latbench-agent sits beside latbench, where the local launcher
// finds it.
func buildBins(dir string) error {
	for name, pkg := range map[string]string{"latbench": ".", "latbench-server-go": "../../servers/go", "latbench-agent": "../latbench-agent"} {
		if msg, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", pkg, err, msg)
		}
	}
	return nil
}

// result is what one latbench invocation did.
type result struct {
	code           int
	stdout, stderr string
	pid            int
}

// latbench runs the built CLI from the repository root with args and a
// time limit, and returns its exit code and output.
func latbench(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(bins.latbench, args...)
	cmd.Dir = repoRoot(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("latbench %v did not finish in 2 minutes; stderr:\n%s", args, stderr.String())
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String(), pid: cmd.Process.Pid}
}

// repoRoot returns the repository root, two levels up.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
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

// testManifest writes a manifest whose target "go" is the server built by
// TestMain, plus the extra entries given, and returns its path.
func testManifest(t *testing.T, extra string) string {
	t.Helper()
	return writeFile(t, t.TempDir(), "targets.yaml", fmt.Sprintf(`targets:
  - name: go
    language: Go
    modes: [echo, http, proxy, grpc]
    binary: %[1]s
    command: [%[1]q, "--mode", "{mode}", "--listen", "{listen}", "--backend", "{backend}"]
    tls: ["--tls-cert", "{tls_cert}", "--tls-key", "{tls_key}"]
%[2]s`, bins.server, extra))
}

// runDirs returns the run folders under out.
func runDirs(t *testing.T, out string) []string {
	t.Helper()
	entries, err := os.ReadDir(out)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		dirs = append(dirs, filepath.Join(out, e.Name()))
	}
	return dirs
}

// processesUnder returns the pids whose command line mentions dir.
func processesUnder(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), dir) && !isZombie(e.Name()) {
			pids = append(pids, e.Name()+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return pids
}

// isZombie reports whether pid has exited but not been reaped.
func isZombie(pid string) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z'
}

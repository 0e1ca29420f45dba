package servers

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaks a goroutine and removes the Go
// reference server built for the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		removeGoServer()
		os.Exit(code)
	}))
}

// Generous bounds for a noisy 2-core machine running with -race.
const (
	testReadyTimeout = 60 * time.Second
	testGrace        = 10 * time.Second
	testWait         = 30 * time.Second
)

// goServerBuild is the Go reference server built once for all tests.
var goServerBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// goServer returns the path of the Go reference server (./servers/go),
// built on first use into a temporary directory.
func goServer(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go toolchain not on PATH; cannot build the reference server")
	}
	root := repoRoot(t)
	b := &goServerBuild
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "latbench-servers-test-")
		if b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "latbench-server-go")
		cmd := exec.Command("go", "build", "-o", b.path, "./servers/go")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = errors.New("go build ./servers/go: " + err.Error() + "\n" + string(out))
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// removeGoServer deletes the directory goServer built into, if any.
func removeGoServer() {
	if goServerBuild.dir != "" {
		_ = os.RemoveAll(goServerBuild.dir)
	}
}

// repoRoot returns the repository root: the directory of go.mod, one level
// above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s has no go.mod: %v", root, err)
	}
	return root
}

// goTarget returns a target running the Go reference server binary bin.
func goTarget(bin string) *Target {
	return &Target{
		Name:     "go-test",
		Language: "Go",
		Modes:    []string{ModeEcho, ModeHTTP, ModeProxy},
		Command:  []string{bin, "--mode", "{mode}", "--listen", "{listen}", "--backend", "{backend}", "--threads", "{threads}"},
	}
}

// shTarget returns an echo-mode target that runs script with sh -c; the
// script's $1 is the listen address.
func shTarget(name, script string) *Target {
	return &Target{Name: name, Modes: []string{ModeEcho}, Command: []string{"sh", "-c", script, name, "{listen}"}}
}

// launch starts spec (filling in Root and a generous ReadyTimeout) and
// registers a Stop for the end of the test.
func launch(t *testing.T, spec StartSpec) *Process {
	t.Helper()
	p, err := launchErr(t, spec)
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	return p
}

// launchErr is launch returning Launch's error; a process it starts is
// stopped at the end of the test.
func launchErr(t *testing.T, spec StartSpec) (*Process, error) {
	t.Helper()
	if spec.Root == "" {
		spec.Root = t.TempDir()
	}
	if spec.ReadyTimeout == 0 {
		spec.ReadyTimeout = testReadyTimeout
	}
	if spec.Mode == "" {
		spec.Mode = ModeEcho
	}
	p, err := Start(context.Background(), spec)
	if p != nil {
		t.Cleanup(func() { _ = p.Stop(testGrace) })
	}
	return p, err
}

// startRaw starts the target of spec without waiting for readiness, for
// tests of processes that never listen, and stops it at the end of the
// test.
func startRaw(t *testing.T, target *Target) *Process {
	t.Helper()
	p, err := startCopies(StartSpec{Target: target, Mode: ModeEcho, Root: t.TempDir(), Listen: "127.0.0.1:1"})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = p.Stop(testGrace) })
	return p
}

// pidAlive reports whether pid exists and is not a zombie.
func pidAlive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	ps, err := parseProcStat(data)
	return err == nil && ps.State != 'Z' && ps.State != 'X'
}

// waitFor polls cond every 10ms until it holds or testWait passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s", testWait, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readPidFile waits until path holds a pid written by a test script and
// returns it.
func readPidFile(t *testing.T, path string) int {
	t.Helper()
	var pid int
	waitFor(t, "the script wrote its pid to "+path, func() bool {
		data, err := os.ReadFile(path)
		if err != nil || !bytes.HasSuffix(data, []byte("\n")) {
			return false
		}
		pid, err = strconv.Atoi(string(bytes.TrimSpace(data)))
		return err == nil && pid > 0
	})
	return pid
}

// killPid sends SIGKILL to pid, ignoring a process that is already gone.
func killPid(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("kill %d: %v", pid, err)
	}
}

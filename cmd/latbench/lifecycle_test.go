package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
)

func TestTargetDiesMidRun(t *testing.T) {
	// "dying" is the Go server killed with SIGKILL 1.5 s after it starts,
	// about a second into the measured window.
	manifest := testManifest(t, fmt.Sprintf(`  - name: dying
    modes: [echo]
    command: ["timeout", "-s", "KILL", "1.5", %q, "--mode", "{mode}", "--listen", "{listen}"]
`, bins.server))
	suiteFile := writeFile(t, t.TempDir(), "dies.yaml", `name: dies
targets: [dying, go]
defaults: {warmup: 300ms, duration: 4s, connections: 2, timeout: 500ms}
scenarios: [{scenario: echo}]
loads: [{rate: 300}]
`)
	out := t.TempDir()
	r := latbench(t, "suite", suiteFile, "--targets", manifest, "--out", out)
	if r.code != cmdline.ExitFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, cmdline.ExitFailed, r.stderr)
	}
	run := checkRunDir(t, out, 2)
	if len(run.Cells) != 2 {
		t.Fatalf("%d cells, want 2 (the suite goes on after a failure)", len(run.Cells))
	}
	dead, next := run.Cells[0], run.Cells[1]
	if dead.Status != results.StatusFailed || !strings.Contains(dead.Failure, "exited") {
		t.Errorf("dying cell: status %q, failure %q; want failed, with the exit", dead.Status, dead.Failure)
	}
	if dead.Stats.Requests == 0 || dead.Histograms.Latency == "" {
		t.Errorf("dying cell kept no partial results: %d requests", dead.Stats.Requests)
	}
	if next.Status != results.StatusOK || next.Stats.Requests == 0 {
		t.Errorf("next cell: status %q, %d requests; want ok with requests", next.Status, next.Stats.Requests)
	}
	if !strings.Contains(r.stdout, "FAILED") {
		t.Errorf("table does not show the failure:\n%s", r.stdout)
	}
	if left := processesUnder(bins.dir); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
}

func TestSignalStopsEverything(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			out := t.TempDir()
			cmd := exec.Command(bins.latbench, "run", "--targets", testManifest(t, ""), "--out", out,
				"--warmup", "200ms", "--duration", "60s", "--rate", "300")
			cmd.Dir = repoRoot(t)
			var stdout bytes.Buffer
			stderr := &syncBuffer{}
			cmd.Stdout, cmd.Stderr = &stdout, stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// Into the measured window: its first quarter-second interval
			// is in the interval log (a busy machine can take seconds to
			// start the target).
			waitFor(t, 60*time.Second, func() bool { return intervalLogged(out) })
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("latbench ignored %v; stderr:\n%s", sig, stderr.String())
			}
			if code := cmd.ProcessState.ExitCode(); code != cmdline.ExitInterrupted {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, cmdline.ExitInterrupted, stderr.String())
			}
			if left := processesUnder(bins.dir); len(left) > 0 {
				t.Errorf("processes left after %v: %v", sig, left)
			}
			run := checkRunDir(t, out, 1)
			if run.Complete || len(run.Cells) != 1 || run.Cells[0].Stats.Requests == 0 {
				t.Errorf("partial results not kept: complete %v, %d cells", run.Complete, len(run.Cells))
			}
			if !strings.Contains(run.Cells[0].Failure, "interrupted") {
				t.Errorf("cell failure %q, want interrupted", run.Cells[0].Failure)
			}
		})
	}
}

// A run killed with SIGKILL cannot clean up: its agents' namespaces and
// links stay, and a target's own child (a grandchild of latbench, as
// nginx's workers are) outlives it. The next latbench sweeps all of it,
// and says so. It runs in namespaces of its own, where no other latbench
// (another make test's) can sweep first.
func TestKilledRunIsSweptByTheNext(t *testing.T) {
	needNamespaces(t)
	if !inPrivateHost() {
		runPrivately(t, "TestKilledRunIsSweptByTheNext")
		return
	}
	// forky starts a second copy of the server in the background, then
	// becomes the server: the copy is a grandchild of latbench, in the
	// target's process group.
	manifest := testManifest(t, fmt.Sprintf(`  - name: forky
    modes: [echo]
    command: ["sh", "-c", "%[1]s --mode echo --listen 127.0.0.1:0 & exec %[1]s --mode echo --listen {listen}"]
`, bins.server))
	cmd := exec.Command(bins.latbench, "run", "--targets", manifest, "--target", "forky", "--out", t.TempDir(),
		"--scenario", "echo", "--rate", "200", "--connections", "2", "--warmup", "200ms", "--duration", "60s",
		"--agents", "2", "--launcher", "local")
	cmd.Dir = repoRoot(t)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			<-done
		}
	}()
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		left, procs := leftoverNames(pid), processesUnder(bins.dir)
		namespaces := 0
		for _, name := range left {
			if strings.HasPrefix(name, "latbench-") {
				namespaces++
			}
		}
		if namespaces == 2 && len(procs) >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agents did not start in 60 s: network %q, processes %q; stderr:\n%s", left, procs, stderr.String())
		}
	}
	time.Sleep(time.Second) // the agents run
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	time.Sleep(500 * time.Millisecond) // the parent-death signals land
	before := leftoverAgentNetwork(t, pid)
	orphans := processesUnder(bins.dir)
	if before == "" || len(orphans) == 0 {
		t.Fatalf("after SIGKILL: leftovers %q, processes %v; the test needs both to test the sweep", before, orphans)
	}
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--out", t.TempDir(), "--scenario", "echo",
		"--rate", "100", "--warmup", "0s", "--duration", "300ms")
	if r.code != 0 {
		t.Fatalf("the next run: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if left := leftoverAgentNetwork(t, pid); left != "" {
		t.Errorf("the next run left the killed run's network: %s", left)
	}
	if left := processesUnder(bins.dir); len(left) > 0 {
		t.Errorf("the next run left the killed run's processes: %v", left)
	}
	for _, want := range []string{"killed process group", "removed network namespace latbench-" + strconv.Itoa(pid), "removed link " + linkPrefix(pid)} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the next run did not say %q; stderr:\n%s", want, r.stderr)
		}
	}
}

// intervalLogged reports whether a run under out has written a measured
// interval to a cell's interval log: a line of data after its comments and
// header.
func intervalLogged(out string) bool {
	logs, _ := filepath.Glob(filepath.Join(out, "*", "*.latency.hlog*")) // .NAME.tmp-N while it runs
	for _, name := range logs {
		b, _ := os.ReadFile(name)
		for _, line := range strings.Split(string(b), "\n") {
			if line != "" && line[0] >= '0' && line[0] <= '9' {
				return true
			}
		}
	}
	return false
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("condition not met in %v", d)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

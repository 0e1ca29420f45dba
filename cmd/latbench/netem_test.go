package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/cmd/internal/cmdline"
)

// netemReady skips unless this machine can make network namespaces: root,
// ip and tc. With CI=true, or inside UML, it fails instead, as CI runs as
// root.
func netemReady(t *testing.T) {
	t.Helper()
	_, ipErr := exec.LookPath("ip")
	_, tcErr := exec.LookPath("tc")
	if os.Geteuid() == 0 && ipErr == nil && tcErr == nil {
		return
	}
	if os.Getenv("CI") == "true" || inUML() {
		t.Fatal("--netem needs root, ip and tc (iproute2), and CI=true expects them")
	}
	t.Skip("--netem needs root, ip and tc (iproute2)")
}

// The truth is known: a netem delay of 20 ms on the link to the target
// moves the measured p50 by 20 ms (answers come back on a clean link),
// give or take the server's own time and the jitter of a busy machine:
// the shift from a cell without netem is judged, not the p50 itself. A
// busy machine can still stall a cell (a kernel that runs as a process
// most of all), so a pair that misses is measured again, up to six
// times; a netem that does not delay, or delays both ways, misses every
// time. The namespace and its link are gone afterwards. On a kernel
// without sch_netem the test runs inside User-mode Linux (uml_test.go).
func TestNetemMovesP50ByItsDelay(t *testing.T) {
	netemReady(t)
	if !inUML() {
		if why := hostLacksNetem(t); why != "" {
			runInUML(t, "TestNetemMovesP50ByItsDelay", why)
			return
		}
	}
	// Up to maxTries pairs, while the test's deadline leaves room for one
	// more (a pair takes 10–40 s inside UML on a busy host).
	const maxTries = 6
	deadline, hasDeadline := t.Deadline()
	for try := 1; ; try++ {
		base := echoP50(t)
		delayed := echoP50(t, "--netem", "delay 20ms")
		shift := delayed - base
		t.Logf("try %d: p50 %.0f µs without netem, %.0f µs with a 20 ms netem delay: moved by %.0f µs", try, base, delayed, shift)
		if shift >= 10_000 && shift <= 30_000 {
			break
		}
		if try == maxTries || hasDeadline && time.Until(deadline) < 60*time.Second {
			t.Errorf("a 20 ms netem delay moved p50 by %.0f µs (%.0f to %.0f), want 10,000 to 30,000, in each of %d tries", shift, base, delayed, try)
			break
		}
	}
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil || strings.Contains(string(out), "latbench-") {
		t.Errorf("namespaces left behind: %s %v", out, err)
	}
}

// echoP50 runs a short echo cell on the Go server with the extra flags
// and returns its p50 in µs. The rate is low and the connections many, so
// that a stall does not leave requests queued for a free connection.
func echoP50(t *testing.T, extra ...string) float64 {
	t.Helper()
	r := latbench(t, append([]string{"run", "--targets", testManifest(t, ""), "--out", t.TempDir(), "--scenario", "echo",
		"--rate", "50", "--connections", "20", "--warmup", "300ms", "--duration", "2s", "--format", "json"}, extra...)...)
	if r.code != 0 {
		t.Fatalf("latbench %v: exit %d, stderr:\n%s", extra, r.code, r.stderr)
	}
	var s summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || len(s.Cells) != 1 {
		t.Fatalf("summary: %v\n%s", err, r.stdout)
	}
	return s.Cells[0].LatencyUs["p50"]
}

// A netem spec tc does not take is bad input, reported before anything
// runs, with nothing left behind.
func TestNetemBadSpec(t *testing.T) {
	netemReady(t)
	out := t.TempDir()
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--out", out, "--netem", "dealy 2ms")
	if r.code != cmdline.ExitUsage || !strings.Contains(r.stderr, "tc netem options start with one of") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = latbench(t, "run", "--targets", testManifest(t, ""), "--out", out, "--netem", "delay soon")
	if r.code != cmdline.ExitUsage || !(strings.Contains(r.stderr, "tc qdisc add") || strings.Contains(r.stderr, "has no netem qdisc")) {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if dirs := runDirs(t, out); len(dirs) > 0 {
		t.Errorf("bad input left run folders %v", dirs)
	}
}

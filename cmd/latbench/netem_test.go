package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/latbench/latbench/cmd/internal/cmdline"
)

// netemReady skips unless this machine can make network namespaces: root,
// ip and tc. With CI=true it fails instead, as CI runs as root.
func netemReady(t *testing.T) {
	t.Helper()
	_, ipErr := exec.LookPath("ip")
	_, tcErr := exec.LookPath("tc")
	if os.Geteuid() == 0 && ipErr == nil && tcErr == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("--netem needs root, ip and tc (iproute2), and CI=true expects them")
	}
	t.Skip("--netem needs root, ip and tc (iproute2)")
}

// The truth is known: a netem delay of 20 ms on the link to the target
// moves the measured p50 by 20 ms (answers come back on a clean link),
// give or take the server's own time and the jitter of a busy machine.
// The namespace and its link are gone afterwards.
func TestNetemMovesP50ByItsDelay(t *testing.T) {
	netemReady(t)
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--out", t.TempDir(), "--scenario", "echo",
		"--rate", "200", "--warmup", "300ms", "--duration", "2s", "--format", "json", "--netem", "delay 20ms")
	if strings.Contains(r.stderr, "has no netem qdisc") {
		t.Skip(strings.TrimSpace(r.stderr)) // a kernel without sch_netem: nothing to measure, and nothing a repository can install
	}
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	var s summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || len(s.Cells) != 1 {
		t.Fatalf("summary: %v\n%s", err, r.stdout)
	}
	if p50 := s.Cells[0].LatencyUs["p50"]; p50 < 20_000 || p50 > 30_000 {
		t.Errorf("p50 %.0f µs with a 20 ms netem delay, want 20,000 to 30,000", p50)
	}
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil || strings.Contains(string(out), "latbench-") {
		t.Errorf("namespaces left behind: %s %v", out, err)
	}
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

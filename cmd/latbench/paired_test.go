package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
)

// --paired backend through the Go proxy: both arms on one schedule, each
// with the schedule's count; the reference arm's connections go to the
// backend's own port; the table names the difference.
func TestPairedWithTheBackend(t *testing.T) {
	out := t.TempDir()
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--out", out, "--scenario", "http", "--size", "1000",
		"--backend", "go", "--paired", "backend", "--rate", "400", "--warmup", "200ms", "--duration", "2s", "--seed", "5")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	run, dir := loadOnlyRun(t, out)
	c := run.Cells[0]
	p := c.Paired
	if p == nil {
		t.Fatal("no paired figures in result.json")
	}
	if c.Stats.FellDue != 800 || p.Reference.Stats.FellDue != 800 || c.Stats.Requests != 800 || p.Reference.Stats.Requests != 800 {
		t.Errorf("fell due %d and %d, answered %d and %d; want the schedule's 800 (400 rps for 2 s) in each arm",
			c.Stats.FellDue, p.Reference.Stats.FellDue, c.Stats.Requests, p.Reference.Stats.Requests)
	}
	backendListen := ""
	if i := slices.Index(c.BackendArgv, "--listen"); i >= 0 && i+1 < len(c.BackendArgv) {
		backendListen = c.BackendArgv[i+1]
	}
	if backendListen == "" || p.Reference.Addr != backendListen || c.Load.TargetAddr == backendListen {
		t.Errorf("reference arm at %q, backend listens on %q, target at %q: the reference arm must address the backend directly",
			p.Reference.Addr, backendListen, c.Load.TargetAddr)
	}
	if p.Blocks < 2 || p.Arms != [2]string{"go (backend)", "go"} || p.Method != results.PairedMethod {
		t.Errorf("paired: %d blocks, arms %q, method %q", p.Blocks, p.Arms, p.Method)
	}
	if d := p.DiffUs.P50; d.CILow > d.Value || d.Value > d.CIHigh {
		t.Errorf("p50 difference %v outside its interval [%v, %v]", d.Value, d.CILow, d.CIHigh)
	}
	if !strings.Contains(r.stdout, "Paired cells: target − reference") {
		t.Errorf("the table lacks the paired differences:\n%s", r.stdout)
	}
	if err := results.LoadIntervals(dir, run); err != nil || len(run.Cells[0].Paired.Reference.Intervals) == 0 {
		t.Errorf("the reference arm's interval log: %v, %d intervals", err, len(run.Cells[0].Paired.Reference.Intervals))
	}
}

// A paired arm that dies fails the cell, and says which arm.
func TestPairedArmDies(t *testing.T) {
	manifest := testManifest(t, fmt.Sprintf(`  - name: dying
    modes: [echo]
    command: ["timeout", "-s", "KILL", "1.5", %q, "--mode", "{mode}", "--listen", "{listen}"]
`, bins.server))
	r := latbench(t, "run", "--targets", manifest, "--out", t.TempDir(), "--scenario", "echo", "--paired", "dying",
		"--rate", "200", "--warmup", "300ms", "--duration", "3s", "--timeout", "500ms")
	if r.code != cmdline.ExitFailed || !strings.Contains(r.stderr, "paired arm dying") {
		t.Errorf("exit %d, want %d and the arm named; stderr:\n%s", r.code, cmdline.ExitFailed, r.stderr)
	}
}

// Bad paired input is refused with the fix, before anything runs.
func TestPairedBadInput(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "an unknown target", args: []string{"--paired", "nosuch"}, wantErr: "nosuch"},
		{name: "backend without a backend", args: []string{"--paired", "backend"}, wantErr: "give the proxy's --backend NAME"},
		{name: "target-addr without paired-addr", args: []string{"--paired", "go", "--target-addr", "127.0.0.1:1"}, wantErr: "--paired-addr HOST:PORT"},
		{name: "paired-addr without paired", args: []string{"--paired-addr", "127.0.0.1:1"}, wantErr: "--paired-addr needs --paired NAME"},
		{name: "max-steal above 100", args: []string{"--max-steal", "150"}, wantErr: "percentage from 0 to 100"},
		{name: "max-steal below 0", args: []string{"--max-steal", "-1"}, wantErr: "percentage from 0 to 100"},
		{name: "retries without max-steal", args: []string{"--retries", "3"}, wantErr: "--retries needs --max-steal"},
		{name: "negative retries", args: []string{"--max-steal", "10", "--retries", "-1"}, wantErr: "--retries -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			r := latbench(t, append([]string{"run", "--targets", testManifest(t, ""), "--out", out}, tt.args...)...)
			if r.code != cmdline.ExitUsage || !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("exit %d, want %d with %q; stderr:\n%s", r.code, cmdline.ExitUsage, tt.wantErr, r.stderr)
			}
			if dirs := runDirs(t, out); len(dirs) > 0 {
				t.Errorf("bad input left run folders %v", dirs)
			}
		})
	}
}

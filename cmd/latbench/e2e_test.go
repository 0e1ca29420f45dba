package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latbench/latbench/results"
)

// summary is the part of `--format json` output the tests check.
type summary struct {
	Cells []struct {
		Target      string             `json:"target"`
		Scenario    string             `json:"scenario"`
		Loop        string             `json:"loop"`
		Status      string             `json:"status"`
		AchievedRPS float64            `json:"achieved_rps"`
		Requests    int64              `json:"requests"`
		Errors      int64              `json:"errors"`
		LatencyUs   map[string]float64 `json:"latency_us"`
		ServiceUs   map[string]float64 `json:"service_time_us"`
	} `json:"cells"`
}

// shortRun are flags that keep an end-to-end run under a second or two.
var shortRun = []string{"--warmup", "200ms", "--duration", "700ms"}

func TestRunEndToEnd(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		scenario string
		loop     string
	}{
		{name: "echo open loop", args: []string{"--scenario", "echo", "--rate", "500"}, scenario: "echo", loop: "open"},
		{name: "echo poisson spin", args: []string{"--scenario", "echo", "--rate", "500", "--pacing", "poisson", "--wait", "spin"},
			scenario: "echo", loop: "open"},
		{name: "http closed loop", args: []string{"--scenario", "http", "--rate", "max", "-c", "2"}, scenario: "http", loop: "closed"},
		{name: "http reconnecting", args: []string{"--scenario", "http", "--rate", "300", "--reconnect-every", "5", "--size", "100"},
			scenario: "http", loop: "open"},
		{name: "connect http", args: []string{"--scenario", "connect", "--protocol", "http", "--rate", "200"},
			scenario: "connect", loop: "open"},
		{name: "echo through the go proxy", args: []string{"--scenario", "echo", "--rate", "300", "--backend", "go"},
			scenario: "echo-proxy", loop: "open"},
	}
	manifest := testManifest(t, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			// A 3 s window: beside a second make test a stall of a second
			// left a 0.7 s window with no request completed inside it.
			args := []string{"run", "--targets", manifest, "--out", out, "--format", "json", "--warmup", "200ms", "--duration", "3s"}
			r := latbench(t, append(args, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			var s summary
			if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
				t.Fatalf("stdout is not the JSON summary: %v\n%s", err, r.stdout)
			}
			if len(s.Cells) != 1 {
				t.Fatalf("got %d cells, want 1", len(s.Cells))
			}
			c := s.Cells[0]
			if c.Target != "go" || c.Scenario != tt.scenario || c.Loop != tt.loop || c.Status != "ok" {
				t.Errorf("cell = %s/%s/%s/%s, want go/%s/%s/ok", c.Target, c.Scenario, c.Loop, c.Status, tt.scenario, tt.loop)
			}
			if c.Requests == 0 || c.Errors != 0 || c.AchievedRPS <= 0 {
				t.Errorf("requests %d, errors %d, achieved %g rps; want requests and no errors", c.Requests, c.Errors, c.AchievedRPS)
			}
			for _, key := range []string{"p50", "p90", "p99", "p999", "p9999", "max", "mean", "stddev"} {
				if _, ok := c.LatencyUs[key]; !ok {
					t.Errorf("latency_us has no %q", key)
				}
			}
			if c.LatencyUs["p50"] <= 0 || c.LatencyUs["p99"] < c.LatencyUs["p50"] || c.ServiceUs["p50"] <= 0 {
				t.Errorf("implausible percentiles: latency %v, service %v", c.LatencyUs, c.ServiceUs)
			}
			checkRunDir(t, out, 1)
		})
	}
}

// checkRunDir checks that out holds one run folder with result.json, the
// reports and two .hgrm files per measured cell, and returns the run.
func checkRunDir(t *testing.T, out string, measured int) *results.Run {
	t.Helper()
	run, dir := loadOnlyRun(t, out)
	hgrms, _ := filepath.Glob(filepath.Join(dir, "*.hgrm"))
	if len(hgrms) != 2*measured {
		t.Errorf("%d .hgrm files, want %d", len(hgrms), 2*measured)
	}
	for _, h := range hgrms {
		data, err := os.ReadFile(h)
		if err != nil || !strings.Contains(string(data), "Percentile") {
			t.Errorf("%s is not a percentile distribution: %v", h, err)
		}
	}
	if run.Env.CPUModel == "" || run.Env.GoVersion == "" || run.Env.CPUCount == 0 {
		t.Errorf("environment not recorded: %+v", run.Env)
	}
	return run
}

func TestSuiteAndReport(t *testing.T) {
	out := t.TempDir()
	suiteFile := writeFile(t, t.TempDir(), "mini.yaml", `name: mini
targets: [go]
defaults: {warmup: 100ms, duration: 500ms, connections: 2}
scenarios:
  - scenario: echo
  - scenario: http
    size: 1000
loads:
  - {name: fixed, rate: 400}
  - {name: max, rate: max}
`)
	r := latbench(t, "suite", suiteFile, "--targets", testManifest(t, ""), "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Latency (µs)", "Cost", "echo", "http", "closed", "open"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table has no %q:\n%s", want, r.stdout)
		}
	}
	run := checkRunDir(t, out, 4)
	if len(run.Cells) != 4 || !run.Complete {
		t.Fatalf("%d cells, complete %v; want 4, true", len(run.Cells), run.Complete)
	}
	for _, name := range []string{"report.txt", "report.md"} {
		if _, err := os.Stat(filepath.Join(runDirs(t, out)[0], name)); err != nil {
			t.Error(err)
		}
	}
	rep := latbench(t, "report", runDirs(t, out)[0], "--format", "markdown")
	if rep.code != 0 || !strings.Contains(rep.stdout, "| target") {
		t.Errorf("report: exit %d, stdout:\n%s\nstderr:\n%s", rep.code, rep.stdout, rep.stderr)
	}
}

// Pinning decides the event loops: one per client CPU, spinning when the
// client's CPUs are its own, blocking when it shares one with the target.
func TestPinning(t *testing.T) {
	if len(allowedCPUs(t)) < 2 {
		if os.Getenv("CI") == "true" {
			t.Fatal("pinning needs two CPUs, and CI=true runs on a machine with two")
		}
		t.Skip("needs two CPUs")
	}
	tests := []struct {
		name       string
		args       []string
		wantClient string
		wantLoops  int
		wantWait   string
	}{
		{name: "client and target apart", args: []string{"--client-cpus", "0", "--target-cpus", "1"},
			wantClient: "0", wantLoops: 1, wantWait: "spin"},
		{name: "two client CPUs, one shared with the target", args: []string{"--client-cpus", "0-1", "--target-cpus", "1"},
			wantClient: "0-1", wantLoops: 2, wantWait: "block"},
		{name: "hybrid asked for", args: []string{"--client-cpus", "0", "--target-cpus", "1", "--wait", "hybrid", "--spin-window", "50us"},
			wantClient: "0", wantLoops: 1, wantWait: "hybrid/50µs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"run", "--targets", testManifest(t, ""), "--out", out}, shortRun...)
			r := latbench(t, append(args, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			run := checkRunDir(t, out, 1)
			load := run.Cells[0].Load
			if run.Env.ClientCPUs != tt.wantClient || run.Env.TargetCPUs != "1" || load.TargetCPUs != "1" {
				t.Errorf("cpusets recorded: env %s/%s, cell %s; want %s/1/1", run.Env.ClientCPUs, run.Env.TargetCPUs, load.TargetCPUs, tt.wantClient)
			}
			if load.Loops != tt.wantLoops || load.Wait != tt.wantWait {
				t.Errorf("loops %d, wait %q; want %d, %q", load.Loops, load.Wait, tt.wantLoops, tt.wantWait)
			}
			if run.Env.CPUCount < 2 {
				t.Errorf("environment cpu_count %d: the machine's CPUs, not the client's cpuset", run.Env.CPUCount)
			}
			if argv := run.Cells[0].TargetArgv; len(argv) == 0 || !strings.Contains(strings.Join(argv, " "), "latbench-server-go") {
				t.Errorf("target argv %q not recorded", argv)
			}
		})
	}
}

func TestTargetsCommand(t *testing.T) {
	manifest := testManifest(t, `  - name: unbuilt
    language: Rust
    modes: [echo]
    requires: [no-such-toolchain-xyz]
    binary: /nonexistent/unbuilt
    command: ["/nonexistent/unbuilt", "{listen}"]
`)
	r := latbench(t, "targets", "--targets", manifest)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"go ", "unbuilt", "toolchain no-such-toolchain-xyz", "install no-such-toolchain-xyz"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("targets output lacks %q:\n%s", want, r.stdout)
		}
	}
}

package main

import (
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/latbench/latbench/cmd/internal/cmdline"
)

func TestBadInput(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	dir := t.TempDir()
	manifest := testManifest(t, `  - name: rusty
    language: Rust
    modes: [echo]
    requires: [no-such-toolchain-xyz]
    build: no-such-toolchain-xyz build
    binary: /nonexistent/latbench-rusty
    command: ["/nonexistent/latbench-rusty", "--listen", "{listen}"]
`)
	badSuite := writeFile(t, dir, "bad.yaml", "name: bad\ntargets: [go]\nscenarios:\n  - scenario: echo\n    sise: 64\nloads:\n  - rate: 10\n")
	badManifest := writeFile(t, dir, "badtargets.yaml", "targets:\n  - name: x\n    modes: [echo]\n    comand: [x]\n")
	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{name: "unknown flag", args: []string{"run", "--rat", "5"}, want: []string{"flag provided but not defined: -rat", "latbench run --help"}},
		{name: "unknown command", args: []string{"rnu"}, want: []string{`unknown command "rnu"`, `did you mean "run"`}},
		{name: "zero rate", args: []string{"run", "--rate", "0"}, want: []string{"--rate 0: must be above 0", "--rate max"}},
		{name: "negative rate", args: []string{"run", "--rate", "-5"}, want: []string{"must be above 0"}},
		{name: "rate not a number", args: []string{"run", "--rate", "fast"}, want: []string{`--rate "fast"`}},
		{name: "no connections", args: []string{"run", "--connections", "0"}, want: []string{"--connections 0"}},
		{name: "unknown pacing", args: []string{"run", "--pacing", "gauss"}, want: []string{"--pacing", "uniform or poisson"}},
		{name: "unknown wait strategy", args: []string{"run", "--wait", "nap"}, want: []string{"--wait", "spin, hybrid or block"}},
		{name: "unknown format", args: []string{"run", "--format", "xml"}, want: []string{`unknown --format "xml"`}},
		{name: "unknown scenario", args: []string{"run", "--scenario", "ecoh"}, want: []string{`unknown scenario "ecoh"`, `did you mean "echo"`}},
		{name: "unknown target", args: []string{"run", "--targets", manifest, "--target", "og"},
			want: []string{`unknown target "og"`, `did you mean "go"`}},
		{name: "mode not served", args: []string{"run", "--targets", manifest, "--target", "rusty", "--scenario", "http"},
			want: []string{"target rusty does not serve http mode"}},
		{name: "missing toolchain", args: []string{"run", "--targets", manifest, "--target", "rusty"},
			want: []string{"target rusty cannot run", "toolchain no-such-toolchain-xyz", "install no-such-toolchain-xyz"}},
		{name: "port in use", args: []string{"run", "--targets", manifest, "--listen", held.Addr().String()},
			want: []string{held.Addr().String(), "in use"}},
		{name: "suite typo", args: []string{"suite", badSuite}, want: []string{"bad.yaml: line 5", "sise", `"size"`}},
		{name: "suite missing", args: []string{"suite", "nope.yaml"}, want: []string{"nope.yaml does not exist"}},
		{name: "suite without file", args: []string{"suite"}, want: []string{"missing suite file"}},
		{name: "manifest typo", args: []string{"run", "--targets", badManifest}, want: []string{"badtargets.yaml:4", "comand", `"command"`}},
		{name: "manifest missing", args: []string{"run", "--targets", "/nonexistent/t.yaml"}, want: []string{"/nonexistent/t.yaml: no such file"}},
		{name: "report of no run", args: []string{"report", dir}, want: []string{"has no result.json"}},
		{name: "bad cpuset", args: []string{"run", "--client-cpus", "0-x"}, want: []string{"--client-cpus"}},
		{name: "rate steps without max", args: []string{"run", "--rate-step", "100"}, want: []string{"--rate-step and --rate-max"}},
		{name: "rate steps from max", args: []string{"run", "--rate", "max", "--rate-step", "100", "--rate-max", "500"}, want: []string{"starting --rate N"}},
		{name: "rate steps downwards", args: []string{"run", "--rate", "500", "--rate-step", "100", "--rate-max", "200"}, want: []string{"--rate-max 200 is below --rate 500"}},
		{name: "find-max bad SLO", args: []string{"run", "--find-max", "--slo", "99=2ms"}, want: []string{"--slo", "pNN=DURATION"}},
		{name: "find-max closed loop", args: []string{"run", "--find-max", "--rate", "max"}, want: []string{"starting --rate N"}},
		{name: "find-max error rate", args: []string{"run", "--find-max", "--max-error-rate", "2"}, want: []string{"--max-error-rate 2"}},
		{name: "zero rounds", args: []string{"run", "--rounds", "0"}, want: []string{"--rounds 0"}},
		{name: "rounds with find-max", args: []string{"run", "--find-max", "--rounds", "3"}, want: []string{"--rounds and --find-max"}},
		{name: "compare one run", args: []string{"compare", dir}, want: []string{"compare takes two run folders"}},
		{name: "unknown fault", args: []string{"run", "--fault", "at 1s: stop-tagret 1s"}, want: []string{`unknown fault "stop-tagret"`, `did you mean "stop-target"`}},
		{name: "fault outside the window", args: []string{"run", "-d", "5s", "--fault", "at 6s: stop-target 1s"}, want: []string{"outside the measured window of 5s"}},
		{name: "backend fault without a backend", args: []string{"run", "--fault", "at 1s: kill-backend"}, want: []string{"needs a proxy cell (--backend NAME)"}},
		{name: "mix weight that does not parse", args: []string{"run", "--scenario", "http", "--mix", "ninety:/bytes/100"}, want: []string{`weight "ninety"`}},
		{name: "mix on echo", args: []string{"run", "--scenario", "echo", "--mix", "1:/bytes/1"}, want: []string{"needs the http scenario"}},
		{name: "bad target workers", args: []string{"run", "--target-workers", "-1"}, want: []string{"--target-workers -1"}},
		{name: "compare no runs", args: []string{"compare", dir, dir}, want: []string{"has no result.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := tt.args
			if args[0] == "run" || args[0] == "suite" {
				args = append(args, "--out", out)
			}
			r := latbench(t, args...)
			if r.code != cmdline.ExitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, cmdline.ExitUsage, r.stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if dirs := runDirs(t, out); len(dirs) > 0 {
				t.Errorf("bad input left run folders %v", dirs)
			}
		})
	}
}

// A build that fails is not bad input: it exits 1, and with --format json
// stdout still carries a document that says why.
func TestFailedBuild(t *testing.T) {
	manifest := testManifest(t, `  - name: broken
    language: C
    modes: [echo]
    requires: [sh]
    build: "echo compiler says no >&2; exit 3"
    binary: /nonexistent/latbench-broken
    command: ["/nonexistent/latbench-broken", "--listen", "{listen}"]
`)
	out := t.TempDir()
	r := latbench(t, "run", "--targets", manifest, "--target", "broken", "--format", "json", "--out", out)
	if r.code != cmdline.ExitFailed {
		t.Errorf("exit %d, want %d; stderr:\n%s", r.code, cmdline.ExitFailed, r.stderr)
	}
	for _, want := range []string{"building target broken", "compiler says no"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	var doc struct {
		Error string            `json:"error"`
		Cells []json.RawMessage `json:"cells"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || !strings.Contains(doc.Error, "building target broken") || doc.Cells == nil {
		t.Errorf("stdout is not a JSON document with the error (%v):\n%s", err, r.stdout)
	}
}

// Bad input with --format json still prints a JSON document on stdout.
func TestBadInputJSON(t *testing.T) {
	r := latbench(t, "run", "--rate", "fast", "--format", "json", "--out", t.TempDir())
	var doc struct {
		Error string `json:"error"`
	}
	if r.code != cmdline.ExitUsage || json.Unmarshal([]byte(r.stdout), &doc) != nil || !strings.Contains(doc.Error, `--rate "fast"`) {
		t.Errorf("exit %d, stdout %q; want %d and a JSON error", r.code, r.stdout, cmdline.ExitUsage)
	}
}

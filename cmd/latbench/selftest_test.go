package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/latbench/latbench/cmd/internal/cmdline"
)

// The noise check measures both comparisons by both methods, repeat by
// repeat, and prints a row for each with its spread.
func TestSelftestNoise(t *testing.T) {
	if testing.Short() {
		t.Skip("12 short cells")
	}
	out := t.TempDir()
	r := latbench(t, "selftest", "noise", "--targets", testManifest(t, ""), "--out", out, "--aa", "go", "--proxy", "go", "--backend", "go",
		"--repeats", "2", "--duration", "300ms", "--warmup", "100ms", "--rate", "500", "--connections", "2", "--seed", "7")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, row := range []string{`A/A go\s*│ sequential\s*│\s*2 │`, `A/A go\s*│ paired\s*│\s*2 │`,
		`go − go\s*│ sequential\s*│\s*2 │`, `go − go\s*│ paired\s*│\s*2 │.*/2, \d/2`} {
		if !regexp.MustCompile(row).MatchString(r.stdout) {
			t.Errorf("no row %q in:\n%s", row, r.stdout)
		}
	}
	if dirs := runDirs(t, out); len(dirs) != 1 {
		t.Errorf("run folders %v, want the quiet condition's one", dirs)
	}
}

func TestSelftestNoiseBadInput(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "one repeat", args: []string{"--repeats", "1"}, wantErr: "at least 2"},
		{name: "unknown freeze", args: []string{"--freeze", "sometimes"}, wantErr: "use off, on or both"},
		{name: "freeze share too high", args: []string{"--freeze-share", "0.9"}, wantErr: "from 0 to 0.5"},
		{name: "rounds", args: []string{"--rounds", "3"}, wantErr: "use --repeats"},
		{name: "unknown target", args: []string{"--aa", "nosuch"}, wantErr: "nosuch"},
		{name: "closed loop", args: []string{"--rate", "0"}, wantErr: "open-loop rate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			r := latbench(t, append([]string{"selftest", "noise", "--targets", testManifest(t, ""), "--out", out}, tc.args...)...)
			if r.code != cmdline.ExitUsage || !strings.Contains(r.stderr, tc.wantErr) {
				t.Errorf("exit %d, want %d with %q; stderr:\n%s", r.code, cmdline.ExitUsage, tc.wantErr, r.stderr)
			}
			if dirs := runDirs(t, out); len(dirs) > 0 {
				t.Errorf("bad input left run folders %v", dirs)
			}
		})
	}
}

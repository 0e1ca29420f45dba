package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/latbench/latbench/results"
)

// loadOnlyRun loads the one run folder under out, with the cells'
// intervals read back from their interval logs.
func loadOnlyRun(t *testing.T, out string) (*results.Run, string) {
	t.Helper()
	dirs := runDirs(t, out)
	if len(dirs) != 1 {
		t.Fatalf("run folders %v, want 1", dirs)
	}
	run, err := results.LoadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := results.LoadIntervals(dirs[0], run); err != nil {
		t.Fatal(err)
	}
	return run, dirs[0]
}

func TestRateStepsAndRounds(t *testing.T) {
	out := t.TempDir()
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--rate", "200", "--rate-step", "200", "--rate-max", "400",
		"--max-iter", "1", "--step-duration", "300ms", "--warmup", "50ms", "-c", "2", "--rounds", "2", "--seed", "7", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	run, dir := loadOnlyRun(t, out)
	// Steps 200, 400 and one more at 400, each in two rounds.
	if len(run.Cells) != 6 {
		t.Fatalf("%d cells, want 6", len(run.Cells))
	}
	perRound := map[int]int{}
	for _, c := range run.Cells {
		perRound[c.Round]++
		if c.Load.Name != "steps" || c.Load.Step < 1 || len(c.Intervals) == 0 {
			t.Errorf("cell %s: load %q step %d, %d intervals", c.ID, c.Load.Name, c.Load.Step, len(c.Intervals))
		}
	}
	if perRound[1] != 3 || perRound[2] != 3 {
		t.Errorf("cells per round %v, want 3 and 3", perRound)
	}
	if run.Config.Options["seed"] != "7" || run.Config.Options["rounds"] != "2" {
		t.Errorf("seed and rounds not recorded: %v", run.Config.Options)
	}
	if !strings.Contains(r.stdout, "Over rounds: median [95% confidence interval]") {
		t.Errorf("no rounds table:\n%s", r.stdout)
	}
	hlogs, _ := filepath.Glob(filepath.Join(dir, "*.hlog"))
	if len(hlogs) != 6 {
		t.Errorf("%d .hlog files, want 6", len(hlogs))
	}
	csv := latbench(t, "report", dir, "--format", "csv")
	if lines := strings.Count(csv.stdout, "\n"); csv.code != 0 || lines != 7 {
		t.Errorf("csv report: exit %d, %d lines, want 7:\n%s", csv.code, lines, csv.stdout)
	}
	cmp := latbench(t, "compare", dir, dir)
	if cmp.code != 0 || !strings.Contains(cmp.stdout, "Mann-Whitney") {
		t.Errorf("compare: exit %d\n%s\n%s", cmp.code, cmp.stdout, cmp.stderr)
	}
}

func TestFindMax(t *testing.T) {
	out := t.TempDir()
	// A generous SLO on loopback. On a quiet machine every step passes and
	// the rate doubles; on a loaded one a short step may miss its rate, so
	// the test checks the search's rules rather than exact rates.
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--find-max", "--rate", "200", "--slo", "p50=50ms",
		"--max-steps", "3", "--step-duration", "500ms", "--warmup", "100ms", "-c", "2", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	run, _ := loadOnlyRun(t, out)
	if len(run.Searches) != 1 || len(run.Cells) != 3 {
		t.Fatalf("%d searches, %d cells; want 1 and 3", len(run.Searches), len(run.Cells))
	}
	s := run.Searches[0]
	lo, hi := 0.0, 0.0
	for i, st := range s.Steps {
		if st.CellID != run.Cells[i].ID || run.Cells[i].Load.TargetRPS != st.TargetRPS {
			t.Errorf("step %d (%v rps) is not cell %s", i, st.TargetRPS, run.Cells[i].ID)
		}
		want := 200.0
		if i > 0 {
			want = 2 * lo
			if hi > 0 {
				want = (lo + hi) / 2
			}
		}
		if st.TargetRPS != want {
			t.Errorf("step %d at %v rps, want %v after passes up to %v and fails from %v", i, st.TargetRPS, want, lo, hi)
		}
		if st.Pass {
			lo = st.TargetRPS
		} else {
			hi = st.TargetRPS
		}
	}
	if s.KneeRPS != lo || !strings.Contains(s.Stopped, "step budget") {
		t.Errorf("knee %v (%s), want %v after the step budget", s.KneeRPS, s.Stopped, lo)
	}
	if !strings.Contains(r.stdout, "Knee: ") {
		t.Errorf("no knee in the output:\n%s", r.stdout)
	}
}

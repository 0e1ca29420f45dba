package main

import (
	"testing"
)

// A proxy cell with a backend stall and a backend restart: the run ends
// ok, every fault is in result.json with what it did, and no process is
// left behind (TestMain checks).
func TestFaultsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("a 4 s run")
	}
	out := t.TempDir()
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--out", out, "--scenario", "http", "--size", "100",
		"--backend", "go", "--rate", "500", "--warmup", "500ms", "--duration", "4s", "--timeout", "1s",
		"--fault", "at 1s: stop-backend 500ms", "--fault", "at 2500ms: kill-backend restart after 500ms")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	run, _ := loadOnlyRun(t, out)
	c := run.Cells[0]
	if len(c.Faults) != 2 {
		t.Fatalf("%d faults recorded, want 2", len(c.Faults))
	}
	stop, kill := c.Faults[0], c.Faults[1]
	if stop.Kind != "stop-backend" || stop.FellDue == 0 || kill.Kind != "kill-backend" || kill.FellDue == 0 {
		t.Errorf("faults %+v", c.Faults)
	}
	if kill.Availability >= 1 || c.Stats.Availability >= 1 {
		t.Errorf("availability during the kill %.3f, overall %.3f: a dead backend must cost requests", kill.Availability, c.Stats.Availability)
	}
	if len(c.Intervals) < 14 {
		t.Errorf("%d intervals in 4 s: a cell with faults keeps quarter seconds", len(c.Intervals))
	}
}

package results

import (
	"strings"
	"testing"
)

// Sequential estimates pair the A and B cells of one round; paired ones
// come from the cell's difference; failed cells give none; the table
// gives each method's range and spread.
func TestCheckEstimatesAndTable(t *testing.T) {
	cell := func(id string, round int, p50, p99 int64, status string) Cell {
		c := Cell{ID: id, Round: round, Status: status}
		c.Stats.Latency.P50, c.Stats.Latency.P99 = p50, p99
		return c
	}
	paired := func(id string, round int, d50, d99 float64) Cell {
		c := cell(id, round, 0, 0, StatusOK)
		c.Paired = &Paired{Blocks: 40}
		c.Paired.DiffUs.P50 = Estimate95{Value: d50, CILow: d50 - 2, CIHigh: d50 + 2}
		c.Paired.DiffUs.P99 = Estimate95{Value: d99, CILow: d99 - 50, CIHigh: d99 + 50}
		return c
	}
	cells := []Cell{
		cell("a1", 1, 100_000, 900_000, StatusOK), cell("b1", 1, 130_000, 1_500_000, StatusOK), paired("p1", 1, 30, 400),
		cell("b2", 2, 150_000, 1_000_000, StatusOK), cell("a2", 2, 110_000, 950_000, StatusOK), paired("p2", 2, 1, 30),
		cell("a3", 3, 100_000, 900_000, StatusOK), cell("b3", 3, 1, 1, StatusFailed), paired("p3", 3, 32, 420),
	}
	roles := map[string]CheckRole{}
	for _, id := range []string{"a1", "a2", "a3"} {
		roles[id] = CheckRole{Condition: "quiet", Comparison: "x − y", Arm: "A"}
	}
	for _, id := range []string{"b1", "b2", "b3"} {
		roles[id] = CheckRole{Condition: "quiet", Comparison: "x − y", Arm: "B"}
	}
	for _, id := range []string{"p1", "p2", "p3"} {
		roles[id] = CheckRole{Condition: "quiet", Comparison: "x − y"}
	}
	ests := CheckEstimates(cells, roles)
	var seq, pair int
	for _, e := range ests {
		switch e.Method {
		case "sequential":
			seq++
		case "paired":
			pair++
		}
	}
	if seq != 2 || pair != 3 {
		t.Fatalf("%d sequential and %d paired estimates, want 2 (round 3's B failed) and 3", seq, pair)
	}
	var b strings.Builder
	tbl := NoiseCheckTable(ests)
	for _, row := range tbl.Rows {
		b.WriteString(strings.Join(row, " | ") + "\n")
	}
	for _, want := range []string{
		"quiet | x − y | sequential | 2 | +30.0 to +40.0 | 10.0 | +50.0 to +600 | 550 | -",
		"quiet | x − y | paired | 3 | +1.00 to +32.0 | 31.0 | +30.0 to +420 | 390 | 1/3, 1/3",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no row %q in:\n%s", want, b.String())
		}
	}
}

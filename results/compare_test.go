package results

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// scaled returns a copy of run whose latencies are multiplied by f.
func scaled(run *Run, f float64) *Run {
	out := *run
	out.Cells = make([]Cell, len(run.Cells))
	for i, c := range run.Cells {
		l := &c.Stats.Latency
		l.P50, l.P90, l.P99, l.P999 = int64(float64(l.P50)*f), int64(float64(l.P90)*f), int64(float64(l.P99)*f), int64(float64(l.P999)*f)
		out.Cells[i] = c
	}
	return &out
}

func TestCompare(t *testing.T) {
	base := fakeRoundsRun(t)
	moreConns := scaled(base, 1)
	for i := range moreConns.Cells {
		if moreConns.Cells[i].Target == "rust" {
			moreConns.Cells[i].Load.Connections = 100
		}
	}
	onlyGo := scaled(base, 1)
	onlyGo.Cells = onlyGo.Cells[:1]
	tests := []struct {
		name        string
		a, b        *Run
		significant int // rows flagged significant
		refused     []string
		onlyA       int
	}{
		{name: "same run: nothing significant", a: base, b: base, significant: 0},
		{name: "30% slower in every round: latency rows significant", a: base, b: scaled(base, 1.3), significant: 8},
		{name: "different connections refused", a: base, b: moreConns, refused: []string{"rust echo 1000rps: connections 10 vs 100"}},
		{name: "one round in B: never significant", a: base, b: scaled(onlyGo, 2), significant: 0, onlyA: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmp := Compare(tt.a, tt.b)
			n := 0
			for _, r := range cmp.Rows {
				if r.Significant {
					n++
				}
			}
			if n != tt.significant {
				t.Errorf("%d significant rows, want %d: %+v", n, tt.significant, cmp.Rows)
			}
			if strings.Join(cmp.Refused, "|") != strings.Join(tt.refused, "|") {
				t.Errorf("refused %q, want %q", cmp.Refused, tt.refused)
			}
			if len(cmp.OnlyA) != tt.onlyA {
				t.Errorf("only in A: %q, want %d", cmp.OnlyA, tt.onlyA)
			}
		})
	}
}

func TestRenderComparisonGolden(t *testing.T) {
	cmp := Compare(fakeRoundsRun(t), scaled(fakeRoundsRun(t), 1.3))
	for _, format := range []string{FormatMarkdown, FormatCSV} {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			if err := RenderComparison(&out, cmp, format); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, filepath.Join("testdata", "compare."+format+".golden"), out.Bytes())
		})
	}
	if err := RenderComparison(&bytes.Buffer{}, cmp, "xml"); err == nil {
		t.Error("unknown format accepted")
	}
	var js bytes.Buffer
	if err := RenderComparison(&js, cmp, FormatJSON); err != nil || !strings.Contains(js.String(), `"Significant": true`) {
		t.Errorf("json: %v\n%s", err, js.String())
	}
}

// shiftedPaired returns a copy of a run of one paired cell whose
// difference is moved by shiftUs, interval and all.
func shiftedPaired(t *testing.T, shiftUs float64) *Run {
	c := fakePaired(t)
	p := *c.Paired
	for _, key := range []string{"p50", "p90", "p99", "p999"} {
		e := p.DiffUs.at(key)
		e.Value, e.CILow, e.CIHigh = e.Value+shiftUs, e.CILow+shiftUs, e.CIHigh+shiftUs
	}
	c.Paired = &p
	return &Run{Cells: []Cell{c}}
}

// Two runs of a paired cell compare by their differences too: a change
// well outside both intervals is significant, the same run is not.
func TestComparePairedDifferences(t *testing.T) {
	for _, tc := range []struct {
		name            string
		shiftUs         float64
		wantSignificant bool
	}{
		{name: "same difference", shiftUs: 0},
		{name: "the proxy 500 µs slower than before", shiftUs: 500, wantSignificant: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmp := Compare(shiftedPaired(t, 0), shiftedPaired(t, tc.shiftUs))
			var diffs []CompareRow
			for _, r := range cmp.Rows {
				if r.Difference {
					diffs = append(diffs, r)
				}
			}
			if len(diffs) != 4 || diffs[0].Metric != "Δ p50 vs nginx (backend)" {
				t.Fatalf("difference rows %+v, want 4 starting with Δ p50 vs nginx (backend)", diffs)
			}
			if diffs[0].Significant != tc.wantSignificant {
				t.Errorf("Δ p50 significant %v, want %v (%s)", diffs[0].Significant, tc.wantSignificant, diffs[0].Test)
			}
			var out bytes.Buffer
			if err := RenderComparison(&out, cmp, FormatTable); err != nil || !strings.Contains(out.String(), "Δ p50 vs nginx (backend)") {
				t.Errorf("table: %v\n%s", err, out.String())
			}
		})
	}
}

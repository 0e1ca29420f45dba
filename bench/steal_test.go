package bench

import (
	"strings"
	"testing"

	"github.com/latbench/latbench/results"
)

func TestStealWarning(t *testing.T) {
	tests := []struct {
		name     string
		pct      float64
		wait     string
		paired   bool
		wantWarn bool
		wantHint bool
	}{
		{name: "bare metal", pct: 0},
		{name: "a little steal", pct: 2},
		{name: "a third stolen", pct: 33.3, wait: "block", wantWarn: true},
		{name: "a third stolen from a spinning client", pct: 33.3, wait: "spin", wantWarn: true, wantHint: true},
		{name: "a third stolen from a hybrid client", pct: 33.3, wait: "hybrid/5µs", wantWarn: true, wantHint: true},
		{name: "a little steal, spinning", pct: 2, wait: "spin"},
		{name: "a third stolen from a paired cell", pct: 33.3, wait: "block", paired: true, wantWarn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := stealWarning(tt.pct, tt.wait, tt.paired)
			if (w != "") != tt.wantWarn {
				t.Errorf("stealWarning(%.1f) = %q, want a warning: %v", tt.pct, w, tt.wantWarn)
			}
			if tt.wantWarn && !strings.Contains(w, "steal time") {
				t.Errorf("warning %q does not name steal time", w)
			}
			if both := strings.Contains(w, "hit them alike"); both != (tt.wantWarn && tt.paired) {
				t.Errorf("warning %q: says steal hit both arms alike: %v, want %v", w, both, tt.wantWarn && tt.paired)
			}
			if hint := strings.Contains(w, "--wait block"); hint != tt.wantHint {
				t.Errorf("warning %q: suggests --wait block: %v, want %v", w, hint, tt.wantHint)
			}
		})
	}
}

// A cell above --max-steal is measured again while retries are left; the
// attempt that counts is the first within the limit or the last allowed;
// a paired or failed cell is not measured again.
func TestStealVerdict(t *testing.T) {
	for _, tc := range []struct {
		name      string
		steal     float64
		attempt   int
		paired    bool
		failed    bool
		wantAgain bool
		wantWhy   string
	}{
		{name: "within the limit", steal: 4, attempt: 1, wantWhy: "within --max-steal 10%"},
		{name: "above, retries left", steal: 25, attempt: 1, wantAgain: true, wantWhy: "above --max-steal 10%"},
		{name: "above, last retry used", steal: 25, attempt: 3, wantWhy: "no retries left"},
		{name: "above, paired", steal: 25, attempt: 1, paired: true, wantWhy: "hits both alike"},
		{name: "failed", steal: 25, attempt: 1, failed: true, wantWhy: "failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &Executor{MaxStealPct: 10, Retries: 2}
			cell := results.Cell{Status: results.StatusOK}
			cell.Stats.StealPct = tc.steal
			if tc.paired {
				cell.Paired = &results.Paired{}
			}
			if tc.failed {
				cell.Status = results.StatusFailed
			}
			again, why := e.stealVerdict(&cell, tc.attempt)
			if again != tc.wantAgain || !strings.Contains(why, tc.wantWhy) {
				t.Errorf("verdict %v, %q; want %v and a reason with %q", again, why, tc.wantAgain, tc.wantWhy)
			}
		})
	}
}

package bench

import (
	"strings"
	"testing"
)

func TestStealWarning(t *testing.T) {
	tests := []struct {
		name     string
		pct      float64
		wait     string
		wantWarn bool
		wantHint bool
	}{
		{name: "bare metal", pct: 0},
		{name: "a little steal", pct: 2},
		{name: "a third stolen", pct: 33.3, wait: "block", wantWarn: true},
		{name: "a third stolen from a spinning client", pct: 33.3, wait: "spin", wantWarn: true, wantHint: true},
		{name: "a third stolen from a hybrid client", pct: 33.3, wait: "hybrid/5µs", wantWarn: true, wantHint: true},
		{name: "a little steal, spinning", pct: 2, wait: "spin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := stealWarning(tt.pct, tt.wait)
			if (w != "") != tt.wantWarn {
				t.Errorf("stealWarning(%.1f) = %q, want a warning: %v", tt.pct, w, tt.wantWarn)
			}
			if tt.wantWarn && !strings.Contains(w, "steal time") {
				t.Errorf("warning %q does not name steal time", w)
			}
			if hint := strings.Contains(w, "--wait block"); hint != tt.wantHint {
				t.Errorf("warning %q: suggests --wait block: %v, want %v", w, hint, tt.wantHint)
			}
		})
	}
}

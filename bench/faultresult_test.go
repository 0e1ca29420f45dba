package bench

import (
	"testing"
	"time"

	"github.com/latbench/latbench/results"
)

// interval returns a 1 s interval starting at second s whose requests all
// took latency.
func interval(t *testing.T, s int, latency time.Duration, n int64) results.Interval {
	t.Helper()
	h := results.NewHistogram()
	if n > 0 {
		if err := h.RecordValues(int64(latency), n); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return results.Interval{StartNs: int64(s) * 1e9, EndNs: int64(s+1) * 1e9, Latency: enc, Completed: n}
}

func TestFaultRecovery(t *testing.T) {
	const ms = time.Millisecond
	stall := Fault{At: 2 * time.Second, Kind: FaultStopTarget, For: time.Second}
	tests := []struct {
		name          string
		latencies     []time.Duration // per second of the window; 0: no request
		wantBaseline  time.Duration
		wantRecovered bool
		wantAfter     time.Duration
	}{
		{name: "back at once", latencies: []time.Duration{ms, ms, 900 * ms, ms, ms}, wantBaseline: ms, wantRecovered: true},
		{name: "back a second later", latencies: []time.Duration{ms, ms, 900 * ms, 50 * ms, ms}, wantBaseline: ms, wantRecovered: true, wantAfter: time.Second},
		{name: "within twice counts", latencies: []time.Duration{ms, ms, 900 * ms, 1900 * time.Microsecond}, wantBaseline: ms, wantRecovered: true},
		{name: "never back", latencies: []time.Duration{ms, ms, 900 * ms, 10 * ms, 10 * ms}, wantBaseline: ms},
		{name: "dead after the fault", latencies: []time.Duration{ms, ms, 0, 0, 0}, wantBaseline: ms},
		{name: "no baseline", latencies: []time.Duration{0, 0, 900 * ms, ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ivs []results.Interval
			for s, l := range tt.latencies {
				n := int64(100)
				if l == 0 {
					n = 0
				}
				ivs = append(ivs, interval(t, s, l, n))
			}
			base, ok, after := recovery(stall, stall.At, ivs)
			if time.Duration(base) < tt.wantBaseline*999/1000 || time.Duration(base) > tt.wantBaseline*1001/1000 || ok != tt.wantRecovered || after != tt.wantAfter {
				t.Errorf("recovery = %v, %v, %v; want %v, %v, %v", time.Duration(base), ok, after, tt.wantBaseline, tt.wantRecovered, tt.wantAfter)
			}
		})
	}
}

// The baseline of a second fault is the window before the first: the
// first fault's stall is not what normal looks like.
func TestFaultRecoveryBaselineIsBeforeTheFirstFault(t *testing.T) {
	const ms = time.Millisecond
	second := Fault{At: 3 * time.Second, Kind: FaultKillBackend, For: time.Second}
	ivs := []results.Interval{interval(t, 0, ms, 100), interval(t, 1, 900*ms, 100), interval(t, 2, ms, 100),
		interval(t, 3, 0, 0), interval(t, 4, 50*ms, 100), interval(t, 5, ms, 100)}
	base, ok, after := recovery(second, time.Second, ivs)
	if time.Duration(base) > 2*ms || !ok || after != time.Second {
		t.Errorf("recovery = %v, %v, %v; want a 1ms baseline and recovery 1s after the fault", time.Duration(base), ok, after)
	}
}

func TestFaultResults(t *testing.T) {
	faults := []Fault{{At: time.Second, Kind: FaultStopTarget, For: time.Second}, {At: 3 * time.Second, Kind: FaultKillBackend}}
	got := faultResults(faults, []FaultCount{{FellDue: 100, Succeeded: 75}, {}}, nil)
	if len(got) != 2 || got[0].Availability != 0.75 || got[0].Fault != "at 1s: stop-target 1s" || got[1].Availability != 1 {
		t.Errorf("faultResults = %+v", got)
	}
}

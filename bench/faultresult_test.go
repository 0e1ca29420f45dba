package bench

import (
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
)

// second returns the latencies of a 1 s interval whose n requests all
// took latency.
func second(t *testing.T, latency time.Duration, n int64) *hdrhistogram.Histogram {
	t.Helper()
	h := engine.NewHistogram()
	if n > 0 {
		if err := h.RecordValues(int64(latency), n); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// track feeds a tracker of faults one 1 s interval per latency (0: no
// request in it).
func track(t *testing.T, faults []Fault, latencies []time.Duration) *faultTracker {
	t.Helper()
	tr := newFaultTracker(faults)
	for s, l := range latencies {
		n := int64(100)
		if l == 0 {
			n = 0
		}
		tr.add(time.Duration(s)*time.Second, time.Duration(s+1)*time.Second, second(t, l, n))
	}
	return tr
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
			base, ok, after := track(t, []Fault{stall}, tt.latencies).recovery(stall)
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
	first := Fault{At: time.Second, Kind: FaultStopTarget, For: time.Second}
	second := Fault{At: 3 * time.Second, Kind: FaultKillBackend, For: time.Second}
	tr := track(t, []Fault{first, second}, []time.Duration{ms, 900 * ms, ms, 0, 50 * ms, ms})
	base, ok, after := tr.recovery(second)
	if time.Duration(base) > 2*ms || !ok || after != time.Second {
		t.Errorf("recovery = %v, %v, %v; want a 1ms baseline and recovery 1s after the fault", time.Duration(base), ok, after)
	}
}

func TestFaultResults(t *testing.T) {
	faults := []Fault{{At: time.Second, Kind: FaultStopTarget, For: time.Second}, {At: 3 * time.Second, Kind: FaultKillBackend}}
	got := newFaultTracker(faults).results([]engine.FaultCount{{FellDue: 100, Succeeded: 75}, {}})
	if len(got) != 2 || got[0].Availability != 0.75 || got[0].Fault != "at 1s: stop-target 1s" || got[1].Availability != 1 {
		t.Errorf("results = %+v", got)
	}
}

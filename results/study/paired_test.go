package study

import (
	"math"
	"testing"

	"github.com/latbench/latbench/results/study/studytest"
)

// A paired study run: the baseline comes from the proxies' backend arms,
// each proxy's overhead is its paired difference with an interval from
// the windows laid end to end; without interval logs the value stands
// alone.
func TestComparePaired(t *testing.T) {
	for _, tc := range []struct {
		name         string
		intervals    bool
		wantInterval bool
	}{
		{name: "with interval logs", intervals: true, wantInterval: true},
		{name: "without interval logs", intervals: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compare(studytest.PairedRun(t, tc.intervals))
			if err != nil {
				t.Fatal(err)
			}
			m, ok := c.Shape(LoadModerate)
			if !ok || !m.Systems[0].Measured() {
				t.Fatalf("moderate shape %v, baseline measured %v; want the baseline from the backend arms", ok, ok && m.Systems[0].Measured())
			}
			for _, r := range m.Systems[1:] {
				if !r.Measured() {
					continue
				}
				if r.Paired == nil || r.Paired.Interval() != tc.wantInterval {
					t.Fatalf("%s: paired %v, interval %v; want paired, interval %v", r.System.Name, r.Paired != nil, r.Paired.Interval(), tc.wantInterval)
				}
				if got, want := r.Overhead.At(P50), r.Paired.Value.At(P50); got != want || math.IsNaN(got) {
					t.Errorf("%s: overhead at p50 %v, want the paired value %v", r.System.Name, got, want)
				}
				if tc.wantInterval && !(r.Paired.Low.At(P50) <= r.Paired.Value.At(P50) && r.Paired.Value.At(P50) <= r.Paired.High.At(P50)) {
					t.Errorf("%s: p50 %v outside its interval [%v, %v]", r.System.Name, r.Paired.Value.At(P50), r.Paired.Low.At(P50), r.Paired.High.At(P50))
				}
			}
		})
	}
}

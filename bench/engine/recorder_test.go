package engine

import (
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios"
)

func TestRecorderMerge(t *testing.T) {
	type request struct {
		due, sent, done time.Duration
		class           scenarios.ErrorClass
	}
	tests := []struct {
		name         string
		workers      [][]request
		wantRequests int64
		wantErrors   map[scenarios.ErrorClass]int64
		wantLatMax   time.Duration
		wantSvcMax   time.Duration
		wantLagMax   time.Duration
		wantOutRange int64
	}{
		{
			name: "two loops add up",
			workers: [][]request{
				{{due: 0, sent: time.Microsecond, done: 101 * time.Microsecond}},
				{{due: time.Millisecond, sent: 3 * time.Millisecond, done: 4 * time.Millisecond}},
			},
			wantRequests: 2,
			wantLatMax:   3 * time.Millisecond,
			wantSvcMax:   time.Millisecond,
			wantLagMax:   2 * time.Millisecond,
		},
		{
			name: "errors are counted by class and kept out of the histograms",
			workers: [][]request{
				{{done: time.Second, class: scenarios.ErrTimeout}, {done: time.Millisecond}},
				{{done: time.Second, class: scenarios.ErrReset}, {done: time.Second, class: scenarios.ErrTimeout}},
			},
			wantRequests: 1,
			wantErrors:   map[scenarios.ErrorClass]int64{scenarios.ErrTimeout: 2, scenarios.ErrReset: 1},
			wantLatMax:   time.Millisecond,
			wantSvcMax:   time.Millisecond,
			wantLagMax:   0,
		},
		{
			name:         "values above an hour are counted, not dropped silently",
			workers:      [][]request{{{due: 0, sent: 0, done: 2 * time.Hour}, {done: time.Millisecond}}},
			wantRequests: 1,
			wantOutRange: 2, // latency and service time
			wantLatMax:   time.Millisecond,
			wantSvcMax:   time.Millisecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var recs []*recorder
			for _, reqs := range tt.workers {
				r := newRecorder(false, 0)
				for _, q := range reqs {
					r.record(q.due, q.sent, q.done, q.class)
				}
				recs = append(recs, r)
			}
			tot := mergeRecorders(recs, nil)
			if got := tot.latency.TotalCount(); got != tt.wantRequests {
				t.Errorf("requests = %d, want %d", got, tt.wantRequests)
			}
			for c := scenarios.ErrorClass(0); c < scenarios.NumErrorClasses; c++ {
				if tot.counts.Errors[c] != tt.wantErrors[c] {
					t.Errorf("errors[%v] = %d, want %d", c, tot.counts.Errors[c], tt.wantErrors[c])
				}
			}
			if tot.counts.OutOfRange != tt.wantOutRange {
				t.Errorf("out of range = %d, want %d", tot.counts.OutOfRange, tt.wantOutRange)
			}
			if tot.counts.DroppedMerges != 0 {
				t.Errorf("dropped merges = %d", tot.counts.DroppedMerges)
			}
			checkMax(t, "latency", tot.latency.Max(), tt.wantLatMax)
			checkMax(t, "service", tot.service.Max(), tt.wantSvcMax)
			checkMax(t, "lag", tot.lag.Max(), tt.wantLagMax)
		})
	}
}

// checkMax compares a histogram max with want to the histogram's 3
// significant digits.
func checkMax(t *testing.T, what string, gotNs int64, want time.Duration) {
	t.Helper()
	diff := float64(gotNs - int64(want))
	if diff < 0 {
		diff = -diff
	}
	if diff > 0.001*float64(want)+1 {
		t.Errorf("%s max = %v, want %v", what, time.Duration(gotNs), want)
	}
}

func TestRecordClosedHasNoLag(t *testing.T) {
	r := newRecorder(true, 0)
	r.record(time.Millisecond, time.Millisecond, 3*time.Millisecond, scenarios.ErrNone)
	tot := mergeRecorders([]*recorder{r}, nil)
	if tot.lag.TotalCount() != 0 {
		t.Errorf("closed loop recorded %d lag values", tot.lag.TotalCount())
	}
	checkMax(t, "latency", tot.latency.Max(), 2*time.Millisecond)
	checkMax(t, "service", tot.service.Max(), 2*time.Millisecond)
}

func TestIntervalCounts(t *testing.T) {
	r := newRecorder(false, 0)
	rec := newIntervalRecord(1)
	r.interval = &rec.arms[0]
	r.count(scenarios.ErrNone)
	r.record(0, 0, time.Millisecond, scenarios.ErrNone)
	r.count(scenarios.ErrPayload)
	r.record(0, 0, time.Millisecond, scenarios.ErrPayload)
	r.count(scenarios.ErrNone) // a warm-up request: counted, not recorded
	if ir := r.interval; ir.latency.TotalCount() != 1 || ir.completed != 3 || ir.errors.Total() != 1 || ir.errors[scenarios.ErrPayload] != 1 {
		t.Errorf("interval: %d latencies, %d completed, %d errors; want 1, 3, 1", ir.latency.TotalCount(), ir.completed, ir.errors.Total())
	}
	rec.reset()
	if ir := r.interval; ir.latency.TotalCount() != 0 || ir.completed != 0 || ir.errors.Total() != 0 {
		t.Error("reset left counts behind")
	}
}

// BenchmarkRecord shows that recording a request allocates nothing.
func BenchmarkRecord(b *testing.B) {
	r := newRecorder(false, 0)
	var i time.Duration
	for b.Loop() {
		i++
		due := i * time.Microsecond
		r.count(scenarios.ErrNone)
		r.record(due, due+time.Microsecond, due+50*time.Microsecond+i%1000, scenarios.ErrNone)
	}
}

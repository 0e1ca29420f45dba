package results

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// testIntervals returns n quarter-second intervals with their counts.
func testIntervals(t testing.TB, n int) []Interval {
	t.Helper()
	var ivs []Interval
	for i := range n {
		enc, _ := encodeSpread(t, &spread{fromNs: 50 * µs, toNs: 90 * µs, count: int64(10 * (i + 1))})
		start := int64(i) * int64(250*time.Millisecond)
		iv := Interval{StartNs: start, EndNs: start + int64(250*time.Millisecond), Latency: enc,
			Completed: int64(10*(i+1) + i), Errors: int64(i)}
		if i%2 == 1 { // every other interval has noise figures, some of them
			steal, runq, wake := 1.25*float64(i), 300.5, 2000.0
			iv.Noise = &IntervalNoise{StealPct: &steal, ClientRunQueueUs: &runq, WakeMaxUs: &wake}
		}
		ivs = append(ivs, iv)
	}
	return ivs
}

// An interval log written one interval at a time reads back exactly, and
// HdrHistogram's own reader reads it as an interval log.
func TestIntervalLogRoundTrip(t *testing.T) {
	want := testIntervals(t, 5)
	var buf bytes.Buffer
	l, err := NewIntervalLog(&buf, IntervalLogHeader{Comment: "cell c", StartTime: time.Unix(1796126400, 0), Offset: 2 * time.Second, Tag: "agent=3"})
	if err != nil {
		t.Fatal(err)
	}
	for _, iv := range want {
		if err := l.Add(iv); err != nil {
			t.Fatal(err)
		}
	}
	text := buf.String()
	got, err := ReadIntervalLog(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d intervals read back, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("interval %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	r := hdrhistogram.NewHistogramLogReader(strings.NewReader(text))
	for i := range want {
		h, err := r.NextIntervalHistogram()
		if err != nil || h == nil {
			t.Fatalf("HdrHistogram's reader, interval %d: %v", i, err)
		}
		if h.TotalCount() != int64(10*(i+1)) || h.Tag() != "agent=3" || h.StartTimeMs()-1796126400000 != 2000+int64(i)*250 {
			t.Errorf("HdrHistogram's reader, interval %d: %d values, tag %q, from %d ms", i, h.TotalCount(), h.Tag(), h.StartTimeMs())
		}
	}
}

// A log written by another tool (no counts lines) still reads: each
// interval's values count as completed.
func TestReadIntervalLogOfAnotherTool(t *testing.T) {
	var buf bytes.Buffer
	lw := hdrhistogram.NewHistogramLogWriter(&buf)
	_ = lw.OutputLegend()
	h, _ := DecodeHistogram(testIntervals(t, 1)[0].Latency)
	h.SetStartTimeMs(1000)
	h.SetEndTimeMs(2000)
	_ = lw.OutputIntervalHistogram(h)
	got, err := ReadIntervalLog(&buf)
	if err != nil || len(got) != 1 || got[0].StartNs != 1e9 || got[0].EndNs != 2e9 || got[0].Completed != 10 {
		t.Errorf("read %+v, %v; want one interval from 1 s to 2 s with 10 completed", got, err)
	}
}

func TestReadIntervalLogRejects(t *testing.T) {
	tests := []struct {
		name, text, wantErr string
	}{
		{name: "a line that is not an interval", text: "hello\n", wantErr: "not an interval line"},
		{name: "counts that do not add up", text: "#latbench-interval start_ns=5 end_ns=1 completed=1 errors=0\n", wantErr: "do not add up"},
		{name: "more errors than completions", text: "#latbench-interval start_ns=0 end_ns=1 completed=1 errors=2\n", wantErr: "do not add up"},
		{name: "a negative noise figure", text: "#latbench-interval start_ns=0 end_ns=1 completed=1 errors=0 steal_pct=-1\n", wantErr: "steal_pct"},
		{name: "a noise figure that is not a number", text: "#latbench-interval start_ns=0 end_ns=1 completed=1 errors=0 wake_max_us=Inf\n", wantErr: "wake_max_us"},
		{name: "a corrupt histogram", text: "0.000,1.000,0.1,garbage\n", wantErr: "decode histogram"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadIntervalLog(strings.NewReader(tt.text)); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// A merged cell's intervals go to its interval log, which LoadIntervals
// reads back into a run loaded without them.
func TestWriteAndLoadIntervals(t *testing.T) {
	dir := t.TempDir()
	c := &Cell{ID: "go-echo-1000rps-c10", Intervals: testIntervals(t, 3)}
	if err := WriteIntervalLog(dir, c); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go-echo-1000rps-c10.latency.hlog")); err != nil {
		t.Fatal(err)
	}
	run := &Run{Cells: []Cell{{ID: c.ID}, {ID: "no-log"}}}
	if err := LoadIntervals(dir, run); err != nil {
		t.Fatal(err)
	}
	if len(run.Cells[0].Intervals) != 3 || run.Cells[0].Intervals[2] != c.Intervals[2] || len(run.Cells[1].Intervals) != 0 {
		t.Errorf("loaded %d and %d intervals, want 3 (as written) and 0", len(run.Cells[0].Intervals), len(run.Cells[1].Intervals))
	}
	if err := WriteIntervalLog(dir, &Cell{ID: "empty"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "empty.latency.hlog")); !os.IsNotExist(err) {
		t.Errorf("a cell without intervals wrote a log: %v", err)
	}
}

// ReadIntervalLog never panics, and what it reads writes back to a log
// that reads the same.
func FuzzReadIntervalLog(f *testing.F) {
	var buf bytes.Buffer
	l, _ := NewIntervalLog(&buf, IntervalLogHeader{Comment: "seed", Tag: "agent=0"})
	for _, iv := range testIntervals(f, 2) {
		_ = l.Add(iv)
	}
	f.Add(buf.String())
	f.Add("#latbench-interval start_ns=0 end_ns=10 completed=3 errors=1\n0.000,0.010,0.0,HISTFAAAABx4nJNpmSzMwMDAxQABzFCaEUzOmNZg/wEidwLf\n")
	f.Add("Tag=x,1.5,0.25,1.0,garbage\n")
	f.Fuzz(func(t *testing.T, text string) {
		ivs, err := ReadIntervalLog(strings.NewReader(text))
		if err != nil {
			return
		}
		var out bytes.Buffer
		l, err := NewIntervalLog(&out, IntervalLogHeader{})
		if err != nil {
			t.Fatal(err)
		}
		for _, iv := range ivs {
			if err := l.Add(iv); err != nil {
				t.Fatalf("an interval read back does not write: %v", err)
			}
		}
		again, err := ReadIntervalLog(&out)
		if err != nil || len(again) != len(ivs) {
			t.Fatalf("wrote %d intervals that read back as %d, %v", len(ivs), len(again), err)
		}
	})
}

package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

func TestWriteCellHlog(t *testing.T) {
	var intervals []Interval
	wantCounts := []int64{100, 250, 7}
	for i, n := range wantCounts {
		enc, _ := encodeSpread(t, &spread{fromNs: 50 * µs, toNs: 90 * µs, count: n})
		intervals = append(intervals, Interval{StartNs: int64(i) * 1e9, EndNs: int64(i+1) * 1e9, Latency: enc})
	}
	dir := t.TempDir()
	c := &Cell{ID: "go-echo-1000rps-c10", Intervals: intervals}
	if err := WriteCellHlog(dir, c); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "go-echo-1000rps-c10.latency.hlog"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := hdrhistogram.NewHistogramLogReader(f)
	for i, want := range wantCounts {
		h, err := r.NextIntervalHistogram()
		if err != nil || h == nil {
			t.Fatalf("interval %d: %v", i, err)
		}
		if h.TotalCount() != want || h.StartTimeMs() != int64(i)*1000 {
			t.Errorf("interval %d: %d values from %d ms, want %d from %d ms", i, h.TotalCount(), h.StartTimeMs(), want, i*1000)
		}
	}
	if h, _ := r.NextIntervalHistogram(); h != nil {
		t.Error("more intervals than written")
	}
}

func TestWriteCellHlogEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		cell    Cell
		file    bool
		wantErr string
	}{
		{name: "no intervals, no file", cell: Cell{ID: "a"}},
		{name: "corrupt interval", cell: Cell{ID: "b", Intervals: []Interval{{Latency: "garbage"}}}, wantErr: "interval 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			err := WriteCellHlog(dir, &tt.cell)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("wrote %d files, want none", len(entries))
			}
		})
	}
}

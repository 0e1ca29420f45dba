package results

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/latbench/latbench/bench/engine"
)

// sample is one recorded request of a synthetic cell.
type sample struct {
	latency, service, lag int64
	class                 int
	interval              int
}

// samples returns n requests with latencies spread over five decades, in
// two classes and four intervals, from a fixed seed.
func samples(n int) []sample {
	rng := rand.New(rand.NewPCG(7, 11))
	out := make([]sample, n)
	for i := range out {
		lat := int64(1_000 + rng.ExpFloat64()*float64(int64(1)<<uint(rng.IntN(20))))
		out[i] = sample{latency: lat, service: lat / 2, lag: lat / 5, class: i % 3 % 2, interval: i * 4 / n}
	}
	return out
}

// recordCell records the samples whose index i has i mod stride = offset
// into a cell, as one agent of stride would.
func recordCell(t *testing.T, all []sample, offset, stride int) Cell {
	t.Helper()
	lat, svc, lag := engine.NewHistogram(), engine.NewHistogram(), engine.NewHistogram()
	classes := [2][2]*hdrhistogram.Histogram{{engine.NewHistogram(), engine.NewHistogram()}, {engine.NewHistogram(), engine.NewHistogram()}}
	ivs := [4]*hdrhistogram.Histogram{engine.NewHistogram(), engine.NewHistogram(), engine.NewHistogram(), engine.NewHistogram()}
	var counts [4]int64
	for i := offset; i < len(all); i += stride {
		s := all[i]
		for _, r := range []struct {
			h *hdrhistogram.Histogram
			v int64
		}{{lat, s.latency}, {svc, s.service}, {lag, s.lag}, {classes[s.class][0], s.latency}, {classes[s.class][1], s.service}, {ivs[s.interval], s.latency}} {
			if err := r.h.RecordValue(r.v); err != nil {
				t.Fatal(err)
			}
		}
		counts[s.interval]++
	}
	c := Cell{ID: "c", Status: StatusOK, Stats: CellStats{Counts: engine.Counts{FellDue: lat.TotalCount()}}}
	c.Histograms = Histograms{Latency: encode(t, lat), ServiceTime: encode(t, svc), Lag: encode(t, lag)}
	for k, name := range []string{"/fast", "/slow"} {
		c.Classes = append(c.Classes, ClassStats{Name: name, Requests: classes[k][0].TotalCount(),
			Histograms: Histograms{Latency: encode(t, classes[k][0]), ServiceTime: encode(t, classes[k][1])}})
	}
	for k, h := range ivs {
		c.Intervals = append(c.Intervals, Interval{StartNs: int64(k) * 1e9, EndNs: int64(k+1) * 1e9, Latency: encode(t, h), Completed: counts[k]})
	}
	return c
}

func encode(t *testing.T, h *hdrhistogram.Histogram) string {
	t.Helper()
	s, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func decode(t *testing.T, s string) *hdrhistogram.Histogram {
	t.Helper()
	h, err := DecodeHistogram(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// A sample recorded whole equals the same sample recorded in N parts and
// merged: histograms, figures, classes and intervals.
func TestMergeWholeEqualsSplit(t *testing.T) {
	all := samples(20_000)
	whole := recordCell(t, all, 0, 1)
	wantStats, err := MergeCells([]Cell{whole})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		parts int
	}{{name: "two agents", parts: 2}, {name: "three agents", parts: 3}, {name: "seven agents", parts: 7}} {
		t.Run(tt.name, func(t *testing.T) {
			var cells []Cell
			for j := range tt.parts {
				cells = append(cells, recordCell(t, all, j, tt.parts))
			}
			got, err := MergeCells(cells)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range []struct{ name, got, want string }{
				{"latency", got.Histograms.Latency, whole.Histograms.Latency},
				{"service time", got.Histograms.ServiceTime, whole.Histograms.ServiceTime},
				{"lag", got.Histograms.Lag, whole.Histograms.Lag},
			} {
				if !decode(t, h.got).Equals(decode(t, h.want)) {
					t.Errorf("merged %s histogram differs from the whole one", h.name)
				}
			}
			if got.Stats.Requests != int64(len(all)) || !reflect.DeepEqual(got.Stats.Latency, wantStats.Stats.Latency) {
				t.Errorf("merged figures %d requests %+v, want %d requests %+v", got.Stats.Requests, got.Stats.Latency, len(all), wantStats.Stats.Latency)
			}
			if !reflect.DeepEqual(got.Classes, wantStats.Classes) {
				t.Errorf("merged classes differ from the whole cell's")
			}
			if !reflect.DeepEqual(got.Intervals, wantStats.Intervals) {
				t.Errorf("merged intervals differ from the whole cell's")
			}
		})
	}
}

// Parts that cannot merge exactly are refused, with the reason.
func TestMergeRefuses(t *testing.T) {
	all := samples(1_000)
	other := hdrhistogram.New(1, engine.HistogramHighestNs, 2)
	if err := other.RecordValue(5_000); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		spoil   func(c *Cell)
		wantErr string
	}{
		{name: "values out of range", spoil: func(c *Cell) { c.Stats.OutOfRange = 3 }, wantErr: "outside the histogram range"},
		{name: "values dropped in a merge", spoil: func(c *Cell) { c.Stats.DroppedMerges = 1 }, wantErr: "dropped in merges"},
		{name: "other histogram settings", spoil: func(c *Cell) { c.Histograms.Latency = encode(t, other) }, wantErr: "histogram settings"},
		{name: "no latency histogram", spoil: func(c *Cell) { c.Histograms.Latency = "" }, wantErr: "no latency histogram"},
		{name: "corrupt histogram", spoil: func(c *Cell) { c.Histograms.Latency = "HISTFAAAAB" }, wantErr: "decode histogram"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := recordCell(t, all, 0, 2), recordCell(t, all, 1, 2)
			tt.spoil(&b)
			_, err := MergeCells([]Cell{a, b})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("MergeCells = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// A failed part makes the merged cell failed, saying so.
func TestMergeKeepsAFailedPart(t *testing.T) {
	all := samples(100)
	a, b := recordCell(t, all, 0, 2), recordCell(t, all, 1, 2)
	b.Status, b.Failure = StatusFailed, "target went away"
	got, err := MergeCells([]Cell{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusFailed || !strings.Contains(got.Failure, "target went away") {
		t.Errorf("merged status %q (%q), want failed naming the part's failure", got.Status, got.Failure)
	}
}

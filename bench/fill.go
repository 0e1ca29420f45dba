package bench

import (
	"fmt"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/servers"
)

// fillCell records what a run measured in cell: statistics, encoded
// histograms, the target's resource use and warnings about the client.
func fillCell(cell *results.Cell, spec CellSpec, res *Result, usage servers.Usage) {
	cell.Load.Loop = res.Loop
	cell.Load.Timer = res.Timer
	st := &cell.Stats
	st.Requests = res.Requests()
	st.Errors = errorCounts(res.Errors)
	st.ErrorsTotal = res.ErrorsTotal()
	st.Unsent = res.Unsent
	st.AchievedRPS = res.AchievedRPS()
	st.MeasuredFor = res.Measured
	st.Latency = results.Summarize(res.Latency)
	st.ServiceTime = results.Summarize(res.Service)
	st.Lag = results.Summarize(res.Lag)
	st.OutOfRange = res.OutOfRange
	st.DroppedMerges = res.DroppedMerges
	st.ServerCPUPct = usage.CPUPercent
	st.ServerPeakRSS = usage.PeakRSSBytes
	st.ClientCPUPct = res.ClientCPUPercent()
	cell.Histograms = encodeAll(res, &cell.Warnings)
	cell.Intervals = res.Intervals
	cell.Warnings = append(cell.Warnings, clientWarnings(spec, st)...)
}

// errorCounts names every error class, with zero for the classes that did
// not occur, so that every result lists the same keys.
func errorCounts(counts [scenarios.NumErrorClasses]int64) map[string]int64 {
	m := make(map[string]int64, len(counts))
	for class, n := range counts {
		if scenarios.ErrorClass(class) == scenarios.ErrNone {
			continue
		}
		m[scenarios.ErrorClass(class).String()] = n
	}
	return m
}

// encodeAll encodes the three histograms; a failure becomes a warning.
func encodeAll(res *Result, warnings *[]string) results.Histograms {
	encode := func(name string, h *hdrhistogram.Histogram) string {
		s, err := results.EncodeHistogram(h)
		if err != nil {
			*warnings = append(*warnings, fmt.Sprintf("%s histogram not saved: %v", name, err))
		}
		return s
	}
	return results.Histograms{
		Latency:     encode("latency", res.Latency),
		ServiceTime: encode("service time", res.Service),
		Lag:         encode("lag", res.Lag),
	}
}

// clientWarnings says when the numbers may describe the client rather than
// the target: a rate it did not reach, requests it sent late or a core it
// saturated, and values the histograms could not hold.
func clientWarnings(spec CellSpec, st *results.CellStats) []string {
	var w []string
	if rate := spec.Load.Rate; rate > 0 && st.AchievedRPS < MinAchievedRatio*rate {
		w = append(w, fmt.Sprintf("achieved %.0f rps, %.1f%% below the target %.0f rps: the target or the client could not keep up",
			st.AchievedRPS, 100*(1-st.AchievedRPS/rate), rate))
	}
	if spec.Load.Rate > 0 && st.Lag.P99 > MaxLagP99.Nanoseconds() {
		w = append(w, fmt.Sprintf("scheduling lag p99 %.1fµs above %v: requests were sent late (all connections busy, or the client starved of CPU)",
			float64(st.Lag.P99)/1e3, MaxLagP99))
	}
	if st.ClientCPUPct > MaxClientCPUPct {
		w = append(w, fmt.Sprintf("client CPU %.1f%% near saturation: the client may be the bottleneck", st.ClientCPUPct))
	}
	if st.Unsent > 0 {
		w = append(w, fmt.Sprintf("%d requests fell due but were never sent before the window closed", st.Unsent))
	}
	if st.OutOfRange > 0 || st.DroppedMerges > 0 {
		w = append(w, fmt.Sprintf("%d values outside the histogram range and %d dropped in merges were not recorded",
			st.OutOfRange, st.DroppedMerges))
	}
	return w
}

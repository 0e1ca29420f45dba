package bench

import (
	"errors"
	"fmt"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/servers"
)

// fillCell records what a run measured in cell: statistics, encoded
// histograms, the target's resource use and warnings about the client.
func fillCell(cell *results.Cell, spec CellSpec, res *engine.Result, usage servers.Usage) {
	cell.Load.Loop = res.Loop
	cell.Load.Wait = res.Wait
	cell.Load.Loops = res.Loops
	st := &cell.Stats
	st.Counts = res.Counts
	st.Derive(res.Latency, res.Service, res.Lag)
	st.DeriveConnections(res.Connect, res.Handshake)
	st.ServerCPUPct = usage.CPUPercent
	st.ServerPeakRSS = usage.PeakRSSBytes
	cell.Histograms = encodeAll(res, &cell.Warnings)
	cell.Classes = classStats(res.Classes, &cell.Warnings)
	if w := nagleWarning(res.Service); w != "" {
		cell.Warnings = append(cell.Warnings, w)
	}
	cell.Warnings = append(cell.Warnings, clientWarnings(spec, st)...)
}

// noneCompleted returns why a cell in which requests fell due and not one
// succeeded is failed, or nil.
func noneCompleted(st *results.CellStats) error {
	if st.FellDue == 0 || st.Requests > 0 {
		return nil
	}
	msg := fmt.Sprintf("no request succeeded: %d fell due, %d failed, %d were never sent", st.FellDue, st.ErrorsTotal, st.Unsent)
	for _, class := range scenarios.ErrorClassNames() {
		if n := st.Errors.Of(class); n > 0 {
			msg += fmt.Sprintf("; %d %s", n, class)
			if s := st.ErrorSamples[class]; s != "" {
				msg += " (" + s + ")"
			}
		}
	}
	return errors.New(msg)
}

// encodeAll encodes the three histograms; a failure becomes a warning.
func encodeAll(res *engine.Result, warnings *[]string) results.Histograms {
	h := results.Histograms{
		Latency:     encode("latency", res.Latency, warnings),
		ServiceTime: encode("service time", res.Service, warnings),
		Lag:         encode("lag", res.Lag, warnings),
	}
	if res.Connect != nil && res.Connect.TotalCount() > 0 {
		h.Connect = encode("connect", res.Connect, warnings)
	}
	if res.Handshake != nil && res.Handshake.TotalCount() > 0 {
		h.Handshake = encode("handshake", res.Handshake, warnings)
	}
	return h
}

// encode encodes h; a failure becomes a warning naming it.
func encode(name string, h *hdrhistogram.Histogram, warnings *[]string) string {
	s, err := results.EncodeHistogram(h)
	if err != nil {
		*warnings = append(*warnings, fmt.Sprintf("%s histogram not saved: %v", name, err))
	}
	return s
}

// classStats returns the figures of each request class of a mix.
func classStats(classes []engine.Class, warnings *[]string) []results.ClassStats {
	var out []results.ClassStats
	for _, c := range classes {
		cs := results.ClassStats{Name: c.Name, Requests: c.Latency.TotalCount(), Errors: c.Errors,
			ErrorsTotal: c.Errors.Total(), Latency: results.Summarize(c.Latency), ServiceTime: results.Summarize(c.Service)}
		cs.Histograms.Latency = encode(c.Name+" latency", c.Latency, warnings)
		cs.Histograms.ServiceTime = encode(c.Name+" service time", c.Service, warnings)
		out = append(out, cs)
	}
	return out
}

// clientWarnings says when the numbers may describe the client rather than
// the target: a rate it did not reach, requests it sent late or a loop it
// kept busy; and what the window's edges hide: connections that carried
// no measured request, errors during warm-up, values the histograms could
// not hold.
func clientWarnings(spec CellSpec, st *results.CellStats) []string {
	var w []string
	if rate := spec.Load.Rate; rate > 0 && st.AchievedRPS < MinAchievedRatio*rate {
		w = append(w, fmt.Sprintf("achieved %.0f rps, %.1f%% below the target %.0f rps: the target or the client could not keep up",
			st.AchievedRPS, 100*(1-st.AchievedRPS/rate), rate))
	}
	if spec.Load.Rate > 0 && st.Lag.P99 > MaxLagP99.Nanoseconds() {
		cause := "every connection was busy with a slow answer, so requests waited for one (raise --connections to offer the rate anyway)"
		if st.LoopBusyPct > MaxLoopBusyPct {
			cause = "the client was short of CPU"
		}
		w = append(w, fmt.Sprintf("scheduling lag p99 %.1fµs above %v: requests were sent late: %s",
			float64(st.Lag.P99)/1e3, MaxLagP99, cause))
	}
	if st.LoopBusyPct > MaxLoopBusyPct {
		w = append(w, fmt.Sprintf("the busiest event loop worked %.0f%% of the window: the client may be the bottleneck (give it more CPUs with --client-cpus)", st.LoopBusyPct))
	}
	if st.Unsent > 0 {
		w = append(w, fmt.Sprintf("%d requests fell due but waited for a free connection longer than the timeout and were never sent", st.Unsent))
	}
	if idle := st.IdleConnections; idle > 0 && (spec.Load.Rate == 0 || st.FellDue >= int64(2*spec.Load.Connections)) {
		w = append(w, fmt.Sprintf("%d of %d connections carried no measured request (hung since warm-up, or never connected)", idle, spec.Load.Connections))
	}
	if st.WarmupErrors > 0 {
		w = append(w, fmt.Sprintf("%d requests failed during warm-up (not in the figures)", st.WarmupErrors))
	}
	if st.OutOfRange > 0 || st.DroppedMerges > 0 {
		w = append(w, fmt.Sprintf("%d values outside the histogram range and %d dropped in merges were not recorded",
			st.OutOfRange, st.DroppedMerges))
	}
	return w
}

// nagleWarning returns a warning when the service times pile up in the
// delayed-ACK band (at least 5% of them and 20 requests, and four times
// as many as in the band just below it), else "".
func nagleWarning(service *hdrhistogram.Histogram) string {
	in := results.BandCount(service, results.NagleLowNs, results.NagleHighNs)
	below := results.BandCount(service, results.NagleLowNs/2, results.NagleLowNs)
	total := service.TotalCount()
	if in < 20 || float64(in) < 0.05*float64(total) || in <= 4*below {
		return ""
	}
	return fmt.Sprintf("%.0f%% of service times sit between 36 and 60 ms, the mark of Nagle's algorithm meeting delayed ACKs: "+
		"the target (or its link to its backend) looks like it does not set TCP_NODELAY; latbench's own sockets do", 100*float64(in)/float64(total))
}

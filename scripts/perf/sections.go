package main

import (
	"fmt"
	"math"
	"strings"
)

// The goals of issue 10.
const (
	goalP50        = 1.1 // latbench p50 ÷ reference p50, at most
	goalP99        = 1.3 // latbench p99 ÷ reference p99, at most
	goalCPUPerReq  = 0.9 // latbench CPU/request ÷ wrk's, at most
	goalRPS        = 1.0 // latbench requests/s ÷ wrk's, at least
	goalRSSMB      = 200 // peak RSS at 10,000 connections, MB, below
	goalRSSGrowth  = 1.1 // peak RSS of the long run ÷ the short run's, at most
	tableLatencyUs = "| p50 µs | p90 µs | p99 µs | p99.9 µs |"
)

// renderReference writes the latency tables of the reference comparison
// and the latbench ÷ reference ratios.
func (r *report) renderReference(b *strings.Builder) {
	b.WriteString("## Open-loop latency against the reference client\n\n")
	if len(r.reference) == 0 {
		b.WriteString("Not measured (see Skipped above).\n\n")
		return
	}
	b.WriteString("The reference (scripts/perf/refclient) spins until each request is due, writes it on its one connection and " +
		"busy-polls for the response; latency counts from the due time, percentiles are exact. latbench runs with its default " +
		"wait (auto: spin, as its CPU is its own). Service time is send to response.\n\n")
	for _, w := range openWorkloads {
		for _, rate := range openRates {
			renderOpenLoad(b, r.reference, openLoad(w, rate))
		}
	}
	b.WriteString("### Ratios, latbench ÷ reference\n\n")
	fmt.Fprintf(b, "| load | client | p50 | goal p50 ≤ %.1f× | p99 | goal p99 ≤ %.1f× |\n|---|---|---:|---|---:|---|\n", goalP50, goalP99)
	for _, w := range openWorkloads {
		for _, rate := range openRates {
			load := openLoad(w, rate)
			for _, tool := range openTools()[1:] {
				p50 := ratio(over(r.reference, tool, load, latency(50)), over(r.reference, toolReference, load, latency(50)))
				p99 := ratio(over(r.reference, tool, load, latency(99)), over(r.reference, toolReference, load, latency(99)))
				fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", load, tool,
					fmtRatio(p50), verdict(p50, goalP50, true), fmtRatio(p99), verdict(p99, goalP99, true))
			}
		}
	}
	b.WriteString("\n")
}

// renderOpenLoad writes the latency table of the samples of one workload
// at one rate.
func renderOpenLoad(b *strings.Builder, samples []sample, load string) {
	fmt.Fprintf(b, "### %s\n\n| client | wait | requests/s %s service p50 µs |\n|---|---|---:|---:|---:|---:|---:|---:|\n",
		load, tableLatencyUs)
	for _, tool := range openTools() {
		stat := func(metric func(sample) float64, decimals int) string {
			return fmtStat(over(samples, tool, load, metric), decimals)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", tool, waitOf(samples, tool, load),
			stat(rps, 0), stat(latency(50), 1), stat(latency(90), 1), stat(latency(99), 1), stat(latency(99.9), 1), stat(service(50), 1))
	}
	b.WriteString("\n")
}

// renderThroughput writes the closed-loop table against wrk (and hey) and
// the latbench ÷ wrk ratios.
func (r *report) renderThroughput(b *strings.Builder) {
	b.WriteString("## CPU per request and throughput against wrk (closed loop, nginx serving 10,000 B)\n\n")
	fmt.Fprintf(b, "wrk -t1 -cN, latbench --rate max -c N (its default wait, auto: hybrid, polling for 5 µs after each send before it sleeps, as its CPU is its own), hey -c %d; keep-alive, no warm-up. "+
		"CPU is the client's user + system time over its whole process (wait4's rusage: for latbench that includes its start-up and "+
		"the report it renders at the end); latbench's window CPU is its own getrusage over the measured window only. "+
		"Requests/s is each tool's own rate over its own measured time.\n\n", heyConns)
	b.WriteString("| load | tool | CPU µs/request | window CPU µs/request | requests/s | client CPU % " + tableLatencyUs + "\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range closedConns {
		load := closedLoad(c)
		for _, tool := range []string{"wrk", "latbench", "hey"} {
			if tool == "hey" && c != heyConns {
				continue
			}
			stat := func(metric func(sample) float64, decimals int) string {
				return fmtStat(over(r.throughput, tool, load, metric), decimals)
			}
			window := "-"
			if tool == "latbench" {
				window = stat(windowCPUPerReq, 2)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", load, tool, stat(cpuPerReq, 2), window, stat(rps, 0),
				stat(cpuPct, 0), stat(latency(50), 0), stat(latency(90), 0), stat(latency(99), 0), stat(latency(99.9), 0))
		}
	}
	b.WriteString("\n### Ratios, latbench ÷ wrk\n\n")
	fmt.Fprintf(b, "| load | CPU/request | goal ≤ %.1f× | requests/s | goal ≥ %.1f× |\n|---|---:|---|---:|---|\n", goalCPUPerReq, goalRPS)
	for _, c := range closedConns {
		load := closedLoad(c)
		cpu := ratio(over(r.throughput, "latbench", load, cpuPerReq), over(r.throughput, "wrk", load, cpuPerReq))
		tput := ratio(over(r.throughput, "latbench", load, rps), over(r.throughput, "wrk", load, rps))
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", load, fmtRatio(cpu), verdict(cpu, goalCPUPerReq, true), fmtRatio(tput), verdict(tput, goalRPS, false))
	}
	b.WriteString("\n")
}

// renderBefore writes the before/after table.
func (r *report) renderBefore(b *strings.Builder) {
	fmt.Fprintf(b, "## Echo closed loop on one client CPU, before (%s, goroutine engine) against after (event loop)\n\n", r.cfg.before)
	if len(r.before) == 0 {
		b.WriteString("Not measured (see Skipped above).\n\n")
		return
	}
	b.WriteString("Both: `--scenario echo --size 64 --rate max` on the Go echo server, no warm-up, interleaved.\n\n")
	b.WriteString("| load | before requests/s | after requests/s | after ÷ before | before CPU µs/request | after CPU µs/request | after ÷ before |\n" +
		"|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range beforeConns {
		load := beforeLoad(c)
		rb, ra := over(r.before, toolBefore, load, rps), over(r.before, toolAfter, load, rps)
		cb, ca := over(r.before, toolBefore, load, cpuPerReq), over(r.before, toolAfter, load, cpuPerReq)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", load, fmtStat(rb, 0), fmtStat(ra, 0), fmtRatio(ratio(ra, rb)),
			fmtStat(cb, 2), fmtStat(ca, 2), fmtRatio(ratio(ca, cb)))
	}
	b.WriteString("\n")
}

// renderMemory writes the client memory table and its goals.
func (r *report) renderMemory(b *strings.Builder) {
	b.WriteString("## Client memory (latbench)\n\n")
	b.WriteString("Peak RSS from wait4's ru_maxrss; MB = 10⁶ bytes. Open loop on the Go echo server, closed loop on nginx; requests and errors of the measured time.\n\n")
	b.WriteString("| run | requests | errors | peak RSS MB |\n|---|---:|---:|---:|\n")
	runs := memoryRuns(r.cfg.duration)
	for _, m := range runs {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", m.name, fmtCount(over(r.memory, "latbench", m.name, requests)),
			fmtCount(over(r.memory, "latbench", m.name, errs)), fmtStat(over(r.memory, "latbench", m.name, rssMB), 1))
	}
	short, long := over(r.memory, "latbench", runs[0].name, rssMB), over(r.memory, "latbench", runs[1].name, rssMB)
	peak, growth := max(short.hi, long.hi), ratio(long, short)
	peakText := fmt.Sprintf("%.1f MB", peak)
	if peak == 0 {
		peak, peakText = math.NaN(), "-"
	}
	b.WriteString("\n| goal at 10,000 connections | value | |\n|---|---:|---|\n")
	fmt.Fprintf(b, "| peak RSS < %d MB (highest of all rounds) | %s | %s |\n", goalRSSMB, peakText, verdict(peak, math.Nextafter(goalRSSMB, 0), true))
	fmt.Fprintf(b, "| flat: long ÷ short ≤ %.1f× | %s | %s |\n\n", goalRSSGrowth, fmtRatio(growth), verdict(growth, goalRSSGrowth, true))
}

// renderCO writes the coordinated-omission result.
func (r *report) renderCO(b *strings.Builder) {
	b.WriteString("## Coordinated omission (Go echo server stopped with SIGSTOP for 1 s of a 10 s run at 1,000 rps)\n\n")
	b.WriteString("Expected: ~10% of requests wait 0–1 s, so p90 sits at the edge of the stall, p99 ≈ 0.9 s, p99.9 ≈ 0.99 s; service time stays short.\n\n")
	b.WriteString("| requests | wait | latency p50 | p90 | p99 | p99.9 | service time p99 |\n|---:|---|---:|---:|---:|---:|---:|\n")
	s := r.co
	fmt.Fprintf(b, "| %d | %s | %v | %v | %v | %v | %v |\n\n", s.Requests, s.Wait, s.P(50), s.P(90), s.P(99), s.P(99.9), s.Service[99])
}

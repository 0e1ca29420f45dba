package main

import (
	"fmt"
	"strings"
)

// The goals of the protocol experiments.
const (
	goalTLSCPUPerReq  = 1.0 // latbench CPU/request ÷ wrk's over HTTPS, at most
	goalTLSRPS        = 1.0 // latbench requests/s ÷ wrk's over HTTPS, at least
	goalH2CPUPerReq   = 1.0 // latbench CPU/request ÷ h2load's, at most
	goalGRPCCPUPerReq = 0.5 // latbench CPU/request ÷ ghz's, at most
	goalTLSP50        = 1.1 // latbench p50 ÷ the reference's over TLS, at most
)

// peerSection is a closed-loop comparison of latbench with one peer.
type peerSection struct {
	samples []sample
	loads   []string
	peer    string  // wrk, h2load, ghz
	cpuGoal float64 // latbench ÷ peer CPU/request, at most
	rpsGoal float64 // latbench ÷ peer requests/s, at least; 0: no goal
}

// mean is the metric "mean latency in µs".
func mean(s sample) float64 { return float64(s.Mean) / 1e3 }

// render writes the table of every load and tool, then the ratios
// latbench ÷ peer with their goals.
func (ps peerSection) render(b *strings.Builder) {
	b.WriteString("| load | tool | CPU µs/request | window CPU µs/request | requests/s | client CPU % | errors | mean µs | p50 µs | p99 µs |\n" +
		"|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, load := range ps.loads {
		for _, tool := range []string{ps.peer, "latbench"} {
			stat := func(metric func(sample) float64, decimals int) string {
				return fmtStat(over(ps.samples, tool, load, metric), decimals)
			}
			window := "-"
			if tool == "latbench" {
				window = stat(windowCPUPerReq, 2)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", load, tool, stat(cpuPerReq, 2), window, stat(rps, 0),
				stat(cpuPct, 0), fmtCount(over(ps.samples, tool, load, errs)), stat(mean, 0), stat(latency(50), 0), stat(latency(99), 0))
		}
	}
	fmt.Fprintf(b, "\n### Ratios, latbench ÷ %s\n\n", ps.peer)
	if ps.rpsGoal > 0 {
		fmt.Fprintf(b, "| load | CPU/request | goal ≤ %.1f× | requests/s | goal ≥ %.1f× |\n|---|---:|---|---:|---|\n", ps.cpuGoal, ps.rpsGoal)
	} else {
		fmt.Fprintf(b, "| load | CPU/request | goal ≤ %.1f× | requests/s |\n|---|---:|---|---:|\n", ps.cpuGoal)
	}
	for _, load := range ps.loads {
		cpu := ratio(over(ps.samples, "latbench", load, cpuPerReq), over(ps.samples, ps.peer, load, cpuPerReq))
		tput := ratio(over(ps.samples, "latbench", load, rps), over(ps.samples, ps.peer, load, rps))
		fmt.Fprintf(b, "| %s | %s | %s | %s |", load, fmtRatio(cpu), verdict(cpu, ps.cpuGoal, true), fmtRatio(tput))
		if ps.rpsGoal > 0 {
			fmt.Fprintf(b, " %s |", verdict(tput, ps.rpsGoal, false))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// renderCommands writes the command line of every load and tool as round
// 1 ran it (taskset included), in table order.
func renderCommands(b *strings.Builder, samples []sample, loads, tools []string, cpus string) {
	b.WriteString("Commands (round 1):\n\n```sh\n")
	for _, load := range loads {
		for _, tool := range tools {
			for _, s := range samples {
				if s.Round == 1 && s.Tool == tool && s.Workload == load {
					fmt.Fprintf(b, "taskset -c %s %s\n", cpus, shellQuote(s.argv))
					break
				}
			}
		}
	}
	b.WriteString("```\n\n")
}

// renderSteal writes how much of the machine's CPU time the hypervisor
// took during the samples' runs: the median over runs, with [min–max].
func renderSteal(b *strings.Builder, samples []sample) {
	var vs []float64
	for _, s := range samples {
		if s.StealPct >= 0 {
			vs = append(vs, s.StealPct)
		}
	}
	if len(vs) == 0 {
		return
	}
	m, lo, hi := median(vs)
	fmt.Fprintf(b, "Steal (the hypervisor's share of the machine's CPU time, /proc/stat) during these %d runs: median %.1f%% [%.1f–%.1f].\n\n",
		len(vs), m, lo, hi)
}

// notMeasured writes the line of a section whose experiment did not run,
// and says whether it did not.
func notMeasured(b *strings.Builder, samples []sample) bool {
	if len(samples) > 0 {
		return false
	}
	b.WriteString("Not measured (see Skipped above).\n\n")
	return true
}

// tlsLoads are the loads of the HTTPS comparison, in table order.
func tlsLoads() []string {
	var loads []string
	for _, c := range tlsConns {
		loads = append(loads, tlsLoad(c))
	}
	return loads
}

// renderTLS writes the HTTPS comparison against wrk.
func (r *report) renderTLS(b *strings.Builder) {
	b.WriteString("## HTTPS: CPU per request and throughput against wrk (closed loop, nginx serving 10,000 B over TLS)\n\n")
	if notMeasured(b, r.tls) {
		return
	}
	b.WriteString("nginx listens with `ssl` (TLS 1.2 and 1.3, ALPN http/1.1 only) on a certificate of the run's own CA, which latbench " +
		"checks (`--tls-ca`) and wrk does not. wrk -t1 -cN (OpenSSL), latbench `--tls --rate max -c N` (Go's crypto/tls, its default wait); " +
		"keep-alive, no warm-up, so each connection's one full handshake is inside both tools' measured time. Each client negotiates its own " +
		"TLS 1.3 cipher suite (the server follows the client's order): wrk, with OpenSSL's default order, TLS_AES_256_GCM_SHA384 (as " +
		"`openssl s_client` shows against this config); latbench, with Go's order on a CPU with AES instructions, TLS_AES_128_GCM_SHA256, " +
		"which spares it a few µs of decryption per 10,000 B response. CPU is each tool's whole process (wait4), window CPU latbench's own " +
		"over its measured window; requests/s is each tool's own rate.\n\n")
	peerSection{samples: r.tls, loads: tlsLoads(), peer: "wrk", cpuGoal: goalTLSCPUPerReq, rpsGoal: goalTLSRPS}.render(b)
	renderSteal(b, r.tls)
	renderCommands(b, r.tls, tlsLoads(), []string{"wrk", "latbench"}, r.cfg.clientCPUs)
}

// h2LoadNames are the loads of the h2 comparison, in table order.
func h2LoadNames() []string {
	var loads []string
	for _, l := range h2Loads() {
		loads = append(loads, l.name)
	}
	return loads
}

// renderH2 writes the h2c and h2 comparison against h2load.
func (r *report) renderH2(b *strings.Builder) {
	fmt.Fprintf(b, "## HTTP/2: CPU per request against h2load (closed loop, nginx serving 10,000 B, %d connections × %d streams)\n\n", h2Conns, h2Streams)
	if notMeasured(b, r.h2) {
		return
	}
	b.WriteString("Two nginx servers: `listen ADDR http2` (h2c, prior knowledge only) and `listen ADDR ssl http2` (TLS 1.3, ALPN h2 and http/1.1; " +
		"the run checks that h2load negotiated h2; h2load and latbench both pick TLS_AES_128_GCM_SHA256). h2load -t1 -c 10 -m 10 -D (timing-based, no warm-up; it reports no percentiles, so its " +
		"latency is the mean of its \"time for request\"); latbench `--scenario h2 --streams 10 -c 10 --rate max` (and `--tls`). " +
		"Requests are 2xx responses, errors h2load's failed requests or latbench's errors.\n\n")
	peerSection{samples: r.h2, loads: h2LoadNames(), peer: "h2load", cpuGoal: goalH2CPUPerReq}.render(b)
	renderSteal(b, r.h2)
	renderCommands(b, r.h2, h2LoadNames(), []string{"h2load", "latbench"}, r.cfg.clientCPUs)
}

// grpcLoadNames are the loads of the gRPC comparison, in table order.
func grpcLoadNames() []string {
	var loads []string
	for _, g := range grpcLoads {
		loads = append(loads, g.name())
	}
	return loads
}

// renderGRPC writes the gRPC comparison against ghz.
func (r *report) renderGRPC(b *strings.Builder) {
	fmt.Fprintf(b, "## gRPC unary: CPU per request against ghz (closed loop, the Go reference server, %d B payloads, h2c)\n\n", grpcPayload)
	if notMeasured(b, r.grpc) {
		return
	}
	b.WriteString("`bin/latbench-server-go --mode grpc` (grpc-go) serves latbench.echo.v1.Echo; both clients call Echo.Unary with the same 64 " +
		"bytes. ghz (v0.121, --cpus 1) with `--connections C -c C×S -z D --duration-stop wait` (calls in flight at the end finish and count); " +
		"latbench `--scenario grpc --grpc-method unary -c C --streams S --rate max`. Requests are OK calls; ghz's requests/s is its OK calls over its Total.\n\n")
	peerSection{samples: r.grpc, loads: grpcLoadNames(), peer: grpcPeerID, cpuGoal: goalGRPCCPUPerReq}.render(b)
	renderSteal(b, r.grpc)
	renderCommands(b, r.grpc, grpcLoadNames(), []string{grpcPeerID, "latbench"}, r.cfg.clientCPUs)
}

// tlsOpenLoads are the loads of the TLS reference comparison.
func tlsOpenLoads() []string {
	var loads []string
	for _, rate := range openRates {
		loads = append(loads, tlsOpenLoad(rate))
	}
	return loads
}

// renderTLSReference writes the open-loop comparison over TLS with the
// reference client.
func (r *report) renderTLSReference(b *strings.Builder) {
	b.WriteString("## Open-loop latency over TLS against the reference client\n\n")
	if notMeasured(b, r.tlsRef) {
		return
	}
	b.WriteString("nginx over TLS (ALPN http/1.1) serving 10,000 B. The reference (scripts/perf/refclient, `https` mode: OpenSSL, TLS 1.3 " +
		"AES-128-GCM first as Go prefers, handshake before the first request is due) spins until each request is due and busy-polls " +
		"SSL_read on its one connection; latbench `--tls` runs with its default wait (auto: spin). Both check the certificate against " +
		"the run's CA. Latency counts from the due time.\n\n")
	for _, load := range tlsOpenLoads() {
		renderOpenLoad(b, r.tlsRef, load)
	}
	b.WriteString("### Ratios, latbench ÷ reference, over TLS\n\n" +
		"Rate reached: both clients' median requests/s within 1% of the rate. Where it is not, the server could not keep up and " +
		"the latencies are a growing queue's, not a measure of either client: such a load gets no verdict.\n\n")
	fmt.Fprintf(b, "| load | client | p50 | goal p50 ≤ %.1f× | p99 | rate reached |\n|---|---|---:|---|---:|---|\n", goalTLSP50)
	for i, load := range tlsOpenLoads() {
		for _, tool := range openTools()[1:] {
			p50 := ratio(over(r.tlsRef, tool, load, latency(50)), over(r.tlsRef, toolReference, load, latency(50)))
			p99 := ratio(over(r.tlsRef, tool, load, latency(99)), over(r.tlsRef, toolReference, load, latency(99)))
			reached := rateReached(r.tlsRef, load, []string{toolReference, tool}, openRates[i])
			goal := verdict(p50, goalTLSP50, true)
			if reached != "yes" {
				goal = "- (rate not reached)"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", load, tool, fmtRatio(p50), goal, fmtRatio(p99), reached)
		}
	}
	b.WriteString("\n")
	renderSteal(b, r.tlsRef)
	renderCommands(b, r.tlsRef, tlsOpenLoads(), openTools(), r.cfg.clientCPUs)
}

// rateReached says whether every tool's median requests/s on load is
// within 1% of rate: "yes", or "no" with the medians.
func rateReached(samples []sample, load string, tools []string, rate int) string {
	var short []string
	for _, tool := range tools {
		if got := over(samples, tool, load, rps); got.med < 0.99*float64(rate) {
			short = append(short, fmt.Sprintf("%s %.0f", tool, got.med))
		}
	}
	if len(short) == 0 {
		return "yes"
	}
	return "no: " + strings.Join(short, ", ") + " rps"
}

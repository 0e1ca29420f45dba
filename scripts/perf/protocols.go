package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/latbench/latbench/servers"
)

// This file holds the protocol experiments: HTTPS against wrk, h2c and h2
// against h2load (nginx), gRPC unary against ghz (the Go reference
// server), and open-loop latency over TLS against the reference client.
// Each starts its own servers, pinned to the target CPUs, and stops them
// when it ends, whatever happens. TLS servers serve a certificate of the
// run's own CA (servers.NewCA), which latbench (--tls-ca) and the
// reference client check; wrk and h2load do not check certificates.

// protocolEnv is what the protocol experiments use.
type protocolEnv struct {
	wrk, h2load, ghz string // the peers' executables
	// skip holds, per experiment ID, why it does not run; "" runs it.
	skip map[string]string
	ca   *servers.CA // the run's CA; nil when no TLS experiment runs
}

// protocolIDs are the IDs of the protocol experiments.
func protocolIDs() []string { return []string{expTLS, expH2, expGRPC, expTLSRef} }

// findProtocolTools finds the peers and the latbench scenarios the
// selected protocol experiments need, notes each experiment that cannot
// run and why, and makes the run's CA.
func (e *env) findProtocolTools(ctx context.Context, r *report) error {
	p := &e.proto
	p.skip = map[string]string{}
	if !slices.ContainsFunc(protocolIDs(), e.cfg.runs) {
		return nil
	}
	scenarios, err := latbenchScenarios(ctx, e.latbench.bin)
	if err != nil {
		return err
	}
	need := func(id, scenario string, tool *string, name, hint string, paths ...string) {
		var reasons []string
		if scenario != "" && !slices.Contains(scenarios, scenario) {
			reasons = append(reasons, fmt.Sprintf("bin/latbench has no --scenario %s yet (its run --help lists: %s)", scenario, strings.Join(scenarios, ", ")))
		}
		if tool != nil {
			var err error
			if *tool, err = findTool(name, hint, paths...); err != nil {
				reasons = append(reasons, err.Error())
			}
		}
		e.skipProtocol(r, id, reasons)
	}
	need(expTLS, "", &p.wrk, "wrk", "scripts/install-debian.sh wrk")
	need(expH2, "h2", &p.h2load, "h2load", "scripts/install-debian.sh nghttp2-client")
	need(expGRPC, "grpc", &p.ghz, "ghz", "scripts/perf.sh installs it: GOBIN=$PWD/bin/perf-tools go install github.com/bojand/ghz/cmd/ghz@v0.121.0",
		filepath.Join(e.cfg.root, "bin", "perf-tools", "ghz"))
	e.skipProtocol(r, expTLSRef, e.refclientTLSProblems(ctx))
	if p.ca, err = servers.NewCA(filepath.Join(e.scratch, "ca")); err != nil {
		return err
	}
	return nil
}

// skipProtocol records why the selected experiment id cannot run, if
// there are reasons.
func (e *env) skipProtocol(r *report, id string, reasons []string) {
	if len(reasons) == 0 || !e.cfg.runs(id) {
		return
	}
	e.proto.skip[id] = strings.Join(reasons, "; ")
	r.note("%s comparison skipped: %s", id, e.proto.skip[id])
}

// refclientTLSProblems says why the reference client cannot speak https.
func (e *env) refclientTLSProblems(ctx context.Context) []string {
	if e.refclient == "" {
		return []string{"bin/refclient missing: scripts/perf.sh builds it with the system C compiler (cc); is there one?"}
	}
	if out, err := exec.CommandContext(ctx, e.refclient, "--has-tls").CombinedOutput(); err != nil {
		return []string{fmt.Sprintf("bin/refclient has no https mode (%s): scripts/perf.sh builds it with OpenSSL when libssl-dev is installed (scripts/install-debian.sh libssl-dev)",
			strings.TrimSpace(string(out)))}
	}
	return nil
}

// withServer starts the manifest target name as spec says, runs f with
// it, and stops it whatever happens.
func (e *env) withServer(ctx context.Context, name string, spec servers.StartSpec, f func(*servers.Process) error) error {
	p, err := e.launch(ctx, name, spec)
	if err != nil {
		return err
	}
	defer p.Stop(0)
	return f(p)
}

// tlsArgs are latbench's arguments to speak TLS to a server of the run's CA.
func (e *env) tlsArgs() []string { return []string{"--tls", "--tls-ca", e.proto.ca.CertFile} }

// nginxTLS is nginx over TLS offering ALPN http/1.1 only ("listen ... ssl").
func (e *env) nginxTLS() servers.StartSpec {
	return servers.StartSpec{Mode: servers.ModeHTTP, TLS: e.proto.ca.Server(), ALPN: []string{servers.ALPNHTTP1}}
}

// tlsConns are the connection counts of the HTTPS comparison against wrk.
var tlsConns = []int{10, 100}

// tlsLoad names the HTTPS workload with conns connections.
func tlsLoad(conns int) string { return "HTTPS, nginx 10,000 B, " + thousands(conns) + " connections" }

// compareTLS runs wrk and latbench's closed loop over HTTPS (keep-alive,
// no warm-up) on nginx serving 10,000 bytes, at each of tlsConns.
func (e *env) compareTLS(ctx context.Context, r *report) error {
	if e.proto.skip[expTLS] != "" {
		return nil
	}
	return e.withServer(ctx, "nginx", e.nginxTLS(), func(p *servers.Process) error {
		url, d := "https://"+p.Addr()+"/bytes/10000", e.cfg.duration
		var jobs []job
		for _, c := range tlsConns {
			load := tlsLoad(c)
			args := append(e.tlsArgs(), "--scenario", "http", "--size", "10000", "--rate", "max", "-c", strconv.Itoa(c))
			wrk := wrkJob(load, url, c, d)
			wrk.argv[0] = e.proto.wrk
			jobs = append(jobs, wrk, e.latbench.job("latbench", load, p.Addr(), d, 0, args...))
		}
		samples, err := e.rounds(ctx, jobs)
		r.tls = samples
		return err
	})
}

// The load of the h2 comparison: conns connections of streams streams.
const (
	h2Conns   = 10
	h2Streams = 10
)

// h2Load is one workload of the h2 comparison.
type h2Load struct {
	name string
	tls  bool // h2 over TLS (ALPN), else h2c with prior knowledge
}

// h2Loads are the workloads of the h2 comparison.
func h2Loads() []h2Load {
	shape := fmt.Sprintf("nginx 10,000 B, %d connections × %d streams", h2Conns, h2Streams)
	return []h2Load{{"h2c (prior knowledge), " + shape, false}, {"h2 (TLS, ALPN), " + shape, true}}
}

// compareH2 runs h2load and latbench's closed loop on nginx serving
// 10,000 bytes over h2c and over h2 with TLS, each from a server of its
// own, interleaved.
func (e *env) compareH2(ctx context.Context, r *report) error {
	if e.proto.skip[expH2] != "" {
		return nil
	}
	h2cSpec := servers.StartSpec{Mode: servers.ModeHTTP, Listener: servers.ListenerH2C}
	h2Spec := servers.StartSpec{Mode: servers.ModeHTTP, TLS: e.proto.ca.Server()}
	return e.withServer(ctx, "nginx", h2cSpec, func(h2c *servers.Process) error {
		return e.withServer(ctx, "nginx", h2Spec, func(h2 *servers.Process) error {
			var jobs []job
			for _, l := range h2Loads() {
				jobs = append(jobs, e.h2Jobs(l, h2c, h2)...)
			}
			samples, err := e.rounds(ctx, jobs)
			r.h2 = samples
			return err
		})
	})
}

// h2Jobs are h2load and latbench on one h2 workload: against h2c, or
// against h2 when the workload is over TLS.
func (e *env) h2Jobs(l h2Load, h2c, h2 *servers.Process) []job {
	d := e.cfg.duration
	args := []string{"--scenario", "h2", "--size", "10000", "--streams", strconv.Itoa(h2Streams), "--rate", "max", "-c", strconv.Itoa(h2Conns)}
	url, protocol, addr := "http://"+h2c.Addr()+"/bytes/10000", "h2c", h2c.Addr()
	if l.tls {
		url, protocol, addr = "https://"+h2.Addr()+"/bytes/10000", "h2", h2.Addr()
		args = append(e.tlsArgs(), args...)
	}
	peer := h2loadJob(l.name, url, protocol, h2Conns, h2Streams, d)
	peer.argv[0] = e.proto.h2load
	return []job{peer, e.latbench.job("latbench", l.name, addr, d, 0, args...)}
}

// grpcPayload is the payload of every gRPC call, in bytes.
const grpcPayload = 64

// grpcLoad is one workload of the gRPC comparison: conns connections, on
// each of which streams calls are in flight at once.
type grpcLoad struct{ conns, streams int }

// grpcLoads are the workloads of the gRPC comparison: ghz's default of
// one connection, and as many connections and calls as the h2 comparison.
var grpcLoads = []grpcLoad{{1, 10}, {10, 10}}

// name names the workload for the tables.
func (g grpcLoad) name() string {
	return fmt.Sprintf("gRPC unary %d B, %d connection%s × %d calls", grpcPayload, g.conns, plural(g.conns), g.streams)
}

// compareGRPC runs ghz and latbench's closed loop calling Echo.Unary on
// the Go reference server in grpc mode (h2c), at each of grpcLoads:
// latbench with --connections C --streams S, ghz with --connections C and
// C×S concurrent calls.
func (e *env) compareGRPC(ctx context.Context, r *report) error {
	if e.proto.skip[expGRPC] != "" {
		return nil
	}
	return e.withServer(ctx, "go", servers.StartSpec{Mode: servers.ModeGRPC}, func(p *servers.Process) error {
		d := e.cfg.duration
		var jobs []job
		for _, g := range grpcLoads {
			args := []string{"--scenario", "grpc", "--grpc-method", "unary", "--size", strconv.Itoa(grpcPayload),
				"--rate", "max", "-c", strconv.Itoa(g.conns), "--streams", strconv.Itoa(g.streams)}
			jobs = append(jobs, ghzJob(e.proto.ghz, e.cfg.root, g.name(), p.Addr(), g.conns, g.conns*g.streams, grpcPayload, d),
				e.latbench.job("latbench", g.name(), p.Addr(), d, 0, args...))
		}
		samples, err := e.rounds(ctx, jobs)
		r.grpc = samples
		return err
	})
}

// tlsOpenLoad names the workload of the TLS reference comparison at rate.
func tlsOpenLoad(rate int) string {
	return "nginx over TLS, http GET /bytes/10000, " + thousands(rate) + " rps"
}

// compareTLSReference runs the reference client's https mode and
// latbench's open loop with --tls (default wait, so spin) on nginx over
// TLS (ALPN http/1.1) at each of openRates, all interleaved. Both check
// the server's certificate against the run's CA.
func (e *env) compareTLSReference(ctx context.Context, r *report) error {
	if e.proto.skip[expTLSRef] != "" {
		return nil
	}
	return e.withServer(ctx, "nginx", e.nginxTLS(), func(p *servers.Process) error {
		var jobs []job
		for _, rate := range openRates {
			load := tlsOpenLoad(rate)
			ref, err := refclientJob(e.refclient, load, p.Addr(), rate, e.cfg.duration, e.cfg.warmup, "https", 10000, e.proto.ca.CertFile)
			if err != nil {
				return err
			}
			jobs = append(jobs, ref)
			for _, c := range latbenchOpenConns {
				args := append(e.tlsArgs(), "--scenario", "http", "--size", "10000", "--rate", strconv.Itoa(rate), "-c", strconv.Itoa(c))
				jobs = append(jobs, e.latbench.job(latbenchTool(c), load, p.Addr(), e.cfg.duration, e.cfg.warmup, args...))
			}
		}
		samples, err := e.rounds(ctx, jobs)
		r.tlsRef = samples
		return err
	})
}

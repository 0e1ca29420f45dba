package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/scenarios/http"
	"github.com/latbench/latbench/servers"
)

// sampleEvery is how often the target's CPU and RSS are read from /proc.
const sampleEvery = 250 * time.Millisecond

// ErrInterrupted marks a cell or run cut short by SIGINT or SIGTERM.
var ErrInterrupted = errors.New("interrupted")

// measureCell runs one cell through every stage: start target → wait
// ready → verify protocol → warm up → measure → sample target → stop
// target. A failure at any stage gives a failed cell with the reason; what
// was measured before it is kept.
func (e *Executor) measureCell(ctx context.Context, spec CellSpec, progress func(Progress)) results.Cell {
	spec.Load.Warmup = e.warmupFor(spec)
	cell := e.newCell(spec)
	sc, err := catalog.New(spec.Scenario)
	if err != nil {
		return failed(cell, err)
	}
	cell.Load.Scenario = describe(spec.Scenario, sc)
	targets, err := e.startTargets(ctx, spec, sc)
	if err != nil {
		return failed(cell, err)
	}
	cell.Load.TargetAddr = targets.target.Addr()
	cell.TargetArgv = targets.target.Argv()
	cell.TargetVersion = e.versionOf(spec.Target)
	if b := targets.currentBackend(); b != nil {
		cell.BackendArgv, cell.BackendVersion = b.Argv(), e.versionOf(spec.Backend)
	}
	steal := host.StartSteal()
	if e.withAgents() {
		cell = e.finishWithAgents(ctx, spec, cell, targets)
		recordSteal(steal, &cell)
		return cell
	}
	sink, err := e.newSink(spec, progress)
	if err != nil {
		cell.Warnings = append(cell.Warnings, targets.stop(e.StopGrace)...)
		return failed(cell, err)
	}
	sink.noise = e.startNoise(targets, func(w string) { cell.Warnings = append(cell.Warnings, w) })
	res, usage, runErr := e.measure(ctx, spec, sc, targets, sink)
	cell.Warnings = append(cell.Warnings, targets.stop(e.StopGrace)...)
	if err := sink.close(); err != nil {
		cell.Warnings = append(cell.Warnings, "interval log not saved: "+err.Error())
	}
	if res != nil {
		fillCell(&cell, spec, res, usage.target)
		cell.Noise = sink.summer.Summary()
		if sink.faults != nil {
			cell.Faults = sink.faults.results(res.Faults)
		}
		if spec.Paired != "" {
			e.fillPaired(&cell, spec, targets, res, usage.reference, sink.paired)
		}
		recordSteal(steal, &cell)
	}
	if runErr != nil {
		return failed(cell, runErr)
	}
	if err := noneCompleted(&cell.Stats); err != nil {
		return failed(cell, err)
	}
	if cell.Paired != nil {
		if err := noneCompleted(&cell.Paired.Reference.Stats); err != nil {
			return failed(cell, fmt.Errorf("paired arm %s: %w", spec.Paired, err))
		}
	}
	return cell
}

// versionOf returns what the manifest target name reports of its
// version, "" when it cannot tell.
func (e *Executor) versionOf(name string) string {
	if e.Manifest == nil || e.TargetAddr != "" {
		return ""
	}
	t, err := e.Manifest.Lookup(name)
	if err != nil {
		return ""
	}
	return t.Version(e.Root)
}

// warmupFor returns the cell's warm-up: the load's, or longer when the
// target or the proxy's backend asks for more (a JIT that needs load to
// reach steady state).
func (e *Executor) warmupFor(spec CellSpec) time.Duration {
	warmup := spec.Load.Warmup
	if e.TargetAddr != "" || e.Manifest == nil {
		return warmup
	}
	for _, name := range []string{spec.Target, spec.Backend} {
		if t, err := e.Manifest.Lookup(name); err == nil && name != "" {
			if least, err := t.MinWarmup(); err == nil {
				warmup = max(warmup, least)
			}
		}
	}
	return warmup
}

// startTarget starts one manifest target of the cell spec in mode on cpus,
// listening on listen ("" for a free port), and waits until one request
// of the scenario passes. isBackend says it is a proxy's backend, which
// speaks plain TCP behind the proxy.
func (e *Executor) startTarget(ctx context.Context, spec CellSpec, name, mode, cpus, listen, backend string, netem *host.Netem, isBackend bool) (*servers.Process, error) {
	target, err := e.Manifest.Lookup(name)
	if err != nil {
		return nil, err
	}
	files, listener, alpn, err := e.serverTLS(spec, isBackend)
	if err != nil {
		return nil, err
	}
	if target.Config == "" {
		alpn = nil // only the configs latbench writes (nginx, HAProxy) take it
	}
	probe, err := e.probe(spec, !isBackend)
	if err != nil {
		return nil, err
	}
	return servers.Start(ctx, servers.StartSpec{
		Target: target, Mode: mode, Root: e.Root, CPUs: cpus,
		Listen: listen, Backend: backend, Probe: probe, ReadyTimeout: e.ReadyTimeout,
		BodySizes: bodySizes(spec.Scenario), Workers: e.Workers, Netem: netem, Ledger: e.Ledger,
		TLS: files, Listener: listener, ALPN: alpn,
	})
}

// probe returns the readiness probe of a cell's target (withTLS: as the
// cell's client speaks to it) or of its backend (plain TCP).
func (e *Executor) probe(spec CellSpec, withTLS bool) (func(context.Context, string) error, error) {
	sc, err := catalog.New(spec.Scenario)
	if err != nil {
		return nil, err
	}
	var cfg *tls.Config
	if withTLS {
		if cfg, err = e.clientTLS(spec); err != nil {
			return nil, err
		}
	}
	return verifyProbe(sc, cfg), nil
}

// verifyProbe returns a readiness probe that performs one request of the
// scenario: a target that accepts connections but answers wrongly fails
// here, before any measurement.
func verifyProbe(sc scenarios.Scenario, cfg *tls.Config) func(context.Context, string) error {
	return func(ctx context.Context, addr string) error {
		if err := Probe(ctx, sc, addr, engine.DefaultTimeout, cfg); err != nil {
			return fmt.Errorf("protocol check (one %s request) failed: %w", sc.Name(), err)
		}
		return nil
	}
}

// Probe makes one request of the scenario to addr with the engine itself
// (one loop, one connection, closed loop) and returns why it failed, in
// words, or nil.
func Probe(ctx context.Context, sc scenarios.Scenario, addr string, timeout time.Duration, cfg *tls.Config) error {
	if d, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, time.Until(d)), time.Millisecond)
	}
	res, err := engine.Run(ctx, engine.Options{Scenario: sc, Addrs: []string{addr}, MaxRequests: 1, Timeout: timeout, TLS: cfg})
	switch {
	case err != nil:
		return err
	case res.Requests() == 1:
		return nil
	case res.Interrupted:
		return ErrInterrupted
	}
	for class, n := range res.Errors {
		if n > 0 {
			name := scenarios.ErrorClass(class).String()
			return fmt.Errorf("%s (%s)", res.ErrorSamples[name], name)
		}
	}
	return errors.New("no response")
}

// measure warms up and measures the cell while sampling the target's CPU
// and memory. If the target exits mid-run, the run stops and the error
// says why; the partial result is still returned.
func (e *Executor) measure(ctx context.Context, spec CellSpec, sc scenarios.Scenario, t *cellTargets, sink *intervalSink) (*engine.Result, cellUsage, error) {
	var usage cellUsage
	pacer, err := engine.NewPacer(spec.Load.Arrival, spec.Load.Rate*float64(armCount(spec)), 1)
	if err != nil {
		return nil, usage, err
	}
	wait, window, err := e.waitFor(spec)
	if err != nil {
		return nil, usage, err
	}
	cpus, err := e.clientCPUs()
	if err != nil {
		return nil, usage, err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopWatching := watchExit(runCtx, cancel, t)
	sampler := startSamplingAfter(t.target, spec.Load.Warmup)
	var refSampler *delayedSampler
	if t.paired != nil {
		refSampler = startSamplingAfter(t.paired, spec.Load.Warmup)
	}
	arms, err := e.arms(spec, t)
	if err != nil {
		return nil, usage, err
	}
	opts := engine.Options{
		Scenario: sc, Arms: arms,
		Pacer: pacer, Wait: wait, Warmup: spec.Load.Warmup, Duration: spec.Load.Duration,
		MaxRequests: spec.Load.Requests, Timeout: spec.Load.Timeout, Seed: e.Seed,
		SpinWindow: window, CPUs: cpus, Every: sink.every, OnInterval: sink.take,
	}
	stopFaults := e.startFaults(runCtx, spec, sc, t, &opts)
	res, err := engine.Run(runCtx, opts)
	stopFaults()
	usage.target = sampler.stop()
	if refSampler != nil {
		usage.reference = refSampler.stop()
	}
	stopWatching()
	if err != nil {
		return nil, usage, err
	}
	switch cause := context.Cause(runCtx); {
	case ctx.Err() != nil:
		return res, usage, ErrInterrupted
	case res.Interrupted && cause != nil:
		return res, usage, cause
	}
	return res, usage, nil
}

// newSink returns the interval sink of a cell: its interval log (when
// the executor has one), its fault tracker and its progress.
func (e *Executor) newSink(spec CellSpec, progress func(Progress)) (*intervalSink, error) {
	every := intervalFor(spec)
	var file io.WriteCloser
	if e.IntervalLog != nil {
		var err error
		if file, err = e.IntervalLog(results.IntervalLogName(spec.ID)); err != nil {
			return nil, fmt.Errorf("interval log: %w", err)
		}
	}
	s := newIntervalSink(spec.ID, file, spec.Load.Warmup, every, newFaultTracker(spec.Faults), progress)
	if spec.Paired != "" {
		p, err := e.newPairedSink(spec, every)
		if err != nil {
			_ = s.close()
			return nil, err
		}
		s.paired = p
	}
	return s, nil
}

// faultLead is how far ahead of now a run with faults starts, so that
// the fault driver and the loops share one start time.
const faultLead = 50 * time.Millisecond

// startFaults lines the run up with the cell's faults, if it has any:
// opts gets a start time, the fault windows and finer intervals, and the
// fault driver starts. The returned function stops the driver and waits
// for it; nothing it froze stays frozen.
func (e *Executor) startFaults(ctx context.Context, spec CellSpec, sc scenarios.Scenario, t *cellTargets, opts *engine.Options) (stop func()) {
	if len(spec.Faults) == 0 {
		return func() {}
	}
	opts.Start = time.Now().Add(faultLead)
	for _, f := range spec.Faults {
		end := f.End()
		if f.Kind == FaultKillBackend && f.For == 0 {
			end = opts.Duration // killed for good: the fault lasts to the end
		}
		opts.Faults = append(opts.Faults, engine.FaultWindow{From: f.At, To: end})
	}
	backendAddr := ""
	if b := t.currentBackend(); b != nil {
		backendAddr = b.Addr()
	}
	d := &faultDriver{faults: spec.Faults, window: opts.Start.Add(opts.Warmup), targets: t, log: e.Log,
		restart: func(ctx context.Context) (*servers.Process, error) {
			return e.startBackend(ctx, spec, t.netem, backendAddr)
		}}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// bodySizes returns the N of GET /bytes/N the cell's scenario asks for,
// so a server whose files latbench writes (nginx) can serve it.
func bodySizes(sc catalog.Spec) []int {
	if catalog.ServerMode(sc) != servers.ModeHTTP || sc.Path != "" {
		return nil
	}
	if sc.Size == 0 {
		return []int{http.DefaultSize}
	}
	return []int{sc.Size}
}

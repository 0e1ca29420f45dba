package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// cellTargets are the processes one cell runs against.
type cellTargets struct {
	target  *servers.Process
	backend *servers.Process // nil unless the cell is a proxy cell
}

// stop stops the target, then its backend. It returns a warning when a
// process had to be killed.
func (t *cellTargets) stop(grace time.Duration) []string {
	var warnings []string
	for _, p := range []*servers.Process{t.target, t.backend} {
		if p == nil {
			continue
		}
		if err := p.Stop(grace); err != nil {
			warnings = append(warnings, fmt.Sprintf("stopping %s: %v", p.Argv(), err))
		}
	}
	return warnings
}

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
	cell.Load.Scenario = sc.Describe()
	targets, err := e.startTargets(ctx, spec, sc)
	if err != nil {
		return failed(cell, err)
	}
	cell.Load.TargetAddr = targets.target.Addr()
	cell.TargetArgv = targets.target.Argv()
	if targets.backend != nil {
		cell.BackendArgv = targets.backend.Argv()
	}
	res, usage, runErr := e.measure(ctx, spec, sc, targets, progress)
	cell.Warnings = append(cell.Warnings, targets.stop(e.StopGrace)...)
	if res != nil {
		fillCell(&cell, spec, res, usage)
	}
	if runErr != nil {
		return failed(cell, runErr)
	}
	if err := noneCompleted(&cell.Stats); err != nil {
		return failed(cell, err)
	}
	return cell
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

// startTargets launches the cell's backend (for a proxy cell) and target,
// waits until each is ready and verifies that the target speaks the
// scenario's protocol.
func (e *Executor) startTargets(ctx context.Context, spec CellSpec, sc scenarios.Scenario) (*cellTargets, error) {
	probe := verifyProbe(sc)
	if e.TargetAddr != "" {
		p, err := servers.Launch(ctx, servers.LaunchSpec{
			Target: &servers.Target{Name: spec.Target, Modes: []string{spec.ServerMode()}, Address: e.TargetAddr},
			Mode:   spec.ServerMode(), Probe: probe, ReadyTimeout: e.ReadyTimeout,
		})
		return &cellTargets{target: p}, err
	}
	t := &cellTargets{}
	backendAddr := ""
	if spec.Proxy {
		b, err := e.launch(ctx, spec, spec.Backend, catalog.ServerMode(spec.Scenario), e.CPUs.Backend, "", "", probe)
		if err != nil {
			return nil, fmt.Errorf("backend: %w", err)
		}
		t.backend, backendAddr = b, b.Addr()
	}
	p, err := e.launch(ctx, spec, spec.Target, spec.ServerMode(), e.CPUs.Target, e.Listen, backendAddr, probe)
	if err != nil {
		t.stop(e.StopGrace)
		return nil, err
	}
	t.target = p
	return t, nil
}

// launch starts one manifest target of the cell spec in mode on cpus,
// listening on listen ("" for a free port), and waits until probe passes.
func (e *Executor) launch(ctx context.Context, spec CellSpec, name, mode, cpus, listen, backend string, probe func(context.Context, string) error) (*servers.Process, error) {
	target, err := e.Manifest.Lookup(name)
	if err != nil {
		return nil, err
	}
	return servers.Launch(ctx, servers.LaunchSpec{
		Target: target, Mode: mode, Root: e.Root, CPUs: cpus,
		Listen: listen, Backend: backend, Probe: probe, ReadyTimeout: e.ReadyTimeout,
		BodySizes: bodySizes(spec.Scenario),
	})
}

// verifyProbe returns a readiness probe that performs one request of the
// scenario: a target that accepts connections but answers wrongly fails
// here, before any measurement.
func verifyProbe(sc scenarios.Scenario) func(context.Context, string) error {
	return func(ctx context.Context, addr string) error {
		if err := Probe(ctx, sc, addr, DefaultTimeout); err != nil {
			return fmt.Errorf("protocol check (one %s request) failed: %w", sc.Name(), err)
		}
		return nil
	}
}

// Probe makes one request of the scenario to addr with the engine itself
// (one loop, one connection, closed loop) and returns why it failed, in
// words, or nil.
func Probe(ctx context.Context, sc scenarios.Scenario, addr string, timeout time.Duration) error {
	if d, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, time.Until(d)), time.Millisecond)
	}
	res, err := Run(ctx, Options{Scenario: sc, Addrs: []string{addr}, MaxRequests: 1, Timeout: timeout})
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
			return fmt.Errorf("%s (%s)", res.Samples[name], name)
		}
	}
	return errors.New("no response")
}

// measure warms up and measures the cell while sampling the target's CPU
// and memory. If the target exits mid-run, the run stops and the error
// says why; the partial result is still returned.
func (e *Executor) measure(ctx context.Context, spec CellSpec, sc scenarios.Scenario, t *cellTargets, progress func(Progress)) (*Result, servers.Usage, error) {
	pacer, err := NewPacer(spec.Load.Arrival, spec.Load.Rate, 1)
	if err != nil {
		return nil, servers.Usage{}, err
	}
	wait, window, err := e.waitFor(spec)
	if err != nil {
		return nil, servers.Usage{}, err
	}
	cpus, err := e.clientCPUs()
	if err != nil {
		return nil, servers.Usage{}, err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopWatching := watchExit(runCtx, cancel, t)
	sampler := startSamplingAfter(t.target, spec.Load.Warmup)
	res, err := Run(runCtx, Options{
		Scenario: sc, Addrs: []string{t.target.Addr()}, Connections: spec.Load.Connections,
		Pacer: pacer, Wait: wait, Warmup: spec.Load.Warmup, Duration: spec.Load.Duration,
		MaxRequests: spec.Load.Requests, Timeout: spec.Load.Timeout, Progress: progress,
		SpinWindow: window, CPUs: cpus,
	})
	usage := sampler.stop()
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

// watchExit cancels the run with the target's exit error if the target or
// its backend exits before the run ends.
func watchExit(ctx context.Context, cancel context.CancelCauseFunc, t *cellTargets) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var backendExited <-chan struct{}
		if t.backend != nil {
			backendExited = t.backend.Exited()
		}
		select {
		case <-t.target.Exited():
			cancel(t.target.ExitError())
		case <-backendExited:
			cancel(fmt.Errorf("backend: %w", t.backend.ExitError()))
		case <-done:
		case <-ctx.Done():
		}
	}()
	return func() {
		close(done)
		<-finished
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

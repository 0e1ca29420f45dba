package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/servers"
)

// cellTargets are the processes one cell runs against. backend changes
// only when a kill-backend fault restarts it (swapBackend), under mu.
type cellTargets struct {
	target *servers.Process
	relay  *servers.Process // the fault relay in front of the backend, for slow-backend faults

	mu      sync.Mutex       // guards backend
	backend *servers.Process // nil unless the cell is a proxy cell

	// backendKilled is set before a kill-backend fault kills the backend,
	// so that its death does not end the run.
	backendKilled atomic.Bool

	// netem is the impaired network the processes run in; nil for none.
	netem *host.Netem

	// paired is a paired cell's reference arm, when it is a target of its
	// own (started here, or a server at --paired-addr); nil for none, or
	// when the reference is the proxy's own backend.
	paired *servers.Process
	// pairedBackend says that the reference arm is the backend.
	pairedBackend bool
}

// referenceAddrs returns the addresses of a paired cell's reference arm.
func (t *cellTargets) referenceAddrs() []string {
	if t.pairedBackend {
		return t.currentBackend().Addrs()
	}
	return t.paired.Addrs()
}

// currentBackend returns the backend now.
func (t *cellTargets) currentBackend() *servers.Process {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.backend
}

// swapBackend puts a restarted backend in place and returns the old one.
func (t *cellTargets) swapBackend(p *servers.Process) *servers.Process {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.backend
	t.backend = p
	return old
}

// stop stops the target, the relay, then the backend, and removes the
// impaired network. It returns a warning when a process had to be killed
// or the network could not be removed.
func (t *cellTargets) stop(grace time.Duration) []string {
	var warnings []string
	defer func() {
		if t.netem != nil {
			if err := t.netem.Close(); err != nil {
				warnings = append(warnings, fmt.Sprintf("removing the impaired network %s: %v", t.netem.Namespace, err))
			}
		}
	}()
	for _, p := range []*servers.Process{t.target, t.paired, t.relay, t.currentBackend()} {
		if p == nil {
			continue
		}
		if err := p.Stop(grace); err != nil && !(p == t.currentBackend() && t.backendKilled.Load()) {
			warnings = append(warnings, fmt.Sprintf("stopping %s: %v", p.Argv(), err))
		}
	}
	return warnings
}

// startTargets starts the cell's backend (for a proxy cell), the fault
// relay in front of it when a fault slows the backend down, and the
// target; waits until each is ready and verifies that the target speaks
// the scenario's protocol.
func (e *Executor) startTargets(ctx context.Context, spec CellSpec, sc scenarios.Scenario) (*cellTargets, error) {
	if e.TargetAddr != "" {
		probe, err := e.probe(spec, true)
		if err != nil {
			return nil, err
		}
		return e.attachTargets(ctx, spec, probe)
	}
	t := &cellTargets{}
	if spec.Netem != "" {
		n, err := host.NewNetem(ctx, spec.Netem)
		if err != nil {
			return nil, err
		}
		t.netem = n
	}
	backendAddr := ""
	if spec.Proxy {
		b, err := e.startBackend(ctx, spec, t.netem, "")
		if err != nil {
			t.stop(e.StopGrace) // the impaired network, if any
			return nil, fmt.Errorf("backend: %w", err)
		}
		t.backend, backendAddr = b, b.Addr()
		if slices.ContainsFunc(spec.Faults, func(f Fault) bool { return f.Kind == FaultSlowBackend }) {
			if t.relay, err = e.startRelay(ctx, t.netem, backendAddr); err != nil {
				t.stop(e.StopGrace)
				return nil, fmt.Errorf("fault relay: %w", err)
			}
			backendAddr = t.relay.Addr()
		}
	}
	p, err := e.startTarget(ctx, spec, spec.Target, spec.ServerMode(), e.CPUs.Target, e.targetListen(), backendAddr, t.netem, false)
	if err != nil {
		t.stop(e.StopGrace)
		return nil, err
	}
	t.target = p
	if err := e.startPaired(ctx, spec, t, backendAddr); err != nil {
		t.stop(e.StopGrace)
		return nil, err
	}
	return t, nil
}

// attachTargets attaches to the servers latbench did not start: the
// target at --target-addr and, for a paired cell, the reference at
// --paired-addr.
func (e *Executor) attachTargets(ctx context.Context, spec CellSpec, probe func(context.Context, string) error) (*cellTargets, error) {
	attach := func(name, addr string) (*servers.Process, error) {
		return servers.Start(ctx, servers.StartSpec{
			Target: &servers.Target{Name: name, Modes: []string{spec.ServerMode()}, Address: addr},
			Mode:   spec.ServerMode(), Probe: probe, ReadyTimeout: e.ReadyTimeout,
		})
	}
	p, err := attach(spec.Target, e.TargetAddr)
	if err != nil {
		return nil, err
	}
	t := &cellTargets{target: p}
	if spec.Paired != "" {
		if t.paired, err = attach(spec.Paired, e.PairedAddr); err != nil {
			return nil, fmt.Errorf("paired arm %s: %w", spec.Paired, err)
		}
	}
	return t, nil
}

// startPaired starts a paired cell's reference arm beside the target, on
// the target's CPUs and in its mode (a proxy in front of the same
// backend), or takes the proxy's own backend as the reference.
func (e *Executor) startPaired(ctx context.Context, spec CellSpec, t *cellTargets, backendAddr string) error {
	switch spec.Paired {
	case "":
		return nil
	case PairedBackend:
		t.pairedBackend = true
		return nil
	}
	p, err := e.startTarget(ctx, spec, spec.Paired, spec.ServerMode(), e.CPUs.Target, e.targetListen(), backendAddr, t.netem, false)
	if err != nil {
		return fmt.Errorf("paired arm %s: %w", spec.Paired, err)
	}
	t.paired = p
	return nil
}

// startBackend starts the backend of a proxy cell, on listen ("" for a
// free port), in the impaired network netem if any.
func (e *Executor) startBackend(ctx context.Context, spec CellSpec, netem *host.Netem, listen string) (*servers.Process, error) {
	return e.startTarget(ctx, spec, spec.Backend, catalog.ServerMode(spec.Scenario), e.CPUs.Backend, listen, "", netem, true)
}

// startRelay starts the fault relay in front of backend, on the
// backend's CPUs: its work is the slow dependency's, not the client's.
func (e *Executor) startRelay(ctx context.Context, netem *host.Netem, backend string) (*servers.Process, error) {
	bin := e.RelayBinary
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	return servers.Start(ctx, servers.StartSpec{
		Target: servers.RelayTarget(bin), Mode: servers.ModeProxy, Root: e.Root, CPUs: e.CPUs.Backend,
		Backend: backend, ReadyTimeout: e.ReadyTimeout, Netem: netem, Ledger: e.Ledger,
	})
}

// watchExit cancels the run with the target's exit error if the target or
// its backend exits before the run ends, unless a fault killed the
// backend on purpose.
func watchExit(ctx context.Context, cancel context.CancelCauseFunc, t *cellTargets) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	backend := t.currentBackend()
	go func() {
		defer close(finished)
		var backendExited, pairedExited <-chan struct{}
		if backend != nil {
			backendExited = backend.Exited()
		}
		if t.paired != nil {
			pairedExited = t.paired.Exited()
		}
		for {
			select {
			case <-t.target.Exited():
				cancel(t.target.ExitError())
				return
			case <-pairedExited:
				cancel(fmt.Errorf("paired arm %s: %w", t.paired.Name(), t.paired.ExitError()))
				return
			case <-backendExited:
				if !t.backendKilled.Load() {
					cancel(fmt.Errorf("backend: %w", backend.ExitError()))
					return
				}
				backendExited = nil // killed on purpose: the fault goes on
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// targetListen returns where a started target listens: --listen, or an
// address the agents can reach when they sit on a network of their own,
// or "" for a free port on 127.0.0.1.
func (e *Executor) targetListen() string {
	if h, ok := e.Launcher.(TargetHoster); ok && e.Listen == "" && e.withAgents() {
		return net.JoinHostPort(h.TargetHost(), "0")
	}
	return e.Listen
}

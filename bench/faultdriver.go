package bench

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/latbench/latbench/servers"
)

// faultDriver makes a cell's faults happen at their offsets into the
// measured window: it signals the target or the backend, tells the fault
// relay to slow down, kills and restarts the backend. It runs on its own
// goroutine, one timer at a time, never per request.
type faultDriver struct {
	faults  []Fault
	window  time.Time // when the measured window opens
	targets *cellTargets
	restart func(ctx context.Context) (*servers.Process, error) // starts the backend again
	log     func(string)

	mu      sync.Mutex // guards stopped
	stopped []*servers.Process
}

// actionAt is one thing the driver does, at an offset into the window.
type actionAt struct {
	at time.Duration
	do func(ctx context.Context) error
}

// run performs the faults' actions in time order until they are done or
// ctx ends. Whatever happens, nothing it froze stays frozen.
func (d *faultDriver) run(ctx context.Context) {
	defer d.thawAll()
	for _, a := range d.actions() {
		t := time.NewTimer(time.Until(d.window.Add(a.at)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := a.do(ctx); err != nil && d.log != nil {
			d.log(fmt.Sprintf("fault at %v: %v", a.at, err))
		}
	}
}

// actions returns the start and end of every fault, in time order.
func (d *faultDriver) actions() []actionAt {
	var out []actionAt
	for _, f := range d.faults {
		begin, end := d.fault(f)
		out = append(out, actionAt{at: f.At, do: begin})
		if end != nil {
			out = append(out, actionAt{at: f.End(), do: end})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out
}

// fault returns what starts f and what ends it (nil: nothing).
func (d *faultDriver) fault(f Fault) (begin, end func(context.Context) error) {
	switch f.Kind {
	case FaultStopTarget:
		target := func() *servers.Process { return d.targets.target }
		return d.freeze(target), d.thaw(target)
	case FaultStopBackend:
		return d.freeze(d.targets.currentBackend), d.thaw(d.targets.currentBackend)
	case FaultSlowBackend:
		relay := d.targets.relay
		return func(context.Context) error { return relay.SetRelayDelay(f.Delay) },
			func(context.Context) error { return relay.SetRelayDelay(0) }
	case FaultKillBackend:
		begin = func(context.Context) error {
			d.targets.backendKilled.Store(true)
			return d.targets.currentBackend().Signal(syscall.SIGKILL)
		}
		if f.For > 0 {
			end = d.restartBackend
		}
		return begin, end
	}
	return func(context.Context) error { return fmt.Errorf("unknown fault %q", f.Kind) }, nil
}

// freeze stops the process group of the process p returns with SIGSTOP.
func (d *faultDriver) freeze(p func() *servers.Process) func(context.Context) error {
	return func(context.Context) error {
		proc := p()
		d.mu.Lock()
		d.stopped = append(d.stopped, proc)
		d.mu.Unlock()
		return proc.Signal(syscall.SIGSTOP)
	}
}

// thaw lets the process p returns go on with SIGCONT.
func (d *faultDriver) thaw(p func() *servers.Process) func(context.Context) error {
	return func(context.Context) error { return p().Signal(syscall.SIGCONT) }
}

// thawAll sends SIGCONT to everything the driver froze: a run cut short
// must not leave a process stopped.
func (d *faultDriver) thawAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.stopped {
		_ = p.Signal(syscall.SIGCONT)
	}
}

// restartBackend starts the killed backend again on its address.
func (d *faultDriver) restartBackend(ctx context.Context) error {
	p, err := d.restart(ctx)
	if err != nil {
		return fmt.Errorf("restarting the backend: %w", err)
	}
	old := d.targets.swapBackend(p)
	_ = old.Stop(time.Second) // reaped already; this releases what is left of it
	return nil
}

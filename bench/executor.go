package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/servers"
)

// Thresholds above which a cell warns that the client, not the target, may
// be what was measured.
const (
	// MinAchievedRatio is the share of the target rate an open-loop cell
	// must achieve.
	MinAchievedRatio = 0.99
	// MaxLagP99 is the scheduling lag p99 above which requests were sent
	// noticeably late.
	MaxLagP99 = 100 * time.Microsecond
	// MaxLoopBusyPct is the share of the window an event loop may spend
	// working, in percent, before the client may be what was measured.
	MaxLoopBusyPct = 90.0
)

// CPUs are the cpusets of the load generator, the target and a proxy's
// backend, in taskset list format; "" means not pinned.
type CPUs struct {
	Client  string
	Target  string
	Backend string
}

// Executor runs the cells of a plan one after the other. The zero value of
// every field but Manifest is valid.
type Executor struct {
	// Manifest names the targets cells may use.
	Manifest *servers.Manifest
	// Root is the repository root: where targets are built and started.
	Root string
	// CPUs are the cpusets recorded in each cell; the target and backend
	// sets are applied when starting them.
	CPUs CPUs
	// TargetAddr, when set, is a server latbench did not start: every
	// cell connects there and nothing is started or stopped.
	TargetAddr string
	// PairedAddr, with TargetAddr, is the server a paired cell's
	// reference arm connects to (neither is started by latbench).
	PairedAddr string
	// Seed draws the arms' order of paired cells (the run's --seed).
	Seed uint64
	// Listen, when set, is the host:port started targets listen on
	// instead of a free port on 127.0.0.1.
	Listen string
	// ReadyTimeout bounds each target's start (0: the servers default).
	ReadyTimeout time.Duration
	// StopGrace is how long a target has to exit after SIGTERM (0: the
	// servers default).
	StopGrace time.Duration
	// Workers overrides the thread pool of blocking-form targets
	// ({workers}) when above 0.
	Workers int
	// Ledger, when set, records the process groups of the targets while
	// they run (host.Ledger).
	Ledger *host.Ledger
	// RelayBinary is the latbench binary that runs the fault relay
	// (`latbench relay`) for slow-backend faults; "" means this program.
	RelayBinary string
	// Agents, with a Launcher, measures every cell with that many load
	// agents started by it, each sending its share of the cell's schedule
	// from one T0, and merges their histograms exactly.
	Agents int
	// Launcher starts the agents; nil: the load runs in this process.
	Launcher AgentLauncher
	// Progress, when set, receives each cell's running figures about once
	// a second.
	Progress func(cell CellSpec, index, total int, p Progress)
	// Log, when set, receives one line as each cell starts and ends.
	Log func(line string)
	// IntervalLog, when set, opens an interval log by file name (a cell's
	// results.IntervalLogName, or a paired cell's PairedLogName), which
	// receives the window's intervals as they close; the executor closes
	// it when the cell ends.
	IntervalLog func(name string) (io.WriteCloser, error)
	// TLS are the client's TLS settings for cells that speak TLS;
	// CertDir is where the run's certificate authority goes (the run
	// folder), made on the first such cell.
	TLS     TLSOptions
	CertDir string
	ca      *servers.CA
	// MaxStealPct, when above 0, measures a cell again when the
	// hypervisor took more than this share of the machine's CPU time
	// during it, up to Retries more times (see measureWithRetries).
	MaxStealPct float64
	Retries     int
	// Save, when set, is called after every cell with the run so far and
	// the cell just finished, so that an interrupted run keeps its cells.
	Save func(run *results.Run, cell *results.Cell) error
}

// Execute measures every cell of plan in order, appending each to
// run.Cells and saving after each one. A failed cell does not stop the
// plan. When ctx is cancelled (SIGINT, SIGTERM), the current cell is cut
// short and kept as failed, the rest are skipped, the run is saved with
// Complete false and ErrInterrupted is returned. A search plan runs the
// steps its search decides on instead, and adds the search to run.
func (e *Executor) Execute(ctx context.Context, plan *Plan, run *results.Run) error {
	var planned int
	var err error
	if plan.Search != nil {
		planned, err = e.executeSearch(ctx, plan, run)
	} else {
		planned, err = e.executeCells(ctx, plan, run)
	}
	if err != nil {
		return err
	}
	run.EndedAt = time.Now().UTC()
	run.Complete = ctx.Err() == nil && len(run.Cells) == planned
	if err := e.save(run, nil); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %d of %d cells measured", ErrInterrupted, len(run.Cells), planned)
	}
	return nil
}

// executeCells measures the plan's cells and returns how many there were.
func (e *Executor) executeCells(ctx context.Context, plan *Plan, run *results.Run) (planned int, err error) {
	for i, spec := range plan.Cells {
		if ctx.Err() != nil {
			break
		}
		if err := e.runCell(ctx, spec, i, len(plan.Cells), run); err != nil {
			return len(plan.Cells), err
		}
	}
	return len(plan.Cells), nil
}

// executeSearch runs the plan's max-throughput search, one measured cell
// per step, and returns how many steps it took.
func (e *Executor) executeSearch(ctx context.Context, plan *Plan, run *results.Run) (planned int, err error) {
	spec := plan.Search.withDefaults()
	var saveErr error
	search := Search(ctx, spec, func(step CellSpec) results.Cell {
		if err := e.runCell(ctx, step, planned, spec.MaxSteps, run); err != nil && saveErr == nil {
			saveErr = err
		}
		planned++
		return run.Cells[len(run.Cells)-1]
	})
	run.Searches = append(run.Searches, search)
	e.logf("search %s %s: knee %.0f rps (%s)", search.Target, search.Scenario, search.KneeRPS, search.Stopped)
	return planned, saveErr
}

// runCell measures one cell, appends it to run and saves the run.
func (e *Executor) runCell(ctx context.Context, spec CellSpec, i, total int, run *results.Run) error {
	e.logf("[%d/%d] %s: starting", i+1, total, spec.ID)
	var progress func(Progress)
	if e.Progress != nil {
		progress = func(p Progress) { e.Progress(spec, i, total, p) }
	}
	cell := e.measureWithRetries(ctx, spec, progress)
	run.Cells = append(run.Cells, cell)
	e.logf("[%d/%d] %s: %s", i+1, total, spec.ID, cellOutcome(&cell))
	return e.save(run, &run.Cells[len(run.Cells)-1])
}

// save calls Save if set.
func (e *Executor) save(run *results.Run, cell *results.Cell) error {
	if e.Save == nil {
		return nil
	}
	if err := e.Save(run, cell); err != nil {
		return fmt.Errorf("saving results: %w", err)
	}
	return nil
}

// logf calls Log if set.
func (e *Executor) logf(format string, args ...any) {
	if e.Log != nil {
		e.Log(fmt.Sprintf(format, args...))
	}
}

// cellOutcome is a one-line summary of a finished cell for the log.
func cellOutcome(c *results.Cell) string {
	if c.Status != results.StatusOK {
		return "FAILED: " + c.Failure
	}
	return fmt.Sprintf("%.0f rps, p50 %.1fµs, p99 %.1fµs, %d errors",
		c.Stats.AchievedRPS, float64(c.Stats.Latency.P50)/1e3, float64(c.Stats.Latency.P99)/1e3, c.Stats.ErrorsTotal)
}

// newCell returns the cell for spec with everything known before it runs.
func (e *Executor) newCell(spec CellSpec) results.Cell {
	loop, arrival := engine.LoopClosed, ""
	if spec.Load.Rate > 0 {
		loop, arrival = engine.LoopOpen, spec.Load.Arrival
	}
	scenario := spec.Scenario.Name
	if spec.Proxy {
		scenario += "-proxy"
	}
	c := results.Cell{
		ID:       spec.ID,
		Target:   spec.Target,
		Scenario: scenario,
		Backend:  spec.Backend,
		Baseline: spec.Baseline,
		Round:    spec.Round,
		Status:   results.StatusOK,
		Load: results.LoadConfig{
			Loop:        loop,
			Name:        spec.Load.Name,
			Step:        spec.Load.Step,
			Connections: spec.Load.Connections,
			TargetRPS:   spec.Load.Rate,
			Arrival:     arrival,
			Warmup:      spec.Load.Warmup,
			Duration:    spec.Load.Duration,
			MaxRequests: spec.Load.Requests,
			Timeout:     spec.Load.Timeout,
			ClientCPUs:  e.CPUs.Client,
			TargetCPUs:  e.CPUs.Target,

			Netem:              spec.Netem,
			DependencyDelay:    spec.Delay,
			HasDependencyDelay: spec.HasDelay,
		},
	}
	if spec.Proxy {
		c.Load.BackendCPUs = e.CPUs.Backend
	}
	if e.TargetAddr != "" {
		c.Load.TargetCPUs = "" // not started by latbench: not pinned by it
	}
	return c
}

// failed marks cell as failed because of err, keeping what it measured.
func failed(cell results.Cell, err error) results.Cell {
	cell.Status = results.StatusFailed
	cell.Failure = err.Error()
	return cell
}

// WaitAuto is the LoadSpec.Wait that lets the executor choose: on CPUs
// of its own, an open loop spins and the closed loop is hybrid with a
// ClosedSpinWindow; a client that shares its CPU blocks.
const WaitAuto = "auto"

// waitFor returns the wait strategy of spec's loops and the hybrid
// strategy's spin window.
func (e *Executor) waitFor(spec CellSpec) (engine.Wait, time.Duration, error) {
	window := spec.Load.SpinWindow
	if window == 0 {
		window = engine.DefaultSpinWindow
		if spec.Load.Rate == 0 {
			window = engine.ClosedSpinWindow
		}
	}
	if spec.Load.Wait != "" && spec.Load.Wait != WaitAuto {
		w, err := engine.ParseWait(spec.Load.Wait)
		return w, window, err
	}
	switch {
	case !e.ownCPUs(spec):
		return engine.WaitBlock, window, nil
	case spec.Load.Rate > 0:
		return engine.WaitSpin, window, nil
	}
	return engine.WaitHybrid, window, nil
}

// ownCPUs reports whether the client is pinned to CPUs that neither the
// target nor, for a proxy cell, its backend may run on. A target latbench
// did not start has no cpuset here and does not count.
func (e *Executor) ownCPUs(spec CellSpec) bool {
	client, err := host.ParseCPUSet(e.CPUs.Client)
	if e.CPUs.Client == "" || err != nil {
		return false
	}
	others := []string{e.CPUs.Target}
	if spec.Proxy {
		others = append(others, e.CPUs.Backend)
	}
	if e.TargetAddr != "" {
		others = nil
	}
	for _, o := range others {
		if o == "" {
			return false // started unpinned: it may run anywhere
		}
		set, err := host.ParseCPUSet(o)
		if err != nil || overlaps(client, set) {
			return false
		}
	}
	return true
}

// overlaps reports whether two CPU lists share a CPU.
func overlaps(a, b []int) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// clientCPUs returns the client's CPUs, one event loop each; nil when the
// client is not pinned (one loop).
func (e *Executor) clientCPUs() ([]int, error) {
	if e.CPUs.Client == "" {
		return nil, nil
	}
	cpus, err := host.ParseCPUSet(e.CPUs.Client)
	if err != nil {
		return nil, fmt.Errorf("client cpus %q: %w", e.CPUs.Client, err)
	}
	return cpus, nil
}

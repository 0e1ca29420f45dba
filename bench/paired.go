package bench

import (
	"fmt"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/servers"
)

// A paired (duet) cell measures its target and a reference at once, on
// one schedule (CellSpec.Paired): engine arm 0 is the target, arm 1 the
// reference. Each arm has its own pool of the load's connections and
// gets the load's full rate. The cell's figures are the target's; its
// Paired holds the reference's and the difference, target minus
// reference, with its interval (results.PairedBlocks).

// cellUsage is what the processes of a cell used: the target's and, for
// a paired cell with a reference of its own, the reference's.
type cellUsage struct {
	target, reference servers.Usage
}

// armCount returns how many arms the cell measures at once.
func armCount(spec CellSpec) int {
	if spec.Paired != "" {
		return 2
	}
	return 1
}

// arms returns the engine's arms of the cell: the target, then, for a
// paired cell, its reference, each with the load's connections.
// A proxy's own backend, as the reference, speaks plain TCP: the
// difference then includes the proxy's TLS.
func (e *Executor) arms(spec CellSpec, t *cellTargets) ([]engine.Arm, error) {
	cfg, err := e.clientTLS(spec)
	if err != nil {
		return nil, err
	}
	arms := []engine.Arm{{Name: spec.Target, Addrs: t.target.Addrs(), Connections: spec.Load.Connections, TLS: cfg}}
	if spec.Paired != "" {
		ref := engine.Arm{Name: spec.Paired, Addrs: t.referenceAddrs(), Connections: spec.Load.Connections, TLS: cfg}
		if t.pairedBackend {
			ref.TLS = nil
		}
		arms = append(arms, ref)
	}
	return arms, nil
}

// referenceName names a paired cell's reference arm: the target it is,
// or the backend's name with "(backend)".
func referenceName(spec CellSpec) string {
	if spec.Paired == PairedBackend {
		return spec.Backend + " (backend)"
	}
	return spec.Paired
}

// newPairedBlocks returns the bootstrap's blocks of a paired cell whose
// intervals are every long.
func newPairedBlocks(spec CellSpec, every time.Duration) *results.PairedBlocks {
	return results.NewPairedBlocks(results.BlockNsFor(int64(spec.Load.Duration), int64(every)))
}

// newPairedSink returns the sink of a paired cell's reference arm: its
// interval log, and the blocks of the bootstrap.
func (e *Executor) newPairedSink(spec CellSpec, every time.Duration) (*pairedSink, error) {
	p := &pairedSink{window: spec.Load.Duration, blocks: newPairedBlocks(spec, every)}
	if e.IntervalLog == nil {
		return p, nil
	}
	file, err := e.IntervalLog(results.PairedLogName(spec.ID))
	if err != nil {
		return nil, fmt.Errorf("paired interval log: %w", err)
	}
	p.file = file
	p.log, p.err = results.NewIntervalLog(file, results.IntervalLogHeader{
		Comment: "latbench cell " + spec.ID + ", paired arm " + spec.Paired + ": latency from due time, ns"})
	return p, nil
}

// fillPaired records a paired cell's reference arm and the difference
// between the arms.
func (e *Executor) fillPaired(cell *results.Cell, spec CellSpec, t *cellTargets, res *engine.Result, usage servers.Usage, sink *pairedSink) {
	fillPairedArm(cell, spec, res, usage, sink.blocks, e.Seed, t.referenceAddrs()[0])
	if t.paired != nil {
		cell.Paired.Reference.Argv, cell.Paired.Reference.Version = t.paired.Argv(), e.versionOf(spec.Paired)
	}
}

// fillPairedArm records the reference arm (engine arm 1, at addr) of a
// paired cell whose target arm is already in cell, and the difference
// between the arms from blocks. A difference that cannot be computed (an
// arm that answered too little) is a warning: the arms' own figures
// stand.
func fillPairedArm(cell *results.Cell, spec CellSpec, res *engine.Result, usage servers.Usage, blocks *results.PairedBlocks, seed uint64, addr string) {
	ref := results.Cell{Load: cell.Load}
	fillCell(&ref, spec, &engine.Result{ArmResult: res.Arms[1], Loop: res.Loop, Wait: res.Wait, Loops: res.Loops}, usage)
	name := referenceName(spec)
	for _, w := range ref.Warnings {
		cell.Warnings = append(cell.Warnings, "paired arm "+name+": "+w)
	}
	diff, err := blocks.Result(res.Arms[1].Latency, res.Arms[0].Latency, results.BootstrapResamples, seed)
	if err != nil {
		cell.Warnings = append(cell.Warnings, "no paired difference: "+err.Error())
	}
	diff.Arms, diff.Backend = [2]string{name, spec.Target}, spec.Paired == PairedBackend
	diff.Reference = results.ArmFigures{Target: name, Addr: addr, Stats: ref.Stats, Histograms: ref.Histograms, Classes: ref.Classes}
	cell.Paired = &diff
}

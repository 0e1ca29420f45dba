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
func (e *Executor) arms(spec CellSpec, t *cellTargets) []engine.Arm {
	arms := []engine.Arm{{Name: spec.Target, Addrs: t.target.Addrs(), Connections: spec.Load.Connections}}
	if spec.Paired != "" {
		arms = append(arms, engine.Arm{Name: spec.Paired, Addrs: t.referenceAddrs(), Connections: spec.Load.Connections})
	}
	return arms
}

// referenceName names a paired cell's reference arm: the target it is,
// or the backend's name with "(backend)".
func referenceName(spec CellSpec) string {
	if spec.Paired == PairedBackend {
		return spec.Backend + " (backend)"
	}
	return spec.Paired
}

// newPairedSink returns the sink of a paired cell's reference arm: its
// interval log, and the blocks of the bootstrap.
func (e *Executor) newPairedSink(spec CellSpec, every time.Duration) (*pairedSink, error) {
	p := &pairedSink{blocks: results.NewPairedBlocks(results.BlockNsFor(int64(spec.Load.Duration), int64(every)))}
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
// between the arms. A difference that cannot be computed (an arm that
// answered too little) is a warning: the arms' own figures stand.
func (e *Executor) fillPaired(cell *results.Cell, spec CellSpec, t *cellTargets, res *engine.Result, usage servers.Usage, sink *pairedSink) {
	ref := results.Cell{Load: cell.Load}
	fillCell(&ref, spec, &engine.Result{ArmResult: res.Arms[1], Loop: res.Loop, Wait: res.Wait, Loops: res.Loops}, usage)
	name := referenceName(spec)
	p := &results.Paired{Arms: [2]string{name, spec.Target}}
	p.Reference = results.ArmFigures{Target: name, Addr: t.referenceAddrs()[0], Stats: ref.Stats,
		Histograms: ref.Histograms, Classes: ref.Classes}
	if t.paired != nil {
		p.Reference.Argv, p.Reference.Version = t.paired.Argv(), e.versionOf(spec.Paired)
	}
	for _, w := range ref.Warnings {
		cell.Warnings = append(cell.Warnings, "paired arm "+name+": "+w)
	}
	diff, err := sink.blocks.Result(res.Arms[1].Latency, res.Arms[0].Latency, results.BootstrapResamples, e.Seed)
	if err != nil {
		cell.Warnings = append(cell.Warnings, "no paired difference: "+err.Error())
	}
	diff.Arms, diff.Reference = p.Arms, p.Reference
	cell.Paired = &diff
}

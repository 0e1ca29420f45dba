package results

import (
	"fmt"
	"time"
)

// A paired cell measured in parts (agents) merges each arm on its own:
// the parts' reference arms merge as a cell does, and the difference and
// its interval are computed again from the merged intervals of both
// arms, with the parts' seed.

// mergePaired merges the reference arms of paired parts into out, whose
// target arm is already merged. A difference that cannot be computed is
// a warning, as it is in a cell measured in one piece.
func mergePaired(parts []Cell, out *Cell) error {
	refs := make([]Cell, len(parts))
	for i, c := range parts {
		if c.Paired == nil {
			return fmt.Errorf("part %d (%s) is not paired and part 0 is: not one cell", i, c.ID)
		}
		r := c.Paired.Reference
		refs[i] = Cell{ID: c.ID, Status: c.Status, Load: c.Load, Stats: r.Stats, Histograms: r.Histograms,
			Classes: r.Classes, Intervals: r.Intervals}
	}
	ref, err := MergeCells(refs)
	if err != nil {
		return fmt.Errorf("the paired arm: %w", err)
	}
	first := parts[0].Paired
	blocks, err := windowBlocks(out.Load.Duration, ref.Intervals, out.Intervals)
	if err != nil {
		return err
	}
	a, errA := DecodeHistogram(ref.Histograms.Latency)
	b, errB := DecodeHistogram(out.Histograms.Latency)
	if errA != nil || errB != nil {
		return fmt.Errorf("the arms' histograms: %v %v", errA, errB)
	}
	p, err := blocks.Result(a, b, BootstrapResamples, first.Seed)
	if err != nil {
		out.Warnings = append(out.Warnings, "no paired difference: "+err.Error())
	}
	p.Arms, p.Backend = first.Arms, first.Backend
	p.Reference = ArmFigures{Target: first.Reference.Target, Addr: first.Reference.Addr, Argv: first.Reference.Argv,
		Version: first.Reference.Version, Stats: ref.Stats, Histograms: ref.Histograms, Classes: ref.Classes, Intervals: ref.Intervals}
	out.Paired = &p
	return nil
}

// windowBlocks collects the intervals of both arms (A, then B) into the
// blocks of the bootstrap, as a cell measured in one piece does:
// requests answered after the window closed join its last block.
func windowBlocks(window time.Duration, a, b []Interval) (*PairedBlocks, error) {
	var every int64
	if len(b) > 0 {
		every = b[0].EndNs - b[0].StartNs
	}
	blocks := NewPairedBlocks(BlockNsFor(int64(window), every))
	for arm, ivs := range [2][]Interval{a, b} {
		for _, iv := range ivs {
			h, err := DecodeHistogram(iv.Latency)
			if err != nil {
				return nil, fmt.Errorf("interval at %d ns: %w", iv.StartNs, err)
			}
			blocks.Add(arm, InWindow(iv.StartNs, int64(window)), h)
		}
	}
	return blocks, nil
}

// InWindow returns the block time of an interval that starts at startNs
// in a window of windowNs: its start, or the window's last nanosecond for
// an interval after the window (requests answered after it closed), so
// that every request of a cell's histograms is in a block and a paired
// difference's interval is made of the same requests as its value.
func InWindow(startNs, windowNs int64) int64 {
	if windowNs > 0 && startNs >= windowNs {
		return windowNs - 1
	}
	return startNs
}

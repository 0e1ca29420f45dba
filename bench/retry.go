package bench

import (
	"context"
	"fmt"

	"github.com/latbench/latbench/results"
)

// A cell whose steal exceeded Executor.MaxStealPct is measured again, up
// to Executor.Retries more times: the host took too much of it to stand
// for the target. Every attempt is kept in the cell (results.Attempt);
// the cell's figures are the attempt that counts, which is the first one
// within the limit, or the last one allowed. A paired cell is never
// rerun: steal hits both of its arms at once, and the difference between
// them cancels what they share.

// measureWithRetries measures the cell, again while its steal is too
// high and retries are left.
func (e *Executor) measureWithRetries(ctx context.Context, spec CellSpec, progress func(Progress)) results.Cell {
	var attempts []results.Attempt
	for n := 1; ; n++ {
		cell := e.measureCell(ctx, spec, progress)
		if e.MaxStealPct <= 0 {
			return cell
		}
		again, why := e.stealVerdict(&cell, n)
		attempts = append(attempts, attemptOf(&cell, n, why, !again))
		if !again || ctx.Err() != nil {
			cell.Attempts = attempts
			return cell
		}
		e.logf("%s: attempt %d: %s; measuring it again", spec.ID, n, why)
	}
}

// stealVerdict says whether the cell, attempt n, is to be measured again,
// and why it counts or does not.
func (e *Executor) stealVerdict(cell *results.Cell, n int) (again bool, why string) {
	steal, limit := cell.Stats.StealPct, e.MaxStealPct
	switch {
	case cell.Status != results.StatusOK:
		return false, "the cell failed; a rerun is for steal only"
	case steal <= limit:
		return false, fmt.Sprintf("steal %.1f%% within --max-steal %g%%", steal, limit)
	case cell.Paired != nil:
		return false, fmt.Sprintf("steal %.1f%% above --max-steal %g%%, not rerun: a paired cell's arms are measured at once, "+
			"so steal hits both alike and their difference cancels what they share", steal, limit)
	case n > e.Retries:
		return false, fmt.Sprintf("steal %.1f%% above --max-steal %g%% and no retries left (--retries %d): "+
			"its figures carry the host's noise", steal, limit, e.Retries)
	}
	return true, fmt.Sprintf("steal %.1f%% above --max-steal %g%%", steal, limit)
}

// attemptOf sums up attempt n of a cell.
func attemptOf(cell *results.Cell, n int, why string, counts bool) results.Attempt {
	return results.Attempt{Attempt: n, Counts: counts, Why: why, Status: cell.Status, Failure: cell.Failure,
		StealPct: cell.Stats.StealPct, AchievedRPS: cell.Stats.AchievedRPS, Latency: cell.Stats.Latency, Noise: cell.Noise}
}

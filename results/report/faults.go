package report

import (
	"cmp"
	"strconv"
	"time"

	"github.com/latbench/latbench/results"
)

// faultsNote explains the Faults table's columns.
const faultsNote = "One row per cell and fault. Requests due: the measured requests due while the fault lasted; " +
	"availability during: the share of them that succeeded. Recovery: from the fault's end to the start of the first second " +
	"whose p99 came back within twice the p99 before the fault. Cell availability: the share of all the cell's measured requests that succeeded."

// faultBlocks describe what each fault of the run did, or nothing when
// no cell had a fault.
func faultBlocks(run *results.Run) []block {
	t := newTable([]string{"cell", "fault", "requests due", "availability during", "recovery", "cell availability"}, []bool{false, false, true, true, false, true})
	for i := range run.Cells {
		c := &run.Cells[i]
		for _, f := range c.Faults {
			due, during := noValue, noValue
			if f.FellDue > 0 {
				due, during = fmtCount(f.FellDue), results.FormatAvailability(f.Availability)
			}
			t.Rows = append(t.Rows, []string{
				c.ID, cmp.Or(oneLine(f.Fault), f.Kind), due, during, fmtRecovery(f), cellAvailability(c),
			})
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return []block{&paragraph{text: faultsNote}, t}
}

// fmtRecovery says how long a cell took to recover from a fault: "1.25 s",
// or "not within the window".
func fmtRecovery(f results.FaultResult) string {
	if !f.Recovered {
		return "not within the window"
	}
	return fmtSeconds(f.Recovery)
}

// cellAvailability formats a cell's availability, or says that it failed.
func cellAvailability(c *results.Cell) string {
	if c.Status != results.StatusOK {
		return "failed"
	}
	return results.FormatAvailability(c.Stats.Availability)
}

// fmtSeconds formats a duration in seconds with three significant
// digits: "1.25 s", "0.5 s", "120 s".
func fmtSeconds(d time.Duration) string {
	r, err := strconv.ParseFloat(strconv.FormatFloat(d.Seconds(), 'g', 3, 64), 64)
	if err != nil {
		r = d.Seconds()
	}
	return strconv.FormatFloat(r, 'f', -1, 64) + " s"
}

// fmtCount formats a count with thousands separators.
func fmtCount(n int64) string {
	return results.GroupThousands(strconv.FormatInt(n, 10))
}

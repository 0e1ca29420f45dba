package results

import (
	"fmt"
	"strings"
)

// NotSeparable is what a table says of a difference whose 95% interval
// holds zero: neither arm is better, at this precision.
const NotSeparable = "not separable"

// hasPaired reports whether any cell is a paired cell.
func hasPaired(cells []Cell) bool {
	for i := range cells {
		if cells[i].Paired != nil {
			return true
		}
	}
	return false
}

// pairedTables are the paired cells' differences, target minus its
// reference (B − A, µs) and their ratios (B ÷ A), each with its 95%
// interval; an interval that holds no difference says so instead of
// naming a winner.
func pairedTables(cells []Cell) []Table {
	diff := Table{Title: "Paired cells: target − reference (µs, 95% interval; both measured at once)",
		Columns: columns("target", "reference", "scenario", "load", "#Δ p50", "#Δ p90", "#Δ p99", "#Δ p99.9"),
		Note:    "Intervals: paired (both arms at once): " + PairedMethod + "."}
	ratio := Table{Title: "Paired cells: target ÷ reference (95% interval)",
		Columns: columns("target", "reference", "scenario", "load", "#× p50", "#× p90", "#× p99", "#× p99.9")}
	for i := range cells {
		c := &cells[i]
		p := c.Paired
		if p == nil {
			continue
		}
		id := []string{c.Target, p.Reference.Target, c.Scenario, loadWithDelay(c.Load)}
		row := append([]string{}, id...)
		rrow := append([]string{}, id...)
		for _, key := range []string{"p50", "p90", "p99", "p999"} {
			row = append(row, fmtDiff(*p.DiffUs.at(key), p.Blocks))
			rrow = append(rrow, fmtRatio(*p.Ratio.at(key), p.Blocks))
		}
		diff.Rows, ratio.Rows = append(diff.Rows, row), append(ratio.Rows, rrow)
	}
	return []Table{diff, ratio}
}

// fmtDiff formats a difference in µs with its interval: "+75.2 [+64.8,
// +85.8]", or with "not separable" when the interval holds zero.
func fmtDiff(e Estimate95, blocks int) string {
	if blocks < 2 {
		return noValue
	}
	s := fmt.Sprintf("%s [%s, %s]", signedMicros(e.Value), signedMicros(e.CILow), signedMicros(e.CIHigh))
	if !e.Separable(false) {
		s += " " + NotSeparable
	}
	return s
}

// fmtRatio formats a ratio with its interval: "1.32× [1.21, 1.40]".
func fmtRatio(e Estimate95, blocks int) string {
	if blocks < 2 {
		return noValue
	}
	s := fmt.Sprintf("%.3g× [%.3g, %.3g]", e.Value, e.CILow, e.CIHigh)
	if !e.Separable(true) {
		s += " " + NotSeparable
	}
	return s
}

// signedMicros formats µs with a sign.
func signedMicros(us float64) string {
	s := fmtMicros(us * nsPerMicro)
	if us >= 0 && !strings.HasPrefix(s, "+") {
		s = "+" + s
	}
	return s
}

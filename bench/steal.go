package bench

import (
	"fmt"
	"strings"

	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/results"
)

// recordSteal stores in the cell the share of the machine's CPU time the
// hypervisor took since m started, and warns when it is too much.
func recordSteal(m host.StealMeter, cell *results.Cell) {
	pct, ok := m.Pct()
	if !ok {
		return
	}
	cell.Stats.StealPct = pct
	if w := stealWarning(pct, cell.Load.Wait, cell.Paired != nil); w != "" {
		cell.Warnings = append(cell.Warnings, w)
	}
}

// stealWarning returns a warning when the hypervisor took more than
// results.StealWarnPct of the machine's CPU time, else "". wait is the client's
// wait strategy: a spinning client spends the VM's share of the host even
// while idle, which a host that caps the VM takes back from the target
// too.
func stealWarning(pct float64, wait string, paired bool) string {
	if pct <= results.StealWarnPct {
		return ""
	}
	w := fmt.Sprintf("the hypervisor took %.0f%% of this machine's CPU time during the cell (steal time): "+
		"client and target waited for the host, and those waits are in the latencies; rerun on a quieter host or on dedicated cores", pct)
	if paired {
		w = fmt.Sprintf("the hypervisor took %.0f%% of this machine's CPU time during the cell (steal time): "+
			"both arms were measured at once, so it hit them alike and their difference cancels what they share; "+
			"each arm's own figures carry it", pct)
	}
	if wait == "spin" || strings.HasPrefix(wait, "hybrid") {
		w += "; a spinning client spends the VM's share of the host, so try --wait block here"
	}
	return w
}

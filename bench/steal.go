package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/latbench/latbench/results"
)

// cpuTimes are the machine's CPU times from /proc/stat's "cpu" line, in
// clock ticks: steal is the time the hypervisor ran something else while
// a vCPU of this machine wanted to run; total counts every state.
type cpuTimes struct {
	steal, total uint64
}

// parseCPUTimes reads /proc/stat's aggregate line: "cpu" and then user,
// nice, system, idle, iowait, irq, softirq, steal, guest and guest_nice.
// guest and guest_nice are already counted in user and nice.
func parseCPUTimes(stat string) (cpuTimes, error) {
	line, _, _ := strings.Cut(stat, "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("not a /proc/stat cpu line with steal time: %.60q", line)
	}
	var t cpuTimes
	for i, f := range fields[1:9] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("/proc/stat cpu field %d: %w", i+1, err)
		}
		if t.total+v < t.total {
			return cpuTimes{}, fmt.Errorf("/proc/stat cpu times overflow at field %d", i+1)
		}
		t.total += v
		if i == 7 {
			t.steal = v
		}
	}
	return t, nil
}

// readCPUTimes reads the machine's CPU times; ok is false where
// /proc/stat is missing or unreadable.
func readCPUTimes() (t cpuTimes, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	t, err = parseCPUTimes(string(b))
	return t, err == nil
}

// stealMeter measures the steal time over a cell.
type stealMeter struct {
	start cpuTimes
	ok    bool
}

// startStealMeter reads the CPU times at the start of a cell.
func startStealMeter() stealMeter {
	t, ok := readCPUTimes()
	return stealMeter{start: t, ok: ok}
}

// record stores the share of CPU time stolen since the meter started in
// the cell and warns when it is above results.StealWarnPct.
func (m stealMeter) record(cell *results.Cell) {
	end, ok := readCPUTimes()
	if !m.ok || !ok {
		return
	}
	pct := stealPct(m.start, end)
	cell.Stats.StealPct = pct
	if w := stealWarning(pct, cell.Load.Wait); w != "" {
		cell.Warnings = append(cell.Warnings, w)
	}
}

// stealPct is the share of CPU time between two readings that was stolen,
// in percent; 0 when no time passed.
func stealPct(a, b cpuTimes) float64 {
	if b.total <= a.total || b.steal < a.steal {
		return 0
	}
	return 100 * float64(b.steal-a.steal) / float64(b.total-a.total)
}

// stealWarning returns a warning when the hypervisor took more than
// results.StealWarnPct of the machine's CPU time, else "". wait is the
// client's wait strategy: a spinning client spends the VM's share of the
// host even while idle, which a host that caps the VM takes back from
// the target too.
func stealWarning(pct float64, wait string) string {
	if pct <= results.StealWarnPct {
		return ""
	}
	w := fmt.Sprintf("the hypervisor took %.0f%% of this machine's CPU time during the cell (steal time): "+
		"client and target waited for the host, and those waits are in the latencies; rerun on a quieter host or on dedicated cores", pct)
	if wait == "spin" || strings.HasPrefix(wait, "hybrid") {
		w += "; a spinning client spends the VM's share of the host, so try --wait block here"
	}
	return w
}

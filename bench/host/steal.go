package host

import (
	"fmt"
	"os"
	"strconv"
	"strings"
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

// StealMeter measures the steal time over a stretch, such as a cell.
type StealMeter struct {
	start cpuTimes
	ok    bool
}

// StartSteal reads the CPU times at the start of a stretch.
func StartSteal() StealMeter {
	t, ok := readCPUTimes()
	return StealMeter{start: t, ok: ok}
}

// Pct returns the share of the machine's CPU time stolen since the meter
// started, in percent; ok is false where /proc/stat cannot tell.
func (m StealMeter) Pct() (pct float64, ok bool) {
	end, ok := readCPUTimes()
	if !m.ok || !ok {
		return 0, false
	}
	return stealPct(m.start, end), true
}

// stealPct is the share of CPU time between two readings that was stolen,
// in percent; 0 when no time passed.
func stealPct(a, b cpuTimes) float64 {
	if b.total <= a.total || b.steal < a.steal {
		return 0
	}
	return 100 * float64(b.steal-a.steal) / float64(b.total-a.total)
}

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// cpuTimes are the machine's CPU times from /proc/stat's "cpu" line, in
// clock ticks: all of them, and steal (time the hypervisor gave to
// others while a vCPU wanted to run).
type cpuTimes struct{ total, steal uint64 }

// readCPUTimes reads the machine's CPU times.
func readCPUTimes() (cpuTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return parseCPULine(line)
}

// parseCPULine reads "cpu  user nice system idle iowait irq softirq steal
// ...": steal is the eighth value; guest time is already inside user.
func parseCPULine(line string) (cpuTimes, error) {
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("/proc/stat: no cpu line with steal time in %q", line)
	}
	var t cpuTimes
	for i, f := range fields[1:9] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("/proc/stat: bad value %q", f)
		}
		t.total += v
		if i == 7 {
			t.steal = v
		}
	}
	return t, nil
}

// stealPct returns the percentage of CPU time stolen between two
// readings, -1 when no time passed or the counters went back.
func stealPct(before, after cpuTimes) float64 {
	if after.total <= before.total || after.steal < before.steal {
		return -1
	}
	return 100 * float64(after.steal-before.steal) / float64(after.total-before.total)
}

// withSteal runs f and returns the percentage of CPU time stolen while it
// ran (-1 when unknown) and f's error.
func withSteal(f func() error) (float64, error) {
	before, beforeErr := readCPUTimes()
	err := f()
	after, afterErr := readCPUTimes()
	if beforeErr != nil || afterErr != nil {
		return -1, err
	}
	return stealPct(before, after), err
}

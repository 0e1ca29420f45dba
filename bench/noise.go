package bench

import (
	"time"

	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/servers"
)

// Every interval of a cell's window records what the host took from the
// benchmark in it (results.IntervalNoise): steal, the run-queue waits of
// latbench's and the cell's processes, and how late a probe thread on the
// target's CPUs woke. The meter is sampled as each interval closes, so a
// figure covers the stretch between two closings, which is the interval
// give or take the few ms the loops take to hand it over.

// startNoise starts the noise meter of a cell: the run-queue waits of
// the processes the cell started (none for an external target) and, when
// the target runs on CPUs of its own, a wake-up probe on them. A probe
// that cannot be pinned is left out, with a warning.
func (e *Executor) startNoise(t *cellTargets, warn func(string)) *host.NoiseMeter {
	probeCPUs := ""
	if e.TargetAddr == "" && e.CPUs.Target != "" {
		probeCPUs = e.CPUs.Target
	}
	m, err := host.StartNoise(t.pids, probeCPUs)
	if err != nil {
		warn("no wake-up probe: " + err.Error())
		m, _ = host.StartNoise(t.pids, "")
	}
	return m
}

// pids returns the processes of the cell's target, backend and paired
// reference.
func (t *cellTargets) pids() []int {
	var pids []int
	for _, p := range []*servers.Process{t.target, t.currentBackend(), t.paired} {
		if p != nil {
			pids = append(pids, p.Pids()...)
		}
	}
	return pids
}

// intervalNoise converts a meter's sample to the result's form, in µs.
func intervalNoise(n host.Noise) *results.IntervalNoise {
	us := func(d time.Duration) *float64 {
		v := float64(d) / 1e3
		return &v
	}
	out := &results.IntervalNoise{ClientRunQueueUs: us(n.ClientRunQueue)}
	if n.StealOK {
		v := n.StealPct
		out.StealPct = &v
	}
	if n.TargetOK {
		out.TargetRunQueueUs = us(n.TargetRunQueue)
	}
	if n.WakeOK {
		out.WakeMaxUs, out.WakeMeanUs = us(n.WakeMax), us(n.WakeMean)
	}
	return out
}

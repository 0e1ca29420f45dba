package host

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A NoiseMeter measures, stretch by stretch, what the host took from a
// benchmark: the steal share (the hypervisor ran something else while a
// vCPU of this machine wanted to run), the time the client's and the
// target's threads waited on a run queue (a noisy neighbour inside the
// VM as well), and how late a probe thread on the target's CPUs woke from
// a 1 ms sleep, as cyclictest measures (a halted vCPU that the host wakes
// late, which neither of the others sees).
type NoiseMeter struct {
	targetPids func() []int
	probe      *wakeProbe

	mu     sync.Mutex
	cpu    cpuTimes
	cpuOK  bool
	client map[int]int64 // tid → run-queue wait so far, ns
	target map[int]int64
}

// Noise is what a NoiseMeter measured over one stretch.
type Noise struct {
	// StealPct is the share of the machine's CPU time stolen, in percent;
	// StealOK is false where /proc/stat cannot tell.
	StealPct float64
	StealOK  bool
	// ClientRunQueue and TargetRunQueue are the summed time the client's
	// and the target's threads waited on a run queue. TargetOK is false
	// when the target's processes are unknown (an external address).
	ClientRunQueue time.Duration
	TargetRunQueue time.Duration
	TargetOK       bool
	// WakeMax and WakeMean are how late the probe woke from its sleeps,
	// worst and mean; WakeOK is false without a probe or a wake-up in
	// the stretch.
	WakeMax  time.Duration
	WakeMean time.Duration
	WakeOK   bool
}

// ProbeSleep is how long the wake-up probe sleeps before it measures how
// late it woke.
const ProbeSleep = time.Millisecond

// StartNoise starts a meter. targetPids, when not nil, returns the
// target's processes (it is called at every sample: a restarted backend
// has new ones); probeCPUs, when not "", pins a wake-up probe thread to
// those CPUs. Stop the meter when done.
func StartNoise(targetPids func() []int, probeCPUs string) (*NoiseMeter, error) {
	m := &NoiseMeter{targetPids: targetPids}
	if probeCPUs != "" {
		p, err := startWakeProbe(probeCPUs)
		if err != nil {
			return nil, err
		}
		m.probe = p
	}
	m.cpu, m.cpuOK = readCPUTimes()
	m.client = runQueueWaits([]int{os.Getpid()})
	m.target = runQueueWaits(m.pids())
	return m, nil
}

// pids returns the target's processes, none when unknown.
func (m *NoiseMeter) pids() []int {
	if m.targetPids == nil {
		return nil
	}
	return m.targetPids()
}

// Sample returns the noise since the previous sample (or the start) and
// starts the next stretch. It is safe to call from any goroutine.
func (m *NoiseMeter) Sample() Noise {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n Noise
	if cpu, ok := readCPUTimes(); ok && m.cpuOK {
		n.StealPct, n.StealOK = stealPct(m.cpu, cpu), true
		m.cpu = cpu
	}
	var d int64
	m.client, d = waitSince(m.client, runQueueWaits([]int{os.Getpid()}))
	n.ClientRunQueue = time.Duration(d)
	if pids := m.pids(); len(pids) > 0 {
		m.target, d = waitSince(m.target, runQueueWaits(pids))
		n.TargetRunQueue, n.TargetOK = time.Duration(d), true
	}
	if m.probe != nil {
		n.WakeMax, n.WakeMean, n.WakeOK = m.probe.take()
	}
	return n
}

// Stop stops the probe thread and waits for it.
func (m *NoiseMeter) Stop() {
	if m.probe != nil {
		m.probe.stop()
	}
}

// waitSince returns now and how much the threads of now waited since
// before: a thread new since then counts from its start, one gone since
// then no longer counts.
func waitSince(before, now map[int]int64) (map[int]int64, int64) {
	var sum int64
	for tid, w := range now {
		if w >= before[tid] {
			sum += w - before[tid]
		}
	}
	return now, sum
}

// runQueueWaits reads, for every thread of pids and of their
// descendants (nginx's workers are its master's children), how long it
// has waited on a run queue, in ns: the second field of
// /proc/<pid>/task/<tid>/schedstat. Threads or processes that vanish
// while being read are left out.
func runQueueWaits(pids []int) map[int]int64 {
	out := map[int]int64{}
	for _, pid := range withDescendants(pids) {
		dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
		tasks, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
			if err != nil {
				continue
			}
			if w, err := parseSchedstat(string(b)); err == nil {
				out[tid] = w
			}
		}
	}
	return out
}

// maxProcesses bounds the processes withDescendants walks.
const maxProcesses = 4096

// withDescendants returns pids and their descendants, from the children
// lists of /proc/<pid>/task/<tid>/children; a kernel without them gives
// pids alone.
func withDescendants(pids []int) []int {
	seen := map[int]bool{}
	out := []int{}
	queue := append([]int(nil), pids...)
	for len(queue) > 0 && len(out) < maxProcesses {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		out = append(out, pid)
		tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "children"))
		for _, t := range tasks {
			b, _ := os.ReadFile(t)
			for _, f := range strings.Fields(string(b)) {
				if child, err := strconv.Atoi(f); err == nil {
					queue = append(queue, child)
				}
			}
		}
	}
	return out
}

// parseSchedstat returns the run-queue wait of a schedstat line: "time
// on CPU, time waiting on a run queue, time slices", the first two in ns.
func parseSchedstat(s string) (int64, error) {
	f := strings.Fields(s)
	if len(f) < 2 {
		return 0, fmt.Errorf("schedstat %.40q: want at least 2 fields", s)
	}
	w, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || w < 0 {
		return 0, fmt.Errorf("schedstat wait %q: not a count of ns", f[1])
	}
	return w, nil
}

// wakeProbe is a thread pinned to some CPUs that sleeps ProbeSleep at a
// time and records how late it woke.
type wakeProbe struct {
	done    chan struct{}
	stopped chan struct{}
	max     atomic.Int64 // ns, since the last take
	sum     atomic.Int64
	count   atomic.Int64
}

// startWakeProbe starts the probe on cpus and returns once it is pinned.
func startWakeProbe(cpus string) (*wakeProbe, error) {
	list, err := ParseCPUSet(cpus)
	if err != nil {
		return nil, err
	}
	p := &wakeProbe{done: make(chan struct{}), stopped: make(chan struct{})}
	pinned := make(chan error, 1)
	go p.run(list, pinned)
	if err := <-pinned; err != nil {
		<-p.stopped
		return nil, fmt.Errorf("wake-up probe on CPUs %s: %w", cpus, err)
	}
	return p, nil
}

// run is the probe's thread: locked to an OS thread pinned to cpus, it
// sleeps in the kernel (not on Go's timers, which another thread fires)
// and measures each oversleep.
func (p *wakeProbe) run(cpus []int, pinned chan<- error) {
	defer close(p.stopped)
	runtime.LockOSThread() // never unlocked: the thread's affinity is changed, so it exits with the goroutine
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		pinned <- err
		return
	}
	pinned <- nil
	ts := unix.NsecToTimespec(int64(ProbeSleep))
	for {
		select {
		case <-p.done:
			return
		default:
		}
		start := time.Now()
		_ = unix.Nanosleep(&ts, nil) // an interrupted sleep just wakes early
		late := int64(time.Since(start) - ProbeSleep)
		if late < 0 {
			continue
		}
		p.sum.Add(late)
		p.count.Add(1)
		for cur := p.max.Load(); late > cur && !p.max.CompareAndSwap(cur, late); cur = p.max.Load() {
		}
	}
}

// take returns the worst and mean lateness since the last take and
// starts over; ok is false when the probe did not wake since.
func (p *wakeProbe) take() (worst, mean time.Duration, ok bool) {
	n := p.count.Swap(0)
	sum := p.sum.Swap(0)
	worst = time.Duration(p.max.Swap(0))
	if n == 0 {
		return 0, 0, false
	}
	return worst, time.Duration(sum / n), true
}

// stop ends the probe's thread and waits for it.
func (p *wakeProbe) stop() {
	close(p.done)
	<-p.stopped
}

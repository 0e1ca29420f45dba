package host

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// A Freezer freezes CPUs in random bursts, as a host that deschedules a
// vCPU does: on each CPU a real-time (SCHED_FIFO) thread wakes at random
// times and spins for a burst, so that nothing else runs there. It needs
// CAP_SYS_NICE (root). It is a test instrument for latbench's noise
// checks, never part of a measurement.
type Freezer struct {
	done    chan struct{}
	stopped []chan struct{}
}

// FreezeSpec says how a Freezer freezes.
type FreezeSpec struct {
	// CPUs are the CPUs to freeze, in taskset list format.
	CPUs string
	// MinBurst and MaxBurst bound a burst's length (uniform between them).
	MinBurst, MaxBurst time.Duration
	// Share is the part of each CPU's time frozen on average, 0 to 0.5.
	Share float64
	// Seed makes the bursts reproducible.
	Seed uint64
}

// freezePriority is the real-time priority of the freezing threads: above
// every normal thread, below the kernel's own real-time threads.
const freezePriority = 10

// StartFreezer starts freezing. Stop it when done: nothing stays frozen.
func StartFreezer(spec FreezeSpec) (*Freezer, error) {
	if spec.Share <= 0 || spec.Share > 0.5 || spec.MinBurst <= 0 || spec.MaxBurst < spec.MinBurst {
		return nil, fmt.Errorf("freeze: want 0 < share ≤ 0.5 and 0 < min burst ≤ max burst, got %v, %v–%v", spec.Share, spec.MinBurst, spec.MaxBurst)
	}
	cpus, err := ParseCPUSet(spec.CPUs)
	if err != nil {
		return nil, err
	}
	f := &Freezer{done: make(chan struct{})}
	for i, cpu := range cpus {
		started := make(chan error, 1)
		stopped := make(chan struct{})
		rng := rand.New(rand.NewPCG(spec.Seed, uint64(i)))
		go f.freeze(cpu, spec, rng, started, stopped)
		if err := <-started; err != nil {
			<-stopped
			f.Stop()
			return nil, fmt.Errorf("freeze CPU %d: %w (it takes root, or CAP_SYS_NICE)", cpu, err)
		}
		f.stopped = append(f.stopped, stopped)
	}
	return f, nil
}

// freeze is one CPU's thread: pinned, real-time, it sleeps an
// exponential gap, then spins a burst.
func (f *Freezer) freeze(cpu int, spec FreezeSpec, rng *rand.Rand, started chan<- error, stopped chan<- struct{}) {
	defer close(stopped)
	runtime.LockOSThread() // never unlocked: the thread's policy changed, so it exits with the goroutine
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		started <- err
		return
	}
	if err := unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: freezePriority}, 0); err != nil {
		started <- err
		return
	}
	started <- nil
	meanBurst := float64(spec.MinBurst+spec.MaxBurst) / 2
	meanGap := meanBurst * (1 - spec.Share) / spec.Share
	for {
		gap := time.Duration(rng.ExpFloat64() * meanGap)
		select {
		case <-f.done:
			return
		case <-time.After(gap):
		}
		burst := spec.MinBurst + time.Duration(rng.Int64N(int64(spec.MaxBurst-spec.MinBurst)+1))
		for end := time.Now().Add(burst); time.Now().Before(end); {
		}
	}
}

// Stop ends the freezing and waits for every thread to end.
func (f *Freezer) Stop() {
	select {
	case <-f.done:
	default:
		close(f.done)
	}
	for _, s := range f.stopped {
		<-s
	}
}

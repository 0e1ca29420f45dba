package bench

import (
	"sync"
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuWindow measures the process's CPU time over the measured window.
type cpuWindow struct {
	mu    sync.Mutex // guards start and set
	start time.Duration
	set   bool
}

// startAfter records the CPU time once warmup has passed, unless done
// closes first.
func (w *cpuWindow) startAfter(warmup time.Duration, done <-chan struct{}) {
	t := time.NewTimer(warmup)
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
		return
	}
	w.mu.Lock()
	w.start, w.set = processCPU(), true
	w.mu.Unlock()
}

// used returns the CPU time since the window started, or 0 if it never did.
func (w *cpuWindow) used() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.set {
		return 0
	}
	return processCPU() - w.start
}

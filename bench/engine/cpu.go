package engine

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

// cpuWindow measures the process's CPU time over the measured window: it
// reads the CPU clock when the window opens and when it closes.
type cpuWindow struct {
	mu         sync.Mutex // guards the fields below, written by the timers
	start, end time.Duration
	started    bool
	ended      bool
	open       *time.Timer
	close      *time.Timer
}

// startCPUWindow starts measuring over the window from open to end
// (never: until stop), both counted from now.
func startCPUWindow(open, end time.Duration) *cpuWindow {
	w := &cpuWindow{}
	w.open = time.AfterFunc(open, func() { w.mark(&w.start, &w.started) })
	if end != never {
		w.close = time.AfterFunc(end, func() { w.mark(&w.end, &w.ended) })
	}
	return w
}

// mark reads the CPU clock into t, once.
func (w *cpuWindow) mark(t *time.Duration, set *bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !*set {
		*t, *set = processCPU(), true
	}
}

// stop ends the window now, if it has not ended yet, and returns the CPU
// time used in it; 0 if it never opened.
func (w *cpuWindow) stop() time.Duration {
	w.open.Stop()
	if w.close != nil {
		w.close.Stop()
	}
	w.mark(&w.end, &w.ended)
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.started {
		return 0
	}
	return max(w.end-w.start, 0)
}

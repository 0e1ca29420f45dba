package bench

import (
	"fmt"
	"runtime"
	"syscall"
	"time"
)

// Timer is the strategy the dispatcher uses to wait until a request is due.
type Timer uint8

// The timer strategies.
const (
	// TimerHybrid sleeps on a timerfd (a kernel high-resolution timer read
	// through the netpoller, precise to tens of µs) until SpinWindow before
	// the due time, then spins, yielding the CPU between checks. It is the
	// default: accurate at a fraction of a core.
	TimerHybrid Timer = iota
	// TimerSpin spins the whole time: the most accurate, one full core.
	TimerSpin
	// TimerSleep only uses Go's time.Sleep. Go's netpoller sleeps in whole
	// milliseconds, so due times can be up to ~1 ms late. It exists to show
	// what a naive pacer costs in accuracy.
	TimerSleep
)

// DefaultSpinWindow is how long before a due time the hybrid timer stops
// sleeping and starts spinning. It covers the kernel's default 50 µs timer
// slack plus a VM's wake-up delay.
const DefaultSpinWindow = 150 * time.Microsecond

// String returns the flag value naming the strategy.
func (t Timer) String() string {
	switch t {
	case TimerHybrid:
		return "hybrid"
	case TimerSpin:
		return "spin"
	case TimerSleep:
		return "sleep"
	}
	return fmt.Sprintf("timer(%d)", uint8(t))
}

// ParseTimer returns the strategy named s.
func ParseTimer(s string) (Timer, error) {
	switch s {
	case "", "hybrid":
		return TimerHybrid, nil
	case "spin":
		return TimerSpin, nil
	case "sleep":
		return TimerSleep, nil
	}
	return 0, fmt.Errorf("unknown timer %q: use hybrid, spin or sleep", s)
}

// clock reads monotonic time as a duration since a fixed base. Reading it
// costs one vDSO call and does not allocate.
type clock struct {
	base time.Time
}

func newClock() clock { return clock{base: time.Now()} }

// now returns the time since the clock's base.
func (c clock) now() time.Duration { return time.Since(c.base) }

// waiter waits for due times with one strategy. It belongs to the
// dispatcher goroutine.
type waiter struct {
	clock clock
	timer Timer
	spin  time.Duration // the hybrid strategy's spin window
	tfd   *timerFD      // nil: the hybrid strategy sleeps with nanosleep
}

// newWaiter returns a waiter for strategy t. The hybrid strategy sleeps on
// a timerfd when it can, else with nanosleep.
func newWaiter(c clock, t Timer, spin time.Duration) *waiter {
	w := &waiter{clock: c, timer: t, spin: spin}
	if t == TimerHybrid {
		w.tfd, _ = newTimerFD()
	}
	return w
}

// until blocks until the clock reads due.
func (w *waiter) until(due time.Duration) {
	switch w.timer {
	case TimerSleep:
		if d := due - w.clock.now(); d > 0 {
			time.Sleep(d)
		}
		return
	case TimerHybrid:
		if d := due - w.clock.now() - w.spin; d > 0 {
			w.sleep(d)
		}
	}
	for w.clock.now() < due {
		yieldCPU()
	}
}

// sleep sleeps for d on the timerfd, or with nanosleep without one.
func (w *waiter) sleep(d time.Duration) {
	if w.tfd != nil && w.tfd.sleep(d) == nil {
		return
	}
	kernelSleep(d)
}

// close releases the timerfd, if any.
func (w *waiter) close() {
	if w.tfd != nil {
		_ = w.tfd.close()
	}
}

// yieldCPU gives the CPU away for a moment while spinning. Gosched lets
// the workers' goroutines run on this P. sched_yield lets other threads on
// the same core run: the client is often pinned to a single CPU, and a
// thread that only called Gosched would hold that core while the thread
// that polls the network (the runner keeps GOMAXPROCS at 2 or more) waits
// for its time slice, which adds milliseconds to every response that
// arrives while the dispatcher spins.
func yieldCPU() {
	runtime.Gosched()
	syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
}

// kernelSleep sleeps for d with the nanosleep system call. Unlike
// time.Sleep, whose wake-ups go through Go's millisecond-granular netpoller,
// the kernel's high-resolution timer wakes the thread within its timer slack.
// syscall.Nanosleep enters the runtime's syscall state, so other goroutines
// keep running on other threads meanwhile.
func kernelSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for {
		var rem syscall.Timespec
		err := syscall.Nanosleep(&ts, &rem)
		if err != syscall.EINTR {
			return
		}
		ts = rem
	}
}

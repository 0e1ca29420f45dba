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
	// TimerHybrid sleeps in the kernel (nanosleep, precise to tens of µs)
	// until SpinWindow before the due time, then spins. It is the default:
	// accurate at a fraction of a core.
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

// yieldAfter is how long the dispatcher may spin without a break before
// it starts giving its core away between checks (see yieldCPU).
const yieldAfter = 200 * time.Microsecond

// waiter waits for due times with one strategy. It belongs to the
// dispatcher goroutine.
type waiter struct {
	clock clock
	timer Timer
	spin  time.Duration // the hybrid strategy's spin window
	awake time.Duration // clock reading when the dispatcher last stopped sleeping
}

// newWaiter returns a waiter for strategy t.
func newWaiter(c clock, t Timer, spin time.Duration) *waiter {
	return &waiter{clock: c, timer: t, spin: spin, awake: c.now()}
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
			kernelSleep(d)
			w.awake = w.clock.now()
		}
	}
	for now := w.clock.now(); now < due; now = w.clock.now() {
		// Gosched lets the workers' goroutines run on this P while the
		// runner keeps GOMAXPROCS at 2 or more, so another P polls the
		// network meanwhile.
		runtime.Gosched()
		if now-w.awake > yieldAfter {
			yieldCPU()
		}
	}
}

// close releases what the waiter holds; nothing for now.
func (w *waiter) close() {}

// yieldCPU lets other threads on the dispatcher's core run. The client is
// often pinned to a single CPU; when the rate is so high that the
// dispatcher spins without a break, a thread that only called Gosched
// would hold that core while the thread polling the network waits for its
// time slice, adding up to milliseconds to every response. Short spins
// (the hybrid window at moderate rates) do without: there the yield itself
// delays the hand-off of each request to its worker.
func yieldCPU() {
	syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
}

// kernelSleep sleeps for d with the nanosleep system call. Unlike
// time.Sleep, whose wake-ups go through Go's millisecond-granular netpoller,
// the kernel's high-resolution timer wakes the thread within its timer slack.
// syscall.Nanosleep enters the runtime's syscall state, so other goroutines
// keep running on other threads meanwhile.
func kernelSleep(d time.Duration) {
	setTimerSlack()
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

// prSetTimerSlack is prctl's PR_SET_TIMERSLACK.
const prSetTimerSlack = 29

// setTimerSlack sets the calling thread's timer slack to 1 ns. The kernel
// may otherwise end a thread's nanosleep up to 50 µs (the default slack)
// late, to batch wake-ups; on a VM that put the median wake-up ~70 µs
// after the due time instead of ~20 µs. Slack is per thread and the
// goroutine may have moved, so it is set before every sleep: one cheap
// system call next to a sleep of tens of µs.
func setTimerSlack() {
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerSlack, 1, 0)
}

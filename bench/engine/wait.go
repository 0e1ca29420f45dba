package engine

import (
	"fmt"
	"time"
)

// Wait is how an event loop waits between turns: for the next due time,
// for responses and for deadlines.
type Wait uint8

// The wait strategies. The zero value is WaitBlock, which is safe
// everywhere; on CPUs of its own the executor picks WaitSpin for an open
// loop and WaitHybrid (with ClosedSpinWindow) for the closed loop.
const (
	// WaitBlock sleeps in epoll until an event arrives or the next due
	// time, deadline or interval boundary comes. It uses no CPU while
	// idle, but every response and every due time costs a thread
	// wake-up: tens of µs on a VM. For a client that shares its CPU, and
	// for the closed loop, where spinning only burns CPU.
	WaitBlock Wait = iota
	// WaitSpin polls epoll with a zero timeout and never sleeps: no
	// wake-up ever delays a send or a response. It takes one whole CPU
	// per loop: use it when the client has CPUs of its own.
	WaitSpin
	// WaitHybrid sleeps in epoll until a spin window before the next due
	// time, then spins; after each send it also spins for the window, so
	// that a quick response is read without a wake-up. Accurate at a
	// fraction of a CPU when the rate is low.
	WaitHybrid
)

// DefaultSpinWindow is how long before a due time, and after a send, the
// hybrid strategy spins in an open loop. It covers a VM's wake-up delay
// and the response time of a fast server on loopback.
const DefaultSpinWindow = 150 * time.Microsecond

// ClosedSpinWindow is the hybrid strategy's spin window in the closed
// loop, where a send happens whenever an answer comes: the loop polls for
// answers that come within it instead of sleeping and being woken for
// each. At 10 connections to nginx on loopback it raised throughput by a
// twentieth at a lower CPU cost per request than blocking at once; a
// longer window only burns CPU.
const ClosedSpinWindow = 5 * time.Microsecond

// maxSleep bounds one sleep in epoll, so that a loop with nothing to wait
// for still checks its stop flag now and then (a stop also wakes it).
const maxSleep = 100 * time.Millisecond

// String returns the flag value that names the strategy.
func (w Wait) String() string {
	switch w {
	case WaitBlock:
		return "block"
	case WaitSpin:
		return "spin"
	case WaitHybrid:
		return "hybrid"
	}
	return fmt.Sprintf("wait(%d)", uint8(w))
}

// ParseWait returns the strategy named s.
func ParseWait(s string) (Wait, error) {
	switch s {
	case "block":
		return WaitBlock, nil
	case "spin":
		return WaitSpin, nil
	case "hybrid":
		return WaitHybrid, nil
	}
	return 0, fmt.Errorf("unknown wait strategy %q: use spin, hybrid or block (or auto: spin when the client has CPUs of its own)", s)
}

// never marks "nothing to wake up for" in pollTimeout's arguments.
const never = time.Duration(1<<63 - 1)

// pollTimeout returns how long a loop may sleep in epoll: 0 means poll and
// return at once (spin); it is never more than maxSleep. now is the
// loop's clock, wake the earliest time
// it must act without an event (next due time on a free connection,
// deadline, interval boundary; never if none), lastSend the time of its
// latest send. It is a pure function of its arguments.
func (w Wait) pollTimeout(now, wake, lastSend, spinWindow time.Duration) time.Duration {
	if w == WaitSpin {
		return 0
	}
	until := wake - now
	if w == WaitHybrid {
		if until <= spinWindow || now-lastSend < spinWindow {
			return 0
		}
		until -= spinWindow
	}
	switch {
	case until <= 0:
		return 0
	case until > maxSleep:
		return maxSleep
	}
	return until
}

// Package bench is latbench's engine: the pacer that says when each request
// is due, the timer that waits for it, the open- and closed-loop runners and
// the per-worker recorders they fill.
package bench

import (
	"fmt"
	"math"
	"time"
)

// Pacer decides when each request is due. A pacer has no clock inside: it is
// a function of the elapsed time and of how many requests were already
// dispatched, so it can be table-tested without sleeping.
type Pacer interface {
	// Pace returns how long to wait, counted from elapsed, until request
	// number hits (0-based) is due, and whether the pacer has no more
	// requests to give.
	Pace(elapsed time.Duration, hits uint64) (wait time.Duration, stop bool)
	// Due returns the due time of request number i, counted from the start
	// of the run.
	Due(i uint64) time.Duration
	// Rate returns the mean rate in requests per second; 0 means unlimited.
	Rate() float64
	// String names the pacer for result files, e.g. "uniform 1000/s".
	String() string
}

// UniformPacer spaces requests evenly: request i is due at i/Rate seconds.
type UniformPacer struct {
	// PerSecond is the rate in requests per second; it must be positive.
	PerSecond float64
}

// Due returns i/PerSecond seconds.
func (p UniformPacer) Due(i uint64) time.Duration {
	return time.Duration(float64(i) * float64(time.Second) / p.PerSecond)
}

// Pace returns the wait until request hits is due.
func (p UniformPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return waitFor(p.Due(hits), elapsed), false
}

// Rate returns PerSecond.
func (p UniformPacer) Rate() float64 { return p.PerSecond }

// String returns "uniform <rate>/s".
func (p UniformPacer) String() string { return fmt.Sprintf("uniform %g/s", p.PerSecond) }

// PoissonPacer spaces requests with exponentially distributed gaps, so that
// arrivals form a Poisson process of mean rate PerSecond. The gaps come from
// a deterministic generator seeded by Seed: the same seed always gives the
// same schedule.
//
// PoissonPacer memoises the running sum of gaps, so it is cheap when asked
// for increasing indexes. It is not safe for concurrent use: only the
// runner's dispatcher calls it.
type PoissonPacer struct {
	perSecond float64
	seed      uint64
	next      uint64        // index whose due time is cached in nextDue
	nextDue   time.Duration // due time of request next
}

// NewPoissonPacer returns a Poisson pacer of mean rate perSecond.
func NewPoissonPacer(perSecond float64, seed uint64) *PoissonPacer {
	return &PoissonPacer{perSecond: perSecond, seed: seed}
}

// Due returns the due time of request i: the sum of the first i gaps.
func (p *PoissonPacer) Due(i uint64) time.Duration {
	if i < p.next {
		p.next, p.nextDue = 0, 0
	}
	for p.next < i {
		p.nextDue += p.gap(p.next)
		p.next++
	}
	return p.nextDue
}

// gap returns the exponential gap that follows request i.
func (p *PoissonPacer) gap(i uint64) time.Duration {
	u := unitFloat(splitmix64(p.seed ^ splitmix64(i)))
	return time.Duration(-math.Log(u) / p.perSecond * float64(time.Second))
}

// Pace returns the wait until request hits is due.
func (p *PoissonPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return waitFor(p.Due(hits), elapsed), false
}

// Rate returns the mean rate.
func (p *PoissonPacer) Rate() float64 { return p.perSecond }

// String returns "poisson <rate>/s".
func (p *PoissonPacer) String() string { return fmt.Sprintf("poisson %g/s", p.perSecond) }

// UnlimitedPacer never waits: every request is due at once. The closed-loop
// runner uses it, where each connection sends its next request as soon as
// the previous one is answered.
type UnlimitedPacer struct{}

// Due returns 0: every request is due immediately.
func (UnlimitedPacer) Due(uint64) time.Duration { return 0 }

// Pace returns no wait.
func (UnlimitedPacer) Pace(time.Duration, uint64) (time.Duration, bool) { return 0, false }

// Rate returns 0, meaning unlimited.
func (UnlimitedPacer) Rate() float64 { return 0 }

// String returns "unlimited".
func (UnlimitedPacer) String() string { return "unlimited" }

// NewPacer returns the pacer for an arrival process ("uniform" or
// "poisson") at rate perSecond. A rate of 0 means unlimited.
func NewPacer(arrival string, perSecond float64, seed uint64) (Pacer, error) {
	switch {
	case perSecond < 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 0):
		return nil, fmt.Errorf("rate %g is not valid: give a positive number of requests per second, or max", perSecond)
	case perSecond == 0:
		return UnlimitedPacer{}, nil
	}
	switch arrival {
	case "", "uniform":
		return UniformPacer{PerSecond: perSecond}, nil
	case "poisson":
		return NewPoissonPacer(perSecond, seed), nil
	}
	return nil, fmt.Errorf("unknown arrival process %q: use uniform or poisson", arrival)
}

// waitFor returns due-elapsed, or 0 when due is already past.
func waitFor(due, elapsed time.Duration) time.Duration {
	if due <= elapsed {
		return 0
	}
	return due - elapsed
}

// splitmix64 is a fast, well-mixed 64-bit hash (Steele, Lea and Flood).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unitFloat maps x to a float in (0, 1], never 0, so its log is finite.
func unitFloat(x uint64) float64 {
	return (float64(x>>11) + 1) / (1 << 53)
}

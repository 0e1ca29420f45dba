package engine

import (
	"fmt"
	"math"
	"time"
)

// Pacer decides when each request is due. A pacer has no clock inside: the
// due time of request i is a pure function of i, so it can be
// table-tested without sleeping, and several loops (or machines) can each
// walk their own share of one schedule.
type Pacer interface {
	// Due returns the due time of request number i (0-based), counted
	// from the start of the run.
	Due(i uint64) time.Duration
	// Clone returns a pacer with the same schedule and state of its own,
	// for another loop.
	Clone() Pacer
	// Rate returns the mean rate in requests per second; 0 means unlimited.
	Rate() float64
	// String names the pacer for result files, e.g. "uniform 1000/s".
	String() string
}

// uniformPacer spaces requests evenly: request i is due at i/Rate seconds.
type uniformPacer struct {
	// PerSecond is the rate in requests per second; it must be positive.
	PerSecond float64
}

// Due returns i/PerSecond seconds.
func (p uniformPacer) Due(i uint64) time.Duration {
	return time.Duration(float64(i) * float64(time.Second) / p.PerSecond)
}

// Clone returns p: it has no state.
func (p uniformPacer) Clone() Pacer { return p }

// Rate returns PerSecond.
func (p uniformPacer) Rate() float64 { return p.PerSecond }

// String returns "uniform <rate>/s".
func (p uniformPacer) String() string { return fmt.Sprintf("uniform %g/s", p.PerSecond) }

// poissonPacer spaces requests with exponentially distributed gaps, so that
// arrivals form a Poisson process of mean rate PerSecond. The gaps come from
// a deterministic generator seeded by Seed: the same seed always gives the
// same schedule.
//
// poissonPacer memoises the running sum of gaps, so it is cheap when asked
// for increasing indexes. It is not safe for concurrent use: each loop has
// a Clone of its own.
type poissonPacer struct {
	perSecond float64
	seed      uint64
	next      uint64        // index whose due time is cached in nextDue
	nextDue   time.Duration // due time of request next
}

// newPoissonPacer returns a Poisson pacer of mean rate perSecond.
func newPoissonPacer(perSecond float64, seed uint64) *poissonPacer {
	return &poissonPacer{perSecond: perSecond, seed: seed}
}

// Due returns the due time of request i: the sum of the first i gaps.
func (p *poissonPacer) Due(i uint64) time.Duration {
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
func (p *poissonPacer) gap(i uint64) time.Duration {
	u := unitFloat(splitmix64(p.seed ^ splitmix64(i)))
	return time.Duration(-math.Log(u) / p.perSecond * float64(time.Second))
}

// Clone returns a pacer of the same schedule with a memo of its own.
func (p *poissonPacer) Clone() Pacer { return newPoissonPacer(p.perSecond, p.seed) }

// Rate returns the mean rate.
func (p *poissonPacer) Rate() float64 { return p.perSecond }

// String returns "poisson <rate>/s".
func (p *poissonPacer) String() string { return fmt.Sprintf("poisson %g/s", p.perSecond) }

// unlimitedPacer means closed loop: each connection sends its next
// request as soon as the previous one is answered, and no request has a
// due time of its own.
type unlimitedPacer struct{}

// Due returns 0: every request is due immediately.
func (unlimitedPacer) Due(uint64) time.Duration { return 0 }

// Clone returns the pacer.
func (p unlimitedPacer) Clone() Pacer { return p }

// Rate returns 0, meaning unlimited.
func (unlimitedPacer) Rate() float64 { return 0 }

// String returns "unlimited".
func (unlimitedPacer) String() string { return "unlimited" }

// NewPacer returns the pacer for an arrival process ("uniform" or
// "poisson") at rate perSecond. A rate of 0 means unlimited.
func NewPacer(arrival string, perSecond float64, seed uint64) (Pacer, error) {
	switch {
	case perSecond < 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 0):
		return nil, fmt.Errorf("rate %g is not valid: give a positive number of requests per second, or max", perSecond)
	case perSecond == 0:
		return unlimitedPacer{}, nil
	}
	switch arrival {
	case "", "uniform":
		return uniformPacer{PerSecond: perSecond}, nil
	case "poisson":
		return newPoissonPacer(perSecond, seed), nil
	}
	return nil, fmt.Errorf("unknown arrival process %q: use uniform or poisson", arrival)
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

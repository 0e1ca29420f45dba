package engine

import (
	"crypto/tls"
	"fmt"
)

// Arm is one of the systems a run measures at once. A run of one arm is
// the usual run; a run of two is a paired (duet) run: both systems see
// the same schedule at the same time, so that the noise of a shared host
// (steal, a halted vCPU, a neighbour) falls on both alike, and their
// difference can be judged without it.
type Arm struct {
	// Name names the arm in errors.
	Name string
	// Addrs are the arm's host:port addresses; its connection slot c
	// connects to Addrs[c mod len(Addrs)].
	Addrs []string
	// Connections is the size of the arm's own connection pool (default
	// 1), spread over the loops.
	Connections int
	// TLS, when set, makes the arm's connections speak TLS with this
	// client configuration (see Options.TLS).
	TLS *tls.Config
}

// MaxArms bounds the arms of one run.
const MaxArms = 8

// The schedule of a run of n arms is cut into blocks of n consecutive
// requests: block b holds requests b·n … b·n+n-1, one for each arm, in
// an order drawn from the run's seed. Every block is balanced, so every
// arm gets the full rate of the schedule divided by n, and neither is
// tied to a phase of anything periodic. Loops and agents split the
// schedule by whole blocks, so each share is balanced too.

// ArmOf returns the arm of request i of a run of arms arms whose arm
// order is drawn from seed. It is a pure function of its arguments.
func ArmOf(seed uint64, arms int, i uint64) int {
	if arms <= 1 {
		return 0
	}
	var order [MaxArms]uint8
	blockOrder(seed, arms, i/uint64(arms), &order)
	return int(order[i%uint64(arms)])
}

// blockOrder writes the arms of block b, in the order they are sent, into
// order: a Fisher-Yates shuffle driven by a hash of the seed and b.
func blockOrder(seed uint64, arms int, b uint64, order *[MaxArms]uint8) {
	for a := range arms {
		order[a] = uint8(a)
	}
	x := splitmix64(seed ^ splitmix64(b+0x5bd1e995))
	for j := arms - 1; j > 0; j-- {
		x = splitmix64(x)
		k := int(x % uint64(j+1))
		order[j], order[k] = order[k], order[j]
	}
}

// indexOf returns the global index of arm a's request in block b.
func indexOf(seed uint64, arms, a int, b uint64) uint64 {
	if arms <= 1 {
		return b
	}
	var order [MaxArms]uint8
	blockOrder(seed, arms, b, &order)
	for pos := range arms {
		if int(order[pos]) == a {
			return b*uint64(arms) + uint64(pos)
		}
	}
	panic(fmt.Sprintf("arm %d not in a block of %d", a, arms)) // blockOrder is a permutation
}

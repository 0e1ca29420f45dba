package engine

import "time"

// schedule is one arm's part of one loop's share of an open-loop
// schedule: the due times of the requests it must send, in order. The
// loop's share is a Split of the schedule's blocks (arms.go); in each of
// its blocks the arm has one request. Requests that fell due and wait
// for a free connection are simply those before the cursor's due time
// has passed: the queue of waiting requests is the schedule itself, so
// it is a FIFO that costs no memory however long it grows.
type schedule struct {
	pacer Pacer
	split Split         // the loop's share of blocks
	seed  uint64        // the arm order's seed
	arms  int           // the run's arms: the block size
	arm   int           // this schedule's arm
	k     uint64        // position within the share of the next block
	limit uint64        // global indexes at or above limit are not sent
	end   time.Duration // requests due at or after end are not sent
	idx   uint64        // global index of the next request
	due   time.Duration // due time of the next request
	ok    bool          // the next request exists
}

// newSchedule returns arm's schedule of share split of pacer's blocks of
// arms requests, stopping before global index limit and before due time
// end.
func newSchedule(pacer Pacer, split Split, seed uint64, arms, arm int, limit uint64, end time.Duration) *schedule {
	s := &schedule{pacer: pacer, split: split, seed: seed, arms: max(arms, 1), arm: arm, limit: limit, end: end}
	s.load()
	return s
}

// load computes the next request's index and due time.
func (s *schedule) load() {
	s.idx = indexOf(s.seed, s.arms, s.arm, s.split.Index(s.k))
	if s.idx >= s.limit {
		s.ok = false
		return
	}
	s.due = s.pacer.Due(s.idx)
	s.ok = s.due < s.end
}

// peek returns the due time of the next request, and false when the
// schedule has no more.
func (s *schedule) peek() (time.Duration, bool) { return s.due, s.ok }

// index returns the global index of the next request.
func (s *schedule) index() uint64 { return s.idx }

// pop moves past the next request.
func (s *schedule) pop() {
	s.k++
	s.load()
}

// firstIndexAt returns the index of the first request of pacer due at or
// after t.
func firstIndexAt(pacer Pacer, t time.Duration) uint64 {
	var i uint64
	for pacer.Due(i) < t {
		i++
	}
	return i
}

package engine

import "time"

// schedule is one loop's share of an open-loop schedule: the due times of
// the requests it must send, in order. Requests that fell due and wait
// for a free connection are simply those before the cursor's due time has
// passed: the queue of waiting requests is the schedule itself, so it is
// a FIFO that costs no memory however long it grows.
type schedule struct {
	pacer Pacer
	split Split
	k     uint64        // position within the share of the next request
	limit uint64        // global indexes at or above limit are not sent
	end   time.Duration // requests due at or after end are not sent
	due   time.Duration // due time of the next request
	ok    bool          // the next request exists
}

// newSchedule returns the schedule of share split of pacer's requests,
// stopping before global index limit and before due time end.
func newSchedule(pacer Pacer, split Split, limit uint64, end time.Duration) *schedule {
	s := &schedule{pacer: pacer, split: split, limit: limit, end: end}
	s.load()
	return s
}

// load computes the next request's due time.
func (s *schedule) load() {
	i := s.split.Index(s.k)
	if i >= s.limit {
		s.ok = false
		return
	}
	s.due = s.pacer.Due(i)
	s.ok = s.due < s.end
}

// peek returns the due time of the next request, and false when the
// schedule has no more.
func (s *schedule) peek() (time.Duration, bool) { return s.due, s.ok }

// index returns the global index of the next request.
func (s *schedule) index() uint64 { return s.split.Index(s.k) }

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

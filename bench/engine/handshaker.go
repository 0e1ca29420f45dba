package engine

import (
	"sync"
	"time"
)

// A TLS handshake cannot pause on an empty socket and resume (tls.go), so
// the loops hand them to a handshaker: a few goroutines that run each one
// blocking, to its end or the request's timeout, and hand the outcome
// back to the loop, which leaves the socket alone meanwhile. Handshakes
// are once per connection: at warm-up for keep-alive connections, on
// every request for a new connection per request, where a pool lets
// several overlap as their round trips do. A pool rather than blocking
// the loop: the loop would stall every other connection for each
// handshake's round trips, and those stalls would show as lag.

// handshakeJob is one handshake for the handshaker.
type handshakeJob struct {
	l        *loop
	sock     int32
	gen      int32
	tr       *tlsTransport
	deadline time.Time
	started  time.Duration
}

// handshakeDone is a handshake's outcome, back to its loop.
type handshakeDone struct {
	sock, gen int32
	err       error
	took      time.Duration
}

// handshaker runs the handshakes of a run's loops.
type handshaker struct {
	jobs chan handshakeJob
	wg   sync.WaitGroup
}

// handshakeWorkers is how many handshakes may be under way at once.
const handshakeWorkers = 4

// startHandshaker starts the pool with room for queue waiting jobs (every
// socket of the run: a loop never waits to hand one over).
func startHandshaker(queue int) *handshaker {
	h := &handshaker{jobs: make(chan handshakeJob, queue)}
	for range handshakeWorkers {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			for j := range h.jobs {
				err := j.tr.handshake(j.deadline)
				j.l.handshakes <- handshakeDone{sock: j.sock, gen: j.gen, err: err, took: j.l.clock.now() - j.started}
				j.l.poll.wake()
			}
		}()
	}
	return h
}

// stop ends the pool once every handshake handed to it has ended.
func (h *handshaker) stop() {
	close(h.jobs)
	h.wg.Wait()
}

package engine

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// pingScenario is a minimal echo protocol for engine tests: each request
// is "ping", and the answer must be the same four bytes. Servers in these
// tests are echo servers, some slowed or corrupted on purpose.
type pingScenario struct{}

var ping = []byte("ping")

func (pingScenario) Name() string                  { return "ping" }
func (pingScenario) Describe() map[string]string   { return map[string]string{} }
func (pingScenario) NewSession() scenarios.Session { return &pingSession{} }
func (s *pingSession) Request(int) []byte          { s.got, s.err = 0, nil; return ping }
func (s *pingSession) KeepOpen() bool              { return true }
func (s *pingSession) Connected()                  { s.connects++ }
func (s *pingSession) Err() error                  { return s.err }
func (s *pingSession) Closed() scenarios.Status    { return s.fail(scenarios.ErrShortRead) }
func (s *pingSession) fail(c scenarios.ErrorClass) scenarios.Status {
	s.err = errors.New("ping: " + c.String())
	return scenarios.Failure(c)
}

// pingSession is the state of one ping connection.
type pingSession struct {
	got      int // bytes of the answer so far
	connects int
	err      error
}

// Consume checks the answer byte by byte.
func (s *pingSession) Consume(p []byte) scenarios.Status {
	for _, b := range p {
		if s.got == len(ping) || b != ping[s.got] {
			return s.fail(scenarios.ErrPayload)
		}
		s.got++
	}
	if s.got == len(ping) {
		return scenarios.Success
	}
	return scenarios.InProgress
}

// fakeClock is a clock the test sets by hand.
type fakeClock struct{ t time.Duration }

func (c *fakeClock) now() time.Duration { return c.t }

// pairDialer "connects" by making a Unix socket pair: the loop gets one
// end, the test plays the server on the other.
type pairDialer struct {
	peers  []int // the server ends, in the order the loop connected
	refuse bool  // fail every dial with ECONNREFUSED
}

func (d *pairDialer) dial() (int, unix.Errno) {
	if d.refuse {
		return -1, unix.ECONNREFUSED
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, errnoOf(err)
	}
	d.peers = append(d.peers, fds[1])
	return fds[0], 0
}

// closePeers closes the server ends still open.
func (d *pairDialer) closePeers() {
	for _, fd := range d.peers {
		unix.Close(fd)
	}
}

// testLoop builds a loop of conns slots over a pair dialer and a fake
// clock, for tests that turn it by hand. A nil pacer makes it a closed
// loop.
func testLoop(t *testing.T, cfg loopConfig, conns int, pacer Pacer) (*loop, *fakeClock, *pairDialer) {
	t.Helper()
	if cfg.every == 0 {
		cfg.every = time.Second
	}
	if cfg.end == 0 {
		cfg.end = never
	}
	if cfg.timeout == 0 {
		cfg.timeout = time.Second
	}
	cfg.scenario = pingScenario{}
	cfg.closed = pacer == nil
	cfg.wait = WaitSpin
	poll, err := newPoller()
	if err != nil {
		t.Fatal(err)
	}
	cfg.arms = 1
	clk, dial := &fakeClock{}, &pairDialer{}
	arm := &armState{dial: dial, budget: -1, rec: newRecorder(cfg.closed, 0), faults: make([]FaultCount, len(cfg.faults))}
	l := &loop{
		cfg: &cfg, clock: clk, poll: poll, stop: &atomic.Bool{}, arms: []*armState{arm},
		out: make(chan *intervalRecord, 1000), spare: make(chan *intervalRecord, 4),
		buf: make([]byte, readBufferSize), lastSend: -time.Hour,
	}
	l.addConns(arm, conns, cfg.scenario, nil, "")
	l.flight = newInflight(l.conns)
	l.muxEndedFn = l.muxEnded
	if pacer != nil {
		arm.sched = newSchedule(pacer, Whole(), 0, 1, 0, ^uint64(0), cfg.end)
	}
	l.setInterval(newIntervalRecord(1))
	t.Cleanup(func() {
		l.closeAll()
		poll.close()
		dial.closePeers()
	})
	return l, clk, dial
}

// turnAt sets the clock to at and turns the loop once.
func turnAt(l *loop, clk *fakeClock, at time.Duration) {
	clk.t = at
	l.turn()
}

// peerRead returns what the server end fd has received (nothing: "").
func peerRead(t *testing.T, fd int) string {
	t.Helper()
	buf := make([]byte, 4096)
	n, err := unix.Read(fd, buf)
	if err == unix.EAGAIN {
		return ""
	}
	if err != nil {
		t.Fatalf("server end: %v", err)
	}
	return string(buf[:n])
}

// peerWrite writes s on the server end fd.
func peerWrite(t *testing.T, fd int, s string) {
	t.Helper()
	if _, err := unix.Write(fd, []byte(s)); err != nil {
		t.Fatalf("server end: %v", err)
	}
}

// echoServer starts a TCP echo server on 127.0.0.1:0 that waits delay
// before each answer and corrupts every corruptEvery-th one (0: never).
func echoServer(t testing.TB, delay time.Duration, corruptEvery int64) *scenariotest.Server {
	var answered atomic.Int64
	return scenariotest.Start(t, func(c net.Conn) {
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if delay > 0 {
				time.Sleep(delay)
			}
			out := buf[:n]
			if corruptEvery > 0 && answered.Add(1)%corruptEvery == 0 {
				out = bytes.ToUpper(out)
			}
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	})
}

// gatedEchoServer starts an echo server that holds every answer while
// the gate is closed, as a frozen server (a GC pause, a SIGSTOP) would.
func gatedEchoServer(t testing.TB, g *gate) *scenariotest.Server {
	return scenariotest.Start(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			g.pass()
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
	})
}

// silentServer accepts connections and never answers.
func silentServer(t testing.TB) *scenariotest.Server {
	return scenariotest.Start(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
}

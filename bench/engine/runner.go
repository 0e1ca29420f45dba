package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"

	"github.com/latbench/latbench/scenarios"
)

// Loop names, as printed in every output.
const (
	LoopOpen   = "open"
	LoopClosed = "closed"
)

// DefaultTimeout bounds each request when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Options configure one run of the engine. The zero value of every field
// except Scenario and Addrs is valid and means the documented default.
type Options struct {
	// Scenario is the workload: one session per connection.
	Scenario scenarios.Scenario
	// Addrs are the target's host:port addresses; connection slot c
	// connects to Addrs[c mod len(Addrs)] of its loop.
	Addrs []string
	// Connections is the size of the connection pool (default 1), spread
	// over the loops.
	Connections int
	// Arms, instead of Addrs and Connections, are the systems of a run
	// that measures several at once (a paired run has two): request i of
	// the schedule goes to arm ArmOf(Seed, len(Arms), i), every arm has a
	// connection pool and histograms of its own, and each gets the
	// schedule's rate divided by the number of arms.
	Arms []Arm
	// Seed draws the arms' order in every block of the schedule.
	Seed uint64
	// TLS, with Addrs, makes every connection speak TLS with this client
	// configuration (with Arms, each arm says). ALPN follows the scenario
	// (h2 for a multiplexed one, http/1.1 for HTTP, none for echo), and
	// the server name defaults to each arm's host.
	TLS *tls.Config
	// Pacer schedules the requests. Nil or a zero Rate means closed loop:
	// every connection sends its next request as soon as it can.
	Pacer Pacer
	// Wait is how the loops wait between turns (default WaitBlock).
	Wait Wait
	// SpinWindow is the hybrid strategy's spin stretch (default
	// DefaultSpinWindow).
	SpinWindow time.Duration
	// Warmup is run before the measured window and not recorded.
	Warmup time.Duration
	// Duration is the measured window. Zero means until MaxRequests.
	Duration time.Duration
	// MaxRequests bounds the measured requests. Zero means until Duration.
	MaxRequests int64
	// Timeout bounds each request from its send (default DefaultTimeout).
	Timeout time.Duration
	// CPUs are the CPUs of the client: one loop runs on each, its thread
	// pinned there. Empty means one loop, not pinned.
	CPUs []int
	// Split is this process's share of the global schedule, connections
	// and request budget (load from several machines); the zero value is
	// the whole.
	Split Split
	// Every is the length of an Interval (default 1 s).
	Every time.Duration
	// OnInterval, when set, is called with every Interval of the run, in
	// order, from the runner's goroutine, as soon as every loop has ended
	// it: the warm-up's, the window's, and one after the window when
	// measured requests were answered after it closed. The run keeps no
	// interval: what the caller wants of them, it takes here.
	OnInterval func(*Interval)
	// Start is when the run begins: request 0 is due then, and the warm-up
	// starts. Zero means now; a time in the future lets the caller line up
	// other things (faults, other agents) with the window.
	Start time.Time
	// Faults are windows of the measured time (offsets into it) in which
	// the caller makes something go wrong; the run counts, for each, the
	// measured requests due in it and how many of them succeeded.
	Faults []FaultWindow
}

// FaultWindow is a stretch of the measured window, as offsets into it.
type FaultWindow struct{ From, To time.Duration }

// Result is what one run measured, merged over its loops. The first
// arm's result is embedded, for the usual run of one arm; Arms holds
// every arm's, the first included.
type Result struct {
	ArmResult
	// Arms are the results of Options.Arms, in order.
	Arms []ArmResult
	// Loop is LoopOpen or LoopClosed.
	Loop string
	// Wait names the wait strategy that ran, e.g. "spin" or
	// "hybrid/150µs".
	Wait string
	// Loops is the number of event loops that shared the load.
	Loops int
	// Interrupted is true when the context ended the run early.
	Interrupted bool
	// StartSkew is how late the run's first request was sent after it was
	// due: a loop (or an agent) that starts late shows here.
	StartSkew time.Duration
}

// ArmResult is what one arm of a run measured.
type ArmResult struct {
	// Counts are the arm's counters; its window, client CPU and loop
	// busyness are the run's.
	Counts
	// Latency (from due time), Service (from send) and Lag (send minus
	// due) of the measured requests that succeeded, in ns.
	Latency, Service, Lag *hdrhistogram.Histogram
	// Connect is how long each connection opened in the window took to
	// connect, Handshake its TLS handshake, in ns.
	Connect, Handshake *hdrhistogram.Histogram
	// Classes are the request classes of a mix, in order; nil without one.
	Classes []Class
	// Faults counts, per Options.Faults window, the measured requests due
	// in it and those of them that succeeded.
	Faults []FaultCount
}

// FaultCount is what happened to the requests due during one fault.
type FaultCount struct{ FellDue, Succeeded int64 }

// Requests returns the number of measured requests that succeeded.
func (r *ArmResult) Requests() int64 { return r.Latency.TotalCount() }

// Completed returns successes plus errors of the measured requests.
func (r *ArmResult) Completed() int64 { return r.Requests() + r.Errors.Total() }

// Run drives load as opts say until the window ends, MaxRequests are
// measured or ctx is done, and returns the merged measurements. A cancelled
// context is not an error: the partial result comes back with Interrupted
// set.
func Run(ctx context.Context, opts Options) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	r, err := newRun(opts)
	if err != nil {
		return nil, err
	}
	return r.execute(ctx), nil
}

// withDefaults validates opts and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if len(o.Arms) == 0 {
		o.Arms = []Arm{{Addrs: o.Addrs, Connections: o.Connections, TLS: o.TLS}}
	} else if len(o.Addrs) > 0 || o.Connections != 0 || o.TLS != nil {
		return o, errors.New("give either Addrs, Connections and TLS or Arms, not both")
	}
	o.Addrs, o.Connections, o.TLS = nil, 0, nil
	if err := checkArms(o.Arms); err != nil {
		return o, err
	}
	switch {
	case o.Scenario == nil:
		return o, errors.New("no scenario given")
	case o.Duration < 0 || o.Warmup < 0 || o.MaxRequests < 0:
		return o, errors.New("duration, warm-up and request count cannot be negative")
	case o.Duration == 0 && o.MaxRequests == 0:
		return o, errors.New("the run is unbounded: give a duration, a request count, or both")
	}
	if o.Pacer == nil {
		o.Pacer = unlimitedPacer{}
	}
	if o.SpinWindow == 0 {
		o.SpinWindow = DefaultSpinWindow
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Every == 0 {
		o.Every = time.Second
	}
	if o.Split.Stride == 0 {
		o.Split.Stride = 1
	}
	return o, nil
}

// checkArms validates the arms and gives each a pool of at least one
// connection.
func checkArms(arms []Arm) error {
	if len(arms) > MaxArms {
		return fmt.Errorf("%d arms: a run measures at most %d systems at once", len(arms), MaxArms)
	}
	for i := range arms {
		a := &arms[i]
		switch {
		case len(a.Addrs) == 0 && a.Name != "":
			return fmt.Errorf("arm %s: no address given", a.Name)
		case len(a.Addrs) == 0:
			return errors.New("no target address given")
		case a.Connections < 0:
			return fmt.Errorf("connections must be at least 1, got %d", a.Connections)
		case a.Connections == 0:
			a.Connections = 1
		}
	}
	return nil
}

// run is one Run: its loops and what they share.
type run struct {
	opts  Options
	cfg   loopConfig
	base  time.Time
	loops []*loop
	cpus  []int // loop i's thread runs on cpus[i]; nil: not pinned
	out   chan *intervalRecord
	stop  atomic.Bool
	// handshaker runs the TLS handshakes of every loop; nil without TLS.
	handshaker *handshaker
}

// newRun builds the loops: loop l of K takes share l of this process's
// connections, schedule and request budget.
func newRun(opts Options) (*run, error) {
	r := &run{opts: opts, base: opts.Start}
	if r.base.IsZero() {
		r.base = time.Now()
	}
	r.cfg = loopConfig{
		scenario: opts.Scenario, closed: opts.Pacer.Rate() == 0, wait: opts.Wait,
		spinWindow: opts.SpinWindow, timeout: opts.Timeout, warmup: opts.Warmup,
		end: never, every: opts.Every, arms: len(opts.Arms), seed: opts.Seed,
	}
	if opts.Duration > 0 {
		r.cfg.end = opts.Warmup + opts.Duration
	}
	if m, ok := opts.Scenario.(scenarios.Mixer); ok && len(m.Classes()) > 1 {
		r.cfg.mixer = m
	}
	for _, f := range opts.Faults {
		r.cfg.faults = append(r.cfg.faults, FaultWindow{From: opts.Warmup + f.From, To: opts.Warmup + f.To})
	}
	conns := math.MaxInt
	for _, a := range opts.Arms {
		n := int(opts.Split.Count(uint64(a.Connections)))
		if n == 0 {
			return nil, fmt.Errorf("share %v of %d connections is empty: give at least as many connections as agents", opts.Split, a.Connections)
		}
		conns = min(conns, n)
	}
	k := max(1, min(len(opts.CPUs), conns))
	if len(opts.CPUs) > 0 {
		r.cpus = opts.CPUs[:k]
	}
	r.out = make(chan *intervalRecord, 64*k)
	if slices.ContainsFunc(opts.Arms, func(a Arm) bool { return a.TLS != nil }) {
		r.handshaker = startHandshaker(r.socketCount())
	}
	limit := r.scheduleLimit()
	for id := range k {
		l, err := r.newLoop(id, k, limit)
		if err != nil {
			r.closeLoops()
			return nil, err
		}
		r.loops = append(r.loops, l)
	}
	return r, nil
}

// socketCount returns how many connection slots the run's loops have at
// most: every arm's connections.
func (r *run) socketCount() int {
	n := 0
	for _, a := range r.opts.Arms {
		n += a.Connections
	}
	return n
}

// scheduleLimit returns the global index bound of an open-loop schedule
// with a request budget: MaxRequests past the first request due in the
// window.
func (r *run) scheduleLimit() uint64 {
	if r.opts.MaxRequests == 0 || r.cfg.closed {
		return ^uint64(0)
	}
	return firstIndexAt(r.opts.Pacer.Clone(), r.opts.Warmup) + uint64(r.opts.MaxRequests)
}

// newLoop builds loop id of k: it takes share id of k of the schedule's
// blocks and of every arm's connections.
func (r *run) newLoop(id, k int, limit uint64) (*loop, error) {
	share := r.opts.Split.Part(uint64(id), uint64(k))
	poll, err := newPoller()
	if err != nil {
		return nil, err
	}
	l := &loop{
		id: id, cfg: &r.cfg, clock: monoClock{r.base}, poll: poll, stop: &r.stop,
		out: r.out, spare: make(chan *intervalRecord, 4), share: share,
		buf: make([]byte, readBufferSize), lastSend: -time.Hour,
	}
	for a, arm := range r.opts.Arms {
		st, err := r.newArmState(l, a, arm, share, limit)
		if err != nil {
			poll.close()
			return nil, err
		}
		l.arms = append(l.arms, st)
	}
	l.flight = newInflight(l.conns)
	l.setInterval(newIntervalRecord(len(l.arms)))
	l.interval.loop = id
	l.handshaker, l.handshakes = r.handshaker, make(chan handshakeDone, len(l.socks))
	l.muxEndedFn = l.muxEnded
	return l, nil
}

// newArmState adds arm a's share of connection slots, and their request
// slots, to l and returns the loop's state of the arm.
func (r *run) newArmState(l *loop, a int, arm Arm, share Split, limit uint64) (*armState, error) {
	dial, err := newTCPDialer(arm.Addrs)
	if err != nil {
		return nil, err
	}
	cfg, check := r.armTLS(arm)
	n := int(share.Count(uint64(arm.Connections)))
	st := &armState{id: a, dial: dial, budget: -1,
		rec: newRecorder(r.cfg.closed, len(r.classes())), faults: make([]FaultCount, len(r.cfg.faults))}
	l.addConns(st, n, r.opts.Scenario, cfg, check)
	if r.cfg.closed {
		if r.opts.MaxRequests > 0 {
			st.budget = int64(share.Count(uint64(r.opts.MaxRequests)))
		}
	} else {
		st.sched = newSchedule(r.opts.Pacer.Clone(), share, r.cfg.seed, r.cfg.arms, a, limit, r.cfg.end)
	}
	return st, nil
}

// addConns gives arm st n connection slots on l, with their request
// slots: Streams() each for a multiplexed scenario, else one. cfg, when
// set, makes them speak TLS, ALPN having to pick check ("" for any).
func (l *loop) addConns(st *armState, n int, sc scenarios.Scenario, cfg *tls.Config, check string) {
	mux, _ := sc.(scenarios.Multiplexer)
	streams := 1
	if mux != nil {
		streams = max(mux.Streams(), 1)
	}
	st.free, st.backoff = newRing(n*streams), newRing(n*streams)
	for range n {
		k := sock{fd: -1, arm: uint8(st.id), first: int32(len(l.conns)), n: int32(streams), tr: plainTransport{}}
		if cfg != nil {
			k.tls = newTLSTransport(cfg, check)
			k.tr = k.tls
		}
		if mux != nil {
			k.mux = mux.NewConn()
		}
		for j := range streams {
			c := conn{sock: int32(len(l.socks)), stream: int32(j), prev: noSlot, next: noSlot, arm: uint8(st.id)}
			if mux == nil {
				c.sess = sc.NewSession()
			}
			st.free.push(int32(len(l.conns)))
			l.conns = append(l.conns, c)
		}
		l.socks = append(l.socks, k)
	}
}

// armTLS returns the TLS configuration of arm's connections and the
// protocol ALPN must pick (a multiplexed scenario's); nil without TLS.
// ALPN asks for the scenario's protocol; the server name is the arm's
// host unless the configuration names one.
func (r *run) armTLS(arm Arm) (*tls.Config, string) {
	if arm.TLS == nil {
		return nil, ""
	}
	cfg := arm.TLS.Clone()
	check := ""
	if p, ok := r.opts.Scenario.(interface{ ALPN() string }); ok && p.ALPN() != "" {
		cfg.NextProtos = []string{p.ALPN()}
		if _, mux := r.opts.Scenario.(scenarios.Multiplexer); mux {
			check = p.ALPN()
		}
	}
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(arm.Addrs[0]); err == nil {
			cfg.ServerName = host
		}
	}
	return cfg, check
}

// execute runs the loops, each on a locked OS thread pinned to its CPU,
// collects their interval records as they come, and merges what they
// measured once they have all ended.
func (r *run) execute(ctx context.Context) *Result {
	defer r.closeLoops()
	if prev := runtime.GOMAXPROCS(0); prev < len(r.loops)+1 {
		// Every loop holds a P; the runner and the rest of the program
		// need one more.
		runtime.GOMAXPROCS(len(r.loops) + 1)
		defer runtime.GOMAXPROCS(prev)
	}
	stopWatch := r.watchContext(ctx)
	end := never
	if r.cfg.end != never {
		end = time.Until(r.base.Add(r.cfg.end))
	}
	cpu := startCPUWindow(time.Until(r.base.Add(r.opts.Warmup)), end)
	var wg sync.WaitGroup
	for i, l := range r.loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.runLoop(i, l)
		}()
	}
	c := newCollector(len(r.loops), r.opts)
	c.collect(r.out, r.loops)
	wg.Wait()
	stopWatch()
	return r.result(ctx, cpu.stop())
}

// runLoop runs loop l on a thread of its own, pinned to its CPU when the
// run has CPUs. The thread gets its affinity and timer slack back before
// it is unlocked. It must not end with the goroutine (as a thread still
// locked at exit does): targets started from that thread would get their
// parent-death signal and die.
func (r *run) runLoop(i int, l *loop) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu := -1
	if r.cpus != nil {
		cpu = r.cpus[i]
	}
	defer tuneThread(cpu)()
	l.run()
}

// tuneThread pins the calling thread to cpu (unless it is negative) and
// sets its timer slack to 1 ns, so that the kernel ends its sleeps in
// epoll on time instead of up to 50 µs late (its default slack, to batch
// wake-ups). It returns the function that restores both.
func tuneThread(cpu int) (restore func()) {
	var saved unix.CPUSet
	pinned := cpu >= 0 && unix.SchedGetaffinity(0, &saved) == nil
	if pinned {
		var set unix.CPUSet
		set.Set(cpu)
		_ = unix.SchedSetaffinity(0, &set) // the process is pinned already; this only narrows it
	}
	slack, _, errno := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_GET_TIMERSLACK, 0, 0)
	unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_TIMERSLACK, 1, 0)
	return func() {
		if errno == 0 {
			unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_TIMERSLACK, slack, 0)
		}
		if pinned {
			_ = unix.SchedSetaffinity(0, &saved)
		}
	}
}

// watchContext stops the loops when ctx is done, and wakes them from any
// sleep so they notice.
func (r *run) watchContext(ctx context.Context) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-ctx.Done():
			r.stop.Store(true)
			for _, l := range r.loops {
				l.poll.wake()
			}
		case <-done:
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// classes returns the names of the mix's classes; nil without a mix.
func (r *run) classes() []string {
	if r.cfg.mixer == nil {
		return nil
	}
	return r.cfg.mixer.Classes()
}

// closeLoops releases the loops' pollers and the handshaker.
func (r *run) closeLoops() {
	if r.handshaker != nil {
		r.handshaker.stop()
		r.handshaker = nil
	}
	for _, l := range r.loops {
		l.poll.close()
	}
	r.loops = nil
}

// result merges the loops' measurements, arm by arm.
func (r *run) result(ctx context.Context, clientCPU time.Duration) *Result {
	res := &Result{Loop: LoopOpen, Loops: len(r.loops), Wait: r.opts.Wait.String(), Interrupted: ctx.Err() != nil}
	if r.cfg.closed {
		res.Loop = LoopClosed
	}
	if r.opts.Wait == WaitHybrid {
		res.Wait += "/" + r.opts.SpinWindow.String()
	}
	var lastDone time.Duration
	firstDue := never
	for _, l := range r.loops {
		lastDone = max(lastDone, l.stats.lastDone)
		res.Interrupted = res.Interrupted || l.stats.interrupted
		if l.stats.started && l.stats.firstDue < firstDue {
			firstDue, res.StartSkew = l.stats.firstDue, l.stats.firstSent-l.stats.firstDue
		}
	}
	measured := r.window(res.Interrupted, lastDone)
	var busy float64
	for _, l := range r.loops {
		busy = max(busy, busyPct(l.stats.idle, measured))
	}
	for a := range r.opts.Arms {
		arm := r.armResult(a)
		arm.Measured, arm.ClientCPU, arm.LoopBusyPct = measured, clientCPU, busy
		res.Arms = append(res.Arms, arm)
	}
	res.ArmResult = res.Arms[0]
	return res
}

// armResult merges arm a's recorders and fault counts over the loops.
func (r *run) armResult(a int) ArmResult {
	recs := make([]*recorder, len(r.loops))
	faults := make([]FaultCount, len(r.cfg.faults))
	for i, l := range r.loops {
		recs[i] = l.arms[a].rec
		for f, fc := range l.arms[a].faults {
			faults[f].FellDue += fc.FellDue
			faults[f].Succeeded += fc.Succeeded
		}
	}
	m := mergeRecorders(recs, r.classes())
	return ArmResult{Counts: m.counts, Latency: m.latency, Service: m.service, Lag: m.lag,
		Connect: m.connect, Handshake: m.handshake, Classes: m.classes, Faults: faults}
}

// window returns the length of the measured window: the duration asked
// for, or up to the last measured response when a request budget ended
// the run first, or up to now when it was interrupted.
func (r *run) window(interrupted bool, lastDone time.Duration) time.Duration {
	end := r.cfg.end
	switch {
	case interrupted:
		end = min(end, time.Since(r.base))
	case r.opts.MaxRequests > 0:
		end = min(end, lastDone)
	}
	return max(end-r.opts.Warmup, 0)
}

// busyPct returns the share of window not spent idle, in percent.
func busyPct(idle, window time.Duration) float64 {
	if window <= 0 {
		return 0
	}
	return 100 * max(0, 1-idle.Seconds()/window.Seconds())
}

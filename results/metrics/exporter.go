// Package metrics exports a run's per-second figures live, the way the
// reference study watched its runs: pushed to a Prometheus push-gateway
// (--prometheus-push) and served on /metrics for scraping
// (--metrics-listen), for the Grafana dashboard in grafana/latbench.json.
//
// Each cell has one collector holding its latest interval and its
// measured-window counters. The same collector is registered twice:
// in the exporter's /metrics registry, through a wrapper that adds the run
// and cell labels, and in the cell's own push registry, where the run and
// cell come from the push grouping key instead. So every cell is its own
// push-gateway group (job, run, cell), a push (HTTP PUT) replaces only
// that group, and /metrics and the push-gateway show the same series with
// the same labels.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/push"
)

// DefaultJob is the push-gateway job name when Options.Job is empty.
const DefaultJob = "latbench"

// DefaultPushTimeout bounds one push when Options.PushTimeout is zero.
const DefaultPushTimeout = 2 * time.Second

// shutdownTimeout bounds how long Close waits for /metrics requests under
// way before closing their connections.
const shutdownTimeout = 5 * time.Second

// ErrClosed is returned by Observe and EndCell after Close.
var ErrClosed = errors.New("metrics: exporter is closed")

// Labels identify one cell's series: the run (its folder name), the cell
// id, target, scenario and load name.
type Labels struct{ Run, Cell, Target, Scenario, Load string }

// Second is what latbench measured in one interval (one second by
// default) of a cell.
type Second struct {
	Labels
	// Warmup is true when the interval is part of the warm-up; its
	// completions and errors are not added to the counters.
	Warmup bool
	// Completed counts the requests that ended in the interval, successes
	// and errors.
	Completed int64
	// ErrorsByClass counts the interval's failures by class: connect,
	// timeout, reset, short_read, payload_mismatch, bad_status, other.
	ErrorsByClass map[string]int64
	// RatePerSec is the interval's completions per second.
	RatePerSec float64
	// Latency holds percentiles of the interval's latency (from due
	// time) by percentile: 50, 90, 99, 99.9, 99.99 and 100 (the maximum).
	// Empty when no request completed.
	Latency map[float64]time.Duration
	// ServiceTime holds the same percentiles of service time (send to
	// response); it may be empty.
	ServiceTime map[float64]time.Duration
	// TrimmedMean is the interval's latency tm99.9: the mean without the
	// best and worst 0.1%.
	TrimmedMean time.Duration
	// StdDev is the standard deviation of the interval's latency.
	StdDev time.Duration
	// TargetCPUPct is the target's CPU over the interval, 100 = one core;
	// negative when unknown.
	TargetCPUPct float64
	// TargetRSSBytes is the target's resident memory; negative when
	// unknown.
	TargetRSSBytes int64
}

// Options configure an Exporter. The zero value exports nothing but
// keeps the series, which is valid.
type Options struct {
	// PushURL is the push-gateway's base URL, e.g. http://127.0.0.1:9091
	// (host:port alone means http); "" = no push.
	PushURL string
	// Listen is the /metrics server's address, e.g. 127.0.0.1:9464, or
	// :0 for a free port; "" = no /metrics server.
	Listen string
	// Job is the push job name; "" = DefaultJob.
	Job string
	// PushTimeout bounds each push; 0 = DefaultPushTimeout.
	PushTimeout time.Duration
}

// Exporter exports cells' per-second figures. Its methods are safe for
// concurrent use; the engine calls Observe once per interval from one
// goroutine.
type Exporter struct {
	job         string
	push        *pushTarget // nil without push
	pushTimeout time.Duration
	transport   *http.Transport // the push client's, closed by Close
	client      *http.Client

	reg    *prometheus.Registry // what /metrics serves
	ln     net.Listener         // nil without /metrics
	srv    *http.Server
	served chan struct{} // closed when srv.Serve has returned

	// mu guards cells and closed. Pushes run without it; pushes counts
	// the ones under way, which Close waits for before it closes the
	// push client's idle connections.
	mu     sync.Mutex
	cells  map[cellKey]*cellEntry
	closed bool
	pushes sync.WaitGroup
}

// cellKey identifies a cell, as a push-gateway group does.
type cellKey struct{ run, cell string }

// cellEntry is the exporter's record of one cell.
type cellEntry struct {
	c      *cell
	pusher *push.Pusher // nil without push
	ended  bool
}

// New validates opts and returns an Exporter, with its /metrics server
// listening when opts.Listen is set. Close releases it.
func New(opts Options) (*Exporter, error) {
	e := &Exporter{
		job:         opts.Job,
		pushTimeout: opts.PushTimeout,
		reg:         prometheus.NewRegistry(),
		cells:       make(map[cellKey]*cellEntry),
	}
	if e.job == "" {
		e.job = DefaultJob
	}
	if e.pushTimeout < 0 {
		return nil, fmt.Errorf("metrics: push timeout %v is negative", e.pushTimeout)
	}
	if e.pushTimeout == 0 {
		e.pushTimeout = DefaultPushTimeout
	}
	if opts.PushURL != "" {
		pt, err := parsePushURL(opts.PushURL)
		if err != nil {
			return nil, err
		}
		e.push = pt
		e.transport = http.DefaultTransport.(*http.Transport).Clone()
		e.client = &http.Client{Transport: e.transport}
	}
	if opts.Listen != "" {
		if err := e.listen(opts.Listen); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// listen starts the /metrics server on addr.
func (e *Exporter) listen(addr string) error {
	ln, err := listenMetrics(addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{}))
	e.ln = ln
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	e.served = make(chan struct{})
	go func() {
		defer close(e.served)
		// Serve returns http.ErrServerClosed after Shutdown or Close,
		// and only those end it: the listener is never closed elsewhere.
		_ = e.srv.Serve(ln)
	}()
	return nil
}

// Addr returns the /metrics server's actual address, "" if there is none.
func (e *Exporter) Addr() string {
	if e.ln == nil {
		return ""
	}
	return e.ln.Addr().String()
}

// Observe sets the series of s.Labels to interval s and, with a push URL,
// pushes the cell's group, waiting at most the push timeout. The series
// are set even when the push fails; the error says why it failed. An
// invalid s changes nothing.
func (e *Exporter) Observe(s Second) error {
	if err := validateSecond(s); err != nil {
		return err
	}
	ce, err := e.cellFor(s.Labels)
	if err != nil {
		return err
	}
	ce.c.observe(s)
	return e.pushCell(ce)
}

// cellFor returns the entry of the cell with labels l, creating and
// registering it on the cell's first interval, and counts a push under
// way when the cell is pushed (pushCell ends it).
func (e *Exporter) cellFor(l Labels) (*cellEntry, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	k := cellKey{l.Run, l.Cell}
	ce, ok := e.cells[k]
	switch {
	case !ok:
		var err error
		if ce, err = e.newCellEntry(l); err != nil {
			return nil, err
		}
		e.cells[k] = ce
	case ce.ended:
		return nil, fmt.Errorf("metrics: cell %q of run %q has ended: EndCell was called before this interval", l.Cell, l.Run)
	case ce.c.labels != l:
		return nil, fmt.Errorf("metrics: cell %q of run %q changed its labels from %+v to %+v", l.Cell, l.Run, ce.c.labels, l)
	}
	if ce.pusher != nil {
		e.pushes.Add(1)
	}
	return ce, nil
}

// newCellEntry registers a new cell's collector for /metrics, with the
// run and cell labels, and builds its pusher, whose grouping key carries
// them instead. e.mu is held.
func (e *Exporter) newCellEntry(l Labels) (*cellEntry, error) {
	ce := &cellEntry{c: newCell(l)}
	if e.push != nil {
		p := push.New(e.push.url, e.job).
			Grouping(labelRun, l.Run).
			Grouping(labelCell, l.Cell).
			Collector(ce.c).
			Client(e.client)
		if e.push.user != "" || e.push.password != "" {
			p = p.BasicAuth(e.push.user, e.push.password)
		}
		if err := p.Error(); err != nil {
			return nil, fmt.Errorf("metrics: push for cell %q of run %q: %w", l.Cell, l.Run, err)
		}
		ce.pusher = p
	}
	wrapped := prometheus.WrapRegistererWith(prometheus.Labels{labelRun: l.Run, labelCell: l.Cell}, e.reg)
	if err := wrapped.Register(ce.c); err != nil {
		return nil, fmt.Errorf("metrics: register cell %q of run %q: %w", l.Cell, l.Run, err)
	}
	return ce, nil
}

// pushCell pushes the cell's group (HTTP PUT, which replaces that group
// only) within the push timeout; without push it does nothing. It ends
// the push that cellFor counted.
func (e *Exporter) pushCell(ce *cellEntry) error {
	if ce.pusher == nil {
		return nil
	}
	defer e.pushes.Done()
	ctx, cancel := context.WithTimeout(context.Background(), e.pushTimeout)
	defer cancel()
	if err := ce.pusher.PushContext(ctx); err != nil {
		l := ce.c.labels
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("metrics: push cell %q of run %q to %s: no answer within %v: %w", l.Cell, l.Run, e.push.url, e.pushTimeout, err)
		}
		return fmt.Errorf("metrics: push cell %q of run %q to %s: %w", l.Cell, l.Run, e.push.url, err)
	}
	return nil
}

// EndCell marks the cell with labels l as over and pushes its group a
// last time. Its series stay on /metrics until Close, and on the
// push-gateway, so that Grafana shows finished cells; a later Observe of
// the cell is an error. A cell with no interval observed has nothing to
// push: EndCell returns nil.
func (e *Exporter) EndCell(l Labels) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	ce, ok := e.cells[cellKey{l.Run, l.Cell}]
	if !ok {
		e.mu.Unlock()
		return nil
	}
	if ce.ended {
		e.mu.Unlock()
		return fmt.Errorf("metrics: cell %q of run %q has already ended", l.Cell, l.Run)
	}
	ce.ended = true
	if ce.pusher != nil {
		e.pushes.Add(1)
	}
	e.mu.Unlock()
	return e.pushCell(ce)
}

// Close stops the /metrics server, after waiting for pushes under way,
// and releases the push client's connections. Later calls return nil.
func (e *Exporter) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	// No push starts once closed is set; wait for the last ones so that
	// their connections are idle, then close them.
	e.pushes.Wait()
	if e.transport != nil {
		e.transport.CloseIdleConnections()
	}
	if e.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := e.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("metrics: stop /metrics server: %w", err), e.srv.Close())
	}
	<-e.served
	return err
}

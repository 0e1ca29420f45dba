package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/metrics"
	"github.com/latbench/latbench/scenarios"
)

// Names of the live-metrics flags.
const (
	flagPrometheusPush = "prometheus-push"
	flagMetricsListen  = "metrics-listen"
)

// metricsFlags are the flags of live metrics, for run and suite.
func metricsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: flagPrometheusPush, Usage: "push every cell's per-second figures to the Prometheus push-gateway at `URL` " +
			"(e.g. http://127.0.0.1:9091) as they happen; Grafana dashboard: results/metrics/grafana/latbench.json"},
		&cli.StringFlag{Name: flagMetricsListen, Usage: "serve the same figures on http://`ADDR`/metrics for Prometheus to scrape (e.g. 127.0.0.1:9464)"},
	}
}

// liveMetrics feeds the exporter from the engine's per-interval progress.
// Progress comes from the engine's runner goroutine and Save from the
// executor's; mu keeps the first failure's report to one line.
type liveMetrics struct {
	exp    *metrics.Exporter
	run    string // the run folder's name
	log    func(string)
	mu     sync.Mutex // guards warned
	warned bool
}

// newLiveMetrics starts the exporter the flags ask for; nil when none.
func newLiveMetrics(c *cli.Context, stderr io.Writer) (*liveMetrics, error) {
	push, listen := c.String(flagPrometheusPush), c.String(flagMetricsListen)
	if push == "" && listen == "" {
		return nil, nil
	}
	exp, err := metrics.New(metrics.Options{PushURL: push, Listen: listen})
	if err != nil {
		return nil, cmdline.Usagef("live metrics: %v", err)
	}
	if a := exp.Addr(); a != "" {
		fmt.Fprintf(stderr, "latbench: metrics on http://%s/metrics\n", a)
	}
	return &liveMetrics{exp: exp, log: func(s string) { fmt.Fprintln(stderr, s) }}, nil
}

// startRun names the run whose cells follow.
func (m *liveMetrics) startRun(dir string) { m.run = filepath.Base(dir) }

// labels returns the series labels of a cell being measured.
func (m *liveMetrics) labels(cell bench.CellSpec) metrics.Labels {
	scenario := cell.Scenario.Name
	if cell.Proxy {
		scenario += "-proxy"
	}
	load := results.LoadLabel(results.LoadConfig{Name: cell.Load.Name, TargetRPS: cell.Load.Rate})
	return metrics.Labels{Run: m.run, Cell: cell.ID, Target: cell.Target, Scenario: scenario, Load: load}
}

// resultLabels returns the same labels for a measured cell.
func (m *liveMetrics) resultLabels(c *results.Cell) metrics.Labels {
	return metrics.Labels{Run: m.run, Cell: c.ID, Target: c.Target, Scenario: c.Scenario,
		Load: results.LoadLabel(results.LoadConfig{Name: c.Load.Name, TargetRPS: c.Load.TargetRPS})}
}

// observe exports one interval of a cell.
func (m *liveMetrics) observe(cell bench.CellSpec, p bench.Progress) {
	latency := results.Summarize(p.Interval.Latency)
	s := metrics.Second{
		Labels: m.labels(cell), Warmup: p.Warmup, Completed: p.Interval.Completed, RatePerSec: p.RatePerSec,
		ErrorsByClass: map[string]int64{}, TargetCPUPct: -1, TargetRSSBytes: -1,
		Latency: quantiles(latency), ServiceTime: quantiles(results.Summarize(p.Interval.Service)),
		TrimmedMean: time.Duration(latency.TrimMean), StdDev: time.Duration(latency.StdDev),
	}
	for class, n := range p.Interval.Errors {
		if c := scenarios.ErrorClass(class); c != scenarios.ErrNone {
			s.ErrorsByClass[c.String()] = n
		}
	}
	m.report(m.exp.Observe(s))
}

// endCell makes the cell's last push.
func (m *liveMetrics) endCell(c *results.Cell) { m.report(m.exp.EndCell(m.resultLabels(c))) }

// report logs the first export failure; the run goes on.
func (m *liveMetrics) report(err error) {
	if err == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.warned {
		m.warned = true
		m.log("latbench: live metrics: " + err.Error() + " (the run goes on; further failures are not shown)")
	}
}

// close stops the exporter.
func (m *liveMetrics) close() error { return m.exp.Close() }

// quantiles returns the percentiles the exporter takes, empty for an
// empty histogram.
func quantiles(s results.Summary) map[float64]time.Duration {
	if s.Count == 0 {
		return map[float64]time.Duration{}
	}
	return map[float64]time.Duration{50: time.Duration(s.P50), 90: time.Duration(s.P90), 99: time.Duration(s.P99),
		99.9: time.Duration(s.P999), 99.99: time.Duration(s.P9999), 100: time.Duration(s.Max)}
}

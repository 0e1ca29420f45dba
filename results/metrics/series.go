package metrics

import (
	"maps"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/latbench/latbench/scenarios"
)

// The names of the series the exporter defines. Durations are in seconds,
// as Prometheus wants; gauges hold the latest interval, counters
// accumulate over a cell's measured window.
const (
	nameLatency     = "latbench_latency_seconds"
	nameServiceTime = "latbench_service_time_seconds"
	nameTrimmedMean = "latbench_latency_trimmed_mean_seconds"
	nameStdDev      = "latbench_latency_stddev_seconds"
	nameRate        = "latbench_requests_per_second"
	nameRequests    = "latbench_requests_total"
	nameErrors      = "latbench_errors_total"
	nameWarmup      = "latbench_warmup"
	nameCPU         = "latbench_target_cpu_percent"
	nameRSS         = "latbench_target_rss_bytes"
)

// metricNames lists every series name the exporter defines, for the
// dashboard test.
var metricNames = []string{
	nameLatency, nameServiceTime, nameTrimmedMean, nameStdDev, nameRate,
	nameRequests, nameErrors, nameWarmup, nameCPU, nameRSS,
}

// Label names. run and cell are not on a cell's own metrics: they are
// added by the /metrics registry's wrapper and, when pushing, by the
// push-gateway from the grouping key (the push client refuses metrics
// that already carry a grouping label).
const (
	labelRun      = "run"
	labelCell     = "cell"
	labelTarget   = "target"
	labelScenario = "scenario"
	labelLoad     = "load"
	labelQuantile = "quantile"
	labelClass    = "class"
)

// cellDescs describes one cell's series; the target, scenario and load
// labels are constant labels of each description.
type cellDescs struct {
	latency, serviceTime, trimmedMean, stdDev, rate *prometheus.Desc
	requests, errors, warmup, cpu, rss              *prometheus.Desc
}

// newCellDescs returns the descriptions of the cell with labels l.
func newCellDescs(l Labels) cellDescs {
	constLabels := prometheus.Labels{labelTarget: l.Target, labelScenario: l.Scenario, labelLoad: l.Load}
	d := func(name, help string, variable ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, variable, constLabels)
	}
	return cellDescs{
		latency: d(nameLatency,
			"Latency from the time each request was due (coordinated omission included) in the latest interval, by quantile; quantile 1 is the maximum.",
			labelQuantile),
		serviceTime: d(nameServiceTime,
			"Service time (send to response) in the latest interval, by quantile; quantile 1 is the maximum.",
			labelQuantile),
		trimmedMean: d(nameTrimmedMean,
			"Trimmed mean of the latest interval's latency without its best and worst 0.1% (tm99.9)."),
		stdDev: d(nameStdDev,
			"Standard deviation of the latest interval's latency."),
		rate: d(nameRate,
			"Requests that ended (successes and errors) per second in the latest interval."),
		requests: d(nameRequests,
			"Requests that ended (successes and errors) in the cell's measured window, warm-up excluded."),
		errors: d(nameErrors,
			"Failed requests in the cell's measured window, warm-up excluded, by error class.",
			labelClass),
		warmup: d(nameWarmup,
			"1 while the latest interval is part of the warm-up, else 0."),
		cpu: d(nameCPU,
			"Target's CPU use over the latest interval in percent of one core; absent when unknown."),
		rss: d(nameRSS,
			"Target's resident memory in bytes; absent when unknown."),
	}
}

// cell is the prometheus.Collector of one cell's series. Its state is
// written by Exporter.Observe and read by Collect, which runs on /metrics
// request goroutines and during pushes; mu guards it.
type cell struct {
	labels Labels
	descs  cellDescs

	mu       sync.Mutex
	last     Second           // the latest interval, maps copied
	requests int64            // completions outside warm-up
	errors   map[string]int64 // errors outside warm-up by class
}

// newCell returns the collector of the cell with labels l. Every known
// error class starts at zero, so that rate() sees the first error of a
// class.
func newCell(l Labels) *cell {
	c := &cell{labels: l, descs: newCellDescs(l), errors: make(map[string]int64)}
	for _, class := range scenarios.ErrorClassNames() {
		c.errors[class] = 0
	}
	return c
}

// observe records interval s, which has been validated.
func (c *cell) observe(s Second) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = s
	c.last.Latency = maps.Clone(s.Latency)
	c.last.ServiceTime = maps.Clone(s.ServiceTime)
	c.last.ErrorsByClass = nil // only the counters below are exported
	if s.Warmup {
		return
	}
	c.requests += s.Completed
	for class, n := range s.ErrorsByClass {
		c.errors[class] += n
	}
}

// Describe sends the descriptions of every series the cell may export.
func (c *cell) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.descs.latency, c.descs.serviceTime, c.descs.trimmedMean, c.descs.stdDev, c.descs.rate,
		c.descs.requests, c.descs.errors, c.descs.warmup, c.descs.cpu, c.descs.rss,
	} {
		ch <- d
	}
}

// Collect sends the cell's series. Series whose value is unknown (no
// latency in the interval, no service time, unknown CPU or memory) are
// left out rather than sent as zero.
func (c *cell) Collect(ch chan<- prometheus.Metric) {
	// Build the metrics under the lock, send them after: the registry's
	// receiver must never wait for Observe.
	c.mu.Lock()
	ms := c.metricsLocked()
	c.mu.Unlock()
	for _, m := range ms {
		ch <- m
	}
}

// metricsLocked returns the cell's current metrics; c.mu is held.
func (c *cell) metricsLocked() []prometheus.Metric {
	var ms []prometheus.Metric
	add := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labelValues ...string) {
		m, err := prometheus.NewConstMetric(d, t, v, labelValues...)
		if err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
		ms = append(ms, m)
	}
	s := c.last
	for p, d := range s.Latency {
		add(c.descs.latency, prometheus.GaugeValue, d.Seconds(), quantileLabel(p))
	}
	for p, d := range s.ServiceTime {
		add(c.descs.serviceTime, prometheus.GaugeValue, d.Seconds(), quantileLabel(p))
	}
	if len(s.Latency) > 0 {
		add(c.descs.trimmedMean, prometheus.GaugeValue, s.TrimmedMean.Seconds())
		add(c.descs.stdDev, prometheus.GaugeValue, s.StdDev.Seconds())
	}
	add(c.descs.rate, prometheus.GaugeValue, s.RatePerSec)
	add(c.descs.requests, prometheus.CounterValue, float64(c.requests))
	for class, n := range c.errors {
		add(c.descs.errors, prometheus.CounterValue, float64(n), class)
	}
	warmup := 0.0
	if s.Warmup {
		warmup = 1
	}
	add(c.descs.warmup, prometheus.GaugeValue, warmup)
	if s.TargetCPUPct >= 0 { // false for NaN too
		add(c.descs.cpu, prometheus.GaugeValue, s.TargetCPUPct)
	}
	if s.TargetRSSBytes >= 0 {
		add(c.descs.rss, prometheus.GaugeValue, float64(s.TargetRSSBytes))
	}
	return ms
}

// quantileLabel turns a percentile (0–100) into the quantile label value
// (0–1) Prometheus uses: 50 → "0.5", 99.9 → "0.999", 100 → "1". It shifts
// the decimal point of the percentile's shortest decimal form, so no
// binary rounding shows (99.9/100 would print 0.9990000000000001).
func quantileLabel(p float64) string {
	s := strconv.FormatFloat(p, 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	if len(intPart) < 3 {
		intPart = strings.Repeat("0", 3-len(intPart)) + intPart
	}
	whole := strings.TrimLeft(intPart[:len(intPart)-2], "0")
	if whole == "" {
		whole = "0"
	}
	frac = strings.TrimRight(intPart[len(intPart)-2:]+frac, "0")
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

package metrics

import (
	"flag"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/latbench/latbench/results/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// observeAll feeds seconds to e, failing the test on an error.
func observeAll(t *testing.T, e *Exporter, seconds ...Second) {
	t.Helper()
	for _, s := range seconds {
		if err := e.Observe(s); err != nil {
			t.Fatalf("Observe(%s): %v", s.Cell, err)
		}
	}
}

// The fixture: cell A warms up for one interval and is measured for two;
// cell B is measured for one, with its target's CPU and memory unknown
// and no service time.
var (
	secondA1 = interval(labelsA, true, 100, map[string]int64{"timeout": 5}, [6]float64{100, 200, 300, 400, 500, 600}, 50, 1000)
	secondA2 = interval(labelsA, false, 1000, map[string]int64{"timeout": 2, "reset": 1}, [6]float64{150, 250, 350, 450, 550, 650}, 80.5, 2_000_000)
	secondA3 = interval(labelsA, false, 1200, map[string]int64{"timeout": 1}, [6]float64{123, 456, 789, 1500, 2500, 98765}, 90, 3_000_000)
	secondB1 = func() Second {
		s := interval(labelsB, false, 500, nil, [6]float64{80, 90, 100, 110, 120, 130}, math.NaN(), -1)
		s.ServiceTime = nil
		return s
	}()
)

func TestMetricsEndpoint(t *testing.T) {
	e, err := New(Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	closeExporter(t, e)

	type check struct {
		name   string
		metric string
		labels map[string]string
		want   float64 // seconds for durations
		absent bool
	}
	stages := []struct {
		name    string
		observe []Second
		checks  []check
	}{
		{
			name:    "warm-up only",
			observe: []Second{secondA1},
			checks: []check{
				{name: "warm-up flag", metric: "latbench_warmup", labels: cellLabels(labelsA), want: 1},
				{name: "requests not counted", metric: "latbench_requests_total", labels: cellLabels(labelsA), want: 0},
				{name: "errors not counted", metric: "latbench_errors_total", labels: cellLabels(labelsA, "class", "timeout"), want: 0},
				{name: "gauges show the warm-up", metric: "latbench_latency_seconds", labels: cellLabels(labelsA, "quantile", "0.5"), want: 100e-6},
				{name: "rate shows the warm-up", metric: "latbench_requests_per_second", labels: cellLabels(labelsA), want: 100},
				{name: "cell B not yet there", metric: "latbench_warmup", labels: cellLabels(labelsB), absent: true},
			},
		},
		{
			name:    "measured intervals of two cells",
			observe: []Second{secondA2, secondB1, secondA3},
			checks: []check{
				{name: "p50 µs to seconds", metric: "latbench_latency_seconds", labels: cellLabels(labelsA, "quantile", "0.5"), want: 123e-6},
				{name: "p90", metric: "latbench_latency_seconds", labels: cellLabels(labelsA, "quantile", "0.9"), want: 456e-6},
				{name: "p99", metric: "latbench_latency_seconds", labels: cellLabels(labelsA, "quantile", "0.99"), want: 789e-6},
				{name: "p99.9", metric: "latbench_latency_seconds", labels: cellLabels(labelsA, "quantile", "0.999"), want: 1500e-6},
				{name: "p99.99", metric: "latbench_latency_seconds", labels: cellLabels(labelsA, "quantile", "0.9999"), want: 2500e-6},
				{name: "max", metric: "latbench_latency_seconds", labels: cellLabels(labelsA, "quantile", "1"), want: 98765e-6},
				{name: "service time p99", metric: "latbench_service_time_seconds", labels: cellLabels(labelsA, "quantile", "0.99"), want: 394.5e-6},
				{name: "trimmed mean", metric: "latbench_latency_trimmed_mean_seconds", labels: cellLabels(labelsA), want: 135.3e-6},
				{name: "std dev", metric: "latbench_latency_stddev_seconds", labels: cellLabels(labelsA), want: 263e-6},
				{name: "rate is the latest interval's", metric: "latbench_requests_per_second", labels: cellLabels(labelsA), want: 1200},
				{name: "requests accumulate outside warm-up", metric: "latbench_requests_total", labels: cellLabels(labelsA), want: 2200},
				{name: "timeouts accumulate outside warm-up", metric: "latbench_errors_total", labels: cellLabels(labelsA, "class", "timeout"), want: 3},
				{name: "resets", metric: "latbench_errors_total", labels: cellLabels(labelsA, "class", "reset"), want: 1},
				{name: "known class starts at zero", metric: "latbench_errors_total", labels: cellLabels(labelsA, "class", "payload_mismatch"), want: 0},
				{name: "warm-up over", metric: "latbench_warmup", labels: cellLabels(labelsA), want: 0},
				{name: "CPU percent", metric: "latbench_target_cpu_percent", labels: cellLabels(labelsA), want: 90},
				{name: "RSS bytes", metric: "latbench_target_rss_bytes", labels: cellLabels(labelsA), want: 3_000_000},
				{name: "cell B requests", metric: "latbench_requests_total", labels: cellLabels(labelsB), want: 500},
				{name: "cell B p99", metric: "latbench_latency_seconds", labels: cellLabels(labelsB, "quantile", "0.99"), want: 100e-6},
				{name: "cell B unknown CPU left out", metric: "latbench_target_cpu_percent", labels: cellLabels(labelsB), absent: true},
				{name: "cell B unknown RSS left out", metric: "latbench_target_rss_bytes", labels: cellLabels(labelsB), absent: true},
				{name: "cell B no service time", metric: "latbench_service_time_seconds", labels: cellLabels(labelsB, "quantile", "0.5"), absent: true},
			},
		},
	}
	for _, st := range stages {
		observeAll(t, e, st.observe...)
		mfs := scrape(t, e)
		for _, c := range st.checks {
			t.Run(st.name+"/"+c.name, func(t *testing.T) {
				got, ok := findSample(mfs, c.metric, c.labels)
				switch {
				case c.absent && ok:
					t.Errorf("%s%v = %v, want no such series", c.metric, c.labels, got)
				case c.absent:
				case !ok:
					t.Errorf("%s%v missing", c.metric, c.labels)
				case math.Abs(got-c.want) > 1e-9*math.Max(1, math.Abs(c.want)):
					t.Errorf("%s%v = %v, want %v", c.metric, c.labels, got, c.want)
				}
			})
		}
	}
}

func TestMetricsTypesAndLabels(t *testing.T) {
	e, err := New(Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	closeExporter(t, e)
	observeAll(t, e, secondA1, secondA2, secondB1)
	mfs := scrape(t, e)

	tests := []struct {
		name      string
		metric    string
		wantType  dto.MetricType
		wantExtra string // the label besides run, cell, target, scenario, load
	}{
		{name: "latency", metric: nameLatency, wantType: dto.MetricType_GAUGE, wantExtra: "quantile"},
		{name: "service time", metric: nameServiceTime, wantType: dto.MetricType_GAUGE, wantExtra: "quantile"},
		{name: "trimmed mean", metric: nameTrimmedMean, wantType: dto.MetricType_GAUGE},
		{name: "std dev", metric: nameStdDev, wantType: dto.MetricType_GAUGE},
		{name: "rate", metric: nameRate, wantType: dto.MetricType_GAUGE},
		{name: "requests", metric: nameRequests, wantType: dto.MetricType_COUNTER},
		{name: "errors", metric: nameErrors, wantType: dto.MetricType_COUNTER, wantExtra: "class"},
		{name: "warm-up", metric: nameWarmup, wantType: dto.MetricType_GAUGE},
		{name: "CPU", metric: nameCPU, wantType: dto.MetricType_GAUGE},
		{name: "RSS", metric: nameRSS, wantType: dto.MetricType_GAUGE},
	}
	if len(tests) != len(metricNames) {
		t.Errorf("the table checks %d metrics, the exporter defines %d", len(tests), len(metricNames))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mf, ok := mfs[tt.metric]
			if !ok {
				t.Fatalf("%s missing from /metrics", tt.metric)
			}
			if mf.GetType() != tt.wantType {
				t.Errorf("type %v, want %v", mf.GetType(), tt.wantType)
			}
			if strings.TrimSpace(mf.GetHelp()) == "" {
				t.Error("no help text")
			}
			names := []string{"cell", "load", "run", "scenario", "target"}
			if tt.wantExtra != "" {
				names = append(names, tt.wantExtra)
			}
			sort.Strings(names)
			wantNames := strings.Join(names, ",")
			for _, m := range mf.GetMetric() {
				if got := labelNames(labelMap(m)); got != wantNames {
					t.Errorf("series %v has labels %s, want %s", labelMap(m), got, wantNames)
				}
			}
		})
	}
	for name := range mfs {
		if !strings.HasPrefix(name, "latbench_") {
			t.Errorf("/metrics serves %s: only latbench_ series expected", name)
		}
	}
}

func TestMetricsGolden(t *testing.T) {
	e, err := New(Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	closeExporter(t, e)
	observeAll(t, e, secondA1, secondA2, secondB1, secondA3)
	if err := e.EndCell(labelsA); err != nil {
		t.Fatal(err)
	}
	// Accept only the plain text format, so the golden file stays
	// readable whatever promhttp prefers.
	status, header, body := httpGet(t, "http://"+e.Addr()+"/metrics")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	golden.Assert(t, filepath.Join("testdata", "metrics.golden"), body, *update)
}

func TestQuantileLabel(t *testing.T) {
	tests := []struct {
		name       string
		percentile float64
		want       string
	}{
		{name: "median", percentile: 50, want: "0.5"},
		{name: "p90", percentile: 90, want: "0.9"},
		{name: "p99", percentile: 99, want: "0.99"},
		{name: "p99.9 without binary rounding", percentile: 99.9, want: "0.999"},
		{name: "p99.99", percentile: 99.99, want: "0.9999"},
		{name: "p99.999", percentile: 99.999, want: "0.99999"},
		{name: "max", percentile: 100, want: "1"},
		{name: "min", percentile: 0, want: "0"},
		{name: "p1", percentile: 1, want: "0.01"},
		{name: "p0.1", percentile: 0.1, want: "0.001"},
		{name: "p75.5", percentile: 75.5, want: "0.755"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quantileLabel(tt.percentile); got != tt.want {
				t.Errorf("quantileLabel(%v) = %q, want %q", tt.percentile, got, tt.want)
			}
		})
	}
}

package metrics

import (
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// µs returns n microseconds.
func µs(n float64) time.Duration { return time.Duration(n * float64(time.Microsecond)) }

// labelsA and labelsB are two cells of one run.
var (
	labelsA = Labels{Run: "20240102T150405Z-proxy", Cell: "go-echo-r1000", Target: "go", Scenario: "echo", Load: "r1000"}
	labelsB = Labels{Run: "20240102T150405Z-proxy", Cell: "rust-echo-r1000", Target: "rust", Scenario: "echo", Load: "r1000"}
)

// interval returns a Second of cell l whose latencies are the given
// percentiles in µs (p50, p90, p99, p99.9, p99.99, max), with service
// times half those, and the other figures derived from them.
func interval(l Labels, warmup bool, completed int64, errs map[string]int64, latUs [6]float64, cpuPct float64, rss int64) Second {
	keys := [6]float64{50, 90, 99, 99.9, 99.99, 100}
	lat := make(map[float64]time.Duration, len(keys))
	svc := make(map[float64]time.Duration, len(keys))
	for i, k := range keys {
		lat[k] = µs(latUs[i])
		svc[k] = µs(latUs[i] / 2)
	}
	return Second{
		Labels:         l,
		Warmup:         warmup,
		Completed:      completed,
		ErrorsByClass:  errs,
		RatePerSec:     float64(completed),
		Latency:        lat,
		ServiceTime:    svc,
		TrimmedMean:    µs(latUs[0] * 1.1),
		StdDev:         µs(latUs[2] / 3),
		TargetCPUPct:   cpuPct,
		TargetRSSBytes: rss,
	}
}

// httpGet fetches url with a client of its own, whose connections are
// closed before it returns (goleak would see them otherwise).
func httpGet(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp.StatusCode, resp.Header, body
}

// scrape fetches and parses the exporter's /metrics page.
func scrape(t *testing.T, e *Exporter) map[string]*dto.MetricFamily {
	t.Helper()
	status, _, body := httpGet(t, "http://"+e.Addr()+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: status %d: %s", status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return mfs
}

// labelMap returns the labels of m as a map.
func labelMap(m *dto.Metric) map[string]string {
	out := make(map[string]string, len(m.GetLabel()))
	for _, lp := range m.GetLabel() {
		out[lp.GetName()] = lp.GetValue()
	}
	return out
}

// cellLabels returns the labels every series of cell l carries, plus
// extra label pairs.
func cellLabels(l Labels, extra ...string) map[string]string {
	out := map[string]string{"run": l.Run, "cell": l.Cell, "target": l.Target, "scenario": l.Scenario, "load": l.Load}
	for i := 0; i+1 < len(extra); i += 2 {
		out[extra[i]] = extra[i+1]
	}
	return out
}

// findSample returns the value of the series of family name whose labels
// are exactly want, and whether there is one.
func findSample(mfs map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
	for _, m := range mf.GetMetric() {
		got := labelMap(m)
		if !maps.Equal(got, want) {
			continue
		}
		switch {
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue(), true
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue(), true
		case m.GetUntyped() != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

// labelNames returns the sorted names of labels.
func labelNames(labels map[string]string) string {
	return strings.Join(slices.Sorted(maps.Keys(labels)), ",")
}

// closeExporter closes e at the end of the test.
func closeExporter(t *testing.T, e *Exporter) {
	t.Helper()
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

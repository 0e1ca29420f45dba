package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/latbench/latbench/cmd/internal/cmdline"
)

// A run with --prometheus-push pushes each cell's figures, second by
// second and once more at its end, to the push-gateway's group of the
// run and the cell.
func TestLiveMetricsPush(t *testing.T) {
	var mu sync.Mutex
	var paths, bodies []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		bodies = append(bodies, string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer gw.Close()
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--out", t.TempDir(), "--warmup", "500ms", "--duration", "2s",
		"--rate", "500", "--prometheus-push", gw.URL)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) < 3 {
		t.Fatalf("%d pushes, want one per second and one at the end: %v", len(paths), paths)
	}
	for _, p := range paths {
		if !strings.HasPrefix(p, "PUT /metrics/job/latbench/") || !strings.Contains(p, "/run/") || !strings.Contains(p, "/cell/go-echo-500rps-c10") {
			t.Errorf("push %q is not a PUT to the run's and cell's group", p)
		}
	}
	if last := bodies[len(bodies)-1]; !strings.Contains(last, "latbench_requests_total") {
		t.Errorf("the last push carries no request counter (%d bytes, protobuf or text)", len(last))
	}
}

// A bad push URL is bad input, reported before anything runs.
func TestLiveMetricsBadURL(t *testing.T) {
	r := latbench(t, "run", "--prometheus-push", "ftp://gateway", "--out", t.TempDir())
	if r.code != cmdline.ExitUsage || !strings.Contains(r.stderr, "live metrics") {
		t.Errorf("exit %d, stderr %q; want %d and the reason", r.code, r.stderr, cmdline.ExitUsage)
	}
}

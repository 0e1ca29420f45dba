package metrics

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// pushed is one request a fakeGateway received.
type pushed struct {
	method   string
	path     string
	user     string
	password string
	families map[string]*dto.MetricFamily
}

// fakeGateway is a push-gateway stand-in that records every request.
type fakeGateway struct {
	srv *httptest.Server

	mu   sync.Mutex // guards reqs, written by the server's goroutines
	reqs []pushed
}

// newFakeGateway starts a fakeGateway, closed when the test ends.
func newFakeGateway(t *testing.T) *fakeGateway {
	t.Helper()
	g := &fakeGateway{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := pushed{method: r.Method, path: r.URL.Path, families: map[string]*dto.MetricFamily{}}
		p.user, p.password, _ = r.BasicAuth()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.ResponseFormat(r.Header))
		for {
			mf := &dto.MetricFamily{}
			err := dec.Decode(mf)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			p.families[mf.GetName()] = mf
		}
		g.mu.Lock()
		g.reqs = append(g.reqs, p)
		g.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// requests returns the requests received so far.
func (g *fakeGateway) requests() []pushed {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]pushed(nil), g.reqs...)
}

// groupingKey parses a push path, prefix/metrics/job/J/name/value/…,
// into its label pairs.
func groupingKey(t *testing.T, prefix, path string) map[string]string {
	t.Helper()
	rest, ok := strings.CutPrefix(path, prefix+"/metrics/")
	if !ok {
		t.Fatalf("push path %q does not start with %s/metrics/", path, prefix)
	}
	parts := strings.Split(rest, "/")
	if len(parts)%2 != 0 {
		t.Fatalf("push path %q: odd number of components", path)
	}
	key := make(map[string]string)
	for i := 0; i < len(parts); i += 2 {
		key[parts[i]] = parts[i+1]
	}
	return key
}

func TestPush(t *testing.T) {
	tests := []struct {
		name         string
		pushURL      func(gatewayURL string) string
		job          string
		wantJob      string
		wantPrefix   string
		wantUser     string
		wantPassword string
	}{
		{
			name:    "default job",
			pushURL: func(u string) string { return u },
			wantJob: DefaultJob,
		},
		{
			name:    "own job, host:port without scheme",
			pushURL: func(u string) string { return strings.TrimPrefix(u, "http://") },
			job:     "study",
			wantJob: "study",
		},
		{
			name:       "route prefix and trailing slash",
			pushURL:    func(u string) string { return u + "/pushgateway/" },
			wantJob:    DefaultJob,
			wantPrefix: "/pushgateway",
		},
		{
			name:         "credentials become basic auth",
			pushURL:      func(u string) string { return strings.Replace(u, "http://", "http://bench:s3cret@", 1) },
			wantJob:      DefaultJob,
			wantUser:     "bench",
			wantPassword: "s3cret",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFakeGateway(t)
			e, err := New(Options{PushURL: tt.pushURL(g.srv.URL), Job: tt.job})
			if err != nil {
				t.Fatal(err)
			}
			closeExporter(t, e)
			observeAll(t, e, secondA1, secondA2, secondB1)
			if err := e.EndCell(labelsA); err != nil {
				t.Fatalf("EndCell: %v", err)
			}
			err = e.Observe(secondA3)
			if err == nil || !strings.Contains(err.Error(), "ended") {
				t.Errorf("Observe after EndCell: %v, want an error saying the cell has ended", err)
			}

			reqs := g.requests()
			perCell := map[string][]pushed{}
			for _, r := range reqs {
				if r.method != http.MethodPut {
					t.Errorf("push used %s, want PUT (which replaces only the cell's group)", r.method)
				}
				if r.user != tt.wantUser || r.password != tt.wantPassword {
					t.Errorf("basic auth %q:%q, want %q:%q", r.user, r.password, tt.wantUser, tt.wantPassword)
				}
				key := groupingKey(t, tt.wantPrefix, r.path)
				if key["job"] != tt.wantJob || key["run"] != labelsA.Run || len(key) != 3 {
					t.Errorf("grouping key %v, want job=%s, run=%s and cell", key, tt.wantJob, labelsA.Run)
				}
				perCell[key["cell"]] = append(perCell[key["cell"]], r)
			}
			// A: two intervals and the final push; B: one interval.
			if got := len(perCell[labelsA.Cell]); got != 3 {
				t.Errorf("cell A pushed %d times, want 3", got)
			}
			if got := len(perCell[labelsB.Cell]); got != 1 {
				t.Errorf("cell B pushed %d times, want 1", got)
			}
			for cellID, rs := range perCell {
				for _, r := range rs {
					checkPushedLabels(t, cellID, r.families)
				}
			}
			if rs := perCell[labelsA.Cell]; len(rs) > 0 {
				last := rs[len(rs)-1].families
				want := map[string]string{"target": "go", "scenario": "echo", "load": "r1000"}
				if got, ok := findSample(last, nameRequests, want); !ok || got != 1000 {
					t.Errorf("final push of cell A: requests_total %v (found %v), want 1000", got, ok)
				}
				if got, ok := findSample(last, nameWarmup, want); !ok || got != 0 {
					t.Errorf("final push of cell A: warmup %v (found %v), want 0", got, ok)
				}
			}
		})
	}
}

// checkPushedLabels checks that the pushed families of a cell carry the
// target, scenario and load labels but not run, cell or job, which the
// grouping key supplies.
func checkPushedLabels(t *testing.T, cellID string, families map[string]*dto.MetricFamily) {
	t.Helper()
	if len(families) == 0 {
		t.Errorf("cell %s: empty push", cellID)
	}
	for name, mf := range families {
		for _, m := range mf.GetMetric() {
			labels := labelMap(m)
			for _, forbidden := range []string{"run", "cell", "job"} {
				if _, ok := labels[forbidden]; ok {
					t.Errorf("cell %s: pushed %s%v carries %s", cellID, name, labels, forbidden)
				}
			}
			for _, required := range []string{"target", "scenario", "load"} {
				if _, ok := labels[required]; !ok {
					t.Errorf("cell %s: pushed %s%v lacks %s", cellID, name, labels, required)
				}
			}
		}
	}
}

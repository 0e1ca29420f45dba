package metrics

import (
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNewErrors(t *testing.T) {
	const example = "e.g. http://127.0.0.1:9091"
	tests := []struct {
		name     string
		opts     Options
		wantErrs []string // each must be in the error
		notIn    string   // must not be in the error
	}{
		{name: "ftp scheme", opts: Options{PushURL: "ftp://127.0.0.1:9091"}, wantErrs: []string{"only http and https", example}},
		{name: "no host", opts: Options{PushURL: "http://"}, wantErrs: []string{"has no host", example}},
		{name: "not a URL", opts: Options{PushURL: "http://[::1"}, wantErrs: []string{"not a URL", example}},
		{name: "query", opts: Options{PushURL: "http://127.0.0.1:9091/?job=x"}, wantErrs: []string{"query", example}},
		{name: "job in the URL", opts: Options{PushURL: "http://127.0.0.1:9091/metrics/job/latbench"}, wantErrs: []string{"names a job", example}},
		{name: "port out of range", opts: Options{PushURL: "http://127.0.0.1:99999"}, wantErrs: []string{"not 1-65535", example}},
		{name: "password not shown", opts: Options{PushURL: "ftp://u:hunter2@127.0.0.1:9091"}, wantErrs: []string{"only http and https"}, notIn: "hunter2"},
		{name: "listen address without port", opts: Options{Listen: "127.0.0.1"}, wantErrs: []string{"not HOST:PORT", "127.0.0.1:0"}},
		{name: "listen port out of range", opts: Options{Listen: "127.0.0.1:70000"}, wantErrs: []string{"listen on 127.0.0.1:70000"}},
		{name: "negative push timeout", opts: Options{PushURL: "http://127.0.0.1:9091", PushTimeout: -time.Second}, wantErrs: []string{"negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(tt.opts)
			if err == nil {
				_ = e.Close()
				t.Fatalf("New(%+v) succeeded, want an error", tt.opts)
			}
			t.Logf("error: %v", err)
			for _, want := range tt.wantErrs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if tt.notIn != "" && strings.Contains(err.Error(), tt.notIn) {
				t.Errorf("error %q shows %q", err, tt.notIn)
			}
		})
	}
}

func TestNewListenAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e, err := New(Options{Listen: ln.Addr().String()})
	if err == nil {
		_ = e.Close()
		t.Fatalf("New on %s, which is in use, succeeded", ln.Addr())
	}
	t.Logf("error: %v", err)
	for _, want := range []string{ln.Addr().String(), "already in use", "port 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestAfterClose(t *testing.T) {
	g := newFakeGateway(t)
	e, err := New(Options{PushURL: g.srv.URL, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	observeAll(t, e, secondA1)
	addr := e.Addr()
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{name: "Observe", call: func() error { return e.Observe(secondA2) }, want: ErrClosed},
		{name: "EndCell", call: func() error { return e.EndCell(labelsA) }, want: ErrClosed},
		{name: "Close again", call: e.Close, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Errorf("%s after Close: %v, want %v", tt.name, err, tt.want)
			}
		})
	}
	if got := len(g.requests()); got != 1 {
		t.Errorf("%d pushes, want 1 (none after Close)", got)
	}
	if c, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
		c.Close()
		t.Errorf("/metrics server still accepts connections on %s after Close", addr)
	}
}

func TestObserveInvalid(t *testing.T) {
	valid := secondA2
	tests := []struct {
		name    string
		edit    func(s *Second)
		wantErr string
	}{
		{name: "no run", edit: func(s *Second) { s.Run = "" }, wantErr: "must not be empty"},
		{name: "no cell", edit: func(s *Second) { s.Cell = "" }, wantErr: "must not be empty"},
		{name: "label not UTF-8", edit: func(s *Second) { s.Target = "go\xff" }, wantErr: "UTF-8"},
		{name: "negative completions", edit: func(s *Second) { s.Completed = -1 }, wantErr: "negative"},
		{name: "negative errors", edit: func(s *Second) { s.ErrorsByClass = map[string]int64{"timeout": -2} }, wantErr: "negative"},
		{name: "empty error class", edit: func(s *Second) { s.ErrorsByClass = map[string]int64{"": 1} }, wantErr: "error class"},
		{name: "NaN rate", edit: func(s *Second) { s.RatePerSec = math.NaN() }, wantErr: "rate"},
		{name: "percentile above 100", edit: func(s *Second) { s.Latency = map[float64]time.Duration{99.9: time.Millisecond, 999: time.Millisecond} }, wantErr: "not a percentile"},
		{name: "quantile instead of percentile", edit: func(s *Second) { s.ServiceTime = map[float64]time.Duration{-0.5: time.Millisecond} }, wantErr: "service time"},
		{name: "negative latency", edit: func(s *Second) { s.Latency = map[float64]time.Duration{50: -time.Millisecond} }, wantErr: "negative"},
		{name: "negative std dev", edit: func(s *Second) { s.StdDev = -1 }, wantErr: "negative"},
		{name: "infinite CPU", edit: func(s *Second) { s.TargetCPUPct = math.Inf(1) }, wantErr: "infinite"},
	}
	e, err := New(Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	closeExporter(t, e)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid
			tt.edit(&s)
			err := e.Observe(s)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Observe: %v, want an error saying %q", err, tt.wantErr)
			}
		})
	}
	if mfs := scrape(t, e); len(mfs) != 0 {
		t.Errorf("invalid intervals left series on /metrics: %v", mfs)
	}

	t.Run("labels changed", func(t *testing.T) {
		observeAll(t, e, valid)
		s := valid
		s.Target = "rust"
		if err := e.Observe(s); err == nil || !strings.Contains(err.Error(), "changed its labels") {
			t.Errorf("Observe with another target for the same cell: %v, want an error", err)
		}
	})
}

func TestPushFailure(t *testing.T) {
	// A port that was free a moment ago: nothing answers there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()

	// A gateway that never answers until the client gives up.
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer silent.Close()
	defer close(release)

	// A gateway that refuses the push.
	rejecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "pushed metrics are invalid or inconsistent with existing metrics", http.StatusBadRequest)
	}))
	defer rejecting.Close()

	tests := []struct {
		name     string
		pushURL  string
		wantErrs []string
	}{
		{name: "connection refused", pushURL: refused, wantErrs: []string{refused, "cell \"go-echo-r1000\""}},
		{name: "no answer in time", pushURL: silent.URL, wantErrs: []string{silent.URL, "no answer within 200ms"}},
		{name: "gateway rejects", pushURL: rejecting.URL, wantErrs: []string{"400", "inconsistent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Options{PushURL: tt.pushURL, Listen: "127.0.0.1:0", PushTimeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			closeExporter(t, e)
			start := time.Now()
			err = e.Observe(secondA2)
			// Only a loose bound: the point is that a push cannot hang.
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("Observe took %v", d)
			}
			if err == nil {
				t.Fatal("Observe succeeded, want the push's error")
			}
			t.Logf("error: %v", err)
			for _, want := range tt.wantErrs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			// The series are set all the same.
			if got, ok := findSample(scrape(t, e), nameRequests, cellLabels(labelsA)); !ok || got != 1000 {
				t.Errorf("after a failed push, requests_total = %v (found %v), want 1000", got, ok)
			}
		})
	}
}

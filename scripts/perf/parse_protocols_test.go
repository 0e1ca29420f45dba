package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fixture returns the text of testdata/name, the output of a real run.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseH2load(t *testing.T) {
	tests := []struct {
		name     string
		file     string // in testdata; out when ""
		out      string
		protocol string
		requests int64
		errors   int64
		rps      float64
		mean     time.Duration
		wantErr  bool
	}{
		{name: "h2c, count-based", file: "h2load-h2c-count.txt", protocol: "h2c", requests: 20000, rps: 10766.11, mean: 8890 * time.Microsecond},
		{name: "h2 over TLS, timing-based", file: "h2load-h2-duration.txt", protocol: "h2", requests: 27789, rps: 9263, mean: 10390 * time.Microsecond},
		{name: "every request 404", file: "h2load-404.txt", wantErr: true},
		{name: "plain to a TLS port", file: "h2load-refused.txt", wantErr: true},
		{name: "no requests line", out: "finished in 3.00s, 9263.00 req/s, 89.63MB/s\n", wantErr: true},
		{name: "no finished line", out: "requests: 10 total, 10 started, 10 done, 10 succeeded, 0 failed, 0 errored, 0 timeout\n", wantErr: true},
		{name: "bad count", out: "finished in 1s, 10.00 req/s, 1MB/s\nrequests: 10 total, x succeeded, 0 failed\n", wantErr: true},
		{name: "negative rate", out: "finished in 1s, -10.00 req/s, 1MB/s\nrequests: 10 succeeded, 0 failed\n", wantErr: true},
		{name: "bad mean", out: "finished in 1s, 10.00 req/s, 1MB/s\nrequests: 10 succeeded, 0 failed\ntime for request: 1us 2us 3xs 1us 50%\n", wantErr: true},
		{name: "minimal", out: "finished in 1s, 10.00 req/s, 1MB/s\nrequests: 10 succeeded, 1 failed\n", requests: 10, errors: 1, rps: 10},
		{name: "empty", out: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.out
			if tt.file != "" {
				out = fixture(t, tt.file)
			}
			got, err := parseH2load(out)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Protocol != tt.protocol || got.Requests != tt.requests || got.Errors != tt.errors || got.Mean != tt.mean {
				t.Errorf("got protocol %q, %d requests, %d errors, mean %v; want %q, %d, %d, %v",
					got.Protocol, got.Requests, got.Errors, got.Mean, tt.protocol, tt.requests, tt.errors, tt.mean)
			}
			if d := got.RPS - tt.rps; d > 0.01 || d < -0.01 {
				t.Errorf("rate %v, want %v", got.RPS, tt.rps)
			}
		})
	}
}

func TestParseGhz(t *testing.T) {
	tests := []struct {
		name     string
		file     string // in testdata; out when ""
		out      string
		requests int64
		errors   int64
		rps      float64
		mean     time.Duration
		p50, p99 time.Duration
		wantErr  bool
	}{
		{name: "count-based", file: "ghz-count.txt", requests: 30000, rps: 30000 / 4.63, mean: 1440 * time.Microsecond,
			p50: 1190 * time.Microsecond, p99: 4730 * time.Microsecond},
		{name: "duration, stop waits", file: "ghz-wait.txt", requests: 1193, rps: 1193 / 3.09, mean: 250600 * time.Microsecond,
			p50: 32590 * time.Microsecond, p99: 2640 * time.Millisecond},
		{name: "duration, stop closes: errors", file: "ghz-close-errors.txt", requests: 24893, errors: 9, rps: 24893 / 3.0, mean: 1130 * time.Microsecond,
			p50: 940 * time.Microsecond, p99: 4310 * time.Microsecond},
		{name: "connection refused", file: "ghz-refused.txt", wantErr: true},
		{name: "no total", out: "  [OK]   3 responses\n", wantErr: true},
		{name: "bad unit", out: "  Total:\t3.00 h\n  [OK]   3 responses\n", wantErr: true},
		{name: "bad percentile", out: "  Total:\t3.00 s\n  500 % in 1.00 ms\n  [OK]   3 responses\n", wantErr: true},
		{name: "negative count", out: "  Total:\t3.00 s\n  [OK]   -3 responses\n", wantErr: true},
		{name: "nanoseconds", out: "  Total:\t3.00 s\n  Average:\t9999 ns\n  [OK]   3 responses\n", requests: 3, rps: 1, mean: 9999},
		{name: "empty", out: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.out
			if tt.file != "" {
				out = fixture(t, tt.file)
			}
			got, err := parseGhz(out)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Requests != tt.requests || got.Errors != tt.errors || got.Mean != tt.mean || got.P(50) != tt.p50 || got.P(99) != tt.p99 {
				t.Errorf("got %d requests, %d errors, mean %v, p50 %v, p99 %v; want %d, %d, %v, %v, %v",
					got.Requests, got.Errors, got.Mean, got.P(50), got.P(99), tt.requests, tt.errors, tt.mean, tt.p50, tt.p99)
			}
			if d := got.RPS - tt.rps; d > 0.01 || d < -0.01 {
				t.Errorf("rate %v, want %v", got.RPS, tt.rps)
			}
		})
	}
}

func FuzzParseH2load(f *testing.F) {
	for _, name := range []string{"h2load-h2c-count.txt", "h2load-h2-duration.txt", "h2load-404.txt"} {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, out string) {
		res, err := parseH2load(out)
		if err == nil && (res.Requests <= 0 || res.Errors < 0 || res.RPS < 0) {
			t.Fatalf("accepted output without requests, or with negative counts: %+v", res)
		}
	})
}

func FuzzParseGhz(f *testing.F) {
	for _, name := range []string{"ghz-count.txt", "ghz-wait.txt", "ghz-close-errors.txt"} {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, out string) {
		res, err := parseGhz(out)
		if err == nil && (res.Requests <= 0 || res.Errors < 0 || res.RPS <= 0) {
			t.Fatalf("accepted output without OK responses or a rate: %+v", res)
		}
	})
}

func TestScenariosIn(t *testing.T) {
	tests := []struct {
		name string
		help string
		want []string
	}{
		{name: "three", help: "   --rate value   requests\n   --scenario WORKLOAD            WORKLOAD: echo, http, connect (default: \"echo\")\n",
			want: []string{"echo", "http", "connect"}},
		{name: "with h2 and grpc", help: "   --scenario WORKLOAD  WORKLOAD: echo, http, connect, h2, grpc (default: \"echo\")\n",
			want: []string{"echo", "http", "connect", "h2", "grpc"}},
		{name: "no default", help: "   --scenario WORKLOAD  WORKLOAD: echo, h2\n", want: []string{"echo", "h2"}},
		{name: "other lines mention it", help: "   --streams N  h2, grpc: how many\n   --tls  speak TLS (echo, http, connect, h2, grpc)\n", want: nil},
		{name: "empty", help: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scenariosIn(tt.help)
			if len(got) != len(tt.want) {
				t.Fatalf("scenariosIn = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("scenariosIn = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

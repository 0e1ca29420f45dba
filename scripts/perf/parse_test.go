package main

import (
	"testing"
	"time"
)

const wrkSample = `Running 10s test @ http://127.0.0.1:40000/bytes/10000
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   112.37us   45.10us   3.01ms   95.12%
    Req/Sec    84.51k     2.10k   88.70k    72.00%
  Latency Distribution
     50%  103.00us
     75%  115.00us
     90%  134.00us
     99%    1.20ms
  841234 requests in 10.00s, 7.99GB read
Requests/sec:  84123.40
Transfer/sec:    817.96MB
`

const heySample = `
Summary:
  Total:	10.0015 secs
  Slowest:	0.0123 secs
  Requests/sec:	30012.3456

Latency distribution:
  10% in 0.0002 secs
  50% in 0.0003 secs
  90% in 0.0005 secs
  99% in 0.0012 secs

Status code distribution:
  [200]	300169 responses
`

func TestParsePeers(t *testing.T) {
	tests := []struct {
		name     string
		parse    func(string) (peerResult, error)
		out      string
		requests int64
		rps      float64
		p50, p99 time.Duration
		wantErr  bool
	}{
		{name: "wrk", parse: parseWrk, out: wrkSample, requests: 841234, rps: 84123.4, p50: 103 * time.Microsecond, p99: 1200 * time.Microsecond},
		{name: "hey", parse: parseHey, out: heySample, requests: 300169, rps: 30012.3456, p50: 300 * time.Microsecond, p99: 1200 * time.Microsecond},
		{name: "wrk without --latency", parse: parseWrk, out: "  10 requests in 1.00s, 1KB read\n", wantErr: true},
		{name: "wrk bad unit", parse: parseWrk, out: "  50%  10.0xs\n  10 requests in 1s\n", wantErr: true},
		{name: "hey no 200s", parse: parseHey, out: "  50% in 0.1 secs\n  [500]\t3 responses\n", wantErr: true},
		{name: "empty", parse: parseHey, out: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse(tt.out)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := got.RPS - tt.rps; d > 0.01 || d < -0.01 {
				t.Errorf("rate %v, want %v", got.RPS, tt.rps)
			}
			if got.Requests != tt.requests || got.Percentiles[50] != tt.p50 || got.Percentiles[99] != tt.p99 {
				t.Errorf("got %d requests, p50 %v, p99 %v; want %d, %v, %v",
					got.Requests, got.Percentiles[50], got.Percentiles[99], tt.requests, tt.p50, tt.p99)
			}
		})
	}
}

func FuzzParseWrk(f *testing.F) {
	f.Add(wrkSample)
	f.Fuzz(func(t *testing.T, out string) {
		res, err := parseWrk(out)
		if err == nil && (res.Requests <= 0 || len(res.Percentiles) == 0) {
			t.Fatalf("accepted output without requests or percentiles: %+v", res)
		}
	})
}

func FuzzParseHey(f *testing.F) {
	f.Add(heySample)
	f.Fuzz(func(t *testing.T, out string) {
		res, err := parseHey(out)
		if err == nil && (res.Requests <= 0 || len(res.Percentiles) == 0) {
			t.Fatalf("accepted output without requests or percentiles: %+v", res)
		}
	})
}

const refclientSample = `{"requests": 10000, "p50_us": 61.2, "p90_us": 70.5, "p99_us": 95.0, "p999_us": 210.3, "max_us": 1500.0, "service_p50_us": 58.1}
`

func TestParseRefclient(t *testing.T) {
	tests := []struct {
		name       string
		out        string
		requests   int64
		p50, p999  time.Duration
		serviceP50 time.Duration
		rps        float64 // 0: not reported
		wantErr    bool
	}{
		{name: "sample", out: refclientSample, requests: 10000, p50: 61200 * time.Nanosecond, p999: 210300 * time.Nanosecond, serviceP50: 58100 * time.Nanosecond},
		{name: "with its rate", out: `{"requests": 10000, "p50_us": 61.2, "p90_us": 70.5, "p99_us": 95.0, "p999_us": 210.3, "max_us": 1500.0, "service_p50_us": 58.1, "rps": 999.9}`,
			requests: 10000, p50: 61200 * time.Nanosecond, p999: 210300 * time.Nanosecond, serviceP50: 58100 * time.Nanosecond, rps: 999.9},
		{name: "negative rate", out: `{"requests": 1, "p50_us": 5, "p90_us": 5, "p99_us": 5, "p999_us": 5, "max_us": 5, "service_p50_us": 4, "rps": -1}`, wantErr: true},
		{name: "all equal", out: `{"requests": 1, "p50_us": 5, "p90_us": 5, "p99_us": 5, "p999_us": 5, "max_us": 5, "service_p50_us": 4}`,
			requests: 1, p50: 5 * time.Microsecond, p999: 5 * time.Microsecond, serviceP50: 4 * time.Microsecond},
		{name: "no requests", out: `{"requests": 0, "p50_us": 0, "p90_us": 0, "p99_us": 0, "p999_us": 0, "max_us": 0, "service_p50_us": 0}`, wantErr: true},
		{name: "fractional requests", out: `{"requests": 1.5, "p50_us": 1, "p90_us": 1, "p99_us": 1, "p999_us": 1, "max_us": 1, "service_p50_us": 1}`, wantErr: true},
		{name: "missing max", out: `{"requests": 3, "p50_us": 1, "p90_us": 1, "p99_us": 1, "p999_us": 1, "service_p50_us": 1}`, wantErr: true},
		{name: "falling percentiles", out: `{"requests": 3, "p50_us": 9, "p90_us": 1, "p99_us": 1, "p999_us": 1, "max_us": 1, "service_p50_us": 1}`, wantErr: true},
		{name: "negative", out: `{"requests": 3, "p50_us": -1, "p90_us": 1, "p99_us": 1, "p999_us": 1, "max_us": 1, "service_p50_us": 1}`, wantErr: true},
		{name: "usage text", out: "usage: refclient HOST PORT RATE SECONDS WARMUP_SECONDS echo|http SIZE\n", wantErr: true},
		{name: "two objects", out: refclientSample + refclientSample, wantErr: true},
		{name: "empty", out: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRefclient(tt.out)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Requests != tt.requests || got.P(50) != tt.p50 || got.P(99.9) != tt.p999 || got.Service[50] != tt.serviceP50 || got.RPS != tt.rps {
				t.Errorf("got %d requests, p50 %v, p99.9 %v, service p50 %v, rate %v; want %d, %v, %v, %v, %v",
					got.Requests, got.P(50), got.P(99.9), got.Service[50], got.RPS, tt.requests, tt.p50, tt.p999, tt.serviceP50, tt.rps)
			}
		})
	}
}

func FuzzParseRefclient(f *testing.F) {
	f.Add(refclientSample)
	f.Add(`{"requests": 1, "p50_us": 5, "p90_us": 5, "p99_us": 5, "p999_us": 5, "max_us": 5, "service_p50_us": 4}`)
	f.Fuzz(func(t *testing.T, out string) {
		res, err := parseRefclient(out)
		if err != nil {
			return
		}
		if res.Requests <= 0 {
			t.Fatalf("accepted output without requests: %+v", res)
		}
		prev := time.Duration(0)
		for _, p := range []float64{50, 90, 99, 99.9, 100} {
			if res.P(p) < prev {
				t.Fatalf("accepted falling percentiles: %+v", res)
			}
			prev = res.P(p)
		}
	})
}

const latbenchSample = `{"cells":[{"id":"go-echo","status":"ok","requests":20000,"errors":2,"wait":"spin",
"latency_us":{"p50":60.5,"p90":70,"p99":99.9,"p999":300},"service_time_us":{"p50":55,"p99":90}}]}`

func TestParseLatbench(t *testing.T) {
	tests := []struct {
		name       string
		out        string
		requests   int64
		errors     int64
		wait       string
		p50        time.Duration
		serviceP99 time.Duration
		wantErr    bool
	}{
		{name: "one ok cell", out: latbenchSample, requests: 20000, errors: 2, wait: "spin", p50: 60500 * time.Nanosecond, serviceP99: 90 * time.Microsecond},
		{name: "failed cell", out: `{"cells":[{"status":"failed","failure":"refused"}]}`, wantErr: true},
		{name: "two cells", out: `{"cells":[{"status":"ok"},{"status":"ok"}]}`, wantErr: true},
		{name: "not JSON", out: "latbench: 1 cells", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLatbench(tt.out)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Requests != tt.requests || got.Errors != tt.errors || got.Wait != tt.wait || got.P(50) != tt.p50 || got.Service[99] != tt.serviceP99 {
				t.Errorf("got %+v; want %d requests, %d errors, wait %s, p50 %v, service p99 %v",
					got, tt.requests, tt.errors, tt.wait, tt.p50, tt.serviceP99)
			}
		})
	}
}

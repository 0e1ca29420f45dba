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
		p50, p99 time.Duration
		wantErr  bool
	}{
		{name: "wrk", parse: parseWrk, out: wrkSample, requests: 841234, p50: 103 * time.Microsecond, p99: 1200 * time.Microsecond},
		{name: "hey", parse: parseHey, out: heySample, requests: 300169, p50: 300 * time.Microsecond, p99: 1200 * time.Microsecond},
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

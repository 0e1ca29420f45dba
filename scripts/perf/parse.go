package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// peerResult is what one load-generator run reported about itself.
type peerResult struct {
	Requests int64
	Errors   int64
	// RPS is the rate the tool reports over its own measured time (wrk's
	// "N requests in 10.03s", hey's Requests/sec, latbench's achieved
	// rate); 0 when it reports none.
	RPS float64
	// WindowCPUPerRequest is latbench's own CPU per request over its
	// measured window (getrusage at the window's edges); 0 for the others.
	WindowCPUPerRequest time.Duration
	Wait                string // latbench's wait strategy ("" for the others)
	// Percentiles maps 50, 90, 99, ... to the latency the tool reported.
	Percentiles map[float64]time.Duration
	// Service maps 50 (and 99 for latbench) to the service time (send to
	// response) latbench and the reference client report.
	Service map[float64]time.Duration
	// Mean is the mean latency (latbench: from the due time), for tools
	// that report no percentiles (h2load); 0 when not read.
	Mean time.Duration
	// Protocol is the application protocol h2load negotiated (h2, h2c,
	// http/1.1); "" for the others.
	Protocol string
}

// P returns the latency percentile p (0 when not reported).
func (r peerResult) P(p float64) time.Duration { return r.Percentiles[p] }

// parseWrk reads wrk's output (run with --latency): the latency
// distribution lines ("50%  101.00us") and "N requests in 10.00s".
func parseWrk(out string) (peerResult, error) {
	res := peerResult{Percentiles: map[float64]time.Duration{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 2 && strings.HasSuffix(fields[0], "%"):
			p, err1 := strconv.ParseFloat(strings.TrimSuffix(fields[0], "%"), 64)
			d, err2 := parseWrkDuration(fields[1])
			if err1 != nil || err2 != nil {
				return res, fmt.Errorf("wrk: bad latency line %q", sc.Text())
			}
			res.Percentiles[p] = d
		case len(fields) >= 4 && fields[1] == "requests" && fields[2] == "in":
			n, err1 := strconv.ParseInt(fields[0], 10, 64)
			d, err2 := parseWrkDuration(strings.TrimSuffix(fields[3], ","))
			if err1 != nil || err2 != nil || n < 0 || d <= 0 {
				return res, fmt.Errorf("wrk: bad request count or time in %q", sc.Text())
			}
			res.Requests, res.RPS = n, float64(n)/d.Seconds()
		}
	}
	if res.Requests == 0 || len(res.Percentiles) == 0 {
		return res, fmt.Errorf("wrk: no request count or latency distribution in its output (was it run with --latency?)")
	}
	return res, nil
}

// parseWrkDuration parses wrk's "101.00us", "1.23ms", "2.00s".
func parseWrkDuration(s string) (time.Duration, error) {
	for _, unit := range []struct {
		suffix string
		scale  float64
	}{{"us", 1e3}, {"ms", 1e6}, {"s", 1e9}} {
		if num, ok := strings.CutSuffix(s, unit.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("bad duration %q", s)
			}
			return time.Duration(v * unit.scale), nil
		}
	}
	return 0, fmt.Errorf("bad duration %q", s)
}

// parseHey reads hey's text summary: "50% in 0.0003 secs" lines and
// "[200]	123 responses".
func parseHey(out string) (peerResult, error) {
	res := peerResult{Percentiles: map[float64]time.Duration{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 4 && strings.HasSuffix(fields[0], "%") && fields[1] == "in" && fields[3] == "secs":
			p, err1 := strconv.ParseFloat(strings.TrimSuffix(fields[0], "%"), 64)
			secs, err2 := strconv.ParseFloat(fields[2], 64)
			if err1 != nil || err2 != nil || secs < 0 {
				return res, fmt.Errorf("hey: bad latency line %q", sc.Text())
			}
			res.Percentiles[p] = time.Duration(secs * 1e9)
		case len(fields) == 2 && fields[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(fields[1], 64)
			if err != nil || v < 0 {
				return res, fmt.Errorf("hey: bad rate in %q", sc.Text())
			}
			res.RPS = v
		case len(fields) == 3 && fields[0] == "[200]" && fields[2] == "responses":
			n, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || n < 0 {
				return res, fmt.Errorf("hey: bad response count in %q", sc.Text())
			}
			res.Requests = n
		}
	}
	if res.Requests == 0 || len(res.Percentiles) == 0 {
		return res, fmt.Errorf("hey: no 200 responses or latency distribution in its output")
	}
	return res, nil
}

// latbenchSummary is the part of `latbench run --format json` read here.
// The "before" build (the goroutine engine) writes the same fields.
type latbenchSummary struct {
	Cells []struct {
		Status       string  `json:"status"`
		Failure      string  `json:"failure"`
		Requests     int64   `json:"requests"`
		Errors       int64   `json:"errors"`
		Wait         string  `json:"wait"`
		AchievedRPS  float64 `json:"achieved_rps"`
		ClientCPUPct float64 `json:"client_cpu_pct"`
		LatencyUs    struct {
			P50  float64 `json:"p50"`
			P90  float64 `json:"p90"`
			P99  float64 `json:"p99"`
			P999 float64 `json:"p999"`
			Mean float64 `json:"mean"`
		} `json:"latency_us"`
		ServiceUs struct {
			P50 float64 `json:"p50"`
			P99 float64 `json:"p99"`
		} `json:"service_time_us"`
	} `json:"cells"`
}

// parseLatbench reads latbench's JSON summary of one cell.
func parseLatbench(out string) (peerResult, error) {
	var s latbenchSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return peerResult{}, fmt.Errorf("latbench: %w", err)
	}
	if len(s.Cells) != 1 || s.Cells[0].Status != "ok" {
		return peerResult{}, fmt.Errorf("latbench: want one ok cell, got %+v", s.Cells)
	}
	c := s.Cells[0]
	var windowCPU time.Duration
	if c.AchievedRPS > 0 {
		windowCPU = time.Duration(c.ClientCPUPct / 100 / c.AchievedRPS * 1e9)
	}
	return peerResult{Requests: c.Requests, Errors: c.Errors, Wait: c.Wait, RPS: c.AchievedRPS, WindowCPUPerRequest: windowCPU,
		Percentiles: map[float64]time.Duration{
			50: micros(c.LatencyUs.P50), 90: micros(c.LatencyUs.P90), 99: micros(c.LatencyUs.P99), 99.9: micros(c.LatencyUs.P999),
		},
		Service: map[float64]time.Duration{50: micros(c.ServiceUs.P50), 99: micros(c.ServiceUs.P99)},
		Mean:    micros(c.LatencyUs.Mean),
	}, nil
}

// micros converts µs to a Duration.
func micros(v float64) time.Duration { return time.Duration(v * 1e3) }

// refclientKeys are the fields of refclient's JSON object, in the order
// their values must rise (requests aside).
var refclientKeys = []string{"p50_us", "p90_us", "p99_us", "p999_us", "max_us"}

// parseRefclient reads the reference client's one JSON object:
// {"requests", "p50_us", "p90_us", "p99_us", "p999_us", "max_us",
// "service_p50_us", "rps"}. Every field but rps (which older builds lack)
// must be there; the request count must be a positive whole number and
// the percentiles must not fall.
func parseRefclient(out string) (peerResult, error) {
	var m map[string]float64
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		return peerResult{}, fmt.Errorf("refclient: %w", err)
	}
	for _, k := range append([]string{"requests", "service_p50_us"}, refclientKeys...) {
		if v, ok := m[k]; !ok || v < 0 || v > 1e15 {
			return peerResult{}, fmt.Errorf("refclient: %q missing or out of range in %q", k, out)
		}
	}
	n := m["requests"]
	if n < 1 || n != math.Trunc(n) {
		return peerResult{}, fmt.Errorf("refclient: bad request count %v", n)
	}
	for i := 1; i < len(refclientKeys); i++ {
		if m[refclientKeys[i]] < m[refclientKeys[i-1]] {
			return peerResult{}, fmt.Errorf("refclient: %s below %s in %q", refclientKeys[i], refclientKeys[i-1], out)
		}
	}
	if v, ok := m["rps"]; ok && (v < 0 || v > 1e15) {
		return peerResult{}, fmt.Errorf("refclient: rps out of range in %q", out)
	}
	return peerResult{Requests: int64(n), RPS: m["rps"],
		Percentiles: map[float64]time.Duration{
			50: micros(m["p50_us"]), 90: micros(m["p90_us"]), 99: micros(m["p99_us"]), 99.9: micros(m["p999_us"]), 100: micros(m["max_us"]),
		},
		Service: map[float64]time.Duration{50: micros(m["service_p50_us"])},
	}, nil
}

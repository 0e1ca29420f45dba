package main

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// peerResult is what one load-generator run reported about itself.
type peerResult struct {
	Requests int64
	// Percentiles maps 50, 90, 99 to the latency the tool reported.
	Percentiles map[float64]time.Duration
}

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
		case len(fields) >= 3 && fields[1] == "requests" && fields[2] == "in":
			n, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil || n < 0 {
				return res, fmt.Errorf("wrk: bad request count in %q", sc.Text())
			}
			res.Requests = n
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

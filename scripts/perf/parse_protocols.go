package main

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseH2load reads h2load's summary (nghttp2 1.52): "finished in 3.00s,
// 9263.00 req/s, ...", "requests: N total, N started, N done, N
// succeeded, N failed, ...", "Application protocol: h2" and the mean of
// "time for request:". Requests are the succeeded ones, errors the
// failed ones (a non-2xx/3xx status, a stream error or a timeout); the
// rate is h2load's own, succeeded requests over its measured time.
// h2load reports no percentiles.
func parseH2load(out string) (peerResult, error) {
	res := peerResult{Percentiles: map[float64]time.Duration{}}
	var finished, counted bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		fields := strings.Fields(line)
		var err error
		switch {
		case strings.HasPrefix(line, "Application protocol:"):
			res.Protocol = strings.TrimSpace(strings.TrimPrefix(line, "Application protocol:"))
		case strings.HasPrefix(line, "finished in "):
			finished = true
			res.RPS, err = h2loadRate(fields)
		case strings.HasPrefix(line, "requests:"):
			counted = true
			res.Requests, res.Errors, err = h2loadCounts(line)
		case strings.HasPrefix(line, "time for request:") && len(fields) >= 6:
			res.Mean, err = parseWrkDuration(fields[5])
		}
		if err != nil {
			return res, fmt.Errorf("h2load: %w in %q", err, line)
		}
	}
	switch {
	case !finished || !counted:
		return res, fmt.Errorf("h2load: no \"finished in\" or \"requests:\" line in its output")
	case res.Requests == 0:
		return res, fmt.Errorf("h2load: no request succeeded (%d failed)", res.Errors)
	}
	return res, nil
}

// h2loadRate reads the req/s of "finished in 3.00s, 9263.00 req/s, 89.63MB/s".
func h2loadRate(fields []string) (float64, error) {
	if len(fields) < 5 || fields[4] != "req/s," {
		return 0, fmt.Errorf("no req/s")
	}
	v, err := strconv.ParseFloat(fields[3], 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad req/s %q", fields[3])
	}
	return v, nil
}

// h2loadCounts reads "requests: 100 total, 100 started, 100 done, 0
// succeeded, 100 failed, 0 errored, 0 timeout".
func h2loadCounts(line string) (succeeded, failed int64, err error) {
	counts := map[string]int64{}
	for _, part := range strings.Split(strings.TrimPrefix(line, "requests:"), ",") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return 0, 0, fmt.Errorf("bad count %q", part)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("bad count %q", part)
		}
		counts[f[1]] = n
	}
	s, ok1 := counts["succeeded"]
	f, ok2 := counts["failed"]
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("no succeeded or failed count")
	}
	return s, f, nil
}

// parseGhz reads ghz's summary (-O summary, the default; v0.121): "Total:
// 3.00 s", "Average: 1.13 ms", "50 % in 0.94 ms" and the status code
// distribution ("[OK]   24893 responses"). Requests are the OK
// responses, errors every other status; the rate is OK responses over
// ghz's Total (its own measured time).
func parseGhz(out string) (peerResult, error) {
	res := peerResult{Percentiles: map[float64]time.Duration{}}
	var total time.Duration
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		var err error
		switch {
		case len(fields) == 3 && fields[0] == "Total:":
			total, err = parseGhzDuration(fields[1], fields[2])
		case len(fields) == 3 && fields[0] == "Average:":
			res.Mean, err = parseGhzDuration(fields[1], fields[2])
		case len(fields) == 5 && fields[1] == "%" && fields[2] == "in":
			err = ghzPercentile(res.Percentiles, fields)
		case len(fields) == 3 && fields[2] == "responses" && strings.HasPrefix(fields[0], "[") && strings.HasSuffix(fields[0], "]"):
			err = ghzStatus(&res, fields)
		}
		if err != nil {
			return res, fmt.Errorf("ghz: %w in %q", err, sc.Text())
		}
	}
	switch {
	case total <= 0:
		return res, fmt.Errorf("ghz: no Total in its output")
	case res.Requests == 0:
		return res, fmt.Errorf("ghz: no OK response (%d other)", res.Errors)
	}
	res.RPS = float64(res.Requests) / total.Seconds()
	return res, nil
}

// ghzPercentile reads "50 % in 0.94 ms" into ps.
func ghzPercentile(ps map[float64]time.Duration, fields []string) error {
	p, err := strconv.ParseFloat(fields[0], 64)
	if err != nil || p <= 0 || p > 100 {
		return fmt.Errorf("bad percentile %q", fields[0])
	}
	d, err := parseGhzDuration(fields[3], fields[4])
	if err != nil {
		return err
	}
	ps[p] = d
	return nil
}

// ghzStatus adds a status line ("[OK]   30000 responses") to res.
func ghzStatus(res *peerResult, fields []string) error {
	n, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("bad response count %q", fields[1])
	}
	if fields[0] == "[OK]" {
		res.Requests += n
	} else {
		res.Errors += n
	}
	return nil
}

// parseGhzDuration parses ghz's "8.36 ms", "3.00 s" and "9999 ns"
// (printer.formatNanoUnit).
func parseGhzDuration(num, unit string) (time.Duration, error) {
	scale := map[string]float64{"ns": 1, "ms": 1e6, "s": 1e9}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if scale == 0 || err != nil || v < 0 {
		return 0, fmt.Errorf("bad duration %q", num+" "+unit)
	}
	return time.Duration(v * scale), nil
}

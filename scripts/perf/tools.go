package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// job is one load-generator run: a tool, its command and how to read its
// output.
type job struct {
	Tool     string // wrk, hey, latbench
	Workload string // what ran, for the tables
	argv     []string
	parse    func(stdout string) (peerResult, error)
}

// sample is what one job measured.
type sample struct {
	job
	Round    int
	Requests int64
	Wall     time.Duration // the measured duration the tool was asked for
	CPU      time.Duration // user + system time of the tool's process
	MaxRSS   int64         // bytes
	P        map[float64]time.Duration
}

// CPUPerRequest is the tool's CPU time per completed request.
func (s sample) CPUPerRequest() time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return s.CPU / time.Duration(s.Requests)
}

// RPS is completed requests per second of the measured duration.
func (s sample) RPS() float64 { return float64(s.Requests) / s.Wall.Seconds() }

// runJob runs j pinned to cpus and measures its CPU time and peak memory
// from the kernel's accounting of the process (wait4's rusage).
func runJob(ctx context.Context, j job, cpus string, wall time.Duration) (sample, error) {
	argv := append([]string{"taskset", "-c", cpus}, j.argv...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%s: %v\n%s%s", j.Tool, err, tail(stdout.String()), tail(stderr.String()))
	}
	res, err := j.parse(stdout.String())
	if err != nil {
		return sample{}, err
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
	return sample{job: j, Requests: res.Requests, Wall: wall, CPU: cpu, MaxRSS: ru.Maxrss * 1024, P: res.Percentiles}, nil
}

// tail returns the end of a tool's output for an error message.
func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// wrkJob is wrk with one thread (one core) and conns connections.
func wrkJob(url string, conns int, d time.Duration) job {
	return job{Tool: "wrk", Workload: "http", parse: parseWrk,
		argv: []string{"wrk", "-t1", "-c" + strconv.Itoa(conns), "-d" + secs(d), "--latency", url}}
}

// heyJob is hey with conns workers for d.
func heyJob(url string, conns int, d time.Duration) job {
	return job{Tool: "hey", Workload: "http", parse: parseHey,
		argv: []string{"hey", "-z", secs(d), "-c", strconv.Itoa(conns), url}}
}

// secs formats d as whole seconds for wrk and hey ("10s").
func secs(d time.Duration) string { return strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s" }

// latbenchJob is `latbench run` against a running server at addr, with no
// warm-up (the peers have none either) and its own pinning turned off:
// taskset pins it like the peers.
func latbenchJob(bin, workload, addr, outDir string, d time.Duration, extra ...string) job {
	argv := []string{bin, "run", "--target-addr", addr, "--warmup", "0s", "-d", d.String(),
		"--no-pin", "--format", "json", "--out", outDir}
	return job{Tool: "latbench", Workload: workload, parse: parseLatbench, argv: append(argv, extra...)}
}

// latbenchSummary is the part of `latbench run --format json` read here.
type latbenchSummary struct {
	Cells []struct {
		Status    string `json:"status"`
		Failure   string `json:"failure"`
		Requests  int64  `json:"requests"`
		LatencyUs struct {
			P50  float64 `json:"p50"`
			P90  float64 `json:"p90"`
			P99  float64 `json:"p99"`
			P999 float64 `json:"p999"`
		} `json:"latency_us"`
		ServiceUs struct {
			P50 float64 `json:"p50"`
			P99 float64 `json:"p99"`
		} `json:"service_time_us"`
	} `json:"cells"`
}

// parseLatbench reads latbench's JSON summary of one cell. Percentile 0.5
// holds the service-time p50 and 0.99 its p99, for the floor table.
func parseLatbench(out string) (peerResult, error) {
	var s latbenchSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return peerResult{}, fmt.Errorf("latbench: %w", err)
	}
	if len(s.Cells) != 1 || s.Cells[0].Status != "ok" {
		return peerResult{}, fmt.Errorf("latbench: want one ok cell, got %+v", s.Cells)
	}
	c := s.Cells[0]
	us := func(v float64) time.Duration { return time.Duration(v * 1e3) }
	return peerResult{Requests: c.Requests, Percentiles: map[float64]time.Duration{
		50: us(c.LatencyUs.P50), 90: us(c.LatencyUs.P90), 99: us(c.LatencyUs.P99), 99.9: us(c.LatencyUs.P999),
		0.5: us(c.ServiceUs.P50), 0.99: us(c.ServiceUs.P99),
	}}, nil
}

// scratchDir returns a folder for latbench's run folders, removed by the
// caller.
func scratchDir() (string, error) {
	return os.MkdirTemp("", "latbench-perf-")
}

// latbenchBinary returns the built latbench binary under root.
func latbenchBinary(root string) (string, error) {
	bin := filepath.Join(root, "bin", "latbench")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("%s missing: run make build", bin)
	}
	return bin, nil
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// job is one load-generator run: a tool, its command and how to read its
// output.
type job struct {
	Tool     string        // wrk, hey, latbench -c 10, reference, ...
	Workload string        // what ran, for the tables
	Wall     time.Duration // the measured duration the tool is asked for
	argv     []string
	parse    func(stdout string) (peerResult, error)
}

// sample is what one job measured.
type sample struct {
	job
	peerResult
	Round  int
	CPU    time.Duration // user + system time of the tool's process
	MaxRSS int64         // bytes
	// StealPct is the share of the machine's CPU time the hypervisor
	// took while the job ran (/proc/stat); -1 when unknown.
	StealPct float64
}

// CPUPerRequest is the tool's CPU time per completed request.
func (s sample) CPUPerRequest() time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return s.CPU / time.Duration(s.Requests)
}

// RPS is the rate the tool reports over its own measured time, else
// completed requests per second of the duration it was asked for.
func (s sample) RPS() float64 {
	if s.peerResult.RPS > 0 {
		return s.peerResult.RPS
	}
	return float64(s.Requests) / s.Wall.Seconds()
}

// runJob runs j pinned to cpus and measures its CPU time and peak memory
// from the kernel's accounting of the process (wait4's rusage).
func runJob(ctx context.Context, j job, cpus string) (sample, error) {
	argv := append([]string{"taskset", "-c", cpus}, j.argv...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	steal, err := withSteal(cmd.Run)
	if err != nil {
		return sample{}, fmt.Errorf("%s (%s): %v\n%s%s", j.Tool, j.Workload, err, tail(stdout.String()), tail(stderr.String()))
	}
	res, err := j.parse(stdout.String())
	if err != nil {
		return sample{}, fmt.Errorf("%s (%s): %w", j.Tool, j.Workload, err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
	return sample{job: j, peerResult: res, CPU: cpu, MaxRSS: ru.Maxrss * 1024, StealPct: steal}, nil
}

// tail returns the end of a tool's output for an error message.
func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// wrkJob is wrk with one thread (one core) and conns connections.
func wrkJob(workload, url string, conns int, d time.Duration) job {
	return job{Tool: "wrk", Workload: workload, Wall: d, parse: parseWrk,
		argv: []string{"wrk", "-t1", "-c" + strconv.Itoa(conns), "-d" + secs(d), "--latency", url}}
}

// heyJob is hey with conns workers for d.
func heyJob(workload, url string, conns int, d time.Duration) job {
	return job{Tool: "hey", Workload: workload, Wall: d, parse: parseHey,
		argv: []string{"hey", "-z", secs(d), "-c", strconv.Itoa(conns), url}}
}

// secs formats d as whole seconds for wrk and hey ("10s").
func secs(d time.Duration) string { return strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s" }

// refclientJob is the reference client at rate rps for d after warmup.
// scenario is echo, http or https; size the echo message or the /bytes/N
// body; caFile ("" for none) the CA an https server's certificate is
// checked against.
func refclientJob(bin, workload, addr string, rate int, d, warmup time.Duration, scenario string, size int, caFile string) (job, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return job{}, err
	}
	seconds := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }
	argv := []string{bin, host, port, strconv.Itoa(rate), seconds(d), seconds(warmup), scenario, strconv.Itoa(size)}
	if caFile != "" {
		argv = append(argv, caFile)
	}
	return job{Tool: toolReference, Workload: workload, Wall: d, parse: parseRefclient, argv: argv}, nil
}

// latbenchCmd is a latbench binary and how every run of it is pinned and
// where it writes.
type latbenchCmd struct {
	bin    string
	root   string // --root; "" lets latbench find its repository
	cpus   string // --client-cpus: the CPUs taskset pins it to as well
	outDir string // --out
}

// job is `latbench run` against a running server at addr for d after
// warmup. latbench gets the CPUs taskset pins it to as --client-cpus, so
// that it knows they are its own (--wait auto then spins in an open loop).
func (l latbenchCmd) job(tool, workload, addr string, d, warmup time.Duration, extra ...string) job {
	argv := []string{l.bin, "run", "--target-addr", addr, "--client-cpus", l.cpus,
		"-d", d.String(), "--warmup", warmup.String(), "--format", "json", "--out", l.outDir}
	if l.root != "" {
		argv = append(argv, "--root", l.root)
	}
	return job{Tool: tool, Workload: workload, Wall: d, parse: parseLatbench, argv: append(argv, extra...)}
}

// existing returns path if it exists, else an error with hint.
func existing(path, hint string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%s missing: %s", path, hint)
	}
	return path, nil
}

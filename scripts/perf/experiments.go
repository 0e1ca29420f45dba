package main

import (
	"context"
	"fmt"
	"strconv"
	"syscall"
	"time"
)

// toolReference names the reference client (refclient) in the tables.
const toolReference = "reference"

// latbenchOpenConns are the connection counts of latbench's open-loop runs
// against the reference client (which always has one).
var latbenchOpenConns = []int{1, 10}

// latbenchTool names latbench with conns connections in the tables.
func latbenchTool(conns int) string { return "latbench -c " + strconv.Itoa(conns) }

// openTools are the clients of the reference comparison, in table order.
func openTools() []string {
	tools := []string{toolReference}
	for _, c := range latbenchOpenConns {
		tools = append(tools, latbenchTool(c))
	}
	return tools
}

// openWorkload is one workload of the reference comparison.
type openWorkload struct {
	name     string // for the tables
	target   string // echo or nginx: which server
	scenario string // latbench's and refclient's: echo or http
	size     int    // echo message or /bytes/N body
}

// openWorkloads and openRates make the loads of the reference comparison.
var (
	openWorkloads = []openWorkload{
		{"Go echo server, echo 64 B", "echo", "echo", 64},
		{"nginx, http GET /bytes/10000", "nginx", "http", 10000},
	}
	openRates = []int{1000, 10000}
)

// openLoad names a workload at a rate: the Workload of its samples.
func openLoad(w openWorkload, rate int) string { return w.name + ", " + thousands(rate) + " rps" }

// addr returns the address of the server named target (echo or nginx).
func (e *env) addr(target string) string {
	if target == "nginx" {
		return e.nginx.Addr()
	}
	return e.echo.Addr()
}

// compareReference runs the reference client and latbench's open loop
// (default wait, so spin) at every workload and rate, all interleaved.
func (e *env) compareReference(ctx context.Context, r *report) error {
	if e.refclient == "" {
		return nil
	}
	var jobs []job
	for _, w := range openWorkloads {
		for _, rate := range openRates {
			js, err := e.openJobs(w, rate)
			if err != nil {
				return err
			}
			jobs = append(jobs, js...)
		}
	}
	samples, err := e.rounds(ctx, jobs)
	r.reference = samples
	return err
}

// openJobs are the runs of one workload at one rate: the reference client
// and latbench with each of latbenchOpenConns.
func (e *env) openJobs(w openWorkload, rate int) ([]job, error) {
	load, addr := openLoad(w, rate), e.addr(w.target)
	ref, err := refclientJob(e.refclient, load, addr, rate, e.cfg.duration, e.cfg.warmup, w.scenario, w.size, "")
	if err != nil {
		return nil, err
	}
	jobs := []job{ref}
	for _, c := range latbenchOpenConns {
		jobs = append(jobs, e.latbench.job(latbenchTool(c), load, addr, e.cfg.duration, e.cfg.warmup,
			"--scenario", w.scenario, "--size", strconv.Itoa(w.size), "--rate", strconv.Itoa(rate), "-c", strconv.Itoa(c)))
	}
	return jobs, nil
}

// closedConns are the connection counts of the throughput comparison; hey
// runs at heyConns only.
var closedConns = []int{10, 100}

const heyConns = 10

// closedLoad names the throughput workload with conns connections.
func closedLoad(conns int) string { return "nginx 10,000 B, " + thousands(conns) + " connections" }

// compareThroughput runs wrk, latbench's closed loop (and hey) on nginx
// serving 10,000 bytes, at each of closedConns. None has a warm-up: wrk
// has none.
func (e *env) compareThroughput(ctx context.Context, r *report) error {
	url := "http://" + e.nginx.Addr() + "/bytes/10000"
	d := e.cfg.duration
	var jobs []job
	for _, c := range closedConns {
		load := closedLoad(c)
		jobs = append(jobs, wrkJob(load, url, c, d), e.latbench.job("latbench", load, e.nginx.Addr(), d, 0,
			"--scenario", "http", "--size", "10000", "--rate", "max", "-c", strconv.Itoa(c)))
		if c == heyConns {
			jobs = append(jobs, heyJob(load, url, c, d))
		}
	}
	samples, err := e.rounds(ctx, jobs)
	r.throughput = samples
	return err
}

// memoryRun is one run of the client memory experiment.
type memoryRun struct {
	name   string
	target string // echo or nginx
	d      time.Duration
	conns  int
	args   []string
}

// memoryConns is the connection count of the open-loop memory runs.
const memoryConns = 10000

// memoryRuns are the memory runs for a --duration of d: 10,000
// connections in an open loop over d/2 and 10× longer, and 1,000
// connections in a closed loop over d/2.
func memoryRuns(d time.Duration) []memoryRun {
	short, long := d/2, 5*d
	open := []string{"--scenario", "echo", "--size", "64", "--rate", "20000", "-c", strconv.Itoa(memoryConns)}
	closed := []string{"--scenario", "http", "--size", "10000", "--rate", "max", "-c", "1000"}
	name := "open 20,000 rps, 10,000 connections, echo 64 B, "
	return []memoryRun{
		{name + short.String(), "echo", short, memoryConns, open},
		{name + long.String(), "echo", long, memoryConns, open},
		{"closed, 1,000 connections, nginx 10,000 B, " + short.String(), "nginx", short, 1000, closed},
	}
}

// memory measures latbench's peak RSS (wait4's ru_maxrss) in rounds,
// each run after the warm-up of the reference comparison (so that the
// measured time starts once all connections are up). Runs needing more file descriptors than the limit allows are skipped
// with a note.
func (e *env) memory(ctx context.Context, r *report) error {
	var jobs []job
	for _, m := range memoryRuns(e.cfg.duration) {
		if err := fdsFor(m.conns); err != nil {
			r.note("memory run %q skipped: %v", m.name, err)
			continue
		}
		jobs = append(jobs, e.latbench.job("latbench", m.name, e.addr(m.target), m.d, e.cfg.warmup, m.args...))
	}
	samples, err := e.rounds(ctx, jobs)
	r.memory = samples
	return err
}

// fdsFor checks that the file descriptor limit lets a process (latbench,
// and the Go server at the other end) hold conns connections. Go raises
// its soft limit to the hard one, so the hard limit is what counts.
func fdsFor(conns int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if need := uint64(conns) + 256; lim.Max < need {
		return fmt.Errorf("the open-files limit is %d, %d connections need about %d (raise ulimit -n)", lim.Max, conns, need)
	}
	return nil
}

// coordinatedOmission stops the Go echo server with SIGSTOP for 1 s of a
// 10 s run at 1,000 rps and records what latbench reports.
func (e *env) coordinatedOmission(ctx context.Context, r *report) error {
	const (
		runFor    = 10 * time.Second
		freezeAt  = 4 * time.Second
		freezeFor = time.Second
	)
	j := e.latbench.job("latbench", "1,000 rps, server stopped 1 s", e.echo.Addr(), runFor, 0,
		"--scenario", "echo", "--size", "64", "--rate", "1000", "-c", "10")
	pid := e.echo.Pid()
	freeze := time.AfterFunc(freezeAt, func() {
		syscall.Kill(pid, syscall.SIGSTOP)
		time.Sleep(freezeFor)
		syscall.Kill(pid, syscall.SIGCONT)
	})
	s, err := runJob(ctx, j, e.cfg.clientCPUs)
	freeze.Stop()
	syscall.Kill(pid, syscall.SIGCONT) // never leave the server stopped
	r.co = s
	return err
}

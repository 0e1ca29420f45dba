package main

import (
	"context"
	"strconv"
	"syscall"
	"time"
)

// comparePeers runs wrk, hey and latbench's closed loop on nginx, and
// latbench's echo client on the Go echo server, in rounds.
func (e *env) comparePeers(ctx context.Context, r *report) error {
	url := "http://" + e.nginx.Addr() + "/bytes/10000"
	conns := strconv.Itoa(e.cfg.conns)
	jobs := []job{
		wrkJob(url, e.cfg.conns, e.cfg.duration),
		heyJob(url, e.cfg.conns, e.cfg.duration),
		latbenchJob(e.bin, "http", e.nginx.Addr(), e.scratch, e.cfg.duration,
			"--scenario", "http", "--size", "10000", "--rate", "max", "-c", conns),
		latbenchJob(e.bin, "echo 64 B", e.echo.Addr(), e.scratch, e.cfg.duration,
			"--scenario", "echo", "--size", "64", "--rate", "max", "-c", conns),
	}
	samples, err := e.rounds(ctx, jobs)
	r.peers = samples
	return err
}

// floorLoads are the loads of the low-rate floor experiment, by workload
// name.
func floorLoads() []struct{ name, rate, conns, timer string } {
	return []struct{ name, rate, conns, timer string }{
		{"closed, 1 connection", "max", "1", "hybrid"},
		{"open 1,000 rps", "1000", "10", "hybrid"},
		{"open 10,000 rps", "10000", "10", "hybrid"},
		{"open 1,000 rps, sleep-only timer", "1000", "10", "sleep"},
		{"open 10,000 rps, sleep-only timer", "10000", "10", "sleep"},
	}
}

// lowRateFloor measures latbench's open loop at 1k and 10k rps against its
// closed loop with one connection, on the Go echo server.
func (e *env) lowRateFloor(ctx context.Context, r *report) error {
	var jobs []job
	for _, l := range floorLoads() {
		jobs = append(jobs, latbenchJob(e.bin, l.name, e.echo.Addr(), e.scratch, e.cfg.duration,
			"--scenario", "echo", "--size", "64", "--rate", l.rate, "-c", l.conns, "--timer", l.timer))
	}
	samples, err := e.rounds(ctx, jobs)
	r.floor = samples
	return err
}

// memory measures latbench's peak RSS over a short and a 10× longer run
// at a fixed rate, and with 1,000 connections.
func (e *env) memory(ctx context.Context, r *report) error {
	short := e.cfg.duration / 2
	runs := []struct {
		name string
		d    time.Duration
		args []string
	}{
		{"open 5,000 rps, " + short.String(), short, []string{"--rate", "5000", "-c", "10"}},
		{"open 5,000 rps, " + (10 * short).String(), 10 * short, []string{"--rate", "5000", "-c", "10"}},
		{"closed, 1,000 connections, " + short.String(), short, []string{"--rate", "max", "-c", "1000"}},
	}
	for _, m := range runs {
		j := latbenchJob(e.bin, m.name, e.nginx.Addr(), e.scratch, m.d, append([]string{"--scenario", "http", "--size", "10000"}, m.args...)...)
		s, err := runJob(ctx, j, e.cfg.clientCPUs, m.d)
		if err != nil {
			return err
		}
		r.memory = append(r.memory, s)
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
	j := latbenchJob(e.bin, "1,000 rps, server stopped 1 s", e.echo.Addr(), e.scratch, runFor,
		"--scenario", "echo", "--size", "64", "--rate", "1000", "-c", "10")
	pid := e.echo.Pid()
	freeze := time.AfterFunc(freezeAt, func() {
		syscall.Kill(pid, syscall.SIGSTOP)
		time.Sleep(freezeFor)
		syscall.Kill(pid, syscall.SIGCONT)
	})
	s, err := runJob(ctx, j, e.cfg.clientCPUs, runFor)
	freeze.Stop()
	syscall.Kill(pid, syscall.SIGCONT) // never leave the server stopped
	r.co = s
	return err
}

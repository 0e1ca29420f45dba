// Command perf measures latbench against the load generators its users
// know, side by side on this machine, and checks its accuracy claims:
//
//   - CPU per request and closed-loop throughput against wrk and hey,
//     all pinned to the same client CPU, on nginx serving 10,000 bytes
//     with keep-alive and the same number of connections;
//   - latbench's closed-loop percentiles against wrk's;
//   - the low-rate floor: open-loop p50 at 1k and 10k rps against the
//     closed-loop one-connection p50, on the Go echo server;
//   - client memory over a 10× longer run and at 1,000 connections;
//   - coordinated omission: the Go echo server stopped (SIGSTOP) for 1 s
//     of a 10 s run at 1,000 rps.
//
// Every comparison runs in rounds, with the tools in a shuffled order each
// round, and reports medians. It writes a Markdown report (docs/perf.md).
// Run it with `make perf`, which installs the peers first.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/latbench/latbench/servers"
)

// config holds the flags.
type config struct {
	root       string
	rounds     int
	duration   time.Duration
	conns      int
	clientCPUs string
	targetCPUs string
	out        string
	seed       uint64
}

func main() {
	os.Exit(realMain())
}

func realMain() int {
	cfg, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	report, err := measureAll(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		return 1
	}
	if err := os.WriteFile(cfg.out, []byte(report), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		return 1
	}
	fmt.Print(report)
	fmt.Fprintf(os.Stderr, "perf: report written to %s\n", cfg.out)
	return 0
}

// parseFlags reads the command line.
func parseFlags() (config, error) {
	var cfg config
	flag.StringVar(&cfg.root, "root", ".", "latbench repository root")
	flag.IntVar(&cfg.rounds, "rounds", 3, "rounds of every comparison (medians are reported)")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "measured time of each run")
	flag.IntVar(&cfg.conns, "connections", 10, "connections of the throughput runs")
	flag.StringVar(&cfg.clientCPUs, "client-cpus", "0", "CPUs of the load generators")
	flag.StringVar(&cfg.targetCPUs, "target-cpus", "1", "CPUs of the servers")
	flag.StringVar(&cfg.out, "out", "docs/perf.md", "Markdown report to write")
	flag.Uint64Var(&cfg.seed, "seed", uint64(time.Now().UnixNano()), "seed of the shuffled tool order")
	flag.Parse()
	switch {
	case flag.NArg() > 0:
		return cfg, fmt.Errorf("unexpected argument %q", flag.Arg(0))
	case cfg.rounds < 1:
		return cfg, fmt.Errorf("--rounds must be at least 1")
	case cfg.duration < time.Second:
		return cfg, fmt.Errorf("--duration must be at least 1s (wrk and hey count whole seconds)")
	}
	root, err := filepath.Abs(cfg.root)
	cfg.root = root
	return cfg, err
}

// env is what every experiment uses: the servers and where to write.
type env struct {
	cfg      config
	bin      string // latbench
	scratch  string // latbench run folders
	nginx    *servers.Process
	echo     *servers.Process
	shuffler *rand.Rand
}

// measureAll starts the servers, runs every experiment and renders the
// report. The servers are stopped whatever happens.
func measureAll(ctx context.Context, cfg config) (string, error) {
	e := &env{cfg: cfg, shuffler: rand.New(rand.NewPCG(cfg.seed, 1))}
	var err error
	if e.bin, err = latbenchBinary(cfg.root); err != nil {
		return "", err
	}
	if e.scratch, err = scratchDir(); err != nil {
		return "", err
	}
	defer os.RemoveAll(e.scratch)
	if e.nginx, err = e.launch(ctx, "nginx", servers.ModeHTTP); err != nil {
		return "", err
	}
	defer e.nginx.Stop(0)
	if e.echo, err = e.launch(ctx, "go", servers.ModeEcho); err != nil {
		return "", err
	}
	defer e.echo.Stop(0)
	r := &report{cfg: cfg, started: time.Now()}
	for _, exp := range []struct {
		name string
		run  func(context.Context, *report) error
	}{
		{"peers", e.comparePeers},
		{"floor", e.lowRateFloor},
		{"memory", e.memory},
		{"coordinated omission", e.coordinatedOmission},
	} {
		fmt.Fprintf(os.Stderr, "perf: %s\n", exp.name)
		if err := exp.run(ctx, r); err != nil {
			return "", fmt.Errorf("%s: %w", exp.name, err)
		}
	}
	return r.render(), nil
}

// launch starts a manifest target pinned to the target CPUs.
func (e *env) launch(ctx context.Context, name, mode string) (*servers.Process, error) {
	m, err := servers.LoadManifest(servers.DefaultManifestPath(e.cfg.root))
	if err != nil {
		return nil, err
	}
	t, err := m.Lookup(name)
	if err != nil {
		return nil, err
	}
	return servers.Launch(ctx, servers.LaunchSpec{Target: t, Mode: mode, Root: e.cfg.root, CPUs: e.cfg.targetCPUs})
}

// run runs one job on the client CPUs and logs it.
func (e *env) run(ctx context.Context, j job, round int) (sample, error) {
	s, err := runJob(ctx, j, e.cfg.clientCPUs, e.cfg.duration)
	if err != nil {
		return s, err
	}
	s.Round = round
	fmt.Fprintf(os.Stderr, "  round %d %-8s %-22s %9.0f rps  %6.2f µs CPU/request  p50 %v\n",
		round, s.Tool, s.Workload, s.RPS(), float64(s.CPUPerRequest())/1e3, s.P[50])
	return s, nil
}

// rounds runs jobs cfg.rounds times, in a shuffled order each round.
func (e *env) rounds(ctx context.Context, jobs []job) ([]sample, error) {
	var out []sample
	for round := 1; round <= e.cfg.rounds; round++ {
		order := e.shuffler.Perm(len(jobs))
		for _, i := range order {
			s, err := e.run(ctx, jobs[i], round)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
}

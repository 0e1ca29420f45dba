// Command perf measures latbench on this machine and checks its claims
// (issue 10, "How it is measured"):
//
//   - open-loop latency against a reference client (refclient, a
//     spin-paced one-connection C client with exact percentiles), on the
//     Go echo server (64 B) and nginx (10,000 B) at 1,000 and 10,000 rps;
//   - CPU per request and closed-loop throughput against wrk (and hey at
//     10 connections), on nginx serving 10,000 bytes, at 10 and 100
//     connections;
//   - echo closed-loop requests/s on one client CPU, before (the old
//     goroutine engine, built from --before) against after;
//   - client memory at 10,000 connections over a short and a 10× longer
//     run, and at 1,000 connections;
//   - coordinated omission: the Go echo server stopped (SIGSTOP) for 1 s
//     of a 10 s run at 1,000 rps;
//   - the protocols (protocols.go): HTTPS against wrk, h2c and h2 against
//     h2load (nginx), gRPC unary against ghz (the Go reference server), and
//     open-loop latency over TLS against the reference client's https mode.
//
// --only runs some of them (e.g. --only protocols while working on the
// protocols); its report has only their sections and is written only to
// an --out given with it.
//
// Every comparison runs in rounds, with the tools in a shuffled order each
// round, and reports medians with [min–max]. It writes a Markdown report
// (docs/perf.md). Run it with `make perf`, which installs the peers and
// builds latbench, the Go server and refclient first.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/latbench/latbench/servers"
)

// config holds the flags.
type config struct {
	root       string
	rounds     int
	duration   time.Duration
	warmup     time.Duration
	clientCPUs string
	targetCPUs string
	before     string
	out        string
	seed       uint64
	only       map[string]bool // experiment IDs to run; nil: all
}

// runs says whether the experiment id is to run (--only).
func (c config) runs(id string) bool { return c.only == nil || c.only[id] }

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
	if cfg.out != "" && cfg.only == nil {
		report += keptSoak(cfg.out)
	}
	fmt.Print(report)
	if cfg.out == "" {
		fmt.Fprintln(os.Stderr, "perf: --only without --out: the report is on stdout only ("+defaultOut+" is left as it was)")
		return 0
	}
	if err := os.WriteFile(cfg.out, []byte(report), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "perf: report written to %s\n", cfg.out)
	return 0
}

// keptSoak returns the soak section of the report at path (written by
// scripts/soak.sh, which make perf does not run), so that rewriting the
// report keeps it; "" when there is none.
func keptSoak(path string) string {
	old, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	_, section, found := strings.Cut(string(old), "<!-- soak:begin -->")
	if !found {
		return ""
	}
	section, _, found = strings.Cut(section, "<!-- soak:end -->")
	if !found {
		return ""
	}
	return "\n<!-- soak:begin -->" + section + "<!-- soak:end -->\n"
}

// defaultOut is the report make perf writes.
const defaultOut = "docs/perf.md"

// parseFlags reads the command line.
func parseFlags() (config, error) {
	var cfg config
	var only string
	flag.StringVar(&cfg.root, "root", ".", "latbench repository root")
	flag.IntVar(&cfg.rounds, "rounds", 3, "rounds of every comparison (medians are reported)")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "measured time of each run (the memory runs take 1/2 and 5×)")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "warm-up of the open-loop runs against the reference client")
	flag.StringVar(&cfg.clientCPUs, "client-cpus", "0", "CPUs of the load generators")
	flag.StringVar(&cfg.targetCPUs, "target-cpus", "1", "CPUs of the servers")
	flag.StringVar(&cfg.before, "before", "91f1895", "git revision of latbench's \"before\" build (\"\": skip before/after)")
	flag.StringVar(&cfg.out, "out", defaultOut, "Markdown report to write (with --only: none unless given)")
	flag.Uint64Var(&cfg.seed, "seed", uint64(time.Now().UnixNano()), "seed of the shuffled tool order")
	flag.StringVar(&only, "only", "", "run only these experiments, comma-separated: "+strings.Join(experimentIDs(), ", ")+
		", or "+protocolsGroup+" (the last four)")
	flag.Parse()
	outGiven := false
	flag.Visit(func(f *flag.Flag) { outGiven = outGiven || f.Name == "out" })
	var err error
	if cfg.only, err = parseOnly(only); err != nil {
		return cfg, err
	}
	if cfg.only != nil && !outGiven {
		cfg.out = ""
	}
	switch {
	case flag.NArg() > 0:
		return cfg, fmt.Errorf("unexpected argument %q", flag.Arg(0))
	case cfg.rounds < 1:
		return cfg, fmt.Errorf("--rounds must be at least 1")
	case cfg.duration < time.Second:
		return cfg, fmt.Errorf("--duration must be at least 1s (wrk and hey count whole seconds)")
	case cfg.warmup < 0:
		return cfg, fmt.Errorf("--warmup must not be negative")
	}
	root, err := filepath.Abs(cfg.root)
	cfg.root = root
	return cfg, err
}

// The IDs of the experiments, in the order they run.
const (
	expReference  = "reference"
	expThroughput = "throughput"
	expBefore     = "before"
	expMemory     = "memory"
	expCO         = "co"
	expTLS        = "tls"
	expH2         = "h2"
	expGRPC       = "grpc"
	expTLSRef     = "tls-reference"
	// protocolsGroup names the four protocol experiments in --only.
	protocolsGroup = "protocols"
)

// experimentIDs returns the IDs --only takes, in the order they run.
func experimentIDs() []string {
	return []string{expReference, expThroughput, expBefore, expMemory, expCO, expTLS, expH2, expGRPC, expTLSRef}
}

// parseOnly reads --only: nil (all) for "", else the set of the IDs it
// names, protocols standing for the four protocol experiments.
func parseOnly(s string) (map[string]bool, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	only := map[string]bool{}
	for _, id := range strings.Split(s, ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == protocolsGroup:
			for _, p := range []string{expTLS, expH2, expGRPC, expTLSRef} {
				only[p] = true
			}
		case slices.Contains(experimentIDs(), id):
			only[id] = true
		default:
			return nil, fmt.Errorf("--only: unknown experiment %q; valid: %s, %s", id, strings.Join(experimentIDs(), ", "), protocolsGroup)
		}
	}
	return only, nil
}

// env is what every experiment uses: the servers, the clients and where
// to write.
type env struct {
	cfg       config
	latbench  latbenchCmd // bin/latbench: "after"
	before    latbenchCmd // built from cfg.before; bin "" when it is not
	refclient string      // bin/refclient; "" when it is missing
	nginx     *servers.Process
	echo      *servers.Process
	shuffler  *rand.Rand
	scratch   string      // temporary folder, removed at the end
	proto     protocolEnv // what the protocol experiments use
}

// experiment is one experiment of the report.
type experiment struct {
	id   string // for --only
	name string // for the log
	// shared says it uses the nginx and Go echo server every older
	// experiment shares; the protocol experiments start their own.
	shared bool
	run    func(context.Context, *report) error
}

// experiments returns every experiment, in the order they run.
func (e *env) experiments() []experiment {
	return []experiment{
		{expReference, "reference client", true, e.compareReference},
		{expThroughput, "throughput against wrk", true, e.compareThroughput},
		{expBefore, "before/after", true, e.compareBefore},
		{expMemory, "memory", true, e.memory},
		{expCO, "coordinated omission", true, e.coordinatedOmission},
		{expTLS, "HTTPS against wrk", false, e.compareTLS},
		{expH2, "h2c and h2 against h2load", false, e.compareH2},
		{expGRPC, "gRPC unary against ghz", false, e.compareGRPC},
		{expTLSRef, "TLS against the reference client", false, e.compareTLSReference},
	}
}

// measureAll builds the "before" latbench, starts the servers, runs every
// experiment and renders the report. The servers are stopped and the
// temporary folders removed whatever happens.
func measureAll(ctx context.Context, cfg config) (string, error) {
	e := &env{cfg: cfg, shuffler: rand.New(rand.NewPCG(cfg.seed, 1))}
	r := newReport(cfg)
	cleanup, err := e.prepareClients(ctx, r)
	defer cleanup()
	if err != nil {
		return "", err
	}
	var exps []experiment
	shared := false
	for _, exp := range e.experiments() {
		if cfg.runs(exp.id) {
			exps = append(exps, exp)
			shared = shared || exp.shared
		}
	}
	if shared {
		stop, err := e.launchShared(ctx)
		defer stop()
		if err != nil {
			return "", err
		}
	}
	for _, exp := range exps {
		fmt.Fprintf(os.Stderr, "perf: %s\n", exp.name)
		if err := exp.run(ctx, r); err != nil {
			return "", fmt.Errorf("%s: %w", exp.name, err)
		}
	}
	return r.render(), nil
}

// launchShared starts the nginx and the Go echo server the older
// experiments share; stop stops what was started.
func (e *env) launchShared(ctx context.Context) (stop func(), err error) {
	stop = func() {}
	if e.nginx, err = e.launch(ctx, "nginx", servers.StartSpec{Mode: servers.ModeHTTP}); err != nil {
		return stop, err
	}
	if e.echo, err = e.launch(ctx, "go", servers.StartSpec{Mode: servers.ModeEcho}); err != nil {
		e.nginx.Stop(0)
		return stop, err
	}
	return func() { e.echo.Stop(0); e.nginx.Stop(0) }, nil
}

// prepareClients finds latbench and refclient and builds the "before"
// latbench. What cannot be had is noted in the report and its experiment
// skipped; only a missing bin/latbench is an error. cleanup removes the
// temporary folders.
func (e *env) prepareClients(ctx context.Context, r *report) (cleanup func(), err error) {
	scratch, err := os.MkdirTemp("", "latbench-perf-")
	if err != nil {
		return func() {}, err
	}
	cleanup = func() { os.RemoveAll(scratch) }
	e.scratch = scratch
	bin, err := existing(filepath.Join(e.cfg.root, "bin", "latbench"), "run make build")
	if err != nil {
		return cleanup, err
	}
	e.latbench = latbenchCmd{bin: bin, cpus: e.cfg.clientCPUs, outDir: scratch}
	if e.refclient, err = existing(filepath.Join(e.cfg.root, "bin", "refclient"),
		"scripts/perf.sh builds it with the system C compiler (cc); is there one?"); err != nil && e.cfg.runs(expReference) {
		r.note("reference client comparison skipped: %v", err)
	}
	e.before = latbenchCmd{cpus: e.cfg.clientCPUs, outDir: scratch}
	if err := e.findProtocolTools(ctx, r); err != nil {
		return cleanup, err
	}
	if !e.cfg.runs(expBefore) {
		return cleanup, nil
	}
	if e.cfg.before == "" {
		r.note("before/after comparison skipped: --before is empty")
		return cleanup, nil
	}
	fmt.Fprintf(os.Stderr, "perf: building latbench %s\n", e.cfg.before)
	if e.before.bin, e.before.root, err = buildBefore(ctx, e.cfg.root, e.cfg.before, scratch); err != nil {
		r.note("before/after comparison skipped: building latbench %s failed: %v", e.cfg.before, err)
	}
	return cleanup, nil
}

// launch starts the manifest target name as spec says (its Mode, TLS,
// Listener, ALPN), pinned to the target CPUs.
func (e *env) launch(ctx context.Context, name string, spec servers.StartSpec) (*servers.Process, error) {
	m, err := servers.LoadManifest(servers.DefaultManifestPath(e.cfg.root))
	if err != nil {
		return nil, err
	}
	t, err := m.Lookup(name)
	if err != nil {
		return nil, err
	}
	spec.Target, spec.Root, spec.CPUs = t, e.cfg.root, e.cfg.targetCPUs
	return servers.Start(ctx, spec)
}

// run runs one job on the client CPUs and logs it.
func (e *env) run(ctx context.Context, j job, round int) (sample, error) {
	s, err := runJob(ctx, j, e.cfg.clientCPUs)
	if err != nil {
		return s, err
	}
	s.Round = round
	fmt.Fprintf(os.Stderr, "  round %d %-16s %-40s %9.0f rps %7.2f µs CPU/request  p50 %-9v %5.1f MiB",
		round, s.Tool, s.Workload, s.RPS(), float64(s.CPUPerRequest())/1e3, s.P(50), float64(s.MaxRSS)/(1<<20))
	if s.StealPct >= 0 {
		fmt.Fprintf(os.Stderr, "  steal %.0f%%", s.StealPct)
	}
	if s.Errors > 0 {
		fmt.Fprintf(os.Stderr, "  %d errors", s.Errors)
	}
	fmt.Fprintln(os.Stderr)
	return s, nil
}

// rounds runs jobs cfg.rounds times, in a shuffled order each round.
func (e *env) rounds(ctx context.Context, jobs []job) ([]sample, error) {
	var out []sample
	for round := 1; round <= e.cfg.rounds; round++ {
		for _, i := range e.shuffler.Perm(len(jobs)) {
			s, err := e.run(ctx, jobs[i], round)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
}

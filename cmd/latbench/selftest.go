package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios/catalog"
)

// selftestCommand is `latbench selftest`: checks of latbench itself on
// this machine.
func selftestCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "selftest",
		Usage: "check how well latbench measures on this machine",
		Subcommands: []*cli.Command{
			noiseCheckCommand(stdout, stderr),
		},
	}
}

// noiseCheckCommand is `latbench selftest noise`.
func noiseCheckCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "noise",
		Usage: "measure how much of the host's noise the sequential and the paired method let through",
		Description: "Measures two differences again and again, each by both methods: an A/A test (the same\n" +
			"target on both sides, whose true difference is 0) and a proxy against its backend.\n" +
			"Sequential: the two sides in cells of their own, one after the other, in a new shuffled\n" +
			"order each repeat (today's rounds). Paired: both at once, on one schedule (--paired).\n" +
			"It prints how far each method's estimate moved between repeats (max − min). With\n" +
			"--freeze, a helper pinned to every CPU freezes it in random bursts of 1–8 ms (SCHED_FIFO,\n" +
			"needs root), as a host that deschedules a vCPU does.\n\n" +
			"Example: latbench selftest noise --repeats 5 --freeze both",
		Flags:        categorized(append(noiseCheckFlags(), executionFlags()...)),
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return runNoiseCheck(c, stdout, stderr)
		},
	}
}

// noiseCheckFlags are the flags of `latbench selftest noise`.
func noiseCheckFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "repeats", Value: 5, Usage: "measure each difference `N` times by each method"},
		&cli.StringFlag{Name: "proxy", Usage: "the proxy `NAME` of the proxy − backend comparison (default: haproxy where it runs, else go)"},
		&cli.StringFlag{Name: "backend", Usage: "its backend `NAME` (default: nginx where it runs, else go)"},
		&cli.StringFlag{Name: "aa", Usage: "the target `NAME` of the A/A comparison (default: the backend)"},
		&cli.Float64Flag{Name: "rate", Value: 2000, Usage: "requests per second of each side"},
		&cli.IntFlag{Name: "connections", Aliases: []string{"c"}, Value: 10, Usage: "connections of each side"},
		&cli.IntFlag{Name: "size", Value: 10000, Usage: "`BYTES` of each answer (GET /bytes/N)"},
		&cli.DurationFlag{Name: "duration", Aliases: []string{"d"}, Value: 5 * time.Second, Usage: "measured time of each cell"},
		&cli.DurationFlag{Name: "warmup", Value: time.Second, Usage: "load before measuring each cell"},
		&cli.StringFlag{Name: "freeze", Value: "off", Usage: "inject CPU freezes: off, on, or both (each repeat set first quiet, then frozen)"},
		&cli.Float64Flag{Name: "freeze-share", Value: 0.1, Usage: "with --freeze, the `SHARE` of each CPU's time frozen (0 to 0.5)"},
	}
}

// noiseCheck is one resolved noise check.
type noiseCheck struct {
	aa, proxy, backend string
	conditions         []string
	share              float64
	roles              map[string]results.CheckRole
}

// runNoiseCheck resolves the check, runs it in each condition and prints
// the spreads.
func runNoiseCheck(c *cli.Context, stdout, stderr io.Writer) error {
	nc, err := resolveNoiseCheck(c)
	if err != nil {
		return err
	}
	var ests []results.CheckEstimate
	var dirs []string
	for _, cond := range nc.conditions {
		plan, err := nc.plan(c, cond)
		if err != nil {
			return err
		}
		run, dir, err := nc.measure(c, plan, cond, stderr)
		if run != nil {
			ests = append(ests, results.CheckEstimates(run.Cells, nc.roles)...)
			dirs = append(dirs, dir)
		}
		if err != nil {
			fmt.Fprintf(stderr, "latbench: %s: %v\n", cond, err)
			if run == nil || ctxDone(c) {
				return err
			}
		}
	}
	if len(ests) == 0 {
		return fmt.Errorf("no estimates: every cell failed (see the results in %s)", strings.Join(dirs, ", "))
	}
	var b bytes.Buffer
	t := results.NoiseCheckTable(ests)
	if err := t.WriteText(&b); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nResults: %s\n", strings.Join(dirs, ", "))
	_, err = stdout.Write(b.Bytes())
	return err
}

// ctxDone reports whether the command was interrupted.
func ctxDone(c *cli.Context) bool { return c.Context.Err() != nil }

// resolveNoiseCheck reads and checks the flags.
func resolveNoiseCheck(c *cli.Context) (*noiseCheck, error) {
	nc := &noiseCheck{share: c.Float64("freeze-share"), roles: map[string]results.CheckRole{}}
	switch c.String("freeze") {
	case "off":
		nc.conditions = []string{"quiet"}
	case "on":
		nc.conditions = []string{"frozen"}
	case "both":
		nc.conditions = []string{"quiet", "frozen"}
	default:
		return nil, cmdline.Usagef("--freeze %q: use off, on or both", c.String("freeze"))
	}
	switch {
	case c.Int("repeats") < 2:
		return nil, cmdline.Usagef("--repeats %d: a spread needs at least 2", c.Int("repeats"))
	case c.Int(flagRounds) > 1:
		return nil, cmdline.Usagef("--rounds does not apply here: use --repeats")
	case nc.share <= 0 || nc.share > 0.5:
		return nil, cmdline.Usagef("--freeze-share %g: give a share from 0 to 0.5", nc.share)
	case c.String(flagTargetAddr) != "":
		return nil, cmdline.Usagef("--target-addr does not apply here: the check starts its own targets")
	}
	root, m, err := rootAndManifest(c)
	if err != nil {
		return nil, err
	}
	runs := func(name string) bool {
		t, err := m.Lookup(name)
		return err == nil && t.Check(root).Runnable
	}
	nc.backend = pick(c.String("backend"), runs, "nginx", "go")
	nc.proxy = pick(c.String("proxy"), runs, "haproxy", "go")
	nc.aa = pick(c.String("aa"), runs, nc.backend)
	for _, name := range []string{nc.backend, nc.proxy, nc.aa} {
		if _, err := m.Lookup(name); err != nil {
			return nil, &cmdline.UsageError{Err: err}
		}
	}
	return nc, nil
}

// pick returns given, or else the first candidate that runs here, or
// else the last candidate.
func pick(given string, runs func(string) bool, candidates ...string) string {
	if given != "" {
		return given
	}
	for _, c := range candidates {
		if runs(c) {
			return c
		}
	}
	return candidates[len(candidates)-1]
}

// plan returns the cells of one condition: per comparison, its two
// sequential cells and its paired cell, repeated in a new shuffled order
// each repeat.
func (nc *noiseCheck) plan(c *cli.Context, cond string) (*bench.Plan, error) {
	load := bench.LoadSpec{Rate: c.Float64("rate"), Connections: c.Int("connections"), Warmup: c.Duration("warmup"),
		Duration: c.Duration("duration"), Arrival: "uniform", Wait: bench.WaitAuto, Timeout: engine.DefaultTimeout}
	if err := checkLoad(load); err != nil {
		return nil, err
	}
	if load.Rate <= 0 {
		return nil, cmdline.Usagef("--rate %g: the check needs an open-loop rate", load.Rate)
	}
	http := catalog.Spec{Name: "http", Size: c.Int("size")}
	if _, err := catalog.New(http); err != nil {
		return nil, &cmdline.UsageError{Err: err}
	}
	aaName := "A/A " + nc.aa
	proxyName := nc.proxy + " − " + nc.backend
	cells := []bench.CellSpec{
		{Target: nc.aa, Scenario: http, Load: load},
		{Target: nc.aa, Scenario: http, Load: load},
		{Target: nc.aa, Scenario: http, Load: load, Paired: nc.aa},
		{Target: nc.backend, Scenario: http, Load: load, Baseline: true},
		{Target: nc.proxy, Scenario: http, Load: load, Proxy: true, Backend: nc.backend},
		{Target: nc.proxy, Scenario: http, Load: load, Proxy: true, Backend: nc.backend, Paired: bench.PairedBackend},
	}
	roles := []results.CheckRole{
		{Comparison: aaName, Arm: "A"}, {Comparison: aaName, Arm: "B"}, {Comparison: aaName},
		{Comparison: proxyName, Arm: "A"}, {Comparison: proxyName, Arm: "B"}, {Comparison: proxyName},
	}
	seed := c.Uint64(flagSeed)
	if !c.IsSet(flagSeed) {
		seed = uint64(time.Now().UnixNano())
	}
	rng := rand.New(rand.NewPCG(seed, uint64(len(cond))))
	var planned []bench.CellSpec
	var plannedRoles []results.CheckRole
	for round := 1; round <= c.Int("repeats"); round++ {
		for _, i := range rng.Perm(len(cells)) {
			cell := cells[i]
			cell.Round = round
			planned = append(planned, cell)
			role := roles[i]
			role.Condition = cond
			plannedRoles = append(plannedRoles, role)
		}
	}
	plan := bench.NewPlan("selftest-noise-"+cond, planned)
	for i, cell := range plan.Cells {
		nc.roles[cell.ID] = plannedRoles[i]
	}
	return plan, nil
}

// measure runs one condition's plan, with freezes when it is "frozen",
// and returns its run and folder.
func (nc *noiseCheck) measure(c *cli.Context, plan *bench.Plan, cond string, stderr io.Writer) (*results.Run, string, error) {
	x, err := newExecution(c, plan, stderr)
	if err != nil {
		return nil, "", err
	}
	if cond == "frozen" {
		f, err := startFreezes(nc.share, x.exec.Seed)
		if err != nil {
			return nil, "", err
		}
		defer f.Stop()
	}
	return x.measure(io.Discard, stderr)
}

// startFreezes freezes every CPU latbench may use in bursts of 1–8 ms.
func startFreezes(share float64, seed uint64) (*host.Freezer, error) {
	cpus, err := host.AllowedCPUs()
	if err != nil {
		return nil, err
	}
	return host.StartFreezer(host.FreezeSpec{CPUs: host.FormatCPUSet(cpus), MinBurst: time.Millisecond,
		MaxBurst: 8 * time.Millisecond, Share: share, Seed: seed})
}

package main

import (
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/scenarios/suite"
)

// runCommand is `latbench run`: one target, one scenario, one load.
func runCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "measure one target with one scenario at one load",
		Description: "Launches the target pinned to its CPUs, checks it answers the scenario, warms up, then\n" +
			"measures. --rate N is open loop: request i is due at i/N s and its latency counts from\n" +
			"then, so a stalled server shows in the tail. --rate max is closed loop: each connection\n" +
			"sends as soon as its previous answer came back (throughput, not latency under load).\n\n" +
			"Example: latbench run --target go --scenario http --rate 5000 --connections 10 --duration 30s",
		Flags:        categorized(append(runFlags(), executionFlags()...)),
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			return jsonOnError(c, stdout, func(stdout io.Writer) error {
				if err := noArgs(c); err != nil {
					return err
				}
				plan, err := runPlan(c)
				if err != nil {
					return err
				}
				return executePlan(c, plan, stdout, stderr)
			})
		},
	}
}

// runFlags are the flags that describe the one cell of `latbench run`.
func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "target", Value: "go", Usage: "`NAME` of the target in the manifest (see `latbench targets`)"},
		&cli.StringFlag{Name: "scenario", Value: "echo", Usage: "`WORKLOAD`: " + strings.Join(catalog.Names(), ", ")},
		&cli.StringFlag{Name: "rate", Value: "1000", Usage: "requests per second (open loop), or max (closed loop)"},
		&cli.IntFlag{Name: "connections", Aliases: []string{"c"}, Value: bench.DefaultConnections, Usage: "connections to the target"},
		&cli.DurationFlag{Name: "duration", Aliases: []string{"d"}, Value: bench.DefaultDuration, Usage: "measured time"},
		&cli.DurationFlag{Name: "warmup", Value: bench.DefaultWarmup, Usage: "load before measuring, not recorded"},
		&cli.Int64Flag{Name: "requests", Usage: "stop after this many measured requests (0: no limit)"},
		&cli.DurationFlag{Name: "timeout", Value: engine.DefaultTimeout, Usage: "per-request timeout; a request over it counts as a timeout error"},
		&cli.IntFlag{Name: "size", Usage: "payload `BYTES`: echo message size (default 64), or N of GET /bytes/N (default 10000)"},
		&cli.StringFlag{Name: "path", Usage: "HTTP request `PATH` instead of /bytes/N"},
		&cli.BoolFlag{Name: "no-keepalive", Usage: "http: a new connection for every request"},
		&cli.IntFlag{Name: "reconnect-every", Usage: "http: close and reopen each connection after `K` requests (the reference study used 50)"},
		&cli.StringFlag{Name: "protocol", Usage: "connect: what each new connection speaks: echo (default) or http"},
		&cli.BoolFlag{Name: "tls", Usage: "speak TLS on every connection (echo, http, connect, h2, grpc); ALPN follows the scenario. Targets latbench starts serve a certificate made for the run " +
			"(RUN_DIR/tls/ca.pem); a server at --target-addr is checked against --tls-ca or the system's roots. The connect and handshake times of new connections get histograms of their own"},
		&cli.IntFlag{Name: "streams", Usage: "h2, grpc: how many requests one connection carries at once, `N` (default 10); a due request waits for a free stream on any connection, and the wait counts"},
		&cli.StringFlag{Name: "grpc-method", Usage: "grpc: unary (one call per request) or stream (one bidirectional stream per slot, each message due on the schedule, its echo matched in order) (default: unary)"},
		&cli.StringSliceFlag{Name: "fault", Usage: "a fault during the measured window, repeatable: " +
			"`\"at 10s: slow-backend 200ms for 5s\"`, \"at 20s: stop-target 1s\", \"at 20s: stop-backend 1s\", " +
			"\"at 30s: kill-backend restart after 2s\" (backend faults need --backend); result.json and the report give availability and time to recover"},
		&cli.StringFlag{Name: "netem", Usage: "impair the link to the target with tc netem, e.g. \"delay 2ms 500us loss 0.1%\": " +
			"the target runs in a network namespace of its own, joined to latbench's by a veth pair (needs root and iproute2)"},
		&cli.StringFlag{Name: "mix", Usage: "http: a request mix of weighted paths, e.g. \"90:/bytes/100,10:/delay/100ms/bytes/100\"; " +
			"each request's path is drawn from a seeded sequence, and every class gets its own figures beside the total"},
		&cli.StringFlag{Name: "backend", Usage: "run the target as a TCP proxy in front of the target `NAME`d here"},
		&cli.StringFlag{Name: flagPaired, Usage: "a paired (duet) cell: measure a second arm at the same time, on one schedule, and report the difference " +
			"target minus it at p50, p90, p99 and p99.9 with its 95% interval (" + results.PairedMethod + "). `NAME` is another target, " +
			"started beside the first on the same CPUs and in the same mode (two proxies share one backend), or backend: the proxy's own backend, " +
			"addressed directly. Each arm has its own --connections and gets the full --rate. Requests alternate in a seeded order (--seed): " +
			"every pair of consecutive requests holds one of each arm"},
		&cli.StringFlag{Name: "pacing", Value: "uniform", Usage: "open-loop arrivals: uniform (every 1/rate) or poisson"},
		&cli.StringFlag{Name: "wait", Value: bench.WaitAuto, Usage: "how each event loop waits: spin (never sleeps: exact, one whole CPU per loop), " +
			"block (sleeps in epoll: each wake-up adds tens of µs), hybrid (sleeps until --spin-window before a due time, then spins; " +
			"spins for the window after each send), or auto: on CPUs of its own, spin for an open loop and hybrid for the closed loop; else block"},
		&cli.DurationFlag{Name: "spin-window", Usage: "--wait hybrid: how long before a due time, and after a send, the loop spins " +
			"(default 150µs in an open loop, 5µs in the closed loop; larger: more accurate, more CPU)"},
		&cli.Float64Flag{Name: "rate-step", Usage: "rate steps: from --rate up by `RPS` per step to --rate-max, each step its own cell"},
		&cli.Float64Flag{Name: "rate-max", Usage: "rate steps: the last rate, in `RPS`"},
		&cli.IntFlag{Name: "max-iter", Usage: "rate steps: `K` more steps at --rate-max (the reference study used 10)"},
		&cli.DurationFlag{Name: "step-duration", Usage: "measured time of each rate step or search step (default: --duration)"},
		&cli.BoolFlag{Name: "find-max", Usage: "search the highest rate that achieves 99% of itself, meets --slo and --max-error-rate, starting at --rate"},
		&cli.StringFlag{Name: "slo", Value: "p99=2ms", Usage: "--find-max latency objective, `pNN=DURATION` from due time, e.g. p99=2ms or p99.9=500us"},
		&cli.Float64Flag{Name: "max-error-rate", Value: bench.DefaultMaxErrorRate, Usage: "--find-max: the share of failed requests a step may have"},
		&cli.IntFlag{Name: "max-steps", Value: bench.DefaultSearchSteps, Usage: "--find-max: the most rates to try"},
	}
}

// runPlan builds the one-cell plan of `latbench run` from its flags.
func runPlan(c *cli.Context) (*bench.Plan, error) {
	rate, err := parseRate(c.String("rate"))
	if err != nil {
		return nil, err
	}
	load := bench.LoadSpec{
		Rate:        rate,
		Connections: c.Int("connections"),
		Warmup:      c.Duration("warmup"),
		Duration:    c.Duration("duration"),
		Requests:    c.Int64("requests"),
		Timeout:     c.Duration("timeout"),
		Arrival:     c.String("pacing"),
		Wait:        c.String("wait"),
		SpinWindow:  c.Duration("spin-window"),
	}
	if err := checkLoad(load); err != nil {
		return nil, err
	}
	spec := catalog.Spec{
		Name:           c.String("scenario"),
		Size:           c.Int("size"),
		Path:           c.String("path"),
		NoKeepAlive:    c.Bool("no-keepalive"),
		ReconnectEvery: c.Int("reconnect-every"),
		Protocol:       c.String("protocol"),
		Mix:            c.String("mix"),
		TLS:            c.Bool("tls"),
		Streams:        c.Int("streams"),
		GRPCMethod:     c.String("grpc-method"),
	}
	if _, err := catalog.New(spec); err != nil {
		return nil, &cmdline.UsageError{Err: err}
	}
	faults, err := bench.ParseFaults(c.StringSlice("fault"))
	if err != nil {
		return nil, cmdline.Usagef("--fault: %v", err)
	}
	cell := bench.CellSpec{Target: c.String("target"), Scenario: spec, Load: load, Faults: faults, Netem: c.String("netem")}
	if addr := c.String(flagTargetAddr); addr != "" && !c.IsSet("target") {
		cell.Target = addr // the server at --target-addr is what was measured, not the default target
	}
	if b := c.String("backend"); b != "" {
		cell.Proxy, cell.Backend = true, b
	}
	if err := pairedFlags(c, &cell); err != nil {
		return nil, err
	}
	if err := bench.CheckFaults(cell.Faults, load.Duration, cell.Proxy); err != nil {
		return nil, cmdline.Usagef("--fault: %v", err)
	}
	name := cell.Target + "-" + spec.Name
	switch {
	case c.Bool("find-max"):
		return searchPlan(c, name, cell)
	case c.IsSet("rate-step") || c.IsSet("rate-max") || c.IsSet("max-iter"):
		return stepsPlan(c, name, cell)
	}
	return bench.NewPlan(name, []bench.CellSpec{cell}), nil
}

// pairedFlags reads --paired and --paired-addr into cell, refusing what
// cannot be paired.
func pairedFlags(c *cli.Context, cell *bench.CellSpec) error {
	cell.Paired = c.String(flagPaired)
	switch {
	case cell.Paired == "" && c.String(flagPairedAddr) != "":
		return cmdline.Usagef("--%s needs --%s NAME: the arm the address is of", flagPairedAddr, flagPaired)
	case cell.Paired == "":
		return nil
	case cell.Paired == bench.PairedBackend && !cell.Proxy:
		return cmdline.Usagef("--%s backend pairs a proxy with its own backend: give the proxy's --backend NAME too", flagPaired)
	case cell.Paired == bench.PairedBackend && c.String(flagTargetAddr) != "":
		return cmdline.Usagef("--%s backend needs a backend latbench starts; with --%s, pair with the backend's own address: --%s NAME --%s HOST:PORT",
			flagPaired, flagTargetAddr, flagPaired, flagPairedAddr)
	case c.String(flagTargetAddr) != "" && c.String(flagPairedAddr) == "":
		return cmdline.Usagef("--%s with --%s needs --%s HOST:PORT: the paired arm's server, which latbench does not start either",
			flagPaired, flagTargetAddr, flagPairedAddr)
	}
	return nil
}

// stepDuration applies --step-duration to a step cell.
func stepDuration(c *cli.Context, cell bench.CellSpec) bench.CellSpec {
	if d := c.Duration("step-duration"); d > 0 {
		cell.Load.Duration = d
	}
	return cell
}

// stepsPlan builds one cell per rate step: --rate, --rate + --rate-step,
// ... up to --rate-max, then --max-iter more at --rate-max.
func stepsPlan(c *cli.Context, name string, cell bench.CellSpec) (*bench.Plan, error) {
	steps := suite.Steps{Start: cell.Load.Rate, Step: c.Float64("rate-step"), Max: c.Float64("rate-max"), Extra: c.Int("max-iter")}
	switch {
	case steps.Start == 0:
		return nil, cmdline.Usagef("rate steps need a starting --rate N, not max")
	case steps.Step <= 0 || steps.Max <= 0:
		return nil, cmdline.Usagef("rate steps need both --rate-step and --rate-max above 0, e.g. --rate 1000 --rate-step 1000 --rate-max 5000")
	case steps.Max < steps.Start:
		return nil, cmdline.Usagef("--rate-max %g is below --rate %g", steps.Max, steps.Start)
	case steps.Extra < 0:
		return nil, cmdline.Usagef("--max-iter %d: must be 0 or more", steps.Extra)
	case (steps.Max-steps.Start)/steps.Step+float64(steps.Extra) >= 1000:
		return nil, cmdline.Usagef("those rate steps make more than 1000 cells; raise --rate-step or lower --rate-max")
	}
	rates := steps.Rates()
	cells := make([]bench.CellSpec, len(rates))
	for i, r := range rates {
		cells[i] = stepDuration(c, cell)
		cells[i].Load.Name, cells[i].Load.Rate, cells[i].Load.Step, cells[i].Load.Steps = "steps", r, i+1, len(rates)
	}
	return bench.NewPlan(name+"-steps", cells), nil
}

// searchPlan builds a max-throughput search starting at --rate.
func searchPlan(c *cli.Context, name string, cell bench.CellSpec) (*bench.Plan, error) {
	slo, err := bench.ParseSLO(c.String("slo"))
	if err != nil {
		return nil, cmdline.Usagef("--slo: %v", err)
	}
	switch {
	case cell.Load.Rate == 0:
		return nil, cmdline.Usagef("--find-max searches open-loop rates: give a starting --rate N (e.g. 1000), not max")
	case c.Float64("max-error-rate") < 0 || c.Float64("max-error-rate") >= 1:
		return nil, cmdline.Usagef("--max-error-rate %g: use a share from 0 to below 1, e.g. 0.001", c.Float64("max-error-rate"))
	case c.Int("max-steps") < 1 || c.Int("max-steps") > 100:
		return nil, cmdline.Usagef("--max-steps %d: use 1 to 100", c.Int("max-steps"))
	}
	cell = stepDuration(c, cell)
	plan := bench.NewPlan(name+"-findmax", []bench.CellSpec{cell})
	plan.Search = &bench.SearchSpec{Cell: cell, StartRPS: cell.Load.Rate, SLO: slo,
		MaxErrorRate: c.Float64("max-error-rate"), MaxSteps: c.Int("max-steps")}
	return plan, nil
}

// parseRate parses --rate: a positive number of requests per second, or
// "max" (returned as 0) for closed loop.
func parseRate(s string) (float64, error) {
	if strings.EqualFold(s, "max") {
		return 0, nil
	}
	rate, err := strconv.ParseFloat(strings.TrimSuffix(s, "rps"), 64)
	switch {
	case err != nil:
		return 0, cmdline.Usagef("--rate %q: want requests per second (e.g. 1000) or max", s)
	case rate <= 0 || math.IsInf(rate, 0) || math.IsNaN(rate):
		return 0, cmdline.Usagef("--rate %s: must be above 0 requests per second; use --rate max for closed loop", s)
	case rate > 10_000_000:
		return 0, cmdline.Usagef("--rate %s: above 10M requests per second, no single client can pace that", s)
	}
	return rate, nil
}

// checkLoad rejects load settings that cannot run.
func checkLoad(l bench.LoadSpec) error {
	switch {
	case l.Connections < 1:
		return cmdline.Usagef("--connections %d: need at least 1", l.Connections)
	case l.Duration < 0 || l.Warmup < 0 || l.Timeout < 0 || l.Requests < 0:
		return cmdline.Usagef("--duration, --warmup, --timeout and --requests cannot be negative")
	case l.Duration == 0 && l.Requests == 0:
		return cmdline.Usagef("--duration 0 needs --requests N, or the run would never end")
	case l.Timeout == 0:
		return cmdline.Usagef("--timeout 0: requests need a timeout, e.g. 5s")
	}
	if _, err := engine.NewPacer(l.Arrival, max(l.Rate, 1), 1); err != nil {
		return cmdline.Usagef("--pacing: %v", err)
	}
	if l.Wait != bench.WaitAuto {
		if _, err := engine.ParseWait(l.Wait); err != nil {
			return cmdline.Usagef("--wait: %v", err)
		}
	}
	return nil
}

package main

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
)

// Names of the flags shared by run and suite.
const (
	flagTargets       = "targets"
	flagTargetAddr    = "target-addr"
	flagListen        = "listen"
	flagClientCPUs    = "client-cpus"
	flagTargetCPUs    = "target-cpus"
	flagBackendCPUs   = "backend-cpus"
	flagNoPin         = "no-pin"
	flagNoBuild       = "no-build"
	flagTargetWorkers = "target-workers"
	flagQuick         = "quick"
	flagRounds        = "rounds"
	flagSeed          = "seed"
	flagOut           = "out"
	flagFormat        = "format"
	flagRoot          = "root"
	flagPaired        = "paired"
	flagPairedAddr    = "paired-addr"
	flagSequential    = "sequential"
	flagTLSCA         = "tls-ca"
	flagTLSInsecure   = "tls-insecure"
	flagTLSResume     = "tls-resume"
	flagMaxSteal      = "max-steal"
	flagRetries       = "retries"
)

// executionFlags are the flags of every command that runs a plan.
func executionFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: flagOut, Value: "runs", Usage: "folder in which each run gets its own `DIR`ectory"},
		formatFlag(),
		&cli.StringFlag{Name: flagTargets, Usage: "extra target manifest `FILE`; its targets add to or replace servers/targets.yaml's"},
		&cli.StringFlag{Name: flagTargetAddr, Usage: "benchmark a server already running at `HOST:PORT` instead of launching the target"},
		&cli.StringFlag{Name: flagPairedAddr, Usage: "with --target-addr, the `HOST:PORT` of a paired cell's other arm (--paired NAME, or paired: in a suite)"},
		&cli.StringFlag{Name: flagTLSCA, Usage: "with --tls: trust the certificate authorities of PEM `FILE` instead of the system's (for a server latbench did not start)"},
		&cli.BoolFlag{Name: flagTLSInsecure, Usage: "with --tls: do not verify the server's certificate"},
		&cli.BoolFlag{Name: flagTLSResume, Usage: "with --tls: resume TLS sessions on reconnects (an abbreviated handshake, as browsers do)"},
		&cli.StringFlag{Name: flagListen, Usage: "launch the target on `HOST:PORT` instead of a free port on 127.0.0.1"},
		&cli.StringFlag{Name: flagClientCPUs, Usage: "`CPUS` the load generator runs on, e.g. 0 or 0-3 (default: the first half of the allowed CPUs)"},
		&cli.StringFlag{Name: flagTargetCPUs, Usage: "`CPUS` the target runs on (default: the other half)"},
		&cli.StringFlag{Name: flagBackendCPUs, Usage: "`CPUS` a proxy's backend runs on (default: the target's)"},
		&cli.BoolFlag{Name: flagNoPin, Usage: "do not pin the client or the targets to CPUs"},
		&cli.BoolFlag{Name: flagNoBuild, Usage: "fail instead of building a target whose binary is missing"},
		&cli.IntFlag{Name: flagTargetWorkers, Usage: "the thread pool of targets in the blocking I/O form ({workers} in a manifest), `N` threads; default: the manifest's, else 8"},
		&cli.IntFlag{Name: flagRounds, Value: 1, Usage: "repeat every cell `R` times, targets in a new shuffled order each round; tables then show medians with 95% confidence intervals"},
		&cli.Float64Flag{Name: flagMaxSteal, Usage: "measure a cell again when the hypervisor took more than `PCT` percent of the machine's CPU time during it (steal); " +
			"every attempt is kept in result.json, and the report says which counts. A paired cell is not measured again: steal hits both arms alike. 0: off"},
		&cli.IntFlag{Name: flagRetries, Value: 2, Usage: "with --max-steal, measure a cell at most `K` more times"},
		&cli.Uint64Flag{Name: flagSeed, Usage: "seed of the round order and Poisson arrivals (default: from the clock; recorded in result.json)"},
		rootFlag(),
	}, append(metricsFlags(), agentFlags()...)...)
}

// formatFlag is --format.
func formatFlag() cli.Flag {
	return &cli.StringFlag{Name: flagFormat, Value: results.FormatTable,
		Usage: "output `FORMAT` on stdout: " + strings.Join(results.Formats(), ", ")}
}

// rootFlag is --root.
func rootFlag() cli.Flag {
	return &cli.StringFlag{Name: flagRoot,
		Usage: "latbench repository `DIR` holding servers/targets.yaml (default: found from the working directory or the executable)"}
}

// checkFormat rejects an unknown --format before anything runs.
func checkFormat(format string) error {
	if slices.Contains(results.Formats(), format) {
		return nil
	}
	return cmdline.Usagef("unknown --format %q; valid: %s", format, strings.Join(results.Formats(), ", "))
}

// noArgs rejects stray positional arguments.
func noArgs(c *cli.Context) error {
	if c.Args().Present() {
		return cmdline.Usagef("unexpected argument %q; `latbench %s` takes only flags (see --help)", c.Args().First(), c.Command.Name)
	}
	return nil
}

// oneArg returns the single positional argument, named what in errors.
func oneArg(c *cli.Context, what string) (string, error) {
	switch c.NArg() {
	case 1:
		return c.Args().First(), nil
	case 0:
		return "", cmdline.Usagef("missing %s: `latbench %s %s`", what, c.Command.Name, c.Command.ArgsUsage)
	}
	return "", cmdline.Usagef("too many arguments %q: `latbench %s` takes one %s", c.Args().Slice(), c.Command.Name, what)
}

// flagCategories groups the flags of run and suite in their --help, so
// that a newcomer finds the few they need under Basics. urfave/cli lists
// categories in alphabetical order, which these names follow.
func flagCategories() map[string][]string {
	return map[string][]string{
		"Basics": {"target", "scenario", "rate", "connections", "duration", "warmup", "size", "backend", flagPaired, flagQuick, flagSequential},
		"Load details": {"requests", "timeout", "path", "no-keepalive", "reconnect-every", "protocol", "mix", "pacing",
			"wait", "spin-window"},
		"Protocols":             {"tls", "streams", "grpc-method", flagTLSCA, flagTLSInsecure, flagTLSResume},
		"Rate steps and search": {"rate-step", "rate-max", "max-iter", "step-duration", "find-max", "slo", "max-error-rate", "max-steps"},
		"Faults and network":    {"fault", "netem"},
		"Target and CPUs": {flagTargets, flagTargetAddr, flagPairedAddr, flagListen, flagClientCPUs, flagTargetCPUs, flagBackendCPUs, flagNoPin,
			flagNoBuild, flagTargetWorkers, flagRoot},
		"Output and rounds": {flagOut, flagFormat, flagRounds, flagSeed},
		"Noisy hosts":       {flagMaxSteal, flagRetries},
		"Noise check":       {"repeats", "proxy", "aa", "freeze", "freeze-share"},
		"Live metrics":      {flagPrometheusPush, flagMetricsListen},
		"Load from several machines (agents)": {flagAgents, flagLauncher, flagAgentsLead, flagSlurmShared, flagSlurmArg,
			flagK8sImage, flagK8sNamespace, flagK8sContext, flagLocalNamespaces},
	}
}

// categorized puts each flag in its category; a flag without one is a
// mistake that TestEveryFlagHasACategory catches.
func categorized(flags []cli.Flag) []cli.Flag {
	category := map[string]string{}
	for cat, names := range flagCategories() {
		for _, n := range names {
			category[n] = cat
		}
	}
	for _, f := range flags {
		cat := category[f.Names()[0]]
		switch f := f.(type) {
		case *cli.StringFlag:
			f.Category = cat
		case *cli.IntFlag:
			f.Category = cat
		case *cli.Int64Flag:
			f.Category = cat
		case *cli.Uint64Flag:
			f.Category = cat
		case *cli.Float64Flag:
			f.Category = cat
		case *cli.BoolFlag:
			f.Category = cat
		case *cli.DurationFlag:
			f.Category = cat
		case *cli.StringSliceFlag:
			f.Category = cat
		}
	}
	return flags
}

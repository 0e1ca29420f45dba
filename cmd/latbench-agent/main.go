// Command latbench-agent sends one agent's share of one cell's schedule:
// requests i, i+N, i+2N, ... from a common start time T0. The launchers
// of `latbench run --agents N` start it (here, under Slurm, in a
// Kubernetes Job); it holds the engine, the scenarios and the result
// encoding, and nothing of the reports, so that an agent image is small.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/bench/launch"
	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios/catalog"
)

// Names of the flags.
const (
	flagTargetAddr  = "target-addr"
	flagT0          = "t0"
	flagT0ConfigMap = "t0-configmap"
	flagReadyFile   = "ready-file"
	flagOut         = "out"
	flagClientCPUs  = "client-cpus"
)

func main() {
	os.Exit(cmdline.Run(newApp(os.Stdout, os.Stderr), os.Args, os.Stderr))
}

// newApp builds the command tree.
func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:            "latbench-agent",
		Usage:           "send one load agent's share of a latbench cell",
		Writer:          stdout,
		ErrWriter:       stderr,
		HideVersion:     true,
		Commands:        []*cli.Command{runCommand(stdout, stderr), readyCommand()},
		OnUsageError:    cmdline.OnUsageError,
		HideHelpCommand: false,
	}
}

// runCommand is `latbench-agent run`.
func runCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "send one agent's share (requests i, i+N, i+2N, ...) of one cell's schedule, from a common start time T0",
		Description: "Agents never start targets: each sends its share to --target-addr from T0 on and streams an\n" +
			"HdrHistogram interval log tagged with the agent, as each interval closes, then a comment line\n" +
			"holding its cell as JSON. `latbench merge` adds the agents' histograms exactly. The index may\n" +
			"come from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or SLURM_PROCID, the count from\n" +
			"SLURM_NTASKS.\n\n" +
			"Example: latbench-agent run --cell cell.yaml --target-addr 10.0.0.5:8080 --index 0 --agents 4 \\\n" +
			"           --t0 2026-12-01T12:00:00Z --out /shared/run1",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cell", Required: true, Usage: "suite `FILE` holding the cell (a suite with one cell, or pick one with --cell-id)"},
			&cli.StringFlag{Name: "cell-id", Usage: "the `ID` of the cell of --cell to run, when it has several"},
			&cli.StringFlag{Name: flagTargetAddr, Required: true, Usage: "the target's `HOST:PORT`"},
			&cli.StringFlag{Name: "paired-addr", Usage: "a paired cell's reference arm's `HOST:PORT`: the agent sends its share of both arms"},
			&cli.Uint64Flag{Name: "seed", Usage: "the seed `S` of the arms' order and of Poisson arrivals; every agent of a cell must have the same"},
			&cli.StringFlag{Name: "tls-ca", Usage: "for a cell that speaks TLS: trust the certificate authorities of PEM `FILE` instead of the system's"},
			&cli.BoolFlag{Name: "tls-insecure", Usage: "for a cell that speaks TLS: do not verify the server's certificate"},
			&cli.BoolFlag{Name: "tls-resume", Usage: "for a cell that speaks TLS: resume TLS sessions on reconnects"},
			&cli.IntFlag{Name: "index", Value: -1, Usage: "this agent's index `I`, 0 to N-1 (default: JOB_COMPLETION_INDEX or SLURM_PROCID)"},
			&cli.IntFlag{Name: "agents", Usage: "how many agents `N` share the cell (default: SLURM_NTASKS)"},
			&cli.StringFlag{Name: flagT0, Usage: "start `TIME` of the schedule: RFC 3339 (2026-12-01T12:00:00.5Z) or Unix nanoseconds"},
			&cli.StringFlag{Name: flagT0ConfigMap, Usage: "in a Kubernetes pod, wait for T0 in the key t0 of the ConfigMap `NAMESPACE/NAME` instead of --t0"},
			&cli.StringFlag{Name: flagReadyFile, Usage: "write `FILE` once the target answers, before waiting for T0 (`latbench-agent ready FILE` tests it)"},
			&cli.StringFlag{Name: flagOut, Value: "-", Usage: "`DIR` to write agent-I.hlog into, or - for stdout"},
			&cli.StringFlag{Name: flagClientCPUs, Usage: "`CPUS` the agent's loops run on, one loop each (default: one loop, not pinned)"},
			&cli.StringFlag{Name: "name", Usage: "`NAME` of this agent in the merged tables (default: the hostname)"},
			&cli.StringFlag{Name: "wait", Value: bench.WaitAuto, Usage: "the loops' wait strategy: spin, hybrid, block or auto"},
		},
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			spec, err := agentSpec(ctx, c)
			if err != nil {
				return err
			}
			out, err := runAgent(ctx, spec, c.String(flagOut), stdout)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "latbench-agent %d of %d: %d requests, %.0f rps, p50 %.1fµs, p99 %.1fµs, first request %v after it was due\n",
				spec.Index, spec.Count, out.Cell.Stats.Requests, out.Cell.Stats.AchievedRPS,
				float64(out.Cell.Stats.Latency.P50)/1e3, float64(out.Cell.Stats.Latency.P99)/1e3, time.Duration(out.Agent.StartSkewNs))
			return nil
		},
	}
}

// runAgent runs the agent, streaming its output to stdout (dir "-") or
// to agent-I.hlog in dir, which appears only once the agent succeeded.
func runAgent(ctx context.Context, spec bench.AgentSpec, dir string, stdout io.Writer) (*bench.AgentOutput, error) {
	if dir == "-" {
		return bench.RunAgent(ctx, spec, stdout)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, cmdline.Usagef("--%s %s: %v", flagOut, dir, err)
	}
	f, err := results.CreateAtomic(dir + "/" + bench.AgentFileName(spec.Index))
	if err != nil {
		return nil, err
	}
	out, err := bench.RunAgent(ctx, spec, f)
	if err != nil {
		f.Abort()
		return nil, err
	}
	return out, f.Close()
}

// agentSpec resolves the agent's flags and environment, and its T0.
func agentSpec(ctx context.Context, c *cli.Context) (bench.AgentSpec, error) {
	var spec bench.AgentSpec
	cell, _, err := cmdline.AgentCell(c.String("cell"), c.String("cell-id"))
	if err != nil {
		return spec, err
	}
	spec.Cell, spec.Addr, spec.Wait, spec.Host = cell, c.String(flagTargetAddr), c.String("wait"), c.String("name")
	spec.PairedAddr, spec.Seed = c.String("paired-addr"), c.Uint64("seed")
	spec.TLS = bench.TLSOptions{CAFile: c.String("tls-ca"), Insecure: c.Bool("tls-insecure"), Resume: c.Bool("tls-resume")}
	if spec.Index, err = cmdline.FromFlagOrEnv(c.Int("index"), -1, "--index", "JOB_COMPLETION_INDEX", "SLURM_PROCID"); err != nil {
		return spec, err
	}
	if spec.Count, err = cmdline.FromFlagOrEnv(c.Int("agents"), 0, "--agents", "SLURM_NTASKS"); err != nil {
		return spec, err
	}
	if cpus := c.String(flagClientCPUs); cpus != "" {
		if spec.CPUs, err = host.ParseCPUSet(cpus); err != nil {
			return spec, cmdline.Usagef("--%s %q: %v", flagClientCPUs, cpus, err)
		}
	}
	spec.T0, err = agentT0(ctx, c, spec)
	return spec, err
}

// agentT0 returns an agent's T0: --t0, or the t0 of the ConfigMap of
// --t0-configmap once it is set. With --ready-file the agent first
// probes the target and then writes that file: it is ready, and waits.
func agentT0(ctx context.Context, c *cli.Context, spec bench.AgentSpec) (time.Time, error) {
	ref := c.String(flagT0ConfigMap)
	if ref != "" && c.String(flagT0) != "" {
		return time.Time{}, cmdline.Usagef("--%s and --%s exclude each other: T0 comes from one of them", flagT0, flagT0ConfigMap)
	}
	if ref == "" {
		t0, err := parseT0(c.String(flagT0))
		if err != nil {
			return t0, err
		}
		return t0, agentReady(ctx, spec, c.String(flagReadyFile))
	}
	ns, name, err := parseConfigMapRef(ref)
	if err != nil {
		return time.Time{}, err
	}
	if err := agentReady(ctx, spec, c.String(flagReadyFile)); err != nil {
		return time.Time{}, err
	}
	watcher, err := launch.InClusterT0(ns, name)
	if err != nil {
		return time.Time{}, cmdline.Usagef("--%s works in a Kubernetes pod: %v", flagT0ConfigMap, err)
	}
	fmt.Fprintf(c.App.ErrWriter, "latbench-agent: ready; waiting for T0 in the ConfigMap %s/%s, key %s\n", ns, name, launch.T0Key)
	return watcher.Wait(ctx)
}

// Kubernetes names: a namespace is a DNS-1123 label, a ConfigMap's name a
// DNS-1123 subdomain.
var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// parseConfigMapRef reads NAMESPACE/NAME.
func parseConfigMapRef(ref string) (string, string, error) {
	ns, name, ok := strings.Cut(ref, "/")
	if ok && len(ns) <= 63 && dnsLabel.MatchString(ns) && len(name) <= 253 && dnsSubdomain.MatchString(name) {
		return ns, name, nil
	}
	return "", "", cmdline.Usagef("--%s %q: want NAMESPACE/NAME of a ConfigMap, e.g. default/latbench-go-http-fixed", flagT0ConfigMap, ref)
}

// parseT0 reads --t0: RFC 3339 or Unix nanoseconds.
func parseT0(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, cmdline.Usagef("--%s is needed: the common start time of all agents, e.g. --t0 %s",
			flagT0, time.Now().Add(30*time.Second).UTC().Format(time.RFC3339))
	}
	t, err := launch.ParseT0(s)
	if err != nil {
		return time.Time{}, cmdline.Usagef("--%s: %v", flagT0, err)
	}
	return t, nil
}

// agentReady probes the target and writes the ready file (path "":
// nothing to do; RunAgent probes again).
func agentReady(ctx context.Context, spec bench.AgentSpec, path string) error {
	if path == "" {
		return nil
	}
	sc, err := catalog.New(spec.Cell.Scenario)
	if err != nil {
		return err
	}
	cfg, err := spec.TLSConfig()
	if err != nil {
		return err
	}
	if err := spec.ProbeTargets(ctx, sc, cfg); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o644); err != nil {
		return fmt.Errorf("--%s: %w", flagReadyFile, err)
	}
	return nil
}

// readyCommand is `latbench-agent ready FILE`, the agents' startup probe
// in a Kubernetes pod: it succeeds once the agent has written its ready
// file.
func readyCommand() *cli.Command {
	return &cli.Command{
		Name:         "ready",
		Usage:        "succeed once FILE exists: the startup probe of an agent run with --ready-file FILE",
		ArgsUsage:    "FILE",
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cmdline.Usagef("`latbench-agent ready FILE` takes one file")
			}
			if _, err := os.Stat(c.Args().First()); err != nil {
				return fmt.Errorf("not ready: %v", err)
			}
			return nil
		},
	}
}

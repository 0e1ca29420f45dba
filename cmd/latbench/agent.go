package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/launch"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/servers"
)

// agentCommand is `latbench agent`: one share of one cell, for load from
// several machines. An engine (Kubernetes, Slurm, latbench run --agents)
// starts N of them with the same cell and T0.
func agentCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "agent",
		Usage: "send one agent's share (requests i, i+N, i+2N, ...) of one cell's schedule, from a common start time T0",
		Description: "Agents never launch targets: each sends its share to --target-addr from T0 on and writes an\n" +
			"HdrHistogram interval log tagged with the agent, whose comment line holds its cell as JSON.\n" +
			"`latbench merge` adds the agents' histograms exactly. The index may come from\n" +
			"JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or SLURM_PROCID, the count from SLURM_NTASKS.\n\n" +
			"Example: latbench agent --cell cell.yaml --target-addr 10.0.0.5:8080 --index 0 --agents 4 \\\n" +
			"           --t0 2026-12-01T12:00:00Z --out /shared/run1",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cell", Required: true, Usage: "suite `FILE` holding the cell (a suite with one cell, or pick one with --cell-id)"},
			&cli.StringFlag{Name: "cell-id", Usage: "the `ID` of the cell of --cell to run, when it has several"},
			&cli.StringFlag{Name: flagTargetAddr, Required: true, Usage: "the target's `HOST:PORT`"},
			&cli.IntFlag{Name: "index", Value: -1, Usage: "this agent's index `I`, 0 to N-1 (default: JOB_COMPLETION_INDEX or SLURM_PROCID)"},
			&cli.IntFlag{Name: "agents", Usage: "how many agents `N` share the cell (default: SLURM_NTASKS)"},
			&cli.StringFlag{Name: "t0", Usage: "start `TIME` of the schedule: RFC 3339 (2026-12-01T12:00:00.5Z) or Unix nanoseconds"},
			&cli.StringFlag{Name: flagT0ConfigMap, Usage: "in a Kubernetes pod, wait for T0 in the key t0 of the ConfigMap `NAMESPACE/NAME` instead of --t0"},
			&cli.StringFlag{Name: flagReadyFile, Usage: "write `FILE` once the target answers, before waiting for T0 (a startup probe tests it)"},
			&cli.StringFlag{Name: flagOut, Value: "-", Usage: "`DIR` to write agent-I.hlog into, or - for stdout"},
			&cli.StringFlag{Name: flagClientCPUs, Usage: "`CPUS` the agent's loops run on, one loop each (default: one loop, not pinned)"},
			&cli.StringFlag{Name: "name", Usage: "`NAME` of this agent in the merged tables (default: the hostname)"},
			&cli.StringFlag{Name: "wait", Value: bench.WaitAuto, Usage: "the loops' wait strategy: spin, hybrid, block or auto"},
			rootFlag(),
		},
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			spec, err := agentSpec(c)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out, err := bench.RunAgent(ctx, spec)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "latbench agent %d of %d: %d requests, %.0f rps, p50 %.1fµs, p99 %.1fµs, first request %v after it was due\n",
				spec.Index, spec.Count, out.Cell.Stats.Requests, out.Cell.Stats.AchievedRPS,
				float64(out.Cell.Stats.Latency.P50)/1e3, float64(out.Cell.Stats.Latency.P99)/1e3, time.Duration(out.Agent.StartSkewNs))
			if dir := c.String(flagOut); dir != "-" {
				return out.WriteDir(dir)
			}
			return out.WriteStream(stdout)
		},
	}
}

// agentSpec resolves the agent's flags and environment.
func agentSpec(c *cli.Context) (bench.AgentSpec, error) {
	var spec bench.AgentSpec
	cell, _, err := agentCell(c.String("cell"), c.String("cell-id"))
	if err != nil {
		return spec, err
	}
	spec.Cell, spec.Addr, spec.Wait, spec.Host = cell, c.String(flagTargetAddr), c.String("wait"), c.String("name")
	if spec.Index, err = fromFlagOrEnv(c.Int("index"), -1, "--index", "JOB_COMPLETION_INDEX", "SLURM_PROCID"); err != nil {
		return spec, err
	}
	if spec.Count, err = fromFlagOrEnv(c.Int("agents"), 0, "--agents", "SLURM_NTASKS"); err != nil {
		return spec, err
	}
	if spec.T0, err = agentT0(c, spec); err != nil {
		return spec, err
	}
	if cpus := c.String(flagClientCPUs); cpus != "" {
		if spec.CPUs, err = servers.ParseCPUSet(cpus); err != nil {
			return spec, usagef("--%s %q: %v", flagClientCPUs, cpus, err)
		}
	}
	return spec, nil
}

// agentCell reads the cell an agent runs from a suite file, and returns
// it with the file's text.
func agentCell(path, id string) (bench.CellSpec, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return bench.CellSpec{}, nil, usagef("cannot read suite: %v", err)
	}
	cell, err := bench.AgentCell(path, data, id)
	var nf *bench.CellNotFoundError
	switch {
	case errors.As(err, &nf) && id == "":
		return cell, nil, usagef("--cell %s holds %d cells: pick one with --cell-id (%s)", path, len(nf.Cells), strings.Join(nf.Cells, ", "))
	case errors.As(err, &nf):
		return cell, nil, usagef("--cell-id %s is not a cell of %s; its cells: %s", id, path, strings.Join(nf.Cells, ", "))
	case err != nil:
		return cell, nil, &usageError{err}
	}
	return cell, data, nil
}

// fromFlagOrEnv returns the flag's value when it is not unset, else the
// first of the environment variables that is set.
func fromFlagOrEnv(v, unset int, flag string, envs ...string) (int, error) {
	if v != unset {
		return v, nil
	}
	for _, name := range envs {
		if s := os.Getenv(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return 0, usagef("%s=%q is not a whole number", name, s)
			}
			return n, nil
		}
	}
	return 0, usagef("%s is needed (or one of %s in the environment)", flag, strings.Join(envs, ", "))
}

// parseT0 reads a start time: RFC 3339 or Unix nanoseconds.
func parseT0(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, usagef("--t0 is needed: the common start time of all agents, e.g. --t0 %s", time.Now().Add(30*time.Second).UTC().Format(time.RFC3339))
	}
	t, err := launch.ParseT0(s)
	if err != nil {
		return time.Time{}, usagef("--t0: %v", err)
	}
	return t, nil
}

// mergeCommand is `latbench merge`: the agents' outputs of one cell, added
// exactly into one cell with every figure and chart of a local cell.
func mergeCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "add the agents' histograms of one cell exactly into one cell, with the per-agent figures beside the total",
		ArgsUsage: "PATH...",
		Description: "PATH is an agent's output (agent-I.hlog, a pod's log) or a folder of them. The merge refuses\n" +
			"outputs of another configuration, T0 or agent count, outputs that lost values, and an\n" +
			"incomplete set, naming the agents that are missing.",
		Flags:        []cli.Flag{&cli.StringFlag{Name: flagOut, Value: "runs", Usage: "folder in which the merged run gets its own `DIR`ectory"}, formatFlag()},
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usagef("missing agent outputs: `latbench merge PATH...`")
			}
			if err := checkFormat(c.String(flagFormat)); err != nil {
				return err
			}
			outs, err := bench.ReadAgentOutputs(c.Args().Slice())
			if err != nil {
				return &usageError{err}
			}
			cell, err := bench.MergeAgents(outs)
			if err != nil {
				return &usageError{err}
			}
			return writeMerged(c, cell, stdout, stderr)
		},
	}
}

// writeMerged saves a merged cell as a run of its own and prints it.
func writeMerged(c *cli.Context, cell results.Cell, stdout, stderr io.Writer) error {
	now := time.Now()
	run := &results.Run{Schema: results.SchemaVersion, Suite: "merged-" + cell.ID, StartedAt: now.UTC(), EndedAt: now.UTC(),
		Complete: true, Env: bench.CollectEnv("", nil), Cells: []results.Cell{cell},
		Config: results.RunConfig{Command: "merge", Args: os.Args[1:]}}
	dir, err := results.NewRunDir(c.String(flagOut), run.Suite, now)
	if err != nil {
		return usagef("--out %s: %v", c.String(flagOut), err)
	}
	if err := saveRun(dir, run, &run.Cells[0]); err != nil {
		return err
	}
	if err := saveRun(dir, run, nil); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "latbench: %d agents merged; results saved in %s\n", len(cell.Agents), dir)
	return results.RenderTable(stdout, run, c.String(flagFormat))
}

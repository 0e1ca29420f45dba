package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
)

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
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return cmdline.Usagef("missing agent outputs: `latbench merge PATH...`")
			}
			if err := checkFormat(c.String(flagFormat)); err != nil {
				return err
			}
			outs, err := bench.ReadAgentOutputs(c.Args().Slice())
			if err != nil {
				return &cmdline.UsageError{Err: err}
			}
			cell, err := bench.MergeAgents(outs)
			if err != nil {
				return &cmdline.UsageError{Err: err}
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
		return cmdline.Usagef("--out %s: %v", c.String(flagOut), err)
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

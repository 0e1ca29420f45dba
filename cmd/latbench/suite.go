package main

import (
	"errors"
	"io"
	"io/fs"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/scenarios/suite"
)

// suiteCommand is `latbench suite FILE.yaml`: targets × scenarios × loads.
func suiteCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "suite",
		Usage:     "run every target × scenario × load of a suite file",
		ArgsUsage: "FILE.yaml",
		Description: "Runs the cells of a suite file one after the other, targets varying fastest so that\n" +
			"neighbouring cells compare targets under the same conditions. A cell whose target fails\n" +
			"is marked failed and the suite goes on. Example: latbench suite scenarios/suites/quick.yaml",
		Flags: append(executionFlags(), &cli.BoolFlag{
			Name:  flagQuick,
			Usage: "a short pass: every cell measures " + bench.QuickDuration.String() + " after " + bench.QuickWarmup.String() + " of warm-up, and rate steps keep only their first and last step",
		}),
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			return jsonOnError(c, stdout, func(stdout io.Writer) error {
				path, err := oneArg(c, "suite file")
				if err != nil {
					return err
				}
				plan, err := suitePlan(c, path)
				if err != nil {
					return err
				}
				if c.Bool(flagQuick) {
					plan.Quick()
				}
				return executePlan(c, plan, stdout, stderr)
			})
		},
	}
}

// suitePlan reads a suite file and expands it into a plan; a backend
// given as candidates is the first one that can run here.
func suitePlan(c *cli.Context, path string) (*bench.Plan, error) {
	s, err := suite.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usagef("suite file %s does not exist; the bundled suites are in scenarios/suites/", path)
		}
		return nil, &usageError{err}
	}
	if err := bench.CheckSuite(s); err != nil {
		return nil, &usageError{err}
	}
	runnable := func(string) bool { return false }
	if root, m, err := rootAndManifest(c); err == nil && m != nil {
		runnable = func(name string) bool {
			t, err := m.Lookup(name)
			return err == nil && t.Check(root).Runnable
		}
	}
	return bench.PlanSuite(s, runnable), nil
}

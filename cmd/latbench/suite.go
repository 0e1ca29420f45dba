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
		Flags:        executionFlags(),
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			path, err := oneArg(c, "suite file")
			if err != nil {
				return err
			}
			plan, err := suitePlan(path)
			if err != nil {
				return err
			}
			return executePlan(c, plan, stdout, stderr)
		},
	}
}

// suitePlan reads a suite file and expands it into a plan.
func suitePlan(path string) (*bench.Plan, error) {
	s, err := suite.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usagef("suite file %s does not exist; the bundled suites are in scenarios/suites/", path)
		}
		return nil, &usageError{err}
	}
	return bench.PlanSuite(s), nil
}

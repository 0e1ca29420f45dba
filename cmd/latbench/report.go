package main

import (
	"errors"
	"io"
	"io/fs"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
)

// reportCommand is `latbench report DIR`: re-render a saved run.
func reportCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "re-render a saved run: tables on stdout, report.md, report.html and charts in the folder",
		ArgsUsage: "RUN_DIR",
		Description: "Reads RUN_DIR/result.json (written by run or suite), prints its tables again and rewrites\n" +
			"RUN_DIR/report.txt, report.md (tables and linked charts), report.html (one self-contained file\n" +
			"with inline SVG charts) and the charts in RUN_DIR/charts/ (PNG and SVG).",
		Flags:        []cli.Flag{formatFlag()},
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			dir, err := oneArg(c, "run folder")
			if err != nil {
				return err
			}
			format := c.String(flagFormat)
			if err := checkFormat(format); err != nil {
				return err
			}
			run, err := loadRun(dir)
			if err != nil {
				return err
			}
			if err := writeReports(dir, run); err != nil {
				return err
			}
			return results.RenderTable(stdout, run, format)
		},
	}
}

// loadRun reads a run folder's result.json, with a usage error that says
// what to pass when it is not one.
func loadRun(dir string) (*results.Run, error) {
	run, err := results.LoadRun(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, cmdline.Usagef("%s has no %s: pass a folder that latbench run or suite wrote, e.g. runs/<time>-<name>", dir, results.ResultFile)
		}
		return nil, &cmdline.UsageError{Err: err}
	}
	return run, nil
}

// compareCommand is `latbench compare RUN_A RUN_B`.
func compareCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "compare",
		Usage:     "show how each matching cell changed from one run to another",
		ArgsUsage: "RUN_A RUN_B",
		Description: "Matches the cells of two run folders by target, scenario and load, and shows the change of\n" +
			"p50, p90, p99, p99.9 and achieved rps. A change is marked significant only when both runs have\n" +
			"rounds (--rounds) and their 95% confidence intervals do not overlap or a Mann-Whitney test gives\n" +
			"p < 0.05. Cells whose configuration differs (connections, payload, keep-alive, cpusets, ...)\n" +
			"are refused with the reason. Example: latbench compare runs/A-languages runs/B-languages",
		Flags:        []cli.Flag{formatFlag()},
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return cmdline.Usagef("compare takes two run folders, got %d: `latbench compare RUN_A RUN_B`", c.NArg())
			}
			format := c.String(flagFormat)
			if err := checkFormat(format); err != nil {
				return err
			}
			a, err := loadRun(c.Args().Get(0))
			if err != nil {
				return err
			}
			b, err := loadRun(c.Args().Get(1))
			if err != nil {
				return err
			}
			return results.RenderComparison(stdout, results.Compare(a, b), format)
		},
	}
}

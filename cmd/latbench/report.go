package main

import (
	"errors"
	"io"
	"io/fs"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/results"
)

// reportCommand is `latbench report DIR`: re-render a saved run.
func reportCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:         "report",
		Usage:        "re-render the tables of a saved run",
		ArgsUsage:    "RUN_DIR",
		Description:  "Reads RUN_DIR/result.json (written by run or suite) and prints its tables again.",
		Flags:        []cli.Flag{formatFlag()},
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			dir, err := oneArg(c, "run folder")
			if err != nil {
				return err
			}
			format := c.String(flagFormat)
			if err := checkFormat(format); err != nil {
				return err
			}
			run, err := results.LoadRun(dir)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return usagef("%s has no %s: pass a folder that latbench run or suite wrote, e.g. runs/<time>-<name>", dir, results.ResultFile)
				}
				return &usageError{err}
			}
			return results.RenderTable(stdout, run, format)
		},
	}
}

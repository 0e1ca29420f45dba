// Command latbench drives load against network servers, records every
// latency in HDR histograms and renders comparison tables. This package
// only parses flags and wires the orchestration (bench), the workloads
// (scenarios), the target lifecycle (servers) and the results together.
// Its companions latbench-agent (one load agent) and latbench-k8s (the
// Kubernetes launcher) are executables of their own.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/scenarios"
)

func main() {
	os.Exit(runMain(os.Args, os.Stdout, os.Stderr))
}

// runMain runs the CLI with args and returns the exit code.
func runMain(args []string, stdout, stderr io.Writer) int {
	return cmdline.Run(newApp(stdout, stderr), args, stderr)
}

// newApp builds the command tree.
func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:  "latbench",
		Usage: "measure the latency of network servers, open loop, in HDR histograms",
		Description: "latbench launches target servers pinned to their own CPUs, drives load at a fixed rate\n" +
			"(open loop: latency counts from each request's due time) or flat out (closed loop),\n" +
			"and reports p50 to p99.99, CPU and memory per target. Results go to runs/<time>-<name>/.",
		Writer:      stdout,
		ErrWriter:   stderr,
		HideVersion: true,
		Commands: []*cli.Command{runCommand(stdout, stderr), suiteCommand(stdout, stderr), selftestCommand(stdout, stderr), targetsCommand(stdout), reportCommand(stdout), compareCommand(stdout),
			mergeCommand(stdout, stderr), relayCommand()},
		OnUsageError:    cmdline.OnUsageError,
		Action:          rootAction,
		HideHelpCommand: false,
	}
}

// rootAction shows help, or rejects an unknown command with a suggestion.
func rootAction(c *cli.Context) error {
	if !c.Args().Present() {
		return cli.ShowAppHelp(c)
	}
	name := c.Args().First()
	var names []string
	for _, cmd := range c.App.Commands {
		names = append(names, cmd.Name)
	}
	hint := ""
	if best := scenarios.Closest(name, names); best != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", best)
	}
	return cmdline.Usagef("unknown command %q%s; commands: %s. See `latbench --help`", name, hint, strings.Join(names, ", "))
}

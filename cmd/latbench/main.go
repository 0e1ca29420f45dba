// Command latbench drives load against network servers, records every
// latency in HDR histograms and renders comparison tables. This package
// only parses flags and wires the engine (bench), the workloads
// (scenarios), the target lifecycle (servers) and the results together.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/scenarios"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1   // a cell failed, or an error while running
	exitUsage       = 2   // bad input: nothing was run or written
	exitInterrupted = 130 // SIGINT or SIGTERM: partial results were saved
)

func main() {
	os.Exit(runMain(os.Args, os.Stdout, os.Stderr))
}

// runMain runs the CLI with args and returns the exit code.
func runMain(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.Run(interspersed(app, args))
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "latbench: "+err.Error())
	return exitCode(err)
}

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	var usage *usageError
	switch {
	case errors.As(err, &usage):
		return exitUsage
	case errors.Is(err, bench.ErrInterrupted):
		return exitInterrupted
	}
	return exitFailed
}

// usageError is bad input: a flag, an argument or a file the user gave.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
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
		Commands: []*cli.Command{runCommand(stdout, stderr), suiteCommand(stdout, stderr), targetsCommand(stdout), reportCommand(stdout), compareCommand(stdout),
			agentCommand(stdout, stderr), mergeCommand(stdout, stderr), k8sCommand(stdout, stderr), relayCommand()},
		OnUsageError:    onUsageError,
		ExitErrHandler:  func(*cli.Context, error) {}, // main decides the exit code
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
	return usagef("unknown command %q%s; commands: %s. See `latbench --help`", name, hint, strings.Join(names, ", "))
}

// onUsageError turns a flag parsing error into a usageError that says
// where to find help.
func onUsageError(c *cli.Context, err error, _ bool) error {
	cmd := "latbench"
	if c.Command != nil && c.Command.Name != "" {
		cmd += " " + c.Command.Name
	}
	return usagef("%v; see `%s --help`", err, cmd)
}

// Package cmdline is what latbench's three executables (latbench,
// latbench-agent, latbench-k8s) share on their command lines: exit codes,
// usage errors, flags after positional arguments, and the agents' cell
// file.
package cmdline

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitFailed      = 1   // a cell failed, or an error while running
	ExitUsage       = 2   // bad input: nothing was run or written
	ExitInterrupted = 130 // SIGINT or SIGTERM: partial results were saved
)

// UsageError is bad input: a flag, an argument or a file the user gave.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	var usage *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &usage):
		return ExitUsage
	case errors.Is(err, bench.ErrInterrupted):
		return ExitInterrupted
	}
	return ExitFailed
}

// Run runs app with args (flags may follow positional arguments), prints
// an error on stderr prefixed with the app's name, and returns the exit
// code.
func Run(app *cli.App, args []string, stderr io.Writer) int {
	app.ExitErrHandler = func(*cli.Context, error) {} // Run decides the exit code
	err := app.Run(Interspersed(app, args))
	if err != nil {
		fmt.Fprintln(stderr, app.Name+": "+err.Error())
	}
	return ExitCode(err)
}

// OnUsageError turns a flag parsing error into a UsageError that says
// where to find help.
func OnUsageError(c *cli.Context, err error, _ bool) error {
	cmd := c.App.Name
	if c.Command != nil && c.Command.Name != "" {
		cmd += " " + c.Command.Name
	}
	return Usagef("%v; see `%s --help`", err, cmd)
}

// Interspersed moves a command's positional arguments after its flags, so
// that `latbench suite FILE --out DIR` works like `latbench suite --out
// DIR FILE` (urfave/cli stops parsing flags at the first positional
// argument). Arguments after "--" stay positional.
func Interspersed(app *cli.App, args []string) []string {
	if len(args) < 3 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil || len(cmd.Subcommands) > 0 { // a command of commands parses its own
		return args
	}
	takesValue := valueFlags(cmd)
	var flags, positional []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			positional = append(positional, rest[i+1:]...)
			i = len(rest)
		case strings.HasPrefix(a, "-") && a != "-":
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
				i++
				flags = append(flags, rest[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	out := append([]string{args[0], args[1]}, flags...)
	if len(positional) > 0 {
		out = append(append(out, "--"), positional...)
	}
	return out
}

// valueFlags returns the names (and aliases) of cmd's flags that take a
// value: every flag but the booleans.
func valueFlags(cmd *cli.Command) map[string]bool {
	m := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, name := range f.Names() {
			m[name] = !isBool
		}
	}
	return m
}

// AgentCell reads the cell an agent runs from a suite file, and returns
// it with the file's text; errors are usage errors that say what to pass.
func AgentCell(path, id string) (bench.CellSpec, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return bench.CellSpec{}, nil, Usagef("cannot read suite: %v", err)
	}
	cell, err := bench.AgentCell(path, data, id)
	var nf *bench.CellNotFoundError
	switch {
	case errors.As(err, &nf) && id == "":
		return cell, nil, Usagef("--cell %s holds %d cells: pick one with --cell-id (%s)", path, len(nf.Cells), strings.Join(nf.Cells, ", "))
	case errors.As(err, &nf):
		return cell, nil, Usagef("--cell-id %s is not a cell of %s; its cells: %s", id, path, strings.Join(nf.Cells, ", "))
	case err != nil:
		return cell, nil, &UsageError{err}
	}
	return cell, data, nil
}

// FromFlagOrEnv returns the flag's value when it is not unset, else the
// first of the environment variables that is set.
func FromFlagOrEnv(v, unset int, flag string, envs ...string) (int, error) {
	if v != unset {
		return v, nil
	}
	for _, name := range envs {
		if s := os.Getenv(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return 0, Usagef("%s=%q is not a whole number", name, s)
			}
			return n, nil
		}
	}
	return 0, Usagef("%s is needed (or one of %s in the environment)", flag, strings.Join(envs, ", "))
}

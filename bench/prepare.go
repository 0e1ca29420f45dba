package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"slices"
	"strings"

	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/servers"
)

// Prepare checks every cell of plan before anything runs, so that bad
// input fails at once and leaves nothing half-written: each scenario must
// be valid, each target known, able to serve the cell's mode and
// runnable. A target whose binary is missing is built with its manifest
// build command when build is true and its toolchains are installed; the
// build's output goes to out.
func (e *Executor) Prepare(ctx context.Context, plan *Plan, build bool, out io.Writer) error {
	if len(plan.Cells) == 0 {
		return errors.New("the plan has no cells: nothing to measure")
	}
	var errs []error
	if e.Listen != "" && e.TargetAddr == "" {
		if err := checkListen(e.Listen); err != nil {
			errs = append(errs, err)
		}
	}
	if err := e.checkNetem(ctx, plan); err != nil {
		errs = append(errs, err)
	}
	built := map[string]bool{}
	for _, spec := range plan.Cells {
		if _, err := catalog.New(spec.Scenario); err != nil {
			errs = append(errs, fmt.Errorf("cell %s: %w", spec.ID, err))
			continue
		}
		if e.TargetAddr != "" {
			if spec.Paired != "" && e.PairedAddr == "" {
				errs = append(errs, fmt.Errorf("cell %s is paired with %s: with --target-addr give the paired arm's server with --paired-addr HOST:PORT", spec.ID, spec.Paired))
			}
			continue
		}
		names := []string{spec.Target}
		modes := []string{spec.ServerMode()}
		if spec.Proxy {
			names = append(names, spec.Backend)
			modes = append(modes, catalog.ServerMode(spec.Scenario))
		}
		if spec.Paired == PairedBackend && !spec.Proxy {
			errs = append(errs, fmt.Errorf("cell %s: paired with backend, but it is no proxy cell: pair a proxy with its own backend", spec.ID))
		} else if spec.Paired != "" && spec.Paired != PairedBackend {
			names = append(names, spec.Paired)
			modes = append(modes, spec.ServerMode())
		}
		for i, name := range names {
			if err := e.prepareTarget(ctx, name, modes[i], build, built, out); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return joinUnique(errs)
}

// prepareTarget checks one target for one mode and builds it if needed.
// built remembers the targets already checked and built.
func (e *Executor) prepareTarget(ctx context.Context, name, mode string, build bool, built map[string]bool, out io.Writer) error {
	if e.Manifest == nil {
		return errors.New("no target manifest loaded; pass --root or --targets")
	}
	t, err := e.Manifest.Lookup(name)
	if err != nil {
		return err
	}
	if !t.Supports(mode) {
		return fmt.Errorf("target %s does not serve %s mode (it serves %s)", name, mode, strings.Join(t.Modes, ", "))
	}
	if built[name] {
		return nil
	}
	built[name] = true
	st := t.Check(e.Root)
	if !st.Runnable && !st.Built && build && t.Build != "" && !missingToolchain(st) {
		if err := buildTarget(ctx, t, e.Root, out); err != nil {
			return err
		}
		st = t.Check(e.Root)
	}
	if !st.Runnable {
		return fmt.Errorf("target %s cannot run: missing %s; fix: %s", name, strings.Join(st.Missing, ", "), st.Fix)
	}
	return nil
}

// checkNetem checks, before anything runs, that the plan's impaired
// networks can be made here: root, ip and tc, and a spec tc accepts (one
// namespace is made and removed again per distinct spec).
func (e *Executor) checkNetem(ctx context.Context, plan *Plan) error {
	seen := map[string]bool{}
	for _, c := range plan.Cells {
		if c.Netem == "" || seen[c.Netem] {
			continue
		}
		seen[c.Netem] = true
		switch {
		case e.TargetAddr != "":
			return errors.New("--netem puts a target latbench starts in a namespace of its own; it cannot impair a server at --target-addr")
		case e.Listen != "":
			return errors.New("--netem gives the target an address in its namespace: drop --listen")
		}
		n, err := host.NewNetem(ctx, c.Netem)
		if err != nil {
			return err
		}
		if err := n.Close(); err != nil {
			return err
		}
	}
	return nil
}

// checkListen checks that a fixed listen address is free now, so that a
// busy port fails before anything runs rather than in every cell.
func checkListen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--listen %s: %w; the port is in use or the address is not local: pick another, or stop what listens there", addr, err)
	}
	return ln.Close()
}

// missingToolchain reports whether st lacks a toolchain, which no build
// can fix.
func missingToolchain(st servers.Status) bool {
	return slices.ContainsFunc(st.Missing, func(m string) bool { return strings.HasPrefix(m, "toolchain ") })
}

// BuildError is a target whose build command failed: the input was
// fine, the build was not.
type BuildError struct {
	Target, Command string
	Err             error
}

// Error says which build failed and where its output is.
func (e *BuildError) Error() string {
	return fmt.Sprintf("building target %s with `%s` failed: %v (its output is above)", e.Target, e.Command, e.Err)
}

// Unwrap returns the command's error.
func (e *BuildError) Unwrap() error { return e.Err }

// buildTarget runs the target's build command from root.
func buildTarget(ctx context.Context, t *servers.Target, root string, out io.Writer) error {
	fmt.Fprintf(out, "building target %s: %s\n", t.Name, t.Build)
	cmd := exec.CommandContext(ctx, "sh", "-c", t.Build)
	cmd.Dir = root
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Run(); err != nil {
		return &BuildError{Target: t.Name, Command: t.Build, Err: err}
	}
	return nil
}

// joinUnique joins errs, dropping repeated messages (a bad target shows up
// once, not once per cell).
func joinUnique(errs []error) error {
	var out []error
	seen := map[string]bool{}
	for _, err := range errs {
		if !seen[err.Error()] {
			seen[err.Error()] = true
			out = append(out, err)
		}
	}
	return errors.Join(out...)
}

package servers

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
)

// This file holds the manifest keys that shape a launch beyond its
// command: dir (the working directory) and instances (copies of the
// command, each on its own port, handled as one Process).

// MaxInstances bounds Target.Instances.
const MaxInstances = 16

// Copies returns how many copies of the command a launch starts: 1 unless
// the target's Instances says more.
func (t *Target) Copies() int {
	return max(t.Instances, 1)
}

// launchProblems checks dir and instances, which shape how the command
// is launched.
func (t *Target) launchProblems(who string) []problem {
	var ps []problem
	add := func(key, format string, args ...any) {
		ps = append(ps, problem{key, who + fmt.Sprintf(format, args...)})
	}
	if t.Dir != "" {
		if t.External() {
			add("dir", " has both `dir` and `address`; dir is the working directory of a command latbench launches")
		}
		for _, ph := range unknownPlaceholders(t.Dir, placeholderNames) {
			add("dir", ": unknown placeholder %s in dir; valid: %s", ph, strings.Join(placeholderNames, " "))
		}
	}
	if t.Workers < 0 || t.Workers > MaxWorkers {
		add("workers", ": workers %d is outside 1..%d", t.Workers, MaxWorkers)
	}
	switch {
	case t.Instances < 0 || t.Instances > MaxInstances:
		add("instances", ": instances %d is outside 1..%d", t.Instances, MaxInstances)
	case t.Instances > 1 && t.External():
		add("instances", " has both `instances` and `address`; latbench launches copies only of a command")
	case t.Instances > 1 && t.Config != "":
		add("instances", " has config %s, which runs one copy; remove `instances` (the config's workers use the target's CPUs)", t.Config)
	}
	return ps
}

// unknownPlaceholders returns the placeholders in s that are not in valid.
func unknownPlaceholders(s string, valid []string) []string {
	var unknown []string
	for _, ph := range placeholderPattern.FindAllString(s, -1) {
		if !slices.Contains(valid, ph) {
			unknown = append(unknown, ph)
		}
	}
	return unknown
}

// dirFix says how to provide a missing working directory.
func (t *Target) dirFix() string {
	if t.Binary != "" {
		return "install the target again (" + t.buildFix() + "), or fix `dir` in the target" + t.where()
	}
	return "create it, or fix `dir` in the target" + t.where()
}

// where names the target's place in its manifest (" in FILE:LINE"), or ""
// for a target that does not come from a file.
func (t *Target) where() string {
	if t.Source == "" {
		return ""
	}
	return fmt.Sprintf(" in %s:%d", t.Source, t.Line)
}

// checkDir reports whether path is an existing directory.
func checkDir(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a directory", path)
	}
	return nil
}

// instance is one running copy of a target's command.
type instance struct {
	index int // 1-based, for messages
	argv  []string
	cmd   *exec.Cmd
	// stdin stays open while the copy runs, for programs that quit when
	// their input ends; Stop closes it if the copy outlives half its grace
	// (and exec closes it once the copy has exited).
	stdin io.WriteCloser

	// exited is closed by wait after it has set state; state is read only
	// after exited is closed, so it needs no lock.
	exited chan struct{}
	state  *os.ProcessState
}

// listenAddrs returns n listen addresses: listen (or a free port when
// listen is "" or has port 0), then n-1 free ports on the same host.
func listenAddrs(listen string, n int) ([]string, error) {
	first, err := listenAddr(listen)
	if err != nil || n <= 1 {
		return []string{first}, err
	}
	host, _, err := net.SplitHostPort(first)
	if err != nil {
		return nil, err
	}
	// The listeners stay open until all ports are picked, so that no two
	// copies get the same port.
	addrs := []string{first}
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for len(addrs) < n {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("find a free port on %s: %w", host, err)
		}
		held = append(held, l)
		if addr := l.Addr().String(); addr != first {
			addrs = append(addrs, addr)
		}
	}
	return addrs, nil
}

// workingDir returns the working directory of the command: the target's
// Dir with vars substituted (relative to the root), or the root.
func workingDir(t *Target, vars Vars) (string, error) {
	if t.Dir == "" {
		return vars.Root, nil
	}
	dir := resolvePath(vars.replacer().Replace(t.Dir), vars.Root)
	if err := checkDir(dir); err != nil {
		return "", fmt.Errorf("launch %s: no working directory %s (`dir` of the target%s): %w; %s",
			t.Name, dir, t.where(), err, t.dirFix())
	}
	return dir, nil
}

// Addrs returns the host:port of every copy of the target, the first
// being Addr. Load spread over all of them reaches every copy.
func (p *Process) Addrs() []string { return append([]string(nil), p.addrs...) }

// Instances returns how many copies of the target run: 1 for a single
// process or an external target.
func (p *Process) Instances() int { return max(len(p.copies), 1) }

// Pids returns the process id of every copy (nil for an external target).
func (p *Process) Pids() []int {
	var pids []int
	for _, c := range p.copies {
		pids = append(pids, c.cmd.Process.Pid)
	}
	return pids
}

// copyLabel returns "copy N " for a target with several copies, else "".
func (p *Process) copyLabel(c *instance) string {
	if len(p.copies) < 2 {
		return ""
	}
	return fmt.Sprintf("copy %d ", c.index)
}

// pgid returns the copy's process group id, which is its pid.
func (c *instance) pgid() int { return c.cmd.Process.Pid }

// Signal sends sig to the process group of every copy of the target: a
// fault (SIGSTOP and SIGCONT, SIGKILL) hits the target and its children
// at once. An external target has no process to signal.
func (p *Process) Signal(sig syscall.Signal) error {
	if len(p.copies) == 0 {
		return fmt.Errorf("target %s was not launched by latbench: it cannot be signalled", p.name)
	}
	var errs []error
	for _, c := range p.copies {
		errs = append(errs, signalGroup(c.pgid(), sig))
	}
	return errors.Join(errs...)
}

// WriteControl writes line to the stdin of every copy of the target, for
// programs that take commands there (the fault relay).
func (p *Process) WriteControl(line string) error {
	p.controlMu.Lock()
	defer p.controlMu.Unlock()
	var errs []error
	for _, c := range p.copies {
		_, err := io.WriteString(c.stdin, line)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

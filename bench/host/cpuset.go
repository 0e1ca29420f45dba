package host

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxCPUs is the number of CPUs a cpuset may name (CPU_SETSIZE, the size of
// unix.CPUSet).
const maxCPUs = 1024

// Environment variables PinSelf passes to the process it re-executes.
const (
	// EnvPinned holds the cpuset the process was re-executed on; it guards
	// against re-executing in a loop.
	EnvPinned = "LATBENCH_PINNED"
	// EnvAllowedCPUs holds the CPUs the process could use before PinSelf
	// narrowed its affinity, so that AllowedCPUs still reports them.
	EnvAllowedCPUs = "LATBENCH_ALLOWED_CPUS"
)

// ParseCPUSet parses a Linux cpu list such as "0", "1-3" or "0,2-3" into
// sorted, distinct CPU numbers. Spaces around elements are allowed.
func ParseCPUSet(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty cpuset; use a list like 0,2-3")
	}
	var cpus []int
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, err := parseCPURange(part)
		if err != nil {
			return nil, fmt.Errorf("cpuset %q: %w", s, err)
		}
		for c := lo; c <= hi; c++ {
			cpus = append(cpus, c)
		}
	}
	slices.Sort(cpus)
	return slices.Compact(cpus), nil
}

// parseCPURange parses "n" or "lo-hi".
func parseCPURange(part string) (lo, hi int, err error) {
	first, last, isRange := strings.Cut(part, "-")
	if lo, err = parseCPU(first); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	if hi, err = parseCPU(last); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("range %s is reversed; write %d-%d", part, hi, lo)
	}
	return lo, hi, nil
}

// parseCPU parses one CPU number: decimal digits only, below maxCPUs.
func parseCPU(s string) (int, error) {
	if s == "" {
		return 0, errors.New("missing CPU number (negative numbers and empty elements are not allowed)")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a CPU number", s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n >= maxCPUs {
		return 0, fmt.Errorf("CPU %s out of range (0-%d)", s, maxCPUs-1)
	}
	return n, nil
}

// FormatCPUSet formats CPU numbers as a compact cpu list ("0-2,5"), sorted
// and without duplicates. The numbers must not be negative.
func FormatCPUSet(cpus []int) string {
	sorted := slices.Compact(slices.Sorted(slices.Values(cpus)))
	var b strings.Builder
	for i := 0; i < len(sorted); {
		j := i
		for j+1 < len(sorted) && sorted[j+1] == sorted[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(sorted[i]))
		if j > i {
			b.WriteString("-" + strconv.Itoa(sorted[j]))
		}
		i = j + 1
	}
	return b.String()
}

// AllowedCPUs returns the CPUs this process may run on, from its scheduler
// affinity. In a process that PinSelf re-executed on a narrower cpuset it
// returns the set from before the re-exec (recorded in EnvAllowedCPUs), so
// that the client and target cpusets are computed the same way in both
// processes.
func AllowedCPUs() ([]int, error) {
	cur, err := currentAffinity()
	if err != nil {
		return nil, err
	}
	return widenPinned(cur, os.Getenv(EnvPinned), os.Getenv(EnvAllowedCPUs)), nil
}

// widenPinned returns the set recorded in allowed when the environment
// shows that the process is PinSelf's re-exec onto exactly cur; otherwise
// it returns cur.
func widenPinned(cur []int, pinned, allowed string) []int {
	if pinned == "" || pinned != FormatCPUSet(cur) {
		return cur
	}
	wide, err := ParseCPUSet(allowed)
	if err != nil || !isSubset(cur, wide) {
		return cur
	}
	return wide
}

// currentAffinity returns the scheduler affinity of the calling thread.
func currentAffinity() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("read CPU affinity: %w", err)
	}
	var cpus []int
	for c := 0; c < maxCPUs; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// DefaultCPUs splits allowed between the client (the first half, at least
// one CPU) and the target (the rest). With a single CPU both get it and
// shared is true; with none both are "".
func DefaultCPUs(allowed []int) (client, target string, shared bool) {
	cpus := slices.Compact(slices.Sorted(slices.Values(allowed)))
	switch len(cpus) {
	case 0:
		return "", "", false
	case 1:
		only := FormatCPUSet(cpus)
		return only, only, true
	}
	half := len(cpus) / 2
	return FormatCPUSet(cpus[:half]), FormatCPUSet(cpus[half:]), false
}

// checkAllowed parses cpus and checks that every CPU is one this process
// may use.
func checkAllowed(cpus string) ([]int, error) {
	want, err := ParseCPUSet(cpus)
	if err != nil {
		return nil, err
	}
	allowed, err := AllowedCPUs()
	if err != nil {
		return nil, err
	}
	if !isSubset(want, allowed) {
		return nil, fmt.Errorf("cpuset %s is outside the CPUs this process may use (%s); pick CPUs from %s",
			FormatCPUSet(want), FormatCPUSet(allowed), FormatCPUSet(allowed))
	}
	return want, nil
}

// isSubset reports whether every element of sub is in set.
func isSubset(sub, set []int) bool {
	for _, c := range sub {
		if !slices.Contains(set, c) {
			return false
		}
	}
	return true
}

// PinSelf moves the whole process onto the cpuset cpus. When the affinity
// already equals cpus (or cpus is "") it returns false and does nothing.
// Otherwise it re-executes the program (its executable, with the same
// arguments) from a thread pinned to cpus, so that every thread of the new
// process, and GOMAXPROCS, start on that cpuset; on success it does not
// return. EnvPinned and EnvAllowedCPUs tell the new process what happened;
// a process started with EnvPinned equal to cpus never re-executes again.
//
// reexec is true when a re-exec was attempted and failed; the calling
// thread's affinity is then restored.
func PinSelf(cpus string) (reexec bool, err error) {
	if cpus == "" {
		return false, nil
	}
	want, err := checkAllowed(cpus)
	if err != nil {
		return false, err
	}
	cur, err := currentAffinity()
	if err != nil {
		return false, err
	}
	if slices.Equal(cur, want) {
		return false, nil
	}
	if os.Getenv(EnvPinned) == FormatCPUSet(want) {
		return false, fmt.Errorf("process was re-executed with %s=%s but runs on CPUs %s; not re-executing again",
			EnvPinned, FormatCPUSet(want), FormatCPUSet(cur))
	}
	allowed, err := AllowedCPUs()
	if err != nil {
		return false, err
	}
	return true, reexecPinned(want, allowed)
}

// reexecPinned pins the calling thread to want and executes the program
// on it. It returns only on failure, after restoring the thread's affinity.
func reexecPinned(want, allowed []int) error {
	// The affinity set below belongs to this OS thread only; execve keeps
	// the calling thread's affinity for the new process. The goroutine must
	// stay on this thread until then.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return fmt.Errorf("read CPU affinity: %w", err)
	}
	set.Zero()
	for _, c := range want {
		set.Set(c)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pin to CPUs %s: %w", FormatCPUSet(want), err)
	}
	env := append(withoutEnv(os.Environ(), EnvPinned, EnvAllowedCPUs),
		EnvPinned+"="+FormatCPUSet(want), EnvAllowedCPUs+"="+FormatCPUSet(allowed))
	// The executable's own path keeps the process's name (ps, top, pkill
	// see "latbench", not "exe"); /proc/self/exe is the fallback for a
	// binary replaced on disk since it started.
	exe, err := os.Executable()
	if err != nil || strings.HasSuffix(exe, " (deleted)") {
		exe = "/proc/self/exe"
	}
	err = syscall.Exec(exe, os.Args, env)
	// Only reached when exec failed: give the thread back its affinity
	// before it returns to the scheduler's pool.
	_ = unix.SchedSetaffinity(0, &old)
	return fmt.Errorf("re-execute on CPUs %s: %w", FormatCPUSet(want), err)
}

// UnpinnedEnv returns this process's environment without the variables
// PinSelf sets, for a process it starts (a target pins itself anew).
func UnpinnedEnv() []string {
	return withoutEnv(os.Environ(), EnvPinned, EnvAllowedCPUs)
}

// withoutEnv returns env without the variables named in names.
func withoutEnv(env []string, names ...string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			out = append(out, kv)
		}
	}
	return out
}

// PinnedCommand returns argv prefixed with `taskset -c cpus`, so that the
// process and every thread it creates run on cpus. For empty cpus it
// returns argv unchanged.
func PinnedCommand(cpus string, argv []string) ([]string, error) {
	if cpus == "" {
		return argv, nil
	}
	want, err := checkAllowed(cpus)
	if err != nil {
		return nil, err
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return nil, errors.New("taskset not found on PATH, needed to pin the target to CPUs " + cpus + "; install util-linux, or run without CPU pinning")
	}
	return append([]string{taskset, "-c", FormatCPUSet(want)}, argv...), nil
}

package host

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Sweep removes what latbench processes that are gone left behind: the
// process groups of their ledgers, and the network namespaces and links
// whose names carry latbench's tag and the pid of an owner that no longer
// runs. Nothing of a latbench that still runs is touched, nor anything
// without latbench's tag. Each removal is named in a line to log. Where
// the machine gives no rights to look (no root), it does nothing.
func Sweep(ctx context.Context, log func(string)) error {
	errs := []error{sweepLedgers(log)}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("ip"); err == nil {
			errs = append(errs, sweepNamespaces(ctx, log), sweepLinks(ctx, log))
		}
	}
	return errors.Join(errs...)
}

// alive reports whether process pid runs (start 0: any process with that
// pid; else one that started then).
func alive(pid int, start uint64) bool {
	got, err := processStart(pid)
	return err == nil && (start == 0 || got == start)
}

// sweepLedgers kills the process groups of the ledgers whose owner is
// gone, and removes those ledgers.
func sweepLedgers(log func(string)) error {
	files, _ := filepath.Glob(filepath.Join(StateDir(), "*.json"))
	var errs []error
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var rec ledgerRecord
		if err := json.Unmarshal(data, &rec); err != nil || rec.Owner <= 0 || alive(rec.Owner, rec.OwnerStart) {
			continue
		}
		for _, g := range rec.Groups {
			if killGroup(g) {
				log(fmt.Sprintf("killed process group %d (%s), left running by latbench %d, which is gone", g.Pgid, g.Argv, rec.Owner))
			}
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// killGroup kills what is left of group g and reports whether anything
// was. Its leader, if it still runs, must be the process that was
// recorded; without a leader, the group's members are its own (Linux
// never gives a new process the pid of a group that still has members).
func killGroup(g ledgerGroup) bool {
	if start, err := processStart(g.Pgid); err == nil && start != g.Start {
		return false // the pid is another process's now
	}
	if len(groupMembers(g.Pgid)) == 0 {
		return false
	}
	return syscall.Kill(-g.Pgid, syscall.SIGKILL) == nil
}

// groupMembers returns the pids of the processes of group pgid.
func groupMembers(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, err := processGroup(pid); err == nil && g == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// sweepNamespaces deletes the namespaces of owners that are gone.
func sweepNamespaces(ctx context.Context, log func(string)) error {
	out, err := exec.CommandContext(ctx, "ip", "netns", "list").Output()
	if err != nil {
		return nil // no namespace support: nothing to sweep
	}
	var errs []error
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if owner := ownerOfNamespace(f[0]); owner > 0 && !alive(owner, 0) {
			if err := NetCommand(ctx, []string{"ip", "netns", "del", f[0]}); err != nil {
				errs = append(errs, err)
				continue
			}
			log(fmt.Sprintf("removed network namespace %s, left by latbench %d, which is gone", f[0], owner))
		}
	}
	return errors.Join(errs...)
}

// sweepLinks deletes the links (veth ends, bridges) of owners that are
// gone. Deleting one end of a veth pair deletes both.
func sweepLinks(ctx context.Context, log func(string)) error {
	out, err := exec.CommandContext(ctx, "ip", "-o", "link", "show").Output()
	if err != nil {
		return nil
	}
	var errs []error
	for _, name := range linkNames(string(out)) {
		owner := ownerOfLink(name)
		if owner == 0 || alive(owner, 0) {
			continue
		}
		if err := NetCommand(ctx, []string{"ip", "link", "del", name}); err != nil {
			if exec.CommandContext(ctx, "ip", "link", "show", name).Run() != nil {
				continue // gone with its peer meanwhile
			}
			errs = append(errs, err)
			continue
		}
		log(fmt.Sprintf("removed link %s, left by latbench %d, which is gone", name, owner))
	}
	return errors.Join(errs...)
}

// linkNames reads the link names of `ip -o link show`: "3: name@peer: ...".
func linkNames(out string) []string {
	var names []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		names = append(names, name)
	}
	return names
}

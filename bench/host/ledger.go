package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Ledger records the process groups a latbench process starts (targets,
// agents, relays) in a file of its own in StateDir, for as long as they
// run. Its children die with latbench even when it is killed with
// SIGKILL (their parent-death signal), but their own children do not,
// such as nginx's workers or a Python target's processes: if latbench
// dies without stopping them, the next latbench finds the ledger of a
// process that is gone and kills its groups (Sweep). A nil *Ledger
// records nothing.
type Ledger struct {
	mu   sync.Mutex // guards rec and the file
	path string
	rec  ledgerRecord
}

// ledgerRecord is the ledger's file.
type ledgerRecord struct {
	Owner      int           `json:"owner"`
	OwnerStart uint64        `json:"owner_start"`
	Groups     []ledgerGroup `json:"groups"`
}

// ledgerGroup is one process group: its id, its leader's start time (so
// that a reused pid is never taken for it) and its command line.
type ledgerGroup struct {
	Pgid  int    `json:"pgid"`
	Start uint64 `json:"start"`
	Argv  string `json:"argv"`
}

// OpenLedger returns this process's ledger; nothing is written until a
// group is added.
func OpenLedger() (*Ledger, error) {
	pid := os.Getpid()
	start, err := processStart(pid)
	if err != nil {
		return nil, err
	}
	return &Ledger{path: filepath.Join(StateDir(), strconv.Itoa(pid)+".json"),
		rec: ledgerRecord{Owner: pid, OwnerStart: start}}, nil
}

// Add records the process group led by pid, just started with argv.
func (l *Ledger) Add(pid int, argv []string) error {
	if l == nil {
		return nil
	}
	start, err := processStart(pid)
	if err != nil {
		return nil // it has exited already: nothing to sweep
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rec.Groups = append(l.rec.Groups, ledgerGroup{Pgid: pid, Start: start, Argv: strings.Join(argv, " ")})
	return l.writeLocked()
}

// Remove forgets the group led by pid, once it is stopped.
func (l *Ledger) Remove(pid int) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rec.Groups = slices.DeleteFunc(l.rec.Groups, func(g ledgerGroup) bool { return g.Pgid == pid })
	return l.writeLocked()
}

// writeLocked writes the ledger, or removes its file when it is empty.
func (l *Ledger) writeLocked() error {
	if len(l.rec.Groups) == 0 {
		if err := os.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(l.path), 0o755); err != nil {
		return fmt.Errorf("latbench's ledger: %w", err)
	}
	data, err := json.Marshal(&l.rec)
	if err != nil {
		return err
	}
	tmp := l.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("latbench's ledger: %w", err)
	}
	return os.Rename(tmp, l.path)
}

// processStart returns the start time of process pid, in clock ticks
// since boot (field 22 of /proc/<pid>/stat).
func processStart(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStart(string(b))
}

// parseStart reads the start time from a /proc/<pid>/stat line. The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'.
func parseStart(stat string) (uint64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("not a /proc stat line")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); the start time is field 22.
	if len(f) < 20 {
		return 0, errors.New("short /proc stat line")
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// processGroup returns the process group of process pid (field 5).
func processGroup(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("not a /proc stat line")
	}
	f := strings.Fields(string(b)[i+1:])
	if len(f) < 3 {
		return 0, errors.New("short /proc stat line")
	}
	return strconv.Atoi(f[2])
}

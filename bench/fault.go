package bench

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// Fault kinds: what goes wrong during a cell's measured window.
const (
	// FaultSlowBackend makes a proxy's backend answer Delay later than it
	// would, For long: latbench puts a relay between proxy and backend.
	FaultSlowBackend = "slow-backend"
	// FaultStopTarget freezes the target (SIGSTOP to its process group)
	// for For, then lets it go on (SIGCONT): a GC pause, a VM steal.
	FaultStopTarget = "stop-target"
	// FaultStopBackend freezes a proxy's backend the same way.
	FaultStopBackend = "stop-backend"
	// FaultKillBackend kills a proxy's backend (SIGKILL) and, when For is
	// set, starts it again on the same address For later.
	FaultKillBackend = "kill-backend"
)

// faultKinds lists the kinds, for errors and suggestions.
var faultKinds = []string{FaultSlowBackend, FaultStopTarget, FaultStopBackend, FaultKillBackend}

// Fault is one fault of a cell's timeline.
type Fault struct {
	// At is the fault's offset into the measured window.
	At time.Duration
	// Kind is one of the Fault* kinds.
	Kind string
	// Delay is slow-backend's added delay.
	Delay time.Duration
	// For is how long the fault lasts; for kill-backend, how long the
	// backend stays dead before it is started again (0: never).
	For time.Duration
}

// String writes the fault the way ParseFault reads it.
func (f Fault) String() string {
	at := "at " + f.At.String() + ": " + f.Kind
	switch f.Kind {
	case FaultSlowBackend:
		return fmt.Sprintf("%s %v for %v", at, f.Delay, f.For)
	case FaultKillBackend:
		if f.For == 0 {
			return at
		}
		return fmt.Sprintf("%s restart after %v", at, f.For)
	}
	return fmt.Sprintf("%s %v", at, f.For)
}

// OnBackend reports whether the fault hits a proxy's backend.
func (f Fault) OnBackend() bool { return f.Kind != FaultStopTarget }

// End returns when the fault is over, as an offset into the window.
func (f Fault) End() time.Duration { return f.At + f.For }

// ParseFault parses one fault:
//
//	at 10s: slow-backend 200ms for 5s
//	at 20s: stop-target 1s
//	at 20s: stop-backend 1s
//	at 30s: kill-backend restart after 2s
//	at 30s: kill-backend
func ParseFault(s string) (Fault, error) {
	var f Fault
	head, body, ok := strings.Cut(strings.TrimSpace(s), ":")
	when, hasAt := strings.CutPrefix(strings.TrimSpace(head), "at ")
	if !ok || !hasAt {
		return f, fmt.Errorf("fault %q: write it as `at OFFSET: KIND ...`, e.g. `at 10s: stop-target 1s`", s)
	}
	var err error
	if f.At, err = faultDuration("offset", when); err != nil {
		return f, fmt.Errorf("fault %q: %w", s, err)
	}
	words := strings.Fields(body)
	if len(words) == 0 {
		return f, fmt.Errorf("fault %q: no kind; kinds: %s", s, strings.Join(faultKinds, ", "))
	}
	f.Kind = words[0]
	if err := f.parseArgs(words[1:]); err != nil {
		return f, fmt.Errorf("fault %q: %w", s, err)
	}
	return f, nil
}

// parseArgs reads the words after the kind.
func (f *Fault) parseArgs(args []string) error {
	var err error
	switch {
	case f.Kind == FaultSlowBackend && len(args) == 3 && args[1] == "for":
		if f.Delay, err = faultDuration("delay", args[0]); err == nil {
			f.For, err = faultDuration("length", args[2])
		}
	case (f.Kind == FaultStopTarget || f.Kind == FaultStopBackend) && len(args) == 1:
		f.For, err = faultDuration("length", args[0])
	case f.Kind == FaultKillBackend && len(args) == 0:
	case f.Kind == FaultKillBackend && len(args) == 3 && args[0] == "restart" && args[1] == "after":
		f.For, err = faultDuration("restart delay", args[2])
	case !slices.Contains(faultKinds, f.Kind):
		hint := ""
		if c := scenarios.Closest(f.Kind, faultKinds); c != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", c)
		}
		return fmt.Errorf("unknown fault %q%s; kinds: %s", f.Kind, hint, strings.Join(faultKinds, ", "))
	default:
		return fmt.Errorf("%s takes %s", f.Kind, faultUsage(f.Kind))
	}
	if err == nil && f.For == 0 && f.Kind != FaultKillBackend {
		err = fmt.Errorf("%s needs a length above 0", f.Kind)
	}
	return err
}

// faultUsage says how a kind is written.
func faultUsage(kind string) string {
	switch kind {
	case FaultSlowBackend:
		return "`DELAY for LENGTH`, e.g. `slow-backend 200ms for 5s`"
	case FaultKillBackend:
		return "nothing, or `restart after DURATION`, e.g. `kill-backend restart after 2s`"
	}
	return "a length, e.g. `" + kind + " 1s`"
}

// faultDuration parses a duration that may not be negative.
func faultDuration(what, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s %q is not a duration like 500ms or 10s", what, s)
	}
	return d, nil
}

// CheckFaults checks a cell's faults against its window: every fault
// starts and ends inside it, and backend faults need a proxy cell.
func CheckFaults(faults []Fault, window time.Duration, proxy bool) error {
	for _, f := range faults {
		switch {
		case window > 0 && f.At >= window:
			return fmt.Errorf("fault `%v` starts at %v, outside the measured window of %v", f, f.At, window)
		case window > 0 && f.End() > window:
			return fmt.Errorf("fault `%v` ends at %v, after the measured window of %v ends: shorten it or lengthen --duration", f, f.End(), window)
		case window == 0:
			return fmt.Errorf("fault `%v`: faults need a measured window (--duration), not only a request count", f)
		case f.OnBackend() && !proxy:
			return fmt.Errorf("fault `%v` hits a proxy's backend: it needs a proxy cell (--backend NAME)", f)
		}
	}
	return nil
}

package servers

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// groupPollInterval is how often Stop looks for processes left in the
// target's process group.
const groupPollInterval = 10 * time.Millisecond

// Stop ends the target: SIGTERM to the process group of every copy, then
// up to grace (DefaultGrace when grace <= 0) for each copy's main process
// and every other member of its group to exit, then SIGKILL to the groups
// left. The stdin of a copy that still runs halfway through grace is
// closed then: a second request to stop, for programs that ignore SIGTERM
// but quit when their input ends. (Not both at once: a program that
// handles both can race with itself; NetCrusher's shutdown hook and its
// main then both close the crusher and, one time in five, hang.) It
// returns an error wrapping ErrForceKilled when SIGKILL was needed. Stop
// is idempotent and safe for concurrent use; later calls return the first
// call's result. For an external target it does nothing.
func (p *Process) Stop(grace time.Duration) error {
	if len(p.copies) == 0 {
		return nil
	}
	p.stopOnce.Do(func() {
		p.stopErr = p.stop(grace)
		if p.workdir != "" {
			os.RemoveAll(p.workdir)
		}
		for _, c := range p.copies {
			if err := p.ledger.Remove(c.pgid()); err != nil && p.stopErr == nil {
				p.stopErr = err
			}
		}
	})
	return p.stopErr
}

// stop implements Stop.
func (p *Process) stop(grace time.Duration) error {
	if grace <= 0 {
		grace = DefaultGrace
	}
	select {
	case <-p.exited:
		// A copy exited on its own before Stop: ExitError keeps reporting it.
	default:
		p.stopping.Store(true)
	}
	now := time.Now()
	deadline, endInput := now.Add(grace), now.Add(grace/2)
	var errs []error
	for _, c := range p.copies {
		if err := signalGroup(c.pgid(), syscall.SIGTERM); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, c := range p.copies {
		waitClosed(c.exited, time.Until(endInput))
		// An error only means that the pipe is closed already (exec closes
		// it once the copy has exited).
		_ = c.stdin.Close()
	}
	var whys []string
	var stubborn []*instance
	for _, c := range p.copies {
		why := ""
		if !waitClosed(c.exited, time.Until(deadline)) {
			why = fmt.Sprintf("ignored SIGTERM for %v", grace)
		} else if left := waitGroupGone(c.pgid(), deadline); len(left) > 0 {
			why = fmt.Sprintf("left processes %v running %v after SIGTERM", left, grace)
		}
		if why != "" {
			whys = append(whys, p.copyLabel(c)+why)
			stubborn = append(stubborn, c)
		}
	}
	if len(stubborn) == 0 {
		return nil
	}
	for _, c := range stubborn {
		if err := p.kill(c); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return fmt.Errorf("target %s %s; %w", p.name, strings.Join(whys, "; "), ErrForceKilled)
}

// kill sends SIGKILL to the copy's group and waits until it is gone.
func (p *Process) kill(c *instance) error {
	pgid := c.pgid()
	if err := signalGroup(pgid, syscall.SIGKILL); err != nil {
		return err
	}
	deadline := time.Now().Add(killWait)
	if !waitClosed(c.exited, killWait) {
		return fmt.Errorf("target %s %s(pid %d) did not exit %v after SIGKILL", p.name, p.copyLabel(c), pgid, killWait)
	}
	if left := waitGroupGone(pgid, deadline); len(left) > 0 {
		return fmt.Errorf("target %s %sprocesses %v did not exit %v after SIGKILL", p.name, p.copyLabel(c), left, killWait)
	}
	return nil
}

// signalGroup sends sig to every process in group pgid. A group that no
// longer exists is not an error.
func signalGroup(pgid int, sig syscall.Signal) error {
	err := syscall.Kill(-pgid, sig)
	if err == nil || errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return fmt.Errorf("send %v to process group %d: %w", sig, pgid, err)
}

// waitClosed reports whether ch is closed within d. A channel that is
// already closed counts even when d <= 0.
func waitClosed(ch <-chan struct{}, d time.Duration) bool {
	// Without this check a select between a closed ch and an expired timer
	// would pick either at random.
	select {
	case <-ch:
		return true
	default:
	}
	timer := time.NewTimer(max(d, 0))
	defer timer.Stop()
	select {
	case <-ch:
		return true
	case <-timer.C:
		return false
	}
}

// waitGroupGone waits until no live (non-zombie) process is left in group
// pgid or the deadline passes, and returns the pids still alive then.
func waitGroupGone(pgid int, deadline time.Time) []int {
	for {
		left := livePids(readGroup(pgid))
		if len(left) == 0 || !time.Now().Before(deadline) {
			return left
		}
		time.Sleep(groupPollInterval)
	}
}

// livePids returns the pids of the processes that are not zombies. A
// zombie has exited; it only waits for its parent (or init) to reap it.
func livePids(procs []procStat) []int {
	var pids []int
	for _, ps := range procs {
		if ps.State != 'Z' && ps.State != 'X' {
			pids = append(pids, ps.PID)
		}
	}
	return pids
}

package bench

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// timerFD sleeps on a Linux timerfd read through Go's netpoller. The
// kernel's high-resolution timer makes the fd readable on time (within the
// timer slack), and while it waits the goroutine is parked like any other:
// its P is free to run the workers, unlike a nanosleep system call, which
// holds the P until the runtime notices, nor time.Sleep, whose wake-ups
// have the netpoller's millisecond granularity.
type timerFD struct {
	f   *os.File
	fd  int     // f's descriptor, valid until close
	buf [8]byte // receives the expiration count each read returns
}

// newTimerFD creates a non-blocking monotonic timerfd.
func newTimerFD() (*timerFD, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd_create: %w", err)
	}
	// os.NewFile registers a non-blocking descriptor with the netpoller.
	return &timerFD{f: os.NewFile(uintptr(fd), "timerfd"), fd: fd}, nil
}

// sleep parks the goroutine for d (d > 0).
func (t *timerFD) sleep(d time.Duration) error {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(int64(d), 1))}
	if err := unix.TimerfdSettime(t.fd, 0, &spec, nil); err != nil {
		return fmt.Errorf("timerfd_settime: %w", err)
	}
	if _, err := t.f.Read(t.buf[:]); err != nil {
		return fmt.Errorf("timerfd read: %w", err)
	}
	return nil
}

// close releases the timerfd.
func (t *timerFD) close() error { return t.f.Close() }

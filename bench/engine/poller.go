package engine

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pollEvents is how many events one epoll call returns at most.
const pollEvents = 1024

// wakeSlot is the epoll data of the poller's eventfd, which no connection
// slot uses.
const wakeSlot = -1

// poller is one loop's epoll instance and an eventfd that wakes it from
// another goroutine (a stop). Only the loop's thread calls wait.
type poller struct {
	epfd   int
	wakefd int
	events []unix.EpollEvent
	// msOnly is set once epoll_pwait2 turned out to be missing (a kernel
	// before 5.11): sleeps then round up to whole milliseconds.
	msOnly bool
}

// newPoller returns a poller, or the system's error.
func newPoller() (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, osError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, osError("eventfd", err)
	}
	p := &poller{epfd: epfd, wakefd: wakefd, events: make([]unix.EpollEvent, pollEvents)}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: wakeSlot}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		p.close()
		return nil, osError("epoll_ctl", err)
	}
	return p, nil
}

// add registers a connection's socket, edge-triggered, for reads, writes
// and hang-ups. slot and gen come back with each event, so that an event
// of a socket closed since (and its number reused) is recognised.
func (p *poller) add(fd int, slot, gen int32) unix.Errno {
	ev := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET,
		Fd:     slot,
		Pad:    gen,
	}
	_, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(p.epfd), unix.EPOLL_CTL_ADD,
		uintptr(fd), uintptr(unsafe.Pointer(&ev)), 0, 0)
	return errno
}

// wait returns how many events arrived within timeout (0: poll and
// return at once). Both are raw system calls, which the Go scheduler does
// not see: a loop owns its thread and its P, and a scheduled system call
// that sleeps past 20 µs would make the runtime hand the P to another
// thread and back, tens of thousands of context switches a second on the
// client's own CPU. The runtime can still stop the loop (for a garbage
// collection, say): its preemption signal ends the wait with EINTR. A
// sleep uses epoll_pwait2, precise to the nanosecond instead of
// epoll_wait's milliseconds.
func (p *poller) wait(timeout time.Duration) int {
	var n uintptr
	var errno unix.Errno
	if timeout <= 0 {
		n, _, errno = unix.RawSyscall6(unix.SYS_EPOLL_WAIT, uintptr(p.epfd),
			uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), 0, 0, 0)
	} else if !p.msOnly {
		ts := unix.NsecToTimespec(int64(timeout))
		n, _, errno = unix.RawSyscall6(unix.SYS_EPOLL_PWAIT2, uintptr(p.epfd),
			uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), uintptr(unsafe.Pointer(&ts)), 0, 0)
		p.msOnly = errno == unix.ENOSYS
	} else {
		ms := (timeout + time.Millisecond - 1) / time.Millisecond
		n, _, errno = unix.RawSyscall6(unix.SYS_EPOLL_WAIT, uintptr(p.epfd),
			uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), uintptr(ms), 0, 0)
	}
	if errno != 0 {
		return 0 // EINTR: the next turn polls again
	}
	return int(n)
}

// wake makes the loop's current or next wait return at once. It is safe
// to call from any goroutine.
func (p *poller) wake() {
	one := [8]byte{1}
	unix.Write(p.wakefd, one[:])
}

// close releases the epoll instance and the eventfd.
func (p *poller) close() {
	unix.Close(p.epfd)
	unix.Close(p.wakefd)
}

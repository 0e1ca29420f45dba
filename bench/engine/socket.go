package engine

import (
	"fmt"
	"net"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/latbench/latbench/scenarios"
)

// dialer opens the non-blocking sockets of a loop. dial returns a socket
// whose connect has started (or finished): the loop learns the outcome
// when the socket becomes writable. Tests replace it with socket pairs.
type dialer interface {
	dial() (fd int, errno unix.Errno)
}

// tcpDialer connects to one of a list of TCP addresses, slot by slot.
type tcpDialer struct {
	family int
	addrs  []unix.Sockaddr
	next   int
}

// newTCPDialer resolves addrs once, so that no request resolves or
// allocates.
func newTCPDialer(addrs []string) (*tcpDialer, error) {
	d := &tcpDialer{}
	for _, a := range addrs {
		ta, err := net.ResolveTCPAddr("tcp", a)
		if err != nil {
			return nil, fmt.Errorf("target address %q: %w", a, err)
		}
		family, sa := unix.AF_INET, unix.Sockaddr(nil)
		if ip4 := ta.IP.To4(); ip4 != nil {
			sa4 := &unix.SockaddrInet4{Port: ta.Port}
			copy(sa4.Addr[:], ip4)
			sa = sa4
		} else {
			family = unix.AF_INET6
			sa6 := &unix.SockaddrInet6{Port: ta.Port}
			copy(sa6.Addr[:], ta.IP.To16())
			sa = sa6
		}
		if len(d.addrs) > 0 && family != d.family {
			return nil, fmt.Errorf("target addresses %v mix IPv4 and IPv6", addrs)
		}
		d.family = family
		d.addrs = append(d.addrs, sa)
	}
	if len(d.addrs) == 0 {
		return nil, fmt.Errorf("no target address given")
	}
	return d, nil
}

// dial starts a connection to the next address, with Nagle's algorithm
// off as every latency client must.
func (d *tcpDialer) dial() (int, unix.Errno) {
	fd, err := unix.Socket(d.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, errnoOf(err)
	}
	one := int32(1)
	unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY,
		uintptr(unsafe.Pointer(&one)), 4, 0)
	sa := d.addrs[d.next]
	d.next = (d.next + 1) % len(d.addrs)
	if err := unix.Connect(fd, sa); err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return -1, errnoOf(err)
	}
	return fd, 0
}

// errnoOf returns err as an Errno; anything else becomes EIO.
func errnoOf(err error) unix.Errno {
	if e, ok := err.(unix.Errno); ok {
		return e
	}
	return unix.EIO
}

// sysRead reads from a non-blocking socket. It never blocks, so it skips
// the Go scheduler's system call bookkeeping.
func sysRead(fd int, p []byte) (int, unix.Errno) {
	n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errno
}

// sysWrite writes to a non-blocking socket without blocking.
func sysWrite(fd int, p []byte) (int, unix.Errno) {
	n, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errno
}

// socketError returns the pending error of a socket whose connect has
// ended: 0 when it connected.
func socketError(fd int) unix.Errno {
	var v int32
	size := uint32(4)
	_, _, errno := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_ERROR,
		uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&size)), 0)
	if errno != 0 {
		return errno
	}
	return unix.Errno(v)
}

// ioClass is the error class of a failed read or write.
func ioClass(errno unix.Errno) scenarios.ErrorClass {
	switch errno {
	case unix.ECONNRESET, unix.EPIPE, unix.ECONNABORTED:
		return scenarios.ErrReset
	case unix.ETIMEDOUT:
		return scenarios.ErrTimeout
	}
	return scenarios.ErrOther
}

// osError wraps a system call's error with its name.
func osError(call string, err error) error {
	return os.NewSyscallError(call, err)
}

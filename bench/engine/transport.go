package engine

import (
	"golang.org/x/sys/unix"
)

// A transport is how a connection's bytes cross its socket: as they are
// (plainTransport), or through TLS (tlsTransport). The loop reads and
// writes through it, as wrk's sock table does, so that nothing else in
// the loop changes with the protocol. Every method works on a
// non-blocking socket and never blocks.
type transport interface {
	// read reads what has arrived into p: n > 0; or 0 with EAGAIN when
	// nothing has; or 0 and 0 at the end of the stream; or an errno.
	read(fd int, p []byte) (int, unix.Errno)
	// write writes p, or its start: it returns how many bytes of p it
	// took. A transport may take all of p and keep what the socket did
	// not take (flush writes it).
	write(fd int, p []byte) (int, unix.Errno)
	// flush writes what write kept: 0 once nothing is left, EAGAIN while
	// the socket is full.
	flush(fd int) unix.Errno
	// drains reports whether a read shorter than its buffer means the
	// socket is drained; false when the transport may hold bytes read
	// ahead (a TLS record layer).
	drains() bool
}

// plainTransport reads and writes the socket directly.
type plainTransport struct{}

func (plainTransport) read(fd int, p []byte) (int, unix.Errno)  { return sysRead(fd, p) }
func (plainTransport) write(fd int, p []byte) (int, unix.Errno) { return writeSome(fd, p) }
func (plainTransport) flush(int) unix.Errno                     { return 0 }
func (plainTransport) drains() bool                             { return true }

// writeSome writes what the socket takes of p now: EAGAIN is not an
// error, it takes nothing.
func writeSome(fd int, p []byte) (int, unix.Errno) {
	written := 0
	for written < len(p) {
		n, errno := sysWrite(fd, p[written:])
		switch errno {
		case 0:
			written += n
		case unix.EAGAIN:
			return written, 0
		case unix.EINTR:
		default:
			return written, errno
		}
	}
	return written, 0
}

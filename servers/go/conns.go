package main

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// Bounds of the pause after a failed Accept (for example EMFILE), so
// that a burst of failures does not spin the CPU.
const (
	minAcceptDelay = 5 * time.Millisecond
	maxAcceptDelay = 100 * time.Millisecond
)

// serveConns accepts connections from ln and runs handle for each one
// in its own goroutine until ctx is done. When ctx is done it closes ln
// and every live connection, waits for all handlers to return and
// returns nil. It closes each connection after its handler returns.
func serveConns(ctx context.Context, ln net.Listener, handle func(context.Context, net.Conn)) error {
	var wg sync.WaitGroup
	conns := newConnSet()
	shutdown := func() {
		ln.Close()
		conns.closeAll()
	}
	stop := context.AfterFunc(ctx, shutdown)
	defer func() {
		stop()
		shutdown()
		wg.Wait()
	}()
	err := acceptLoop(ln, func(c net.Conn) {
		if !conns.add(c) {
			c.Close()
			return
		}
		wg.Go(func() {
			defer conns.remove(c)
			defer c.Close()
			handle(ctx, c)
		})
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// acceptLoop calls handle with every connection accepted from ln until
// ln is closed, and returns the error that ended it. Other Accept errors
// are retried after a short, growing pause.
func acceptLoop(ln net.Listener, handle func(net.Conn)) error {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err == nil {
			delay = 0
			handle(c)
			continue
		}
		if errors.Is(err, net.ErrClosed) {
			return err
		}
		delay = min(max(2*delay, minAcceptDelay), maxAcceptDelay)
		time.Sleep(delay)
	}
}

// connSet tracks live connections so they can all be closed at
// shutdown. Once closeAll has run, add refuses new connections.
type connSet struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// newConnSet returns an empty, open connSet.
func newConnSet() *connSet {
	return &connSet{conns: make(map[net.Conn]struct{})}
}

// add records c and reports whether it did; it returns false after
// closeAll, in which case the caller must close c itself.
func (s *connSet) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// remove forgets c.
func (s *connSet) remove(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// closeAll closes every recorded connection and marks the set closed.
// It closes them without holding the lock, so a connection's Close may
// call remove.
func (s *connSet) closeAll() {
	s.mu.Lock()
	s.closed = true
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// trackedListener records every connection it accepts in conns until the
// connection is closed, so that a shutdown can close the connections a
// server library would wait for (gRPC waits for a client that connected
// but has not sent its preface or finished its TLS handshake yet).
type trackedListener struct {
	net.Listener
	conns *connSet
}

// newTrackedListener wraps ln; the connections it accepts are in the
// returned listener's conns.
func newTrackedListener(ln net.Listener) *trackedListener {
	return &trackedListener{Listener: ln, conns: newConnSet()}
}

// Accept returns the next connection, recorded. After conns.closeAll it
// returns each new connection already closed.
func (l *trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, set: l.conns}
	if !l.conns.add(tc) {
		c.Close()
	}
	return tc, nil
}

// trackedConn is a connection of a trackedListener: closing it removes it
// from the listener's set.
type trackedConn struct {
	net.Conn
	set *connSet
}

// Close forgets c and closes it.
func (c *trackedConn) Close() error {
	c.set.remove(c)
	return c.Conn.Close()
}

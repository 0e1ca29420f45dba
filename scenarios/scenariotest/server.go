// Package scenariotest helps test scenarios and the engine: a real TCP
// server on 127.0.0.1:0 in the manner of net/http/httptest, Feed and
// CheckZeroAllocs to drive a session with canned responses, and Exchange
// and Loop, a blocking test stand-in for the engine that drives a session
// over real connections.
package scenariotest

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Server is a TCP server on 127.0.0.1:0 that runs a handler for every
// accepted connection. It stops at test cleanup: it closes the listener
// and every connection, then waits for the handlers to return.
type Server struct {
	ln       net.Listener
	accepted atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex // guards conns
	conns    map[net.Conn]struct{}
}

// Start starts a Server whose connections are served by handle; handle
// need not close its connection.
func Start(t testing.TB, handle func(net.Conn)) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.serve(handle)
	t.Cleanup(s.Close)
	return s
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Accepted returns the number of connections accepted so far.
func (s *Server) Accepted() int64 { return s.accepted.Load() }

// serve accepts connections until the listener closes.
func (s *Server) serve(handle func(net.Conn)) {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.accepted.Add(1)
		s.mu.Lock()
		s.conns[conn] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			handle(conn)
		}()
	}
}

// Close stops accepting, closes every connection and waits for the
// handlers. It is called at test cleanup and may be called earlier.
func (s *Server) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

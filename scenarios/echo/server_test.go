package echo

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// testServer is a TCP server on 127.0.0.1:0 that runs handle for every
// accepted connection. It counts connections and stops at test cleanup.
type testServer struct {
	ln       net.Listener
	accepted atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
}

// startServer starts a testServer whose connections are served by handle.
func startServer(t testing.TB, handle func(net.Conn)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.serve(handle)
	t.Cleanup(s.close)
	return s
}

// Addr returns the address the server listens on.
func (s *testServer) Addr() string { return s.ln.Addr().String() }

// serve accepts connections until the listener closes.
func (s *testServer) serve(handle func(net.Conn)) {
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

// close stops accepting, closes every connection and waits for handlers.
func (s *testServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// echoHandler writes back every byte it reads. Its buffer is allocated once
// per connection, so the steady state allocates nothing and does not
// disturb allocation counts.
func echoHandler(conn net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// corruptHandler echoes like echoHandler but changes the first byte of
// every read.
func corruptHandler(conn net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			buf[0]++
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// halfHandler reads one request of size bytes, echoes its first half and
// closes the connection.
func halfHandler(size int) func(net.Conn) {
	return func(conn net.Conn) {
		buf := make([]byte, size)
		if _, err := io.ReadFull(conn, buf); err != nil {
			return
		}
		conn.Write(buf[:size/2])
	}
}

// silentHandler reads everything and never answers.
func silentHandler(conn net.Conn) {
	io.Copy(io.Discard, conn)
}

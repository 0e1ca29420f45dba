package echo

import (
	"github.com/latbench/latbench/scenarios/scenariotest"

	"io"
	"net"
	"testing"
)

// startServer starts a test server on 127.0.0.1:0 whose connections are
// served by handle.
func startServer(t testing.TB, handle func(net.Conn)) *scenariotest.Server {
	return scenariotest.Start(t, handle)
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

package echo

import (
	"bytes"
	"io"
	"net"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// client is an echo client. It owns at most one connection and is used by
// one goroutine. Once connected, Do does not allocate.
type client struct {
	addr   string
	dialer net.Dialer
	conn   net.Conn
	req    []byte // the payload, built once
	resp   []byte // receives the echo, same length as req
}

// newClient returns a client that sends size bytes per request to addr. It
// does not dial: the first Do connects. size must be positive; New checks
// the limits, newClient trusts its caller.
func newClient(addr string, size int) *client {
	return &client{addr: addr, req: Payload(size), resp: make([]byte, size)}
}

// Do sends the payload and reads it back, connecting first if needed. The
// deadline bounds the whole request. On any error the connection is closed,
// so the next Do reconnects.
func (c *client) Do(deadline time.Time) error {
	if c.conn == nil {
		if err := c.connect(deadline); err != nil {
			return err
		}
	}
	if err := c.exchange(deadline); err != nil {
		c.Close()
		return err
	}
	return nil
}

// connect dials addr, bounded by deadline.
func (c *client) connect(deadline time.Time) error {
	c.dialer.Deadline = deadline
	conn, err := c.dialer.Dial("tcp", c.addr)
	if err != nil {
		return err
	}
	c.conn = conn
	return nil
}

// exchange performs one request on the open connection. The payload goes
// out in pieces of at most chunkSize, each read back before the next is
// written.
func (c *client) exchange(deadline time.Time) error {
	if err := c.conn.SetDeadline(deadline); err != nil {
		return err
	}
	for off := 0; off < len(c.req); off += chunkSize {
		end := min(off+chunkSize, len(c.req))
		if _, err := c.conn.Write(c.req[off:end]); err != nil {
			return err
		}
		if _, err := io.ReadFull(c.conn, c.resp[off:end]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return scenarios.ErrShortResponse
			}
			return err
		}
	}
	if !bytes.Equal(c.req, c.resp) {
		return scenarios.ErrPayloadMismatch
	}
	return nil
}

// Close closes the connection, if any. It is safe to call more than once.
func (c *client) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

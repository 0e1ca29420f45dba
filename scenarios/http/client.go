package http

import (
	"net"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// Errors for responses that parse but are not what was expected.
var (
	errStatus = &scenarios.RequestError{Class: scenarios.ErrStatus,
		Msg: "http: response status differs from the expected one"}
	errBodyLength = &scenarios.RequestError{Class: scenarios.ErrPayload,
		Msg: "http: response body length differs from the expected one"}
)

// client is an http Client. Once connected, Do does not allocate: the
// request bytes are built once and the response is parsed in place.
type client struct {
	addr           string
	dialer         net.Dialer
	conn           net.Conn
	rr             *responseReader
	req            []byte
	keepAlive      bool
	reconnectEvery int // 0: never
	used           int // requests done on the current connection
	expectStatus   int
	expectLength   int64 // AnyLength: no check
}

// Do sends the request and reads the whole response, connecting first if
// needed. It closes the connection after the response when the server
// said it would close, when keep-alive is off, when the connection has
// served ReconnectEvery requests, and on any error.
func (c *client) Do(deadline time.Time) error {
	if c.conn == nil {
		if err := c.connect(deadline); err != nil {
			return err
		}
	}
	resp, err := c.exchange(deadline)
	if err != nil {
		c.Close()
		return err
	}
	c.used++
	if resp.close || !c.keepAlive || c.used == c.reconnectEvery {
		c.Close()
	}
	return c.check(resp)
}

// connect dials addr, bounded by deadline, and points the reader at the
// new connection.
func (c *client) connect(deadline time.Time) error {
	c.dialer.Deadline = deadline
	conn, err := c.dialer.Dial("tcp", c.addr)
	if err != nil {
		return err
	}
	c.conn = conn
	c.used = 0
	c.rr.reset(conn)
	return nil
}

// exchange writes the request and reads the response.
func (c *client) exchange(deadline time.Time) (response, error) {
	if err := c.conn.SetDeadline(deadline); err != nil {
		return response{}, err
	}
	if _, err := c.conn.Write(c.req); err != nil {
		return response{}, err
	}
	return c.rr.read()
}

// check compares a response with the expected status and body length. A
// mismatch closes the connection, as every error does.
func (c *client) check(resp response) error {
	var err error
	switch {
	case resp.status != c.expectStatus:
		err = errStatus
	case c.expectLength != AnyLength && resp.bodyLen != c.expectLength:
		err = errBodyLength
	default:
		return nil
	}
	c.Close()
	return err
}

// Close closes the connection, if any. It is safe to call more than once.
func (c *client) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	c.rr.reset(nil)
	return err
}

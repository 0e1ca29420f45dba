package scenarios

// A multiplexed scenario (HTTP/2, gRPC) carries several requests at once
// on one connection. The engine still does every connect, read, write,
// close and timeout; the scenario's Conn is the connection's protocol
// state machine: it says which bytes to send, takes the bytes that
// arrive, and says which of its streams ended and how.
//
// The engine gives each connection Streams() request slots, numbered 0
// to Streams()-1: a slot is one stream at a time, not a protocol stream
// ID, and a free slot may keep its stream open for its next request (a
// gRPC bidirectional call), which then counts against the peer's
// MAX_CONCURRENT_STREAMS. A due request takes a free slot on any
// connection of its arm; when none is free it waits, and its wait
// counts.

// Multiplexer is a scenario whose connections carry several requests at
// once. NewSession is not used for it.
type Multiplexer interface {
	Scenario
	// Streams returns how many requests one connection carries at once
	// at most (--streams).
	Streams() int
	// NewConn returns the protocol state of one connection slot: a
	// connection and its Streams() request slots.
	NewConn() Conn
	// ALPN returns the protocol to ask for over TLS ("h2"), "" for none.
	ALPN() string
}

// Conn is the protocol state of one multiplexed connection. One event
// loop uses it; no locking. Apart from Err, no method may allocate in the
// steady state.
type Conn interface {
	// Connected resets the state for a newly opened connection: every
	// slot is free, and Output holds what the client sends first (the
	// connection preface and its SETTINGS).
	Connected()
	// Start begins request class on slot s, which is free. It returns
	// false when the connection cannot start another stream now (the
	// peer's MAX_CONCURRENT_STREAMS is reached, or it sent GOAWAY): the
	// engine then tries another connection, and offers this one
	// requests again once one of its streams ended. The request's bytes
	// are in Output, possibly not all at once (flow control).
	Start(s, class int) bool
	// Consume takes the next bytes received. For each slot whose
	// request ended it calls ended(s, status): Success, or Failure with
	// the class of the error (a stream reset, a bad status, a gRPC status
	// other than OK). Retry is a request the peer refused before
	// processing it (REFUSED_STREAM, a stream above GOAWAY's last stream
	// ID): the engine sends it again, with its due time, once the slot
	// can. A Failure of the whole connection (a protocol error, a frame
	// that does not parse) ends every stream in flight, each with its
	// own call, and then Usable reports false. p is only valid during
	// the call.
	Consume(p []byte, ended func(s int, st Status))
	// Output returns the bytes the client must send now, in order:
	// requests started, control frames (SETTINGS ACK, WINDOW_UPDATE,
	// PING ACK, RST_STREAM), DATA that flow control held back. The
	// engine calls it after every Connected, Start, Consume and Cancel,
	// whether or not a stream ended, and writes all of it before it
	// calls any other method but Err: the slice stays valid until then.
	// Empty when there is nothing to send.
	Output() []byte
	// Cancel ends slot s's request on the engine's side (its timeout):
	// the stream is reset (RST_STREAM CANCEL) and the slot is free.
	Cancel(s int)
	// Closed tells the state that the peer closed the connection (read
	// returned EOF): every stream in flight ends, each with a call to
	// ended.
	Closed(ended func(s int, st Status))
	// Usable reports whether the connection may start new streams, now
	// or once streams end. false after GOAWAY or a connection error: the
	// engine closes the connection once no stream is in flight, and the
	// next request on one of its slots opens a new one.
	Usable() bool
	// Err describes slot s's last failure, or the connection's when
	// s < 0, in words for the result's error samples. It may allocate,
	// and may be called from inside ended.
	Err(s int) error
}

// Retry is the Status of a request the peer refused before processing
// it: it is sent again.
var Retry = Status{Done: true, Retry: true}

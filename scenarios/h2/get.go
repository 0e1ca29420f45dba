package h2

import (
	"fmt"
	"strings"

	"github.com/latbench/latbench/scenarios"
)

// anyLength as an expected body length turns the length check off.
const anyLength = -1

// Errors of responses that are not what a GET expects. They are
// preallocated so that a failing request does not allocate; Err replaces
// them with messages that give the values that came back.
var (
	errStatus = &scenarios.RequestError{Class: scenarios.ErrStatus,
		Msg: "h2: response status differs from 200"}
	errBodyLength = &scenarios.RequestError{Class: scenarios.ErrPayload,
		Msg: "h2: response body length differs from the expected one"}
	errNoStatus = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "h2: response headers without a valid :status"}
	errContentLength = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "h2: response with an invalid content-length"}
	errNoHeaders = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "h2: response DATA or end of stream before the response headers"}
)

// getProtocol is the h2 scenario's Protocol: a GET on each stream, and
// the checks of its response.
type getProtocol struct {
	sc    *scenario
	resps []response
	fails []getFailure
}

// getFailure records why a slot's last request failed, for Err.
type getFailure struct {
	err     *scenarios.RequestError // preallocated; nil after a success
	status  int                     // the :status that came back
	got     int64                   // the body length known
	want    int64                   // the length it was compared with
	atLeast bool                    // got is a lower bound: the body had not ended
}

// newGetProtocol returns the Protocol of a connection of sc.
func newGetProtocol(sc *scenario) *getProtocol {
	return &getProtocol{sc: sc, resps: make([]response, sc.opts.Streams), fails: make([]getFailure, sc.opts.Streams)}
}

// Request returns the GET; its stream ends with its HEADERS.
func (g *getProtocol) Request(s, _ int, _ bool) Request {
	g.resps[s] = response{length: -1}
	g.fails[s] = getFailure{}
	return Request{Headers: g.sc.block, End: true}
}

// Field records a response header field.
func (g *getProtocol) Field(s int, name, value string) { g.resps[s].field(name, value) }

// Headers checks the response headers once they have ended.
func (g *getProtocol) Headers(s int) scenarios.Status {
	return g.status(s, g.resps[s].headers(g.sc.expectLength))
}

// Data counts body bytes.
func (g *getProtocol) Data(s int, p []byte) (int, scenarios.Status) {
	return len(p), g.status(s, g.resps[s].data(len(p), g.sc.expectLength))
}

// End checks the whole response.
func (g *getProtocol) End(s int) scenarios.Status {
	r := &g.resps[s]
	if err := r.end(g.sc.expectLength); err != nil {
		return g.status(s, err)
	}
	return scenarios.Success
}

// status returns InProgress for a nil error, else records the failure
// and returns its Status.
func (g *getProtocol) status(s int, err *scenarios.RequestError) scenarios.Status {
	if err == nil {
		return scenarios.InProgress
	}
	r := &g.resps[s]
	g.fails[s] = getFailure{err: err, status: r.status, got: r.got, want: r.want, atLeast: !r.gotFinal}
	return scenarios.Failure(err.Class)
}

// Err describes slot s's last failure with the values that came back.
func (g *getProtocol) Err(s int) error {
	f := g.fails[s]
	switch f.err {
	case nil:
		return nil
	case errStatus:
		return &scenarios.RequestError{Class: scenarios.ErrStatus, Msg: fmt.Sprintf("h2: status %d, expected 200", f.status)}
	case errBodyLength:
		atLeast := ""
		if f.atLeast {
			atLeast = "at least "
		}
		return &scenarios.RequestError{Class: scenarios.ErrPayload,
			Msg: fmt.Sprintf("h2: body of %s%d bytes, expected %d", atLeast, f.got, f.want)}
	}
	return f.err
}

// response is what is known of one GET response.
type response struct {
	status int   // :status of the block being received: 0 none, -1 malformed
	length int64 // content-length: -1 none, -2 malformed or repeated differently
	final  bool  // the final (non-1xx) response headers have ended
	body   int64 // body bytes so far
	// The lengths compared when the body length was wrong, for Err.
	got, want int64
	gotFinal  bool // got is the whole body's length, not a lower bound
}

// field records a response header field. Trailers are ignored.
func (r *response) field(name, value string) {
	if r.final {
		return
	}
	switch name {
	case ":status":
		r.status = ParseStatus(value)
	case "content-length":
		n, ok := ParseDecimal(value)
		if !ok || (r.length >= 0 && n != r.length) {
			r.length = -2
			return
		}
		r.length = n
	}
}

// ParseDecimal parses a non-empty string of at most 18 ASCII digits (no
// sign), such as a content-length, without allocating.
func ParseDecimal(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false // 18 digits always fit
	}
	var n int64
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(v[i]-'0')
	}
	return n, true
}

// ParseStatus parses a :status value, three digits from 100 to 999,
// without allocating; it returns -1 for anything else.
func ParseStatus(v string) int {
	if len(v) != 3 {
		return -1
	}
	n := 0
	for i := 0; i < 3; i++ {
		if v[i] < '0' || v[i] > '9' {
			return -1
		}
		n = n*10 + int(v[i]-'0')
	}
	if n < 100 {
		return -1
	}
	return n
}

// headers checks a header block that has just ended: interim 1xx
// responses are skipped, trailers ignored, and the final response
// headers must say 200 and, if they give a length, the expected one.
func (r *response) headers(expect int64) *scenarios.RequestError {
	switch {
	case r.final:
		return nil // trailers
	case r.status <= 0:
		return errNoStatus
	case r.status < 200:
		r.status, r.length = 0, -1 // the final response follows
		return nil
	case r.status != 200:
		return errStatus
	case r.length == -2:
		return errContentLength
	case r.length >= 0 && expect != anyLength && r.length != expect:
		return r.lengthErr(r.length, expect, true) // the content-length told
	}
	r.final = true
	return nil
}

// data counts n body bytes and fails as soon as the body is longer than
// expected or than its content-length.
func (r *response) data(n int, expect int64) *scenarios.RequestError {
	if !r.final {
		return errNoHeaders
	}
	r.body += int64(n)
	switch {
	case expect != anyLength && r.body > expect:
		return r.lengthErr(r.body, expect, false)
	case r.length >= 0 && r.body > r.length:
		return r.lengthErr(r.body, r.length, false)
	}
	return nil
}

// end checks a response whose stream has ended.
func (r *response) end(expect int64) *scenarios.RequestError {
	switch {
	case !r.final:
		return errNoHeaders
	case expect != anyLength && r.body != expect:
		return r.lengthErr(r.body, expect, true)
	case r.length >= 0 && r.body != r.length:
		return r.lengthErr(r.body, r.length, true)
	}
	return nil
}

// lengthErr records the lengths of a wrong body and returns its error.
func (r *response) lengthErr(got, want int64, final bool) *scenarios.RequestError {
	r.got, r.want, r.gotFinal = got, want, final
	return errBodyLength
}

// expectedLength returns N for a path /bytes/N or /delay/D/bytes/N with
// N within the reference servers' range, else anyLength.
func expectedLength(path string) int64 {
	if rest, ok := strings.CutPrefix(path, "/delay/"); ok {
		_, after, found := strings.Cut(rest, "/")
		if !found {
			return anyLength
		}
		path = "/" + after
	}
	digits, ok := strings.CutPrefix(path, "/bytes/")
	n, valid := ParseDecimal(digits)
	if !ok || !valid || n > MaxSize {
		return anyLength
	}
	return n
}

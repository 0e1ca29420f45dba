package servers

import (
	"bytes"
	"strings"
	"sync"
)

// Bounds of the captured target output.
const (
	outputLines   = 50   // lines a lineRing keeps
	maxLineBytes  = 1024 // longer lines are cut
	errorLines    = 20   // lines quoted in an error message
	truncatedMark = " [...]"
)

// lineRing is an io.Writer that keeps the last lines written to it. It is
// safe for concurrent use: Write and Lines hold mu.
type lineRing struct {
	mu        sync.Mutex
	max       int
	lines     []string // complete lines, oldest first, at most max
	partial   []byte   // the current line, not yet ended by '\n'
	truncated bool     // partial reached maxLineBytes; drop bytes until '\n'
}

// newLineRing returns a ring keeping the last max lines.
func newLineRing(max int) *lineRing {
	return &lineRing{max: max}
}

// Write stores p, split into lines. It never fails.
func (r *lineRing) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			r.appendPartial(p)
			break
		}
		r.appendPartial(p[:i])
		r.endLine()
		p = p[i+1:]
	}
	return n, nil
}

// appendPartial adds b to the current line, up to maxLineBytes.
func (r *lineRing) appendPartial(b []byte) {
	if r.truncated {
		return
	}
	if room := maxLineBytes - len(r.partial); len(b) > room {
		b = b[:room]
		r.truncated = true
	}
	r.partial = append(r.partial, b...)
}

// endLine moves the current line into the ring.
func (r *lineRing) endLine() {
	line := strings.TrimSuffix(string(r.partial), "\r")
	if r.truncated {
		line += truncatedMark
	}
	r.lines = append(r.lines, line)
	if len(r.lines) > r.max {
		r.lines = r.lines[len(r.lines)-r.max:]
	}
	r.partial, r.truncated = r.partial[:0], false
}

// Lines returns a copy of the kept lines, including an unfinished last
// line.
func (r *lineRing) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]string(nil), r.lines...)
	if len(r.partial) > 0 {
		line := string(r.partial)
		if r.truncated {
			line += truncatedMark
		}
		out = append(out, line)
	}
	if len(out) > r.max {
		out = out[len(out)-r.max:]
	}
	return out
}

// outputTail formats the last lines of output for an error message.
func outputTail(lines []string) string {
	if len(lines) == 0 {
		return "; no output on stderr"
	}
	if len(lines) > errorLines {
		lines = lines[len(lines)-errorLines:]
	}
	return "; last stderr lines:\n    " + strings.Join(lines, "\n    ")
}

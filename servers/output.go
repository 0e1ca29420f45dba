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
// safe for concurrent use: Write, Lines and the writers of its sources
// hold mu. Several writers (the copies of a target) can share one ring
// through source, each with its own unfinished line and a label.
type lineRing struct {
	mu      sync.Mutex
	max     int
	lines   []string      // complete lines, oldest first, at most max
	own     *lineSource   // the source Write writes to
	sources []*lineSource // every source, own first
}

// lineSource is one writer into a lineRing: its lines get prefix. Its
// fields are guarded by the ring's mu.
type lineSource struct {
	ring      *lineRing
	prefix    string
	partial   []byte // the current line, not yet ended by '\n'
	truncated bool   // partial reached maxLineBytes; drop bytes until '\n'
}

// newLineRing returns a ring keeping the last max lines.
func newLineRing(max int) *lineRing {
	r := &lineRing{max: max}
	r.own = r.source("")
	return r
}

// source returns a new writer into the ring whose lines start with prefix.
func (r *lineRing) source(prefix string) *lineSource {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &lineSource{ring: r, prefix: prefix}
	r.sources = append(r.sources, s)
	return s
}

// Write stores p, split into lines. It never fails.
func (r *lineRing) Write(p []byte) (int, error) {
	return r.own.Write(p)
}

// Write stores p, split into lines, in the source's ring. It never fails.
func (s *lineSource) Write(p []byte) (int, error) {
	r := s.ring
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.appendPartial(p)
			break
		}
		s.appendPartial(p[:i])
		r.addLine(s.endLine())
		p = p[i+1:]
	}
	return n, nil
}

// appendPartial adds b to the current line, up to maxLineBytes.
func (s *lineSource) appendPartial(b []byte) {
	if s.truncated {
		return
	}
	if room := maxLineBytes - len(s.partial); len(b) > room {
		b = b[:room]
		s.truncated = true
	}
	s.partial = append(s.partial, b...)
}

// endLine returns the current line, labelled, and starts a new one.
func (s *lineSource) endLine() string {
	line := s.prefix + strings.TrimSuffix(string(s.partial), "\r")
	if s.truncated {
		line += truncatedMark
	}
	s.partial, s.truncated = s.partial[:0], false
	return line
}

// unfinished returns the current line, labelled, or "" if it is empty.
func (s *lineSource) unfinished() string {
	if len(s.partial) == 0 {
		return ""
	}
	line := s.prefix + string(s.partial)
	if s.truncated {
		line += truncatedMark
	}
	return line
}

// addLine appends a complete line, dropping the oldest beyond max.
func (r *lineRing) addLine(line string) {
	r.lines = append(r.lines, line)
	if len(r.lines) > r.max {
		r.lines = r.lines[len(r.lines)-r.max:]
	}
}

// Lines returns a copy of the kept lines, including the unfinished last
// line of each source.
func (r *lineRing) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]string(nil), r.lines...)
	for _, s := range r.sources {
		if line := s.unfinished(); line != "" {
			out = append(out, line)
		}
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

package servers

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestLineRing(t *testing.T) {
	long := strings.Repeat("x", maxLineBytes)
	tests := []struct {
		name   string
		max    int
		writes []string
		want   []string
	}{
		{name: "nothing", max: 3, writes: nil, want: nil},
		{name: "lines across writes", max: 3, writes: []string{"ab", "c\nd", "e\n"}, want: []string{"abc", "de"}},
		{name: "unfinished last line", max: 3, writes: []string{"a\nb"}, want: []string{"a", "b"}},
		{name: "carriage returns", max: 3, writes: []string{"a\r\nb\r\n"}, want: []string{"a", "b"}},
		{name: "empty lines", max: 3, writes: []string{"\n\n"}, want: []string{"", ""}},
		{name: "keeps the last lines", max: 2, writes: []string{"1\n2\n3\n", "4\n"}, want: []string{"3", "4"}},
		{name: "unfinished line counts", max: 2, writes: []string{"1\n2\n3"}, want: []string{"2", "3"}},
		{name: "exactly the longest line", max: 3, writes: []string{long, "\n"}, want: []string{long}},
		{name: "long line cut", max: 3, writes: []string{long, "yyy", "zzz\nnext\n"}, want: []string{long + truncatedMark, "next"}},
		{name: "unfinished long line cut", max: 3, writes: []string{long + "yyy"}, want: []string{long + truncatedMark}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newLineRing(tt.max)
			for _, w := range tt.writes {
				if n, err := r.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if got := r.Lines(); !slices.Equal(got, tt.want) {
				t.Errorf("Lines() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLineRingConcurrent(t *testing.T) {
	r := newLineRing(10)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				_, _ = fmt.Fprintf(r, "writer %d line %d\n", w, i)
				_ = r.Lines()
			}
		})
	}
	wg.Wait()
	lines := r.Lines()
	if len(lines) != 10 {
		t.Fatalf("kept %d lines, want 10", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "writer ") {
			t.Errorf("garbled line %q", l)
		}
	}
}

func TestOutputTail(t *testing.T) {
	many := make([]string, errorLines+5)
	for i := range many {
		many[i] = fmt.Sprintf("line %d", i)
	}
	tests := []struct {
		name     string
		lines    []string
		want     []string // substrings
		wantNone []string
	}{
		{name: "no output", lines: nil, want: []string{"; no output on stderr"}},
		{name: "some lines", lines: []string{"a", "b"}, want: []string{"; last stderr lines:\n    a\n    b"}},
		{name: "only the last lines", lines: many, want: []string{"line 5\n", fmt.Sprintf("line %d", len(many)-1)}, wantNone: []string{"line 4\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outputTail(tt.lines)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("outputTail = %q; want it to contain %q", got, w)
				}
			}
			for _, w := range tt.wantNone {
				if strings.Contains(got, w) {
					t.Errorf("outputTail = %q; want it without %q", got, w)
				}
			}
		})
	}
}

package engine

import "fmt"

// Split is one share of a global request schedule: the requests whose
// index i satisfies i = Offset + k·Stride for k = 0, 1, 2, … The whole
// schedule is Split{Stride: 1}. Shares compose: agent j of N takes
// Whole().Part(j, N), and its loop l of K takes that share's Part(l, K),
// so that N agents with K loops each send every request of the global
// schedule exactly once. The same function splits connections and
// request budgets.
type Split struct {
	// Offset is the index of the share's first request.
	Offset uint64
	// Stride is the distance between two requests of the share; zero
	// means 1 (the whole schedule).
	Stride uint64
}

// Whole returns the split that holds every request.
func Whole() Split { return Split{Stride: 1} }

// stride returns Stride, with zero meaning 1.
func (s Split) stride() uint64 { return max(s.Stride, 1) }

// Part returns share j of n of s: the requests of s whose position within
// s is j modulo n.
func (s Split) Part(j, n uint64) Split {
	if n == 0 {
		n = 1
	}
	return Split{Offset: s.Offset + j*s.stride(), Stride: s.stride() * n}
}

// Index returns the global index of the k-th request of the share.
func (s Split) Index(k uint64) uint64 { return s.Offset + k*s.stride() }

// Has reports whether global index i belongs to the share.
func (s Split) Has(i uint64) bool {
	return i >= s.Offset && (i-s.Offset)%s.stride() == 0
}

// Count returns how many of the global indexes 0 … n-1 belong to the
// share.
func (s Split) Count(n uint64) uint64 {
	if n <= s.Offset {
		return 0
	}
	return (n-s.Offset-1)/s.stride() + 1
}

// String describes the share, e.g. "i mod 4 = 1".
func (s Split) String() string {
	if s.stride() == 1 && s.Offset == 0 {
		return "all"
	}
	return fmt.Sprintf("i mod %d = %d", s.stride(), s.Offset)
}

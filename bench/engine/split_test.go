package engine

import "testing"

// The shares of N agents with K loops each cover every request of the
// global schedule exactly once.
func TestSplitCoversEveryRequestOnce(t *testing.T) {
	tests := []struct {
		name           string
		agents, loops  uint64
		requests       uint64
		wantFirstShare []uint64 // global indexes of agent 0, loop 0
	}{
		{name: "one loop takes all", agents: 1, loops: 1, requests: 10, wantFirstShare: []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{name: "two loops", agents: 1, loops: 2, requests: 7, wantFirstShare: []uint64{0, 2, 4, 6}},
		{name: "three agents, two loops", agents: 3, loops: 2, requests: 25, wantFirstShare: []uint64{0, 6, 12, 18, 24}},
		{name: "more shares than requests", agents: 4, loops: 4, requests: 5, wantFirstShare: []uint64{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := make([]int, tt.requests)
			var total uint64
			for j := range tt.agents {
				for l := range tt.loops {
					s := Whole().Part(j, tt.agents).Part(l, tt.loops)
					n := s.Count(tt.requests)
					total += n
					for k := range n {
						i := s.Index(k)
						if i >= tt.requests || !s.Has(i) {
							t.Fatalf("agent %d loop %d: request %d (index %d) outside the share", j, l, k, i)
						}
						seen[i]++
					}
					if j == 0 && l == 0 {
						for k, want := range tt.wantFirstShare {
							if got := s.Index(uint64(k)); got != want {
								t.Errorf("first share's request %d = %d, want %d", k, got, want)
							}
						}
						if n != uint64(len(tt.wantFirstShare)) {
							t.Errorf("first share counts %d, want %d", n, len(tt.wantFirstShare))
						}
					}
				}
			}
			for i, n := range seen {
				if n != 1 {
					t.Errorf("request %d sent %d times, want once", i, n)
				}
			}
			if total != tt.requests {
				t.Errorf("shares count %d requests, want %d", total, tt.requests)
			}
		})
	}
}

func TestSplitString(t *testing.T) {
	tests := []struct {
		name  string
		split Split
		want  string
	}{
		{name: "whole", split: Whole(), want: "all"},
		{name: "zero value is whole", split: Split{}, want: "all"},
		{name: "part", split: Whole().Part(1, 4), want: "i mod 4 = 1"},
		{name: "part of a part", split: Whole().Part(1, 2).Part(1, 3), want: "i mod 6 = 3"},
	}
	for _, tt := range tests {
		if got := tt.split.String(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Two loops walking their shares of one Poisson schedule send exactly the
// due times of the whole schedule.
func TestScheduleSharesMatchTheWhole(t *testing.T) {
	const end = 50 * ms
	whole := newSchedule(newPoissonPacer(2000, 3), Whole(), 0, 1, 0, ^uint64(0), end)
	var want []int64
	for due, ok := whole.peek(); ok; due, ok = whole.peek() {
		want = append(want, int64(due))
		whole.pop()
	}
	got := map[int64]int{}
	for l := range uint64(2) {
		s := newSchedule(newPoissonPacer(2000, 3), Whole().Part(l, 2), 0, 1, 0, ^uint64(0), end)
		for due, ok := s.peek(); ok; due, ok = s.peek() {
			got[int64(due)]++
			s.pop()
		}
	}
	if len(want) < 50 {
		t.Fatalf("only %d requests in the schedule", len(want))
	}
	for _, d := range want {
		if got[d] != 1 {
			t.Errorf("due time %d sent %d times, want once", d, got[d])
		}
	}
}

// A request budget bounds the schedule by global index, from the first
// request due in the window.
func TestScheduleLimit(t *testing.T) {
	p := uniformPacer{PerSecond: 1000}
	first := firstIndexAt(p, 10*ms)
	if first != 10 {
		t.Fatalf("first index at 10ms = %d, want 10", first)
	}
	s := newSchedule(p, Whole(), 0, 1, 0, first+5, never)
	var n int
	for _, ok := s.peek(); ok; _, ok = s.peek() {
		n++
		s.pop()
	}
	if n != 15 {
		t.Errorf("%d requests, want 10 of warm-up and 5 measured", n)
	}
}

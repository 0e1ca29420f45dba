package engine

import (
	"context"
	"testing"
	"time"
)

// Every block of a run's schedule holds one request of each arm, the
// order is the seed's and the same every time, and another seed gives
// another order.
func TestArmOrder(t *testing.T) {
	for _, arms := range []int{1, 2, 3, 5} {
		firstA, flips := -1, 0
		for b := uint64(0); b < 1000; b++ {
			seen := make([]int, arms)
			for pos := range uint64(arms) {
				i := b*uint64(arms) + pos
				a := ArmOf(7, arms, i)
				seen[a]++
				if ArmOf(7, arms, i) != a {
					t.Fatalf("ArmOf(7, %d, %d) is not reproducible", arms, i)
				}
				if indexOf(7, arms, a, b) != i {
					t.Fatalf("indexOf(7, %d, %d, %d) = %d, want %d", arms, a, b, indexOf(7, arms, a, b), i)
				}
			}
			for a, n := range seen {
				if n != 1 {
					t.Fatalf("%d arms, block %d: arm %d has %d requests, want 1", arms, b, a, n)
				}
			}
			if first := ArmOf(7, arms, b*uint64(arms)); arms > 1 && first != firstA {
				flips++
				firstA = first
			}
		}
		// A random order changes the first arm from block to block with
		// probability (n-1)/n.
		if want := 1000 * (arms - 1) / arms; arms > 1 && (flips < want-100 || flips > want+100) {
			t.Errorf("%d arms: the first arm of a block changed %d times in 1000 blocks, want about %d: not a random order", arms, flips, want)
		}
	}
	same := 0
	for i := range uint64(2000) {
		if ArmOf(7, 2, i) == ArmOf(8, 2, i) {
			same++
		}
	}
	if same < 700 || same > 1300 {
		t.Errorf("seeds 7 and 8 agree on %d of 2000 requests: another seed must give another order", same)
	}
}

// K loops of N agents split the blocks of a paired schedule exactly:
// every request once, and every share balanced between the arms.
func TestArmSchedulesSplitExactly(t *testing.T) {
	const agents, loops, blocks = 3, 2, 600
	pacer := uniformPacer{PerSecond: 1000}
	end := pacer.Due(2 * blocks)
	seen := map[uint64]int{}
	for j := range uint64(agents) {
		for l := range uint64(loops) {
			share := Whole().Part(j, agents).Part(l, loops)
			var per [2]int
			for arm := range 2 {
				for s := newSchedule(pacer, share, 9, 2, arm, ^uint64(0), end); ; s.pop() {
					if _, ok := s.peek(); !ok {
						break
					}
					seen[s.index()]++
					if got := ArmOf(9, 2, s.index()); got != arm {
						t.Fatalf("request %d in arm %d's schedule belongs to arm %d", s.index(), arm, got)
					}
					per[arm]++
				}
			}
			if per[0] != per[1] {
				t.Errorf("agent %d loop %d: %d and %d requests per arm, want balanced", j, l, per[0], per[1])
			}
		}
	}
	if len(seen) != 2*blocks {
		t.Errorf("%d distinct requests, want %d", len(seen), 2*blocks)
	}
	for i, n := range seen {
		if n != 1 {
			t.Errorf("request %d sent %d times", i, n)
		}
	}
}

// A paired run sends each arm its half of the schedule on connections of
// its own, to its own server, and measures each apart; a slow arm does
// not slow the other down.
func TestRunPairedArms(t *testing.T) {
	fast, slow := echoServer(t, 0, 0), echoServer(t, 20*time.Millisecond, 0)
	res, err := Run(context.Background(), Options{
		Scenario: pingScenario{}, Pacer: uniformPacer{PerSecond: 400}, Duration: time.Second, Seed: 3,
		Arms: []Arm{{Name: "fast", Addrs: []string{fast.Addr()}, Connections: 2}, {Name: "slow", Addrs: []string{slow.Addr()}, Connections: 20}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Arms) != 2 {
		t.Fatalf("%d arm results, want 2", len(res.Arms))
	}
	for a, arm := range res.Arms {
		if arm.FellDue != 200 || arm.Requests() != 200 {
			t.Errorf("arm %d: %d fell due, %d answered; want 200 each (half of 400 rps for 1 s)", a, arm.FellDue, arm.Requests())
		}
	}
	if fast.Accepted() != 2 || slow.Accepted() != 20 {
		t.Errorf("connections accepted: %d and %d, want each arm's own pool (2 and 20)", fast.Accepted(), slow.Accepted())
	}
	f, s := res.Arms[0].Latency.ValueAtQuantile(50), res.Arms[1].Latency.ValueAtQuantile(50)
	if s < int64(20*time.Millisecond) || f*10 > s {
		t.Errorf("p50 of the fast arm %v and of the slow one %v: want the slow one ≥ 20 ms and ten times the fast", time.Duration(f), time.Duration(s))
	}
	if res.Requests() != res.Arms[0].Requests() {
		t.Error("the embedded result is not the first arm's")
	}
}

func TestArmsAreValidated(t *testing.T) {
	addr := []string{"127.0.0.1:1"}
	tests := []struct {
		name string
		opts Options
	}{
		{name: "both addresses and arms", opts: Options{Scenario: pingScenario{}, Addrs: addr, Arms: []Arm{{Addrs: addr}}, MaxRequests: 1}},
		{name: "an arm without an address", opts: Options{Scenario: pingScenario{}, Arms: []Arm{{Addrs: addr}, {Name: "b"}}, MaxRequests: 1}},
		{name: "too many arms", opts: Options{Scenario: pingScenario{}, Arms: make([]Arm, MaxArms+1), MaxRequests: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tt.opts); err == nil {
				t.Error("want an error")
			}
		})
	}
}

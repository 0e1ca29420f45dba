package results

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
)

// simCell simulates a paired cell on a noisy host: blocks intervals of
// perBlock requests per arm. Each interval the host takes a common
// stall (noise), which both arms suffer alike; each request adds its own
// service time. Arm B is arm A shifted by diffNs, so the true difference
// at every percentile is exactly diffNs.
type simCell struct {
	blocks, perBlock int
	diffNs           float64
	seed             uint64
}

// run returns the cell's blocks and whole histograms.
func (c simCell) run(t testing.TB) (*PairedBlocks, [2]*hdrhistogram.Histogram) {
	t.Helper()
	rng := rand.New(rand.NewPCG(c.seed, 1))
	const blockNs = int64(250e6)
	pb := NewPairedBlocks(blockNs)
	whole := [2]*hdrhistogram.Histogram{engine.NewHistogram(), engine.NewHistogram()}
	h := engine.NewHistogram() // reused: Add keeps only its buckets
	for b := range c.blocks {
		// The host's mood of this interval: mostly quiet, at times a
		// stall of several hundred µs that both arms meet.
		noise := 0.0
		if rng.Float64() < 0.3 {
			noise = rng.ExpFloat64() * 400e3
		}
		for arm := range 2 {
			h.Reset()
			for range c.perBlock {
				v := 50e3 + noise + rng.ExpFloat64()*20e3
				if arm == 1 {
					v += c.diffNs
				}
				if err := h.RecordValue(int64(v)); err != nil {
					t.Fatal(err)
				}
			}
			pb.Add(arm, int64(b)*blockNs, h)
			whole[arm].Merge(h)
		}
	}
	return pb, whole
}

// Over 200 simulated cells the paired interval covers the true
// difference at least 90% of the time (a 95% interval should); it is at
// least three times narrower than the interval of the same data treated
// as two independent samples; and an A/A cell has 0 inside its interval.
func TestPairedBootstrapOnSimulatedCells(t *testing.T) {
	const cells, resamples = 200, BootstrapResamples
	covered := map[string]int{}
	var pairedWidth, unpairedWidth float64
	for i := range cells {
		c := simCell{blocks: 40, perBlock: 50, diffNs: 30e3, seed: uint64(i)}
		pb, whole := c.run(t)
		p, err := pb.Result(whole[0], whole[1], resamples, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"p50", "p90"} {
			e := p.DiffUs.at(key)
			if e.CILow <= 30 && 30 <= e.CIHigh {
				covered[key]++
			}
		}
		if i < 50 { // the widths of the first 50 cells tell the ratio well enough
			pairedWidth += p.DiffUs.P50.CIHigh - p.DiffUs.P50.CILow
			lo, hi := unpairedInterval(pb, 50, resamples, uint64(i))
			unpairedWidth += hi - lo
		}
	}
	t.Logf("coverage of the true difference: p50 %d/%d, p90 %d/%d; unpaired ÷ paired p50 width %.1f×",
		covered["p50"], cells, covered["p90"], cells, unpairedWidth/pairedWidth)
	for key, n := range covered {
		if n < cells*90/100 {
			t.Errorf("%s: the paired interval covered the true difference in %d of %d cells, want at least 90%%", key, n, cells)
		}
	}
	if ratio := unpairedWidth / pairedWidth; ratio < 3 {
		t.Errorf("the paired p50 interval is %.1f× narrower than the unpaired one, want at least 3×", ratio)
	}
	aa := simCell{blocks: 40, perBlock: 50, seed: 4242}
	pb, whole := aa.run(t)
	p, err := pb.Result(whole[0], whole[1], resamples, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"p50", "p90", "p99"} {
		if e := p.DiffUs.at(key); e.Separable(false) {
			t.Errorf("A/A: %s difference %.1f µs [%.1f, %.1f] excludes 0", key, e.Value, e.CILow, e.CIHigh)
		}
		if e := p.Ratio.at(key); e.Separable(true) {
			t.Errorf("A/A: %s ratio %.3f [%.3f, %.3f] excludes 1", key, e.Value, e.CILow, e.CIHigh)
		}
	}
}

// unpairedInterval bootstraps the difference at percentile q treating the
// arms as independent samples (each arm's blocks drawn on their own), in
// µs: what a comparison of two cells measured one after the other can do.
func unpairedInterval(pb *PairedBlocks, q float64, resamples int, seed uint64) (lo, hi float64) {
	var blocks [2][]sparse
	keys := make([]int64, 0, len(pb.blocks))
	for k := range pb.blocks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		for arm := range 2 {
			blocks[arm] = append(blocks[arm], blockSparse(pb.blocks[k][arm]))
		}
	}
	values := indexValues(blocks)
	rng := rand.New(rand.NewPCG(seed, 2))
	n := len(blocks[0])
	dense := make([]int64, len(values))
	var diffs []float64
	var got [2][]float64
	for range resamples {
		for arm := range 2 {
			w := make([]int64, n)
			for range n {
				w[rng.IntN(n)]++
			}
			got[arm] = drawPercentiles(blocks[arm], w, values, dense, []float64{q}, got[arm])
		}
		diffs = append(diffs, (got[1][0]-got[0][0])/nsPerMicro)
	}
	sort.Float64s(diffs)
	return quantileSorted(diffs, 0.025), quantileSorted(diffs, 0.975)
}

// The bootstrap's percentiles are HdrHistogram's own: with every block
// drawn once, a draw's percentiles are the whole histogram's.
func TestDrawPercentilesMatchHdrHistogram(t *testing.T) {
	pb, whole := simCell{blocks: 10, perBlock: 300, diffNs: 5e3, seed: 9}.run(t)
	var blocks [2][]sparse
	for k := range int64(10) {
		for arm := range 2 {
			blocks[arm] = append(blocks[arm], blockSparse(pb.blocks[k][arm]))
		}
	}
	values := indexValues(blocks)
	ones := []int64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	qs := []float64{1, 50, 90, 99, 99.9, 100}
	for arm := range 2 {
		got := drawPercentiles(blocks[arm], ones, values, make([]int64, len(values)), qs, nil)
		for i, q := range qs {
			if want := float64(whole[arm].ValueAtPercentile(q)); got[i] != want {
				t.Errorf("arm %d p%g: %v, HdrHistogram %v", arm, q, got[i], want)
			}
		}
	}
}

func TestBlockNsFor(t *testing.T) {
	tests := []struct {
		name           string
		window, every  int64
		wantBlockNs    int64
		wantBlocksLeft int64 // window / block, at least
	}{
		{name: "a 10 s window of quarter seconds: 40 blocks", window: 10e9, every: 250e6, wantBlockNs: 250e6},
		{name: "a minute: one-second blocks", window: 60e9, every: 250e6, wantBlockNs: 1e9},
		{name: "an hour: at most 200 blocks", window: 3600e9, every: 250e6, wantBlockNs: 18e9},
		{name: "short intervals make blocks of at least 100 ms", window: 2e9, every: 50e6, wantBlockNs: 100e6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BlockNsFor(tt.window, tt.every); got != tt.wantBlockNs {
				t.Errorf("BlockNsFor(%d, %d) = %d, want %d", tt.window, tt.every, got, tt.wantBlockNs)
			}
		})
	}
}

// A paired result needs both arms in at least two blocks.
func TestPairedBlocksTooFew(t *testing.T) {
	pb, whole := simCell{blocks: 1, perBlock: 10, seed: 1}.run(t)
	if _, err := pb.Result(whole[0], whole[1], 100, 1); err == nil {
		t.Error("a single block gave an interval")
	}
	if e := (Estimate95{Value: 3, CILow: 1, CIHigh: 5}); !e.Separable(false) || e.Separable(true) {
		t.Error("Separable: [1, 5] excludes 0 but not 1")
	}

}

// sparseOf reads the counts array as HdrHistogram lays it out: the same
// buckets Distribution gives, from a nanosecond to an hour.
func TestSparseOfMatchesDistribution(t *testing.T) {
	h := engine.NewHistogram()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		v := int64(math.Exp(rng.Float64() * math.Log(3600e9)))
		if err := h.RecordValue(max(v, 1)); err != nil {
			t.Fatal(err)
		}
	}
	got := sparseOf(h)
	var want sparse
	for _, bar := range h.Distribution() {
		if bar.Count > 0 {
			want.values = append(want.values, bar.To)
			want.counts = append(want.counts, bar.Count)
		}
	}
	if len(got.values) != len(want.values) {
		t.Fatalf("%d buckets, Distribution has %d", len(got.values), len(want.values))
	}
	for i := range want.values {
		if got.values[i] != want.values[i] || got.counts[i] != want.counts[i] {
			t.Fatalf("bucket %d: %d×%d, Distribution %d×%d", i, got.counts[i], got.values[i], want.counts[i], want.values[i])
		}
	}
}

func TestInWindow(t *testing.T) {
	for _, tc := range []struct {
		name                string
		start, window, want int64
	}{
		{name: "inside", start: 500, window: 1000, want: 500},
		{name: "after the window: its last block", start: 1000, window: 1000, want: 999},
		{name: "long after", start: 9000, window: 1000, want: 999},
		{name: "no window known", start: 9000, window: 0, want: 9000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := InWindow(tc.start, tc.window); got != tc.want {
				t.Errorf("InWindow(%d, %d) = %d, want %d", tc.start, tc.window, got, tc.want)
			}
		})
	}
}

package results

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/latbench/latbench/bench/engine"
)

// A paired (duet) cell measures two systems at once, on one schedule: the
// cell's target (arm B) and its reference (arm A: another target, or a
// proxy's own backend). The host's noise falls on both alike, so their
// difference, B − A, is judged without most of it. How certain the
// difference is comes from a block bootstrap over the window's intervals:
// the window is cut into blocks of consecutive intervals, blocks are
// drawn with replacement — the same blocks for both arms, which keeps
// each block's common noise in both — and each draw's percentiles give
// one difference; the 2.5th and 97.5th percentiles of 1,000 draws bound
// its 95% confidence interval.

// PairedMethod names how paired intervals are computed, for tables,
// reports and result files.
const PairedMethod = "paired block bootstrap: the same blocks of the window for both arms, 95% percentile interval"

// The bootstrap's settings.
const (
	// BootstrapResamples is how many resamples a bootstrap draws.
	BootstrapResamples = 1000
	// MinBlockNs is the shortest block: a tenth of a second.
	MinBlockNs = 100_000_000
	// maxBlocks bounds the blocks of a window: longer windows get longer
	// blocks, so that an hour costs what a minute does.
	maxBlocks = 200
	// minBlocks is how many blocks a window is cut into at least, when
	// its intervals allow.
	minBlocks = 40
)

// pairedPercentile is a percentile whose difference a paired cell
// reports: its JSON key, its label and its quantile.
type pairedPercentile struct {
	Key, Label string
	Q          float64
}

// pairedPercentiles are the reported percentiles, in table order.
func pairedPercentiles() []pairedPercentile {
	return []pairedPercentile{{"p50", "p50", 50}, {"p90", "p90", 90}, {"p99", "p99", 99}, {"p999", "p99.9", 99.9}}
}

// Paired is what a paired cell adds to its cell: its reference arm's own
// figures and the difference between the arms. The cell's Stats and
// Histograms are arm B's, its target's.
type Paired struct {
	// Arms name the two arms: A, the reference, then B, the target.
	Arms [2]string `json:"arms"`
	// Backend says that the reference is the proxy's own backend,
	// addressed directly: the proxy's overhead is then the difference.
	Backend bool `json:"backend,omitempty"`
	// Reference holds arm A's figures, as a cell holds its own.
	Reference ArmFigures `json:"reference"`
	// DiffUs is B − A at each percentile, in µs; Ratio is B ÷ A.
	DiffUs PercentileEstimates `json:"diff_us"`
	Ratio  PercentileEstimates `json:"ratio"`
	// Method says how the intervals were computed.
	Method string `json:"method"`
	// BlockNs, Blocks, Resamples and Seed are the bootstrap's settings.
	BlockNs   int64  `json:"block_ns"`
	Blocks    int    `json:"blocks"`
	Resamples int    `json:"resamples"`
	Seed      uint64 `json:"seed"`
	// Spectrum is B − A at more percentiles, for the chart of the
	// difference by percentile.
	Spectrum []SpectrumPoint `json:"spectrum,omitempty"`
	// OverTime is each block's p50 and p99 of both arms, for the chart
	// of the difference over time.
	OverTime []BlockFigures `json:"over_time,omitempty"`
}

// ArmFigures are one arm's own figures.
type ArmFigures struct {
	Target     string       `json:"target"`
	Addr       string       `json:"addr,omitempty"`
	Argv       []string     `json:"argv,omitempty"`
	Version    string       `json:"version,omitempty"`
	Stats      CellStats    `json:"stats"`
	Histograms Histograms   `json:"histograms"`
	Classes    []ClassStats `json:"classes,omitempty"`
	// Intervals are arm A's intervals, never in result.json: they stream
	// to the cell's paired interval log (PairedLogName).
	Intervals []Interval `json:"-"`
}

// Estimate95 is a value with its 95% confidence interval.
type Estimate95 struct {
	Value  float64 `json:"value"`
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
}

// Separable reports whether the interval excludes zero (for a
// difference) or one (for a ratio, when ratio is set).
func (e Estimate95) Separable(ratio bool) bool {
	none := 0.0
	if ratio {
		none = 1
	}
	return e.CILow > none || e.CIHigh < none
}

// PercentileEstimates are estimates at the reported percentiles.
type PercentileEstimates struct {
	P50  Estimate95 `json:"p50"`
	P90  Estimate95 `json:"p90"`
	P99  Estimate95 `json:"p99"`
	P999 Estimate95 `json:"p999"`
}

// At returns the estimate of key: p50, p90, p99 or p999.
func (p PercentileEstimates) At(key string) Estimate95 { return *p.at(key) }

// at returns the estimate of key (p50, p90, p99, p999).
func (p *PercentileEstimates) at(key string) *Estimate95 {
	switch key {
	case "p50":
		return &p.P50
	case "p90":
		return &p.P90
	case "p99":
		return &p.P99
	}
	return &p.P999
}

// SpectrumPoint is B − A at one percentile, in µs.
type SpectrumPoint struct {
	Percentile float64    `json:"percentile"`
	DiffUs     Estimate95 `json:"diff_us"`
}

// BlockFigures are one block's percentiles of both arms, in ns.
type BlockFigures struct {
	StartNs int64 `json:"start_ns"`
	EndNs   int64 `json:"end_ns"`
	AP50    int64 `json:"a_p50"`
	BP50    int64 `json:"b_p50"`
	AP99    int64 `json:"a_p99"`
	BP99    int64 `json:"b_p99"`
}

// BlockNsFor returns the block length of a paired bootstrap over a window
// of windowNs cut into intervals of everyNs: whole intervals, at least
// MinBlockNs long, as many blocks as a second each gives, but at least
// minBlocks and at most maxBlocks when the intervals allow.
func BlockNsFor(windowNs, everyNs int64) int64 {
	if everyNs <= 0 || windowNs <= 0 {
		return max(everyNs, MinBlockNs)
	}
	n := min(max(windowNs/1e9, minBlocks), maxBlocks)
	per := max(windowNs/n/everyNs, 1)
	for per*everyNs < MinBlockNs {
		per++
	}
	return per * everyNs
}

// PairedBlocks collects the two arms' latencies block by block as their
// intervals come, and computes the difference and its interval at the
// end. It keeps each arm's buckets per block (a bucket's value and
// count), so its memory is bounded by the block count, not by the length
// of the window.
type PairedBlocks struct {
	blockNs int64
	blocks  map[int64]*[2]map[int64]int64
}

// NewPairedBlocks returns an empty collection with blocks of blockNs.
func NewPairedBlocks(blockNs int64) *PairedBlocks {
	return &PairedBlocks{blockNs: max(blockNs, 1), blocks: map[int64]*[2]map[int64]int64{}}
}

// Add adds an interval of arm (0: A, 1: B) that starts startNs into the
// window, with latencies h.
func (p *PairedBlocks) Add(arm int, startNs int64, h *hdrhistogram.Histogram) {
	b := p.blocks[startNs/p.blockNs]
	if b == nil {
		b = &[2]map[int64]int64{{}, {}}
		p.blocks[startNs/p.blockNs] = b
	}
	s := sparseOf(h)
	for i, v := range s.values {
		b[arm][v] += s.counts[i]
	}
}

// blockSparse returns one arm's buckets of a block, in value order.
func blockSparse(m map[int64]int64) sparse {
	var s sparse
	s.values = slices.Sorted(maps.Keys(m))
	for _, v := range s.values {
		s.counts = append(s.counts, m[v])
	}
	return s
}

// sparse is a histogram as its non-empty buckets: each bucket's highest
// equivalent value (what percentiles report) and its count.
type sparse struct {
	values []int64
	counts []int64
	at     []int32 // each value's place in the bootstrap's value list
}

// sparseOf returns h's non-empty buckets. It reads h's counts array
// (Export) and maps each index to its bucket with HdrHistogram's layout
// for latbench's settings (unit 1 ns, 3 significant digits: sub-buckets
// of 2,048, the upper half of each bucket after the first): far cheaper
// than Distribution, which allocates a bar per bucket up to the largest
// value. A histogram of other settings goes through Distribution.
func sparseOf(h *hdrhistogram.Histogram) sparse {
	var s sparse
	if h.LowestTrackableValue() != engine.HistogramLowestNs || h.SignificantFigures() != engine.HistogramSigFigs {
		for _, bar := range h.Distribution() {
			if bar.Count > 0 {
				s.values = append(s.values, bar.To)
				s.counts = append(s.counts, bar.Count)
			}
		}
		return s
	}
	const halfMagnitude, half = 10, 1 << 10
	for idx, c := range h.Export().Counts {
		if c == 0 {
			continue
		}
		bucket, sub := 0, idx
		if idx >= 2*half {
			bucket, sub = idx>>halfMagnitude-1, idx&(half-1)+half
		}
		value := int64(sub) << bucket
		s.values = append(s.values, value+int64(1)<<bucket-1) // the bucket's highest equivalent value
		s.counts = append(s.counts, c)
	}
	return s
}

// percentiles returns the values at the percentiles qs (rising), as
// HdrHistogram's ValueAtPercentile picks them.
func (s sparse) percentiles(qs ...float64) []int64 {
	var total int64
	for _, c := range s.counts {
		total += c
	}
	out := make([]int64, len(qs))
	var cum int64
	i := 0
	for qi, q := range qs {
		rank := max(int64(q/100*float64(total)+0.5), 1)
		for i < len(s.values)-1 && cum+s.counts[i] < rank {
			cum += s.counts[i]
			i++
		}
		out[qi] = s.values[i]
	}
	return out
}

// Result computes the difference B − A and its interval at every
// reported percentile, with resamples draws from seed. a and b are the
// arms' whole histograms (the point estimates). A block where either arm
// has no latency is left out: it carries no difference.
func (p *PairedBlocks) Result(a, b *hdrhistogram.Histogram, resamples int, seed uint64) (Paired, error) {
	out := Paired{Method: PairedMethod, BlockNs: p.blockNs, Resamples: resamples, Seed: seed}
	idx := slices.Sorted(maps.Keys(p.blocks))
	var blocks [2][]sparse
	for _, k := range idx {
		bl := p.blocks[k]
		if len(bl[0]) == 0 || len(bl[1]) == 0 {
			continue
		}
		sa, sb := blockSparse(bl[0]), blockSparse(bl[1])
		blocks[0], blocks[1] = append(blocks[0], sa), append(blocks[1], sb)
		fa, fb := sa.percentiles(50, 99), sb.percentiles(50, 99)
		out.OverTime = append(out.OverTime, BlockFigures{StartNs: k * p.blockNs, EndNs: (k + 1) * p.blockNs,
			AP50: fa[0], BP50: fb[0], AP99: fa[1], BP99: fb[1]})
	}
	out.Blocks = len(blocks[0])
	if out.Blocks < 2 || a.TotalCount() == 0 || b.TotalCount() == 0 {
		return out, fmt.Errorf("a paired difference needs both arms answered in at least 2 blocks of %v; got %d",
			fmtNs(p.blockNs), out.Blocks)
	}
	qs := spectrumPercentiles()
	diffs, ratios := bootstrap(blocks, qs, resamples, seed)
	for i, q := range qs {
		pa, pb := float64(a.ValueAtPercentile(q)), float64(b.ValueAtPercentile(q))
		d := interval95(diffs[i], (pb-pa)/nsPerMicro, 1/nsPerMicro)
		r := interval95(ratios[i], pb/pa, 1)
		out.Spectrum = append(out.Spectrum, SpectrumPoint{Percentile: q, DiffUs: d})
		for _, pp := range pairedPercentiles() {
			if pp.Q == q {
				*out.DiffUs.at(pp.Key), *out.Ratio.at(pp.Key) = d, r
			}
		}
	}
	return out, nil
}

// spectrumPercentiles are the percentiles of the spectrum, the reported
// ones among them.
func spectrumPercentiles() []float64 {
	return []float64{10, 25, 50, 75, 90, 95, 99, 99.5, 99.9}
}

// interval95 returns the point estimate with the 2.5th and 97.5th
// percentiles of the draws, scaled by scale, rounded to a nanosecond (a
// difference in µs) or to four decimals (a ratio).
func interval95(draws []float64, value, scale float64) Estimate95 {
	sort.Float64s(draws)
	digits := 1e4
	if scale != 1 {
		digits = 1e3
	}
	round := func(v float64) float64 { return math.Round(v*digits) / digits }
	return Estimate95{Value: round(value), CILow: round(quantileSorted(draws, 0.025) * scale), CIHigh: round(quantileSorted(draws, 0.975) * scale)}
}

// bootstrap draws resamples of the blocks, the same blocks for both arms,
// and returns for each percentile of qs the draws of B − A (ns) and of
// B ÷ A.
func bootstrap(blocks [2][]sparse, qs []float64, resamples int, seed uint64) (diffs, ratios [][]float64) {
	values := indexValues(blocks)
	n := len(blocks[0])
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	diffs, ratios = make([][]float64, len(qs)), make([][]float64, len(qs))
	weights := make([]int64, n)
	dense := make([]int64, len(values))
	var got [2][]float64
	for range resamples {
		clear(weights)
		for range n {
			weights[rng.IntN(n)]++
		}
		for arm := range 2 {
			got[arm] = drawPercentiles(blocks[arm], weights, values, dense, qs, got[arm])
		}
		for i := range qs {
			diffs[i] = append(diffs[i], got[1][i]-got[0][i])
			ratios[i] = append(ratios[i], got[1][i]/got[0][i])
		}
	}
	return diffs, ratios
}

// indexValues returns every value of the blocks, sorted, and points each
// block's values at their place in it.
func indexValues(blocks [2][]sparse) []int64 {
	var values []int64
	for _, arm := range blocks {
		for _, s := range arm {
			values = append(values, s.values...)
		}
	}
	slices.Sort(values)
	values = slices.Compact(values)
	for _, arm := range blocks {
		for j := range arm {
			s := &arm[j]
			s.at = make([]int32, len(s.values))
			for k, v := range s.values {
				pos, _ := slices.BinarySearch(values, v)
				s.at[k] = int32(pos)
			}
		}
	}
	return values
}

// drawPercentiles adds each block's buckets, weighted by how often it was
// drawn, into dense (a count per value of values), and returns the values
// at the percentiles qs (0–100, rising) as HdrHistogram's
// ValueAtPercentile picks them: the value of the bucket that holds the
// sample at rank q/100·total, rounded. out is reused.
func drawPercentiles(blocks []sparse, weights []int64, values, dense []int64, qs []float64, out []float64) []float64 {
	clear(dense)
	var total int64
	for j, w := range weights {
		if w == 0 {
			continue
		}
		s := &blocks[j]
		for k, pos := range s.at {
			dense[pos] += w * s.counts[k]
			total += w * s.counts[k]
		}
	}
	out = out[:0]
	var cum int64
	i := 0
	for _, q := range qs {
		rank := max(int64(q/100*float64(total)+0.5), 1)
		for i < len(values)-1 && cum+dense[i] < rank {
			cum += dense[i]
			i++
		}
		out = append(out, float64(values[i]))
	}
	return out
}

// fmtNs formats nanoseconds as a duration.
func fmtNs(ns int64) string {
	return fmt.Sprintf("%gs", float64(ns)/1e9)
}

package results

import (
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// trimDivisor sets the trimmed mean's cut: 1/1000 (0.1%) of the samples at
// each end.
const trimDivisor = 1000

// Summarize computes the Summary of a histogram of nanosecond values. An
// empty or nil histogram gives the zero Summary.
//
// Percentiles are HdrHistogram's: the highest value equivalent to the
// sample at that rank. Mean, StdDev and TrimMean weight each bucket by its
// median equivalent value, as HdrHistogram's own Mean does.
func Summarize(h *hdrhistogram.Histogram) Summary {
	if h == nil || h.TotalCount() <= 0 {
		return Summary{}
	}
	bars := nonEmptyBars(h)
	mean, stdDev := moments(bars, h.TotalCount())
	return Summary{
		Count: h.TotalCount(),
		Min:   h.Min(),
		// hdrhistogram-go takes percentiles in 0..100, not quantiles in 0..1.
		P50:      h.ValueAtPercentile(50),
		P90:      h.ValueAtPercentile(90),
		P99:      h.ValueAtPercentile(99),
		P999:     h.ValueAtPercentile(99.9),
		P9999:    h.ValueAtPercentile(99.99),
		Max:      h.Max(),
		Mean:     mean,
		StdDev:   stdDev,
		TrimMean: trimmedMean(bars, h.TotalCount()),
	}
}

// bar is one non-empty bucket: its representative value and sample count.
type bar struct {
	valueNs float64
	count   int64
}

// nonEmptyBars returns the histogram's non-empty buckets in ascending
// order, each valued at its median equivalent value.
func nonEmptyBars(h *hdrhistogram.Histogram) []bar {
	var bars []bar
	for _, b := range h.Distribution() {
		if b.Count <= 0 {
			continue
		}
		// Matches hdrhistogram's medianEquivalentValue: lowest equivalent
		// value plus half the bucket's width.
		mid := b.From + (b.To-b.From+1)/2
		bars = append(bars, bar{valueNs: float64(mid), count: b.Count})
	}
	return bars
}

// moments returns the mean and population standard deviation of bars,
// summed in float64 so that long runs of large values cannot overflow.
func moments(bars []bar, n int64) (mean, stdDev float64) {
	var sum float64
	for _, b := range bars {
		sum += b.valueNs * float64(b.count)
	}
	mean = sum / float64(n)
	var sq float64
	for _, b := range bars {
		d := b.valueNs - mean
		sq += d * d * float64(b.count)
	}
	return mean, math.Sqrt(sq / float64(n))
}

// trimmedMean returns the mean of the samples left after dropping
// floor(n/1000) samples from each end. A bucket that straddles a cut point
// contributes only the samples on the kept side of it.
func trimmedMean(bars []bar, n int64) float64 {
	cut := n / trimDivisor
	keepFrom, keepTo := cut, n-cut // kept ranks: [keepFrom, keepTo)
	var sum float64
	var rank int64
	for _, b := range bars {
		kept := min(rank+b.count, keepTo) - max(rank, keepFrom)
		if kept > 0 {
			sum += b.valueNs * float64(kept)
		}
		rank += b.count
	}
	return sum / float64(keepTo-keepFrom)
}

package plot

import (
	"math"
	"strconv"
	"strings"

	"github.com/latbench/latbench/results"
	"gonum.org/v1/plot"
)

// Units on the axes.
const (
	nsPerMicro = 1000.0
	// minMicros is the smallest latency a log axis shows: 1 ns, the
	// histograms' lowest value.
	minMicros = 0.001
	// bytesPerMiB converts bytes to MiB.
	bytesPerMiB = 1 << 20
)

// logTicks returns a ticker for a log axis of positive values: labelled
// ticks at 1, 2 and 5 times a power of ten when the axis spans at most two
// decades, else at powers of ten only, with unlabelled minor ticks between.
func logTicks() plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
			return nil
		}
		labelled := []float64{1}
		if math.Log10(hi/lo) <= 2.05 {
			labelled = []float64{1, 2, 5}
		}
		var ticks []plot.Tick
		for exp := math.Floor(math.Log10(lo)); exp <= math.Ceil(math.Log10(hi)); exp++ {
			decade := math.Pow(10, exp)
			for m := 1.0; m < 10; m++ {
				v := m * decade
				if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
					continue
				}
				t := plot.Tick{Value: v}
				for _, l := range labelled {
					if m == l {
						t.Label = fmtNumber(v)
					}
				}
				ticks = append(ticks, t)
			}
		}
		return ticks
	})
}

// niceLogRange widens [lo, hi] to 1, 2 or 5 times a power of ten at both
// ends, so that a log axis starts and ends on a labelled tick. Values that
// are not positive are clamped to minMicros.
func niceLogRange(lo, hi float64) (float64, float64) {
	lo = math.Max(lo, minMicros)
	hi = math.Max(hi, lo)
	nlo := niceStep(lo, false)
	nhi := niceStep(hi, true)
	if nhi <= nlo {
		nhi = niceStep(nlo*1.01, true)
	}
	return nlo, nhi
}

// niceStep returns the largest 1, 2 or 5 times a power of ten at most v,
// or with up set the smallest at least v.
func niceStep(v float64, up bool) float64 {
	exp := math.Floor(math.Log10(v))
	decade := math.Pow(10, exp)
	steps := []float64{1, 2, 5, 10}
	if up {
		for _, s := range steps {
			if s*decade >= v*(1-1e-9) {
				return s * decade
			}
		}
		return 10 * decade
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i]*decade <= v*(1+1e-9) {
			return steps[i] * decade
		}
	}
	return decade
}

// percentileTicks returns the ticks of a 1/(1-p) axis from 1 to max: a
// labelled tick at every power of ten (0%, 90%, 99%, 99.9%, ...) and
// unlabelled minor ticks between.
func percentileTicks() plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var ticks []plot.Tick
		for exp := 0; float64(exp) <= math.Log10(hi)+1e-9; exp++ {
			decade := math.Pow(10, float64(exp))
			ticks = append(ticks, plot.Tick{Value: decade, Label: percentileLabel(exp)})
			for m := 2.0; m < 10 && m*decade <= hi; m++ {
				ticks = append(ticks, plot.Tick{Value: m * decade})
			}
		}
		return ticks
	})
}

// percentileLabel names the percentile at x = 10^exp on a 1/(1-p) axis.
func percentileLabel(exp int) string {
	switch exp {
	case 0:
		return "0%"
	case 1:
		return "90%"
	case 2:
		return "99%"
	}
	return "99." + strings.Repeat("9", exp-2) + "%"
}

// linearTicks returns ticks for a linear axis: about six labelled ticks
// at 1, 2 or 5 times a power of ten, with thousands separators, and
// unlabelled minor ticks between.
func linearTicks() plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		if !(hi > lo) || math.IsInf(hi-lo, 0) {
			return nil
		}
		step := niceStep((hi-lo)/6, true)
		perStep := 5
		if m := step / math.Pow(10, math.Floor(math.Log10(step))); math.Abs(m-2) < 1e-9 {
			perStep = 4
		}
		minor := step / float64(perStep)
		var ticks []plot.Tick
		for k := math.Ceil(lo/minor - 1e-9); k <= math.Floor(hi/minor+1e-9); k++ {
			v := k * minor
			t := plot.Tick{Value: v}
			if math.Mod(math.Abs(k), float64(perStep)) == 0 {
				t.Label = fmtNumber(v)
			}
			ticks = append(ticks, t)
		}
		return ticks
	})
}

// fmtNumber formats an axis value: up to three significant digits below
// 1,000, whole numbers with thousands separators above.
func fmtNumber(v float64) string {
	if v == 0 {
		return "0" // not "-0"
	}
	if math.Abs(v) < 1000 {
		return strconv.FormatFloat(roundSig(v, 3), 'f', -1, 64)
	}
	return results.GroupThousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
}

// fmtMicros formats a latency in µs with three significant digits.
func fmtMicros(us float64) string {
	return fmtNumber(roundSig(us, 3))
}

// fmtRate formats a request rate in whole requests per second.
func fmtRate(rps float64) string {
	return results.GroupThousands(strconv.FormatFloat(math.Round(rps), 'f', 0, 64))
}

// roundSig rounds v to n significant digits.
func roundSig(v float64, n int) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', n, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// logScale is a log axis scale that, unlike plot.LogScale, does not panic
// on values that are not positive: it clamps them to the axis minimum.
type logScale struct{}

// Normalize returns the fractional logarithmic distance of x between min
// and max.
func (logScale) Normalize(min, max, x float64) float64 {
	min = math.Max(min, minMicros*1e-3)
	if !(max > min) {
		max = min * 10
	}
	x = math.Max(x, min)
	return (math.Log(x) - math.Log(min)) / (math.Log(max) - math.Log(min))
}

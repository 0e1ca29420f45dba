package study

import "strconv"

// Percentile is a latency percentile, 0–100 as hdrhistogram-go takes it.
type Percentile float64

// The percentiles the study published.
const (
	P50   Percentile = 50
	P90   Percentile = 90
	P99   Percentile = 99
	P999  Percentile = 99.9
	P9999 Percentile = 99.99
)

// Compared returns the percentiles compared with the published figures:
// p50, p90, p99 and p99.9.
func Compared() []Percentile { return []Percentile{P50, P90, P99, P999} }

// String names the percentile: "p50", "p99.9".
func (p Percentile) String() string {
	return "p" + strconv.FormatFloat(float64(p), 'f', -1, 64)
}

// Figures are a distribution's latencies at the compared percentiles, in
// ns; NaN where there is no value.
type Figures struct {
	P50, P90, P99, P999 float64
}

// At returns the figure at p, NaN for a percentile Figures does not hold.
func (f Figures) At(p Percentile) float64 {
	switch p {
	case P50:
		return f.P50
	case P90:
		return f.P90
	case P99:
		return f.P99
	case P999:
		return f.P999
	}
	return nan()
}

// figuresOf builds Figures from a function of the percentile.
func figuresOf(at func(Percentile) float64) Figures {
	return Figures{P50: at(P50), P90: at(P90), P99: at(P99), P999: at(P999)}
}

// minus returns f − g at every percentile.
func (f Figures) minus(g Figures) Figures {
	return figuresOf(func(p Percentile) float64 { return f.At(p) - g.At(p) })
}

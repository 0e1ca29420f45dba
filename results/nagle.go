package results

import hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

// The service times that mark Nagle's algorithm meeting delayed ACKs: a
// sender holding a small write back until its previous one is
// acknowledged, and a receiver that delays that acknowledgement by 40 ms
// (Linux's minimum) in the hope of sending it with data.
const (
	NagleLowNs  = 36_000_000
	NagleHighNs = 60_000_000
)

// BandCount returns how many of h's values lie in the buckets between
// lowNs and highNs.
func BandCount(h *hdrhistogram.Histogram, lowNs, highNs int64) int64 {
	var in int64
	for _, bar := range h.Distribution() {
		if bar.From >= lowNs && bar.To <= highNs+1 {
			in += bar.Count
		}
	}
	return in
}

package results

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
)

// MergeCells adds cells measured in parts (the agents of one cell, each
// with its share of one schedule) into one cell: histograms are merged
// exactly, counts summed, intervals aligned by their offset into the
// window and merged, and every figure is computed again from the merged
// histograms. The first cell gives the identity and the load. Cells whose
// histograms were recorded with other settings, or that lost values, are
// refused: an exact merge cannot be made of them.
func MergeCells(cells []Cell) (Cell, error) {
	if len(cells) == 0 {
		return Cell{}, errors.New("nothing to merge")
	}
	out := cells[0] // fill replaces every measured figure
	m := newMerger()
	for i := range cells {
		if err := m.add(&cells[i]); err != nil {
			return Cell{}, fmt.Errorf("part %d (%s): %w", i, cells[i].ID, err)
		}
	}
	if err := m.fill(&out); err != nil {
		return Cell{}, err
	}
	if cells[0].Paired != nil {
		if err := mergePaired(cells, &out); err != nil {
			return Cell{}, err
		}
	}
	return out, nil
}

// merger accumulates the parts of a cell.
type merger struct {
	latency, service, lag *hdrhistogram.Histogram
	connect, handshake    *hdrhistogram.Histogram
	classes               map[string]*classMerge
	classOrder            []string
	intervals             map[int64]*intervalMerge
	stats                 CellStats
	warnings              []string
	status                string
	failures              []string
}

// classMerge accumulates one request class.
type classMerge struct {
	latency, service *hdrhistogram.Histogram
	errors           engine.ErrorCounts
}

// intervalMerge accumulates the intervals that start at one offset.
type intervalMerge struct {
	latency           *hdrhistogram.Histogram
	endNs             int64
	completed, errors int64
	noise             *IntervalNoise
}

func newMerger() *merger {
	return &merger{latency: engine.NewHistogram(), service: engine.NewHistogram(), lag: engine.NewHistogram(),
		connect: engine.NewHistogram(), handshake: engine.NewHistogram(),
		classes: map[string]*classMerge{}, intervals: map[int64]*intervalMerge{}, status: StatusOK}
}

// add merges one part.
func (m *merger) add(c *Cell) error {
	switch {
	case c.Stats.OutOfRange > 0 || c.Stats.DroppedMerges > 0:
		return fmt.Errorf("%d values outside the histogram range and %d dropped in merges: an exact merge needs every value",
			c.Stats.OutOfRange, c.Stats.DroppedMerges)
	case c.Histograms.Latency == "" && c.Status == StatusOK:
		return errors.New("no latency histogram")
	}
	for _, h := range []struct {
		into *hdrhistogram.Histogram
		enc  string
	}{{m.latency, c.Histograms.Latency}, {m.service, c.Histograms.ServiceTime}, {m.lag, c.Histograms.Lag},
		{m.connect, c.Histograms.Connect}, {m.handshake, c.Histograms.Handshake}} {
		if err := MergeEncoded(h.into, h.enc); err != nil {
			return err
		}
	}
	if err := m.addClasses(c.Classes); err != nil {
		return err
	}
	if err := m.addIntervals(c.Intervals); err != nil {
		return err
	}
	m.addStats(c)
	return nil
}

// MergeEncoded merges a base64 histogram into h after checking that it
// was recorded with the same range and precision; an empty encoding adds
// nothing.
func MergeEncoded(h *hdrhistogram.Histogram, enc string) error {
	if enc == "" {
		return nil
	}
	part, err := DecodeHistogram(enc)
	if err != nil {
		return err
	}
	if part.LowestTrackableValue() != h.LowestTrackableValue() || part.HighestTrackableValue() != h.HighestTrackableValue() ||
		part.SignificantFigures() != h.SignificantFigures() {
		return fmt.Errorf("histogram settings %d..%d ns at %d digits differ from latbench's %d..%d at %d: not merged",
			part.LowestTrackableValue(), part.HighestTrackableValue(), part.SignificantFigures(),
			h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures())
	}
	if dropped := h.Merge(part); dropped > 0 {
		return fmt.Errorf("%d values dropped in the merge", dropped)
	}
	return nil
}

// addClasses merges the request classes of a mix.
func (m *merger) addClasses(classes []ClassStats) error {
	for _, c := range classes {
		cm := m.classes[c.Name]
		if cm == nil {
			cm = &classMerge{latency: engine.NewHistogram(), service: engine.NewHistogram()}
			m.classes[c.Name] = cm
			m.classOrder = append(m.classOrder, c.Name)
		}
		if err := MergeEncoded(cm.latency, c.Histograms.Latency); err != nil {
			return err
		}
		if err := MergeEncoded(cm.service, c.Histograms.ServiceTime); err != nil {
			return err
		}
		cm.errors.Add(&c.Errors)
	}
	return nil
}

// addIntervals merges intervals that start at the same offset.
func (m *merger) addIntervals(ivs []Interval) error {
	for _, iv := range ivs {
		im := m.intervals[iv.StartNs]
		if im == nil {
			im = &intervalMerge{latency: engine.NewHistogram()}
			m.intervals[iv.StartNs] = im
		}
		if err := MergeEncoded(im.latency, iv.Latency); err != nil {
			return err
		}
		im.endNs = max(im.endNs, iv.EndNs)
		im.completed += iv.Completed
		im.errors += iv.Errors
		if iv.Noise != nil {
			if im.noise == nil {
				im.noise = &IntervalNoise{}
			}
			im.noise.merge(iv.Noise)
		}
	}
	return nil
}

// addStats merges the counts of a part; the resource use is the part's
// highest.
func (m *merger) addStats(c *Cell) {
	m.stats.Counts.Merge(&c.Stats.Counts)
	m.stats.ServerCPUPct = max(m.stats.ServerCPUPct, c.Stats.ServerCPUPct)
	m.stats.ServerPeakRSS = max(m.stats.ServerPeakRSS, c.Stats.ServerPeakRSS)
	m.warnings = append(m.warnings, c.Warnings...)
	if c.Status != StatusOK {
		m.status = StatusFailed
		m.failures = append(m.failures, c.Failure)
	}
}

// fill writes the merged figures into out.
func (m *merger) fill(out *Cell) error {
	out.Stats = m.stats
	out.Stats.Derive(m.latency, m.service, m.lag)
	out.Stats.DeriveConnections(m.connect, m.handshake)
	var err error
	for _, h := range []struct {
		dst *string
		h   *hdrhistogram.Histogram
	}{{&out.Histograms.Latency, m.latency}, {&out.Histograms.ServiceTime, m.service}, {&out.Histograms.Lag, m.lag}} {
		if *h.dst, err = EncodeHistogram(h.h); err != nil {
			return err
		}
	}
	if out.Histograms.Connect, out.Histograms.Handshake, err = encodeIfAny(m.connect, m.handshake); err != nil {
		return err
	}
	if out.Classes, err = m.mergedClasses(); err != nil {
		return err
	}
	if out.Intervals, err = m.mergedIntervals(); err != nil {
		return err
	}
	if out.Noise, err = NoiseOf(out.Intervals); err != nil {
		return err
	}
	out.Warnings = uniqueStrings(m.warnings)
	out.Status = m.status
	if len(m.failures) > 0 {
		out.Failure = fmt.Sprintf("%d of the parts failed: %s", len(m.failures), m.failures[0])
	}
	return nil
}

// mergedClasses returns the merged request classes, in first-seen order.
func (m *merger) mergedClasses() ([]ClassStats, error) {
	var out []ClassStats
	for _, name := range m.classOrder {
		cm := m.classes[name]
		c := ClassStats{Name: name, Requests: cm.latency.TotalCount(), Errors: cm.errors,
			Latency: Summarize(cm.latency), ServiceTime: Summarize(cm.service)}
		c.ErrorsTotal = cm.errors.Total()
		var err error
		if c.Histograms.Latency, err = EncodeHistogram(cm.latency); err != nil {
			return nil, err
		}
		if c.Histograms.ServiceTime, err = EncodeHistogram(cm.service); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// mergedIntervals returns the merged intervals in time order.
func (m *merger) mergedIntervals() ([]Interval, error) {
	var out []Interval
	for _, start := range slices.Sorted(maps.Keys(m.intervals)) {
		im := m.intervals[start]
		enc, err := EncodeHistogram(im.latency)
		if err != nil {
			return nil, err
		}
		out = append(out, Interval{StartNs: start, EndNs: im.endNs, Latency: enc, Completed: im.completed, Errors: im.errors, Noise: im.noise})
	}
	return out, nil
}

// uniqueStrings returns ss without repeats, in first-seen order.
func uniqueStrings(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// encodeIfAny encodes the connect and handshake histograms, each only
// when it holds values.
func encodeIfAny(connect, handshake *hdrhistogram.Histogram) (string, string, error) {
	var out [2]string
	for i, h := range []*hdrhistogram.Histogram{connect, handshake} {
		if h.TotalCount() == 0 {
			continue
		}
		var err error
		if out[i], err = EncodeHistogram(h); err != nil {
			return "", "", err
		}
	}
	return out[0], out[1], nil
}

// Package plot draws the charts of a latbench run with gonum/plot: the
// percentile spectrum of each scenario, latency against throughput across
// rate steps, per-target percentile bars, the cost of each target, the
// fast requests' p99 and the availability against a slow dependency's
// delay, latency over time per cell with its faults and success rate,
// and for a paired cell the difference of its arms over time and by
// percentile, with its interval. Every chart is written as a PNG and an
// SVG. The package only reads the run.
package plot

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/latbench/latbench/results"
)

// Chart kinds, one per kind of chart, so that a report can place each.
const (
	KindSpectrum               = "spectrum"
	KindLatencyVsRate          = "latency-vs-rate"
	KindBars                   = "bars"
	KindCost                   = "cost"
	KindDependencyP99          = "dependency-p99"
	KindDependencyAvailability = "dependency-availability"
	KindOverTime               = "over-time"
	KindPairedOverTime         = "paired-over-time"
	KindPairedSpectrum         = "paired-spectrum"
)

// Chart is one rendered chart: a file base name and what it shows.
type Chart struct {
	// Name is the files' base name, without extension: "spectrum-http".
	Name string
	// Kind is one of the Kind constants.
	Kind string
	// Title is the chart's title; Caption says what it shows, in a few
	// sentences.
	Title, Caption string
	// Finding is one sentence that reads the chart's data against the
	// rule its caption states, e.g. which servers kept the fast requests
	// fast; "" for a chart without one.
	Finding string
	// Group names the data a set of charts shares, e.g. "http, load
	// moderate" for the two dependency charts of that load; "" for a
	// chart of its own.
	Group string
	// PNG and SVG are the paths of the files written.
	PNG, SVG string
}

// chartSpec is a chart before it is rendered.
type chartSpec struct {
	name, kind, title, caption string
	finding, group             string
	fig                        *figure
	// cell is the cell a chart of one cell shows; nil for a chart of
	// several.
	cell *results.Cell
}

// WriteAll renders every chart that the run has data for into dir and
// returns them in a stable order: percentile spectra, latency against
// throughput, per-target bars, cost, the dependency charts, then the
// charts of single cells in run order: each cell's latency over time,
// followed for a paired cell by the difference of its arms over time and
// by percentile. A chart without data is left out, not drawn empty.
// WriteAll returns an error, never panics, on a nil run, an unwritable
// dir or a failed rendering.
func WriteAll(run *results.Run, dir string) (charts []Chart, err error) {
	if run == nil {
		return nil, errors.New("plot: nil run")
	}
	if dir == "" {
		return nil, errors.New("plot: empty output directory")
	}
	defer func() {
		if r := recover(); r != nil {
			charts, err = nil, fmt.Errorf("plot: %v", r)
		}
	}()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	for _, s := range chartSpecs(run) {
		png, svg, err := s.fig.save(dir, s.name)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", s.name, err)
		}
		charts = append(charts, Chart{
			Name: s.name, Kind: s.kind, Title: s.title, Caption: s.caption,
			Finding: s.finding, Group: s.group, PNG: png, SVG: svg,
		})
	}
	return charts, nil
}

// chartSpecs returns the charts the run has data for, in WriteAll's
// order, with unique names.
func chartSpecs(run *results.Run) []chartSpec {
	pal := palette(run.Cells)
	var specs []chartSpec
	specs = append(specs, spectrumCharts(run, pal)...)
	specs = append(specs, throughputCharts(run, pal)...)
	specs = append(specs, barCharts(run, pal)...)
	specs = append(specs, costCharts(run, pal)...)
	specs = append(specs, dependencyCharts(run, pal)...)
	specs = append(specs, byCell(run.Cells, overTimeCharts(run, pal), pairedCharts(run, pal))...)
	used := map[string]bool{}
	for i := range specs {
		specs[i].name = uniqueName(specs[i].name, used)
	}
	return specs
}

// byCell returns the charts of single cells in their cells' run order;
// one cell's charts come in the order of groups, and within a group in
// the group's order.
func byCell(cells []results.Cell, groups ...[]chartSpec) []chartSpec {
	place := map[*results.Cell]int{}
	for i := range cells {
		place[&cells[i]] = i
	}
	var out []chartSpec
	for _, g := range groups {
		out = append(out, g...)
	}
	slices.SortStableFunc(out, func(a, b chartSpec) int { return cmp.Compare(place[a.cell], place[b.cell]) })
	return out
}

// fileName joins parts into a file base name of letters, digits, dots,
// dashes and underscores.
func fileName(parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		if p == "" {
			continue
		}
		if i > 0 && b.Len() > 0 {
			b.WriteByte('-')
		}
		for _, r := range p {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
				b.WriteRune(r)
			default:
				b.WriteByte('_')
			}
		}
	}
	name := strings.Trim(b.String(), ".")
	if name == "" {
		return "chart"
	}
	return name
}

// uniqueName returns name, or name with a numeric suffix when an earlier
// chart already took it, and records it as used.
func uniqueName(name string, used map[string]bool) string {
	out := name
	for i := 2; used[out]; i++ {
		out = name + "-" + strconv.Itoa(i)
	}
	used[out] = true
	return out
}

// chartPaths returns the PNG and SVG paths of a chart.
func chartPaths(dir, name string) (png, svg string) {
	return filepath.Join(dir, name+".png"), filepath.Join(dir, name+".svg")
}

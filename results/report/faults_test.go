package report

import (
	"slices"
	"testing"
	"time"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot"
)

func TestFaultBlocks(t *testing.T) {
	cell := func(status string, faults ...results.FaultResult) results.Cell {
		return results.Cell{ID: "go-proxy", Status: status, Stats: results.CellStats{Availability: 0.98765}, Faults: faults}
	}
	tests := []struct {
		name  string
		cells []results.Cell
		want  [][]string
	}{
		{name: "no faults", cells: []results.Cell{cell(results.StatusOK)}},
		{
			name: "recovered",
			cells: []results.Cell{cell(results.StatusOK, results.FaultResult{
				Fault: "at 10s: stop-target 1s", Kind: "stop-target", FellDue: 12345, Availability: 0.9995, Recovered: true, Recovery: 1250 * time.Millisecond,
			})},
			want: [][]string{{"go-proxy", "at 10s: stop-target 1s", "12,345", "99.95%", "1.25 s", "98.76%"}},
		},
		{
			name: "not recovered, written on two lines",
			cells: []results.Cell{cell(results.StatusOK, results.FaultResult{
				Fault: "at 30s:\nkill-backend", Kind: "kill-backend", FellDue: 500, Availability: 0,
			})},
			want: [][]string{{"go-proxy", "at 30s: kill-backend", "500", "0%", "not within the window", "98.76%"}},
		},
		{
			name: "nothing due, no text, failed cell",
			cells: []results.Cell{cell(results.StatusFailed, results.FaultResult{
				Kind: "stop-backend", Availability: 1, Recovered: true,
			})},
			want: [][]string{{"go-proxy", "stop-backend", "-", "-", "0 s", "failed"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks := faultBlocks(&results.Run{Cells: tt.cells})
			if tt.want == nil {
				if blocks != nil {
					t.Fatalf("blocks for a run without faults: %v", blocks)
				}
				return
			}
			tb := blocks[len(blocks)-1].(*table)
			if !slices.EqualFunc(tb.Rows, tt.want, slices.Equal[[]string]) {
				t.Errorf("rows %q, want %q", tb.Rows, tt.want)
			}
		})
	}
}

func TestFmtSeconds(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{name: "zero", d: 0, want: "0 s"},
		{name: "fraction", d: 250 * time.Millisecond, want: "0.25 s"},
		{name: "three digits", d: 1254 * time.Millisecond, want: "1.25 s"},
		{name: "long", d: 1234 * time.Second, want: "1230 s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmtSeconds(tt.d); got != tt.want {
				t.Errorf("fmtSeconds(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestDependencyBlocks(t *testing.T) {
	chart := func(kind, group string) *chartBlock {
		return &chartBlock{chart: plot.Chart{Name: kind + group, Kind: kind, Group: group}}
	}
	tests := []struct {
		name   string
		charts []*chartBlock
		want   []string
	}{
		{name: "none", charts: []*chartBlock{chart(plot.KindSpectrum, "")}},
		{
			name:   "one group needs no heading",
			charts: []*chartBlock{chart(plot.KindSpectrum, ""), chart(plot.KindDependencyP99, "a"), chart(plot.KindDependencyAvailability, "a")},
			want:   []string{"paragraph", "dependency-p99a", "dependency-availabilitya"},
		},
		{
			name: "several groups get headings",
			charts: []*chartBlock{
				chart(plot.KindDependencyP99, "a"), chart(plot.KindDependencyP99, "b"),
				chart(plot.KindDependencyAvailability, "a"), chart(plot.KindDependencyAvailability, "b"),
			},
			want: []string{"paragraph", "heading a", "dependency-p99a", "dependency-availabilitya", "heading b", "dependency-p99b", "dependency-availabilityb"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, b := range dependencyBlocks(tt.charts) {
				switch v := b.(type) {
				case *chartBlock:
					got = append(got, v.chart.Name)
				case *heading:
					got = append(got, "heading "+v.text)
				default:
					got = append(got, typeName(b))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("blocks %q, want %q", got, tt.want)
			}
		})
	}
}

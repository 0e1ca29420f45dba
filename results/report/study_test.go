package report

import (
	"math"
	"strings"
	"testing"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot/plottest"
	"github.com/latbench/latbench/results/study"
	"github.com/latbench/latbench/results/study/studytest"
)

// studySectionMarkdown renders the study section of run alone.
func studySectionMarkdown(t *testing.T, run *results.Run) string {
	t.Helper()
	blocks, err := studyBlocks(run)
	if err != nil {
		t.Fatal(err)
	}
	doc := &document{title: "latbench report: " + run.Suite, sections: []section{{id: studySectionID, title: studySectionTitle, blocks: blocks}}}
	return string(renderMarkdown(doc))
}

func TestStudySectionGolden(t *testing.T) {
	md := studySectionMarkdown(t, studytest.Run(t))
	assertGolden(t, "testdata/study.md.golden", []byte(md))
}

// A paired study run reports each proxy's overhead as its paired
// difference with the interval, and ranks only what the intervals
// separate.
func TestStudySectionPairedGolden(t *testing.T) {
	md := studySectionMarkdown(t, studytest.PairedRun(t, true))
	for _, want := range []string{"both measured at once (paired cells", ` \[+`, "≈ joins neighbours"} {
		if !strings.Contains(md, want) {
			t.Errorf("the paired study section lacks %q", want)
		}
	}
	assertGolden(t, "testdata/study-paired.md.golden", []byte(md))
}

// TestStudySectionVariants checks the section of runs that lack rounds,
// a machine sentence or whole shapes.
func TestStudySectionVariants(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*results.Run)
		want, not []string
		noSection bool
	}{
		{
			name: "no published option", edit: func(r *results.Run) { delete(r.Config.Options, study.OptionPublished) },
			noSection: true,
		},
		{
			name: "one round, no machine",
			edit: func(r *results.Run) {
				delete(r.Config.Options, study.OptionMachine)
				var once []results.Cell
				for _, c := range r.Cells {
					if c.Round == 1 {
						c.Round = 0
						once = append(once, c)
					}
				}
				r.Cells = once
			},
			want: []string{"Machine: not described (the run has no \"machine\" option); 2 CPUs, client on CPUs 0", "Every figure of this run is one run"},
			not:  []string{"95% CI", "Steal time"},
		},
		{
			name: "steal time",
			edit: func(r *results.Run) {
				for i := range r.Cells {
					r.Cells[i].Stats.StealPct = float64(i % 10)
				}
			},
			want: []string{"Steal time: the hypervisor took a median ", "at most 9.0%"},
		},
		{
			name: "no baseline",
			edit: func(r *results.Run) {
				var kept []results.Cell
				for _, c := range r.Cells {
					if !c.Baseline {
						kept = append(kept, c)
					}
				}
				r.Cells = kept
			},
			want: []string{"| C (HAProxy)             |  no baseline |     +50.0 |", "swapped: HAProxy ↔ http-tunnel"},
			not:  []string{"| +0"},
		},
		{
			name: "no max cells",
			edit: func(r *results.Run) {
				var kept []results.Cell
				for _, c := range r.Cells {
					if c.Load.Name != study.LoadMax {
						kept = append(kept, c)
					}
				}
				r.Cells = kept
			},
			want: []string{"| Baseline (nginx)        | nginx             | not measured |", "fewer than two proxies measured", "No cell of load \"max\" ran successfully"},
			not:  []string{"| 0 |", " 0.0%"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := studytest.Run(t)
			tt.edit(run)
			if tt.noSection {
				if blocks, err := studyBlocks(run); err != nil || blocks != nil {
					t.Errorf("studyBlocks = %d blocks, %v; want none", len(blocks), err)
				}
				return
			}
			md := studySectionMarkdown(t, run)
			for _, w := range tt.want {
				if !strings.Contains(md, w) {
					t.Errorf("section lacks %q", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(md, n) {
					t.Errorf("section has %q", n)
				}
			}
		})
	}
}

// studyRun is the study fixture.
func studyRun(t *testing.T) *results.Run { return studytest.Run(t) }

// TestWriteStudy writes the study fixture's whole report and checks that
// the section sits after the results in both formats.
func TestWriteStudy(t *testing.T) {
	dir, md, page := writeOnce(t, "study", studyRun)
	t.Run("markdown links charts", func(t *testing.T) { checkMarkdownLinks(t, dir, md) })
	t.Run("html self-contained", func(t *testing.T) { checkHTMLSelfContained(t, dir, page) })
	t.Run("markdown order", func(t *testing.T) {
		res, sec, warn := strings.Index(md, "\n## Results\n"), strings.Index(md, "\n## "+studySectionTitle+"\n"), strings.Index(md, "\n## Warnings\n")
		if res < 0 || sec < res || warn < sec {
			t.Errorf("sections at %d (results), %d (study), %d (warnings); want the study between the other two", res, sec, warn)
		}
	})
	t.Run("html content", func(t *testing.T) {
		for _, want := range []string{
			`<a href="#study">The study: latbench beside the published figures</a>`, `<section id="study">`,
			"<h3>Moderate load: latency (µs)</h3>", "<h3>Ranking of the proxies</h3>", "<h3>Unseen by the study: coordinated omission</h3>",
			`<td>C++ (draft-http-tunnel)</td><td>draft-http-tunnel</td><td class="num">not measured</td>`,
			"swapped: HAProxy ↔ http-tunnel; not measured: draft-http-tunnel",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("report.html lacks %q", want)
			}
		}
	})
}

// TestWriteWithoutStudy checks that a run that does not ask for the
// study has no such section.
func TestWriteWithoutStudy(t *testing.T) {
	doc, err := build(plottest.Run(t), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.sections {
		if s.id == studySectionID {
			t.Error("a run without published=study has the study section")
		}
	}
}

func TestAgreementText(t *testing.T) {
	sys := func(name string) study.System { return study.System{Name: name, Software: name} }
	a, b, c := sys("a"), sys("b"), sys("c")
	tests := []struct {
		name string
		r    study.Ranking
		want string
	}{
		{name: "same order", r: study.Ranking{Published: []study.System{a, b}, Measured: []study.System{a, b}}, want: "same order"},
		{
			name: "swaps and missing",
			r: study.Ranking{Published: []study.System{a, b, c}, Measured: []study.System{b, a},
				Swaps: [][2]study.System{{a, b}}, Missing: []study.System{c}},
			want: "swapped: a ↔ b; not measured: c",
		},
		{name: "one measured", r: study.Ranking{Measured: []study.System{a}, Missing: []study.System{b}}, want: "fewer than two proxies measured; not measured: b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := agreementText(tt.r); got != tt.want {
				t.Errorf("agreementText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStudyFormats(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "positive overhead", got: fmtSigned(55_120), want: "+55.1"},
		{name: "negative overhead", got: fmtSigned(-3_200), want: "-3.20"},
		{name: "large overhead", got: fmtSigned(1_051_000), want: "+1,050"},
		{name: "no overhead", got: fmtSigned(math.NaN()), want: "-"},
		{name: "share", got: fmtShare(0.7623), want: "76.2%"},
		{name: "no share", got: fmtShare(math.NaN()), want: "-"},
		{name: "cells", got: cellsText(study.SystemResult{Cells: 5, Failed: 1}), want: "5 (1 failed)"},
		{name: "no cells", got: cellsText(study.SystemResult{Failed: 2}), want: "not measured (2 failed)"},
		{name: "estimate", got: fmtEstimate(results.Estimate{Median: 537_000, Low: 511_000, High: 562_000, N: 3}), want: "537 [511–562]"},
		{name: "no estimate", got: fmtEstimate(results.Estimate{Median: math.NaN()}), want: "not measured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// A paired study run of one round says that its paired overheads carry
// intervals of their own.
func TestStudySectionPairedWithoutRounds(t *testing.T) {
	run := studytest.PairedRun(t, true)
	for i := range run.Cells {
		run.Cells[i].Round = 0
	}
	md := studySectionMarkdown(t, run)
	if !strings.Contains(md, "carry their own 95% intervals") {
		t.Error("the paired study section of one round does not say its overheads carry intervals")
	}
}

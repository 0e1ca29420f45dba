package report

import (
	"regexp"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot/plottest"
)

// pairedRun is the plottest paired fixture.
func pairedRun(t *testing.T) *results.Run {
	t.Helper()
	twwidth.SetEastAsian(false)
	return plottest.PairedRun(t)
}

// pairedCharts are the paired charts of the paired fixture, in order.
func pairedCharts() []string {
	return []string{
		"paired-over-time-haproxy-http-proxy-vs-backend-2000rps-c10", "paired-spectrum-haproxy-http-proxy-vs-backend-2000rps-c10",
		"paired-over-time-go-http-vs-go-2000rps-c10", "paired-spectrum-go-http-vs-go-2000rps-c10",
	}
}

// TestWritePaired writes the paired fixture's report once and checks it.
func TestWritePaired(t *testing.T) {
	run := pairedRun(t)
	dir, md, page := writeOnce(t, "paired", pairedRun)
	t.Run("markdown golden", func(t *testing.T) { checkMarkdownGolden(t, "report-paired.md.golden", md) })
	t.Run("markdown links charts", func(t *testing.T) { checkMarkdownLinks(t, dir, md) })
	t.Run("html self-contained", func(t *testing.T) { checkHTMLSelfContained(t, dir, page) })
	t.Run("table notes", func(t *testing.T) { checkTableNotes(t, run, md, page) })
	t.Run("paired charts follow their cell's latency over time", func(t *testing.T) {
		got := regexp.MustCompile(`<figure id="chart-((?:paired-)?over-time[^"]*|paired-spectrum[^"]*)">`).FindAllStringSubmatch(page, -1)
		var names []string
		for _, m := range got {
			names = append(names, m[1])
		}
		want := []string{
			"over-time-haproxy-http-proxy-vs-backend-2000rps-c10", pairedCharts()[0], pairedCharts()[1],
			"over-time-go-http-vs-go-2000rps-c10", pairedCharts()[2], pairedCharts()[3],
		}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("per-cell charts in the order %q, want %q", names, want)
		}
	})
	t.Run("captions say the method", func(t *testing.T) {
		for _, want := range []string{
			"<strong>Paired difference over time: haproxy − nginx (backend).</strong>",
			"<strong>Paired difference by percentile: haproxy − nginx (backend).</strong>",
			"measured paired (both arms at once) on one schedule",
			"The shaded band is the whole window&#39;s 95% interval of the p50 difference",
			"Interval method: " + esc(results.PairedMethod) + ".",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("report.html lacks %q", want)
			}
		}
		if n := strings.Count(md, "Interval method: "+results.MarkdownText(results.PairedMethod)+"."); n != len(pairedCharts()) {
			t.Errorf("report.md names the paired method under %d charts, want %d", n, len(pairedCharts()))
		}
	})
}

func TestPairedChartsInReport(t *testing.T) {
	tests := []struct {
		name    string
		run     func(t *testing.T) *results.Run
		fixture string // the run is this fixture as it is: its report is written once
		want    int
	}{
		{name: "paired cells", run: pairedRun, fixture: "paired", want: len(pairedCharts())},
		{name: "no paired cell", run: fixtureRun, fixture: "fixture"},
		{
			name: "too few blocks",
			run: func(t *testing.T) *results.Run {
				run := pairedRun(t)
				for i := range run.Cells {
					p := run.Cells[i].Paired
					p.Blocks, p.OverTime, p.Spectrum = 1, p.OverTime[:1], nil
				}
				return run
			},
		},
		{
			name: "no blocks",
			run: func(t *testing.T) *results.Run {
				run := pairedRun(t)
				for i := range run.Cells {
					p := run.Cells[i].Paired
					p.Blocks, p.OverTime, p.Spectrum = 0, nil, nil
				}
				return run
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var md, page string
			if tt.fixture != "" {
				_, md, page = writeOnce(t, tt.fixture, tt.run)
			} else {
				_, md, page = writeRun(t, tt.run(t))
			}
			if got := strings.Count(page, `<figure id="chart-paired-`); got != tt.want {
				t.Errorf("report.html has %d paired charts, want %d", got, tt.want)
			}
			if got := strings.Count(md, "]("+ChartsDir+"/paired-"); got != tt.want {
				t.Errorf("report.md links %d paired charts, want %d", got, tt.want)
			}
		})
	}
}

// TestIntervalMethods checks that the report says which method produced
// each interval: the table notes, and the captions of the bars over
// rounds.
func TestIntervalMethods(t *testing.T) {
	run := fixtureRun(t)
	_, md, page := writeFixture(t)
	checkTableNotes(t, run, md, page)
	const sequential = "sequential cells over rounds"
	if !strings.Contains(md, sequential) || !strings.Contains(page, sequential) {
		t.Errorf("the report does not say that the intervals over rounds come from %s", sequential)
	}
	if strings.Contains(md, "paired (both arms at once)") {
		t.Error("a report without paired cells speaks of paired intervals")
	}
}

// checkTableNotes checks that every note of the run's tables, such as
// the method of their intervals, is under its table in report.md and
// report.html.
func checkTableNotes(t *testing.T, run *results.Run, md, page string) {
	t.Helper()
	notes := 0
	for _, tb := range results.Tables(run, true) {
		if tb.Note == "" {
			continue
		}
		notes++
		if !strings.Contains(md, results.MarkdownText(tb.Note)) {
			t.Errorf("report.md lacks the note of table %q: %s", tb.Title, tb.Note)
		}
		if !strings.Contains(page, "</table></div>\n<p>"+esc(tb.Note)+"</p>") {
			t.Errorf("report.html lacks the note of table %q under it: %s", tb.Title, tb.Note)
		}
	}
	if notes == 0 {
		t.Error("no table has a note")
	}
}

package plot

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results/internal/golden"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot/plottest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixtureCharts are the charts of the plottest fixture, in order.
func fixtureCharts() []string {
	return []string{
		"spectrum-http", "spectrum-http-proxy",
		"latency-vs-rate-http",
		"bars-http-max", "bars-http-proxied", "bars-http-steps", "bars-http-proxy-proxied",
		"cost",
		"over-time-go-http-steps-s3", "over-time-go-http-max",
	}
}

// slowDependencyCharts are the charts of the plottest slow-dependency
// fixture, in order.
func slowDependencyCharts() []string {
	return []string{
		"spectrum-http", "spectrum-http-proxy",
		"bars-http-moderate", "bars-http-proxy-faults",
		"cost",
		"dependency-p99-http-moderate", "dependency-availability-http-moderate",
		"over-time-go-blocking-http-dep200ms-moderate-1000rps-c50", "over-time-go-http-proxy-faults-1000rps-c300",
	}
}

// pairedRunCharts are the charts of the plottest paired fixture, in
// order: each paired cell's difference over time and by percentile
// follow its latency over time.
func pairedRunCharts() []string {
	return []string{
		"spectrum-http", "spectrum-http-proxy",
		"bars-http-2_000_rps", "bars-http-proxy-2_000_rps",
		"cost",
		"over-time-haproxy-http-proxy-vs-backend-2000rps-c10",
		"paired-over-time-haproxy-http-proxy-vs-backend-2000rps-c10", "paired-spectrum-haproxy-http-proxy-vs-backend-2000rps-c10",
		"over-time-go-http-vs-go-2000rps-c10",
		"paired-over-time-go-http-vs-go-2000rps-c10", "paired-spectrum-go-http-vs-go-2000rps-c10",
	}
}

// chartDir returns where a test writes the charts of a fixture: a
// temporary folder, or $LATBENCH_KEEP_CHARTS/fixture when it is set, to
// look at them.
func chartDir(t *testing.T, fixture string) string {
	if keep := os.Getenv("LATBENCH_KEEP_CHARTS"); keep != "" {
		return filepath.Join(keep, fixture)
	}
	return t.TempDir()
}

func TestWriteAll(t *testing.T) {
	tests := []struct {
		name string
		run  func(testing.TB) *results.Run
		want []string
		// golden is the golden files' prefix.
		golden string
	}{
		{name: "fixture", run: plottest.Run, want: fixtureCharts()},
		{name: "slow dependency", run: plottest.SlowDependencyRun, want: slowDependencyCharts(), golden: "slow-dependency-"},
		{name: "paired", run: plottest.PairedRun, want: pairedRunCharts(), golden: "duet-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCharts(t, chartDir(t, fileName(tt.name)), tt.run(t), tt.want, tt.golden)
		})
	}
}

// checkCharts writes the charts of run into dir and checks their names,
// texts, golden SVGs and PNGs.
func checkCharts(t *testing.T, dir string, run *results.Run, want []string, golden string) {
	charts, err := WriteAll(run, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := chartNames(charts); !slices.Equal(got, want) {
		t.Fatalf("charts %q, want %q", got, want)
	}
	for _, c := range charts {
		t.Run(c.Name, func(t *testing.T) {
			if c.Title == "" || c.Caption == "" {
				t.Errorf("chart has title %q and caption %q, want both", c.Title, c.Caption)
			}
			if c.PNG != filepath.Join(dir, c.Name+".png") || c.SVG != filepath.Join(dir, c.Name+".svg") {
				t.Errorf("paths %s, %s", c.PNG, c.SVG)
			}
			svg, err := os.ReadFile(c.SVG)
			if err != nil {
				t.Fatal(err)
			}
			assertGolden(t, filepath.Join("testdata", golden+c.Name+".golden.svg"), svg)
			assertPNG(t, c.PNG)
		})
	}
}

// assertGolden compares got with a golden file, or rewrites the file when
// the -update flag is set.
func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Assert(t, path, got, *update)
}

// chartNames returns the names of charts.
func chartNames(charts []Chart) []string {
	names := make([]string, len(charts))
	for i, c := range charts {
		names[i] = c.Name
	}
	return names
}

func TestSVGDeterministic(t *testing.T) {
	specs := append(chartSpecs(plottest.Run(t)), chartSpecs(plottest.SlowDependencyRun(t))...)
	specs = append(specs, chartSpecs(plottest.PairedRun(t))...)
	for _, spec := range specs {
		a, errA := spec.fig.svg()
		b, errB := spec.fig.svg()
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renderings of the same chart differ", spec.name)
		}
	}
}

// assertPNG checks that a chart's PNG is 8x4.5 in at 96 dpi and not blank.
func assertPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: 768, Y: 432}) {
		t.Errorf("PNG is %v, want 768x432 (8x4.5 in at 96 dpi)", got)
	}
	if n := distinctColors(img); n < 8 {
		t.Errorf("PNG has %d distinct colours; it looks blank", n)
	}
}

// distinctColors counts the distinct colours of img, up to 1,000.
func distinctColors(img image.Image) int {
	seen := map[color.RGBA64]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y && len(seen) < 1000; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA64{R: uint16(r), G: uint16(g), B: uint16(bl), A: uint16(a)}] = true
		}
	}
	return len(seen)
}

func TestChartSpecsSkipWhatIsMissing(t *testing.T) {
	tests := []struct {
		name string
		// edit changes the fixture run.
		edit func(run *results.Run)
		// want lists the expected charts; prefix entries end in "*" and
		// match a count of charts given by wantCount.
		want []string
		// notInCaptions must not appear in any caption.
		notInCaptions []string
		// inCaptions must appear in some caption.
		inCaptions []string
	}{
		{
			name: "empty run",
			edit: func(run *results.Run) { run.Cells, run.Searches = nil, nil },
			want: nil,
		},
		{
			name: "only failed cells",
			edit: func(run *results.Run) {
				for i := range run.Cells {
					run.Cells[i].Status = results.StatusFailed
				}
			},
			want: fixtureCharts()[8:],
		},
		{
			name: "no intervals and no searches",
			edit: func(run *results.Run) {
				run.Searches = nil
				for i := range run.Cells {
					run.Cells[i].Intervals = nil
				}
			},
			want:          fixtureCharts()[:8],
			notInCaptions: []string{"knee"},
		},
		{
			name: "closed loop only",
			edit: func(run *results.Run) {
				run.Cells = slices.DeleteFunc(run.Cells, func(c results.Cell) bool { return c.Load.Loop != loopClosed })
			},
			want: []string{"spectrum-http", "bars-http-max", "cost", "over-time-go-http-max"},
		},
		{
			name: "no server samples",
			edit: func(run *results.Run) {
				for i := range run.Cells {
					run.Cells[i].Stats.ServerCPUPct, run.Cells[i].Stats.ServerPeakRSS = 0, 0
				}
			},
			want: slices.DeleteFunc(fixtureCharts(), func(n string) bool { return n == "cost" }),
		},
		{
			name: "undecodable and empty histograms",
			edit: func(run *results.Run) {
				for i := range run.Cells {
					c := &run.Cells[i]
					if c.Target == "java" {
						c.Histograms.Latency = "bm90IGEgaGlzdG9ncmFt"
					}
					for j := range c.Intervals {
						c.Intervals[j].Latency = "%%%"
					}
				}
			},
			want:       fixtureCharts()[:8],
			inCaptions: []string{"Left out, without latency data: java-http-steps-s1 (decode histogram", "java-http-max (decode histogram"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := plottest.Run(t)
			tt.edit(run)
			specs := chartSpecs(run)
			var names []string
			var captions strings.Builder
			for _, s := range specs {
				names = append(names, s.name)
				captions.WriteString(s.caption + "\n")
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("charts %q, want %q", names, tt.want)
			}
			for _, s := range tt.notInCaptions {
				if strings.Contains(captions.String(), s) {
					t.Errorf("captions mention %q:\n%s", s, captions.String())
				}
			}
			for _, s := range tt.inCaptions {
				if !strings.Contains(captions.String(), s) {
					t.Errorf("captions lack %q:\n%s", s, captions.String())
				}
			}
		})
	}
}

func TestWriteAllZeroValuesDoNotPanic(t *testing.T) {
	run := plottest.Run(t)
	zero := engine.NewHistogram()
	for range 10 {
		if err := zero.RecordValue(0); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := results.EncodeHistogram(zero)
	if err != nil {
		t.Fatal(err)
	}
	for i := range run.Cells {
		c := &run.Cells[i]
		c.Histograms.Latency = enc
		c.Stats.Latency = results.Summarize(zero)
		c.Stats.AchievedRPS = 0
		for j := range c.Intervals {
			c.Intervals[j].Latency = enc
		}
	}
	run.Searches[0].KneeRPS = -1
	charts, err := WriteAll(run, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) == 0 {
		t.Error("no charts for cells whose latencies are all 0 ns")
	}
}

func TestChartSpecsCapOverTimeCharts(t *testing.T) {
	run := plottest.Run(t)
	var withIntervals results.Cell
	for _, c := range run.Cells {
		if len(c.Intervals) > 0 {
			withIntervals = c
			break
		}
	}
	run.Cells = nil
	for i := range maxOverTimeCharts + 5 {
		c := withIntervals
		c.ID = fmt.Sprintf("cell-%02d", i)
		run.Cells = append(run.Cells, c)
	}
	var overTime []chartSpec
	for _, s := range chartSpecs(run) {
		if strings.HasPrefix(s.name, "over-time-") {
			overTime = append(overTime, s)
		}
	}
	if len(overTime) != maxOverTimeCharts {
		t.Fatalf("%d over-time charts, want %d", len(overTime), maxOverTimeCharts)
	}
	if first, last := overTime[0].name, overTime[len(overTime)-1].name; first != "over-time-cell-00" || last != "over-time-cell-39" {
		t.Errorf("over-time charts run from %s to %s, want the first 40 cells in run order", first, last)
	}
	if !strings.Contains(overTime[0].caption, "Only the first 40 of the run's 45 cells") {
		t.Errorf("caption does not say the charts are capped: %s", overTime[0].caption)
	}
}

func TestWriteAllErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  *results.Run
		dir  string
	}{
		{name: "nil run", run: nil, dir: t.TempDir()},
		{name: "empty dir", run: plottest.Run(t), dir: ""},
		{name: "dir is a file", run: plottest.Run(t), dir: file},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := WriteAll(tt.run, tt.dir); err == nil {
				t.Error("WriteAll succeeded")
			}
		})
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		{name: "plain", parts: []string{"bars", "http", "max"}, want: "bars-http-max"},
		{name: "unsafe runes", parts: []string{"over-time", "go/http 10k:µs"}, want: "over-time-go_http_10k__s"},
		{name: "empty part", parts: []string{"spectrum", ""}, want: "spectrum"},
		{name: "dots only", parts: []string{".."}, want: "chart"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fileName(tt.parts...); got != tt.want {
				t.Errorf("fileName(%q) = %q, want %q", tt.parts, got, tt.want)
			}
		})
	}
	used := map[string]bool{}
	for _, want := range []string{"a", "a-2", "a-3"} {
		if got := uniqueName("a", used); got != want {
			t.Errorf("uniqueName = %q, want %q", got, want)
		}
	}
}

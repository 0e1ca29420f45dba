package report

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/latbench/latbench/results/internal/golden"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot/plottest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixtureRun is the plottest fixture with text that must be escaped and a
// URL in a version string.
func fixtureRun(t *testing.T) *results.Run {
	t.Helper()
	// RenderTable's Markdown pads cells by display width, which the table
	// library takes from the locale; pin it so goldens do not depend on it.
	twwidth.SetEastAsian(false)
	run := plottest.Run(t)
	run.Env.Toolchains["haproxy"] = "HAProxy version 2.6.12 - https://haproxy.org/"
	run.Cells[0].Warnings = append(run.Cells[0].Warnings, `achieved rate <b>"low"</b> & lag | p99 high`)
	return run
}

// slowDependencyRun is the plottest slow-dependency fixture.
func slowDependencyRun(t *testing.T) *results.Run {
	t.Helper()
	twwidth.SetEastAsian(false)
	return plottest.SlowDependencyRun(t)
}

// writeFixture returns the fixture's report, written once.
func writeFixture(t *testing.T) (dir string, md, page string) {
	t.Helper()
	return writeOnce(t, "fixture", fixtureRun)
}

// writeRun writes the report of run into a temporary folder and returns
// the folder, report.md and report.html.
func writeRun(t *testing.T, run *results.Run) (dir string, md, page string) {
	t.Helper()
	dir = t.TempDir()
	md, page = writeInto(t, dir, run)
	return dir, md, page
}

// writeInto writes the report of run into dir and returns report.md and
// report.html.
func writeInto(t *testing.T, dir string, run *results.Run) (md, page string) {
	t.Helper()
	if err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	mdb, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	htmlb, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(mdb), string(htmlb)
}

// TestWrite writes the fixture report once and checks it.
func TestWrite(t *testing.T) {
	dir, md, page := writeFixture(t)
	t.Run("markdown golden", func(t *testing.T) { checkMarkdownGolden(t, "report.md.golden", md) })
	t.Run("markdown links charts", func(t *testing.T) { checkMarkdownLinks(t, dir, md) })
	t.Run("html self-contained", func(t *testing.T) { checkHTMLSelfContained(t, dir, page) })
	t.Run("html content", func(t *testing.T) { checkHTMLContent(t, page) })
	t.Run("no slow dependency or faults", func(t *testing.T) {
		for _, absent := range []string{"Slow dependency", "## Faults", "Finding:", "Request classes"} {
			if strings.Contains(md, absent) {
				t.Errorf("report.md of a run without delay steps, faults or classes has %q", absent)
			}
		}
	})
}

// TestWriteSlowDependency writes the slow-dependency fixture's report
// and checks it.
func TestWriteSlowDependency(t *testing.T) {
	dir, md, page := writeOnce(t, "slow-dependency", slowDependencyRun)
	t.Run("markdown golden", func(t *testing.T) { checkMarkdownGolden(t, "report-slow-dependency.md.golden", md) })
	t.Run("markdown links charts", func(t *testing.T) { checkMarkdownLinks(t, dir, md) })
	t.Run("html self-contained", func(t *testing.T) { checkHTMLSelfContained(t, dir, page) })
	t.Run("html content", func(t *testing.T) { checkSlowDependencyHTML(t, page) })
}

// checkSlowDependencyHTML checks the Slow dependency and Faults sections
// of report.html and the request classes table.
func checkSlowDependencyHTML(t *testing.T, page string) {
	for _, want := range []string{
		`<a href="#slow-dependency">Slow dependency</a>`, `<a href="#faults">Faults</a>`,
		"<h3>Request classes (µs, latency from due time)</h3>", "<td>/delay/200ms/bytes/100</td>",
		`<p class="finding">At 200 ms, go and rust kept the fast class&#39;s p99 within 2× of its value at 0 ms; ` +
			`go-blocking and rust-blocking did not (p99 ×600 to ×820).</p>`,
		`<p class="finding">go-blocking (97.5% at 200 ms) and rust-blocking (98.2% at 200 ms) answered fewer than 99.9% of requests at some delay; ` +
			`go and rust answered ≥ 99.9% at every delay.</p>`,
		"<td>go-http-proxy-faults-1000rps-c300</td><td>at 8s: slow-backend 200ms for 4s</td>" +
			`<td class="num">4,000</td><td class="num">100%</td><td>1 s</td><td class="num">86.9%</td>`,
		"<td>at 16s: kill-backend restart after 3s</td>" +
			`<td class="num">3,000</td><td class="num">1.66%</td><td>not within the window</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	slow, charts := strings.Index(page, `<section id="slow-dependency">`), strings.Index(page, `<section id="charts">`)
	if p99 := strings.Index(page, `<figure id="chart-dependency-p99-http-moderate">`); p99 < slow || p99 > charts {
		t.Error("the dependency charts are not in the Slow dependency section")
	}
}

// checkMarkdownGolden compares report.md with the golden file name.
func checkMarkdownGolden(t *testing.T, name, md string) {
	assertGolden(t, filepath.Join("testdata", name), []byte(md))
}

// assertGolden compares got with a golden file, or rewrites the file when
// the -update flag is set.
func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Assert(t, path, got, *update)
}

// checkMarkdownLinks checks that report.md links every chart by a
// relative path that exists.
func checkMarkdownLinks(t *testing.T, dir, md string) {
	links := regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(md, -1)
	if len(links) == 0 {
		t.Fatal("report.md links no chart")
	}
	for _, l := range links {
		if filepath.IsAbs(l[1]) || !strings.HasPrefix(l[1], ChartsDir+"/") || !strings.HasSuffix(l[1], ".png") {
			t.Errorf("chart link %q is not a relative path to a PNG under %s/", l[1], ChartsDir)
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(l[1]))); err != nil {
			t.Errorf("linked chart missing: %v", err)
		}
	}
}

// checkHTMLSelfContained checks that report.html needs no network and
// inlines every chart.
func checkHTMLSelfContained(t *testing.T, dir, page string) {
	for _, bad := range []string{"http://", "https://", "<script", "<link", "<img", "<iframe", " src=", "@import", "url("} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("report.html contains %q; it must need no network and run no script", bad)
		}
	}
	svgs, err := filepath.Glob(filepath.Join(dir, ChartsDir, "*.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(page, "<svg "); got != len(svgs) || got == 0 {
		t.Errorf("report.html has %d inline <svg> elements, want one per chart (%d)", got, len(svgs))
	}
	for _, svg := range svgs {
		name := strings.TrimSuffix(filepath.Base(svg), ".svg")
		if !strings.Contains(page, `<figure id="chart-`+name+`">`) {
			t.Errorf("report.html lacks chart %s", name)
		}
	}
}

// checkHTMLContent checks report.html's sections and its escaping.
func checkHTMLContent(t *testing.T, page string) {
	for _, want := range []string{
		// The tables, with the numbers of the text tables.
		"<h3>Latency (µs)</h3>", "<h3>Cost</h3>", "<h3>Overhead over the baseline (latency growth, µs; cells measured one after the other)</h3>",
		`<th class="num">p99.9 µs</th>`, `<td class="num">1,540</td>`, `<td class="num">42,600</td>`,
		// The environment and configuration.
		"Fake CPU @ 3.0GHz (2 CPUs)", "6.1.0-fake", "go1.26.8", "0123456789ab", "rustc 1.95.0",
		"latbench suite scenarios/suites/fixture.yaml --rounds 3", "keepalive=true size=10000",
		// The warnings, by kind.
		"The client may have been the bottleneck", "go-http-max: client CPU 97.5% near saturation",
		"python-http-steps-s1 (python, http): target not ready after 10s",
		"scenario http, load max: connections differ (100: go-http-max, rust-http-max; 50: java-http-max)",
		// The rounds.
		"<h3>Over rounds: median [95% confidence interval]</h3>", "537 [511–562]",
		// Escaping of text from the run.
		"fixture &lt;demo&gt;", "&lt;b&gt;&#34;low&#34;&lt;/b&gt; &amp; lag | p99 high", "HAProxy version 2.6.12 - https&#58;//haproxy.org/",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>") {
		t.Error("report.html contains unescaped markup from the run")
	}
}

// Every cell of every summary table is in the report: as is in its HTML
// tables, escaped in its Markdown ones. One table model feeds both, and
// the text output too.
func TestReportTablesHoldEveryCell(t *testing.T) {
	run := fixtureRun(t)
	doc, err := build(run, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	page, err := renderHTML(doc)
	if err != nil {
		t.Fatal(err)
	}
	md := string(renderMarkdown(doc))
	tables := results.Tables(run, true)
	if len(tables) < 3 {
		t.Fatalf("%d summary tables, want the latency, cost and more", len(tables))
	}
	for _, tb := range tables {
		for _, row := range tb.Rows {
			for _, cell := range row {
				if !strings.Contains(string(page), ">"+esc(cell)+"</td>") {
					t.Errorf("table %q: cell %q is not an HTML table cell", tb.Title, cell)
				}
				if cell != "" && !strings.Contains(md, results.MarkdownText(cell)) {
					t.Errorf("table %q: cell %q is not in the Markdown", tb.Title, cell)
				}
			}
		}
	}
}

func TestWriteErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dir  string
		run  *results.Run
	}{
		{name: "nil run", dir: t.TempDir(), run: nil},
		{name: "empty dir", dir: "", run: &results.Run{}},
		{name: "dir is a file", dir: file, run: &results.Run{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Write(tt.dir, tt.run); err == nil {
				t.Error("Write succeeded")
			}
		})
	}
}

func TestWriteEmptyRun(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, &results.Run{Schema: results.SchemaVersion, Suite: "empty"}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"The run has no data to chart.", "No warnings"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html of an empty run lacks %q", want)
		}
	}
}

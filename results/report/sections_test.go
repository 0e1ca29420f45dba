package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/results"
)

func TestClientBound(t *testing.T) {
	tests := []struct {
		name    string
		warning string
		want    bool
	}{
		{name: "client CPU", warning: "client CPU 97.5% near saturation: the client may be the bottleneck", want: true},
		{name: "scheduling lag", warning: "scheduling lag p99 849346.6µs above 100µs: requests were sent late", want: true},
		{name: "lag at the start", warning: "Lag p99 above the threshold", want: true},
		{name: "word containing lag", warning: "flagged: 12 values outside the histogram range", want: false},
		{name: "rate not reached", warning: "achieved rate 0.04% below target", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clientBound(tt.warning); got != tt.want {
				t.Errorf("clientBound(%q) = %t, want %t", tt.warning, got, tt.want)
			}
		})
	}
}

func TestIncomparable(t *testing.T) {
	cell := func(id, scenario, load string, conns int, opts map[string]string) results.Cell {
		return results.Cell{ID: id, Target: id, Scenario: scenario, Load: results.LoadConfig{Name: load, Connections: conns, Scenario: opts}}
	}
	same := map[string]string{"size": "10000", "keepalive": "true"}
	tests := []struct {
		name  string
		cells []results.Cell
		want  []string
	}{
		{
			name:  "same load",
			cells: []results.Cell{cell("a", "http", "max", 10, same), cell("b", "http", "max", 10, same)},
		},
		{
			name:  "different loads of one scenario are not compared",
			cells: []results.Cell{cell("a", "http", "max", 100, same), cell("b", "http", "fixed", 10, same)},
		},
		{
			name: "payload and keep-alive differ",
			cells: []results.Cell{
				cell("a", "http", "max", 10, same),
				cell("b", "http", "max", 10, map[string]string{"size": "64", "keepalive": "false"}),
			},
			want: []string{"scenario http, load max: payload differ (10000: a; 64: b); keep-alive differ (true: a; false: b)"},
		},
		{
			name: "missing option",
			cells: []results.Cell{
				cell("a", "echo", "", 10, map[string]string{"size": "64"}),
				cell("b", "echo", "", 20, nil),
			},
			want: []string{"scenario echo, load max: connections differ (10: a; 20: b); payload differ (64: a; -: b)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := incomparable(tt.cells); !slices.Equal(got, tt.want) {
				t.Errorf("incomparable = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRoundsInResults(t *testing.T) {
	run := fixtureRun(t)
	// The report shows the rounds through the result tables, the same
	// "Over rounds" table the text output has.
	roundsOf := func(run *results.Run) string {
		doc, err := build(run, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, b := range doc.sections[0].blocks {
			if tb, ok := b.(*table); ok {
				titles = append(titles, tb.Title)
			}
		}
		return strings.Join(titles, "; ")
	}
	md := roundsOf(run)
	if !strings.Contains(md, "Over rounds: median [95% confidence interval]") {
		t.Fatalf("result tables lack the rounds table: %s", md)
	}
	for i := range run.Cells {
		run.Cells[i].Round = 0
	}
	if md := roundsOf(run); strings.Contains(md, "Over rounds") {
		t.Errorf("rounds table without rounds: %s", md)
	}
}

func TestLoadTableGroupsCells(t *testing.T) {
	l := results.LoadConfig{Name: "fixed", Loop: "open", Connections: 10, TargetRPS: 1000, Warmup: time.Second, Duration: 5 * time.Second}
	cells := []results.Cell{
		{Target: "go", Scenario: "echo", Load: l},
		{Target: "rust", Scenario: "echo", Load: l},
		{Target: "go", Scenario: "echo", Load: l, Round: 2},
	}
	tb := loadTable(cells)
	if len(tb.Rows) != 1 {
		t.Fatalf("%d rows, want 1", len(tb.Rows))
	}
	row := tb.Rows[0]
	if got := row[len(row)-2:]; !slices.Equal(got, []string{"go, rust", "3"}) {
		t.Errorf("targets and cells %q, want go, rust and 3", got)
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "sub-µs", got: fmtMicros(512), want: "0.512"},
		{name: "tens", got: fmtMicros(12_345), want: "12.3"},
		{name: "hundreds", got: fmtMicros(245_400), want: "245"},
		{name: "thousands", got: fmtMicros(1_512_000), want: "1,510"},
		{name: "zero", got: fmtMicros(0), want: "0"},
		{name: "rate", got: fmtRate(24998.7), want: "24,999"},
		{name: "low rate", got: fmtRate(12.34), want: "12.3"},
		{name: "unlimited", got: rateText(0), want: "max"},
		{name: "plain arg", got: shellQuote("--rate=1000"), want: "--rate=1000"},
		{name: "arg with space", got: shellQuote("my suite.yaml"), want: "'my suite.yaml'"},
		{name: "arg with quote", got: shellQuote("it's"), want: `'it'\''s'`},
		{name: "empty arg", got: shellQuote(""), want: "''"},
		{name: "markdown", got: results.MarkdownText("a|b *c* <d> [e](f)\nnext"), want: `a\|b \*c\* \<d\> \[e\](f) next`},
		{name: "html", got: esc(`<a href="https://x">`), want: "&lt;a href=&#34;https&#58;//x&#34;&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// typeName names a block's type.
func typeName(b block) string {
	switch b.(type) {
	case *heading:
		return "heading"
	case *paragraph:
		return "paragraph"
	case *table:
		return "table"
	case *list:
		return "list"
	}
	return "other"
}

func TestInlineSVG(t *testing.T) {
	tests := []struct {
		name    string
		svg     string
		want    string
		wantErr bool
	}{
		{
			name: "gonum output",
			svg: "<?xml version=\"1.0\"?>\n<!-- Generated by SVGo -->\n<svg width=\"576pt\" height=\"324pt\" viewBox=\"0 0 576 324\"\n" +
				"\txmlns=\"http://www.w3.org/2000/svg\"\n\txmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<g></g>\n</svg>\n",
			want: `<svg viewBox="0 0 576 324" class="chart" role="img" aria-label="T &lt;1&gt;">` + "\n<g></g>\n</svg>",
		},
		{name: "not svg", svg: "<html></html>", wantErr: true},
		{name: "no viewBox", svg: `<svg width="1"></svg>`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inlineSVG([]byte(tt.svg), "T <1>")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %t", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

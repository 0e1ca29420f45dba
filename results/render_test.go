package results

import (
	"bytes"
	"encoding/json"
	"flag"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/latbench/latbench/results/internal/golden"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name   string
		format string
		golden string
	}{
		{name: "table", format: FormatTable, golden: "summary.table.golden"},
		{name: "markdown", format: FormatMarkdown, golden: "summary.markdown.golden"},
		{name: "json", format: FormatJSON, golden: "summary.json.golden"},
		{name: "csv", format: FormatCSV, golden: "summary.csv.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := RenderTable(&out, fakeRun(t), tt.format); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, filepath.Join("testdata", tt.golden), out.Bytes())
		})
	}
}

// assertGolden compares got with a golden file, or rewrites the file when
// the -update flag is set.
func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Assert(t, path, got, *update)
}

func TestRenderRoundsAndSearchesGolden(t *testing.T) {
	for _, format := range []string{FormatTable, FormatMarkdown} {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			if err := RenderTable(&out, fakeRoundsRun(t), format); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, filepath.Join("testdata", "rounds."+format+".golden"), out.Bytes())
		})
	}
}

func TestRenderTableUnknownFormat(t *testing.T) {
	err := RenderTable(&bytes.Buffer{}, fakeRun(t), "xml")
	if err == nil {
		t.Fatal("RenderTable accepted format xml")
	}
	for _, f := range Formats() {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not list format %q", err, f)
		}
	}
	if err := RenderTable(&bytes.Buffer{}, nil, FormatTable); err == nil {
		t.Error("RenderTable(nil run) succeeded")
	}
}

func TestRenderDoesNotModifyRun(t *testing.T) {
	run := fakeRun(t)
	before := fakeRun(t)
	for _, f := range Formats() {
		if err := RenderTable(&bytes.Buffer{}, run, f); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(run, before) {
		t.Error("RenderTable modified the run")
	}
}

func TestRenderTextWidthAndLabels(t *testing.T) {
	for _, f := range []string{FormatTable, FormatMarkdown} {
		t.Run(f, func(t *testing.T) {
			var out bytes.Buffer
			if err := RenderTable(&out, fakeRun(t), f); err != nil {
				t.Fatal(err)
			}
			text := out.String()
			tableRows := 0
			for _, line := range strings.Split(text, "\n") {
				isRow := strings.HasPrefix(line, "│") || strings.HasPrefix(line, "|")
				if isRow && twwidth.Width(line) > maxTableWidth {
					t.Errorf("table line is %d columns wide, want <= %d: %s", twwidth.Width(line), maxTableWidth, line)
				}
				if isRow && strings.Contains(line, "rust-http-tunnel") {
					tableRows++
					if !strings.Contains(line, "closed") {
						t.Errorf("closed-loop row not labelled closed: %s", line)
					}
				}
			}
			if tableRows != 2 {
				t.Errorf("closed-loop cell appears in %d table rows, want 2", tableRows)
			}
			for _, want := range []string{
				"FAILED: target not",
				"python-pproxy-http-25k-r1: FAILED: target not ready after 10s: dial tcp 127.0.0.1:9000: connect: connection refused",
				"go-tcp-proxy-http-25k-r1: achieved rate 0.04% below target",
				"rust-http-tunnel-http-max-r1: client CPU 97.5% near saturation",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q", want)
				}
			}
		})
	}
}

func TestRenderJSONContract(t *testing.T) {
	var out bytes.Buffer
	if err := RenderTable(&out, fakeRun(t), FormatJSON); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cells []map[string]any `json:"cells"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cells) != 5 {
		t.Fatalf("%d cells, want 5", len(doc.Cells))
	}
	for _, c := range doc.Cells {
		for _, key := range []string{"target", "scenario", "loop", "status", "achieved_rps", "requests", "errors"} {
			if _, ok := c[key]; !ok {
				t.Errorf("cell %v lacks %q", c["id"], key)
			}
		}
		for _, dist := range []string{"latency_us", "service_time_us"} {
			m, ok := c[dist].(map[string]any)
			if !ok {
				t.Fatalf("cell %v: %s is %T, want an object", c["id"], dist, c[dist])
			}
			for _, key := range []string{"p50", "p90", "p99", "p999", "p9999", "max", "mean", "stddev"} {
				if _, ok := m[key].(float64); !ok {
					t.Errorf("cell %v: %s.%s missing or not a number", c["id"], dist, key)
				}
			}
		}
	}
	if got := doc.Cells[2]["loop"]; got != "closed" {
		t.Errorf("closed-loop cell has loop %v", got)
	}
}

func TestRenderJSONEmptyRun(t *testing.T) {
	var out bytes.Buffer
	if err := RenderTable(&out, &Run{Schema: SchemaVersion}, FormatJSON); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(out.String()), ""); got != `{"cells":[]}` {
		t.Errorf("empty run renders %s, want {\"cells\":[]}", got)
	}
}

package metrics

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dashboardPath is the Grafana dashboard of latbench's live metrics.
var dashboardPath = filepath.Join("grafana", "latbench.json")

// The parts of a Grafana dashboard the test reads.
type (
	grafanaDashboard struct {
		Title         string         `json:"title"`
		UID           string         `json:"uid"`
		SchemaVersion int            `json:"schemaVersion"`
		Panels        []grafanaPanel `json:"panels"`
		Templating    struct {
			List []grafanaVariable `json:"list"`
		} `json:"templating"`
	}
	grafanaPanel struct {
		ID         int               `json:"id"`
		Type       string            `json:"type"`
		Title      string            `json:"title"`
		Datasource grafanaDatasource `json:"datasource"`
		Targets    []struct {
			Expr       string            `json:"expr"`
			Datasource grafanaDatasource `json:"datasource"`
		} `json:"targets"`
		Panels []grafanaPanel `json:"panels"` // a collapsed row's panels
	}
	grafanaDatasource struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
	grafanaVariable struct {
		Type       string            `json:"type"`
		Name       string            `json:"name"`
		Query      json.RawMessage   `json:"query"` // a string, or an object with a query
		Definition string            `json:"definition"`
		Datasource grafanaDatasource `json:"datasource"`
	}
)

// loadDashboard parses the dashboard file.
func loadDashboard(t *testing.T) grafanaDashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	return d
}

// allPanels returns the dashboard's panels, those inside rows included.
func allPanels(panels []grafanaPanel) []grafanaPanel {
	var out []grafanaPanel
	for _, p := range panels {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// metricNameRe finds the exporter's metric names in PromQL.
var metricNameRe = regexp.MustCompile(`latbench_[a-z_]+`)

// checkNames reports every latbench_ name in expr that the exporter does
// not define, and returns how many names expr uses.
func checkNames(t *testing.T, where, expr string) int {
	t.Helper()
	names := metricNameRe.FindAllString(expr, -1)
	for _, n := range names {
		if !slices.Contains(metricNames, n) {
			t.Errorf("%s uses %s, which the exporter does not define (it defines %s)", where, n, strings.Join(metricNames, ", "))
		}
	}
	return len(names)
}

func TestDashboardQueries(t *testing.T) {
	d := loadDashboard(t)
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d: want a Grafana 10+ dashboard (36 or later)", d.SchemaVersion)
	}
	if d.Title == "" || d.UID == "" {
		t.Errorf("title %q, uid %q: want both", d.Title, d.UID)
	}
	panels := allPanels(d.Panels)
	if len(panels) == 0 {
		t.Fatal("no panels")
	}
	ids := map[int]bool{}
	for _, p := range panels {
		if p.Type == "row" {
			continue
		}
		where := "panel " + p.Title
		if ids[p.ID] {
			t.Errorf("%s: id %d used twice", where, p.ID)
		}
		ids[p.ID] = true
		if p.Datasource.UID != "${datasource}" {
			t.Errorf("%s: datasource %+v, want the ${datasource} variable", where, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: no queries", where)
		}
		for _, q := range p.Targets {
			if q.Datasource.UID != "${datasource}" {
				t.Errorf("%s: query datasource %+v, want the ${datasource} variable", where, q.Datasource)
			}
			if checkNames(t, where, q.Expr) == 0 {
				t.Errorf("%s: query %q uses no latbench_ series", where, q.Expr)
			}
			for _, matcher := range []string{`run=~"$run"`, `cell=~"$cell"`, `target=~"$target"`} {
				if !strings.Contains(q.Expr, matcher) {
					t.Errorf("%s: query %q does not filter by %s", where, q.Expr, matcher)
				}
			}
		}
	}
}

func TestDashboardVariables(t *testing.T) {
	d := loadDashboard(t)
	vars := map[string]grafanaVariable{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	tests := []struct {
		name     string
		variable string
		wantType string
		wantIn   string // in the variable's query
	}{
		{name: "Prometheus data source", variable: "datasource", wantType: "datasource", wantIn: "prometheus"},
		{name: "run", variable: "run", wantType: "query", wantIn: "run)"},
		{name: "cell", variable: "cell", wantType: "query", wantIn: "cell)"},
		{name: "target", variable: "target", wantType: "query", wantIn: "target)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := vars[tt.variable]
			if !ok {
				t.Fatalf("no template variable %q", tt.variable)
			}
			if v.Type != tt.wantType {
				t.Errorf("type %q, want %q", v.Type, tt.wantType)
			}
			query := variableQuery(t, v)
			if !strings.Contains(query, tt.wantIn) {
				t.Errorf("query %q does not contain %q", query, tt.wantIn)
			}
			if v.Type == "query" {
				if v.Datasource.UID != "${datasource}" {
					t.Errorf("datasource %+v, want the ${datasource} variable", v.Datasource)
				}
				if checkNames(t, "variable "+v.Name, query) == 0 {
					t.Errorf("query %q uses no latbench_ series", query)
				}
			}
		})
	}
}

// variableQuery returns a template variable's query, which Grafana 10
// stores as a string or as an object with a query field.
func variableQuery(t *testing.T, v grafanaVariable) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(v.Query, &s); err == nil {
		return s
	}
	var obj struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(v.Query, &obj); err != nil {
		t.Fatalf("variable %s: query %s is neither a string nor an object: %v", v.Name, v.Query, err)
	}
	return obj.Query
}

func TestDashboardPanels(t *testing.T) {
	d := loadDashboard(t)
	byTitle := map[string]grafanaPanel{}
	for _, p := range allPanels(d.Panels) {
		byTitle[strings.ToLower(p.Title)] = p
	}
	// The reference study's panels, and the series each must show.
	tests := []struct {
		name       string
		title      string
		wantSeries []string
		wantIn     []string // further text each panel's queries need
	}{
		{name: "body", title: "Latency p50 / p90 / p99", wantSeries: []string{nameLatency}, wantIn: []string{`"0.5|0.9|0.99"`}},
		{name: "tail", title: "Tail p99.9 / p99.99 / max", wantSeries: []string{nameLatency}, wantIn: []string{`"0.999|0.9999|1"`}},
		{name: "trimmed mean and std dev", title: "tm99.9 and std dev", wantSeries: []string{nameTrimmedMean, nameStdDev}},
		{name: "throughput", title: "Requests per second", wantSeries: []string{nameRate}},
		{name: "CPU", title: "Target CPU", wantSeries: []string{nameCPU}},
		{name: "memory", title: "Target memory", wantSeries: []string{nameRSS}},
		{name: "errors", title: "Errors by class", wantSeries: []string{nameErrors}, wantIn: []string{"class"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := byTitle[strings.ToLower(tt.title)]
			if !ok {
				t.Fatalf("no panel titled %q", tt.title)
			}
			var exprs []string
			for _, q := range p.Targets {
				exprs = append(exprs, q.Expr)
			}
			all := strings.Join(exprs, "\n")
			for _, want := range append(append([]string{}, tt.wantSeries...), tt.wantIn...) {
				if !strings.Contains(all, want) {
					t.Errorf("queries %q do not use %s", exprs, want)
				}
			}
		})
	}
}

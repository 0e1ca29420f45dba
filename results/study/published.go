// Package study holds the published figures of the reference study
// (DESIGN.md section 1: six TCP proxies in front of nginx) as data, and
// sets a latbench run's measurements beside them: latency and overhead
// per system and load shape, throughput at max load, the ranking of the
// proxies, and what the study's method could not see (coordinated
// omission, confidence intervals, per-process CPU and memory, Nagle's
// algorithm). The package only reads runs.
package study

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
)

// publishedJSON is the study's setup and every published table, copied
// from the perf-gauge repository's examples/ folder.
//
//go:embed published.json
var publishedJSON []byte

// Load names of latbench's study suite, one per shape of the study.
const (
	LoadModerate    = "moderate"
	LoadMax         = "max"
	LoadNoKeepAlive = "nokeepalive"
)

// Data is the reference study as published: where the figures come from,
// how the study was set up, the systems it measured and one table per
// load shape.
type Data struct {
	Title   string   `json:"title"`
	Source  Source   `json:"source"`
	Setup   Setup    `json:"setup"`
	Systems []System `json:"systems"`
	Tables  []Table  `json:"tables"`
}

// Source names where the published figures were copied from.
type Source struct {
	// Repository is github.com/xnuter/perf-gauge; Folder its examples/
	// folder, which holds Files (the result tables) and SetupFiles.
	Repository string   `json:"repository"`
	Folder     string   `json:"folder"`
	Files      []string `json:"files"`
	SetupFiles []string `json:"setup_files"`
	// Series is the blog series the figures were published in.
	Series string `json:"series"`
	Note   string `json:"note"`
}

// Setup is how the study was run.
type Setup struct {
	Machine string  `json:"machine"`
	CPUs    int     `json:"cpus"`
	Cpusets Cpusets `json:"cpusets"`
	Backend Backend `json:"backend"`
	// LoadGenerator is the study's client, perf-gauge.
	LoadGenerator string `json:"load_generator"`
	// StepSeconds is the length of each rate step.
	StepSeconds int `json:"step_seconds"`
	// RunsPerFigure is how many runs each published figure comes from.
	RunsPerFigure int `json:"runs_per_figure"`
	// ResourceScope says what the published CPU and memory cover.
	ResourceScope string `json:"resource_scope"`
	Metrics       string `json:"metrics"`
}

// Cpusets are the CPUs of the study's three parties.
type Cpusets struct {
	Backend string `json:"backend"`
	Proxy   string `json:"proxy"`
	Load    string `json:"load"`
}

// Backend is the study's nginx configuration.
type Backend struct {
	Software        string `json:"software"`
	WorkerProcesses int    `json:"worker_processes"`
	// KeepaliveRequests is nginx's keepalive_requests: it closes each
	// connection after that many requests, so tails include connection
	// set-up.
	KeepaliveRequests int    `json:"keepalive_requests"`
	FileBytes         int    `json:"file_bytes"`
	Path              string `json:"path"`
	Logging           bool   `json:"logging"`
}

// System is one measured system of the study and the latbench target it
// maps to.
type System struct {
	// Name is the study's row label, e.g. "Rust (http-tunnel)".
	Name     string `json:"name"`
	Language string `json:"language"`
	// Software is the program's own name, e.g. "http-tunnel".
	Software string `json:"software"`
	// Target is the latbench target. For the baseline it is the backend
	// that the baseline cells (Cell.Baseline) talk to.
	Target    string `json:"target"`
	Baseline  bool   `json:"baseline,omitempty"`
	Instances int    `json:"instances"`
	// Started is how the study started it.
	Started string `json:"started"`
}

// Table is the published table of one load shape.
type Table struct {
	// Shape is the study's name of the shape: moderate, max, no keep-alive.
	Shape string `json:"shape"`
	Title string `json:"title"`
	// File is the table's file in the source folder.
	File        string `json:"file"`
	Description string `json:"description"`
	// PerfGauge is the study's perf-gauge arguments.
	PerfGauge string   `json:"perf_gauge"`
	Notes     []string `json:"notes,omitempty"`
	// Latbench is how latbench's study suite runs the shape.
	Latbench Mapping `json:"latbench"`
	// LatencyUnit is the unit of every latency of the rows: µs or ms.
	LatencyUnit string `json:"latency_unit"`
	// RPSUnit and CPUUnit describe Row.RPSThousands and Row.CPUPct when
	// the table has them.
	RPSUnit string `json:"rps_unit,omitempty"`
	CPUUnit string `json:"cpu_unit,omitempty"`
	Rows    []Row  `json:"rows"`
}

// Mapping is how latbench runs one shape of the study.
type Mapping struct {
	// Load is the latbench load name (LoadConfig.Name) of the cells.
	Load string `json:"load"`
	// Scenario is the scenario of the baseline cells; the proxies' cells
	// run Scenario + "-proxy".
	Scenario  string `json:"scenario"`
	Protocol  string `json:"protocol,omitempty"`
	Proxy     bool   `json:"proxy"`
	Loop      string `json:"loop"`
	RateSteps bool   `json:"rate_steps,omitempty"`
}

// Row is one system's published figures, in the table's units.
type Row struct {
	System string  `json:"system"`
	P50    float64 `json:"p50"`
	P90    float64 `json:"p90"`
	P99    float64 `json:"p99"`
	P999   float64 `json:"p99_9"`
	P9999  float64 `json:"p99_99"`
	Max    float64 `json:"max"`
	TM99   float64 `json:"tm99"`
	StdDev float64 `json:"stddev"`
	// RPSThousands is the throughput in thousands of requests per
	// second, and CPUPct the CPU use of the whole VM; both 0 when the
	// table has none.
	RPSThousands float64 `json:"rps_thousands,omitempty"`
	CPUPct       float64 `json:"cpu_pct,omitempty"`
}

// Published returns the study's published data, parsed from the embedded
// file and checked: every table has a row for every system, in the order
// of Systems, and a known latency unit.
func Published() (*Data, error) {
	var d Data
	dec := json.NewDecoder(bytes.NewReader(publishedJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("study: published.json: %w", err)
	}
	if err := d.validate(); err != nil {
		return nil, fmt.Errorf("study: published.json: %w", err)
	}
	return &d, nil
}

// validate checks that the tables match the systems and have units.
func (d *Data) validate() error {
	if len(d.Systems) == 0 || !d.Systems[0].Baseline {
		return fmt.Errorf("the first system must be the baseline")
	}
	for _, t := range d.Tables {
		if _, err := unitNs(t.LatencyUnit); err != nil {
			return fmt.Errorf("table %s: %w", t.Shape, err)
		}
		if len(t.Rows) != len(d.Systems) {
			return fmt.Errorf("table %s has %d rows for %d systems", t.Shape, len(t.Rows), len(d.Systems))
		}
		for i, r := range t.Rows {
			if r.System != d.Systems[i].Name {
				return fmt.Errorf("table %s row %d is %q, want %q", t.Shape, i+1, r.System, d.Systems[i].Name)
			}
		}
	}
	return nil
}

// unitNs returns the nanoseconds in one unit of a latency.
func unitNs(unit string) (float64, error) {
	switch unit {
	case "µs":
		return 1e3, nil
	case "ms":
		return 1e6, nil
	}
	return 0, fmt.Errorf("unknown latency unit %q", unit)
}

// Table returns the table of the shape that latbench runs as the named
// load, and whether there is one.
func (d *Data) Table(load string) (Table, bool) {
	for _, t := range d.Tables {
		if t.Latbench.Load == load {
			return t, true
		}
	}
	return Table{}, false
}

// Row returns the named system's row, and whether there is one.
func (t Table) Row(system string) (Row, bool) {
	for _, r := range t.Rows {
		if r.System == system {
			return r, true
		}
	}
	return Row{}, false
}

// Ns converts a latency in the table's unit to nanoseconds; NaN when the
// unit is unknown (Published rejects such tables).
func (t Table) Ns(v float64) float64 {
	n, err := unitNs(t.LatencyUnit)
	if err != nil {
		return math.NaN()
	}
	return v * n
}

// RPS returns the row's throughput in requests per second, 0 when the
// table has none.
func (r Row) RPS() float64 { return r.RPSThousands * 1000 }

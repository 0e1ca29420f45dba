package results

import (
	"encoding/json"
	"io"
	"math"
)

// nsPerMicro converts nanoseconds to microseconds.
const nsPerMicro = 1000.0

// jsonSummary is the document `latbench run --format json` prints.
type jsonSummary struct {
	// Error says why nothing was measured (bad input, a failed build).
	Error string     `json:"error,omitempty"`
	Cells []jsonCell `json:"cells"`
}

// RenderError writes the JSON summary of a run that failed before any
// cell: no cells, and the error.
func RenderError(w io.Writer, err error) error {
	out, merr := json.MarshalIndent(jsonSummary{Error: err.Error(), Cells: []jsonCell{}}, "", "  ")
	if merr != nil {
		return merr
	}
	_, werr := w.Write(append(out, '\n'))
	return werr
}

// jsonCell is one cell of the JSON summary. The keys target, scenario,
// achieved_rps, requests, errors, latency_us and service_time_us are the
// documented contract (DESIGN.md §5); the others are extras.
type jsonCell struct {
	ID            string            `json:"id"`
	Target        string            `json:"target"`
	Scenario      string            `json:"scenario"`
	Loop          string            `json:"loop"`
	Connections   int               `json:"connections"`
	TargetRPS     float64           `json:"target_rps"`
	Status        string            `json:"status"`
	Failure       string            `json:"failure,omitempty"`
	AchievedRPS   float64           `json:"achieved_rps"`
	Requests      int64             `json:"requests"`
	Errors        int64             `json:"errors"`
	ErrorsByClass map[string]int64  `json:"errors_by_class,omitempty"`
	Unsent        int64             `json:"unsent"`
	FellDue       int64             `json:"fell_due"`
	ErrorSamples  map[string]string `json:"error_samples,omitempty"`
	LatencyUs     jsonMicros        `json:"latency_us"`
	ServiceTimeUs jsonMicros        `json:"service_time_us"`
	// Classes maps each request class of a mix (its path) to its figures.
	Classes map[string]jsonClass `json:"classes,omitempty"`
	// Agents lists the figures of each agent of a merged cell.
	Agents []jsonAgent `json:"agents,omitempty"`
	// Paired is a paired cell's reference arm and the difference.
	Paired       *jsonPaired `json:"paired,omitempty"`
	LagUs        jsonMicros  `json:"lag_us"`
	ServerCPUPct float64     `json:"server_cpu_pct"`
	ServerRSSMiB float64     `json:"server_rss_mib"`
	ClientCPUPct float64     `json:"client_cpu_pct"`
	LoopBusyPct  float64     `json:"loop_busy_pct"`
	Wait         string      `json:"wait,omitempty"`
	Loops        int         `json:"loops,omitempty"`
	Warnings     []string    `json:"warnings,omitempty"`
}

// jsonPaired is a paired cell in the JSON summary: the arms (A, the
// reference, then B, the cell's target), B − A in µs and B ÷ A at each
// percentile with their 95% intervals, how they were computed, and the
// reference arm's own figures.
type jsonPaired struct {
	Arms      [2]string           `json:"arms"`
	DiffUs    PercentileEstimates `json:"diff_us"`
	Ratio     PercentileEstimates `json:"ratio"`
	Method    string              `json:"method"`
	Reference jsonArm             `json:"reference"`
}

// jsonArm is one arm's own figures.
type jsonArm struct {
	Target        string     `json:"target"`
	AchievedRPS   float64    `json:"achieved_rps"`
	Requests      int64      `json:"requests"`
	Errors        int64      `json:"errors"`
	LatencyUs     jsonMicros `json:"latency_us"`
	ServiceTimeUs jsonMicros `json:"service_time_us"`
	ServerCPUPct  float64    `json:"server_cpu_pct"`
	ServerRSSMiB  float64    `json:"server_rss_mib"`
}

// toJSONPaired converts a paired cell's pairing; nil for another cell.
func toJSONPaired(p *Paired) *jsonPaired {
	if p == nil {
		return nil
	}
	st := p.Reference.Stats
	return &jsonPaired{Arms: p.Arms, DiffUs: p.DiffUs, Ratio: p.Ratio, Method: p.Method,
		Reference: jsonArm{Target: p.Reference.Target, AchievedRPS: st.AchievedRPS, Requests: st.Requests, Errors: st.ErrorsTotal,
			LatencyUs: toMicros(st.Latency), ServiceTimeUs: toMicros(st.ServiceTime),
			ServerCPUPct: st.ServerCPUPct, ServerRSSMiB: float64(st.ServerPeakRSS) / bytesPerMiB}}
}

// jsonAgent is one agent of a merged cell in the JSON summary.
type jsonAgent struct {
	Index        int     `json:"index"`
	Host         string  `json:"host,omitempty"`
	Requests     int64   `json:"requests"`
	Errors       int64   `json:"errors"`
	AchievedRPS  float64 `json:"achieved_rps"`
	LatencyP50Us float64 `json:"latency_p50_us"`
	LatencyP99Us float64 `json:"latency_p99_us"`
	StartSkewUs  float64 `json:"start_skew_us"`
}

// jsonAgents converts a merged cell's agents, nil for a local cell.
func jsonAgents(agents []AgentStats) []jsonAgent {
	var out []jsonAgent
	for _, a := range agents {
		out = append(out, jsonAgent{Index: a.Index, Host: a.Host, Requests: a.Requests, Errors: a.Errors, AchievedRPS: a.AchievedRPS,
			LatencyP50Us: float64(a.LatencyP50) / nsPerMicro, LatencyP99Us: float64(a.LatencyP99) / nsPerMicro,
			StartSkewUs: float64(a.StartSkew.Nanoseconds()) / nsPerMicro})
	}
	return out
}

// jsonClass is one request class of a mix in the JSON summary, shaped
// like its cell.
type jsonClass struct {
	Requests      int64            `json:"requests"`
	Errors        int64            `json:"errors"`
	ErrorsByClass map[string]int64 `json:"errors_by_class,omitempty"`
	LatencyUs     jsonMicros       `json:"latency_us"`
	ServiceTimeUs jsonMicros       `json:"service_time_us"`
}

// jsonClasses converts a cell's request classes, nil without a mix.
func jsonClasses(classes []ClassStats) map[string]jsonClass {
	if len(classes) == 0 {
		return nil
	}
	m := make(map[string]jsonClass, len(classes))
	for _, c := range classes {
		m[c.Name] = jsonClass{Requests: c.Requests, Errors: c.ErrorsTotal, ErrorsByClass: c.Errors.NonZero(),
			LatencyUs: toMicros(c.Latency), ServiceTimeUs: toMicros(c.ServiceTime)}
	}
	return m
}

// jsonMicros is a Summary in microseconds.
type jsonMicros struct {
	Count    int64   `json:"count"`
	Min      float64 `json:"min"`
	P50      float64 `json:"p50"`
	P90      float64 `json:"p90"`
	P99      float64 `json:"p99"`
	P999     float64 `json:"p999"`
	P9999    float64 `json:"p9999"`
	Max      float64 `json:"max"`
	Mean     float64 `json:"mean"`
	StdDev   float64 `json:"stddev"`
	TrimMean float64 `json:"tm999"`
}

// renderJSON renders the JSON summary of run, indented, ending in a
// newline.
func renderJSON(run *Run) ([]byte, error) {
	doc := jsonSummary{Cells: make([]jsonCell, 0, len(run.Cells))}
	for i := range run.Cells {
		doc.Cells = append(doc.Cells, toJSONCell(&run.Cells[i]))
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// toJSONCell converts one cell to its JSON summary.
func toJSONCell(c *Cell) jsonCell {
	return jsonCell{
		ID:            c.ID,
		Target:        c.Target,
		Scenario:      c.Scenario,
		Loop:          c.Load.Loop,
		Connections:   c.Load.Connections,
		TargetRPS:     c.Load.TargetRPS,
		Status:        c.Status,
		Failure:       c.Failure,
		AchievedRPS:   c.Stats.AchievedRPS,
		Requests:      c.Stats.Requests,
		Errors:        c.Stats.ErrorsTotal,
		ErrorsByClass: c.Stats.Errors.NonZero(),
		Unsent:        c.Stats.Unsent,
		FellDue:       c.Stats.FellDue,
		ErrorSamples:  c.Stats.ErrorSamples,
		LatencyUs:     toMicros(c.Stats.Latency),
		ServiceTimeUs: toMicros(c.Stats.ServiceTime),
		Classes:       jsonClasses(c.Classes),
		Agents:        jsonAgents(c.Agents),
		Paired:        toJSONPaired(c.Paired),
		LagUs:         toMicros(c.Stats.Lag),
		ServerCPUPct:  c.Stats.ServerCPUPct,
		ServerRSSMiB:  float64(c.Stats.ServerPeakRSS) / bytesPerMiB,
		ClientCPUPct:  c.Stats.ClientCPUPct,
		LoopBusyPct:   c.Stats.LoopBusyPct,
		Wait:          c.Load.Wait,
		Loops:         c.Load.Loops,
		Warnings:      c.Warnings,
	}
}

// toMicros converts a Summary from ns to µs.
func toMicros(s Summary) jsonMicros {
	us := func(ns int64) float64 { return float64(ns) / nsPerMicro }
	// Rounded to whole ns so that float noise does not show in the JSON.
	usf := func(ns float64) float64 { return math.Round(ns) / nsPerMicro }
	return jsonMicros{
		Count:    s.Count,
		Min:      us(s.Min),
		P50:      us(s.P50),
		P90:      us(s.P90),
		P99:      us(s.P99),
		P999:     us(s.P999),
		P9999:    us(s.P9999),
		Max:      us(s.Max),
		Mean:     usf(s.Mean),
		StdDev:   usf(s.StdDev),
		TrimMean: usf(s.TrimMean),
	}
}

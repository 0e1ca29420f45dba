// Package results holds the result model, its atomic persistence, HDR
// export, statistics and the rendered tables.
package results

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
)

// SchemaVersion is the version of result.json. Bump it on any change that
// an older reader would misread. Version 2: the event-loop engine; loads
// record their wait strategy (wait) instead of a timer, achieved_rps
// counts completions inside the window only, and cells report the
// window's edges, idle connections and loop busyness.
//
// Version 3: the engine's counters as one record (window_completed and
// client_cpu_ns added), and a cell's intervals in its interval log
// (<cell>.latency.hlog) instead of result.json.
const SchemaVersion = 3

// StealWarnPct is the share of the machine's CPU time, in percent, a
// hypervisor may take from a virtual machine during a cell before its
// latencies are flagged: a vCPU that waits for the host stalls the client
// and the target alike, and the stall shows up as latency.
const StealWarnPct = 5.0

// Run is one invocation of `latbench run` or `latbench suite`: what ran,
// where, how, and one Cell per target × scenario × load.
type Run struct {
	Schema    int         `json:"schema"`
	Suite     string      `json:"suite"`
	StartedAt time.Time   `json:"started_at"`
	EndedAt   time.Time   `json:"ended_at"`
	Complete  bool        `json:"complete"`
	Env       Environment `json:"environment"`
	Config    RunConfig   `json:"config"`
	Cells     []Cell      `json:"cells"`
	// Searches are the max-throughput searches of the run (--find-max);
	// their steps are cells too.
	Searches []Search `json:"searches,omitempty"`
}

// Search is one max-throughput search: the highest offered rate at which
// the target achieved at least 99% of it, met the SLO and stayed within
// the error budget.
type Search struct {
	Target   string `json:"target"`
	Scenario string `json:"scenario"`
	// SLO is the latency objective as given, e.g. "p99=2ms".
	SLO          string  `json:"slo"`
	MaxErrorRate float64 `json:"max_error_rate"`
	// KneeRPS is the highest passing offered rate; 0 when no rate passed.
	KneeRPS float64      `json:"knee_rps"`
	Steps   []SearchStep `json:"steps"`
	// Stopped says why the search ended (converged within 5%, step budget).
	Stopped string `json:"stopped"`
}

// SearchStep is one rate a search tried.
type SearchStep struct {
	CellID      string  `json:"cell_id"`
	TargetRPS   float64 `json:"target_rps"`
	AchievedRPS float64 `json:"achieved_rps"`
	Pass        bool    `json:"pass"`
	// Reason says why the step failed, "" when it passed.
	Reason string `json:"reason,omitempty"`
}

// Environment records the machine and software a run happened on.
type Environment struct {
	Hostname    string            `json:"hostname"`
	CPUModel    string            `json:"cpu_model"`
	CPUCount    int               `json:"cpu_count"`
	Kernel      string            `json:"kernel"`
	GoVersion   string            `json:"go_version"`
	GitRevision string            `json:"git_revision"`
	Toolchains  map[string]string `json:"toolchains,omitempty"`
	ClientCPUs  string            `json:"client_cpus"`
	TargetCPUs  string            `json:"target_cpus"`
	BackendCPUs string            `json:"backend_cpus,omitempty"`
}

// RunConfig is the command line or suite as given, for the record.
type RunConfig struct {
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Options map[string]string `json:"options,omitempty"`
}

// Cell status values.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// Cell is one measured combination of target, scenario and load.
type Cell struct {
	ID       string `json:"id"`
	Target   string `json:"target"`
	Scenario string `json:"scenario"`
	// Backend is the target a proxy cell relays to.
	Backend string `json:"backend,omitempty"`
	// Baseline marks a cell that sends a proxy scenario's load to the
	// backend directly: the reference for the proxies' overhead.
	Baseline bool `json:"baseline,omitempty"`
	// TargetArgv and BackendArgv are the command lines latbench started
	// (taskset included); TargetVersion and BackendVersion what the
	// targets report of their version. All empty for a server latbench
	// did not launch.
	TargetArgv     []string   `json:"target_argv,omitempty"`
	TargetVersion  string     `json:"target_version,omitempty"`
	BackendArgv    []string   `json:"backend_argv,omitempty"`
	BackendVersion string     `json:"backend_version,omitempty"`
	Status         string     `json:"status"`
	Failure        string     `json:"failure,omitempty"`
	Load           LoadConfig `json:"load"`
	Stats          CellStats  `json:"stats"`
	// Round is the 1-based round of a repeated cell (--rounds), 0 when the
	// cell ran once.
	Round int `json:"round,omitempty"`
	// Histograms are base64 HdrHistogram V2 compressed encodings, in ns.
	Histograms Histograms `json:"histograms"`
	// Classes are the request classes of a mix (--mix), each with its own
	// figures and histograms; Stats and Histograms hold their total.
	Classes []ClassStats `json:"classes,omitempty"`
	// Faults are the faults of the cell's timeline and what each did.
	Faults []FaultResult `json:"faults,omitempty"`
	// Paired is a paired (duet) cell's reference arm and the difference
	// between the arms; nil for a cell of one arm. Stats, Histograms and
	// Classes are then the target's arm, arm B.
	Paired *Paired `json:"paired,omitempty"`
	// Agents are the load agents whose merged measurements the cell is
	// (latbench run --agents N, latbench merge), each with its own figures.
	Agents []AgentStats `json:"agents,omitempty"`
	// Attempts are every measurement of the cell under --max-steal, the
	// one that counts among them; none without it.
	Attempts []Attempt `json:"attempts,omitempty"`
	// Noise sums up what the host took from the benchmark during the
	// window, interval by interval; nil where it was not measured.
	Noise *CellNoise `json:"noise,omitempty"`
	// Intervals are the latencies of each stretch (a second, or a quarter
	// second) of the measured window, for latency-over-time charts. They
	// are never in result.json: they stream to the cell's interval log as
	// they close and LoadIntervals reads them back.
	Intervals []Interval `json:"-"`
	Warnings  []string   `json:"warnings,omitempty"`
}

// Attempt is one measurement of a cell that --max-steal may measure
// again: its figures, and whether and why it counts.
type Attempt struct {
	Attempt     int        `json:"attempt"`
	Counts      bool       `json:"counts"`
	Why         string     `json:"why"`
	Status      string     `json:"status"`
	Failure     string     `json:"failure,omitempty"`
	StealPct    float64    `json:"steal_pct"`
	AchievedRPS float64    `json:"achieved_rps"`
	Latency     Summary    `json:"latency"`
	Noise       *CellNoise `json:"noise,omitempty"`
}

// LoadConfig is everything that decides whether two cells are comparable.
type LoadConfig struct {
	// Loop is "open" (requests due on a schedule, latency from due time) or
	// "closed" (back-to-back requests, latency is service time).
	Loop string `json:"loop"`
	// Name labels the load ("moderate", "max"); Step is its 1-based index
	// in a series of rate steps, 0 for a single load.
	Name        string `json:"name,omitempty"`
	Step        int    `json:"step,omitempty"`
	Connections int    `json:"connections"`
	// TargetRPS is the offered rate; 0 means unlimited (closed loop).
	TargetRPS float64 `json:"target_rps"`
	Arrival   string  `json:"arrival,omitempty"`
	// Wait is the loops' wait strategy: spin, block or hybrid/<window>.
	Wait string `json:"wait,omitempty"`
	// Loops is the number of event loops (client CPUs) that shared the
	// load.
	Loops       int               `json:"loops,omitempty"`
	Warmup      time.Duration     `json:"warmup_ns"`
	Duration    time.Duration     `json:"duration_ns"`
	MaxRequests int64             `json:"max_requests,omitempty"`
	Timeout     time.Duration     `json:"timeout_ns"`
	Scenario    map[string]string `json:"scenario"`
	// Netem is the tc netem impairment of the link to the target.
	Netem string `json:"netem,omitempty"`
	// DependencyDelay is the slow dependency's delay of the cell's mix, in
	// a suite that steps through delays; HasDependencyDelay tells a 0 ms
	// step from none.
	DependencyDelay    time.Duration `json:"dependency_delay_ns,omitempty"`
	HasDependencyDelay bool          `json:"has_dependency_delay,omitempty"`
	ClientCPUs         string        `json:"client_cpus"`
	TargetCPUs         string        `json:"target_cpus"`
	BackendCPUs        string        `json:"backend_cpus,omitempty"`
	TargetAddr         string        `json:"target_addr"`
}

// CellStats are the numbers computed for one cell: the engine's Counts
// (merged exactly over loops and agents), and the figures derived from
// them and the histograms (Derive).
type CellStats struct {
	engine.Counts
	// Requests counts the measured requests that succeeded: those in the
	// latency histogram.
	Requests    int64 `json:"requests"`
	ErrorsTotal int64 `json:"errors_total"`
	// AchievedRPS is the requests completed inside the window per second
	// of it.
	AchievedRPS float64 `json:"achieved_rps"`
	// Availability is the share of the measured requests (FellDue) that
	// succeeded; 1 when none fell due.
	Availability float64 `json:"availability"`
	Latency      Summary `json:"latency"`
	ServiceTime  Summary `json:"service_time"`
	Lag          Summary `json:"lag"`
	// ClientCPUPct is latbench's CPU use over the window, 100 = one core.
	ClientCPUPct  float64 `json:"client_cpu_pct"`
	ServerCPUPct  float64 `json:"server_cpu_pct"`
	ServerPeakRSS int64   `json:"server_peak_rss_bytes"`
	// StealPct is the share of the machine's CPU time a hypervisor took
	// during the cell, in percent (Linux steal time; 0 on bare metal).
	StealPct float64 `json:"steal_pct"`
	// Connect and Handshake sum up how long the connections opened in the
	// window took to connect and to finish their TLS handshake; nil when
	// none was (or none spoke TLS).
	Connect   *Summary `json:"connect,omitempty"`
	Handshake *Summary `json:"handshake,omitempty"`
}

// DeriveConnections sums up the connect and handshake histograms; an
// empty one gives nil.
func (st *CellStats) DeriveConnections(connect, handshake *hdrhistogram.Histogram) {
	st.Connect, st.Handshake = summaryOrNil(connect), summaryOrNil(handshake)
}

// summaryOrNil sums up h; nil when it is empty or missing.
func summaryOrNil(h *hdrhistogram.Histogram) *Summary {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	s := Summarize(h)
	return &s
}

// Derive computes every figure that follows from the Counts and the
// histograms: requests, errors, rate, availability, client CPU and the
// three latency summaries. It is the one place they are computed, for a
// cell just measured and for a merged one alike.
func (st *CellStats) Derive(latency, service, lag *hdrhistogram.Histogram) {
	st.Requests = latency.TotalCount()
	st.ErrorsTotal = st.Errors.Total()
	st.AchievedRPS = st.Counts.AchievedRPS()
	st.ClientCPUPct = st.ClientCPUPercent()
	st.Availability = 1
	if st.FellDue > 0 {
		st.Availability = float64(st.Requests) / float64(st.FellDue)
	}
	st.Latency, st.ServiceTime, st.Lag = Summarize(latency), Summarize(service), Summarize(lag)
}

// AgentStats is what one load agent of a merged cell measured.
type AgentStats struct {
	// Index is the agent's index i of N: it sent requests i, i+N, ...
	Index int    `json:"index"`
	Host  string `json:"host,omitempty"`
	// Requests counts its successful measured requests; AchievedRPS its
	// completions per second of the window.
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	AchievedRPS float64 `json:"achieved_rps"`
	LatencyP50  int64   `json:"latency_p50_ns"`
	LatencyP99  int64   `json:"latency_p99_ns"`
	// StartSkew is how late its first request went out after it was due:
	// an agent that started late, or whose clock is off, shows here.
	StartSkew time.Duration `json:"start_skew_ns"`
	// ReadyBefore is how long before T0 it was connected and ready.
	ReadyBefore time.Duration `json:"ready_before_t0_ns"`
}

// FaultResult is one fault of a cell's timeline and what it did.
type FaultResult struct {
	// Fault is the fault as written, e.g. "at 10s: slow-backend 200ms for 5s".
	Fault string `json:"fault"`
	Kind  string `json:"kind"`
	// At and For place the fault in the measured window: its offset and
	// its length (for kill-backend, how long the backend stayed dead).
	At  time.Duration `json:"at_ns"`
	For time.Duration `json:"for_ns"`
	// FellDue counts the measured requests due during the fault, and
	// Succeeded those of them that succeeded; Availability is their ratio
	// (1 when none fell due).
	FellDue      int64   `json:"fell_due"`
	Succeeded    int64   `json:"succeeded"`
	Availability float64 `json:"availability"`
	// BaselineP99 is the latency p99 of the window before the fault.
	BaselineP99 int64 `json:"baseline_p99_ns"`
	// Recovered says whether, after the fault, an interval's p99 came back
	// within twice BaselineP99 before the window ended; Recovery is the
	// time from the fault's end to the start of that interval.
	Recovered bool          `json:"recovered"`
	Recovery  time.Duration `json:"recovery_ns"`
}

// ClassStats are the figures of one request class of a mix.
type ClassStats struct {
	// Name is the class's path, e.g. /delay/100ms/bytes/100.
	Name        string             `json:"name"`
	Requests    int64              `json:"requests"`
	Errors      engine.ErrorCounts `json:"errors"`
	ErrorsTotal int64              `json:"errors_total"`
	Latency     Summary            `json:"latency"`
	ServiceTime Summary            `json:"service_time"`
	// Histograms holds the class's latency and service time (lag is the
	// cell's only).
	Histograms Histograms `json:"histograms"`
}

// Summary describes one latency distribution. All values are in ns.
type Summary struct {
	Count    int64   `json:"count"`
	Min      int64   `json:"min"`
	P50      int64   `json:"p50"`
	P90      int64   `json:"p90"`
	P99      int64   `json:"p99"`
	P999     int64   `json:"p999"`
	P9999    int64   `json:"p9999"`
	Max      int64   `json:"max"`
	Mean     float64 `json:"mean"`
	StdDev   float64 `json:"stddev"`
	TrimMean float64 `json:"trimmed_mean_999"`
}

// Interval is the latency recorded during one stretch (a quarter second,
// or a tenth in a paired cell) of a cell's measured window.
type Interval struct {
	// StartNs and EndNs are offsets from the start of the measured window.
	StartNs int64 `json:"start_ns"`
	EndNs   int64 `json:"end_ns"`
	// Latency is a base64 HdrHistogram V2 compressed encoding, in ns, of
	// the measured requests that succeeded in this stretch.
	Latency string `json:"latency"`
	// Completed counts the requests that ended in this stretch, measured
	// or not, and Errors those of them that failed.
	Completed int64 `json:"completed"`
	Errors    int64 `json:"errors"`
	// Noise is what the host took from the benchmark in this stretch; nil
	// where it was not measured.
	Noise *IntervalNoise `json:"noise,omitempty"`
	// Arm is 1 for a paired cell's reference arm in a stream that holds
	// both (an agent's output), else 0.
	Arm int `json:"arm,omitempty"`
}

// Histograms holds the encoded distributions of one cell.
type Histograms struct {
	Latency     string `json:"latency"`
	ServiceTime string `json:"service_time"`
	Lag         string `json:"lag"`
	// Connect and Handshake are the connections' connect and TLS
	// handshake times; empty when none was measured.
	Connect   string `json:"connect,omitempty"`
	Handshake string `json:"handshake,omitempty"`
}

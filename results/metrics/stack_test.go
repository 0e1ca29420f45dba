//go:build unix

package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The real-stack test's bounds: generous, for a busy 2-core machine.
const (
	stackReadyTimeout = 60 * time.Second // until a daemon answers /-/ready
	stackQueryTimeout = 30 * time.Second // until Prometheus shows what was pushed
	stackStopTimeout  = 20 * time.Second // from SIGTERM to SIGKILL
	stackPollInterval = 250 * time.Millisecond
)

// stackInstall is how to get the daemons the real-stack test runs.
const stackInstall = "scripts/install-debian.sh prometheus-pushgateway prometheus"

// stackBinary returns the path of a daemon, skipping the test when it is
// missing, or failing it under CI=true, where `make test-deps` installs it.
func stackBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found on PATH: install Debian's packages with %s", name, stackInstall)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// daemon is a process the test started, in a process group of its own.
type daemon struct {
	name   string
	addr   string // its HTTP address on loopback
	log    string // its stdout and stderr
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd.Wait has returned
	once   sync.Once
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startDaemon starts bin with args(addr) on a free loopback address and
// waits until it answers GET /-/ready. It tries another port when the
// one it picked was taken in between. The daemon is stopped when the
// test ends, if the test has not stopped it before.
func startDaemon(t *testing.T, name, bin string, args func(addr string) []string) *daemon {
	t.Helper()
	const attempts = 3
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		logPath := filepath.Join(t.TempDir(), name+".log")
		logFile, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, args(addr)...)
		// Output goes straight to a file: no copying goroutines.
		cmd.Stdout, cmd.Stderr = logFile, logFile
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		err = cmd.Start()
		logFile.Close() // the child has its own descriptor
		if err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		d := &daemon{name: name, addr: addr, log: logPath, cmd: cmd, exited: make(chan struct{})}
		// This goroutine ends when the process does; stop makes sure it
		// does before the test ends.
		go func() {
			_ = cmd.Wait()
			close(d.exited)
		}()
		t.Cleanup(func() { d.stop(t) })
		t.Logf("started %s, pid %d, on %s", name, cmd.Process.Pid, addr)
		err = d.waitReady()
		if err == nil {
			return d
		}
		d.stop(t)
		if attempt < attempts && strings.Contains(d.logTail(), "address already in use") {
			t.Logf("%s: port taken meanwhile, trying another", name)
			continue
		}
		t.Fatalf("%s: %v\n%s log:\n%s", name, err, name, d.logTail())
	}
}

// waitReady polls the daemon's /-/ready until it answers 200, the daemon
// exits, or stackReadyTimeout passes.
func (d *daemon) waitReady() error {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	deadline := time.Now().Add(stackReadyTimeout)
	for {
		resp, err := client.Get("http://" + d.addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-d.exited:
			return fmt.Errorf("exited before it was ready: %v", d.cmd.ProcessState)
		case <-time.After(stackPollInterval):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within %v (last: %v)", stackReadyTimeout, err)
		}
	}
}

// stop ends the daemon by its pid (SIGTERM, then SIGKILL after
// stackStopTimeout) and checks that neither it nor anything in its
// process group is left. Later calls do nothing.
func (d *daemon) stop(t *testing.T) {
	d.once.Do(func() {
		pid := d.cmd.Process.Pid
		select {
		case <-d.exited:
		default:
			_ = d.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-d.exited:
			case <-time.After(stackStopTimeout):
				t.Logf("%s (pid %d) still running %v after SIGTERM: killing it", d.name, pid, stackStopTimeout)
				_ = d.cmd.Process.Kill()
				<-d.exited
			}
		}
		// cmd.Wait has reaped the daemon, so its pid is gone; its group
		// (pgid = pid) must be empty too.
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s pid %d still exists after it was stopped (kill 0: %v)", d.name, pid, err)
		}
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("processes of %s's group %d outlived it (kill 0: %v); killing them", d.name, pid, err)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	})
}

// logTail returns the end of the daemon's log.
func (d *daemon) logTail() string {
	b, err := os.ReadFile(d.log)
	if err != nil {
		return err.Error()
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// promSample is one series of a Prometheus instant query's answer.
type promSample struct {
	labels map[string]string
	value  float64
}

// promQuery runs an instant query against Prometheus's HTTP API.
func promQuery(client *http.Client, addr, query string) ([]promSample, error) {
	resp, err := client.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var answer struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return nil, fmt.Errorf("query %s: status %d: %w", query, resp.StatusCode, err)
	}
	if answer.Status != "success" || answer.Data.ResultType != "vector" {
		return nil, fmt.Errorf("query %s: status %q, result type %q: %s", query, answer.Status, answer.Data.ResultType, answer.Error)
	}
	out := make([]promSample, 0, len(answer.Data.Result))
	for _, r := range answer.Data.Result {
		s, ok := r.Value[1].(string)
		if !ok {
			return nil, fmt.Errorf("query %s: value %v is not a string", query, r.Value[1])
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", query, err)
		}
		out = append(out, promSample{labels: r.Metric, value: v})
	}
	return out, nil
}

// TestPushGatewayToPrometheus pushes two short cells through the real
// push-gateway and reads them back from a real Prometheus that scrapes it.
func TestPushGatewayToPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a push-gateway and Prometheus; skipped with -short")
	}
	gatewayBin := stackBinary(t, "prometheus-pushgateway")
	prometheusBin := stackBinary(t, "prometheus")

	gateway := startDaemon(t, "pushgateway", gatewayBin, func(addr string) []string {
		return []string{"--web.listen-address=" + addr}
	})
	promDir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: [%q]
`, gateway.addr)
	configPath := filepath.Join(promDir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := startDaemon(t, "prometheus", prometheusBin, func(addr string) []string {
		return []string{
			"--config.file=" + configPath,
			"--storage.tsdb.path=" + filepath.Join(promDir, "data"),
			"--web.listen-address=" + addr,
		}
	})

	e, err := New(Options{PushURL: "http://" + gateway.addr})
	if err != nil {
		t.Fatal(err)
	}
	closeExporter(t, e)

	run := "20250101T000000Z-stacktest"
	cellA := Labels{Run: run, Cell: "go-http-r2000", Target: "go", Scenario: "http", Load: "r2000"}
	cellB := Labels{Run: run, Cell: "rust-http-r2000", Target: "rust", Scenario: "http", Load: "r2000"}
	secondsA := []Second{
		interval(cellA, true, 1000, map[string]int64{"timeout": 3}, [6]float64{300, 600, 900, 1200, 1500, 1800}, 150, 90_000_000),
		interval(cellA, false, 2000, map[string]int64{"timeout": 1}, [6]float64{201, 401, 801, 1601, 3201, 6401}, 140, 95_000_000),
		interval(cellA, false, 2000, map[string]int64{"timeout": 1}, [6]float64{202, 402, 802, 1602, 3202, 6402}, 141, 96_000_000),
		interval(cellA, false, 2000, map[string]int64{"timeout": 1, "reset": 2}, [6]float64{203, 403, 803, 1603, 3203, 6403}, 142, 97_000_000),
		interval(cellA, false, 2468, map[string]int64{"timeout": 1}, [6]float64{211, 433, 877, 1999, 3331, 47111}, 142.5, 98_765_432),
	}
	secondsB := []Second{
		interval(cellB, false, 1500, nil, [6]float64{150, 250, 350, 450, 550, 650}, -1, 40_000_000),
		interval(cellB, false, 1750, nil, [6]float64{155, 255, 355, 455, 555, 655}, -1, 41_000_000),
	}
	// One interval every 300 ms, as a faster-than-life cell.
	for _, cell := range [][]Second{secondsA, secondsB} {
		for i, s := range cell {
			if i > 0 {
				time.Sleep(300 * time.Millisecond)
			}
			if err := e.Observe(s); err != nil {
				t.Fatalf("Observe %s #%d: %v\npushgateway log:\n%s", s.Cell, i, err, gateway.logTail())
			}
		}
		if err := e.EndCell(cell[0].Labels); err != nil {
			t.Fatalf("EndCell %s: %v", cell[0].Cell, err)
		}
	}

	lastA, lastB := secondsA[len(secondsA)-1], secondsB[len(secondsB)-1]
	sel := func(l Labels, extra string) string {
		s := fmt.Sprintf(`run=%q, cell=%q`, l.Run, l.Cell)
		if extra != "" {
			s += ", " + extra
		}
		return "{" + s + "}"
	}
	tests := []struct {
		name   string
		query  string
		labels Labels
		want   float64
		absent bool
	}{
		{name: "A p50", query: nameLatency + sel(cellA, `quantile="0.5"`), labels: cellA, want: lastA.Latency[50].Seconds()},
		{name: "A p99", query: nameLatency + sel(cellA, `quantile="0.99"`), labels: cellA, want: lastA.Latency[99].Seconds()},
		{name: "A p99.9", query: nameLatency + sel(cellA, `quantile="0.999"`), labels: cellA, want: lastA.Latency[99.9].Seconds()},
		{name: "A p99.99", query: nameLatency + sel(cellA, `quantile="0.9999"`), labels: cellA, want: lastA.Latency[99.99].Seconds()},
		{name: "A max", query: nameLatency + sel(cellA, `quantile="1"`), labels: cellA, want: lastA.Latency[100].Seconds()},
		{name: "A service time p99", query: nameServiceTime + sel(cellA, `quantile="0.99"`), labels: cellA, want: lastA.ServiceTime[99].Seconds()},
		{name: "A tm99.9", query: nameTrimmedMean + sel(cellA, ""), labels: cellA, want: lastA.TrimmedMean.Seconds()},
		{name: "A std dev", query: nameStdDev + sel(cellA, ""), labels: cellA, want: lastA.StdDev.Seconds()},
		{name: "A rps", query: nameRate + sel(cellA, ""), labels: cellA, want: 2468},
		{name: "A requests without warm-up", query: nameRequests + sel(cellA, ""), labels: cellA, want: 2000 + 2000 + 2000 + 2468},
		{name: "A timeouts without warm-up", query: nameErrors + sel(cellA, `class="timeout"`), labels: cellA, want: 4},
		{name: "A resets", query: nameErrors + sel(cellA, `class="reset"`), labels: cellA, want: 2},
		{name: "A warm-up over", query: nameWarmup + sel(cellA, ""), labels: cellA, want: 0},
		{name: "A CPU", query: nameCPU + sel(cellA, ""), labels: cellA, want: 142.5},
		{name: "A RSS", query: nameRSS + sel(cellA, ""), labels: cellA, want: 98_765_432},
		{name: "B, pushed after A, beside it", query: nameRequests + sel(cellB, ""), labels: cellB, want: 1500 + 1750},
		{name: "B p50", query: nameLatency + sel(cellB, `quantile="0.5"`), labels: cellB, want: lastB.Latency[50].Seconds()},
		{name: "B RSS", query: nameRSS + sel(cellB, ""), labels: cellB, want: 41_000_000},
		{name: "B unknown CPU absent", query: nameCPU + sel(cellB, ""), labels: cellB, absent: true},
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	// check returns what is still wrong with test i, "" when nothing.
	check := func(i int) string {
		tt := tests[i]
		got, err := promQuery(client, prom.addr, tt.query)
		switch {
		case err != nil:
			return err.Error()
		case tt.absent && len(got) == 0:
			return ""
		case tt.absent:
			return fmt.Sprintf("%s: %v, want no series", tt.query, got)
		case len(got) != 1:
			return fmt.Sprintf("%s: %d series, want 1", tt.query, len(got))
		}
		want := cellLabels(tt.labels, "job", DefaultJob)
		for k, v := range want {
			if got[0].labels[k] != v {
				return fmt.Sprintf("%s: labels %v, want %s=%q", tt.query, got[0].labels, k, v)
			}
		}
		if math.Abs(got[0].value-tt.want) > 1e-9*math.Max(1, math.Abs(tt.want)) {
			return fmt.Sprintf("%s = %v, want %v", tt.query, got[0].value, tt.want)
		}
		return ""
	}
	// Poll until every series shows the last pushed value: Prometheus
	// scrapes the gateway once a second.
	start := time.Now()
	wrong := make([]string, len(tests))
	for {
		pending := 0
		for i := range tests {
			if wrong[i] = check(i); wrong[i] != "" {
				pending++
			}
		}
		if pending == 0 || time.Since(start) > stackQueryTimeout {
			break
		}
		time.Sleep(stackPollInterval)
	}
	t.Logf("Prometheus showed the pushed series after %v", time.Since(start).Round(time.Millisecond))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if wrong[i] != "" {
				t.Errorf("after %v: %s", stackQueryTimeout, wrong[i])
			}
		})
	}
	if t.Failed() {
		t.Logf("pushgateway log:\n%s\nprometheus log:\n%s", gateway.logTail(), prom.logTail())
	}

	// Stop both by pid now, to check that nothing is left behind.
	for _, d := range []*daemon{prom, gateway} {
		d.stop(t)
		t.Logf("stopped %s (pid %d): %v", d.name, d.cmd.Process.Pid, d.cmd.ProcessState)
	}
}

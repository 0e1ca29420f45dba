package plot

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot/plottest"
)

func TestSuccessSegments(t *testing.T) {
	iv := func(second int, completed, errors int64) results.Interval {
		return results.Interval{StartNs: int64(second) * 1e9, EndNs: int64(second+1) * 1e9, Completed: completed, Errors: errors}
	}
	tests := []struct {
		name      string
		intervals []results.Interval
		want      string
	}{
		{name: "no completions", intervals: []results.Interval{iv(0, 0, 0), iv(1, 0, 0)}, want: "[]"},
		{
			name:      "errors lower the rate",
			intervals: []results.Interval{iv(0, 1000, 0), iv(1, 1000, 250), iv(2, 4, 4)},
			want:      "[[{0.5 100} {1.5 75} {2.5 0}]]",
		},
		{
			name:      "a second without completions splits the line",
			intervals: []results.Interval{iv(0, 10, 0), iv(1, 0, 0), iv(2, 10, 1)},
			want:      "[[{0.5 100}] [{2.5 90}]]",
		},
		{name: "more errors than completions", intervals: []results.Interval{iv(0, 10, 12)}, want: "[[{0.5 0}]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(successSegments(tt.intervals)); got != tt.want {
				t.Errorf("successSegments = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFaultSpans(t *testing.T) {
	tests := []struct {
		name  string
		fault results.FaultResult
		want  faultSpan
	}{
		{
			name:  "slow backend is labelled with its delay",
			fault: results.FaultResult{Fault: "at 10s: slow-backend 200ms for 5s", Kind: "slow-backend", At: 10 * time.Second, For: 5 * time.Second},
			want:  faultSpan{from: 10, to: 15, label: "slow-backend 200ms"},
		},
		{
			name:  "stop target",
			fault: results.FaultResult{Fault: "at 2.5s: stop-target 1s", Kind: "stop-target", At: 2500 * time.Millisecond, For: time.Second},
			want:  faultSpan{from: 2.5, to: 3.5, label: "stop-target"},
		},
		{
			name:  "killed backend restarted",
			fault: results.FaultResult{Fault: "at 16s: kill-backend restart after 3s", Kind: "kill-backend", At: 16 * time.Second, For: 3 * time.Second},
			want:  faultSpan{from: 16, to: 19, label: "kill-backend"},
		},
		{
			name:  "killed backend never restarted runs to the window's end",
			fault: results.FaultResult{Fault: "at 16s: kill-backend", Kind: "kill-backend", At: 16 * time.Second},
			want:  faultSpan{from: 16, to: 25, label: "kill-backend"},
		},
		{
			name:  "no text and no kind",
			fault: results.FaultResult{At: time.Second, For: time.Second},
			want:  faultSpan{from: 1, to: 2, label: "fault"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := faultSpans([]results.FaultResult{tt.fault}, 25)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("faultSpans = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// overTimeSpec returns the over-time chart of the slow-dependency fixture's
// fault cell.
func overTimeSpec(t *testing.T) chartSpec {
	t.Helper()
	for _, s := range chartSpecs(plottest.SlowDependencyRun(t)) {
		if s.name == "over-time-go-http-proxy-faults-1000rps-c300" {
			return s
		}
	}
	t.Fatal("no over-time chart of the fault cell")
	return chartSpec{}
}

func TestOverTimeFaultsAndSuccess(t *testing.T) {
	s := overTimeSpec(t)
	for _, want := range []string{
		"The shaded bands are the faults, from their start to their end: at 8s: slow-backend 200ms for 4s; at 16s: kill-backend restart after 3s.",
		"The lower panel is the success rate of each second",
		"Left out of the latency lines: 2 of them",
	} {
		if !strings.Contains(s.caption, want) {
			t.Errorf("caption lacks %q:\n%s", want, s.caption)
		}
	}
	f := s.fig
	if len(f.panels) != 2 || len(f.heights) != 2 {
		t.Fatalf("%d panels with heights %v, want latency over success rate", len(f.panels), f.heights)
	}
	lat, success := f.panels[0], f.panels[1]
	if success.Y.Min != 0 || success.Y.Max != 100 || lat.X.Max != success.X.Max || lat.X.Max != 25 {
		t.Errorf("success axis %v..%v, x axes to %v and %v; want 0..100 %% and a shared 25 s axis",
			success.Y.Min, success.Y.Max, lat.X.Max, success.X.Max)
	}
	if lat.X.Label.Text != "" || success.X.Label.Text == "" {
		t.Errorf("x labels %q over %q: want only the lower panel's", lat.X.Label.Text, success.X.Label.Text)
	}
	// The bands' labels sit above the highest latency, 200 ms.
	if lat.Y.Max < 2*200_000 {
		t.Errorf("latency axis ends at %v µs: no room above the data for the fault labels", lat.Y.Max)
	}
}

func TestStackedPanelsAlign(t *testing.T) {
	f := overTimeSpec(t).fig
	img := vgimg.NewWith(vgimg.UseWH(figWidth, figHeight))
	canvases := f.stackedCanvases(draw.New(img))
	top, bottom := dataCanvas(f.panels[0], canvases[0]), dataCanvas(f.panels[1], canvases[1])
	if d := math.Abs(float64(top.Min.X - bottom.Min.X)); d > 0.5 {
		t.Errorf("data areas start %v pt apart; they must share the x axis", d)
	}
	if d := math.Abs(float64(top.Max.X - bottom.Max.X)); d > 0.5 {
		t.Errorf("data areas end %v pt apart; they must share the x axis", d)
	}
	if h := bottom.Size().Y; h < vg.Points(50) || h > top.Size().Y/2 {
		t.Errorf("success panel's data area is %v pt high, latency's %v: want a shorter but readable panel", h, top.Size().Y)
	}
}

func TestLogYLabelKeepsTheDataArea(t *testing.T) {
	// gonum places a y label's box at the axis's linear midpoint, near the
	// top of a log axis; a long label must not shrink the data area.
	c := draw.New(vgimg.NewWith(vgimg.UseWH(figWidth, figHeight)))
	var tops []vg.Length
	for _, label := range []string{"y", "a rather long label for the y axis (µs)"} {
		p := newPanel("", "x", label)
		setLogY(p, 200, 500_000)
		tops = append(tops, dataCanvas(p, c).Max.Y)
	}
	if math.Abs(float64(tops[0]-tops[1])) > 0.5 {
		t.Errorf("data area tops %v and %v: the long label shrank the data area", tops[0], tops[1])
	}
}

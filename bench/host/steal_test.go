package host

import (
	"strings"
	"testing"
)

func TestParseCPUTimes(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    cpuTimes
		wantErr string
	}{
		{name: "kernel 6 with guest fields",
			stat: "cpu  1025742 1664 478748 921650 6522 0 97329 80690 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n",
			want: cpuTimes{steal: 80690, total: 1025742 + 1664 + 478748 + 921650 + 6522 + 0 + 97329 + 80690}},
		{name: "no guest fields", stat: "cpu 10 0 10 70 0 0 0 10\n", want: cpuTimes{steal: 10, total: 100}},
		{name: "per-CPU line first", stat: "cpu0 1 2 3 4 5 6 7 8\n", wantErr: "not a /proc/stat cpu line"},
		{name: "before steal time existed", stat: "cpu 1 2 3 4 5 6 7\n", wantErr: "not a /proc/stat cpu line"},
		{name: "not a number", stat: "cpu 1 2 3 4 x 6 7 8\n", wantErr: "field 5"},
		{name: "empty", stat: "", wantErr: "not a /proc/stat cpu line"},
		{name: "overflow", stat: "cpu 18446744073709551615 1 0 0 0 0 0 0\n", wantErr: "overflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPUTimes(tt.stat)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseCPUTimes(%q) = %+v, %v; want an error with %q", tt.stat, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseCPUTimes(%q) = %+v, %v; want %+v", tt.stat, got, err, tt.want)
			}
		})
	}
}

func TestStealPct(t *testing.T) {
	tests := []struct {
		name    string
		a, b    cpuTimes
		wantPct float64
	}{
		{name: "bare metal", a: cpuTimes{0, 1000}, b: cpuTimes{0, 2000}, wantPct: 0},
		{name: "a little steal", a: cpuTimes{10, 1000}, b: cpuTimes{30, 2000}, wantPct: 2},
		{name: "a third stolen", a: cpuTimes{100, 1000}, b: cpuTimes{433, 2000}, wantPct: 33.3},
		{name: "no time passed", a: cpuTimes{5, 1000}, b: cpuTimes{5, 1000}, wantPct: 0},
		{name: "counters went back", a: cpuTimes{50, 1000}, b: cpuTimes{10, 2000}, wantPct: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if pct := stealPct(tt.a, tt.b); pct < tt.wantPct-0.1 || pct > tt.wantPct+0.1 {
				t.Errorf("stealPct = %.2f, want %.1f", pct, tt.wantPct)
			}
		})
	}
}

func TestReadCPUTimesHere(t *testing.T) {
	a, ok := readCPUTimes()
	if !ok {
		t.Skip("no readable /proc/stat here")
	}
	if a.total == 0 || a.steal > a.total {
		t.Errorf("readCPUTimes = %+v: want a total above 0 and steal within it", a)
	}
}

func FuzzParseCPUTimes(f *testing.F) {
	f.Add("cpu  1025742 1664 478748 921650 6522 0 97329 80690 0 0\n")
	f.Add("cpu 1 2 3\n")
	f.Add("cpu 18446744073709551615 1 1 1 1 1 1 1\n")
	f.Fuzz(func(t *testing.T, stat string) {
		got, err := parseCPUTimes(stat)
		if err == nil && got.steal > got.total {
			t.Errorf("parseCPUTimes(%q) = %+v", stat, got)
		}
		if err != nil && got != (cpuTimes{}) {
			t.Errorf("parseCPUTimes(%q) returned %+v with error %v", stat, got, err)
		}
	})
}

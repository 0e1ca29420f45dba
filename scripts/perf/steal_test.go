package main

import "testing"

func TestParseCPULine(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    cpuTimes
		wantErr bool
	}{
		{name: "kernel 6", line: "cpu  950618 1731 478237 560205 3300 0 26929 13660 0 0", want: cpuTimes{total: 2034680, steal: 13660}},
		{name: "no guest columns", line: "cpu 1 2 3 4 5 6 7 8", want: cpuTimes{total: 36, steal: 8}},
		{name: "per-CPU line", line: "cpu0 1 2 3 4 5 6 7 8 0 0", wantErr: true},
		{name: "no steal column", line: "cpu 1 2 3 4 5 6 7", wantErr: true},
		{name: "not a number", line: "cpu 1 2 3 4 5 6 7 x", wantErr: true},
		{name: "empty", line: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPULine(tt.line)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStealPct(t *testing.T) {
	tests := []struct {
		name          string
		before, after cpuTimes
		want          float64
	}{
		{name: "half stolen", before: cpuTimes{total: 1000, steal: 10}, after: cpuTimes{total: 2000, steal: 510}, want: 50},
		{name: "none", before: cpuTimes{total: 1000}, after: cpuTimes{total: 1200}, want: 0},
		{name: "no time passed", before: cpuTimes{total: 1000}, after: cpuTimes{total: 1000}, want: -1},
		{name: "counters went back", before: cpuTimes{total: 1000, steal: 9}, after: cpuTimes{total: 2000, steal: 1}, want: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stealPct(tt.before, tt.after); got != tt.want {
				t.Errorf("stealPct = %v, want %v", got, tt.want)
			}
		})
	}
}

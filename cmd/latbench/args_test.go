package main

import (
	"io"
	"slices"
	"testing"
)

func TestInterspersed(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "flags first stay", args: []string{"lb", "suite", "--out", "x", "s.yaml"},
			want: []string{"lb", "suite", "--out", "x", "--", "s.yaml"}},
		{name: "file first moves last", args: []string{"lb", "suite", "s.yaml", "--out", "x", "--no-pin"},
			want: []string{"lb", "suite", "--out", "x", "--no-pin", "--", "s.yaml"}},
		{name: "bool flag takes no value", args: []string{"lb", "suite", "--no-pin", "s.yaml"},
			want: []string{"lb", "suite", "--no-pin", "--", "s.yaml"}},
		{name: "flag=value", args: []string{"lb", "report", "d", "--format=json"},
			want: []string{"lb", "report", "--format=json", "--", "d"}},
		{name: "after -- stays positional", args: []string{"lb", "report", "--", "--odd-dir"},
			want: []string{"lb", "report", "--", "--odd-dir"}},
		{name: "unknown command untouched", args: []string{"lb", "nope", "a", "--b"}, want: []string{"lb", "nope", "a", "--b"}},
		{name: "too short", args: []string{"lb", "run"}, want: []string{"lb", "run"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := interspersed(app, tt.args); !slices.Equal(got, tt.want) {
				t.Errorf("interspersed(%q)\n got %q\nwant %q", tt.args, got, tt.want)
			}
		})
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    float64
		wantErr bool
	}{
		{name: "integer", in: "1000", want: 1000},
		{name: "fraction", in: "0.5", want: 0.5},
		{name: "rps suffix", in: "250rps", want: 250},
		{name: "max", in: "max", want: 0},
		{name: "MAX", in: "MAX", want: 0},
		{name: "zero", in: "0", wantErr: true},
		{name: "negative", in: "-1", wantErr: true},
		{name: "word", in: "fast", wantErr: true},
		{name: "infinite", in: "inf", wantErr: true},
		{name: "absurd", in: "1e9", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRate(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseRate(%q) = %g, %v; want %g, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

package main

import "testing"

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

package results

import "testing"

func TestFmtMicros(t *testing.T) {
	tests := []struct {
		name string
		ns   float64
		want string
	}{
		{name: "zero", ns: 0, want: "0"},
		{name: "sub-microsecond", ns: 512, want: "0.512"},
		{name: "single digit", ns: 1234, want: "1.23"},
		{name: "two digits", ns: 45_678, want: "45.7"},
		{name: "three digits", ns: 245_499, want: "245"},
		{name: "thousands", ns: 1_509_999, want: "1,510"},
		{name: "rounds up a digit", ns: 999_600, want: "1,000"},
		{name: "ten thousands", ns: 12_345_678, want: "12,300"},
		{name: "an hour", ns: 3.6e12, want: "3,600,000,000"},
		{name: "rounds to ten", ns: 9_996, want: "10.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmtMicros(tt.ns); got != tt.want {
				t.Errorf("fmtMicros(%v) = %q, want %q", tt.ns, got, tt.want)
			}
		})
	}
}

func TestGroupThousands(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "short", in: "999", want: "999"},
		{name: "four", in: "1000", want: "1,000"},
		{name: "seven", in: "1234567", want: "1,234,567"},
		{name: "negative", in: "-1234", want: "-1,234"},
		{name: "fraction", in: "12345.6", want: "12,345.6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GroupThousands(tt.in); got != tt.want {
				t.Errorf("GroupThousands(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStatusLabel(t *testing.T) {
	tests := []struct {
		name  string
		cell  Cell
		width int
		want  string
	}{
		{name: "ok", cell: Cell{Status: StatusOK}, width: 10, want: "ok"},
		{name: "failed", cell: Cell{Status: StatusFailed, Failure: "boom"}, width: 20, want: "FAILED: boom"},
		{name: "truncated", cell: Cell{Status: StatusFailed, Failure: "a long\nreason"}, width: 12, want: "FAILED: a l…"},
		{name: "no status", cell: Cell{}, width: 20, want: "UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statusLabel(&tt.cell, tt.width); got != tt.want {
				t.Errorf("statusLabel() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name string
		errs map[string]int64
		want string
	}{
		{name: "none", errs: nil, want: "0"},
		{name: "zeros only", errs: map[string]int64{"timeout": 0}, want: "0"},
		{name: "by count then name", errs: map[string]int64{"timeout": 3, "reset": 1200, "connect": 3, "other": 0}, want: "reset 1,200, connect 3, timeout 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorClasses(tt.errs); got != tt.want {
				t.Errorf("errorClasses() = %q, want %q", got, tt.want)
			}
		})
	}
}

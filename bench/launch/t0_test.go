package launch

import (
	"testing"
	"time"
)

func TestParseT0(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "2026-12-01T12:00:00Z", want: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)},
		{in: "2026-12-01T12:00:00.123456789Z", want: time.Date(2026, 12, 1, 12, 0, 0, 123456789, time.UTC)},
		{in: "2026-12-01T13:00:00.5+01:00", want: time.Date(2026, 12, 1, 12, 0, 0, 5e8, time.UTC)},
		{in: " 1796126400000000000\n", want: time.Unix(0, 1796126400000000000)},
		{in: "", wantErr: true},
		{in: "0", wantErr: true},
		{in: "-5", wantErr: true},
		{in: "tomorrow", wantErr: true},
		{in: "2026-12-01 12:00:00", wantErr: true},
		{in: "0000-01-01T00:00:00+01:00", wantErr: true},
		{in: "1969-12-31T23:59:59Z", wantErr: true},
		{in: "2263-01-01T00:00:00Z", wantErr: true},
	}
	for _, tc := range cases {
		got, err := ParseT0(tc.in)
		if (err != nil) != tc.wantErr || (err == nil && !got.Equal(tc.want)) {
			t.Errorf("ParseT0(%q) = %v, %v; want %v (error: %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func FuzzParseT0(f *testing.F) {
	for _, s := range []string{"2026-12-01T12:00:00.5Z", "1796126400000000000", "", "1e9", "2026-13-01T00:00:00Z", "0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-23:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		t0, err := ParseT0(s)
		if err != nil {
			return
		}
		back, err := ParseT0(FormatT0(t0))
		if err != nil || !back.Equal(t0) {
			t.Fatalf("ParseT0(%q) = %v, which FormatT0 writes as %q and ParseT0 reads as %v, %v", s, t0, FormatT0(t0), back, err)
		}
	})
}

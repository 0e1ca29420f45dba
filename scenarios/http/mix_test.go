package http

import (
	"math"
	"strings"
	"testing"

	"github.com/latbench/latbench/scenarios"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []MixClass
		wantErr string
	}{
		{name: "two classes", in: "90:/bytes/100,10:/delay/100ms/bytes/100",
			want: []MixClass{{90, "/bytes/100"}, {10, "/delay/100ms/bytes/100"}}},
		{name: "spaces", in: " 1 : /health , 3:/bytes/5 ", want: []MixClass{{1, "/health"}, {3, "/bytes/5"}}},
		{name: "one class", in: "1:/bytes/10", want: []MixClass{{1, "/bytes/10"}}},
		{name: "weight that does not parse", in: "ninety:/bytes/100", wantErr: `weight "ninety"`},
		{name: "fractional weight", in: "0.5:/bytes/100", wantErr: "whole number"},
		{name: "zero weight", in: "0:/bytes/100", wantErr: "whole number"},
		{name: "no weight", in: "/bytes/100", wantErr: "want WEIGHT:PATH"},
		{name: "no path", in: "5:", wantErr: "must start with '/'"},
		{name: "path without slash", in: "5:bytes/1", wantErr: "must start with '/'"},
		{name: "path with a space", in: "5:/a b", wantErr: "visible ASCII"},
		{name: "twice", in: "1:/a,2:/a", wantErr: "twice"},
		{name: "empty", in: "", wantErr: "want WEIGHT:PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMix(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseMix(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("ParseMix(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("class %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestTooManyMixClasses(t *testing.T) {
	var parts []string
	for i := range 17 {
		parts = append(parts, "1:/bytes/"+string(rune('a'+i)))
	}
	if _, err := ParseMix(strings.Join(parts, ",")); err == nil || !strings.Contains(err.Error(), "at most 16") {
		t.Errorf("17 classes: %v, want an error", err)
	}
}

func TestExpectedLength(t *testing.T) {
	tests := []struct {
		path string
		want int64
	}{
		{"/bytes/100", 100},
		{"/delay/100ms/bytes/100", 100},
		{"/delay/2s/bytes/7", 7},
		{"/health", AnyLength},
		{"/bytes/abc", AnyLength},
		{"/bytes/0", AnyLength},
		{"/delay/100ms", AnyLength},
		{"/bytes/99999999999", AnyLength},
	}
	for _, tt := range tests {
		if got := expectedLength(tt.path); got != tt.want {
			t.Errorf("expectedLength(%q) = %d, want %d", tt.path, got, tt.want)
		}
	}
}

// The class of request i is a pure function of i, and the classes come in
// their weights' proportions.
func TestMixDrawsInProportion(t *testing.T) {
	mix, _ := ParseMix("90:/bytes/100,10:/delay/100ms/bytes/100")
	sc, err := New(Options{Mix: mix})
	if err != nil {
		t.Fatal(err)
	}
	m := sc.(scenarios.Mixer)
	if got := m.Classes(); len(got) != 2 || got[0] != "/bytes/100" || got[1] != "/delay/100ms/bytes/100" {
		t.Fatalf("Classes() = %v", got)
	}
	const n = 200_000
	var slow int
	for i := range uint64(n) {
		c := m.Class(i)
		if c != m.Class(i) {
			t.Fatalf("request %d drew class %d, then another", i, c)
		}
		if c == 1 {
			slow++
		}
	}
	// Binomial sd of the share: sqrt(0.1·0.9/n) = 0.07%; 1% is 14 sd.
	if share := float64(slow) / n; math.Abs(share-0.1) > 0.01 {
		t.Errorf("slow class share %.4f, want 0.10", share)
	}
	again, _ := New(Options{Mix: mix})
	for i := range uint64(1000) {
		if again.(scenarios.Mixer).Class(i) != m.Class(i) {
			t.Fatalf("the same mix drew a different class for request %d", i)
		}
	}
}

// Each class sends its own path and checks its own body length.
func TestMixSessions(t *testing.T) {
	mix, _ := ParseMix("3:/bytes/5,1:/delay/1ms/bytes/2")
	sc, err := New(Options{Mix: mix})
	if err != nil {
		t.Fatal(err)
	}
	if d := sc.Describe(); d["mix"] != "3:/bytes/5,1:/delay/1ms/bytes/2" || d["path"] != "" {
		t.Errorf("Describe() = %v", d)
	}
	s := sc.NewSession()
	tests := []struct {
		name  string
		class int
		resp  string
		want  scenarios.ErrorClass
	}{
		{name: "fast class", class: 0, resp: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde", want: scenarios.ErrNone},
		{name: "slow class", class: 1, resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab", want: scenarios.ErrNone},
		{name: "slow class, fast class's length", class: 1, resp: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde", want: scenarios.ErrPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := string(s.Request(tt.class))
			if !strings.HasPrefix(req, "GET "+mix[tt.class].Path+" HTTP/1.1\r\n") {
				t.Errorf("request %q does not ask for %s", req, mix[tt.class].Path)
			}
			if st := s.Consume([]byte(tt.resp)); !st.Done || st.Class != tt.want {
				t.Errorf("status %+v, want done with %v", st, tt.want)
			}
		})
	}
}

func TestMixExcludesPath(t *testing.T) {
	if _, err := New(Options{Mix: []MixClass{{1, "/a"}}, Path: "/b"}); err == nil {
		t.Error("a mix with a path: want an error")
	}
}

func FuzzParseMix(f *testing.F) {
	for _, s := range []string{"90:/bytes/100,10:/delay/100ms/bytes/100", "1:/a", "x:/", ":", ",,", "5:/a,5:/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mix, err := ParseMix(s)
		if err != nil {
			return
		}
		again, err := ParseMix(FormatMix(mix))
		if err != nil || len(again) != len(mix) {
			t.Fatalf("FormatMix(%v) = %q does not parse back: %v", mix, FormatMix(mix), err)
		}
		sc, err := New(Options{Mix: mix})
		if err != nil {
			t.Fatalf("a parsed mix is refused: %v", err)
		}
		for i := range uint64(50) {
			if c := sc.(scenarios.Mixer).Class(i); c < 0 || c >= len(mix) {
				t.Fatalf("class %d of %d", c, len(mix))
			}
		}
	})
}

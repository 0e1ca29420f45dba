package h2

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/net/http2/hpack"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// TestMain checks every test for leaked goroutines: the servers' and
// the fake peers' must be gone when a test ends.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newConn returns a Conn of the h2 scenario built through the public
// API, after Connected.
func newConn(t testing.TB, opts Options) *Conn {
	t.Helper()
	sc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sc.NewConn().(*Conn)
}

func TestNewOptions(t *testing.T) {
	defaults := map[string]string{"path": "/bytes/10000", "size": "10000", "streams": "10", "authority": "localhost",
		"scheme": "http", "stream_window": strconv.Itoa(StreamWindow), "expect_status": "200", "expect_length": "10000"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(defaults)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
				continue
			}
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		opts    Options
		want    map[string]string
		wantErr bool
	}{
		{name: "zero value", opts: Options{}, want: defaults},
		{name: "all set", opts: Options{Size: 64, Streams: 100, Authority: "example.test:8443", Scheme: "https"},
			want: with("path", "/bytes/64", "size", "64", "streams", "100", "authority", "example.test:8443",
				"scheme", "https", "expect_length", "64")},
		{name: "custom path", opts: Options{Path: "/health", Size: 5}, want: with("path", "/health", "size", "", "expect_length", "any")},
		{name: "delay path", opts: Options{Path: "/delay/5ms/bytes/300"}, want: with("path", "/delay/5ms/bytes/300", "size", "", "expect_length", "300")},
		{name: "empty body", opts: Options{Path: "/bytes/0"}, want: with("path", "/bytes/0", "size", "", "expect_length", "0")},
		{name: "one stream", opts: Options{Streams: 1}, want: with("streams", "1")},
		{name: "maximum size", opts: Options{Size: MaxSize}, want: with("path", "/bytes/16777216", "size", "16777216", "expect_length", "16777216")},
		{name: "negative size", opts: Options{Size: -1}, wantErr: true},
		{name: "size above maximum", opts: Options{Size: MaxSize + 1}, wantErr: true},
		{name: "relative path", opts: Options{Path: "health"}, wantErr: true},
		{name: "path with space", opts: Options{Path: "/a b"}, wantErr: true},
		{name: "path too long for a frame", opts: Options{Path: "/" + strings.Repeat("~", MinFrameSize)}, wantErr: true},
		{name: "negative streams", opts: Options{Streams: -1}, wantErr: true},
		{name: "too many streams", opts: Options{Streams: MaxStreams + 1}, wantErr: true},
		{name: "authority with newline", opts: Options{Authority: "a\nb"}, wantErr: true},
		{name: "unknown scheme", opts: Options{Scheme: "ftp"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := New(tt.opts)
			scenariotest.CheckNew(t, sc, err, tt.wantErr, "h2", tt.want)
			if err == nil && (sc.ALPN() != "h2" || strconv.Itoa(sc.Streams()) != tt.want["streams"]) {
				t.Errorf("ALPN() = %q, Streams() = %d, want h2 and %s", sc.ALPN(), sc.Streams(), tt.want["streams"])
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{name: "defaults", opts: Options{},
			want: []string{":method", "GET", ":scheme", "http", ":authority", "localhost", ":path", "/bytes/10000", "user-agent", "latbench"}},
		{name: "https and authority", opts: Options{Path: "/health", Authority: "example.test", Scheme: "https"},
			want: []string{":method", "GET", ":scheme", "https", ":authority", "example.test", ":path", "/health", "user-agent", "latbench"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConn(t, tt.opts)
			// The same decoder decodes both requests: a block that
			// changed its dynamic table would decode differently (or
			// not at all) the second time.
			dec := hpack.NewDecoder(4096, nil)
			for i := range 2 {
				if !c.Start(i, 0) {
					t.Fatal("Start returned false")
				}
				frames := parseOutput(t, c.Output())
				f := frames[len(frames)-1]
				if f.Type != frameHeaders || f.Flags != flagEndHeaders|flagEndStream || f.Stream != uint32(2*i+1) {
					t.Fatalf("request %d: frame type %d flags %#x stream %d, want HEADERS with END_HEADERS|END_STREAM on %d",
						i, f.Type, f.Flags, f.Stream, 2*i+1)
				}
				fields, err := dec.DecodeFull(f.Payload)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, hf := range fields {
					got = append(got, hf.Name, hf.Value)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("request %d: fields %q, want %q", i, got, tt.want)
				}
			}
		})
	}
}

func TestExpectedLength(t *testing.T) {
	tests := []struct {
		path string
		want int64
	}{
		{path: "/bytes/10", want: 10},
		{path: "/bytes/0", want: 0},
		{path: "/delay/10ms/bytes/7", want: 7},
		{path: "/bytes/16777217", want: anyLength},
		{path: "/bytes/-1", want: anyLength},
		{path: "/bytes/+1", want: anyLength},
		{path: "/bytes/", want: anyLength},
		{path: "/bytes/1x", want: anyLength},
		{path: "/health", want: anyLength},
		{path: "/delay/10ms", want: anyLength},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := expectedLength(tt.path); got != tt.want {
				t.Errorf("expectedLength(%q) = %d, want %d", tt.path, got, tt.want)
			}
		})
	}
}

func TestEncodeHeadersErrors(t *testing.T) {
	tests := []struct {
		name   string
		fields []string
	}{
		{name: "odd count", fields: []string{":path"}},
		{name: "upper-case name", fields: []string{"User-Agent", "x"}},
		{name: "empty name", fields: []string{"", "x"}},
		{name: "colon inside name", fields: []string{"a:b", "x"}},
		{name: "newline in value", fields: []string{"a", "x\ny"}},
		{name: "leading space in value", fields: []string{"a", " x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := EncodeHeaders(tt.fields...); err == nil {
				t.Errorf("EncodeHeaders(%q) succeeded, want an error", tt.fields)
			}
		})
	}
}

func TestIDTable(t *testing.T) {
	tests := []struct {
		name  string
		slots int
		ops   []int // positive: put the next id in that slot-1; negative: delete the id of slot -op-1
	}{
		{name: "in order", slots: 4, ops: []int{1, 2, 3, 4, -1, -2, 1, 2, -3, -4, 3, 4}},
		{name: "one slot", slots: 1, ops: []int{1, -1, 1, -1, 1}},
		{name: "wrap around", slots: 3, ops: []int{1, 2, 3, -2, 2, -1, 1, -3, 3, -2, -1, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newIDTable(tt.slots)
			ids := make([]uint32, tt.slots) // the model: slot → id, 0 none
			next := uint32(1)
			for i, op := range tt.ops {
				if op > 0 {
					ids[op-1] = next
					tab.put(next, op-1)
					next += 2
				} else {
					tab.del(ids[-op-1])
					ids[-op-1] = 0
				}
				for id := uint32(1); id < next; id += 2 {
					want := slices.Index(ids, id)
					if got := tab.get(id); got != want {
						t.Fatalf("op %d: get(%d) = %d, want %d", i, id, got, want)
					}
				}
			}
		})
	}
}

// parseOutput returns the frames of what a Conn sent.
func parseOutput(t testing.TB, out []byte) []frameView {
	t.Helper()
	var frames []frameView
	out = []byte(strings.TrimPrefix(string(out), Preface))
	for len(out) > 0 {
		if len(out) < frameHeaderLen {
			t.Fatalf("output ends inside a frame header: % x", out)
		}
		n := int(out[0])<<16 | int(out[1])<<8 | int(out[2])
		if len(out) < frameHeaderLen+n {
			t.Fatalf("output ends inside a frame")
		}
		frames = append(frames, frameView{Type: out[3], Flags: out[4],
			Stream:  uint32(out[5])<<24 | uint32(out[6])<<16 | uint32(out[7])<<8 | uint32(out[8]),
			Payload: out[frameHeaderLen : frameHeaderLen+n]})
		out = out[frameHeaderLen+n:]
	}
	return frames
}

// frameView is one frame of a Conn's output.
type frameView struct {
	Type, Flags uint8
	Stream      uint32
	Payload     []byte
}

// ended collects the request ends a Conn reports.
type ended struct {
	got []endedAt
}

// endedAt is one request end.
type endedAt struct {
	slot int
	st   scenarios.Status
}

// fn returns the callback that records ends.
func (e *ended) fn() func(int, scenarios.Status) {
	return func(s int, st scenarios.Status) { e.got = append(e.got, endedAt{s, st}) }
}

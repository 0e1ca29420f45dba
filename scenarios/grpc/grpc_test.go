package grpc

import (
	"bytes"
	"slices"
	"strconv"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/echo"
	"github.com/latbench/latbench/scenarios/h2"
	"github.com/latbench/latbench/scenarios/h2/h2test"
	"github.com/latbench/latbench/scenarios/scenariotest"
	echov1 "github.com/latbench/latbench/servers/proto/echov1"
)

// TestMain checks every test for leaked goroutines: the gRPC servers'
// and the fake peers' must be gone when a test ends.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newConn returns a Conn of the grpc scenario built through the public
// API, after Connected.
func newConn(t testing.TB, opts Options) *h2.Conn {
	t.Helper()
	sc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sc.NewConn().(*h2.Conn)
}

// settle gives c the server's (empty) SETTINGS, after which it sends
// DATA.
func settle(c *h2.Conn) {
	c.Consume(h2test.AppendSettings(nil), func(int, scenarios.Status) {})
	c.Output()
}

func TestNewOptions(t *testing.T) {
	window := strconv.Itoa(h2.StreamWindow)
	tests := []struct {
		name    string
		opts    Options
		want    map[string]string
		wantErr bool
	}{
		{name: "zero value", opts: Options{}, want: map[string]string{"method": "unary", "path": UnaryPath, "size": "64",
			"streams": "10", "authority": "localhost", "scheme": "http", "stream_window": window}},
		{name: "stream", opts: Options{Method: "stream", Size: 1000, Streams: 1, Authority: "example.test", Scheme: "https"},
			want: map[string]string{"method": "stream", "path": StreamPath, "size": "1000", "streams": "1",
				"authority": "example.test", "scheme": "https", "stream_window": window}},
		{name: "maximum size", opts: Options{Size: MaxSize}, want: map[string]string{"method": "unary", "path": UnaryPath,
			"size": strconv.Itoa(MaxSize), "streams": "10", "authority": "localhost", "scheme": "http", "stream_window": window}},
		{name: "unknown method", opts: Options{Method: "bidi"}, wantErr: true},
		{name: "negative size", opts: Options{Size: -1}, wantErr: true},
		{name: "size above maximum", opts: Options{Size: MaxSize + 1}, wantErr: true},
		{name: "negative streams", opts: Options{Streams: -1}, wantErr: true},
		{name: "too many streams", opts: Options{Streams: h2.MaxStreams + 1}, wantErr: true},
		{name: "authority with space", opts: Options{Authority: "a b"}, wantErr: true},
		{name: "unknown scheme", opts: Options{Scheme: "grpc"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := New(tt.opts)
			scenariotest.CheckNew(t, sc, err, tt.wantErr, "grpc", tt.want)
			if err == nil && (sc.ALPN() != "h2" || strconv.Itoa(sc.Streams()) != tt.want["streams"]) {
				t.Errorf("ALPN() = %q, Streams() = %d", sc.ALPN(), sc.Streams())
			}
		})
	}
}

func TestEncodeMessage(t *testing.T) {
	for _, size := range []int{1, 64, 127, 128, 300, 16383, 16384, 1 << 20} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			payload := echo.Payload(size)
			want, err := proto.Marshal(&echov1.EchoRequest{Payload: payload})
			if err != nil {
				t.Fatal(err)
			}
			got := encodeMessage(payload)
			if got[0] != 0 || int(uint32(got[1])<<24|uint32(got[2])<<16|uint32(got[3])<<8|uint32(got[4])) != len(want) {
				t.Errorf("prefix % x, want 0 and %d", got[:5], len(want))
			}
			if !bytes.Equal(got[5:], want) {
				t.Errorf("message differs from the protobuf library's encoding")
			}
			var reply echov1.EchoReply
			if err := proto.Unmarshal(got[5:], &reply); err != nil || !bytes.Equal(reply.Payload, payload) {
				t.Errorf("the message does not decode as an EchoReply with the payload: %v", err)
			}
		})
	}
}

func TestRequestFrames(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		wantPath   string
		wantEnd    bool // the request's DATA ends the stream
		wantStream []uint32
	}{
		{name: "unary", opts: Options{Size: 10}, wantPath: UnaryPath, wantEnd: true, wantStream: []uint32{1, 3}},
		{name: "stream", opts: Options{Method: "stream", Size: 10}, wantPath: StreamPath, wantStream: []uint32{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConn(t, tt.opts)
			settle(c)
			p := h2test.NewPeer(nil)
			for i, id := range tt.wantStream {
				if !c.Start(0, 0) {
					t.Fatalf("request %d did not start", i)
				}
				frames, err := h2test.ParseFrames(c.Output())
				if err != nil {
					t.Fatal(err)
				}
				wantFrames := 1 // DATA
				if i == 0 || tt.wantEnd {
					wantFrames = 2
					checkHeaders(t, frames[0], tt.wantPath)
				}
				data := frames[len(frames)-1]
				if len(frames) != wantFrames || data.Type != h2test.FrameData || data.Stream != id ||
					(data.Flags&h2test.FlagEndStream != 0) != tt.wantEnd || !bytes.Equal(data.Payload, encodeMessage(echo.Payload(10))) {
					t.Fatalf("request %d: frames %+v, want the message on stream %d", i, frames, id)
				}
				resp := message(id, echo.Payload(10))
				if i == 0 || tt.wantEnd {
					resp = append(respHeaders(p, id), resp...)
				}
				if tt.wantEnd {
					resp = append(resp, trailers(p, id, "0", "")...)
				}
				var e ended
				c.Consume(resp, e.fn())
				if len(e.got) != 1 || e.got[0].st != scenarios.Success {
					t.Fatalf("request %d: ended %+v, want a success", i, e.got)
				}
			}
		})
	}
}

// checkHeaders fails the test unless f is the HEADERS of a call of path.
func checkHeaders(t *testing.T, f h2test.Frame, path string) {
	t.Helper()
	want := []string{":method", "POST", ":scheme", "http", ":authority", "localhost", ":path", path,
		"content-type", "application/grpc", "te", "trailers", "user-agent", "latbench"}
	if f.Type != h2test.FrameHeaders || f.Flags != h2test.FlagEndHeaders || !slices.Equal(f.Fields, want) {
		t.Errorf("HEADERS %+v, want %q", f, want)
	}
}

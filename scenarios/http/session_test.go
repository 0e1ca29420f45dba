package http

import (
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newSession returns a session of the http scenario built through the
// public API.
func newSession(t testing.TB, opts Options) *session {
	t.Helper()
	sc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sc.NewSession().(*session)
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		want    map[string]string
		wantErr bool
	}{
		{name: "zero value", opts: Options{}, want: map[string]string{
			"path": "/bytes/10000", "size": "10000", "keepalive": "true", "reconnect_every": "0",
			"expect_status": "200", "expect_length": "10000"}},
		{name: "all set", opts: Options{Size: 64, NoKeepAlive: true, ReconnectEvery: 50, Host: "example.test", ExpectStatus: 204, ExpectLength: -1},
			want: map[string]string{"path": "/bytes/64", "size": "64", "keepalive": "false", "reconnect_every": "50",
				"host": "example.test", "expect_status": "204", "expect_length": "any"}},
		{name: "custom path", opts: Options{Path: "/health", Size: 5}, want: map[string]string{
			"path": "/health", "keepalive": "true", "reconnect_every": "0", "expect_status": "200", "expect_length": "any"}},
		{name: "custom path with length", opts: Options{Path: "/health", ExpectLength: 2}, want: map[string]string{
			"path": "/health", "keepalive": "true", "reconnect_every": "0", "expect_status": "200", "expect_length": "2"}},
		{name: "negative size", opts: Options{Size: -1}, wantErr: true},
		{name: "size above maximum", opts: Options{Size: MaxSize + 1}, wantErr: true},
		{name: "relative path", opts: Options{Path: "health"}, wantErr: true},
		{name: "path with space", opts: Options{Path: "/a b"}, wantErr: true},
		{name: "path with newline", opts: Options{Path: "/a\r\nX: y"}, wantErr: true},
		{name: "host with newline", opts: Options{Host: "a\nb"}, wantErr: true},
		{name: "negative reconnect", opts: Options{ReconnectEvery: -1}, wantErr: true},
		{name: "status too small", opts: Options{ExpectStatus: 99}, wantErr: true},
		{name: "status too large", opts: Options{ExpectStatus: 1000}, wantErr: true},
		{name: "length below -1", opts: Options{ExpectLength: -2}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := New(tt.opts)
			scenariotest.CheckNew(t, sc, err, tt.wantErr, "http", tt.want)
		})
	}
}

func TestRequestBytes(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{name: "default host", opts: Options{Size: 64},
			want: "GET /bytes/64 HTTP/1.1\r\nHost: latbench\r\nUser-Agent: latbench\r\n\r\n"},
		{name: "host and no keep-alive", opts: Options{Path: "/health", Host: "h.test", NoKeepAlive: true},
			want: "GET /health HTTP/1.1\r\nHost: h.test\r\nUser-Agent: latbench\r\nConnection: close\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t, tt.opts)
			for i := 0; i < 2; i++ {
				if got := s.Request(0); string(got) != tt.want {
					t.Errorf("request %d = %q, want %q", i, got, tt.want)
				}
			}
		})
	}
}

func TestExpectations(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		reads   []string // the response as it arrives; Closed follows if it is not done
		want    scenarios.Status
		wantErr string // in Err(); empty: Err() is nil
	}{
		{name: "as expected", opts: Options{Size: 5}, reads: []string{lengthResponse(5)}, want: scenarios.Success},
		{name: "status mismatch", opts: Options{Size: 5},
			reads: []string{"HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!"},
			want:  scenarios.Failure(scenarios.ErrStatus), wantErr: "http: status 403, expected 200"},
		{name: "status mismatch known at the head", opts: Options{Size: 5},
			reads: []string{"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000\r\n\r\n"},
			want:  scenarios.Failure(scenarios.ErrStatus), wantErr: "status 503"},
		{name: "expected status other than 200", opts: Options{Path: "/", ExpectStatus: 204},
			reads: []string{"HTTP/1.1 204 No Content\r\n\r\n"}, want: scenarios.Success},
		{name: "interim status is not the final one", opts: Options{Path: "/", ExpectStatus: 100},
			reads: []string{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
			want:  scenarios.Failure(scenarios.ErrStatus), wantErr: "status 200, expected 100"},
		{name: "content length too short", opts: Options{Size: 10000},
			reads: []string{"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"},
			want:  scenarios.Failure(scenarios.ErrPayload), wantErr: "http: body of 12 bytes, expected 10000"},
		{name: "content length too long", opts: Options{Size: 10},
			reads: []string{"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"},
			want:  scenarios.Failure(scenarios.ErrPayload), wantErr: "http: body of 11 bytes, expected 10"},
		{name: "chunked too short", opts: Options{Size: 10},
			reads: []string{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
			want:  scenarios.Failure(scenarios.ErrPayload), wantErr: "http: body of 3 bytes, expected 10"},
		{name: "chunked too long, known at a chunk size", opts: Options{Size: 10},
			reads: []string{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n"},
			want:  scenarios.Failure(scenarios.ErrPayload), wantErr: "http: body of at least 12 bytes, expected 10"},
		{name: "body to the end too short", opts: Options{Size: 10},
			reads: []string{"HTTP/1.1 200 OK\r\n\r\n", "abc"},
			want:  scenarios.Failure(scenarios.ErrPayload), wantErr: "http: body of 3 bytes, expected 10"},
		{name: "body to the end too long", opts: Options{Size: 2},
			reads: []string{"HTTP/1.1 200 OK\r\n\r\n", "abc"},
			want:  scenarios.Failure(scenarios.ErrPayload), wantErr: "at least 3 bytes, expected 2"},
		{name: "any length", opts: Options{Path: "/", ExpectLength: AnyLength},
			reads: []string{lengthResponse(7)}, want: scenarios.Success},
		{name: "malformed", opts: Options{}, reads: []string{"SSH-2.0-OpenSSH\r\n"},
			want: scenarios.Failure(scenarios.ErrOther), wantErr: errStatusLine.Msg},
		{name: "cut short", opts: Options{Size: 10}, reads: []string{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"},
			want: scenarios.Failure(scenarios.ErrShortRead), wantErr: scenarios.ErrShortResponse.Msg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t, tt.opts)
			var reads [][]byte
			for _, r := range tt.reads {
				reads = append(reads, []byte(r))
			}
			if got := scenariotest.FeedCopies(s, reads); got != tt.want {
				t.Fatalf("status = %+v (%v), want %+v", got, s.Err(), tt.want)
			}
			err := s.Err()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Err() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Err() = %v, want it to contain %q", err, tt.wantErr)
			case err != nil && err.(*scenarios.RequestError).Class != tt.want.Class:
				t.Errorf("Err() has class %v, want %v", err.(*scenarios.RequestError).Class, tt.want.Class)
			}
		})
	}
}

func TestErrNilAfterSuccess(t *testing.T) {
	s := newSession(t, Options{Size: 5})
	bad := [][]byte{[]byte("HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope!")}
	if got := scenariotest.Feed(s, bad); got.Class != scenarios.ErrStatus || s.Err() == nil {
		t.Fatalf("404: status %+v, Err() %v; want a status failure", got, s.Err())
	}
	s.Connected()
	if got := scenariotest.Feed(s, [][]byte{[]byte(lengthResponse(5))}); got != scenarios.Success {
		t.Fatalf("200: status %+v (%v), want success", got, s.Err())
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err() after a success = %v, want nil", err)
	}
}

func TestKeepOpen(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		resp string
		want []bool // KeepOpen after each of consecutive requests; Connected follows a false
	}{
		{name: "keep-alive", opts: Options{Size: 2}, resp: lengthResponse(2),
			want: []bool{true, true, true}},
		{name: "keep-alive chunked", opts: Options{Size: 2000}, resp: chunkedResponse(2000, 300),
			want: []bool{true, true}},
		{name: "no keep-alive", opts: Options{Size: 2, NoKeepAlive: true}, resp: lengthResponse(2),
			want: []bool{false, false}},
		{name: "reconnect every 3", opts: Options{Size: 2, ReconnectEvery: 3}, resp: lengthResponse(2),
			want: []bool{true, true, false, true, true, false, true}},
		{name: "reconnect every 1", opts: Options{Size: 2, ReconnectEvery: 1}, resp: lengthResponse(2),
			want: []bool{false, false}},
		{name: "connection close", opts: Options{Size: 2},
			resp: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", want: []bool{false, false}},
		{name: "http 1.0", opts: Options{Size: 2},
			resp: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", want: []bool{false}},
		{name: "http 1.0 keep-alive", opts: Options{Size: 2},
			resp: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", want: []bool{true, true}},
		{name: "body to the end", opts: Options{Size: 2},
			resp: "HTTP/1.1 200 OK\r\n\r\nok", want: []bool{false}},
		{name: "bytes beyond the response", opts: Options{Size: 2},
			resp: lengthResponse(2) + "HTTP/1.1", want: []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t, tt.opts)
			s.Connected()
			reads := [][]byte{[]byte(tt.resp)}
			for i, want := range tt.want {
				if got := scenariotest.Feed(s, reads); got != scenarios.Success {
					t.Fatalf("request %d: status %+v (%v), want success", i, got, s.Err())
				}
				if got := s.KeepOpen(); got != want {
					t.Errorf("request %d: KeepOpen() = %v, want %v", i, got, want)
				}
				if !s.KeepOpen() {
					s.Connected()
				}
			}
		})
	}
}

func TestKeepOpenWhenTheNextResponseWaits(t *testing.T) {
	s := newSession(t, Options{Size: 2})
	s.Connected()
	resp := []byte(lengthResponse(2))
	for _, reads := range [][][]byte{{resp}, {resp[:10], resp[10:]}, scenariotest.Split(resp, 1)} {
		if got := scenariotest.Feed(s, append(reads, []byte("HTTP/1.1"))); got != scenarios.Success || !s.KeepOpen() {
			t.Errorf("status %+v, KeepOpen() %v; want success and true: the bytes beyond came in a read of their own",
				got, s.KeepOpen())
		}
	}
}

// allocCases are the canned responses allocation tests and benchmarks use.
var allocCases = []struct {
	name string
	opts Options
	resp string
}{
	{name: "length-2", opts: Options{Path: "/health", ExpectLength: 2}, resp: lengthResponse(2)},
	{name: "length-10000", opts: Options{}, resp: lengthResponse(10000)},
	{name: "length-1MiB", opts: Options{Size: 1 << 20}, resp: lengthResponse(1 << 20)},
	{name: "chunked-10000", opts: Options{}, resp: chunkedResponse(10000, 1000)},
	{name: "reconnect-every-3", opts: Options{ReconnectEvery: 3}, resp: lengthResponse(10000)},
	{name: "no-keep-alive", opts: Options{NoKeepAlive: true}, resp: lengthResponse(10000)},
}

func TestConsumeDoesNotAllocate(t *testing.T) {
	for _, tt := range allocCases {
		for _, readSize := range []int{0, 1000, 64 << 10} {
			t.Run(tt.name+"/reads of "+strconv.Itoa(readSize), func(t *testing.T) {
				s := newSession(t, tt.opts)
				scenariotest.CheckZeroAllocs(t, s, scenariotest.Split([]byte(tt.resp), readSize))
			})
		}
	}
}

func BenchmarkConsume(b *testing.B) {
	for _, tt := range allocCases[:4] {
		b.Run(tt.name, func(b *testing.B) {
			s := newSession(b, tt.opts)
			resp := []byte(tt.resp)
			b.SetBytes(int64(len(resp)))
			b.ReportAllocs()
			for b.Loop() {
				s.Request(0)
				if st := s.Consume(resp); st != scenarios.Success {
					b.Fatal(st, s.Err())
				}
			}
		})
	}
}

package echo

import (
	"strconv"
	"testing"

	"go.uber.org/goleak"

	"github.com/latbench/latbench/scenarios/scenariotest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		wantSize string
		wantErr  bool
	}{
		{name: "zero value means default", opts: Options{}, wantSize: "64"},
		{name: "one byte", opts: Options{Size: 1}, wantSize: "1"},
		{name: "maximum", opts: Options{Size: MaxSize}, wantSize: strconv.Itoa(MaxSize)},
		{name: "negative", opts: Options{Size: -1}, wantErr: true},
		{name: "above maximum", opts: Options{Size: MaxSize + 1}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := New(tt.opts)
			scenariotest.CheckNew(t, sc, err, tt.wantErr, "echo", map[string]string{"size": tt.wantSize})
		})
	}
}

func TestPayload(t *testing.T) {
	p := Payload(30)
	if got, want := string(p), "abcdefghijklmnopqrstuvwxyzabcd"; got != want {
		t.Errorf("Payload(30) = %q, want %q", got, want)
	}
}

func TestRequestIsThePayload(t *testing.T) {
	s := newSession(t, 100)
	if got := s.Request(0); string(got) != string(Payload(100)) {
		t.Errorf("Request() = %q, want the payload", got)
	}
}

package scenarios

import (
	"slices"
	"testing"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		name      string
		status    Status
		wantDone  bool
		wantClass ErrorClass
	}{
		{name: "in progress", status: InProgress, wantDone: false, wantClass: ErrNone},
		{name: "success", status: Success, wantDone: true, wantClass: ErrNone},
		{name: "failure", status: Failure(ErrStatus), wantDone: true, wantClass: ErrStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.status.Done != tt.wantDone || tt.status.Class != tt.wantClass {
				t.Errorf("status = %+v, want done %v, class %v", tt.status, tt.wantDone, tt.wantClass)
			}
		})
	}
}

func TestErrorClassNames(t *testing.T) {
	want := []string{"connect", "tls", "timeout", "reset", "short_read", "payload_mismatch", "bad_status", "other"}
	if got := ErrorClassNames(); !slices.Equal(got, want) {
		t.Errorf("ErrorClassNames() = %v, want %v", got, want)
	}
	if got := NumErrorClasses.String(); got != "class(9)" {
		t.Errorf("an unknown class is %q, want class(9)", got)
	}
}

package scenariotest

import (
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// CheckZeroAllocs fails the test unless c makes requests without
// allocating once its connection is open: one request warms it up, then
// 100 more are counted.
func CheckZeroAllocs(t *testing.T, c scenarios.Client) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	if err := c.Do(deadline); err != nil {
		t.Fatal(err)
	}
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		if e := c.Do(deadline); e != nil {
			err = e
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("Do allocates %v times per request, want 0", allocs)
	}
}

// Deadline returns a generous deadline for one request in a test on a
// loaded machine.
func Deadline() time.Time { return time.Now().Add(10 * time.Second) }

// CheckNew checks what a scenario constructor returned: an error exactly
// when wantErr, and otherwise a scenario called name that describes itself
// as want.
func CheckNew(t *testing.T, sc scenarios.Scenario, err error, wantErr bool, name string, want map[string]string) {
	t.Helper()
	switch {
	case wantErr && err == nil:
		t.Fatalf("New returned a %s scenario (%v), want an error", name, sc.Describe())
	case wantErr:
		return
	case err != nil:
		t.Fatal(err)
	}
	CheckDescribe(t, sc, name, want)
}

// CheckDescribe fails the test unless sc is called name and describes
// itself exactly as want.
func CheckDescribe(t *testing.T, sc scenarios.Scenario, name string, want map[string]string) {
	t.Helper()
	if sc.Name() != name {
		t.Errorf("Name() = %q, want %s", sc.Name(), name)
	}
	got := sc.Describe()
	if len(got) != len(want) {
		t.Errorf("Describe() = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Describe()[%q] = %q, want %q", k, got[k], v)
		}
	}
}

package bench

import (
	"slices"
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios/suite"
)

func TestPlanSuite(t *testing.T) {
	s, err := suite.Parse("t.yaml", "t", []byte(`targets: [a, b]
defaults: {duration: 3s, connections: 4}
scenarios:
  - scenario: echo
  - scenario: http
    loads: [{name: slow, rate: 10, connections: 1, timer: spin}]
loads:
  - {name: fixed, rate: 1000}
  - {name: max, rate: max}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := PlanSuite(s)
	var ids []string
	for _, c := range p.Cells {
		ids = append(ids, c.ID)
	}
	want := []string{
		"a-echo-fixed-1000rps-c4", "b-echo-fixed-1000rps-c4",
		"a-echo-max-max-c4", "b-echo-max-max-c4",
		"a-http-slow-10rps-c1", "b-http-slow-10rps-c1",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("cell IDs\n got %q\nwant %q", ids, want)
	}
	tests := []struct {
		name string
		cell int
		want LoadSpec
	}{
		{name: "suite defaults over latbench's", cell: 0, want: LoadSpec{Name: "fixed", Rate: 1000, Connections: 4,
			Warmup: DefaultWarmup, Duration: 3 * time.Second, Timeout: DefaultTimeout, Arrival: "uniform", Timer: "hybrid"}},
		{name: "max is rate 0", cell: 2, want: LoadSpec{Name: "max", Connections: 4,
			Warmup: DefaultWarmup, Duration: 3 * time.Second, Timeout: DefaultTimeout, Arrival: "uniform", Timer: "hybrid"}},
		{name: "scenario loads override", cell: 4, want: LoadSpec{Name: "slow", Rate: 10, Connections: 1,
			Warmup: DefaultWarmup, Duration: 3 * time.Second, Timeout: DefaultTimeout, Arrival: "uniform", Timer: "spin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Cells[tt.cell].Load; got != tt.want {
				t.Errorf("load\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestNewPlanUniqueIDs(t *testing.T) {
	p := NewPlan("x", []CellSpec{echoCell(5), echoCell(5), echoCell(5)})
	want := []string{"ext-echo-5rps-c2", "ext-echo-5rps-c2-2", "ext-echo-5rps-c2-3"}
	for i, c := range p.Cells {
		if c.ID != want[i] {
			t.Errorf("cell %d ID %q, want %q", i, c.ID, want[i])
		}
	}
}

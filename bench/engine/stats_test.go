package engine

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// Merge combines every field of Counts: a counter added to the record
// and forgotten in Merge fails here. Each field of a is 1 (or 1 ns, or
// one sample) and of b 2: a sum gives 3, a maximum 2, the first sample
// a's.
func TestMergeCoversEveryField(t *testing.T) {
	var a, b Counts
	fill(t, reflect.ValueOf(&a).Elem(), 1)
	fill(t, reflect.ValueOf(&b).Elem(), 2)
	a.Merge(&b)
	maxed := map[string]bool{"Measured": true, "LoopBusyPct": true}
	v := reflect.ValueOf(a)
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		want := int64(3)
		if maxed[name] {
			want = 2
		}
		switch f.Kind() {
		case reflect.Int64:
			if f.Int() != want {
				t.Errorf("%s = %d after Merge, want %d", name, f.Int(), want)
			}
		case reflect.Float64:
			if f.Float() != float64(want) {
				t.Errorf("%s = %g after Merge, want %d", name, f.Float(), want)
			}
		case reflect.Array:
			for j := range f.Len() {
				if f.Index(j).Int() != 3 {
					t.Errorf("%s[%d] = %d after Merge, want 3", name, j, f.Index(j).Int())
				}
			}
		case reflect.Map:
			if got := f.MapIndex(reflect.ValueOf("timeout")).String(); got != "1" {
				t.Errorf("%s keeps %q, want the first part's sample", name, got)
			}
		default:
			t.Errorf("%s: a %v field Merge does not know how to test; add it here", name, f.Kind())
		}
	}
}

// fill sets every field of v to n.
func fill(t *testing.T, v reflect.Value, n int64) {
	t.Helper()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int64:
			f.SetInt(n)
		case reflect.Float64:
			f.SetFloat(float64(n))
		case reflect.Array:
			for j := range f.Len() {
				f.Index(j).SetInt(n)
			}
		case reflect.Map:
			f.Set(reflect.ValueOf(map[string]string{"timeout": strings.Repeat("1", int(n))}))
		}
	}
}

func TestErrorCountsJSON(t *testing.T) {
	e := ErrorCounts{scenarios.ErrTimeout: 3, scenarios.ErrReset: 1}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"timeout":3`, `"reset":1`, `"connect":0`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), "none") {
		t.Errorf("%s names the class none", b)
	}
	var back ErrorCounts
	if err := json.Unmarshal(b, &back); err != nil || back != e {
		t.Errorf("read back %v, %v; want %v", back, err, e)
	}
	if err := json.Unmarshal([]byte(`{"refused": 3}`), &back); err == nil {
		t.Error("an unknown class read without an error")
	}
	if e.Total() != 4 || e.Of("timeout") != 3 || e.Of("nope") != 0 || len(e.NonZero()) != 2 {
		t.Errorf("Total %d, Of(timeout) %d, NonZero %v", e.Total(), e.Of("timeout"), e.NonZero())
	}
}

func TestCountsRates(t *testing.T) {
	c := Counts{WindowCompleted: 500, Measured: 2 * time.Second, ClientCPU: time.Second}
	if c.AchievedRPS() != 250 || c.ClientCPUPercent() != 50 {
		t.Errorf("rps %g, cpu %g%%; want 250 and 50", c.AchievedRPS(), c.ClientCPUPercent())
	}
	if (&Counts{}).AchievedRPS() != 0 {
		t.Error("an empty window has no rate")
	}
}

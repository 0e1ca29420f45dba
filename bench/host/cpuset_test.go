package host

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestParseCPUSet(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []int
		wantErr string // substring of the error; "" means success
	}{
		{name: "single", in: "0", want: []int{0}},
		{name: "range and single", in: "0-1,3", want: []int{0, 1, 3}},
		{name: "spaces", in: " 2 , 0-1 ", want: []int{0, 1, 2}},
		{name: "unsorted with duplicates", in: "3,1,1-2", want: []int{1, 2, 3}},
		{name: "one element range", in: "5-5", want: []int{5}},
		{name: "highest CPU", in: "1023", want: []int{1023}},
		{name: "empty", in: "", wantErr: "empty cpuset"},
		{name: "blank", in: "   ", wantErr: "empty cpuset"},
		{name: "letter", in: "a", wantErr: `"a" is not a CPU number`},
		{name: "reversed", in: "3-1", wantErr: "reversed; write 1-3"},
		{name: "too high", in: "1024", wantErr: "out of range (0-1023)"},
		{name: "huge", in: "99999999999999999999999999", wantErr: "out of range"},
		{name: "huge range end", in: "0-4294967296", wantErr: "out of range"},
		{name: "negative", in: "-1", wantErr: "missing CPU number"},
		{name: "open range", in: "0-", wantErr: "missing CPU number"},
		{name: "empty element", in: "1,,2", wantErr: "missing CPU number"},
		{name: "trailing comma", in: "1,", wantErr: "missing CPU number"},
		{name: "double range", in: "0-1-2", wantErr: "not a CPU number"},
		{name: "plus sign", in: "+1", wantErr: "not a CPU number"},
		{name: "fraction", in: "1.5", wantErr: "not a CPU number"},
		{name: "hex", in: "0x1", wantErr: "not a CPU number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCPUSet(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseCPUSet(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParseCPUSet(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseCPUSetFullRange(t *testing.T) {
	got, err := ParseCPUSet("0-1023")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != maxCPUs || got[0] != 0 || got[len(got)-1] != maxCPUs-1 {
		t.Fatalf("ParseCPUSet(0-1023) has %d CPUs from %d to %d; want 1024 from 0 to 1023", len(got), got[0], got[len(got)-1])
	}
}

func TestFormatCPUSet(t *testing.T) {
	tests := []struct {
		name string
		in   []int
		want string
	}{
		{name: "nil", in: nil, want: ""},
		{name: "single", in: []int{5}, want: "5"},
		{name: "range", in: []int{0, 1, 2}, want: "0-2"},
		{name: "pair is a range", in: []int{3, 4}, want: "3-4"},
		{name: "gaps", in: []int{0, 2, 4}, want: "0,2,4"},
		{name: "unsorted duplicates", in: []int{7, 3, 1, 2, 2}, want: "1-3,7"},
		{name: "two ranges", in: []int{0, 1, 2, 5, 6, 7}, want: "0-2,5-7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			if got := FormatCPUSet(tt.in); got != tt.want {
				t.Errorf("FormatCPUSet(%v) = %q, want %q", tt.in, got, tt.want)
			}
			if !slices.Equal(in, tt.in) {
				t.Errorf("FormatCPUSet changed its argument from %v to %v", in, tt.in)
			}
		})
	}
}

func TestCPUSetRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		canonical string
	}{
		{name: "single", canonical: "0"},
		{name: "range", canonical: "0-3"},
		{name: "mixed", canonical: "0-1,3"},
		{name: "many", canonical: "0,2,4-7,9,100-102,1023"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cpus, err := ParseCPUSet(tt.canonical)
			if err != nil {
				t.Fatal(err)
			}
			if got := FormatCPUSet(cpus); got != tt.canonical {
				t.Errorf("FormatCPUSet(ParseCPUSet(%q)) = %q", tt.canonical, got)
			}
			again, err := ParseCPUSet(FormatCPUSet(cpus))
			if err != nil || !slices.Equal(again, cpus) {
				t.Errorf("ParseCPUSet(FormatCPUSet(%v)) = %v, %v", cpus, again, err)
			}
		})
	}
}

func TestDefaultCPUs(t *testing.T) {
	tests := []struct {
		name       string
		allowed    []int
		wantClient string
		wantTarget string
		wantShared bool
	}{
		{name: "none", allowed: nil},
		{name: "one", allowed: []int{3}, wantClient: "3", wantTarget: "3", wantShared: true},
		{name: "one listed twice", allowed: []int{1, 1}, wantClient: "1", wantTarget: "1", wantShared: true},
		{name: "two", allowed: []int{0, 1}, wantClient: "0", wantTarget: "1"},
		{name: "three", allowed: []int{0, 1, 2}, wantClient: "0", wantTarget: "1-2"},
		{name: "four", allowed: []int{0, 1, 2, 3}, wantClient: "0-1", wantTarget: "2-3"},
		{name: "four unsorted", allowed: []int{6, 2, 4, 0}, wantClient: "0,2", wantTarget: "4,6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, target, shared := DefaultCPUs(tt.allowed)
			if client != tt.wantClient || target != tt.wantTarget || shared != tt.wantShared {
				t.Errorf("DefaultCPUs(%v) = %q, %q, %v; want %q, %q, %v",
					tt.allowed, client, target, shared, tt.wantClient, tt.wantTarget, tt.wantShared)
			}
		})
	}
}

func TestWidenPinned(t *testing.T) {
	tests := []struct {
		name    string
		cur     []int
		pinned  string
		allowed string
		want    []int
	}{
		{name: "not re-executed", cur: []int{1}, pinned: "", allowed: "0-3", want: []int{1}},
		{name: "re-executed onto cur", cur: []int{1}, pinned: "1", allowed: "0-3", want: []int{0, 1, 2, 3}},
		{name: "affinity changed since", cur: []int{2}, pinned: "1", allowed: "0-3", want: []int{2}},
		{name: "bad recorded set", cur: []int{1}, pinned: "1", allowed: "x", want: []int{1}},
		{name: "recorded set too narrow", cur: []int{1, 2}, pinned: "1-2", allowed: "0-1", want: []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := widenPinned(tt.cur, tt.pinned, tt.allowed); !slices.Equal(got, tt.want) {
				t.Errorf("widenPinned(%v, %q, %q) = %v, want %v", tt.cur, tt.pinned, tt.allowed, got, tt.want)
			}
		})
	}
}

func TestWithoutEnv(t *testing.T) {
	env := []string{"A=1", EnvPinned + "=0", "B=x=y", EnvAllowedCPUs + "=0-1", "LATBENCH_PINNED_X=2"}
	got := withoutEnv(env, EnvPinned, EnvAllowedCPUs)
	want := []string{"A=1", "B=x=y", "LATBENCH_PINNED_X=2"}
	if !slices.Equal(got, want) {
		t.Errorf("withoutEnv = %v, want %v", got, want)
	}
}

func TestAllowedCPUs(t *testing.T) {
	t.Setenv(EnvPinned, "")
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) == 0 || !slices.IsSorted(cpus) {
		t.Fatalf("AllowedCPUs() = %v; want a sorted, non-empty list", cpus)
	}
}

func TestPinnedCommand(t *testing.T) {
	t.Setenv(EnvPinned, "")
	allowed, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	first := FormatCPUSet(allowed[:1])
	argv := []string{"server", "--mode", "echo"}

	t.Run("no cpus", func(t *testing.T) {
		got, err := PinnedCommand("", argv)
		if err != nil || !slices.Equal(got, argv) {
			t.Fatalf("PinnedCommand(\"\") = %v, %v; want %v unchanged", got, err, argv)
		}
	})
	t.Run("pinned", func(t *testing.T) {
		taskset, err := exec.LookPath("taskset")
		if err != nil {
			t.Skip("taskset not installed")
		}
		got, err := PinnedCommand(" "+first+" ", argv)
		if err != nil {
			t.Fatal(err)
		}
		want := append([]string{taskset, "-c", first}, argv...)
		if !slices.Equal(got, want) {
			t.Fatalf("PinnedCommand(%q) = %v, want %v", first, got, want)
		}
	})
	errTests := []struct {
		name    string
		cpus    string
		wantErr string
	}{
		{name: "outside allowed", cpus: "1023", wantErr: "outside the CPUs this process may use"},
		{name: "malformed", cpus: "x", wantErr: "not a CPU number"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cpus == "1023" && slices.Contains(allowed, 1023) {
				t.Skip("CPU 1023 is allowed here")
			}
			got, err := PinnedCommand(tt.cpus, argv)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("PinnedCommand(%q) = %v, %v; want error containing %q", tt.cpus, got, err, tt.wantErr)
			}
		})
	}
}

func TestPinSelfNoop(t *testing.T) {
	t.Setenv(EnvPinned, "")
	cur, err := currentAffinity()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cpus string
	}{
		{name: "empty", cpus: ""},
		{name: "current affinity", cpus: FormatCPUSet(cur)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reexec, err := PinSelf(tt.cpus)
			if reexec || err != nil {
				t.Fatalf("PinSelf(%q) = %v, %v; want false, nil", tt.cpus, reexec, err)
			}
		})
	}
	t.Run("outside allowed", func(t *testing.T) {
		if slices.Contains(cur, 1023) {
			t.Skip("CPU 1023 is allowed here")
		}
		if reexec, err := PinSelf("1023"); reexec || err == nil {
			t.Fatalf("PinSelf(1023) = %v, %v; want false and an error", reexec, err)
		}
	})
}

package plot

import (
	"image/color"
	"slices"
	"testing"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot/plottest"
)

func TestPalette(t *testing.T) {
	run := plottest.Run(t)
	pal := palette(run.Cells)
	tests := []struct {
		name   string
		target string
		want   color.Color
	}{
		{name: "go is blue", target: "go", want: rgb(0x0072b2)},
		{name: "rust is orange", target: "rust", want: rgb(0xe69f00)},
		{name: "java is vermillion", target: "java", want: rgb(0xd55e00)},
		{name: "python is green", target: "python", want: rgb(0x009e73)},
		{name: "nginx is grey", target: "nginx", want: greys()[0]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pal.of(tt.target).Color; got != tt.want {
				t.Errorf("%s is %v, want %v", tt.target, got, tt.want)
			}
		})
	}
}

func TestPaletteIsStableAndDistinct(t *testing.T) {
	cells := []results.Cell{
		{Target: "go"}, {Target: "go-tcp-proxy"}, {Target: "rust-http-tunnel"}, {Target: "haproxy"},
		{Target: "nginx"}, {Target: "socat"}, {Target: "python-pproxy"}, {Target: "java-netcrusher"},
		{Target: "backend", Baseline: true},
	}
	want := palette(cells)
	reversed := slices.Clone(cells)
	slices.Reverse(reversed)
	got := palette(reversed)
	seen := map[color.Color]string{}
	for target, st := range want {
		if got[target] != st {
			t.Errorf("%s: style depends on cell order: %v vs %v", target, got[target], st)
		}
		if other, dup := seen[st.Color]; dup {
			t.Errorf("%s and %s share colour %v", target, other, st.Color)
		}
		seen[st.Color] = target
	}
	if want["go"].Color != rgb(0x0072b2) || want["go-tcp-proxy"].Color == rgb(0x0072b2) {
		t.Errorf("go and go-tcp-proxy: %v, %v; want go blue and go-tcp-proxy another colour", want["go"].Color, want["go-tcp-proxy"].Color)
	}
	if want["rust-http-tunnel"].Color != rgb(0xe69f00) {
		t.Errorf("rust-http-tunnel is %v, want Rust orange", want["rust-http-tunnel"].Color)
	}
	for _, grey := range []string{"haproxy", "nginx", "backend"} {
		if !slices.Contains(greys(), want[grey].Color.(color.RGBA)) {
			t.Errorf("%s is %v, want a grey", grey, want[grey].Color)
		}
	}
	if st := want.of("unknown"); st.Color != color.Black {
		t.Errorf("an unknown target is %v, want black", st.Color)
	}
}

package plot

import (
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg/draw"

	"github.com/latbench/latbench/results"
)

// targetStyle is how one target is drawn in every chart of a run.
type targetStyle struct {
	Color color.Color
	Shape draw.GlyphDrawer
}

// styles maps target names to their styles, for one run.
type styles map[string]targetStyle

// of returns the style of target; an unknown target is drawn black.
func (s styles) of(target string) targetStyle {
	if st, ok := s[target]; ok {
		return st
	}
	return targetStyle{Color: color.Black, Shape: draw.CircleGlyph{}}
}

// rgb returns an opaque colour from a 0xRRGGBB value.
func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// languageColors returns the colour each reference language is drawn in,
// so that Go is blue and Rust orange in every run.
func languageColors() map[string]color.RGBA {
	return map[string]color.RGBA{
		"go":     rgb(0x0072b2), // blue
		"golang": rgb(0x0072b2),
		"rust":   rgb(0xe69f00), // orange
		"java":   rgb(0xd55e00), // vermillion
		"python": rgb(0x009e73), // bluish green
	}
}

// otherColors returns the colours, in order, of targets that are neither
// a reference language nor a C baseline.
func otherColors() []color.RGBA {
	return []color.RGBA{
		rgb(0x56b4e9), // sky blue
		rgb(0xcc79a7), // reddish purple
		rgb(0x9467bd), // purple
		rgb(0x8c564b), // brown
		rgb(0xbcbd22), // olive
		rgb(0x17becf), // teal
		rgb(0xe377c2), // pink
	}
}

// greys returns the colours of the C baselines (nginx, HAProxy) and of
// targets that only ran as a baseline.
func greys() []color.RGBA {
	return []color.RGBA{rgb(0x4d4d4d), rgb(0x8c8c8c), rgb(0xb3b3b3)}
}

// shapes returns the marker shapes, assigned in sorted target order.
func shapes() []draw.GlyphDrawer {
	return []draw.GlyphDrawer{
		draw.CircleGlyph{}, draw.BoxGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{},
		draw.RingGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{}, draw.PlusGlyph{},
	}
}

// palette assigns every target of the run a colour and a marker shape,
// visiting targets in sorted order so that the same run always gets the
// same palette: reference languages get their own colour (Go blue, Rust
// orange, Java vermillion, Python green) when no earlier target took it,
// nginx, HAProxy and baseline-only targets get greys, and the rest the
// remaining colours in turn.
func palette(cells []results.Cell) styles {
	baselineOnly := map[string]bool{}
	for i := range cells {
		c := &cells[i]
		if _, seen := baselineOnly[c.Target]; !seen {
			baselineOnly[c.Target] = true
		}
		baselineOnly[c.Target] = baselineOnly[c.Target] && c.Baseline
	}
	targets := make([]string, 0, len(baselineOnly))
	for t := range baselineOnly {
		targets = append(targets, t)
	}
	slices.Sort(targets)

	langs, others, grey, marks := languageColors(), otherColors(), greys(), shapes()
	taken := map[color.RGBA]bool{}
	nextOther, nextGrey := 0, 0
	out := styles{}
	for i, t := range targets {
		var col color.RGBA
		lang, known := langs[language(t)]
		switch {
		case isCBaseline(t) || baselineOnly[t]:
			col = grey[nextGrey%len(grey)]
			nextGrey++
		case known && !taken[lang]:
			col = lang
		default:
			col = others[nextOther%len(others)]
			nextOther++
		}
		taken[col] = true
		out[t] = targetStyle{Color: col, Shape: marks[i%len(marks)]}
	}
	return out
}

// language returns the first word of a target name, lower case: "go" for
// "go-tcp-proxy".
func language(target string) string {
	word, _, _ := strings.Cut(strings.ToLower(target), "-")
	word, _, _ = strings.Cut(word, "_")
	return word
}

// isCBaseline reports whether target is one of the C servers used as a
// baseline.
func isCBaseline(target string) bool {
	switch language(target) {
	case "nginx", "haproxy":
		return true
	}
	return false
}

// colorInk is the colour of chart elements that belong to no target.
func colorInk() color.Color {
	return color.Gray{Y: 0x33}
}

package http

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// MixClass is one class of a request mix: a path and its share.
type MixClass struct {
	// Weight is the class's share of the requests, relative to the other
	// classes' weights; at least 1.
	Weight int
	// Path is the request target, e.g. /bytes/100 or
	// /delay/100ms/bytes/100.
	Path string
}

// maxMixClasses bounds a mix: every class costs histograms in every loop.
const maxMixClasses = 16

// ParseMix parses a request mix written as weighted paths,
// "90:/bytes/100,10:/delay/100ms/bytes/100".
func ParseMix(s string) ([]MixClass, error) {
	var mix []MixClass
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		weight, path, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("mix class %q: want WEIGHT:PATH, e.g. 90:/bytes/100", part)
		}
		w, err := strconv.Atoi(strings.TrimSpace(weight))
		if err != nil || w < 1 || w > 1_000_000 {
			return nil, fmt.Errorf("mix class %q: weight %q is not a whole number from 1 to 1000000", part, weight)
		}
		mix = append(mix, MixClass{Weight: w, Path: strings.TrimSpace(path)})
	}
	if err := validateMix(mix); err != nil {
		return nil, err
	}
	return mix, nil
}

// validateMix checks the classes of a mix.
func validateMix(mix []MixClass) error {
	if len(mix) > maxMixClasses {
		return fmt.Errorf("mix of %d classes: at most %d", len(mix), maxMixClasses)
	}
	seen := map[string]bool{}
	for _, c := range mix {
		switch {
		case c.Weight < 1:
			return fmt.Errorf("mix class %s: weight %d must be at least 1", c.Path, c.Weight)
		case c.Path == "" || c.Path[0] != '/' || !isVisibleASCII(c.Path):
			return fmt.Errorf("mix class %q: the path must start with '/' and hold only visible ASCII characters", c.Path)
		case seen[c.Path]:
			return fmt.Errorf("mix class %s is there twice: give it one weight", c.Path)
		}
		seen[c.Path] = true
	}
	return nil
}

// FormatMix writes a mix the way ParseMix reads it.
func FormatMix(mix []MixClass) string {
	parts := make([]string, len(mix))
	for i, c := range mix {
		parts[i] = strconv.Itoa(c.Weight) + ":" + c.Path
	}
	return strings.Join(parts, ",")
}

// expectedLength returns the body length a path of the reference servers
// answers with: N of /bytes/N or /delay/D/bytes/N, else AnyLength.
func expectedLength(path string) int64 {
	if rest, ok := strings.CutPrefix(path, "/delay/"); ok {
		_, after, found := strings.Cut(rest, "/")
		if !found {
			return AnyLength
		}
		path = "/" + after
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(path, "/bytes/"), 10, 64)
	if !strings.HasPrefix(path, "/bytes/") || err != nil || n <= 0 || n > MaxSize {
		return AnyLength
	}
	return n
}

// class is one request class of a scenario: its name, request bytes and
// expected body length.
type class struct {
	name         string
	req          []byte // shared by every session on any event loop: read only
	expectLength int64  // AnyLength: no check
	upTo         uint64 // the class is drawn when the draw is below upTo
}

// picker draws each request's class from a seeded sequence.
type picker struct {
	seed  uint64
	total uint64
}

// newPicker returns the picker of a mix; its seed comes from the mix's
// text, so the same mix draws the same sequence in every run.
func newPicker(mix []MixClass) picker {
	h := fnv.New64a()
	h.Write([]byte(FormatMix(mix)))
	var total uint64
	for _, c := range mix {
		total += uint64(c.Weight)
	}
	return picker{seed: h.Sum64(), total: total}
}

// draw returns request i's draw, uniform in [0, total).
func (p picker) draw(i uint64) uint64 {
	return splitmix64(p.seed^splitmix64(i)) % p.total
}

// splitmix64 is a fast, well-mixed 64-bit hash (Steele, Lea and Flood).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/latbench/latbench/results"
)

// noValue stands for a value that was not measured, as in the tables.
const noValue = "-"

// stepText is " step N" for a rate step, "" otherwise.
func stepText(l results.LoadConfig) string {
	if l.Step == 0 {
		return ""
	}
	return fmt.Sprintf(" step %d", l.Step)
}

// rateText formats an offered rate, "max" when unlimited.
func rateText(rps float64) string {
	if rps <= 0 {
		return "max"
	}
	return fmtRate(rps)
}

// options formats a scenario's options as "k=v k=v", sorted by key.
func options(m map[string]string) string {
	if len(m) == 0 {
		return noValue
	}
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

// orDash returns s, or noValue when it is empty.
func orDash(s string) string {
	if s == "" {
		return noValue
	}
	return s
}

// oneLine replaces line breaks and tabs with single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// shellQuote quotes an argument for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fmtMicros formats a nanosecond value as the tables do (see
// results.FormatMicros), with a dash for a missing value.
func fmtMicros(ns float64) string {
	if math.IsNaN(ns) || math.IsInf(ns, 0) {
		return noValue
	}
	return results.FormatMicros(ns)
}

// fmtRate formats a request rate as the tables do.
func fmtRate(rps float64) string { return results.FormatRate(rps) }

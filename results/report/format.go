package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/latbench/latbench/results"
)

// noValue stands for a value that was not measured, as in the tables.
const noValue = "-"

// targetLabel names a cell's target, marking a baseline, as the tables do.
func targetLabel(c *results.Cell) string {
	if c.Baseline {
		return c.Target + " (baseline)"
	}
	return c.Target
}

// loadName names a cell's load: its name, or its rate when unnamed.
func loadName(l results.LoadConfig) string {
	switch {
	case l.Name != "":
		return l.Name
	case l.TargetRPS <= 0:
		return "max"
	}
	return fmtRate(l.TargetRPS) + " rps"
}

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

// fmtMicros formats a nanosecond value as microseconds with three
// significant digits, as the tables do: 0.512, 12.3, 245, 1,510.
func fmtMicros(ns float64) string {
	us, err := strconv.ParseFloat(strconv.FormatFloat(ns/1000, 'g', 3, 64), 64)
	if err != nil || math.IsNaN(us) || math.IsInf(us, 0) {
		return noValue
	}
	if us == 0 {
		return "0"
	}
	decimals := 2 - int(math.Floor(math.Log10(math.Abs(us))))
	if decimals <= 0 {
		return groupThousands(strconv.FormatFloat(us, 'f', 0, 64))
	}
	return strconv.FormatFloat(us, 'f', decimals, 64)
}

// fmtRate formats a request rate: whole requests per second with
// thousands separators, one decimal below 100 rps, as the tables do.
func fmtRate(rps float64) string {
	if math.Abs(rps) < 100 {
		return strconv.FormatFloat(rps, 'f', 1, 64)
	}
	return groupThousands(strconv.FormatFloat(rps, 'f', 0, 64))
}

// groupThousands inserts commas into the integer part of a number.
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

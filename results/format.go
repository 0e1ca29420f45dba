package results

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// noValue stands in a table cell for a number that was not measured.
const noValue = "-"

// maxStatusWidth bounds the "FAILED: reason" text in a table cell; the full
// reason is printed under the table.
const maxStatusWidth = 48

// bytesPerMiB converts bytes to MiB.
const bytesPerMiB = 1 << 20

// round3 rounds v to three significant digits.
func round3(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	return r
}

// fmtMicros formats a nanosecond value as microseconds with three
// significant digits: 0.512, 12.3, 245, 1,510, 12,300.
func fmtMicros(ns float64) string {
	us := round3(ns / 1000)
	if us == 0 || math.IsNaN(us) || math.IsInf(us, 0) {
		return strconv.FormatFloat(us, 'f', 0, 64)
	}
	decimals := 2 - int(math.Floor(math.Log10(math.Abs(us))))
	if decimals <= 0 {
		return GroupThousands(strconv.FormatFloat(us, 'f', 0, 64))
	}
	return strconv.FormatFloat(us, 'f', decimals, 64)
}

// FormatMicros formats a nanosecond value as microseconds with three
// significant digits, as every table does: 0.512, 12.3, 245, 1,510.
func FormatMicros(ns float64) string { return fmtMicros(ns) }

// FormatRate formats a request rate as the tables do: whole requests per
// second with thousands separators, one decimal below 100 rps.
func FormatRate(rps float64) string { return fmtRate(rps) }

// FormatPct formats a CPU percentage as the tables do: one decimal below
// 100, none above.
func FormatPct(pct float64) string { return fmtPct(pct) }

// FormatAvailability writes a share as a percentage rounded down to two
// decimals, so that it never claims more than was measured: "99.95%",
// "97.5%", "100%". The report's tables and the charts' sentences use it.
func FormatAvailability(a float64) string {
	pct := math.Floor(math.Max(a, 0)*100*100+1e-9) / 100
	return strconv.FormatFloat(pct, 'f', -1, 64) + "%"
}

// fmtSummaryMicros formats one field of a Summary in µs, or noValue when
// the distribution is empty.
func fmtSummaryMicros(s Summary, ns float64) string {
	if s.Count == 0 {
		return noValue
	}
	return fmtMicros(ns)
}

// fmtRate formats a request rate: whole requests per second with thousands
// separators, one decimal below 100 rps.
func fmtRate(rps float64) string {
	if math.Abs(rps) < 100 {
		return strconv.FormatFloat(rps, 'f', 1, 64)
	}
	return GroupThousands(strconv.FormatFloat(rps, 'f', 0, 64))
}

// fmtTargetRate formats an offered rate, "max" for unlimited (0).
func fmtTargetRate(rps float64) string {
	if rps <= 0 {
		return "max"
	}
	return fmtRate(rps)
}

// fmtCount formats an integer with thousands separators.
func fmtCount(n int64) string {
	return GroupThousands(strconv.FormatInt(n, 10))
}

// GroupThousands inserts commas into the integer part of a decimal number:
// "1234567.5" becomes "1,234,567.5".
func GroupThousands(s string) string {
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

// fmtPct formats a CPU percentage with at most one decimal.
func fmtPct(pct float64) string {
	if pct >= 100 {
		return strconv.FormatFloat(pct, 'f', 0, 64)
	}
	return strconv.FormatFloat(pct, 'f', 1, 64)
}

// fmtMiB formats a byte count as MiB, or noValue when it was not sampled.
func fmtMiB(b int64) string {
	if b <= 0 {
		return noValue
	}
	return strconv.FormatFloat(float64(b)/bytesPerMiB, 'f', 1, 64)
}

// loopLabel names a cell's load loop, so closed-loop rows stand out.
func loopLabel(l LoadConfig) string {
	if l.Loop == "" {
		return noValue
	}
	return l.Loop
}

// statusLabel returns statusText cut to width runes.
func statusLabel(c *Cell, width int) string {
	return truncate(statusText(c), width)
}

// statusText returns "ok", or "FAILED: reason" on one line.
func statusText(c *Cell) string {
	if c.Status == StatusOK {
		return "ok"
	}
	s := strings.ToUpper(oneLine(c.Status))
	if s == "" {
		s = "UNKNOWN"
	}
	if f := oneLine(c.Failure); f != "" {
		s += ": " + f
	}
	return s
}

// oneLine replaces line breaks and tabs with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to at most width runes, ending in "…" when cut.
func truncate(s string, width int) string {
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	return string(r[:width-1]) + "…"
}

// errorClasses lists the nonzero error counts of a cell, most frequent
// first, as "timeout 12, reset 3"; "0" when there are none.
func errorClasses(errs map[string]int64) string {
	names := make([]string, 0, len(errs))
	for name, n := range errs {
		if n != 0 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "0"
	}
	sort.Slice(names, func(i, j int) bool {
		if errs[names[i]] != errs[names[j]] {
			return errs[names[i]] > errs[names[j]]
		}
		return names[i] < names[j]
	})
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %s", name, fmtCount(errs[name]))
	}
	return strings.Join(parts, ", ")
}

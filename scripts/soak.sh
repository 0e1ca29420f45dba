#!/usr/bin/env bash
# soak.sh [DURATION] runs latbench for DURATION (default 1h) at 20,000 rps
# with 100 connections on the Go echo server, samples latbench's resident
# memory every 10 s, and checks that it stays flat: the RSS at the end
# within +10% of the RSS after one minute (the cell's intervals stream to
# its interval log; nothing grows with the length of a run). It writes
# the figures into docs/perf.md, between the soak markers (make perf
# keeps that section when it rewrites the file). Exits 1 when the goal is
# missed. Used by `make soak`.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-1h}
rate=${SOAK_RATE:-20000}
conns=${SOAK_CONNECTIONS:-100}
make --no-print-directory build server-go >/dev/null

tmp=$(mktemp -d /tmp/latbench-soak.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# rss_kb prints the resident memory of process $1 in kB, or nothing.
rss_kb() {
	awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true
}

echo "soak.sh: latbench at $rate rps, $conns connections, for $duration (plus 5 s of warm-up); RSS every 10 s" >&2
bin/latbench run --target go --scenario echo --rate "$rate" --connections "$conns" --warmup 5s --duration "$duration" \
	--out "$tmp/runs" --format json >"$tmp/summary.json" 2>"$tmp/stderr" &
pid=$!
start=$(date +%s)
: >"$tmp/rss.csv"
while kill -0 "$pid" 2>/dev/null; do
	kb=$(rss_kb "$pid")
	[ -n "$kb" ] && echo "$(($(date +%s) - start)),$kb" >>"$tmp/rss.csv"
	sleep 10
done
if ! wait "$pid"; then
	pid=""
	echo "soak.sh: latbench failed:" >&2
	tail -n 20 "$tmp/stderr" >&2
	exit 1
fi
pid=""

# The RSS after one minute and at the end, each the median of a minute of
# samples (from 70 s after the start, when warm-up and start-up are done,
# and the last minute), so that one garbage collection's swing of a few
# MB does not decide the verdict; the peak is the highest sample.
read -r at1 last peak < <(awk -F, '
	function median(x, n,    i, j, v) {
		for (i = 2; i <= n; i++) {
			v = x[i]
			for (j = i - 1; j > 0 && x[j] > v; j--) x[j + 1] = x[j]
			x[j + 1] = v
		}
		return n ? x[int((n + 1) / 2)] : 0
	}
	{ t[NR] = $1; r[NR] = $2; if ($2 > p) p = $2; end = $1 }
	END {
		for (i = 1; i <= NR; i++) {
			if (t[i] >= 70 && t[i] < 130) first[++n1] = r[i]
			if (t[i] > end - 60) final[++n2] = r[i]
		}
		print median(first, n1), median(final, n2), p + 0
	}' "$tmp/rss.csv")
if [ "$at1" -eq 0 ]; then
	echo "soak.sh: the run was shorter than a minute: nothing to compare" >&2
	exit 1
fi
growth=$(awk -v a="$at1" -v b="$last" 'BEGIN {printf "%+.1f", 100 * (b - a) / a}')
verdict=met
awk -v a="$at1" -v b="$last" 'BEGIN {exit !(b > 1.1 * a)}' && verdict=missed
requests=$(sed -n 's/.*"requests": *\([0-9]*\).*/\1/p' "$tmp/summary.json" | head -n 1)
errors=$(sed -n 's/.*"errors": *\([0-9]*\).*/\1/p' "$tmp/summary.json" | head -n 1)
hlog=$(find "$tmp/runs" -name '*.latency.hlog' -printf '%s\n' | head -n 1)

section=$(mktemp)
{
	echo "<!-- soak:begin -->"
	echo "## Memory over a long run (make soak)"
	echo
	echo "\`scripts/soak.sh $duration\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown):"
	echo "latbench at $rate rps with $conns connections on the Go echo server for $duration; its RSS read from"
	echo "/proc every 10 s. Goal: the RSS at the end within +10% of the RSS after one minute (each the median of a minute of samples)."
	echo
	echo "| requests | errors | interval log | RSS after 1 min | RSS at the end | peak RSS | growth | goal |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---|"
	printf '| %s | %s | %s MB | %s MB | %s MB | %s MB | %s%% | %s |\n' "${requests:-?}" "${errors:-?}" \
		"$(awk -v b="${hlog:-0}" 'BEGIN {printf "%.1f", b / 1e6}')" \
		"$(awk -v k="$at1" 'BEGIN {printf "%.1f", k * 1024 / 1e6}')" \
		"$(awk -v k="$last" 'BEGIN {printf "%.1f", k * 1024 / 1e6}')" \
		"$(awk -v k="$peak" 'BEGIN {printf "%.1f", k * 1024 / 1e6}')" "$growth" "$verdict"
	echo
	echo "RSS (MB) every five minutes:"
	echo
	awk -F, '$1 >= 60 && $1 % 300 < 10 {printf "%s%d min %.1f", (n++ ? ", " : ""), $1 / 60, $2 * 1024 / 1e6} END {print ""}' "$tmp/rss.csv"
	echo "<!-- soak:end -->"
} >"$section"
cat "$section"
if [ -f docs/perf.md ] && grep -q '<!-- soak:begin -->' docs/perf.md; then
	awk -v f="$section" '/<!-- soak:begin -->/ {while ((getline l < f) > 0) print l; skip = 1; next}
		/<!-- soak:end -->/ {skip = 0; next} !skip' docs/perf.md >"$tmp/perf.md"
	cp "$tmp/perf.md" docs/perf.md
else
	{ echo; cat "$section"; } >>docs/perf.md
fi
rm -f "$section"
echo "soak.sh: RSS $at1 kB after one minute, $last kB at the end ($growth%): goal $verdict; docs/perf.md updated" >&2
[ "$verdict" = met ]

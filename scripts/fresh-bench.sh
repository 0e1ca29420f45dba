#!/bin/sh
# fresh-bench.sh [REV] times `make bench` as a newcomer meets it: a fresh
# clone of REV (default HEAD) with empty Go module and build caches, so
# that every module is downloaded and the standard library compiled again.
# It prints the whole time and how much of it the quick suite took; the
# goal (issue 16) is 90 s on this project's 2-CPU machine.
#
# The Go toolchain itself is not downloaded again (GOTOOLCHAIN stays as it
# is). Needs network access to the Go module proxy.
set -eu
rev=${1:-HEAD}
top=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d /tmp/latbench-fresh.XXXXXX)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM

git clone -q "$top" "$tmp/repo"
git -C "$tmp/repo" checkout -q "$rev"
mkdir "$tmp/gomodcache" "$tmp/gocache"

start=$(date +%s.%N)
(cd "$tmp/repo" && GOMODCACHE="$tmp/gomodcache" GOCACHE="$tmp/gocache" \
	make bench >"$tmp/make.log" 2>&1) || {
	echo "fresh-bench.sh: make bench failed; its last lines:" >&2
	tail -n 20 "$tmp/make.log" >&2
	exit 1
}
end=$(date +%s.%N)

# The server is the last thing built before the suite starts.
suite_start=$(stat -c %.9Y "$tmp/repo/bin/latbench-server-go")
total=$(echo "$end - $start" | bc)
echo "make bench on a fresh clone of $(git -C "$tmp/repo" rev-parse --short HEAD), empty caches: $(printf '%.1f' "$total") s"
echo "  build (download and compile): $(printf '%.1f' "$(echo "$suite_start - $start" | bc)") s"
echo "  quick suite: $(printf '%.1f' "$(echo "$end - $suite_start" | bc)") s"

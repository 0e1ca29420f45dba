#!/bin/sh
# Runs every native fuzz target of the module for a short time each.
# Usage: scripts/fuzz.sh [FUZZTIME]   (default 10s)
set -e
cd "$(dirname "$0")/.."
time=${1:-10s}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r file; do
	pkg=./$(dirname "$file" | sed 's|^\./||')
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		echo "fuzz $pkg $target for $time"
		go test -run "^$" -fuzz "^$target\$" -fuzztime "$time" -fuzzminimizetime 5s "$pkg"
	done
done

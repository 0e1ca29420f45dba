#!/usr/bin/env bash
# perf.sh installs the peer load generators (wrk, hey) and nginx from
# Debian's packages when missing, builds latbench and the Go server, and
# runs the side-by-side comparison (scripts/perf). It writes docs/perf.md.
# Arguments go to scripts/perf, e.g. scripts/perf.sh --rounds 5 --duration 20s
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-debian.sh wrk hey nginx
make --no-print-directory build server-go
mkdir -p docs
go run ./scripts/perf "$@"

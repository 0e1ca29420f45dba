#!/usr/bin/env bash
# perf.sh installs the peer load generators (wrk, hey) and nginx from
# Debian's packages when missing, builds latbench, the Go server and the
# reference client (scripts/perf/refclient, with the system C compiler),
# and runs the measurements (scripts/perf). It writes docs/perf.md.
# Without a C compiler the reference-client comparison is skipped (said
# here and in the report).
# Arguments go to scripts/perf, e.g. scripts/perf.sh --rounds 5 --duration 20s
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-debian.sh wrk hey nginx
make --no-print-directory build server-go
rm -f bin/refclient
if command -v cc >/dev/null 2>&1; then
	cc -O2 -Wall -o bin/refclient scripts/perf/refclient/refclient.c
else
	echo "perf.sh: no C compiler (cc) found: cannot build the reference client, so the comparison with it is skipped." >&2
	echo "perf.sh: install one (e.g. scripts/install-debian.sh gcc) and run make perf again to measure it." >&2
fi
mkdir -p docs
go run ./scripts/perf "$@"

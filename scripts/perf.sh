#!/usr/bin/env bash
# perf.sh installs the peer load generators (wrk, hey, h2load from
# nghttp2-client, ghz) and nginx when missing, builds latbench, the Go
# server (with gRPC) and the reference client (scripts/perf/refclient,
# with the system C compiler, and with OpenSSL for its https mode when
# libssl-dev is there), and runs the measurements (scripts/perf). It
# writes docs/perf.md.
# What cannot be had is skipped, said here and in the report: without a C
# compiler the reference-client comparisons, without OpenSSL's headers the
# one over TLS, without h2load or ghz the comparison with it.
# Arguments go to scripts/perf, e.g. scripts/perf.sh --rounds 5 --duration 20s,
# or scripts/perf.sh --only protocols --out /tmp/perf.md
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-debian.sh wrk hey nginx
scripts/install-debian.sh --if-possible nghttp2-client libssl-dev
make --no-print-directory build server-go

# ghz, pinned, into bin/perf-tools (not onto the PATH).
ghz_version=v0.121.0
if [ ! -x bin/perf-tools/ghz ]; then
	echo "perf.sh: installing ghz $ghz_version into bin/perf-tools" >&2
	if ! GOBIN="$PWD/bin/perf-tools" go install "github.com/bojand/ghz/cmd/ghz@$ghz_version"; then
		echo "perf.sh: could not install ghz: the gRPC comparison is skipped." >&2
	fi
fi

rm -f bin/refclient
if ! command -v cc >/dev/null 2>&1; then
	echo "perf.sh: no C compiler (cc) found: cannot build the reference client, so the comparisons with it are skipped." >&2
	echo "perf.sh: install one (e.g. scripts/install-debian.sh gcc) and run make perf again to measure them." >&2
elif echo '#include <openssl/ssl.h>' | cc -E - >/dev/null 2>&1; then
	cc -O2 -Wall -DREFCLIENT_TLS -o bin/refclient scripts/perf/refclient/refclient.c -lssl -lcrypto
else
	cc -O2 -Wall -o bin/refclient scripts/perf/refclient/refclient.c
	echo "perf.sh: no OpenSSL headers (libssl-dev): the reference client has no https mode, so the comparison over TLS is skipped." >&2
	echo "perf.sh: install them (scripts/install-debian.sh libssl-dev) and run make perf again to measure it." >&2
fi
mkdir -p docs
go run ./scripts/perf "$@"

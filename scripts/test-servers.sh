#!/usr/bin/env bash
# test-servers.sh runs the unit tests of the Rust, Java and Python
# reference servers whose toolchains are installed (the Go suite covers
# the Go server and, through servers/conformance, all of them on the
# wire). With CI=true a missing toolchain is an error.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=0
skip() {
	echo "test-servers.sh: skipped $1: $2" >&2
	if [ "${CI:-}" = "true" ]; then
		failed=1
	fi
}
run() {
	echo "== $1 unit tests" >&2
	shift
	"$@" || failed=1
}

if command -v cargo >/dev/null 2>&1; then
	run rust cargo test --quiet --locked --manifest-path servers/rust/Cargo.toml
else
	skip rust "cargo not found"
fi
if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
	run java mvn -q -B -f servers/java/pom.xml test
else
	skip java "java or mvn not found"
fi
if command -v python3 >/dev/null 2>&1; then
	run python sh -c 'scripts/build-python.sh --dev && bin/python-venv/bin/python -m pytest -q servers/python'
else
	skip python "python3 not found"
fi
exit $failed

#!/usr/bin/env bash
# build-servers.sh builds every reference server whose toolchain is
# present (Go, Rust, Java, Python) and installs the C baselines (nginx,
# HAProxy) from Debian's packages when they are missing. It says plainly
# which ones it skipped and why. A build that fails stops it with an error.
# With CI=true a skipped server is an error too: CI must test them all.
set -uo pipefail
cd "$(dirname "$0")/.."

built=()
skipped=()

# missing_tools prints the commands of "$@" that are not on PATH.
missing_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || printf '%s ' "$tool"
	done
}

# build NAME "TOOLS" FIX COMMAND... runs COMMAND when every tool is there.
build() {
	local name=$1 tools=$2 fix=$3
	shift 3
	local missing
	missing=$(missing_tools $tools)
	if [ -n "$missing" ]; then
		skipped+=("$name: ${missing% } not found; $fix")
		return 0
	fi
	echo "== building $name" >&2
	if ! "$@"; then
		echo "build-servers.sh: building $name failed (its output is above)" >&2
		exit 1
	fi
	built+=("$name")
}

# baseline NAME BINARY installs the Debian package NAME if BINARY is
# missing and packages can be installed here (install-debian.sh
# --if-possible says why not, otherwise), then reports what it has.
baseline() {
	local name=$1 binary=$2
	[ -x "$binary" ] || scripts/install-debian.sh --if-possible "$name"
	if [ -x "$binary" ]; then
		built+=("$name")
	else
		skipped+=("$name: not installed; run: sudo apt-get install $name")
	fi
}

build go "go" "install Go from https://go.dev/dl/" go build -o bin/latbench-server-go ./servers/go
build rust "cargo" "install Rust with rustup: https://rustup.rs" scripts/build-rust.sh
build java "java mvn" "install a JDK 17+ and Maven, e.g. apt-get install openjdk-17-jdk-headless maven" scripts/build-java.sh
build python "python3" "install Python 3.9+ with venv, e.g. apt-get install python3 python3-venv" scripts/build-python.sh
baseline nginx /usr/sbin/nginx
baseline haproxy /usr/sbin/haproxy

echo "servers ready: ${built[*]:-none}" >&2
for s in "${skipped[@]}"; do
	echo "skipped $s" >&2
done
if [ "${#skipped[@]}" -gt 0 ] && [ "${CI:-}" = "true" ]; then
	echo "build-servers.sh: CI=true needs every server; install what is missing above" >&2
	exit 1
fi

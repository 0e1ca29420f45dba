#!/usr/bin/env bash
# install-debian.sh PACKAGE... installs the Debian packages that are not
# installed yet (nginx, haproxy, wrk, hey, chromium, ...). It runs
# `apt-get update` first, and uses sudo when not run as root. Services the
# packages bring (nginx's default site on port 80, prometheus, the
# push-gateway) are neither started nor left enabled: latbench starts what
# it measures itself, on ports of its own.
# With --if-possible as the first argument, a machine that cannot install
# packages (no apt-get, no root or sudo) is not an error: it says what is
# missing and exits 0, and the tests that need it skip.
set -euo pipefail

optional=false
if [ "${1:-}" = "--if-possible" ]; then
	optional=true
	shift
fi
if [ "$#" -eq 0 ]; then
	echo "usage: $0 [--if-possible] PACKAGE..." >&2
	exit 2
fi

# cannot reports that the packages cannot be installed here.
cannot() {
	echo "install-debian.sh: $*" >&2
	if $optional; then
		exit 0
	fi
	exit 1
}

missing=()
for pkg in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	cannot "apt-get not found; install ${missing[*]} with your system's package manager"
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! sudo -n true 2>/dev/null; then
		cannot "need root to install ${missing[*]}; run as root: apt-get install ${missing[*]}"
	fi
	sudo=(sudo -n)
fi

echo "installing from Debian's packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d answering 101 tells Debian's maintainer scripts not to start
# any service (invoke-rc.d's "action forbidden"); an existing one is kept
# and put back.
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then
	saved=$(mktemp)
	"${sudo[@]}" cp -p "$policy" "$saved"
fi
restore_policy() {
	if [ -n "$saved" ]; then
		"${sudo[@]}" mv "$saved" "$policy"
	else
		"${sudo[@]}" rm -f "$policy"
	fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
"${sudo[@]}" chmod 755 "$policy"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Where a service manager runs, leave the new services disabled too.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	for unit in $(dpkg-query -L "${missing[@]}" 2>/dev/null | grep -E '^/lib/systemd/system/[^/]+\.service$' | xargs -r -n1 basename); do
		"${sudo[@]}" systemctl disable --now "$unit" >/dev/null 2>&1 || true
	done
fi

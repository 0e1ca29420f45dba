#!/usr/bin/env bash
# install-haproxy.sh installs HAProxy, the reference study's C proxy, from
# Debian's packages (through scripts/install-debian.sh) when it is missing.
# latbench writes its config at every launch (target haproxy in
# servers/targets.yaml), so nothing goes into bin/study; its version is
# what `haproxy -v` prints.
set -euo pipefail
script_name=install-haproxy.sh
usage="$0"
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh"
parse_source "$@"
[ -z "$local_source" ] || fail "HAProxy comes from Debian's packages; --source does not apply"

if [ -x /usr/sbin/haproxy ]; then
	say "already installed: $(/usr/sbin/haproxy -v 2>/dev/null | head -n 1)"
	exit 0
fi
"$root/scripts/install-debian.sh" haproxy ||
	fail "cannot install HAProxy; run as root: apt-get update && apt-get install haproxy"
say "installed $(/usr/sbin/haproxy -v 2>/dev/null | head -n 1)"

#!/usr/bin/env bash
# install-all.sh [NAME...] installs the six proxies of the reference study
# (`make study-targets`), or only those named: haproxy, draft-http-tunnel,
# http-tunnel, go-tcp-proxy, netcrusher, pproxy. Each is pinned and goes
# into bin/study/<name>/ (HAProxy comes from Debian's packages); one that is
# installed already is skipped. Sources that no registry serves here come
# from the local sources folder when it exists: $LATBENCH_THIRDPARTY, or
# ../shared/thirdparty next to the repository. It installs every proxy it
# can, then lists the ones that failed and exits 1 if any did.
set -uo pipefail
script_name=install-all.sh
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh"
here=$(dirname -- "$0")

all=(haproxy draft-http-tunnel http-tunnel go-tcp-proxy netcrusher pproxy)
names=("$@")
if [ "${#names[@]}" -eq 0 ]; then
	names=("${all[@]}")
fi
for name in "${names[@]}"; do
	[ -x "$here/install-$name.sh" ] || fail "unknown proxy $name; the study's proxies: ${all[*]}"
done

tp=$(thirdparty_dir)
if [ -n "$tp" ]; then
	say "local sources: $tp"
else
	say "no local sources folder (set LATBENCH_THIRDPARTY to use one); fetching from upstream"
fi

failed=()
for name in "${names[@]}"; do
	say "== $name"
	if ! "$here/install-$name.sh"; then
		failed+=("$name")
	fi
done
for name in "${names[@]}"; do
	if [ -f "$study_bin/$name/VERSION" ]; then
		say "$name: $(head -n 1 "$study_bin/$name/VERSION")"
	elif [ "$name" = haproxy ] && [ -x /usr/sbin/haproxy ]; then
		say "$name: $(/usr/sbin/haproxy -v 2>/dev/null | head -n 1)"
	fi
done
if [ "${#failed[@]}" -gt 0 ]; then
	fail "not installed: ${failed[*]} (each one's error is above); the others are ready"
fi
say "all ${#names[@]} ready; \`latbench targets\` lists them"

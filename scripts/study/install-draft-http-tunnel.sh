#!/usr/bin/env bash
# install-draft-http-tunnel.sh [--source BUNDLE|REPO] [--trantor BUNDLE|REPO]
# builds draft-http-tunnel (github.com/cmello/draft-http-tunnel, C++20 on
# the trantor event loop), the reference study's C++ proxy, as
# bin/study/draft-http-tunnel/draft_http_tunnel. It writes
# bin/study/draft-http-tunnel/VERSION last and does nothing when that
# version is installed already.
#
# Pinned: branch trantor-prototype at aa2ed01 (the only branch with the
# `tcp --destination` mode; main is an HTTP CONNECT tunnel), with its
# submodule trantor at b2902d2 in dependencies/trantor. It is built with the
# repository's build_linux.sh (g++ 10 or newer, -O3; no OpenSSL or c-ares
# needed) plus -DNDEBUG, as a CMake Release build compiles it: with
# assertions on, trantor's EventLoop::removeChannel asserts and aborts the
# proxy under the no-keep-alive load when the client's and nginx's closes
# reach it in one loop turn (they do when the proxy shares a core, as on
# 2 CPUs). build_linux.sh names the program draft-http-tunnel; it is installed under
# the name the study ran, draft_http_tunnel (what its CMake build makes; that
# build also needs googletest, which the study's run did not use).
#
# Sources: --source and --trantor (git bundles, clones or URLs), else
# draft-http-tunnel.bundle and trantor.bundle of the local sources folder
# ($LATBENCH_THIRDPARTY, or ../shared/thirdparty next to the repository),
# else github.com.
set -euo pipefail
script_name=install-draft-http-tunnel.sh
usage="$0 [--source GIT_BUNDLE_OR_REPO] [--trantor GIT_BUNDLE_OR_REPO]"
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh"

trantor_source=""
args=()
while [ "$#" -gt 0 ]; do
	case "$1" in
	--trantor)
		[ "$#" -ge 2 ] || fail "--trantor needs a path; usage: $usage"
		trantor_source=$2
		shift 2
		;;
	--trantor=*)
		trantor_source=${1#--trantor=}
		shift
		;;
	*)
		args+=("$1")
		shift
		;;
	esac
done
parse_source "${args[@]+"${args[@]}"}"
if [ -n "$trantor_source" ] && [ -e "$trantor_source" ]; then
	trantor_source=$(absolute "$trantor_source")
fi

commit=aa2ed0109cd5af1a73ec6f339e4d12e28c4f06c9
trantor_commit=b2902d217b9f0a59c428bff1ca6ccfe024a86aa6
dest="$study_bin/draft-http-tunnel"
pinned="draft-http-tunnel trantor-prototype@${commit:0:7} with trantor@${trantor_commit:0:7}, -O3 -DNDEBUG"

if installed "$dest" draft_http_tunnel "$pinned"; then
	already "$dest"
	exit 0
fi
fix_gxx="install g++ 10 or newer, e.g. apt-get install g++ (or scripts/install-debian.sh g++)"
need git "install git, e.g. apt-get install git"
need g++ "$fix_gxx"
gxx_major=$(g++ -dumpfullversion -dumpversion 2>/dev/null | cut -d. -f1)
[ -n "$gxx_major" ] && [ "$gxx_major" -ge 10 ] ||
	fail "g++ is version ${gxx_major:-unknown}; draft-http-tunnel needs C++20: $fix_gxx"
gxx="g++ $(g++ -dumpfullversion -dumpversion)"
rm -f "$dest/VERSION"
mkdir -p "$dest"

src=${local_source:-$(thirdparty_file draft-http-tunnel.bundle)}
src=${src:-https://github.com/cmello/draft-http-tunnel}
trantor=${trantor_source:-$(thirdparty_file trantor.bundle)}
trantor=${trantor:-https://github.com/an-tao/trantor}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/latbench-draft-http-tunnel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

say "checking out trantor-prototype ${commit:0:7} from $src"
checkout_git "$src" "$commit" "$tmp/src"
say "checking out trantor ${trantor_commit:0:7} from $trantor into dependencies/trantor"
rm -rf "$tmp/src/dependencies/trantor"
checkout_git "$trantor" "$trantor_commit" "$tmp/src/dependencies/trantor"
say "building with build_linux.sh ($gxx, -O3 -DNDEBUG; about a minute)"
sed -i 's/ -O3 / -O3 -DNDEBUG /' "$tmp/src/build_linux.sh"
grep -q -- '-O3 -DNDEBUG' "$tmp/src/build_linux.sh" || fail "build_linux.sh changed: no -O3 to add -DNDEBUG to"
(cd "$tmp/src" && bash ./build_linux.sh) || fail "build_linux.sh failed; its output is above"
[ -x "$tmp/src/draft-http-tunnel" ] || fail "build_linux.sh did not make draft-http-tunnel"
mv -f "$tmp/src/draft-http-tunnel" "$dest/draft_http_tunnel"
write_version "$dest" "$pinned ($gxx)"

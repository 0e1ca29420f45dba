#!/usr/bin/env bash
# install-pproxy.sh [--source DIR] installs pproxy 2.7.9 (Python asyncio,
# PyPI), the reference study's Python proxy, into its own virtual
# environment bin/study/pproxy/venv, with uvloop 0.20.0: pproxy uses uvloop
# when it is installed, and uvloop 0.21 and later make pproxy 2.7.9 crash
# at start. It writes bin/study/pproxy/VERSION last and does nothing when
# that version is installed already.
#
# --source DIR installs from a folder of wheels or sdists instead of PyPI,
# for machines that cannot reach it; fill it elsewhere with
#   pip download pproxy==2.7.9 uvloop==0.20.0 -d DIR
# PYTHON names the interpreter (default python3; 3.8 to 3.13, which
# uvloop 0.20.0 supports).
set -euo pipefail
script_name=install-pproxy.sh
usage="$0 [--source DIR_OF_WHEELS]"
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh"
parse_source "$@"

pproxy_version=2.7.9
uvloop_version=0.20.0
python=${PYTHON:-python3}
dest="$study_bin/pproxy"
venv="$dest/venv"
pinned="pproxy $pproxy_version with uvloop $uvloop_version"

if installed "$dest" venv/bin/pproxy "$pinned" &&
	"$venv/bin/python" -c 'import pproxy, uvloop' 2>/dev/null; then
	already "$dest"
	exit 0
fi

fix_python="install Python 3.8 to 3.13 with venv (e.g. apt-get install python3 python3-venv), or set PYTHON to one"
need "$python" "$fix_python"
"$python" -c 'import sys; sys.exit(not (3, 8) <= sys.version_info[:2] <= (3, 13))' ||
	fail "$python is $("$python" -V 2>&1), which uvloop $uvloop_version does not support; $fix_python"
"$python" -c 'import venv, ensurepip' 2>/dev/null ||
	fail "$python lacks the venv module; install it, e.g. apt-get install python3-venv"

rm -rf "$venv" "$dest/VERSION"
mkdir -p "$dest"
say "creating $venv with $("$python" -V 2>&1)"
"$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --no-cache-dir --disable-pip-version-check)
if [ -n "$local_source" ]; then
	say "installing pproxy==$pproxy_version uvloop==$uvloop_version from $local_source"
	pip+=(--no-index --find-links "$local_source")
else
	say "installing pproxy==$pproxy_version uvloop==$uvloop_version from PyPI"
fi
"${pip[@]}" "pproxy==$pproxy_version" "uvloop==$uvloop_version" ||
	fail "pip could not install pproxy==$pproxy_version uvloop==$uvloop_version; without PyPI, pass --source DIR (see the top of $0)"
# pproxy prints its version; a crash at start (a wrong uvloop) shows here.
got=$("$venv/bin/pproxy" --version 2>&1) || fail "the installed pproxy does not start: $got"
[ "$got" = "pproxy $pproxy_version" ] || fail "the installed pproxy reports \"$got\", want pproxy $pproxy_version"
write_version "$dest" "$pinned ($("$venv/bin/python" -V 2>&1))"

#!/usr/bin/env bash
# run.sh [--timeout SECS] [--mem SIZE] [--share DIR]... [--realtime] -- COMMAND [ARGS...]
# runs COMMAND as root inside User-mode Linux (Debian's user-mode-linux:
# a Linux 6.1 kernel that runs as a process, with sch_netem and veth),
# for what this machine's kernel cannot do, e.g. tc netem.
#
# UML's root filesystem is the host's (hostfs), so COMMAND sees the
# host's files, in the caller's working directory and with the caller's
# environment. Inside, /run and /tmp are fresh tmpfs (network namespaces
# and temp files made inside stay inside); the host folders COMMAND needs
# there (its own folder, the working directory and $TMPDIR when they are
# under /tmp or /run, and each --share DIR) are mounted from the host
# again. lo is up and the veth and sch_netem modules are loaded. UML has
# one CPU and --mem of memory (default 1G).
#
# A kernel running as a process is slow, and on a busy host its every
# context switch waits for a CPU: latencies measured inside swing by tens
# of milliseconds. --realtime runs UML at real-time priority (SCHED_RR 10,
# at most the one CPU UML uses, which the host's real-time throttling
# bounds) so that timings inside hold on a busy host; where that is not
# permitted it says so and runs UML at normal priority.
#
# It prints COMMAND's output (stdout and stderr together) and exits with
# COMMAND's exit status; 124 when COMMAND did not finish within --timeout
# seconds (default 300), 125 when UML could not run it. It kills the UML
# processes it started and removes its temp files whatever happens.
# scripts/uml/install.sh installs what it needs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
timeout=300
mem=1G
shares=()
realtime=()

usage() {
	echo "usage: $0 [--timeout SECS] [--mem SIZE] [--share DIR]... [--realtime] -- COMMAND [ARGS...]" >&2
	exit 125
}

# fail reports why UML could not run the command.
fail() {
	echo "uml/run.sh: $*" >&2
	exit 125
}

while [ "$#" -gt 0 ]; do
	case "$1" in
	--timeout)
		[ "$#" -ge 2 ] || usage
		timeout=$2
		shift 2
		;;
	--mem)
		[ "$#" -ge 2 ] || usage
		mem=$2
		shift 2
		;;
	--share)
		[ "$#" -ge 2 ] || usage
		shares+=("$(realpath -m "$2")")
		shift 2
		;;
	--realtime)
		realtime=(chrt --rr 10)
		shift
		;;
	--)
		shift
		break
		;;
	*) usage ;;
	esac
done
[ "$#" -gt 0 ] || usage
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || fail "--timeout $timeout: want a whole number of seconds"

uml=$(command -v linux.uml || true)
[ -n "$uml" ] || fail "linux.uml not found: install Debian's user-mode-linux with scripts/uml/install.sh (as root)"
[ -d /usr/lib/uml/modules ] || fail "/usr/lib/uml/modules not found: reinstall user-mode-linux with scripts/uml/install.sh"
for tool in modprobe ip tc; do
	command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || [ -x "/sbin/$tool" ] ||
		fail "$tool not found: install kmod and iproute2 with scripts/uml/install.sh"
done
[ "$(id -u)" -eq 0 ] || fail "run as root: UML runs COMMAND as root on the host's own files (hostfs)"
if [ "${#realtime[@]}" -gt 0 ] && ! "${realtime[@]}" true 2>/dev/null; then
	echo "uml/run.sh: --realtime: \`${realtime[*]}\` is not permitted here; UML runs at normal priority, and a busy host slows what it measures" >&2
	realtime=()
fi

# The command, as the host resolves it: UML sees the same files.
cmd=$1
shift
if [[ "$cmd" != */* ]]; then
	resolved=$(type -P "$cmd" || true)
	[ -n "$resolved" ] || fail "$cmd: command not found"
	cmd=$resolved
fi
cmd=$(realpath -m "$cmd")

work=""
mem_dir=""
uml_pid=""

# stop_uml stops the UML it started: SIGTERM to its process group (the
# whole UML, nothing else), SIGKILL to what is left after 3 s, and it
# waits, up to 5 s, until none of its processes is left, zombies included.
stop_uml() {
	[ -n "$uml_pid" ] || return 0
	local i
	if kill -0 "$uml_pid" 2>/dev/null; then
		kill -TERM -- "-$uml_pid" 2>/dev/null || true
		for ((i = 0; i < 30; i++)); do
			kill -0 "$uml_pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	kill -KILL -- "-$uml_pid" 2>/dev/null || true
	wait "$uml_pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 -- "-$uml_pid" 2>/dev/null || break
		sleep 0.1
	done
	uml_pid=""
}

# cleanup stops UML and removes the temp folders (run by the EXIT trap).
# shellcheck disable=SC2317
cleanup() {
	stop_uml
	[ -z "$work" ] || rm -rf "$work"
	[ -z "$mem_dir" ] || rm -rf "$mem_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# noexec reports whether files in folder $1 cannot be executed.
noexec() {
	local probe="$1/exec-probe"
	printf '#!/bin/sh\nexit 0\n' >"$probe" && chmod +x "$probe"
	local rc=0
	"$probe" 2>/dev/null || rc=1
	rm -f "$probe"
	[ "$rc" -ne 0 ]
}

# The folder shared with UML: the command, its environment and its
# results. No dot in its name: the kernel would take
# LATBENCH_UML_DIR=... for a module parameter.
work=$(mktemp -d "${TMPDIR:-/tmp}/latbench-uml-XXXXXX")
for path in "$here" "$work"; do
	[[ "$path" != *[[:space:]]* ]] || fail "$path has a space, which a kernel command line cannot carry; move it or set TMPDIR"
done
# UML maps its memory from a file it makes in $TMPDIR and executes from
# it: that folder must allow exec, and be a tmpfs for speed (on disk the
# host would write UML's memory back to the disk).
for base in /dev/shm "${TMPDIR:-/tmp}"; do
	if [ ! -d "$base" ] || [ ! -w "$base" ]; then
		continue
	fi
	mem_dir=$(mktemp -d "$base/latbench-uml-mem-XXXXXX")
	if ! noexec "$mem_dir"; then
		break
	fi
	rm -rf "$mem_dir"
	mem_dir=""
done
[ -n "$mem_dir" ] || fail "neither /dev/shm nor ${TMPDIR:-/tmp} allows exec, which UML's memory file needs; set TMPDIR to a folder that does"

printf '%s\0' "$cmd" "$@" >"$work/argv"
env -0 >"$work/env"
pwd -P >"$work/cwd"
# Host folders hidden inside by the tmpfs on /tmp and /run.
for dir in "$(pwd -P)" "$(dirname "$cmd")" "${TMPDIR:+$(realpath -m "$TMPDIR")}"; do
	case "$dir" in
	/tmp/* | /run/*) shares+=("$dir") ;;
	esac
done
if [ "${#shares[@]}" -gt 0 ]; then
	printf '%s\n' "${shares[@]}" | sort -u >"$work/shares"
else
	: >"$work/shares"
fi

# Its own session and process group, so that it can be killed as a whole;
# uml_dir keeps its pid and control socket in the temp folder.
TMPDIR=$mem_dir "${realtime[@]}" setsid "$uml" mem="$mem" root=/dev/root rootflags=/ rootfstype=hostfs rw \
	init="$here/init.sh" uml_dir="$work" con=null con0=null,fd:1 ssl=null quiet \
	LATBENCH_UML_DIR="$work" </dev/null >"$work/console" 2>&1 &
uml_pid=$!

timed_out=false
deadline=$((SECONDS + timeout + 1)) # SECONDS counts whole seconds
while kill -0 "$uml_pid" 2>/dev/null; do
	if [ "$SECONDS" -ge "$deadline" ]; then
		timed_out=true
		break
	fi
	sleep 0.2
done
stop_uml

[ ! -f "$work/output" ] || cat "$work/output"
if $timed_out; then
	echo "uml/run.sh: $cmd did not finish in $timeout s; killed UML" >&2
	exit 124
fi
status=$(cat "$work/status" 2>/dev/null || true)
if ! [[ "$status" =~ ^[0-9]+$ ]]; then
	echo "uml/run.sh: UML stopped before $cmd finished; its console said:" >&2
	tail -n 40 "$work/console" >&2
	exit 125
fi
exit "$status"

#!/bin/bash
# init.sh is PID 1 of the User-mode Linux kernel that scripts/uml/run.sh
# boots with the host's filesystem as its root (hostfs). Do not run it on
# the host.
#
# The kernel passes it LATBENCH_UML_DIR, run.sh's folder on the host,
# which holds the command to run: argv and env (NUL-separated), cwd, and
# shares (host folders under /tmp or /run to keep visible, one a line).
# It mounts proc, sysfs, devtmpfs (with /dev/pts and /dev/shm) and a tmpfs
# on /run and on /tmp, so that what runs inside (network namespaces under
# /run/netns, temp files) never touches the host's; it loads veth and
# sch_netem from the UML module tree; it brings lo up; it runs the command
# with its output in $LATBENCH_UML_DIR/output and then writes its exit
# status to $LATBENCH_UML_DIR/status; and it powers the UML kernel off.
# PID 1 must never exit (the kernel would panic), so every way out of this
# script, a failed step included, ends in poweroff.
set -euo pipefail

# poweroff flushes what was written to the host and powers the kernel
# off; it never returns.
poweroff() {
	sync || true
	echo o >/proc/sysrq-trigger 2>/dev/null || true
	while :; do sleep 1; done
}
trap poweroff EXIT

if [ "$$" -ne 1 ] || [ -z "${LATBENCH_UML_DIR:-}" ]; then
	echo "init.sh: this is the init of the UML kernel scripts/uml/run.sh boots; run that instead" >&2
	trap - EXIT
	exit 2
fi
dir=$LATBENCH_UML_DIR

mount -t proc proc /proc
mount -t sysfs sysfs /sys

# Read what to run, and open the result files, before the tmpfs on /tmp
# may hide the folder they are in.
mapfile -d '' -t argv <"$dir/argv"
mapfile -d '' -t envv <"$dir/env"
cwd=$(cat "$dir/cwd")
mapfile -t shares <"$dir/shares"
exec 3>"$dir/output" 4>"$dir/status"

# The kernel mounts devtmpfs on /dev itself (CONFIG_DEVTMPFS_MOUNT).
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# Host folders the command needs under /tmp or /run (its binary, its
# working directory, TMPDIR), each mounted from the host again.
for share in "${shares[@]}"; do
	[ -n "$share" ] || continue
	mkdir -p "$share"
	mount -t hostfs -o "$share" hostfs "$share"
done

# The modules of this kernel are in /usr/lib/uml/modules/<release>;
# modprobe -d wants <root>/lib/modules/<release>, made here in the tmpfs
# (nothing is created on the host).
mkdir -p /run/uml-modules/lib/modules
mount --bind /usr/lib/uml/modules /run/uml-modules/lib/modules
for module in veth sch_netem; do
	modprobe -d /run/uml-modules "$module"
done
ip link set lo up

set +e
(cd "$cwd" && exec env -i "${envv[@]}" "${argv[@]}") </dev/null >&3 2>&3
status=$?
set -e
echo "$status" >&4
exec 3>&- 4>&-

#!/usr/bin/env bash
# test-slurm.sh [COMMAND...] runs latbench's agents under a real Slurm on
# this machine: a one-node cluster of its own (this host, 2 CPUs, one
# partition) whose munged, slurmctld and slurmd it starts as root with a
# configuration in a temp folder, without systemd or cgroups
# (proctrack/linuxproc, task/none). It runs `srun -n 4` latbench agents
# against the Go echo server, merges their outputs with `latbench merge`
# and checks that the merged request count is the sum of the agents' and
# the schedule's. With a COMMAND it then runs it while the cluster is up,
# with SLURM_CONF, LATBENCH_SLURM_BIN (bin/latbench),
# LATBENCH_SLURM_TARGET (the echo server's HOST:PORT) and
# LATBENCH_SLURM_SHARED (a folder for the step's files) set, and fails if
# it fails (the Go test of bench/launch runs the Slurm launcher so).
#
# It installs Debian's slurmd, slurmctld, slurm-client, munge and jq when
# they are missing, builds bin/latbench and bin/latbench-server-go, and
# stops every process it started (by pid) and removes its temp folder
# whatever happens. When Slurm cannot run here (no root, no packages, a
# daemon that does not start, a node that never comes up, a step that
# cannot launch) it says why and exits 0 with "SKIP: ...". It exits 1
# when latbench's agents fail under a Slurm that works.
#
# On a host where systemd runs, installing the packages starts Debian's
# own munge and slurm services; this script neither uses nor stops them:
# its daemons have their own socket, ports and configuration.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
rate=2000      # requests per second, the whole cell
duration=3     # seconds measured, after a 1 s warm-up
agents=4       # srun -n: more tasks than the node's 2 CPUs (--overcommit)
lead=20        # seconds from now to T0: srun starts the tasks before it (2 s here, 9 s on a very busy host)

tmp=""
pids=()   # daemons and servers started, in order
names=()

say() { echo "test-slurm.sh: $*"; }
# skip explains why Slurm cannot run here and exits 0.
skip() {
	echo "SKIP: $*"
	exit 0
}
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
# tail_of prints the last lines of a log, indented, for a message.
tail_of() {
	if [ -s "$1" ]; then
		tail -n "${2:-8}" "$1" | sed 's/^/    /'
	else
		echo "    ($1 is empty)"
	fi
}

# stop_pid stops one process this script started: SIGTERM, then SIGKILL
# after 10 s.
stop_pid() {
	local pid=$1 name=$2
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "$name (pid $pid) did not stop on SIGTERM: killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# cleanup cancels the cluster's jobs, stops the daemons (last started
# first), stops what they left (slurmd double-forks its slurmstepd: those
# and the tasks carry LATBENCH_SLURM_RUN=$tmp in their environment) and
# removes the temp folder.
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [ -n "$tmp" ] && [ -f "$tmp/slurm.conf" ] && [ "${#pids[@]}" -gt 0 ]; then
		local jobs
		jobs=$(timeout 10 squeue -h -o %i 2>/dev/null)
		if [ -n "$jobs" ]; then
			# shellcheck disable=SC2086
			timeout 10 scancel $jobs 2>/dev/null
			sleep 2
		fi
	fi
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		stop_pid "${pids[$i]}" "${names[$i]}"
	done
	if [ -n "$tmp" ]; then
		local p left=()
		for p in /proc/[0-9]*; do
			p=${p#/proc/}
			[ "$p" = $$ ] && continue
			if grep -qzxF "LATBENCH_SLURM_RUN=$tmp" "/proc/$p/environ" 2>/dev/null; then
				left+=("$p")
			fi
		done
		if [ "${#left[@]}" -gt 0 ]; then
			say "stopping what the cluster left running: pids ${left[*]}"
			kill -KILL "${left[@]}" 2>/dev/null
		fi
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start runs a daemon in the foreground of a background job, its output
# into the temp folder, and records its pid.
start() {
	local name=$1
	shift
	"$@" </dev/null >"$tmp/log/$name.out" 2>&1 &
	pids+=("$!")
	names+=("$name")
}

# free_port prints a TCP port nothing listens on here, below the
# ephemeral ports (which connections take as their own: the daemons could
# not bind one of those).
free_port() {
	local port low=32768
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	[ "$low" -gt 12000 ] || fail "the ephemeral ports start at $low: no room for the daemons' ports below"
	for _ in $(seq 50); do
		port=$((10000 + RANDOM % (low - 10000)))
		case " $taken " in *" $port "*) continue ;; esac
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			continue
		fi
		if command -v ss >/dev/null && [ -n "$(ss -Htan "( sport = :$port )" 2>/dev/null)" ]; then
			continue
		fi
		echo "$port"
		return 0
	done
	fail "no free TCP port found below $low"
}

# alive fails the start of daemon number i with its log.
alive() {
	local i=$1 log=$2
	if ! kill -0 "${pids[$i]}" 2>/dev/null; then
		local logged=""
		if [ -s "$log" ]; then
			logged="
its log ends with:
$(tail_of "$log" 8)"
		fi
		skip "${names[$i]} did not start here; its output ends with:
$(tail_of "$tmp/log/${names[$i]}.out" 12)$logged"
	fi
}

# --- What it needs --------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "it starts munged, slurmctld and slurmd as root: run it as root (sudo $0)"
fi
if ! command -v srun >/dev/null || ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
	! command -v munged >/dev/null || ! command -v jq >/dev/null; then
	if ! command -v apt-get >/dev/null; then
		skip "Slurm (slurmd, slurmctld, slurm-client), munge and jq are not installed and there is no apt-get to install them"
	fi
	if ! install_log=$("$root/scripts/install-debian.sh" slurmd slurmctld slurm-client munge jq 2>&1); then
		skip "Debian's Slurm packages could not be installed: $(echo "$install_log" | tail -n 3)"
	fi
fi
for cmd in srun sinfo squeue scancel slurmctld slurmd munged jq; do
	command -v "$cmd" >/dev/null || skip "$cmd is still missing after installing Debian's Slurm packages"
done
say "building bin/latbench, bin/latbench-agent and bin/latbench-server-go"
make -s -C "$root" build server-go >/dev/null || fail "make build server-go failed"
latbench=$root/bin/latbench
agent=$root/bin/latbench-agent
server=$root/bin/latbench-server-go

# --- A one-node cluster in a temp folder ----------------------------------
tmp=$(mktemp -d /tmp/latbench-slurm.XXXXXX)
# munged wants every folder above its socket searchable by all.
chmod 755 "$tmp"
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log" "$tmp/shared"
export LATBENCH_SLURM_RUN=$tmp SLURM_CONF=$tmp/slurm.conf
# Slurm's clients must not take a job or step of an outer allocation.
for v in $(compgen -e); do
	case $v in SLURM_CONF) ;; SLURM_* | SALLOC_* | SBATCH_* | SRUN_*) unset "$v" ;; esac
done

node=$(hostname -s)
taken=""
ctld_port=$(free_port)
taken="$ctld_port"
slurmd_port=$(free_port)
taken="$taken $slurmd_port"
target_port=$(free_port)
say "slurm $(slurmctld -V | awk '{print $2}'), munge $(munged -V 2>&1 | awk '{print $1}' | sed 's/munge-//'); node $node (127.0.0.1), ports $ctld_port/$slurmd_port; folder $tmp"

if command -v mungekey >/dev/null; then
	mungekey --create --keyfile="$tmp/munge/munge.key" || skip "mungekey could not make a key"
else
	dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 600 "$tmp/munge/munge.key"

cat >"$SLURM_CONF" <<EOF
# latbench's one-node test cluster (scripts/slurm/test-slurm.sh)
ClusterName=latbench
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
MailProg=/bin/true
# No cgroups: processes are tracked through their parents, tasks are not
# confined, nothing is accounted.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=latbench Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

start munged munged --foreground --socket="$tmp/munge/munge.socket" --key-file="$tmp/munge/munge.key" \
	--log-file="$tmp/log/munged.log" --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed"
for _ in $(seq 50); do
	[ -S "$tmp/munge/munge.socket" ] && break
	kill -0 "${pids[0]}" 2>/dev/null || break
	sleep 0.1
done
alive 0 "$tmp/log/munged.log"
if ! munge -S "$tmp/munge/munge.socket" -n 2>"$tmp/log/munge-check.out" | unmunge -S "$tmp/munge/munge.socket" >/dev/null 2>&1; then
	skip "munged runs but does not encode and decode a credential: $(cat "$tmp/log/munge-check.out")"
fi

start slurmctld slurmctld -D -f "$SLURM_CONF"
sleep 1
alive 1 "$tmp/log/slurmctld.log"
start slurmd slurmd -D -N "$node" -f "$SLURM_CONF"

state=""
for _ in $(seq 60); do
	alive 1 "$tmp/log/slurmctld.log"
	alive 2 "$tmp/log/slurmd.log"
	state=$(timeout 5 sinfo -h -n "$node" -o %T 2>/dev/null || true)
	[ "$state" = idle ] && break
	sleep 0.5
done
if [ "$state" != idle ]; then
	skip "the node $node did not become idle in 30 s (sinfo says: ${state:-nothing}); slurmd's log ends with:
$(tail_of "$tmp/log/slurmd.out" 8)
slurmctld's:
$(tail_of "$tmp/log/slurmctld.out" 8)"
fi
sinfo

# A step of nothing: if this fails, Slurm cannot launch tasks here.
if ! timeout 60 srun --ntasks 1 --immediate=30 true >"$tmp/log/srun-true.out" 2>&1; then
	skip "Slurm runs but cannot launch a task here (srun -n 1 true failed):
$(tail_of "$tmp/log/srun-true.out" 8)
slurmd's log ends with:
$(tail_of "$tmp/log/slurmd.out" 8)"
fi
say "Slurm runs here: srun -n 1 true works"

# --- latbench agents as one step -------------------------------------------
start server "$server" --mode echo --listen "127.0.0.1:$target_port"
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$target_port") 2>/dev/null && break
	sleep 0.1
done
kill -0 "${pids[3]}" 2>/dev/null || fail "the echo server did not start: $(cat "$tmp/log/server.out")"

cat >"$tmp/shared/cell.yaml" <<EOF
name: slurm-test
targets: [go]
defaults:
  warmup: 1s
  duration: ${duration}s
  connections: $agents
  timeout: 2s
  arrival: uniform
scenarios:
  - scenario: echo
    size: 64
loads:
  - name: fixed
    rate: $rate
EOF
t0=$(date -u -d "+$lead seconds" +%Y-%m-%dT%H:%M:%S.%NZ)
say "srun -n $agents latbench agents, T0 $t0"
if ! timeout 120 srun --ntasks "$agents" --overcommit --kill-on-bad-exit=1 \
	"$agent" run --cell "$tmp/shared/cell.yaml" --target-addr "127.0.0.1:$target_port" \
	--agents "$agents" --t0 "$t0" --out "$tmp/shared/out" 2>&1 | tee "$tmp/log/srun-agents.out"; then
	fail "the agents' step failed:
$(tail_of "$tmp/log/srun-agents.out" 12)"
fi
ls "$tmp/shared/out"
"$latbench" merge --out "$tmp/merged" --format json "$tmp/shared/out" >"$tmp/merged.json" 2>"$tmp/log/merge.out" ||
	fail "latbench merge failed: $(cat "$tmp/log/merge.out")"
cat "$tmp/log/merge.out"

want=$((rate * duration))
read -r requests fell_due errors sum nagents hosts < <(jq -r '.cells[0] |
	[.requests, .fell_due, .errors, ([.agents[].requests] | add), (.agents | length),
	 ([.agents[].host] | unique | join(","))] | @tsv' "$tmp/merged.json")
say "merged: $requests requests ($fell_due fell due, $errors errors) from $nagents agents on $hosts; the agents' sum: $sum; the schedule: $want"
jq -r '.cells[0].agents[] | "  agent \(.index): \(.requests) requests, p50 \(.latency_p50_us) µs, p99 \(.latency_p99_us) µs, first request \(.start_skew_us) µs late"' "$tmp/merged.json" || true
[ "$nagents" -eq "$agents" ] || fail "$nagents agents merged, not $agents"
[ "$requests" -eq "$sum" ] || fail "the merged cell counts $requests requests but its agents $sum"
[ "$fell_due" -eq "$want" ] || fail "$fell_due requests fell due, not the schedule's $want ($rate/s for ${duration}s)"
[ "$requests" -eq "$want" ] || fail "$requests requests succeeded, not the schedule's $want ($errors errors)"
say "the merged request count is the agents' sum and the schedule's ($want)"

# --- The caller's command, while the cluster is up -------------------------
if [ "$#" -gt 0 ]; then
	export LATBENCH_SLURM_BIN=$agent LATBENCH_SLURM_TARGET=127.0.0.1:$target_port LATBENCH_SLURM_SHARED=$tmp/shared
	say "running: $*"
	"$@" || fail "$* failed under the test cluster"
fi
echo "PASS: Slurm runs here; $agents latbench agents as one srun step merged into the schedule's $want requests"

# lib.sh: helpers of the install scripts of the reference study's proxies
# (scripts/study/install-*.sh); sourced, not run. Each script installs one
# proxy, pinned, into bin/study/<name>/ of the repository and writes
# bin/study/<name>/VERSION (one line) last, so an interrupted install is
# redone on the next run.

# The repository root and the folder all study proxies go into.
root=$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
study_bin="$root/bin/study"

# say prints what the script does, on stderr.
say() {
	echo "${script_name:-study}: $*" >&2
}

# fail prints an error (what went wrong and how to fix it) and exits 1.
fail() {
	echo "${script_name:-study}: error: $*" >&2
	exit 1
}

# need TOOL FIX fails with FIX unless TOOL is on PATH.
need() {
	command -v "$1" >/dev/null 2>&1 || fail "$1 not found; $2"
}

# thirdparty_dir prints the folder of local sources for machines that
# cannot reach upstream: $LATBENCH_THIRDPARTY, else ../shared/thirdparty
# next to the repository, if it exists; nothing otherwise.
# (lib.sh has checked $LATBENCH_THIRDPARTY when it was sourced.)
thirdparty_dir() {
	if [ -n "${LATBENCH_THIRDPARTY:-}" ]; then
		(CDPATH='' cd -- "$LATBENCH_THIRDPARTY" && pwd)
	elif [ -d "$root/../shared/thirdparty" ]; then
		(CDPATH='' cd -- "$root/../shared/thirdparty" && pwd)
	fi
}

# thirdparty_file NAME prints the path of NAME in the local sources folder
# if it is there; nothing otherwise.
thirdparty_file() {
	local dir
	dir=$(thirdparty_dir)
	if [ -n "$dir" ] && [ -e "$dir/$1" ]; then
		echo "$dir/$1"
	fi
}

# installed DIR FILE PINNED succeeds when DIR/FILE exists and DIR/VERSION
# is PINNED, possibly followed by " (build details)" such as the toolchain
# that built it.
installed() {
	local dir=$1 file=$2 pinned=$3 line
	[ -e "$dir/$file" ] && [ -f "$dir/VERSION" ] || return 1
	line=$(head -n 1 "$dir/VERSION")
	[ "$line" = "$pinned" ] || [ "${line#"$pinned" (}" != "$line" ]
}

# already DIR says that the pinned version is installed in DIR.
already() {
	say "already installed: $(head -n 1 "$1/VERSION") in ${1#"$root"/}"
}

# write_version DIR LINE writes DIR/VERSION atomically and says so.
write_version() {
	printf '%s\n' "$2" >"$1/VERSION.tmp"
	mv -f "$1/VERSION.tmp" "$1/VERSION"
	say "installed $2 in ${1#"$root"/}"
}

# parse_source "$@" sets $local_source from `--source PATH` and fails on any
# other argument; usage is the script's usage line.
parse_source() {
	local_source=""
	while [ "$#" -gt 0 ]; do
		case "$1" in
		--source)
			[ "$#" -ge 2 ] || fail "--source needs a path; usage: $usage"
			local_source=$2
			shift 2
			;;
		--source=*)
			local_source=${1#--source=}
			shift
			;;
		-h | --help)
			echo "usage: $usage" >&2
			exit 0
			;;
		*)
			fail "unknown argument $1; usage: $usage"
			;;
		esac
	done
	if [ -n "$local_source" ]; then
		[ -e "$local_source" ] || fail "--source $local_source does not exist"
		local_source=$(absolute "$local_source")
	fi
}

# absolute PATH prints PATH made absolute.
absolute() {
	local dir
	dir=$(CDPATH='' cd -- "$(dirname -- "$1")" && pwd)
	echo "${dir%/}/$(basename -- "$1")"
}

# checkout_git SRC COMMIT DIR clones SRC (a git bundle, a repository or a
# URL) into DIR and checks out COMMIT, which must be in it.
checkout_git() {
	local src=$1 commit=$2 dir=$3
	rm -rf "$dir"
	GIT_TERMINAL_PROMPT=0 git clone --quiet --no-checkout "$src" "$dir" ||
		fail "cannot clone $src; pass --source with a git bundle or a clone of it"
	git -C "$dir" -c advice.detachedHead=false checkout --quiet "$commit" 2>/dev/null ||
		fail "$src does not hold commit $commit; pass --source with a bundle or clone that has it"
}

if [ -n "${LATBENCH_THIRDPARTY:-}" ] && [ ! -d "$LATBENCH_THIRDPARTY" ]; then
	fail "LATBENCH_THIRDPARTY=$LATBENCH_THIRDPARTY is not a folder; point it at the folder of local sources (git bundles) or unset it"
fi

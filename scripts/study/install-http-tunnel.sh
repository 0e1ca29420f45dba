#!/usr/bin/env bash
# install-http-tunnel.sh [--source DIR] installs http-tunnel 0.1.11 (Rust,
# tokio; crates.io), the reference study's Rust proxy, as
# bin/study/http-tunnel/bin/http-tunnel, and writes the logging config it
# reads from ./config/log4rs.yaml of its working directory
# (bin/study/http-tunnel/config/log4rs.yaml): level error, to stderr, as the
# study ran it ("logging off"). It writes bin/study/http-tunnel/VERSION last
# and does nothing when that version is installed already.
#
# It runs `cargo install` without --locked: the crate's lock file pins a
# dependency that no longer builds with current Rust, so cargo resolves the
# newest compatible versions of its dependencies instead.
#
# --source DIR builds from an unpacked http-tunnel-0.1.11 crate instead of
# crates.io's (its dependencies still come from crates.io or the source
# replacement of your cargo config).
set -euo pipefail
script_name=install-http-tunnel.sh
usage="$0 [--source CRATE_DIR]"
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh"
parse_source "$@"

version=0.1.11
dest="$study_bin/http-tunnel"
pinned="http-tunnel $version"

# write_log_config writes the log4rs config: errors only, on stderr, which
# latbench captures; no log files.
write_log_config() {
	mkdir -p "$dest/config"
	cat >"$dest/config/log4rs.yaml.tmp" <<'YAML'
# Written by scripts/study/install-http-tunnel.sh. http-tunnel reads
# ./config/log4rs.yaml from its working directory (latbench starts it in
# bin/study/http-tunnel). Level error: the study ran the proxies with
# logging off. Errors go to stderr, which latbench keeps.
appenders:
  stderr:
    kind: console
    target: stderr
root:
  level: error
  appenders:
    - stderr
loggers:
  metrics:
    level: error
    appenders:
      - stderr
    additive: false
YAML
	mv -f "$dest/config/log4rs.yaml.tmp" "$dest/config/log4rs.yaml"
}

if installed "$dest" bin/http-tunnel "$pinned" && [ -f "$dest/config/log4rs.yaml" ]; then
	already "$dest"
	exit 0
fi
need cargo "install Rust with rustup (https://rustup.rs), then run this again"

rm -f "$dest/VERSION"
mkdir -p "$dest"
if [ -n "$local_source" ]; then
	grep -q "^version = \"$version\"" "$local_source/Cargo.toml" 2>/dev/null ||
		fail "$local_source is not the http-tunnel $version crate (its Cargo.toml has no version = \"$version\")"
	say "building http-tunnel from $local_source with cargo (a few minutes)"
	cargo install --force --path "$local_source" --root "$dest" ||
		fail "cargo could not build $local_source; its output is above"
else
	say "building http-tunnel $version from crates.io with cargo (a few minutes)"
	cargo install --force http-tunnel --version "$version" --root "$dest" ||
		fail "cargo could not install http-tunnel $version; its output is above (without crates.io, pass --source with the unpacked crate)"
fi
write_log_config
# "rustc 1.95.0 (59807616e 2026-04-14)" -> "rustc 1.95.0"
rustc_version=$(rustc --version 2>/dev/null | cut -d' ' -f1-2)
write_version "$dest" "$pinned (${rustc_version:-rustc unknown})"

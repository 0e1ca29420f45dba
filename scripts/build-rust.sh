#!/usr/bin/env bash
# build-rust.sh builds the Rust reference server (servers/rust) in release
# mode with the locked dependency versions and installs it as
# bin/latbench-server-rust in the repository root. Cargo's target directory
# is servers/rust/target.
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
	echo "build-rust.sh: cargo not found; install Rust with rustup: https://rustup.rs" >&2
	exit 1
fi

# A C compiler links the binary and builds aws-lc (rustls's crypto, for
# --tls-cert); protoc comes from a crate, so nothing else is needed.
if ! command -v cc >/dev/null 2>&1; then
	echo "build-rust.sh: no C compiler (cc) found; install gcc or clang (Debian: apt-get install gcc)" >&2
	exit 1
fi

cd "$(dirname "$0")/.."
cargo build --release --locked --manifest-path servers/rust/Cargo.toml
mkdir -p bin
# Copy, then rename: replacing the file a running server executes is fine,
# overwriting it in place is not (ETXTBSY).
cp servers/rust/target/release/latbench-server-rust bin/.latbench-server-rust.tmp
mv -f bin/.latbench-server-rust.tmp bin/latbench-server-rust

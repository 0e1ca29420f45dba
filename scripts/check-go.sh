#!/bin/sh
# Checks that a Go toolchain is on PATH and says how to get one if not.
# The exact version go.mod asks for is fetched by go itself (GOTOOLCHAIN).
if ! command -v go >/dev/null 2>&1; then
	want=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$(dirname "$0")/../go.mod")
	echo "latbench needs Go $want or newer: install it from https://go.dev/dl/ (or your package manager) and put it on PATH" >&2
	exit 1
fi

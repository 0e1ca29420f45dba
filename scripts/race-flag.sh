#!/bin/sh
# Prints -race when the race detector can work here (cgo on and a C
# compiler present), nothing otherwise.
cc=$(go env CC 2>/dev/null)
if [ "$(go env CGO_ENABLED 2>/dev/null)" = "1" ] && command -v "${cc:-gcc}" >/dev/null 2>&1; then
	echo -race
fi

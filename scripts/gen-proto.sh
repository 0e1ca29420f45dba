#!/usr/bin/env bash
# gen-proto.sh regenerates the Go code of the echo service,
# servers/proto/echov1/*.pb.go, from servers/proto/echo.proto. The
# generated files are checked in, so building latbench needs neither
# protoc nor the plugins; run this after changing the .proto.
#
# It needs protoc (Debian's protobuf-compiler, which it installs with
# scripts/install-debian.sh when it is missing) and Go. The two plugins
# are built at the pinned versions below into a temporary GOBIN, so the
# output does not depend on what is installed on the machine.
set -euo pipefail

# Pinned plugin versions. protoc-gen-go matches the protobuf runtime of
# go.mod (v1.36.x); protoc-gen-go-grpc v1.6.x generates code for
# google.golang.org/grpc v1.64 and newer.
PROTOC_GEN_GO_VERSION=v1.36.11
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null 2>&1; then
	scripts/install-debian.sh protobuf-compiler
fi
if ! command -v go >/dev/null 2>&1; then
	echo "gen-proto.sh: go not found; see scripts/check-go.sh" >&2
	exit 1
fi

gobin=$(mktemp -d)
trap 'rm -rf "$gobin"' EXIT
GOBIN="$gobin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"
GOBIN="$gobin" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"

mkdir -p servers/proto/echov1
# paths=source_relative with the proto path servers/proto puts the output
# next to the package of go_package: servers/proto/echov1.
PATH="$gobin:$PATH" protoc \
	--proto_path=servers/proto \
	--go_out=servers/proto/echov1 --go_opt=paths=source_relative \
	--go-grpc_out=servers/proto/echov1 --go-grpc_opt=paths=source_relative \
	echo.proto
echo "gen-proto.sh: wrote $(ls servers/proto/echov1/*.pb.go | tr '\n' ' ')" >&2

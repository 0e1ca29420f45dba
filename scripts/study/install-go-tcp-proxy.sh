#!/usr/bin/env bash
# install-go-tcp-proxy.sh [--source BUNDLE|REPO] installs go-tcp-proxy
# v1.0.2 (github.com/jpillora/go-tcp-proxy, cmd/tcp-proxy), the reference
# study's Go proxy, as bin/study/go-tcp-proxy/tcp-proxy. It writes
# bin/study/go-tcp-proxy/VERSION last and does nothing when that version is
# installed already.
#
# It tries `go install github.com/jpillora/go-tcp-proxy/cmd/tcp-proxy@v1.0.2`
# first. Where the Go module proxy does not serve that module, it builds
# tag v1.0.2 (commit 69cade9) from a git source: --source (a git bundle, a
# clone or a URL), else go-tcp-proxy.bundle of the local sources folder
# ($LATBENCH_THIRDPARTY, or ../shared/thirdparty next to the repository),
# else github.com. Its two dependencies come from the Go module proxy,
# checked against the go.sum of v1.0.2.
set -euo pipefail
script_name=install-go-tcp-proxy.sh
usage="$0 [--source GIT_BUNDLE_OR_REPO]"
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh"
parse_source "$@"

module=github.com/jpillora/go-tcp-proxy
version=v1.0.2
commit=69cade9cb3dd054c98f85e9d4730e4e021ee0df2
dest="$study_bin/go-tcp-proxy"
pinned="go-tcp-proxy $version"

if installed "$dest" tcp-proxy "$pinned"; then
	already "$dest"
	exit 0
fi
need go "install Go from https://go.dev/dl/ (or run scripts/check-go.sh), then run this again"
rm -f "$dest/VERSION"
mkdir -p "$dest"
# The version the binary prints at start, as upstream's release builds set it.
ldflags="-X main.version=${version#v}"

how=""
if [ -z "$local_source" ]; then
	say "trying go install $module/cmd/tcp-proxy@$version"
	if GOBIN="$dest" go install -trimpath -ldflags "$ldflags" "$module/cmd/tcp-proxy@$version"; then
		how="module proxy"
	else
		say "go install failed (the module proxy may refuse this module); building from git"
	fi
fi
if [ -z "$how" ]; then
	need git "install git, e.g. apt-get install git"
	src=${local_source:-$(thirdparty_file go-tcp-proxy.bundle)}
	src=${src:-https://$module}
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/latbench-go-tcp-proxy.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	say "building $version ($commit) from $src"
	checkout_git "$src" "$commit" "$tmp/src"
	[ "$(git -C "$tmp/src" rev-parse "$version^{commit}" 2>/dev/null)" = "$commit" ] ||
		say "note: $src has no tag $version on commit $commit; building the commit"
	(cd "$tmp/src" && GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$tmp/tcp-proxy" ./cmd/tcp-proxy) ||
		fail "go build failed; its output is above (its dependencies come from the Go module proxy: check GOPROXY)"
	mv -f "$tmp/tcp-proxy" "$dest/tcp-proxy"
	how="git ${commit:0:7}"
fi
write_version "$dest" "$pinned ($how, $(go env GOVERSION))"

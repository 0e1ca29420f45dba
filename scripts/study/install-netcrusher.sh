#!/usr/bin/env bash
# install-netcrusher.sh [--source FILE] installs NetCrusher 0.10 (Java NIO),
# the reference study's Java proxy: the dist archive of Maven Central's
# com.github.netcrusherorg:netcrusher-core:0.10 (classifier dist, type
# tar.gz), checked against its pinned SHA-1 and unpacked into
# bin/study/netcrusher (lib/*.jar, bin/logback.xml, bin/run-tcp-crusher.sh).
# latbench starts its main class with `java -cp`: the archive's
# run-tcp-crusher.sh passes -XX:+UseParNewGC -XX:+UseConcMarkSweepGC, which
# Java 14 and later refuse. It writes bin/study/netcrusher/VERSION last and
# does nothing when that version is installed already.
#
# The archive comes from repo1.maven.org with curl, else through Maven
# (mvn dependency:copy, which honours your settings.xml mirrors and
# proxies). --source FILE uses a local copy of
# netcrusher-core-0.10-dist.tar.gz instead.
set -euo pipefail
script_name=install-netcrusher.sh
usage="$0 [--source netcrusher-core-0.10-dist.tar.gz]"
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh"
parse_source "$@"

version=0.10
archive_name="netcrusher-core-$version-dist.tar.gz"
archive_sha1=a8a17e90d5a890385dbb6f73ec2c8fc571f751c6
artifact="com.github.netcrusherorg:netcrusher-core:$version:tar.gz:dist"
url="https://repo1.maven.org/maven2/com/github/netcrusherorg/netcrusher-core/$version/$archive_name"
dest="$study_bin/netcrusher"
pinned="netcrusher-core $version"
jar="lib/netcrusher-core-$version.jar"

if installed "$dest" "$jar" "$pinned"; then
	already "$dest"
	exit 0
fi
need java "install a JDK or JRE 11 or newer, e.g. apt-get install openjdk-17-jre-headless"
need sha1sum "install coreutils"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/latbench-netcrusher.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# fetch puts the archive into $tmp/$archive_name.
fetch() {
	if [ -n "$local_source" ]; then
		say "using $local_source"
		cp "$local_source" "$tmp/$archive_name"
		return
	fi
	if command -v curl >/dev/null 2>&1; then
		say "downloading $url"
		if curl -fsSL --retry 2 -o "$tmp/$archive_name" "$url"; then
			return
		fi
		say "curl could not download it; trying Maven"
	fi
	command -v mvn >/dev/null 2>&1 ||
		fail "cannot download $artifact: no curl download and no mvn; install curl or Maven (apt-get install curl maven), or pass --source with a local $archive_name"
	say "fetching $artifact with mvn dependency:copy"
	mvn -q -B -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
		-Dartifact="$artifact" -DoutputDirectory="$tmp" -Dmdep.useBaseVersion=true ||
		fail "mvn could not fetch $artifact; pass --source with a local $archive_name"
	[ -f "$tmp/$archive_name" ] || fail "mvn did not write $archive_name"
}

fetch
got=$(sha1sum "$tmp/$archive_name" | cut -d' ' -f1)
[ "$got" = "$archive_sha1" ] ||
	fail "$archive_name has SHA-1 $got, want $archive_sha1 (Maven Central's); the download is corrupt or not NetCrusher $version"
rm -rf "$dest"
mkdir -p "$dest"
tar -xzf "$tmp/$archive_name" -C "$dest" --strip-components=1
[ -f "$dest/$jar" ] || fail "$archive_name has no $jar"
write_version "$dest" "$pinned"

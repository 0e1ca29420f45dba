#!/usr/bin/env bash
# build-java.sh builds the Java reference server (servers/java, Netty) with
# Maven, runs its unit tests, and installs the runnable shaded jar as
# bin/latbench-server-java.jar in the repository root. Maven's build
# directory is bin/java-build (git-ignored, set in servers/java/pom.xml).
# The gRPC code of --mode grpc is generated from servers/proto/echo.proto
# during the build: Maven fetches protoc and protoc-gen-grpc-java for this
# platform from Maven Central like any other artifact, so a JDK and Maven
# are all the machine needs.
#
# The jar targets Java 17. Its --io virtual form needs Java 21+ at run time:
# when a JDK 21+ is found (java on PATH, then /usr/lib/jvm/*/bin/java), the
# script also writes the launcher bin/latbench-server-java-virtual, which
# runs the jar on that JDK with --io virtual; otherwise it removes it.
set -euo pipefail

# The JVM flags of servers/targets.yaml's java entry; keep the two in step.
jvm_flags="-Xms256m -Xmx256m -XX:+UseParallelGC -XX:+PerfDisableSharedMem -Dio.netty.leakDetection.level=disabled"
virtual_launcher=bin/latbench-server-java-virtual

# java_major prints the feature release of the java binary $1 ("17", "25"),
# or nothing if it does not run. "java -version" prints e.g.
# `openjdk version "17.0.15" ...` (or "1.8.0_x" for Java 8).
java_major() {
	{ "$1" -version 2>&1 || true; } | sed -n 's/.* version "\([0-9]*\)[."].*/\1/p' | head -n 1
}

# find_java21 prints the path of a java binary of release 21 or newer: the
# one on PATH if it is, else the newest under /usr/lib/jvm; nothing if none.
find_java21() {
	local candidate major="" best="" best_major=20
	candidate=$(command -v java || true)
	if [ -n "$candidate" ]; then
		major=$(java_major "$candidate")
	fi
	if [ "${major:-0}" -gt "$best_major" ]; then
		readlink -f "$candidate"
		return
	fi
	for candidate in /usr/lib/jvm/*/bin/java; do
		[ -x "$candidate" ] || continue
		major=$(java_major "$candidate")
		if [ "${major:-0}" -gt "$best_major" ]; then
			best=$candidate best_major=$major
		fi
	done
	printf '%s' "$best"
}

# write_virtual_launcher writes $virtual_launcher for the java binary $1.
write_virtual_launcher() {
	local tmp="$virtual_launcher.tmp"
	cat >"$tmp" <<LAUNCHER
#!/bin/sh
# The Java reference server in its --io virtual form (one virtual thread per
# connection) on Java $(java_major "$1"); written by scripts/build-java.sh.
# JVM flags as servers/targets.yaml's java entry.
jar="\$(cd "\$(dirname "\$0")" && pwd)/latbench-server-java.jar"
exec "$1" $jvm_flags -jar "\$jar" --io virtual "\$@"
LAUNCHER
	chmod +x "$tmp"
	mv -f "$tmp" "$virtual_launcher"
}

fix="install a JDK 17+ and Maven, e.g. apt-get install openjdk-17-jdk-headless maven"
for tool in java mvn; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "build-java.sh: $tool not found; $fix" >&2
		exit 1
	fi
done
major=$(java_major java)
if [ -z "$major" ] || [ "$major" -lt 17 ]; then
	echo "build-java.sh: need Java 17 or newer, found ${major:-an unknown version}; $fix" >&2
	exit 1
fi

cd "$(dirname "$0")/.."
mvn -q -B -f servers/java/pom.xml package
mkdir -p bin
# Copy, then rename, so a running server never sees a half-written jar.
cp bin/java-build/latbench-server-java.jar bin/.latbench-server-java.jar.tmp
mv -f bin/.latbench-server-java.jar.tmp bin/latbench-server-java.jar

java21=$(find_java21)
if [ -n "$java21" ]; then
	write_virtual_launcher "$java21"
else
	rm -f "$virtual_launcher"
	echo "build-java.sh: java-virtual is not available: no JDK 21 or newer found (java on PATH, /usr/lib/jvm/*/bin/java)" >&2
fi

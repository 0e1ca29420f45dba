#!/usr/bin/env bash
# build-java.sh builds the Java reference server (servers/java, Netty) with
# Maven, runs its unit tests, and installs the runnable shaded jar as
# bin/latbench-server-java.jar in the repository root. Maven's build
# directory is bin/java-build (git-ignored, set in servers/java/pom.xml).
set -euo pipefail

fix="install a JDK 17+ and Maven, e.g. apt-get install openjdk-17-jdk-headless maven"
for tool in java mvn; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "build-java.sh: $tool not found; $fix" >&2
		exit 1
	fi
done
# "java -version" prints e.g. `openjdk version "17.0.15" ...` (or "1.8.0_x" for Java 8).
major=$(java -version 2>&1 | sed -n 's/.* version "\([0-9]*\)[."].*/\1/p' | head -n 1)
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

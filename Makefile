# latbench: `make bench` builds what it needs and runs the quick suite on
# the Go reference server; `make test` runs the tests.

GO          ?= go
BIN         := bin
SUITE       ?= scenarios/suites/quick.yaml
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The race detector needs cgo and a C compiler; without them tests run
# without it.
RACE        := $(shell scripts/race-flag.sh)
FUZZTIME    ?= 10s

.PHONY: all build servers server-go study-targets bench perf soak selftest test test-deps bench-go fuzz lint toolchain clean

all: build servers

toolchain:
	@scripts/check-go.sh

# latbench, and the executables it launches agents with: latbench-agent
# (one load agent, what an agent image carries) and latbench-k8s (the
# Kubernetes launcher, the only one with client-go in it).
build: toolchain
	$(GO) build -o $(BIN)/latbench ./cmd/latbench
	$(GO) build -o $(BIN)/latbench-agent ./cmd/latbench-agent
	$(GO) build -o $(BIN)/latbench-k8s ./cmd/latbench-k8s

# Every reference server whose toolchain is here, plus nginx and HAProxy
# from Debian's packages; it lists what it skipped and why.
servers: toolchain
	@scripts/build-servers.sh

# The six proxies of the reference study (servers/study.yaml), pinned, into
# bin/study/; sources no registry serves here come from
# $LATBENCH_THIRDPARTY or ../shared/thirdparty when it exists.
study-targets:
	@scripts/study/install-all.sh

# The quick suite needs only the Go reference server.
server-go: toolchain
	$(GO) build -o $(BIN)/latbench-server-go ./servers/go

# The quick suite needs latbench and the Go server only, built by one go
# build: packages they share are compiled once and the two are linked side
# by side (the server's package is named go, hence the mv). The server is
# built without gRPC (-tags nogrpc), which the quick suite does not use and
# which would double its compile time; `make servers` builds the whole one.
# On a new machine the modules download first; the standard library's heavy
# packages, which need no download, compile beside that download.
bench: toolchain
	$(GO) build net/http encoding/json encoding/gob image/png & \
	$(GO) list -tags nogrpc -deps ./cmd/latbench ./servers/go >/dev/null; \
	status=$$?; wait $$! && exit $$status
	$(GO) build -tags nogrpc -o $(BIN)/ ./cmd/latbench ./servers/go
	mv $(BIN)/go $(BIN)/latbench-server-go
	$(BIN)/latbench suite $(SUITE)

# The conformance suite (servers/conformance) runs against every server
# built here; with CI=true a server that cannot be built fails the tests.
# Headless Chromium renders report.html in the report tests.
# On a kernel without sch_netem the netem test runs inside User-mode
# Linux (scripts/uml, installed by test-deps).
# LATBENCH_SLURM_TEST=1: bench/launch starts a one-node Slurm here
# (scripts/slurm/test-slurm.sh) and runs agents under srun; it skips,
# saying why, where Slurm cannot run.
test: toolchain servers test-deps
	LATBENCH_SLURM_TEST=1 $(GO) test $(RACE) -count=1 -timeout 20m ./...
	@scripts/test-servers.sh

test-deps:
	@scripts/install-debian.sh --if-possible chromium prometheus-pushgateway prometheus
	@scripts/uml/install.sh --if-possible

# Allocation and throughput benchmarks of the request hot paths.
bench-go: toolchain
	$(GO) test -run '^$$' -bench . -benchmem ./scenarios/... ./bench/...

# latbench against a reference client (open loop) and wrk (closed loop),
# before against after its event-loop engine, its memory at 10,000
# connections and coordinated omission, on this machine (docs/perf.md).
perf: toolchain
	@scripts/perf.sh

# latbench's memory over a long run (an hour at 20,000 rps; SOAK=10m for
# less): flat within +10% of its first minute, written in docs/perf.md.
SOAK ?= 1h
soak: toolchain
	@scripts/soak.sh $(SOAK)

# How much of the host's noise the sequential and the paired method let
# through here (docs/accuracy.md): an A/A test and HAProxy against nginx
# (the Go proxy and server where those are not installed), five repeats,
# quiet and then with injected CPU freezes (root).
SELFTEST ?= --repeats 5 --freeze both
selftest: build
	$(BIN)/latbench selftest noise $(SELFTEST)

# A short run of every fuzz target.
fuzz: toolchain
	@scripts/fuzz.sh $(FUZZTIME)

lint: toolchain
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed on:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf $(BIN)

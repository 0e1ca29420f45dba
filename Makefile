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

.PHONY: all build servers bench test bench-go fuzz lint toolchain clean

all: build servers

toolchain:
	@scripts/check-go.sh

build: toolchain
	$(GO) build -o $(BIN)/latbench ./cmd/latbench

servers: toolchain
	$(GO) build -o $(BIN)/latbench-server-go ./servers/go

bench: build servers
	$(BIN)/latbench suite $(SUITE)

test: toolchain
	$(GO) test $(RACE) -count=1 ./...

# Allocation and throughput benchmarks of the request hot paths.
bench-go: toolchain
	$(GO) test -run '^$$' -bench . -benchmem ./scenarios/... ./bench/...

# A short run of every fuzz target.
fuzz: toolchain
	@scripts/fuzz.sh $(FUZZTIME)

lint: toolchain
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed on:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf $(BIN)

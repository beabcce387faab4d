# CityPipe: `make demo` runs the whole thing on this machine; `make test` runs every test.
SWIFT ?= swift
CITYPIPE := .build/debug/citypipe
# The test suite's own embedded cluster (a folder the postgres user can enter when run as root).
export CITYPIPE_TEST_HOME ?= /tmp/citypipe-test-$(shell id -u)

.PHONY: all bootstrap build test demo bench-copy bench-ingest bench-transform clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build --product citypipe

test: build
	@status=0; $(SWIFT) test || status=$$?; \
	CITYPIPE_HOME=$(CITYPIPE_TEST_HOME) $(CITYPIPE) db down >/dev/null 2>&1 || true; \
	exit $$status

demo: build
	CITYPIPE_BIN=$(CITYPIPE) scripts/demo

bench-copy: bootstrap
	Benchmarks/copy/run.sh

bench-ingest:
	BOOTSTRAP_BENCHMARKS=1 scripts/bootstrap
	Benchmarks/ingest/run.sh

bench-transform: bootstrap
	Benchmarks/transform/run.sh

clean:
	-$(CITYPIPE) db down
	rm -rf .build

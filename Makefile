# CityPipe: `make demo` runs the whole thing on this machine; `make test` runs every test.
SWIFT ?= swift
CITYPIPE := .build/debug/citypipe
# The test suite's own embedded cluster (a folder the postgres user can enter when run as root).
export CITYPIPE_TEST_HOME ?= /tmp/citypipe-test-$(shell id -u)

.PHONY: all bootstrap build test api-contract-test demo bench-copy bench-ingest bench-transform bench-nightly bench-api bench-maps bench-geo bench-air bench-faults clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build --product citypipe

# The test recipe pipes through tee and needs pipefail.
SHELL := /bin/bash

# The Swift tests, then the API contract test (schemathesis against `citypipe serve`, on its own cluster under
# $(CITYPIPE_TEST_HOME)/api-contract); it runs even when the Swift tests failed. Then the short fault campaign
# (Benchmarks/faults/run.sh --short: 10+ kills -9 and two PostgreSQL stops on clusters of its own under /tmp, every
# table compared with an uninterrupted load, the ledger checked; its simulator is the contract test's, seed 1 at
# scale 0.01, so the search below covers its output too). Then the personal-data search
# (scripts/pii-log-search, its self-test first) over every log of both: their output (tee'd to $(TEST_LOGS)), what
# each `citypipe` the Swift tests ran printed ($(TEST_LOGS)/citypipe-children.log), the contract test's logs
# (access log, --log-file, simulator), the PostgreSQL server logs of both clusters (this run's: the old one is moved
# to server.log.prev first), for every citizen ID, name and phone of the truth of every simulator they started
# ($(TEST_TRUTH), kept by the test support; the contract test's in api-contract/truth). Any of the four failing
# fails the target.
TEST_LOGS := $(CITYPIPE_TEST_HOME)/logs
TEST_TRUTH := $(CITYPIPE_TEST_HOME)/truth
test: build
	@set -o pipefail; status=0; \
	CITYPIPE_HOME=$(CITYPIPE_TEST_HOME) $(CITYPIPE) db down >/dev/null 2>&1 || true; \
	rm -rf $(TEST_LOGS) $(TEST_TRUTH) && mkdir -p $(TEST_LOGS) $(TEST_TRUTH); \
	if [ -f $(CITYPIPE_TEST_HOME)/pg/server.log ]; then mv -f $(CITYPIPE_TEST_HOME)/pg/server.log $(CITYPIPE_TEST_HOME)/pg/server.log.prev; fi; \
	CITYPIPE_TEST_LOGS=$(TEST_LOGS) CITYPIPE_TEST_TRUTH=$(TEST_TRUTH) $(SWIFT) test 2>&1 | tee $(TEST_LOGS)/swift-test.log || status=$$?; \
	CITYPIPE_HOME=$(CITYPIPE_TEST_HOME) $(CITYPIPE) db down >/dev/null 2>&1 || true; \
	CITYPIPE_BIN=$(CITYPIPE) scripts/api-contract-test 2>&1 | tee $(TEST_LOGS)/api-contract-test.log || status=$$?; \
	CITYPIPE_BIN=$(CITYPIPE) Benchmarks/faults/run.sh --short 2>&1 | tee $(TEST_LOGS)/faults-short.log || status=$$?; \
	scripts/pii-log-search --self-test && \
	scripts/pii-log-search --truth $(TEST_TRUTH) --truth $(CITYPIPE_TEST_HOME)/api-contract/truth \
	  --simulators $(TEST_TRUTH)/in-process-simulators.txt --citypipe $(CITYPIPE) \
	  $(TEST_LOGS) $(CITYPIPE_TEST_HOME)/pg/server.log \
	  $(CITYPIPE_TEST_HOME)/api-contract/logs $(CITYPIPE_TEST_HOME)/api-contract/pg/server.log || status=$$?; \
	exit $$status

api-contract-test: build
	CITYPIPE_BIN=$(CITYPIPE) scripts/api-contract-test

demo: build
	CITYPIPE_BIN=$(CITYPIPE) scripts/demo

bench-copy: bootstrap
	Benchmarks/copy/run.sh

bench-ingest:
	BOOTSTRAP_BENCHMARKS=1 scripts/bootstrap
	Benchmarks/ingest/run.sh

bench-transform: bootstrap
	Benchmarks/transform/run.sh

# The whole nightly run (citypipe run nightly) at scales 1 and 2.6: a first load, then the next night after a day's
# changes (NIGHTLY_SCALES="0.1" to change them); wall, RSS, CPU, rows, and the seconds of each step and model.
NIGHTLY_SCALES ?=
bench-nightly: bootstrap
	Benchmarks/nightly/run.sh $(NIGHTLY_SCALES)

bench-api:
	BOOTSTRAP_BENCHMARKS=1 scripts/bootstrap
	Benchmarks/api/run.sh

# Needs the scale-1 database bench-api loads; makes tipg's virtualenv itself.
bench-maps:
	BOOTSTRAP_BENCHMARKS=1 scripts/bootstrap
	Benchmarks/maps/run.sh

# citypipe ingest land (200,000 parcels, both VN-2000 zones) against ogr2ogr on the same GeoJSON.
bench-geo:
	BOOTSTRAP_BENCHMARKS=1 scripts/bootstrap
	Benchmarks/geo/run.sh

# citypipe ingest air_quality (a year of hourly observations, 20 stations) against psql \copy, and the VN_AQI models.
bench-air:
	BOOTSTRAP_BENCHMARKS=1 scripts/bootstrap
	Benchmarks/air/run.sh

# The whole fault campaign: 100+ kills -9, six PostgreSQL stops, the simulator at --faults 0.2, a full disk
# (FAULTS_ARGS="--kills 200 --seed 7" to change it; RELIABILITY.md has its figures).
bench-faults: build
	CITYPIPE_BIN=$(CITYPIPE) Benchmarks/faults/run.sh $(FAULTS_ARGS)

clean:
	-$(CITYPIPE) db down
	rm -rf .build

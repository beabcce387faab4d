# CityPipe: `make demo` runs the whole thing on this machine; `make test` runs every test.
SWIFT ?= swift
CITYPIPE := .build/debug/citypipe
# The test suite's own embedded cluster (a folder the postgres user can enter when run as root).
export CITYPIPE_TEST_HOME ?= /tmp/citypipe-test-$(shell id -u)

.PHONY: all bootstrap build test api-contract-test demo bench-copy bench-ingest bench-transform bench-api bench-maps bench-geo bench-air clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build --product citypipe

# The Swift tests, then the API contract test (schemathesis against `citypipe serve`, on its own cluster under
# $(CITYPIPE_TEST_HOME)/api-contract); it runs even when the Swift tests failed, and either failing fails the target.
test: build
	@status=0; $(SWIFT) test || status=$$?; \
	CITYPIPE_HOME=$(CITYPIPE_TEST_HOME) $(CITYPIPE) db down >/dev/null 2>&1 || true; \
	CITYPIPE_BIN=$(CITYPIPE) scripts/api-contract-test || status=$$?; \
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

clean:
	-$(CITYPIPE) db down
	rm -rf .build

#!/usr/bin/env bash
# COPY benchmark: citypipe's Postgres.copyIn against psql \copy, same rows, same server, one run.
# Uses the embedded cluster ($CITYPIPE_HOME, default ./.citypipe) unless DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product copy-bench
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%d)"
.build/release/copy-bench "$@"

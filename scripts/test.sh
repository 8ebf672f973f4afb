#!/usr/bin/env bash
# Sets up, builds and runs every test (CTest labels: unit, parity, e2e, gpu). Fixtures are read
# from $PALETTE_FIXTURES, else ../shared/fixtures beside the project.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
start=$(date +%s)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "${PALETTE_BUILD_DIR:-$root/build}"
# CTest runs one test per core; OpenBLAS's own threads would only spin against the other test.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
ctest --output-on-failure --parallel "$(nproc)" "$@"
echo "test.sh: set up, built and tested in $(( $(date +%s) - start )) s"

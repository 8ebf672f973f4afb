#!/usr/bin/env bash
# Configures and builds into build/ (or $PALETTE_BUILD_DIR). Extra arguments go to CMake's configure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${PALETTE_BUILD_DIR:-$root/build}"
generator=()
if [ ! -f "$build/CMakeCache.txt" ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" --parallel "$(nproc)"

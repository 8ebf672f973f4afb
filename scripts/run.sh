#!/usr/bin/env bash
# Sets up, builds, and runs the main job: `palette` with the given arguments, `palette info` by
# default (the engine's version and the devices it can use).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" >/dev/null
palette="${PALETTE_BUILD_DIR:-$root/build}/src/palette"
if [ $# -eq 0 ]; then set -- info; fi
exec "$palette" "$@"

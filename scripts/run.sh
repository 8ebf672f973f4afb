#!/usr/bin/env bash
# Sets up, builds, and runs the main job on the built-in default model (assets/default-model, trained
# by the project itself): with a display, the app on the landscape example; without one, `palette
# render` of that layout to out/landscape.png. With arguments, runs `palette` with them instead, e.g.
#   ./scripts/run.sh render --model ~/models/sd15 -p "a lighthouse at dusk" -o out.png
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" >/dev/null
build="${PALETTE_BUILD_DIR:-$root/build}"
if [ $# -gt 0 ]; then exec "$build/src/palette" "$@"; fi
layout="$root/assets/examples/landscape.layout.json"
if [ -n "${DISPLAY:-}" ] && [ -x "$build/src/app/semantic-palette" ]; then
  exec "$build/src/app/semantic-palette" "$layout"  # no model named: the built-in one
fi
mkdir -p "$root/out"
exec "$build/src/palette" render --layout "$layout" -o "$root/out/landscape.png"

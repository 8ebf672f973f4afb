#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool), from the repository root, with .deps carried:
#   run(command="scripts/gpu/churn.sh", carry=[".deps"])
# Bisects the app's host-memory growth (issue 23; bench/RESULTS.md, seventeenth session) on the engine alone:
# builds `palette` (or takes PALETTE=BINARY, e.g. app-session.sh's build-gpu-app/src/palette) and runs
# `palette bench -w churn` several ways at once on the SD 1.5-shaped random model, 512², each its own process,
# 10 s apart. VARIANTS (default "all nomodes nolayers nographs") names them:
#   all       every kind of edit, as the app's long run (strokes, prompts, brushes added/removed, mode switches)
#   nomodes   no live-mode switches (one stream, one thread for the whole run)
#   nolayers  no brushes added or removed (the stream's batch keeps its shape)
#   strokes   strokes alone
#   nographs  every kind of edit, no CUDA graphs
#   checks    every kind of edit and the app's picture check once a minute (a fresh eager render beside the stream)
#   onestreamchecks  no mode switches, with the checks (the app's long run's ninth block grew 24 MB without a switch)
# BENCH_ARGS adds `palette bench` options to every run (e.g. "--model DIR --device cpu --live-side 64" to try
# the script on a CPU with a tiny model). SECONDS_EACH (default 180) is each run's length (with a cold build of palette, about 120 s, the call takes
# about 400 s). Writes $OUT/churn.tar.gz (each variant's churn-<variant>.txt; one file, so that it fits beside
# another script's files in the 8 a call returns) and prints each run's memory lines and growth.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:?set OUT}"
if [ -n "${PALETTE:-}" ]; then
  palette="$(realpath "$PALETTE")" && [ -x "$palette" ] || { echo "PALETTE=$PALETTE is not a program" >&2; exit 1; }
else
  scripts/gpu/build-palette.sh /tmp/churn-logs || exit 1
  palette="$root/build-gpu/src/palette"
fi
read -r -a variants <<< "${VARIANTS:-all nomodes nolayers nographs}"
seconds="${SECONDS_EACH:-180}"
runs=/tmp/churn && rm -rf "$runs" && mkdir -p "$runs"
pids=()
for v in "${variants[@]}"; do
  case "$v" in
    all) args=() ;;
    nomodes) args=(--churn-edits stroke,prompt,layers) ;;
    nolayers) args=(--churn-edits stroke,prompt,modes) ;;
    strokes) args=(--churn-edits stroke) ;;
    nographs) args=(--no-graphs) ;;
    checks) args=(--churn-edits stroke,prompt,layers,modes,checks) ;;
    onestreamchecks) args=(--churn-edits stroke,prompt,layers,checks) ;;
    *) echo "unknown variant '$v' (all, nomodes, nolayers, strokes, nographs, checks, onestreamchecks)" >&2; exit 2 ;;
  esac
  "$palette" bench -w churn --churn-seconds "$seconds" "${args[@]}" ${BENCH_ARGS:-} > "$runs/churn-$v.txt" 2>&1 &
  pids+=($!)
  sleep 10
done
wait "${pids[@]}"
for v in "${variants[@]}"; do
  echo "== $v"; grep -E "^churn" "$runs/churn-$v.txt" | tail -8
done
tar -C "$runs" -czf "$out/churn.tar.gz" .

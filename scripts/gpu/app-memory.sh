#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool), from the repository root, after scripts/gpu/prepare-app.sh here:
#   run(command="LONG_SECONDS=300 scripts/gpu/app-memory.sh", carry=[".deps", ".gl", ".app-deps"])
# Where the app's host memory goes in a long run (issue 23), several ways at once on one lease. RUNS (default
# "arenas2 arenas1 heaptrack") names them: arenas2, the long run of app-session.sh as the app ships (two glibc
# arenas); arenas1, with MALLOC_ARENA_MAX=1 (every thread in the main arena); heaptrack, as shipped under
# heaptrack (the call stacks holding memory, at the peak and at the end); eager, with CUDA_MODULE_LOADING=EAGER
# (every kernel's module loaded at start: libcuda loads 10-20 MB modules lazily at a kernel's first launch, and
# new shapes pick new cuBLAS and cuDNN kernels); nographs, with --no-cuda-graphs (no recording at all);
# nochecks, as shipped without the long run's picture checks (each a fresh engine on a pooled thread);
# appchecksN, as shipped with a picture check after every N s of edits instead of every minute (1-600: whether
# the app's heap levels off once the checks have seen the shapes, as the engine's does, twenty-third session);
# plansN (e.g. plans10000, plans100), with TORCH_CUDNN_V8_API_LRU_CACHE_LIMIT=N (LibTorch's per-thread cache of
# cuDNN plans bounded at N plans instead of its 10,000; the twentieth session's runs found no difference);
# churn and churnchecks, not the app but `palette bench -w churn` for LONG_SECONDS (the engine alone under the
# long run's kinds of edits; churnchecks with the app's picture check once a minute beside the stream: its
# summary says whether the engine alone grows as the app does); churnchecksN, the same with a check every N s
# (1-600, at most a third of LONG_SECONDS), and churnsamecheckN, checks every N s of one snapshot that never
# changes (no other edit: the stream settles it once and idles, though the bench still counts its passes as
# edits): whether the checks' heap (8-14 MB a check so far, twenty-second session) levels off once each shape
# has been seen or grows with every check. They
# share the GPU, so their timings are not the app's own;
# their memory is. Each starts 20 s after the last, so that each run's host-memory.py finds its own process.
# Writes $OUT/app-memory.tar.gz (each run's folder, screenshots left out: the device returns at most 8 files)
# and prints each run's figures per block (scripts/gpu/long-summary.py). Up to six apps share the card, each
# allowed a quarter of it for graphs: compare graphs_recorded across runs before their heaps (a recording
# refused for memory runs eagerly).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:?set OUT}"
read -r -a variants <<< "${RUNS:-arenas2 arenas1 heaptrack}"
for run in "${variants[@]}"; do
  [[ "$run" =~ ^(arenas2|arenas1|heaptrack|eager|nographs|nochecks|appchecks[1-9][0-9]*|plans[0-9]+|churn|churnchecks([1-9][0-9]*)?|churnsamecheck[1-9][0-9]*)$ ]] ||
    { echo "unknown run '$run' (arenas2, arenas1, heaptrack, eager, nographs, nochecks, appchecksN, plansN, churn, churnchecks[N], churnsamecheckN)" >&2; exit 2; }
  every="${run##*[a-z]}"  # churnchecksN and churnsamecheckN: N seconds between checks
  [[ "$run" != *check* || -z "$every" || "$every" -le 600 ]] || { echo "run '$run': checks every 1 to 600 s" >&2; exit 2; }
done
runs=/tmp/app-memory && rm -rf "$runs" && mkdir -p "$runs"
APP=0 OUT="$runs/build" scripts/gpu/app-session.sh long || exit 1
long="${LONG_SECONDS:-300}"
left="${SECONDS_LEFT:-$(( long + 260 ))}"
pids=()
for run in "${variants[@]}"; do
  env=(OUT="$runs/$run" WORK="/tmp/app-session-$run" LONG_SECONDS="$long" SECONDS_LEFT="$left")
  if [[ "$run" == churn* ]]; then
    edits=stroke,prompt,layers,modes every="${run##*[a-z]}"
    case "$run" in
      churnchecks*) edits+=,checks ;;
      churnsamecheck*) edits=checks ;;
    esac
    timeout "$left" build-gpu-app/src/palette bench -w churn --churn-seconds "$long" --churn-edits "$edits" \
      --churn-check-seconds "${every:-60}" > "$runs/$run.txt" 2>&1 &
    pids+=($!)
    sleep 20
    continue
  fi
  case "$run" in
    arenas2) ;;
    arenas1) env+=(MALLOC_ARENA_MAX=1) ;;
    heaptrack) env+=(HEAPTRACK=1) ;;
    eager) env+=(CUDA_MODULE_LOADING=EAGER) ;;
    nographs) env+=(APP_ARGS=--no-cuda-graphs) ;;
    nochecks) env+=(CHECKS=0) ;;
    appchecks*) env+=(BLOCK_SECONDS="${run#appchecks}") ;;
    plans*) env+=(TORCH_CUDNN_V8_API_LRU_CACHE_LIMIT="${run#plans}") ;;
  esac
  env "${env[@]}" scripts/gpu/app-session.sh long > "$runs/$run.txt" 2>&1 &
  pids+=($!)
  sleep 20
done
wait "${pids[@]}"
for run in "${variants[@]}"; do
  if [[ "$run" == churn* ]]; then
    echo "== $run"; grep -E "^churn" "$runs/$run.txt" | tail -8
    continue
  fi
  echo "== $run"; tail -6 "$runs/$run.txt"
  python3 scripts/gpu/long-summary.py "$runs/$run" | grep -v "picture check"
  rm -f "$runs/$run/screens.tar" "$runs/$run"/heaptrack.zst
done
tar -C "$runs" -czf "$out/app-memory.tar.gz" --exclude=build.log .
ls -la "$out"

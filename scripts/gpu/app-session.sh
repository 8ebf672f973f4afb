#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool), from the repository root, after scripts/gpu/prepare-app.sh here:
#   run(command="scripts/gpu/app-session.sh", carry=[".deps", ".gl", ".app-deps"])
#   run(command="LONG_SECONDS=420 scripts/gpu/app-session.sh long", carry=[…])   # the long run, next call
# `long` runs bench/app-session/long-run.json instead: one-minute blocks of random edits (strokes, prompts,
# undo/redo, brushes added and removed, live mode switches), each followed by check_picture (the settled
# picture against a fresh eager render of the same layout, fp16 tolerance), for LONG_SECONDS (default 420:
# a call is at most 600 s, and the app needs to start and settle), with the same figures; compare the first
# minute's memory with the last (metrics.jsonl, gpu-memory.csv; scripts/gpu/long-summary.py OUT prints it per block).
# The app end to end on the GPU (issue 23): builds `palette` and `semantic-palette` against PyTorch's
# LibTorch (build-gpu-app/), writes an SD 1.5-shaped model with random weights as a diffusers folder
# (`palette random-model --shape sd15`: the app loads it as it loads real weights, in fp16), and runs the
# app with --offscreen (the same frames, drawn on the GPU through NVIDIA's EGL on a pbuffer: Xvfb's GLX
# would need Mesa's llvmpipe, some 50 MB that do not fit the carry beside the tree) on
# bench/app-session/session.json — open a
# four-layer layout, strokes, a typed prompt edit, the picture toggled under the masks, undo, both live
# modes, export, quit — with --metrics. Then `palette bench -w live` on the same model and lease, the
# engine alone, for comparison. Writes to $OUT: metrics.jsonl (the app's figures per action and a summary),
# gpu-memory.csv (nvidia-smi every 0.5 s during the session; gpu-memory-per-process.csv each process's share,
# every second), host-memory.csv (where the app's RSS lives,
# every 30 s: scripts/gpu/host-memory.py) and host-memory-growth.txt (the mappings that grew most after the
# first minute), app.log, bench-live-*.txt, screens.tar
# (the session's screenshots and export).
# `regional` runs the same session with the regional-attention live mode from the start (its own figures).
# SECONDS_LEFT (default 560): the session's timeout is what is left of it after the builds.
# GPU_TESTS=1 also builds palette_gpu_tests in the same tree and runs those that need no fixtures (the
# fixtures do not fit the carry beside the app's dependencies); GPU_TEST_FILTER overrides which.
# SDXL_BENCH=1 first runs `palette bench --shape sdxl -w stream1024` (the SDXL stream) on the same lease, in each
# stream mode of SDXL_MODES (default multidiffusion; e.g. "regional multidiffusion").
# The app keeps two glibc arenas unless MALLOC_ARENA_MAX is set: `MALLOC_ARENA_MAX=1 … app-session.sh long`
# measures one (every thread in the main arena, whose free top malloc_trim can return).
# HEAPTRACK=1 records the app's allocations with heaptrack (carried in .app-deps) and prints there what the
# data says: heaptrack.txt (the call stacks holding the most memory at the peak, and what was never freed);
# the recording itself comes back as heaptrack.zst only when it is under 15 MB.
# WORK (default /tmp/app-session) is the app's working folder: give each of several sessions at once its own.
# SESSION_FILE=PATH runs that session script instead (the four-layer layout still opens first), e.g.
# bench/app-session/large-canvas.json; scripts/gpu/app-bad-input.sh runs the bad-input sessions this way.
# APP_ARGS adds options to the app's command line (e.g. --no-cuda-graphs).
# CHECKS=0 leaves the long run's picture checks out (what the app's memory does without them); BLOCK_SECONDS=N
# (default 60) checks after every N s of edits instead of every minute.
# APP=0 stops after the builds, the GPU tests and the benches (no app session).
# A long run longer than a call: start it in a new session (setsid) with OUT outside the tree, e.g.
#   setsid nohup env OUT=/tmp/long-out LONG_SECONDS=600 SECONDS_LEFT=1000 scripts/gpu/app-session.sh long &
# and collect /tmp/long-out with a later call on the same warm machine, waiting first with
#   while pgrep -f "app-session[.]sh" > /dev/null; do sleep 5; done
# (the bracket keeps the pattern from matching the waiting command's own line).
set -uo pipefail
start=$(date +%s)
session="${1:-session}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-$root/out/app-session}"
mkdir -p "$out"
cd "$root"
[ -d .app-deps/root ] && [ -d .gl ] && [ -d .deps/usr/include ] ||
  { echo "carry .deps, .gl and .app-deps (run scripts/gpu/prepare-deps.sh and prepare-app.sh here)" >&2; exit 1; }

# GL loaders into / (the device README's way); everything else stays in .app-deps/root. The sysroot's
# libOpenGL.so/libGLX.so development links point at loaders that live in / now, so CMake is given those.
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
sysroot="$root/.app-deps/root"
export LD_LIBRARY_PATH="$sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$sysroot/usr/bin:$PATH"
export PYTHONPATH="$sysroot/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}"
export PKG_CONFIG_PATH="$sysroot/usr/lib/x86_64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$sysroot"
# imgui.pc names stb's include folder; stb travels in .deps.
[ -e "$sysroot/usr/include/stb" ] || ln -s "$root/.deps/usr/include/stb" "$sysroot/usr/include/stb"

# NVIDIA's EGL, through the loaders of .gl.
for f in /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json /usr/share/glvnd/egl_vendor.d/10_nvidia.json; do
  [ -f "$f" ] && { export __EGL_VENDOR_LIBRARY_FILENAMES="$f"; break; }
done
# The build's glad step copies the loader generated by prepare-app.sh.
cat > /tmp/glad-pregenerated <<EOF
#!/bin/sh
while [ "\$#" -gt 0 ] && [ "\$1" != --out-path ]; do shift; done
mkdir -p "\$2" && cp -r "$root/.app-deps/glad/." "\$2/"
EOF
chmod +x /tmp/glad-pregenerated
if [ ! -f build-gpu-app/build.ninja ]; then
  torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
  cmake -S . -B build-gpu-app -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DPALETTE_BUILD_TESTS="$([ "${GPU_TESTS:-0}" = 1 ] && echo ON || echo OFF)" \
    -DCMAKE_PREFIX_PATH="$torch_prefix;$sysroot/usr" -DPALETTE_DEPS_DIR="$root/.deps" -DPALETTE_GLAD=/tmp/glad-pregenerated \
    -DPALETTE_IMGUI_BACKENDS="$sysroot/usr/share/doc/libimgui-dev/examples/backends" \
    -DOPENGL_INCLUDE_DIR="$sysroot/usr/include" \
    -DOPENGL_opengl_LIBRARY=/usr/lib/x86_64-linux-gnu/libOpenGL.so.0 \
    -DOPENGL_glx_LIBRARY=/usr/lib/x86_64-linux-gnu/libGLX.so.0 \
    -DOPENGL_gl_LIBRARY=/usr/lib/x86_64-linux-gnu/libGL.so.1 \
    -DOPENGL_egl_LIBRARY=/usr/lib/x86_64-linux-gnu/libEGL.so.1 \
    -DOPENGL_EGL_INCLUDE_DIR="$sysroot/usr/include" > "$out/configure.log" 2>&1 ||
    { tail -30 "$out/configure.log"; exit 1; }
fi
targets=(palette semantic-palette)
[ "${GPU_TESTS:-0}" = 1 ] && targets+=(palette_gpu_tests)
cmake --build build-gpu-app --target "${targets[@]}" --parallel "$(nproc)" > "$out/build.log" 2>&1 ||
  { grep -E "error|FAILED" "$out/build.log" | head -40; exit 1; }
echo "built ${targets[*]} in $(( $(date +%s) - start )) s"
palette="$root/build-gpu-app/src/palette"
app="$root/build-gpu-app/src/app/semantic-palette"
if [ "${GPU_TESTS:-0}" = 1 ]; then
  build-gpu-app/tests/palette_gpu_tests --gtest_filter="${GPU_TEST_FILTER:-CudaGraphGpu.*:FusedGpu.*-FusedGpu.*NhwcPath*}" \
    > "$out/gpu-tests.log" 2>&1
  echo "gpu tests exited with status $?"; grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED|Failure" "$out/gpu-tests.log" | head -20
fi

model=/tmp/sd15-random
[ -f "$model/model_index.json" ] || "$palette" random-model --shape sd15 --out "$model" > "$out/random-model.log" 2>&1 ||
  { tail -5 "$out/random-model.log"; exit 1; }
echo "model ready at $(( $(date +%s) - start )) s"

# Before the session, so that the session's memory figures start from a GPU the bench has left.
if [ "${SDXL_BENCH:-0}" = 1 ]; then
  for mode in ${SDXL_MODES:-multidiffusion}; do
    timeout 200 "$palette" bench --device cuda --shape sdxl -w stream1024 --stream-mode "$mode" --frames 20 --warmup 1 \
      > "$out/bench-sdxl-stream-$mode.txt" 2>&1
    echo "sdxl stream bench ($mode) exited with status $?"; tail -6 "$out/bench-sdxl-stream-$mode.txt"
  done
fi

[ "${APP:-1}" = 0 ] && exit 0
trap 'kill $smi 2>/dev/null' EXIT

work="${WORK:-/tmp/app-session}" && rm -rf "$work" && mkdir -p "$work/out"
cp bench/app-session/four-layers.layout.json "$work/"
if [ "$session" = long ]; then
  # LONG_SECONDS / BLOCK_SECONDS blocks of random edits (one minute each by default), each followed by its picture
  # check (none with CHECKS=0). Shorter blocks check more often: how the checks' memory levels off in the app.
  [[ "${BLOCK_SECONDS:-60}" =~ ^[1-9][0-9]*$ && "${BLOCK_SECONDS:-60}" -le 600 ]] ||
    { echo "BLOCK_SECONDS=${BLOCK_SECONDS}: a whole number of seconds, 1 to 600" >&2; exit 2; }
  python3 - "${LONG_SECONDS:-420}" bench/app-session/long-run.json "${CHECKS:-1}" "${BLOCK_SECONDS:-60}" \
    > "$work/session.json" <<'PY'
import json, sys
long_s, checks, block = int(sys.argv[1]), sys.argv[3] != "0", int(sys.argv[4])
actions = json.load(open(sys.argv[2]))["actions"]
kinds = [a["do"] for a in actions]
first = kinds.index("random_edits")
last = max(i for i, k in enumerate(kinds) if k in ("random_edits", "check_picture"))
edits, check = actions[first], actions[kinds.index("check_picture")]
kept = actions[:first]
for i in range(long_s // block):
    kept.append(dict(edits, seconds=block, seed=i + 1))
    if checks:
        kept.append(check)
print(json.dumps({"actions": kept + actions[last + 1:]}))
PY
elif [ "$session" = regional ]; then
  # The same session in the regional-attention mode throughout: switched once the first picture has settled,
  # the later switches left out.
  python3 - bench/app-session/session.json > "$work/session.json" <<'PY'
import json, sys
actions = [a for a in json.load(open(sys.argv[1]))["actions"] if a["do"] != "set_settings" or "live_mode" not in a]
actions[1:1] = [{"do": "set_settings", "live_mode": "regional"}, {"do": "wait_picture", "settled": True, "timeout_s": 600}]
print(json.dumps({"actions": actions}))
PY
elif [ -n "${SESSION_FILE:-}" ]; then
  cp "$SESSION_FILE" "$work/session.json" || exit 1
else
  cp bench/app-session/session.json "$work/"
fi
nvidia-smi --query-gpu=timestamp,memory.used --format=csv,noheader,nounits -lms 500 > "$out/gpu-memory.csv" &
smi=$!
# Per process too, so that a run beside other GPU work (a training run on the same lease) still reads the app's own.
while sleep 1; do
  nvidia-smi --query-compute-apps=pid,process_name,used_gpu_memory --format=csv,noheader,nounits | sed "s/^/$(date +%s), /"
done > "$out/gpu-memory-per-process.csv" 2>&1 &
smi="$smi $!"
left=$(( ${SECONDS_LEFT:-560} - ($(date +%s) - start) - 90 ))
[ "$left" -ge 60 ] || { echo "only $left s left for the app after the builds and benches: raise SECONDS_LEFT" >&2; exit 1; }
record=()
# heaptrack slows the app; give it the time the script's actions need (raise SECONDS_LEFT), or the timeout's
# signal cuts the recording short.
[ "${HEAPTRACK:-0}" = 1 ] && record=(heaptrack -o "$work/heaptrack")
# The app's start and process id, so that its figures are told from other apps' on the same card
# (scripts/gpu/long-summary.py).
date +%s.%N > "$out/app.start"
# The policy the app would set by executing itself again (src/cpu_threads.cpp), set here so that the process
# started is the app's (heaptrack's recording and pgrep's process id stay with it).
(cd "$work" && OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" exec timeout "$left" "${record[@]}" "$app" --model "$model" --device cuda --script session.json \
  --offscreen --metrics "$out/metrics.jsonl" ${APP_ARGS:-} four-layers.layout.json) > "$out/app.log" 2>&1 &
running=$!
# Where the app's resident memory lives, every 30 s (the heap, anonymous mappings, the NVIDIA libraries,
# /dev/nvidia* mappings): the long run's host memory grows on the GPU and not on a CPU.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  pid=$(pgrep -n -x semantic-palett) && break
  sleep 1
done
[ -n "${pid:-}" ] && echo "$pid" > "$out/app.pid"
[ -n "${pid:-}" ] && python3 scripts/gpu/host-memory.py "$pid" 30 "$out/host-memory.csv" &
wait "$running"
echo "app exited with status $? at $(( $(date +%s) - start )) s"; head -3 "$out/app.log"
kill $smi 2>/dev/null
tail -1 "$out/metrics.jsonl"
head -1 "$out/gpu-memory.csv"; tail -1 "$out/gpu-memory.csv"
tar -C "$work/out" -cf "$out/screens.tar" .
if [ "${HEAPTRACK:-0}" = 1 ]; then
  for f in "$work"/heaptrack*.zst "$work"/heaptrack*.gz; do
    [ -f "$f" ] || continue
    ls -la "$f"
    # A growing heap peaks at the end, so the peak's call stacks are what grew. (Its massif output, -M, took
    # over 13 minutes for a 3-minute CPU session here; the report alone 4 s.)
    heaptrack_print -f "$f" --print-peaks --peak-limit 25 --print-leaks --print-allocators 0 \
      --print-temporary 0 > "$out/$(basename "${f%.*}").txt" 2>&1
    [ "$(stat -c %s "$f")" -lt 15000000 ] && cp "$f" "$out/heaptrack.${f##*.}"
  done
fi

[ "$session" = session ] || exit 0
for mode in multidiffusion regional; do
  timeout 60 "$palette" bench -w live --model "$model" --device cuda --stream-mode "$mode" --frames 40 --warmup 1 \
    > "$out/bench-live-$mode.txt" 2>&1
  tail -3 "$out/bench-live-$mode.txt"
done

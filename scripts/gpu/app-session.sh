#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool), from the repository root, after scripts/gpu/prepare-app.sh here:
#   run(command="scripts/gpu/app-session.sh", carry=[".deps", ".gl", ".app-deps"])
#   run(command="LONG_SECONDS=420 scripts/gpu/app-session.sh long", carry=[…])   # the long run, next call
# `long` runs bench/app-session/long-run.json instead: one-minute blocks of random edits (strokes, prompts,
# undo/redo, brushes added and removed, live mode switches), each followed by check_picture (the settled
# picture against a fresh eager render of the same layout, fp16 tolerance), for LONG_SECONDS (default 420:
# a call is at most 600 s, and the app needs to start and settle), with the same figures; compare the first
# minute's memory with the last (metrics.jsonl, gpu-memory.csv).
# The app end to end on the GPU (issue 23): builds `palette` and `semantic-palette` against PyTorch's
# LibTorch (build-gpu-app/), writes an SD 1.5-shaped model with random weights as a diffusers folder
# (`palette random-model --shape sd15`: the app loads it as it loads real weights, in fp16), starts Xvfb
# with the NVIDIA GLX (the device README's recipe), and runs bench/app-session/session.json — open a
# four-layer layout, strokes, a typed prompt edit, the picture toggled under the masks, undo, both live
# modes, export, quit — with --metrics. Then `palette bench -w live` on the same model and lease, the
# engine alone, for comparison. Writes to $OUT: metrics.jsonl (the app's figures per action and a summary),
# gpu-memory.csv (nvidia-smi every 0.5 s during the session), app.log, bench-live-*.txt, screens.tar
# (the session's screenshots and export).
# SECONDS_LEFT (default 560): the session's timeout is what is left of it after the builds.
set -uo pipefail
start=$(date +%s)
session="${1:-session}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-$root/out/app-session}"
mkdir -p "$out"
cd "$root"
[ -d .app-deps/root ] && [ -d .gl ] && [ -d .deps/usr/include ] ||
  { echo "carry .deps, .gl and .app-deps (run scripts/gpu/prepare-deps.sh and prepare-app.sh here)" >&2; exit 1; }

# GL loaders into / (the device README's way); everything else stays in .app-deps/root.
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
sysroot="$root/.app-deps/root"
export LD_LIBRARY_PATH="$sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$sysroot/usr/bin:$PATH"
export PYTHONPATH="$sysroot/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}"
export PKG_CONFIG_PATH="$sysroot/usr/lib/x86_64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$sysroot"
# Xvfb runs xkbcomp from its compiled-in folder.
[ -x /usr/bin/xkbcomp ] || ln -sf "$sysroot/usr/bin/xkbcomp" /usr/bin/xkbcomp

if [ ! -f build-gpu-app/build.ninja ]; then
  torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
  cmake -S . -B build-gpu-app -G Ninja -DCMAKE_BUILD_TYPE=Release -DPALETTE_BUILD_TESTS=OFF \
    -DCMAKE_PREFIX_PATH="$torch_prefix;$sysroot/usr" -DPALETTE_DEPS_DIR="$root/.deps" \
    -DPALETTE_IMGUI_BACKENDS="$sysroot/usr/share/doc/libimgui-dev/examples/backends" \
    -DOPENGL_INCLUDE_DIR="$sysroot/usr/include" > "$out/configure.log" 2>&1 ||
    { tail -30 "$out/configure.log"; exit 1; }
fi
cmake --build build-gpu-app --target palette semantic-palette --parallel "$(nproc)" > "$out/build.log" 2>&1 ||
  { grep -E "error|FAILED" "$out/build.log" | head -40; exit 1; }
echo "built in $(( $(date +%s) - start )) s"
palette="$root/build-gpu-app/src/palette"
app="$root/build-gpu-app/src/app/semantic-palette"

model=/tmp/sd15-random
[ -f "$model/model_index.json" ] || "$palette" random-model --shape sd15 --out "$model" > "$out/random-model.log" 2>&1 ||
  { tail -5 "$out/random-model.log"; exit 1; }
echo "model ready at $(( $(date +%s) - start )) s"

Xvfb :99 -screen 0 1280x800x24 -xkbdir "$sysroot/usr/share/X11/xkb" -nolisten tcp > "$out/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; kill $smi 2>/dev/null' EXIT
export DISPLAY=:99 __GLX_VENDOR_LIBRARY_NAME=nvidia
sleep 2

work=/tmp/app-session && rm -rf "$work" && mkdir -p "$work/out"
cp bench/app-session/four-layers.layout.json "$work/"
if [ "$session" = long ]; then
  # The first LONG_SECONDS / 60 one-minute blocks of edits, each followed by its picture check.
  python3 - "${LONG_SECONDS:-420}" bench/app-session/long-run.json > "$work/session.json" <<'PY'
import json, sys
actions = json.load(open(sys.argv[2]))["actions"]
blocks, kept = int(sys.argv[1]) // 60, []
for a in actions:
    if a["do"] == "random_edits":
        blocks -= 1
    if blocks < 0 and a["do"] in ("random_edits", "check_picture"):
        continue
    kept.append(a)
print(json.dumps({"actions": kept}))
PY
else
  cp bench/app-session/session.json "$work/"
fi
nvidia-smi --query-gpu=timestamp,memory.used --format=csv,noheader,nounits -lms 500 > "$out/gpu-memory.csv" &
smi=$!
left=$(( ${SECONDS_LEFT:-560} - ($(date +%s) - start) - 90 ))
(cd "$work" && timeout "$left" "$app" --model "$model" --device cuda --script session.json \
  --metrics "$out/metrics.jsonl" four-layers.layout.json) > "$out/app.log" 2>&1
echo "app exited with status $? at $(( $(date +%s) - start )) s"
kill $smi 2>/dev/null
tail -1 "$out/metrics.jsonl"
head -1 "$out/gpu-memory.csv"; tail -1 "$out/gpu-memory.csv"
tar -C "$work/out" -cf "$out/screens.tar" .

[ "$session" = long ] && exit 0
for mode in multidiffusion regional; do
  timeout 60 "$palette" bench -w live --model "$model" --device cuda --stream-mode "$mode" --frames 40 --warmup 1 \
    > "$out/bench-live-$mode.txt" 2>&1
  tail -3 "$out/bench-live-$mode.txt"
done

#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool), from the repository root: the SDXL GPU tests and the SDXL stream benches.
# The SDXL fixtures do not fit one carry beside the tree and .deps, so they travel in two parts, made here by
# scripts/gpu/prepare-deps.sh: .gpu-fx-a with an earlier call to the same warm machine (an ignored folder that a
# later call does not name stays there), then .gpu-fx-b with this one; they are merged outside the tree:
#   run(command="true", carry=[".deps", ".gpu-fx-a"])       # or any other work, e.g. a training call
#   run(command="scripts/gpu/sdxl-check.sh", carry=[".deps", ".gpu-fx-b"])
# Builds palette and palette_gpu_tests in build-gpu/ (as build-and-test.sh configures it), runs the GPU tests that
# need only the SDXL fixtures (GPU_TEST_FILTER overrides), then `palette bench --shape sdxl -w stream1024` in the
# regional-attention mode and, for comparison on the same lease, in the MultiDiffusion mode. Logs go to $OUT.
set -uo pipefail
start=$(date +%s)
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-$root/build-gpu}"
mkdir -p "$out"
cd "$root"
[ -d .deps/usr/include ] || { echo "no .deps: run scripts/gpu/prepare-deps.sh here and carry .deps" >&2; exit 1; }
# Outside the tree: merged into a folder inside it, the fixtures were not found there (cause not pinned down).
fixtures=/tmp/gpu-fixtures-sdxl
rm -rf "$fixtures" && mkdir -p "$fixtures"
for part in .gpu-fx-a .gpu-fx-b; do [ -d "$part" ] && cp -r "$part/." "$fixtures/"; done
chmod -R u+w "$fixtures"  # the shared fixtures are read-only, and their copies with them
[ -f "$fixtures/tiny-sdxl/unet/config.json" ] && [ -f "$fixtures/tiny-sdxl/tokenizer_2/vocab.json" ] ||
  echo "warning: the SDXL fixtures are incomplete here (carry .gpu-fx-a, then .gpu-fx-b): their tests will fail" >&2
if [ ! -f build-gpu/build.ninja ]; then
  torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DPALETTE_BUILD_APP=OFF \
    -DCMAKE_PREFIX_PATH="$torch_prefix" -DPALETTE_DEPS_DIR="$root/.deps" > "$out/configure.log" 2>&1 ||
    { tail -20 "$out/configure.log"; exit 1; }
fi
cmake --build build-gpu --target palette palette_gpu_tests --parallel "$(nproc)" > "$out/build.log" 2>&1 ||
  { grep -E "error|FAILED" "$out/build.log" | head -40; exit 1; }
echo "built in $(( $(date +%s) - start )) s"
filter="${GPU_TEST_FILTER:-*Sdxl*:*sdxl*:SafetensorsGpu.*:CudaGraphGpu.*:FusedGpu.GroupNorm*:FusedGpu.Bias*}"
PALETTE_FIXTURES="$fixtures" timeout 240 build-gpu/tests/palette_gpu_tests --gtest_filter="$filter" > "$out/gpu-tests.log" 2>&1
echo "gpu tests exited with status $? at $(( $(date +%s) - start )) s"
grep -E "^\[ +(OK|FAILED|SKIPPED) |Failure|max_abs|error" "$out/gpu-tests.log" | head -60
for mode in regional multidiffusion; do
  timeout 150 build-gpu/src/palette bench --device cuda --shape sdxl -w stream1024 --stream-mode "$mode" \
    --frames 20 --warmup 1 > "$out/bench-sdxl-$mode.txt" 2>&1
  echo "sdxl $mode bench exited with status $? at $(( $(date +%s) - start )) s"; tail -8 "$out/bench-sdxl-$mode.txt"
done

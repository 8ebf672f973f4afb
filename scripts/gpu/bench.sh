#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool), from the repository root, with .deps carried:
#   run(command="scripts/gpu/bench.sh [palette bench options…]", carry=[".deps", ".gpu-fixtures"])
# Builds the CLI against PyTorch's bundled LibTorch (as build-and-test.sh does, without the tests)
# and runs `palette bench` on the SD 1.5-shaped random model, with and without CUDA graphs unless
# options are given. Logs land in $OUT when it is set.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-$root/build-gpu}"
mkdir -p "$out"
[ -d "$root/.deps/usr/include" ] || { echo "no .deps: run scripts/gpu/prepare-deps.sh here and carry .deps" >&2; exit 1; }
torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))'
start=$(date +%s)
cmake -S "$root" -B "$root/build-gpu" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPALETTE_BUILD_APP=OFF \
  -DCMAKE_PREFIX_PATH="$torch_prefix" -DPALETTE_DEPS_DIR="$root/.deps" 2>&1 | tee "$out/configure.log" | tail -3
cmake --build "$root/build-gpu" --parallel "$(nproc)" --target palette 2>&1 | tee "$out/build.log" | grep -E "error|FAILED" | head -30
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
echo "built in $(( $(date +%s) - start )) s"
bench="$root/build-gpu/src/palette bench --device cuda"
if [ $# -gt 0 ]; then
  $bench "$@" 2>&1 | tee "$out/bench.log"
else
  $bench 2>&1 | tee "$out/bench-graphs.log"
  $bench --no-graphs -w unet,stream512,stream768 2>&1 | tee "$out/bench-eager.log"
fi

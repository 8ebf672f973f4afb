#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool), from the repository root, with .deps carried:
#   run(command="scripts/gpu/build-and-test.sh", carry=[".deps", ".gpu-fixtures"])
# Builds engine, CLI and tests against PyTorch's bundled LibTorch 2.x and runs every test there
# (the gpu-labelled ones included). Logs land in $OUT when it is set.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-$root/build-gpu}"
mkdir -p "$out"
[ -d "$root/.deps/usr/include" ] || { echo "no .deps: run scripts/gpu/prepare-deps.sh here and carry .deps" >&2; exit 1; }
torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))'
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
start=$(date +%s)
cmake -S "$root" -B "$root/build-gpu" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPALETTE_BUILD_APP=OFF \
  -DCMAKE_PREFIX_PATH="$torch_prefix" -DPALETTE_DEPS_DIR="$root/.deps" "$@" 2>&1 | tee "$out/configure.log" | tail -5
cmake --build "$root/build-gpu" --parallel "$(nproc)" 2>&1 | tee "$out/build.log" | grep -E "error|warning|FAILED" | head -50
build_status=${PIPESTATUS[0]}
echo "build exit $build_status after $(( $(date +%s) - start )) s"
[ "$build_status" -eq 0 ] || exit "$build_status"
"$root/build-gpu/src/palette" info
export PALETTE_FIXTURES="$root/.gpu-fixtures"
# Several CPU-bound tests at once, each with a 16-thread pool, thrash the cores: cap the pools.
export OMP_NUM_THREADS=2
cd "$root/build-gpu" && ctest --output-on-failure --parallel 8 2>&1 | tee "$out/ctest.log" | tail -25
exit "${PIPESTATUS[0]}"

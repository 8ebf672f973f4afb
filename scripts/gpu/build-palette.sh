#!/usr/bin/env bash
# Run ON THE GPU MACHINE, from any folder, with .deps carried: configures build-gpu/ against PyTorch's LibTorch
# (once) and builds `palette` there; the logs go to LOGDIR (configure.log, build.log), the errors to the
# terminal. The scripts that train and evaluate on the GPU call it first:
#   scripts/gpu/build-palette.sh "$logs" || exit 1; palette=build-gpu/src/palette
set -uo pipefail
start=$(date +%s)
root="$(cd "$(dirname "$0")/../.." && pwd)"
logs="${1:?usage: build-palette.sh LOGDIR}"
mkdir -p "$logs"
[ -d "$root/.deps/usr/include" ] || { echo "no .deps: run scripts/gpu/prepare-deps.sh here and carry .deps" >&2; exit 1; }
if [ ! -f "$root/build-gpu/build.ninja" ]; then
  torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
  cmake -S "$root" -B "$root/build-gpu" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPALETTE_BUILD_APP=OFF \
    -DCMAKE_PREFIX_PATH="$torch_prefix" -DPALETTE_DEPS_DIR="$root/.deps" > "$logs/configure.log" 2>&1 ||
    { tail -20 "$logs/configure.log"; exit 1; }
fi
cmake --build "$root/build-gpu" --target palette --parallel "$(nproc)" > "$logs/build.log" 2>&1 ||
  { grep -E "error|FAILED" "$logs/build.log" | head -40; exit 1; }
echo "built palette in $(( $(date +%s) - start )) s"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true

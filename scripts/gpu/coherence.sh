#!/usr/bin/env bash
# The coherence trade-off of SyncDiffusion's exact and fast modes on the fixture model (tiny-sd15,
# the fixture LPIPS-alex weights, tiny TAESD): 512×2048, DDIM 50, CFG 7.5, stride 16, sync on the
# first 10 steps, for a few seeds; prints each picture's intra-LPIPS (mean LPIPS between its
# non-overlapping 512-wide crops; lower = more alike) and the wall time. Runs anywhere palette is
# built; on CPU it takes hours (the exact mode back-propagates through the VAE at 512² per view).
#   scripts/gpu/coherence.sh PALETTE FIXTURES [DEVICE] [SEEDS…]
set -euo pipefail
palette="$1"
fixtures="$2"
device="${3:-cuda}"
shift $(( $# < 3 ? $# : 3 ))
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
out="${OUT:-/tmp}/coherence"
mkdir -p "$out"
common=(--model "$fixtures/tiny-sd15" --taesd "$fixtures/tiny-taesd" --lpips "$fixtures/lpips_alex_weights.safetensors"
  -p "a photo of a mountain range at sunset" --method multidiffusion --sampler ddim --steps 50 -g 7.5
  -W 2048 -H 512 --stride 16 --device "$device" --dtype float32)
declare -A variants=(
  [1-multidiffusion]=""
  [2-exact]="--sync --sync-steps 10"
  [3-fast-vae]="--sync --sync-steps 10 --sync-fast --sync-batch 13"
  [4-fast-taesd]="--sync --sync-steps 10 --sync-fast --sync-batch 13 --sync-decoder taesd"
)
printf "%-18s %6s %12s %8s\n" variant seed intra-LPIPS seconds
for name in $(printf "%s\n" "${!variants[@]}" | sort); do
  for seed in "${seeds[@]}"; do
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    log=$("$palette" panorama "${common[@]}" ${variants[$name]} --seed "$seed" -o "$out/${name}_$seed.png" 2>&1) ||
      { echo "$log" | tail -5; exit 1; }
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    lpips=$(echo "$log" | sed -n 's/^coherence: intra-LPIPS \([0-9.]*\).*/\1/p')
    printf "%-18s %6s %12s %5d.%01d\n" "${name#*-}" "$seed" "$lpips" $((ms / 1000)) $((ms % 1000 / 100))
  done
done

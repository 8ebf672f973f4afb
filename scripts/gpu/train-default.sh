#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool), from the repository root, with .deps and .train carried:
#   run(command="scripts/gpu/train-default.sh unet 8", carry=[".deps", ".train"])
# Trains one stage of the built-in default model for a time budget, resuming from .train/model, and
# writes what changed to $OUT (at most 8 files, each under 15 MiB):
#   $OUT/model/<component>/<weights>   the new weights (fp16), to copy over .train/model here
#   $OUT/train-<stage>.csv, $OUT/train-<stage>.log, and after the unet stage $OUT/eval/eval.json
#   (48 layouts at 512²; then eval-names256.json and eval-heldout512.json as time allows; no sheet.png: the
#   48 layouts' sheet, 26 MB, is over what a returned file may weigh)
# Stages:
#   smoke        tiny model, 30 steps of each stage on CUDA, fp32 and bf16, and the evaluation: checks the
#                build and the GPU path; then 60 steps of each stage at the real size: step times
#   autoencoder  the AutoencoderKL (first)
#   vae-decoder  the AutoencoderKL's decoder again, its encoder and scaling frozen (the UNet stays valid): textures
#   unet         the UNet with the text encoder (needs the autoencoder)
#   decoder      the tiny autoencoder for live frames, taesd/, distilled from the autoencoder (needs it only)
# MINUTES (default 8) is the wanted training time; it is cut so that build, training, evaluation and copying
# end within CALL_SECONDS (default 580) of the script's start. BATCH overrides the batch (autoencoder 32,
# unet 128, decoder 32). Extra arguments go to `palette train-default`, e.g. `--lr-end 2e-5` for a last, decaying call.
# PALETTE=BINARY uses a palette already built on this machine (e.g. app-session.sh's build-gpu-app/src/palette)
# instead of building build-gpu/; POOL overrides the pictures per data pool (8192).
# FROM=DIR starts .train/model from another model folder when .train/model does not exist (e.g.
# FROM=assets/default-model: fine-tune the shipped weights; nothing but .deps needs carrying then):
#   run(command="FROM=assets/default-model scripts/gpu/train-default.sh unet 8 --region-prompts 0.5 --region-small-bias 1 --lr-end 2e-5", carry=[".deps"])
# Prepare here first (see README, "Built-in default model"):
#   scripts/gpu/prepare-deps.sh && build/src/palette train-default --init --out .train/model
set -uo pipefail
start=$(date +%s)
stage="${1:?usage: train-default.sh smoke|autoencoder|vae-decoder|unet|decoder [MINUTES] [train-default options...]}"
minutes="${2:-8}"
shift $(( $# >= 2 ? 2 : 1 ))
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-$root/.train/out}"
model="$root/.train/model"
call_seconds="${CALL_SECONDS:-580}"
logs="$root/.train/logs"
mkdir -p "$out" "$logs"
cd "$root"

if [ -n "${PALETTE:-}" ]; then
  palette="$(realpath "$PALETTE")" && [ -x "$palette" ] || { echo "PALETTE=$PALETTE is not a program" >&2; exit 1; }
else
  "$root/scripts/gpu/build-palette.sh" "$logs" || exit 1
  palette="$root/build-gpu/src/palette"
fi

if [ "$stage" = smoke ]; then
  tiny=(--model-size tiny --size 64 --crop 32 --batch 8 --pool 64 --log-every 10 --device cuda)
  for precision in fp32 bf16; do
    flag=(); [ "$precision" = bf16 ] && flag=(--bf16)
    rm -rf "$root/.train/smoke"
    { "$palette" train-default --stage autoencoder --out "$root/.train/smoke" --steps 30 "${tiny[@]}" "${flag[@]}" &&
      "$palette" train-default --stage unet --out "$root/.train/smoke" --steps 30 "${tiny[@]}" "${flag[@]}" &&
      "$palette" train-default --stage decoder --out "$root/.train/smoke" --steps 30 "${tiny[@]}" "${flag[@]}"; } \
      > "$out/smoke-$precision.log" 2>&1
    status=$?
    tail -4 "$out/smoke-$precision.log"
    [ "$status" -eq 0 ] || { echo "smoke run ($precision) failed with status $status" >&2; exit "$status"; }
  done
  "$palette" eval-default --model "$root/.train/smoke" --count 2 --size 64 --reference-samples 32 --device cuda ||
    exit $?
  # step times of the real architecture, float32 (TF32) against bfloat16 autocast
  for precision in fp32 bf16; do
    flag=(); [ "$precision" = bf16 ] && flag=(--bf16)
    rm -rf "$root/.train/timing"
    for s in autoencoder:32 unet:128 decoder:32; do
      "$palette" train-default --stage "${s%%:*}" --out "$root/.train/timing" --steps 60 --batch "${s##*:}" \
        --pool 1024 --log-every 20 --device cuda "${flag[@]}" 2>&1 | tail -2 | sed "s/^/$precision ${s%%:*}: /"
    done
  done
  exit 0
fi

case "$stage" in
  autoencoder) files=(vae/diffusion_pytorch_model.safetensors vae/config.json); batch=32 ;;
  vae-decoder) files=(vae/diffusion_pytorch_model.safetensors); batch=32 ;;
  unet) files=(unet/diffusion_pytorch_model.safetensors text_encoder/model.safetensors unet/config.json); batch=128 ;;
  decoder) files=(taesd/diffusion_pytorch_model.safetensors taesd/config.json); batch=32 ;;
  *) echo "unknown stage '$stage' (smoke, autoencoder, vae-decoder, unet, decoder)" >&2; exit 2 ;;
esac
batch="${BATCH:-$batch}"
if [ -n "${FROM:-}" ] && [ ! -d "$model" ]; then
  mkdir -p "$(dirname "$model")" && cp -r "$root/$FROM" "$model" || { echo "cannot copy FROM=$FROM" >&2; exit 1; }
  echo "starting from $FROM"
fi
[ -f "$model/model_index.json" ] || { echo "no .train/model: create it here with train-default --init and carry .train" >&2; exit 1; }
resume=()
[ -f "$model/${files[0]}" ] && resume=(--resume)
# What is left of the call, less a minute for saving and copying, and 40 s more where the 512² evaluation follows.
reserve=60
{ [ "$stage" = unet ] || [ "$stage" = vae-decoder ]; } && reserve=100
left=$(( call_seconds - ($(date +%s) - start) - reserve ))
budget=$(awk -v want="$minutes" -v left="$left" 'BEGIN { m = left / 60; if (want < m) m = want; if (m < 0.5) m = 0.5; printf "%.2f", m }')
echo "training $stage for $budget minutes ${resume[*]}"
"$palette" train-default --stage "$stage" --out "$model" --device cuda --minutes "$budget" --batch "$batch" \
  --pool "${POOL:-8192}" "${resume[@]}" "$@" 2>&1 | tee "$out/train-$stage.log"
status=${PIPESTATUS[0]}
for f in "${files[@]}"; do
  mkdir -p "$out/model/$(dirname "$f")" && cp "$model/$f" "$out/model/$f"
done
cp "$model/train-$stage.csv" "$out/"
[ "$status" -eq 0 ] || exit "$status"
if { [ "$stage" = unet ] || [ "$stage" = vae-decoder ]; } && [ $(( call_seconds - ($(date +%s) - start) )) -gt 45 ]; then
  # The app's canvas (512²) first: the shipping decision is made there (the shipped model: 91.4 % on an H100 with eval-default's defaults, guidance 1.25 without bootstrapping).
  "$palette" eval-default --model "$model" --device cuda --count 48 --size 512 -o "$out/eval" 2>&1 | tail -22
  # The layouts are the same every time, and the sheet is too large to come back; keep the call's files at 8.
  rm -rf "$out/eval/layouts" "$out/eval/sheet.png"
  # 256² and the held-out phrasings at 512², as time allows (the reports only, no sheets).
  for run in "256 names" "512 heldout"; do
    set -- $run
    [ $(( call_seconds - ($(date +%s) - start) )) -gt 60 ] || break
    words=(); [ "$2" = heldout ] && words=(--phrasings "$root/bench/default-model/held-out-phrasings.json")
    "$palette" eval-default --model "$model" --device cuda --count 48 --size "$1" "${words[@]}" -o "/tmp/eval-$2$1" \
      2>&1 | tail -20 | sed "s/^/$2 $1: /"
    cp "/tmp/eval-$2$1/eval.json" "$out/eval/eval-$2$1.json"
  done
fi
ls -la "$out" "$out"/model/* 2>/dev/null

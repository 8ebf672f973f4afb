#!/usr/bin/env bash
# Run HERE (Debian), once per checkout: downloads the header-only dependencies and GoogleTest's
# sources as Debian packages and unpacks them into .deps/ (git-ignored), which the device run
# carries to the GPU machine, where nothing can be installed, and copies the fixtures to
# .gpu-fixtures/ (the ../shared beside the checkout does not travel).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
deps="$root/.deps"
mkdir -p "$deps/debs"
cd "$deps/debs"
apt-get download nlohmann-json3-dev libstb-dev libcli11-dev googletest >/dev/null
for deb in *.deb; do dpkg -x "$deb" "$deps"; done
rm -rf "$deps/debs" "$deps/usr/share/doc" "$deps/usr/share/man"
# The fixtures live beside the checkout, which does not travel: carry a copy.
rm -rf "$root/.gpu-fixtures" && cp -r "$root/../shared/fixtures" "$root/.gpu-fixtures"
# The SDXL fixtures alone, in two parts that each fit a carry beside the tree and .deps (scripts/gpu/sdxl-check.sh).
f="$root/.gpu-fixtures"
rm -rf "$root/.gpu-fx-a" "$root/.gpu-fx-b" && mkdir -p "$root/.gpu-fx-a/tiny-sdxl" "$root/.gpu-fx-b/tiny-sdxl"
cp -r "$f/tiny-sdxl/unet" "$f/tiny-sdxl/vae" "$f/tiny-sdxl/text_encoder" "$root/.gpu-fx-a/tiny-sdxl/"
cp -r "$f/tiny-sdxl/text_encoder_2" "$f/tiny-sdxl/tokenizer" "$f/tiny-sdxl/tokenizer_2" "$f/tiny-sdxl/scheduler" \
  "$f/tiny-sdxl/model_index.json" "$root/.gpu-fx-b/tiny-sdxl/"
cp "$f"/sdxl_*.safetensors "$f/smd_sdxl_region_128.safetensors" "$root/.gpu-fx-b/"
du -sh "$deps" "$root/.gpu-fixtures" "$root/.gpu-fx-a" "$root/.gpu-fx-b"

#!/usr/bin/env bash
# Installs everything Semantic Palette needs to build, run and test, from Debian 12's packages.
# Safe to run any number of times: it installs only what is missing and does nothing otherwise.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache
  # engine: LibTorch, JSON, images; CLI options; tokenizers for T5-family text encoders
  libtorch-dev nlohmann-json3-dev libstb-dev libcli11-dev libsentencepiece-dev
  # Debian's LibTorch calls the system BLAS: without OpenBLAS that is the unoptimised reference one
  libopenblas0-pthread
  # tests
  libgtest-dev googletest
  # app: Dear ImGui (its GLFW/OpenGL3 backends are compiled from the sources it ships), GLFW, glad
  libimgui-dev libglfw3-dev python3-glad libgl-dev libegl-dev
  # a real window without a display, for the app's tests: Xvfb with Mesa's llvmpipe; and the offscreen
  # surface (--offscreen) on Mesa's software EGL device
  xvfb xauth libgl1-mesa-dri libegl-mesa0
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"

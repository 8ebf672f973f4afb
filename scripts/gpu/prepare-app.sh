#!/usr/bin/env bash
# Run HERE (Debian 12), once per checkout, before scripts/gpu/app-session.sh: downloads what the app needs
# on the GPU machine, where nothing can be installed, into two git-ignored folders the device run carries:
#   .gl/        the GL loader libraries the device README names (unpacked into / there, as it says)
#   .app-deps/  the X client libraries GLFW loads (the app runs --offscreen there: no X server), and the
#               app's build dependencies (GLFW, Dear ImGui, OpenGL and EGL headers), unpacked into .app-deps/root/ (never into /: Debian's libraries
#               must not replace the machine's own), and glad's OpenGL 3.3 loader generated here into
#               .app-deps/glad (the GPU machine's Python has no jinja2 for the generator), and heaptrack
#               (its recorder and heaptrack_print, with zstd and Boost) for app-session.sh's HEAPTRACK=1
# Together with the tree and .deps they must stay under the run's 64 MiB carry.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64)

rm -rf "$root/.gl" && mkdir -p "$root/.gl"
(cd "$root/.gl" && apt-get "${apt_opts[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 \
  libgles2 >/dev/null)

app="$root/.app-deps"
rm -rf "$app" && mkdir -p "$app/debs" "$app/root"
(cd "$app/debs" && apt-get "${apt_opts[@]}" download \
  libbsd0 libmd0 \
  libx11-6 libx11-xcb1 libxau6 libxdmcp6 libxcb1 libxext6 libxrandr2 libxinerama1 libxcursor1 libxi6 \
  libxrender1 libxfixes3 libxxf86vm1 libxshmfence1 libxcb-glx0 \
  libglfw3 libglfw3-dev libimgui-dev libstb-dev libgl-dev libglx-dev libopengl-dev libegl-dev \
  heaptrack libheaptrack libunwind8 zstd libzstd1 liblz4-1 \
  libboost-iostreams1.74.0 libboost-program-options1.74.0 libboost-filesystem1.74.0 >/dev/null)
for deb in "$app"/debs/*.deb; do dpkg -x "$deb" "$app/root"; done
rm -rf "$app/debs" "$app/root/usr/share/man" "$app/root/usr/share/locale"
# pzstd is zstd's parallel twin; nothing uses it.
rm -f "$app/root/usr/bin/pzstd"
find "$app/root/usr/share/doc" -mindepth 1 -maxdepth 1 ! -name libimgui-dev -exec rm -rf {} +
# Within the carry: only ImGui's GLFW and OpenGL 3 backends, and stb's
# headers from .deps (imgui.pc only needs stb.pc).
backends="$app/root/usr/share/doc/libimgui-dev/examples/backends"
find "$app/root/usr/share/doc/libimgui-dev" -type f ! -path "$backends/imgui_impl_glfw*" \
  ! -path "$backends/imgui_impl_opengl3*" -delete
command -v glad >/dev/null || { echo "glad not found: run scripts/setup.sh first" >&2; exit 1; }
glad --quiet --reproducible --api gl:core=3.3 --out-path "$app/glad" c
rm -rf "$app/root/usr/include/stb"
du -sh "$root/.gl" "$app"
echo "carry: .deps .gl .app-deps (and the tree: $(git -C "$root" ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes)"

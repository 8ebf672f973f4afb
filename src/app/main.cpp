// semantic-palette: paint with meaning and watch the picture update live. The frame loop; the window (or
// the offscreen surface) lives in display.h, everything else in App.
#include <glad/gl.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "app/app.h"
#include "app/display.h"
#include "palette/cpu_allocator.h"
#include "palette/cpu_threads.h"
#include "palette/image.h"

namespace {

using palette::app::Display;

// The frame's pixels as they are about to be shown (GL rows are bottom-up; PNG rows top-down).
std::string write_screenshot(const Display& display, const std::string& path) {
  int w = 0, h = 0;
  display.framebuffer_size(&w, &h);
  palette::Image img{w, h, 4, std::vector<uint8_t>(static_cast<size_t>(w) * h * 4)};
  std::vector<uint8_t> rows(img.pixels.size());
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  // A window (and most pbuffers) draws into the back buffer; a single-buffered surface into its only one.
  GLboolean double_buffered = GL_TRUE;
  glGetBooleanv(GL_DOUBLEBUFFER, &double_buffered);
  glReadBuffer(double_buffered ? GL_BACK : GL_FRONT);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rows.data());
  for (int y = 0; y < h; ++y)
    std::copy_n(rows.data() + static_cast<size_t>(h - 1 - y) * w * 4, static_cast<size_t>(w) * 4,
                img.pixels.data() + static_cast<size_t>(y) * w * 4);
  for (size_t i = 3; i < img.pixels.size(); i += 4) img.pixels[i] = 255;
  try {
    palette::write_png(path, img);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

int run(const palette::app::AppArgs& args) {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  std::string error;
  std::unique_ptr<Display> display =
      args.offscreen ? palette::app::open_offscreen(1280, 800, &error) : palette::app::open_window(&error);
  if (!display) {
    std::fprintf(stderr, "semantic-palette: %s\n", error.c_str());
    ImGui::DestroyContext();
    return 1;
  }
  if (args.offscreen) {
    std::printf("semantic-palette: %s\n", display->describe().c_str());
    std::fflush(stdout);
  }
  if (!args.script.empty()) {
    const std::string policy = palette::openmp_wait_policy();
    std::printf("semantic-palette: idle OpenMP threads %s\n",
                policy.empty() ? "spin (OMP_WAIT_POLICY unset)" : ("wait " + policy).c_str());
    std::fflush(stdout);
  }
  ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed; no imgui.ini beside the user's files
  ImGui::StyleColorsDark();

  int code = 0;
  {
    palette::app::App app(args);
    std::string gl_error;
    if (!app.init_gl(&gl_error)) {
      std::fprintf(stderr, "semantic-palette: %s\n", gl_error.c_str());
      code = 1;
    }
    display->on_drop([&app](std::vector<std::string> paths) { app.on_drop(paths); });
    auto last_trim = std::chrono::steady_clock::now();
    while (code == 0 && !app.quit_requested()) {
      const auto frame_start = std::chrono::steady_clock::now();
      if (display->poll()) app.request_close();
      display->new_frame();
      ImGui::NewFrame();
      app.frame();
      display->set_title(app.editor.title());
      ImGui::Render();
      int w = 0, h = 0;
      display->framebuffer_size(&w, &h);
      glViewport(0, 0, w, h);
      glClearColor(0.1f, 0.1f, 0.11f, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
      // The UI thread's own work; the screenshot (a script's) and the wait for the display are not.
      app.ui_frame_done(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - frame_start).count());
      if (!app.screenshot_request().empty())
        app.screenshot_taken(write_screenshot(*display, app.screenshot_request()));
      display->present();
#ifdef __GLIBC__
      // Freed pieces between live allocations stay in glibc's arenas, and a session of edits grew the
      // app's resident memory by 50–80 MB a minute with a flat live heap (bench/RESULTS.md, issue 23).
      // Handing the free pages back costs a walk of the arenas, so it runs every few seconds, after a
      // frame is shown.
      if (const auto now = std::chrono::steady_clock::now(); now - last_trim > std::chrono::seconds(10)) {
        malloc_trim(0);
        last_trim = now;
      }
#endif
    }
    if (code == 0) code = app.exit_code();
    display->on_drop(nullptr);
  }  // the App (engine threads, GL objects) goes while the context is still current

  display.reset();  // the backends, the window or surface, the context
  ImGui::DestroyContext();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  palette::wait_passively_between_parallel_loops(argv);  // may execute the app again, before any thread starts
  // glibc gives each thread that allocates its own arena (up to 8 per core); the engine, loader, export
  // and UI threads free what others allocated, and the arenas' free pieces were never returned: in a
  // 2-minute GPU session of random edits the app grew 257 MB in the second minute with the default and
  // 80 MB with two arenas (bench/RESULTS.md, issue 23). A user's MALLOC_ARENA_MAX (or glibc.malloc.arena_max)
  // stands, so that other counts can be measured without a rebuild.
  palette::limit_cpu_allocator_arenas(2);
  palette::configure_cpu_allocator();
  palette::configure_cpu_threads();
  try {
    const palette::app::AppArgs args = palette::app::parse_app_args(argc, argv);
    if (args.help) {
      std::fputs(palette::app::app_usage().c_str(), stdout);
      return 0;
    }
    return run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "semantic-palette: %s\n", e.what());
    return 2;
  }
}

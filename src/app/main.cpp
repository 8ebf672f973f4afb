// semantic-palette: paint with meaning and watch the picture update live. The setup follows Dear
// ImGui's examples/example_glfw_opengl3/main.cpp; everything else lives in App.
#include <glad/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "app/app.h"
#include "palette/cpu_threads.h"
#include "palette/image.h"

namespace {

void glfw_error(int code, const char* message) {
  std::fprintf(stderr, "GLFW error %d: %s\n", code, message);
}

void on_drop(GLFWwindow* window, int count, const char** paths) {
  auto* app = static_cast<palette::app::App*>(glfwGetWindowUserPointer(window));
  app->on_drop(std::vector<std::string>(paths, paths + count));
}

// The window's pixels as they are about to be shown (GL rows are bottom-up; PNG rows top-down).
std::string write_screenshot(GLFWwindow* window, const std::string& path) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  palette::Image img{w, h, 4, std::vector<uint8_t>(static_cast<size_t>(w) * h * 4)};
  std::vector<uint8_t> rows(img.pixels.size());
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
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
  glfwSetErrorCallback(glfw_error);
  if (!glfwInit()) {
    std::fprintf(stderr, "semantic-palette: cannot open a window (no display?)\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
  GLFWwindow* window = glfwCreateWindow(1280, 800, "Semantic Palette", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr, "semantic-palette: no OpenGL 3.3 core context\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);  // the display's rate: the engine runs on its own thread regardless
  if (!gladLoadGL(glfwGetProcAddress)) {
    std::fprintf(stderr, "semantic-palette: cannot load OpenGL functions\n");
    return 1;
  }

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed; no imgui.ini beside the user's files
  ImGui::StyleColorsDark();
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  int code = 0;
  {
    palette::app::App app(args);
    std::string gl_error;
    if (!app.init_gl(&gl_error)) {
      std::fprintf(stderr, "semantic-palette: %s\n", gl_error.c_str());
      code = 1;
    }
    glfwSetWindowUserPointer(window, &app);
    glfwSetDropCallback(window, on_drop);
    std::string title;
    while (code == 0 && !app.quit_requested()) {
      const auto frame_start = std::chrono::steady_clock::now();
      glfwPollEvents();
      if (glfwWindowShouldClose(window)) {
        glfwSetWindowShouldClose(window, GLFW_FALSE);
        app.request_close();
      }
      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      app.frame();
      if (const std::string t = app.editor.title(); t != title) {
        title = t;  // only on change: every call is a round trip to the X server
        glfwSetWindowTitle(window, title.c_str());
      }
      ImGui::Render();
      int w = 0, h = 0;
      glfwGetFramebufferSize(window, &w, &h);
      glViewport(0, 0, w, h);
      glClearColor(0.1f, 0.1f, 0.11f, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
      // The UI thread's own work; the screenshot (a script's) and the wait for the display are not.
      app.ui_frame_done(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - frame_start).count());
      if (!app.screenshot_request().empty())
        app.screenshot_taken(write_screenshot(window, app.screenshot_request()));
      glfwSwapBuffers(window);
    }
    if (code == 0) code = app.exit_code();
    glfwSetWindowUserPointer(window, nullptr);
  }  // the App (engine threads, GL objects) goes while the context is still current

  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
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

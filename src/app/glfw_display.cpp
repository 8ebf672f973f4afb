// The on-screen display. The setup follows Dear ImGui's examples/example_glfw_opengl3/main.cpp.
#include <glad/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <cstdio>

#include "app/display.h"

namespace palette::app {
namespace {

void glfw_error(int code, const char* message) {
  std::fprintf(stderr, "GLFW error %d: %s\n", code, message);
}

class GlfwDisplay final : public Display {
 public:
  explicit GlfwDisplay(GLFWwindow* window) : window_(window) {
    glfwSetWindowUserPointer(window_, this);
    ImGui_ImplGlfw_InitForOpenGL(window_, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");
  }
  ~GlfwDisplay() override {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    glfwDestroyWindow(window_);
    glfwTerminate();
  }

  bool poll() override {
    glfwPollEvents();
    if (!glfwWindowShouldClose(window_)) return false;
    glfwSetWindowShouldClose(window_, GLFW_FALSE);  // the app decides (unsaved changes)
    return true;
  }
  void new_frame() override {
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
  }
  // Only on change: every call is a round trip to the X server.
  void set_title(const std::string& title) override {
    if (title == title_) return;
    title_ = title;
    glfwSetWindowTitle(window_, title_.c_str());
  }
  void framebuffer_size(int* width, int* height) const override { glfwGetFramebufferSize(window_, width, height); }
  void present() override { glfwSwapBuffers(window_); }
  void on_drop(std::function<void(std::vector<std::string>)> handler) override {
    drop_ = std::move(handler);
    glfwSetDropCallback(window_, [](GLFWwindow* w, int count, const char** paths) {
      auto* self = static_cast<GlfwDisplay*>(glfwGetWindowUserPointer(w));
      if (self->drop_) self->drop_(std::vector<std::string>(paths, paths + count));
    });
  }
  std::string describe() const override {
    const auto* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
    return std::string("OpenGL renderer: ") + (renderer ? renderer : "?");
  }

 private:
  GLFWwindow* window_;
  std::string title_;
  std::function<void(std::vector<std::string>)> drop_;
};

}  // namespace

std::unique_ptr<Display> open_window(std::string* error) {
  glfwSetErrorCallback(glfw_error);
  if (!glfwInit()) {
    *error = "cannot open a window (no display?); --offscreen runs a --script without one";
    return nullptr;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
  GLFWwindow* window = glfwCreateWindow(1280, 800, "Semantic Palette", nullptr, nullptr);
  if (!window) {
    *error = "no OpenGL 3.3 core context for a window";
    glfwTerminate();
    return nullptr;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);  // the display's rate: the engine runs on its own thread regardless
  if (!gladLoadGL(glfwGetProcAddress)) {
    *error = "cannot load OpenGL functions";
    glfwDestroyWindow(window);
    glfwTerminate();
    return nullptr;
  }
  return std::make_unique<GlfwDisplay>(window);
}

}  // namespace palette::app

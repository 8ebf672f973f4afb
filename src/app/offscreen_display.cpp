// The offscreen display: an EGL pbuffer with an OpenGL 3.3 core context, found through EGL's device
// platform so that no window system is needed (an X server's GLX would need Mesa on the GPU machine, and
// would draw indirectly). The frames are drawn exactly as on screen; screenshots read them back.
#include <glad/gl.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "app/display.h"

namespace palette::app {
namespace {

using Clock = std::chrono::steady_clock;

class OffscreenDisplay final : public Display {
 public:
  OffscreenDisplay(EGLDisplay display, EGLSurface surface, EGLContext context, int width, int height)
      : display_(display), surface_(surface), context_(context), width_(width), height_(height) {
    ImGui::GetIO().BackendPlatformName = "offscreen";
    ImGui_ImplOpenGL3_Init("#version 330 core");
  }
  ~OffscreenDisplay() override {
    ImGui_ImplOpenGL3_Shutdown();
    eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(display_, context_);
    eglDestroySurface(display_, surface_);
    eglTerminate(display_);
  }

  bool poll() override { return false; }
  void new_frame() override {
    ImGui_ImplOpenGL3_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(static_cast<float>(width_), static_cast<float>(height_));
    io.DisplayFramebufferScale = ImVec2(1, 1);
    const Clock::time_point now = Clock::now();
    io.DeltaTime = last_frame_ == Clock::time_point{} ? 1.0f / 60
                                                      : std::max(1e-4f, std::chrono::duration<float>(now - last_frame_).count());
    last_frame_ = now;
  }
  void set_title(const std::string&) override {}
  void framebuffer_size(int* width, int* height) const override {
    *width = width_;
    *height = height_;
  }
  // A display would hold the UI thread until its next refresh; without one the loop would spin and take
  // CPU time from the engine, so it waits out the rest of a 60 Hz frame.
  void present() override {
    eglSwapBuffers(display_, surface_);
    const Clock::time_point due = last_present_ + std::chrono::microseconds(16667);
    if (Clock::now() < due) std::this_thread::sleep_until(due);
    last_present_ = Clock::now();
  }
  void on_drop(std::function<void(std::vector<std::string>)>) override {}
  std::string describe() const override {
    const char* vendor = eglQueryString(display_, EGL_VENDOR);
    const auto* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
    return "offscreen " + std::to_string(width_) + "x" + std::to_string(height_) + " (EGL " + (vendor ? vendor : "?") +
           "), OpenGL renderer: " + (renderer ? renderer : "?");
  }

 private:
  EGLDisplay display_;
  EGLSurface surface_;
  EGLContext context_;
  int width_, height_;
  Clock::time_point last_frame_{}, last_present_{};
};

// An OpenGL 3.3 core context on a pbuffer of `display`; false (everything released) when it has none.
bool open_context(EGLDisplay display, int width, int height, EGLSurface* surface, EGLContext* context) {
  EGLint major = 0, minor = 0;
  if (!eglInitialize(display, &major, &minor)) return false;
  const EGLint config_attributes[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
                                      EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_ALPHA_SIZE, 8,
                                      EGL_NONE};
  EGLConfig config = nullptr;
  EGLint configs = 0;
  const EGLint surface_attributes[] = {EGL_WIDTH, width, EGL_HEIGHT, height, EGL_NONE};
  const EGLint context_attributes[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3,
                                       EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                                       EGL_NONE};
  if (eglChooseConfig(display, config_attributes, &config, 1, &configs) && configs == 1 &&
      eglBindAPI(EGL_OPENGL_API)) {
    *surface = eglCreatePbufferSurface(display, config, surface_attributes);
    if (*surface != EGL_NO_SURFACE) {
      *context = eglCreateContext(display, config, EGL_NO_CONTEXT, context_attributes);
      if (*context != EGL_NO_CONTEXT && eglMakeCurrent(display, *surface, *surface, *context)) return true;
      if (*context != EGL_NO_CONTEXT) eglDestroyContext(display, *context);
      eglDestroySurface(display, *surface);
    }
  }
  eglTerminate(display);
  return false;
}

}  // namespace

std::unique_ptr<Display> open_offscreen(int width, int height, std::string* error) {
  const auto query_devices = reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
  const auto platform_display =
      reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
  EGLDeviceEXT devices[16];
  EGLint count = 0;
  if (!query_devices || !platform_display || !query_devices(16, devices, &count) || count == 0) {
    *error = "--offscreen: no EGL device (install libegl1 and a driver: the GPU's, or Mesa's libegl-mesa0)";
    return nullptr;
  }
  for (EGLint i = 0; i < count; ++i) {
    const EGLDisplay display = platform_display(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr);
    EGLSurface surface = EGL_NO_SURFACE;
    EGLContext context = EGL_NO_CONTEXT;
    if (display == EGL_NO_DISPLAY || !open_context(display, width, height, &surface, &context)) continue;
    if (!gladLoadGL(reinterpret_cast<GLADloadfunc>(eglGetProcAddress))) {
      eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
      eglDestroyContext(display, context);
      eglDestroySurface(display, surface);
      eglTerminate(display);
      continue;
    }
    return std::make_unique<OffscreenDisplay>(display, surface, context, width, height);
  }
  *error = "--offscreen: none of the " + std::to_string(count) +
           " EGL devices gives an OpenGL 3.3 core context on a pbuffer";
  return nullptr;
}

}  // namespace palette::app

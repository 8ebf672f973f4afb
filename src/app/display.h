// Where the app's frames go: a GLFW window on the user's screen, or an offscreen EGL surface for scripted
// sessions on machines without a display (the GPU machine, CI), rendering through the same GL and ImGui code.
//
//   std::string error;
//   std::unique_ptr<Display> d = args.offscreen ? open_offscreen(1280, 800, &error) : open_window(&error);
//   while (...) { d->poll(); d->new_frame(); ImGui::NewFrame(); ...; d->present(); }
//
// Thread safety: the UI thread only; the GL context is current on the thread that opened the display.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace palette::app {

class Display {
 public:
  virtual ~Display() = default;
  // Events since the last frame; returns true when the user asked to close the window.
  virtual bool poll() = 0;
  // The ImGui platform side of a new frame (display size, time step, input).
  virtual void new_frame() = 0;
  virtual void set_title(const std::string& title) = 0;
  virtual void framebuffer_size(int* width, int* height) const = 0;
  // Shows the frame; paced at the display's rate (offscreen: 60 frames/s, as a display would).
  virtual void present() = 0;
  // Files dropped onto the window go here (offscreen: never called).
  virtual void on_drop(std::function<void(std::vector<std::string>)> handler) = 0;
  // "OpenGL renderer: ..." for the log: which GPU (or software renderer) draws the frames.
  virtual std::string describe() const = 0;
};

// Both need the ImGui context to exist (the caller's), and initialise its backends on the new GL context.
// A 1280x800 window with an OpenGL 3.3 core context, ImGui's GLFW and OpenGL 3 backends initialised.
// nullptr with *error set when there is no display or no such context.
std::unique_ptr<Display> open_window(std::string* error);
// The same on an EGL pbuffer of width x height: the first EGL device that gives an OpenGL 3.3 core
// context (a GPU where there is one, else Mesa's software device), no window system at all.
std::unique_ptr<Display> open_offscreen(int width, int height, std::string* error);

}  // namespace palette::app

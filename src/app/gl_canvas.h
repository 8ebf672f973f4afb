// The canvas on the GPU: one R8 texture per layer mask (only changed 64×64 tiles are uploaded), the
// generated picture as an RGBA texture (glTexSubImage2D per new frame), the background image (uploaded
// when the document's changes), and the composite rendered with shaders/ into a canvas-sized texture
// that the canvas panel shows zoomed and panned: the masks over the picture, or over the background
// image, or over paper.
//
//   GlCanvas gl;
//   if (!gl.init(&error)) …                      // needs a current GL 3.3 core context (glad loaded)
//   each frame: gl.sync_masks(doc); gl.sync_background(doc); if (frame) gl.set_frame(frame->image);
//               gl.render(doc, options);
//   ImGui::Image(gl.composite_texture(), …);
//
// Thread safety: the thread that owns the GL context.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "palette/document.h"
#include "palette/image.h"

namespace palette::app {

struct CompositeOptions {
  float overlay_opacity = 0.55f;  // the masks' colour over the picture (or the paper)
  bool image_under = false;       // the generated picture under the masks instead of beside them
  std::set<LayerId> hidden;       // layers whose overlay is hidden (a view setting, not the document's)
};

class GlCanvas {
 public:
  GlCanvas() = default;
  ~GlCanvas();  // frees the GL objects; the context must still be current
  GlCanvas(const GlCanvas&) = delete;
  GlCanvas& operator=(const GlCanvas&) = delete;

  bool init(std::string* error);         // compiles the shaders; false with a message on failure
  void sync_masks(const Document& doc);  // uploads what changed since the last call
  void sync_background(const Document& doc);  // uploads the background image when it changed
  void set_frame(const Image& rgba);     // a new generated frame (any size, 3 or 4 channels)
  bool has_frame() const { return frame_w_ > 0; }
  int frame_width() const { return frame_w_; }
  int frame_height() const { return frame_h_; }
  void render(const Document& doc, const CompositeOptions& options);

  uint32_t composite_texture() const { return composite_; }
  uint32_t frame_texture() const { return frame_; }

 private:
  struct MaskTexture {
    uint32_t texture = 0;
    Mask uploaded;  // shares tiles with the mask last uploaded: equal tile pointers = nothing to send
  };
  void ensure_target(int width, int height);

  uint32_t image_program_ = 0, mask_program_ = 0, vao_ = 0;
  uint32_t fbo_ = 0, composite_ = 0, frame_ = 0, background_ = 0;
  std::shared_ptr<const Image> background_image_;  // the one in background_ (null = none)
  int target_w_ = 0, target_h_ = 0, frame_w_ = 0, frame_h_ = 0;
  std::map<LayerId, MaskTexture> masks_;
};

}  // namespace palette::app

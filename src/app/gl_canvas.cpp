#include "app/gl_canvas.h"

#include <glad/gl.h>

#include <algorithm>
#include <vector>

#include "app/shaders.h"

namespace palette::app {

namespace {

GLuint compile(GLenum type, const char* source, std::string* error) {
  const GLuint s = glCreateShader(type);
  glShaderSource(s, 1, &source, nullptr);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[1024] = {};
    glGetShaderInfoLog(s, sizeof log, nullptr, log);
    *error = std::string("shader: ") + log;
    glDeleteShader(s);
    return 0;
  }
  return s;
}

GLuint link(const char* vertex, const char* fragment, std::string* error) {
  const GLuint v = compile(GL_VERTEX_SHADER, vertex, error);
  const GLuint f = v ? compile(GL_FRAGMENT_SHADER, fragment, error) : 0;
  if (!f) return 0;
  const GLuint p = glCreateProgram();
  glAttachShader(p, v);
  glAttachShader(p, f);
  glLinkProgram(p);
  glDeleteShader(v);
  glDeleteShader(f);
  GLint ok = 0;
  glGetProgramiv(p, GL_LINK_STATUS, &ok);
  if (!ok) {
    char log[1024] = {};
    glGetProgramInfoLog(p, sizeof log, nullptr, log);
    *error = std::string("shader link: ") + log;
    glDeleteProgram(p);
    return 0;
  }
  return p;
}

GLuint new_texture(GLint filter) {
  GLuint t = 0;
  glGenTextures(1, &t);
  glBindTexture(GL_TEXTURE_2D, t);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  return t;
}

}  // namespace

GlCanvas::~GlCanvas() {
  for (auto& [id, m] : masks_) glDeleteTextures(1, &m.texture);
  glDeleteTextures(1, &composite_);
  glDeleteTextures(1, &frame_);
  glDeleteTextures(1, &background_);
  glDeleteFramebuffers(1, &fbo_);
  glDeleteVertexArrays(1, &vao_);
  glDeleteProgram(image_program_);
  glDeleteProgram(mask_program_);
}

bool GlCanvas::init(std::string* error) {
  image_program_ = link(kShader_canvas_vert, kShader_image_frag, error);
  mask_program_ = image_program_ ? link(kShader_canvas_vert, kShader_mask_overlay_frag, error) : 0;
  if (!mask_program_) return false;
  glGenVertexArrays(1, &vao_);  // the core profile draws nothing without one, even attribute-less
  glGenFramebuffers(1, &fbo_);
  frame_ = new_texture(GL_LINEAR);
  background_ = new_texture(GL_LINEAR);
  return true;
}

void GlCanvas::sync_background(const Document& doc) {
  const std::shared_ptr<const Image>& image = doc.content().background.image;
  if (image == background_image_) return;  // the document shares one unchanged picture
  background_image_ = image;
  if (!image || image->channels != 3) return;  // the document keeps RGB8
  // A picture beyond the GL's texture size is shown with every n-th pixel (the engine gets it whole).
  GLint max_side = 0;
  glGetIntegerv(GL_MAX_TEXTURE_SIZE, &max_side);
  const int step =
      std::max(1, (std::max(image->width, image->height) + max_side - 1) / std::max(max_side, 1));
  const int w = (image->width + step - 1) / step, h = (image->height + step - 1) / step;
  std::vector<uint8_t> shown;
  if (step > 1) {
    shown.resize(size_t(w) * h * 3);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        std::copy_n(&image->pixels[(size_t(y) * step * image->width + size_t(x) * step) * 3], 3,
                    &shown[(size_t(y) * w + x) * 3]);
  }
  // Stretched over the canvas when its size differs, as the engine resizes it.
  glBindTexture(GL_TEXTURE_2D, background_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGB, GL_UNSIGNED_BYTE,
               step > 1 ? shown.data() : image->pixels.data());
}

void GlCanvas::sync_masks(const Document& doc) {
  std::set<LayerId> alive;
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, kMaskTileSize);
  const std::vector<uint8_t> zeros(kMaskTileSize * kMaskTileSize, 0);
  for (const Layer& layer : doc.layers()) {
    alive.insert(layer.id);
    MaskTexture& m = masks_[layer.id];
    const Mask& mask = layer.mask;
    const bool fresh =
        m.texture == 0 || m.uploaded.width() != mask.width() || m.uploaded.height() != mask.height();
    if (fresh) {
      if (!m.texture) m.texture = new_texture(GL_LINEAR);
      glBindTexture(GL_TEXTURE_2D, m.texture);
      glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, mask.width(), mask.height(), 0, GL_RED, GL_UNSIGNED_BYTE,
                   nullptr);
    } else {
      glBindTexture(GL_TEXTURE_2D, m.texture);
    }
    for (int i = 0; i < mask.tile_count(); ++i) {
      if (!fresh && m.uploaded.shared_tile(i) == mask.shared_tile(i)) continue;
      const int tx = i % mask.tiles_x() * kMaskTileSize, ty = i / mask.tiles_x() * kMaskTileSize;
      const MaskTile* tile = mask.tile(i);
      glTexSubImage2D(GL_TEXTURE_2D, 0, tx, ty, std::min(kMaskTileSize, mask.width() - tx),
                      std::min(kMaskTileSize, mask.height() - ty), GL_RED, GL_UNSIGNED_BYTE,
                      tile ? tile->coverage.data() : zeros.data());
    }
    m.uploaded = mask;  // shares the tiles: costs a pointer each
  }
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  for (auto it = masks_.begin(); it != masks_.end();) {
    if (alive.count(it->first)) {
      ++it;
    } else {
      glDeleteTextures(1, &it->second.texture);
      it = masks_.erase(it);
    }
  }
}

void GlCanvas::set_frame(const Image& img) {
  if (img.width <= 0 || img.height <= 0 || (img.channels != 3 && img.channels != 4)) return;
  const GLenum format = img.channels == 4 ? GL_RGBA : GL_RGB;
  glBindTexture(GL_TEXTURE_2D, frame_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  if (img.width != frame_w_ || img.height != frame_h_) {
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, img.width, img.height, 0, format, GL_UNSIGNED_BYTE,
                 img.pixels.data());
    frame_w_ = img.width;
    frame_h_ = img.height;
  } else {
    // Same size: update in place, no reallocation per frame.
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, img.width, img.height, format, GL_UNSIGNED_BYTE,
                    img.pixels.data());
  }
}

void GlCanvas::ensure_target(int w, int h) {
  if (w == target_w_ && h == target_h_) return;
  if (!composite_) composite_ = new_texture(GL_LINEAR);
  glBindTexture(GL_TEXTURE_2D, composite_);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, composite_, 0);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  target_w_ = w;
  target_h_ = h;
}

void GlCanvas::render(const Document& doc, const CompositeOptions& options) {
  ensure_target(doc.width(), doc.height());
  GLint viewport[4];
  glGetIntegerv(GL_VIEWPORT, viewport);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glViewport(0, 0, target_w_, target_h_);
  glDisable(GL_SCISSOR_TEST);
  glBindVertexArray(vao_);
  glActiveTexture(GL_TEXTURE0);
  const bool picture = options.image_under && has_frame();
  if (picture || (background_image_ && background_image_->channels == 3)) {
    // The generated picture already shows the background image wherever nothing is painted.
    glDisable(GL_BLEND);
    glUseProgram(image_program_);
    glUniform1i(glGetUniformLocation(image_program_, "u_image"), 0);
    glBindTexture(GL_TEXTURE_2D, picture ? frame_ : background_);
    glDrawArrays(GL_TRIANGLES, 0, 3);
  } else {
    glClearColor(0.94f, 0.93f, 0.90f, 1.0f);  // paper
    glClear(GL_COLOR_BUFFER_BIT);
  }
  glEnable(GL_BLEND);
  // Colour blends normally; alpha accumulates so the texture stays opaque where the paper was.
  glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
  glUseProgram(mask_program_);
  glUniform1i(glGetUniformLocation(mask_program_, "u_mask"), 0);
  const GLint color = glGetUniformLocation(mask_program_, "u_color");
  const GLint opacity = glGetUniformLocation(mask_program_, "u_opacity");
  for (const Layer& layer : doc.layers()) {  // bottom to top
    if (options.hidden.count(layer.id) || !masks_.count(layer.id)) continue;
    const Color c = layer.properties.color;
    glUniform3f(color, c.r / 255.0f, c.g / 255.0f, c.b / 255.0f);
    glUniform1f(opacity,
                layer.properties.enabled ? options.overlay_opacity : options.overlay_opacity * 0.35f);
    glBindTexture(GL_TEXTURE_2D, masks_.at(layer.id).texture);
    glDrawArrays(GL_TRIANGLES, 0, 3);
  }
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glViewport(viewport[0], viewport[1], viewport[2], viewport[3]);
  glUseProgram(0);
  glBindVertexArray(0);
}

}  // namespace palette::app

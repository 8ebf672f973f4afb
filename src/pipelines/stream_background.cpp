#include "pipelines/stream_background.h"

#include <torch/torch.h>

#include "models/model_parts.h"
#include "pipelines/background_image.h"

namespace palette {

bool update_stream_background(StreamEngine::State& s, StreamCanvas& canvas, const StreamSnapshot& snapshot) {
  const std::shared_ptr<const Image>& image = snapshot.background.image;
  const bool changed = !same_picture(canvas.photo, image);
  canvas.photo = image;  // an equal picture under a new pointer: the pointer compares equal next time
  if (!changed) return false;
  if (!image) {
    canvas.photo_pixels = torch::Tensor();
    canvas.background_latent = canvas.white_background;
    return true;
  }
  const ModelParts& parts = *s.parts;
  canvas.photo_pixels = background_pixels(*image, snapshot.height, snapshot.width, parts.device);
  canvas.background_latent =
      s.use_taesd ? taesd_latent(parts, canvas.photo_pixels)
                  : posterior_latent(image_posterior(parts, canvas.photo_pixels), parts, canvas.background_draw);
  ++s.stats.background_encodes;
  return true;
}

std::vector<StreamLayerState*> stream_stack(StreamDerived& d, const std::vector<uint64_t>& active) {
  std::vector<StreamLayerState*> stack;
  if (!d.canvas.photo) stack.push_back(&d.table.background);
  for (uint64_t id : active) stack.push_back(&d.table.layers.at(id));
  return stack;
}

void update_photo_cover(StreamDerived& d, const std::vector<StreamLayerState*>& stack) {
  torch::Tensor& cover = d.table.photo_cover;
  cover = torch::Tensor();
  if (!d.canvas.photo) return;
  const torch::Tensor& pixels = d.canvas.photo_pixels;
  cover = torch::zeros({1, 1, pixels.size(2), pixels.size(3)}, pixels.options());
  for (const StreamLayerState* st : stack) cover = cover + st->blurred;
  cover = cover.clamp(0, 1);
}

}  // namespace palette

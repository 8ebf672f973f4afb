#include "pipelines/stream_background.h"

#include <torch/torch.h>

#include "models/model_parts.h"
#include "pipelines/background_image.h"

namespace palette {

namespace {

bool same_picture(const std::shared_ptr<const Image>& a, const std::shared_ptr<const Image>& b) {
  if (a == b) return true;
  return a && b && a->width == b->width && a->height == b->height && a->channels == b->channels &&
         a->pixels == b->pixels;
}

}  // namespace

bool update_stream_background(StreamEngine::State& s, StreamLayout& l, const StreamSnapshot& snapshot) {
  const std::shared_ptr<const Image>& image = snapshot.background.image;
  const bool changed = !same_picture(l.photo, image);
  l.photo = image;  // an equal picture under a new pointer: the pointer compares equal next time
  if (!changed) return false;
  if (!image) {
    l.photo_pixels = torch::Tensor();
    l.background_latent = l.white_background;
    return true;
  }
  const ModelParts& parts = *s.parts;
  l.photo_pixels = background_pixels(*image, snapshot.height, snapshot.width, parts.device);
  l.background_latent =
      s.use_taesd ? taesd_latent(parts, l.photo_pixels)
                  : posterior_latent(image_posterior(parts, l.photo_pixels), parts, l.background_draw);
  ++s.stats.background_encodes;
  return true;
}

std::vector<StreamLayerState*> stream_stack(StreamLayout& l, const std::vector<uint64_t>& active) {
  std::vector<StreamLayerState*> stack;
  if (!l.photo) stack.push_back(&l.background);
  for (uint64_t id : active) stack.push_back(&l.layers.at(id));
  return stack;
}

void update_photo_cover(StreamLayout& l, const std::vector<StreamLayerState*>& stack) {
  l.photo_cover = torch::Tensor();
  if (!l.photo) return;
  l.photo_cover =
      torch::zeros({1, 1, l.photo_pixels.size(2), l.photo_pixels.size(3)}, l.photo_pixels.options());
  for (const StreamLayerState* st : stack) l.photo_cover = l.photo_cover + st->blurred;
  l.photo_cover = l.photo_cover.clamp(0, 1);
}

}  // namespace palette

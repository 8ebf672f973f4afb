// Validation of a RegionRequest and the conversion of its layers' masks: everything that can be
// checked without a model, so a bad request fails before any weight is touched.
#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <string>

#include "pipelines/pipeline_common.h"
#include "palette/regions.h"
#include "palette/utf8.h"
#include "pipelines/region_parts.h"
#include "pipelines/region_render.h"

namespace palette {

namespace {

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

using pipeline::check_canvas_side;

void check_range(const std::string& field, double value, double low, double high) {
  if (!std::isfinite(value) || value < low || value > high)
    throw Error(field + " " + number_text(value) + " must be in [" + number_text(low) + ", " +
                number_text(high) + "]");
}

void check_at_least(const std::string& field, double value, double low) {
  if (!std::isfinite(value) || value < low)
    throw Error(field + " " + number_text(value) + " must be a finite number ≥ " + number_text(low));
}

// The mask as (1, H', W') float32 on the CPU, values in [0, 1]. Throws naming `field`.
torch::Tensor layer_mask(const RegionLayer& layer, const std::string& field) {
  if (layer.mask.defined()) {
    torch::Tensor m = layer.mask;
    if (m.dim() == 3 && m.size(0) == 1) m = m[0];
    if (m.dim() != 2)
      throw Error(field + ".mask: expected (H, W) or (1, H, W), got " + std::to_string(layer.mask.dim()) +
                  " dimensions");
    if (m.size(0) < 1 || m.size(1) < 1)
      throw Error(field + ".mask: " + std::to_string(m.size(0)) + " × " + std::to_string(m.size(1)) +
                  " is empty");
    if (m.scalar_type() == torch::kBool) return m.to(torch::kCPU, torch::kFloat32).unsqueeze(0);
    if (!m.is_floating_point()) throw Error(field + ".mask: must be a floating or bool tensor");
    m = m.to(torch::kCPU, torch::kFloat32);
    if (!torch::isfinite(m).all().item<bool>()) throw Error(field + ".mask: holds NaN or infinite values");
    if (m.min().item<float>() < 0 || m.max().item<float>() > 1)
      throw Error(field + ".mask: values must be in [0, 1]");
    return m.unsqueeze(0);
  }
  const Image& im = layer.mask_image;
  if (im.width < 1 || im.height < 1) throw Error(field + ": has neither a mask nor a mask_image");
  if (im.channels != 1 && im.channels != 4)
    throw Error(field + ".mask_image: needs 1 channel (gray) or 4 (alpha), got " +
                std::to_string(im.channels));
  if (im.pixels.size() != size_t(im.width) * size_t(im.height) * size_t(im.channels))
    throw Error(field + ".mask_image: pixel buffer does not match " + std::to_string(im.width) + " × " +
                std::to_string(im.height) + " × " + std::to_string(im.channels));
  auto bytes = torch::from_blob(const_cast<uint8_t*>(im.pixels.data()), {im.height, im.width, im.channels},
                                torch::kUInt8);
  // The last channel is the coverage: gray for 1 channel, alpha for RGBA.
  return bytes.select(2, im.channels - 1).to(torch::kFloat32).div(255.0).unsqueeze(0);
}

}  // namespace

void validate_region_layer_settings(const RegionLayer& layer, const std::string& field) {
  check_utf8(layer.prompt, field + ".prompt");
  check_utf8(layer.negative_prompt, field + ".negative_prompt");
  check_range(field + ".prompt_strength", layer.prompt_strength, 0.0, 1.0);
  check_at_least(field + ".mask_strength", layer.mask_strength, 0.0);
  check_at_least(field + ".mask_blur_std", layer.mask_blur_std, 0.0);
}

void validate_region_request(const RegionRequest& request) {
  check_canvas_side("width", request.width);
  check_canvas_side("height", request.height);
  check_utf8(request.background.prompt, "background.prompt");
  check_utf8(request.background.negative_prompt, "background.negative_prompt");
  if (request.background.image) validate_background_image(*request.background.image, "background.image");
  for (size_t i = 0; i < request.layers.size(); ++i) {
    const RegionLayer& layer = request.layers[i];
    const std::string field = "layers[" + std::to_string(i) + "]";
    layer_mask(layer, field);
    validate_region_layer_settings(layer, field);
  }
  const RegionSampling& s = request.sampling;
  if (s.index_steps < 1)
    throw Error("sampling.index_steps " + std::to_string(s.index_steps) + " must be at least 1");
  if (s.t_index_list.empty()) throw Error("sampling.t_index_list is empty");
  for (size_t i = 0; i < s.t_index_list.size(); ++i) {
    const int index = s.t_index_list[i];
    if (index < 0 || index >= s.index_steps)
      throw Error("sampling.t_index_list[" + std::to_string(i) + "] " + std::to_string(index) +
                  " is outside [0, index_steps = " + std::to_string(s.index_steps) + ")");
    if (i > 0 && index <= s.t_index_list[i - 1])
      throw Error("sampling.t_index_list must be strictly increasing (entry " + std::to_string(i) + ")");
  }
  pipeline::check_guidance("sampling.guidance", s.guidance);
  check_range("sampling.cover_alpha", s.cover_alpha, -1e30, 1.0);
  if (s.bootstrap_steps < 0)
    throw Error("sampling.bootstrap_steps " + std::to_string(s.bootstrap_steps) + " must be ≥ 0");
  check_at_least("sampling.bootstrap_mix_steps", s.bootstrap_mix_steps, 0.0);
  if (!std::isfinite(s.leak_sensitivity) || s.leak_sensitivity <= 0)
    throw Error("sampling.leak_sensitivity " + number_text(s.leak_sensitivity) + " must be > 0");
  if (s.tile_size != 0 && (s.tile_size < 64 || s.tile_size % 8 != 0))
    throw Error("sampling.tile_size " + std::to_string(s.tile_size) +
                " must be a multiple of 8 and at least 64 (or 0: the model family's)");
}

torch::Tensor region_layer_mask(const RegionLayer& layer, const std::string& field, int64_t height,
                                int64_t width) {
  torch::Tensor m = layer_mask(layer, field).unsqueeze(0);
  if (m.size(2) == height && m.size(3) == width) return m;
  namespace F = torch::nn::functional;
  return F::interpolate(m, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{height, width})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

torch::Tensor region_mask_stack(const RegionRequest& request) {
  std::vector<torch::Tensor> masks;
  if (!request.background.image) masks.push_back(torch::ones({1, 1, request.height, request.width}));
  for (size_t i = 0; i < request.layers.size(); ++i)
    masks.push_back(
        region_layer_mask(request.layers[i], "layers[" + std::to_string(i) + "]", request.height, request.width));
  return torch::cat(masks);
}

}  // namespace palette

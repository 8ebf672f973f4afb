// The mask pipeline as a few whole-tensor operations per stage, so a GPU runs it as a handful of kernels
// and the host never waits for it.
#include "regions/mask_pipeline.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "palette/error.h"

namespace palette {
namespace {

namespace F = torch::nn::functional;

// A few host values on the target device. non_blocking: a blocking copy from pageable memory would wait
// for all the work queued on the GPU stream; an asynchronous one stages the bytes and returns at once.
template <typename T>
torch::Tensor device_values(const std::vector<T>& values, torch::Dtype host_dtype,
                            const torch::TensorOptions& target) {
  return torch::tensor(values, host_dtype).to(target, /*non_blocking=*/true);
}

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

// One value per layer from a list of 1 or `count` values, each finite and >= 0.
std::vector<double> per_layer(const std::vector<double>& values, int64_t count, const char* name) {
  if (values.size() != 1 && static_cast<int64_t>(values.size()) != count) {
    throw Error(std::string("mask options: ") + name + " has " + std::to_string(values.size()) +
                " values; give one for all layers or one per layer (" + std::to_string(count) + ")");
  }
  for (double v : values) {
    if (!std::isfinite(v) || v < 0) {
      throw Error(std::string("mask options: ") + name + " must be finite and >= 0, got " +
                  std::to_string(v));
    }
  }
  return values.size() == 1 ? std::vector<double>(count, values[0]) : values;
}

// The reference replaces σ <= 0 by 1e-5 once any layer blurs: a kernel that narrow is an exact identity in
// float32 (every off-centre weight underflows to 0), so those layers pass through unchanged.
double effective_std(double s) {
  return s > 0 ? s : 1e-5;
}

// ⌈3σ⌉ in float32, as the reference computes it from a float32 tensor.
int64_t kernel_radius(double s) {
  return static_cast<int64_t>(std::ceil(3.0f * static_cast<float>(s)));
}

// The normalised 1-D kernel exp(−d²/2σ²), |d| <= radius, as a (1, 2·radius+1) row.
torch::Tensor gaussian_kernel(double sigma, int64_t radius, const torch::TensorOptions& options) {
  // σ goes through the compute dtype first, as the reference builds its kernel from a float32 tensor.
  const auto s = torch::full({1, 1}, sigma, options);
  const auto d = torch::arange(-radius, radius + 1, options).view({1, -1});
  const auto k = torch::exp(-0.5 * (d * d) / (s * s));
  return k / k.sum(1, /*keepdim=*/true);
}

// Blurs x (n, c, H, W) with one kernel for all its planes: rows then columns, each a grouped convolution
// over the n·c planes.
torch::Tensor separable_blur(const torch::Tensor& x, const torch::Tensor& kernel) {
  const int64_t n = x.size(0), c = x.size(1), height = x.size(2), width = x.size(3);
  const int64_t size = kernel.size(1), radius = size / 2;
  const auto planes = n * c;
  auto y = x.reshape({1, planes, height, width});
  y = F::pad(y, F::PadFuncOptions({radius, radius, 0, 0}).mode(torch::kReplicate));
  y = F::conv2d(y, kernel.view({1, 1, 1, size}).expand({planes, 1, 1, size}),
                F::Conv2dFuncOptions().groups(planes));
  y = F::pad(y, F::PadFuncOptions({0, 0, radius, radius}).mode(torch::kReplicate));
  y = F::conv2d(y, kernel.view({1, 1, size, 1}).expand({planes, 1, size, 1}),
                F::Conv2dFuncOptions().groups(planes));
  return y.view({n, c, height, width});
}

// Blurs the items of x with `stds` (one per item; σ <= 0 = unchanged). `all_stds` decides the shared
// radius under BlurWindow::LargestStd: every layer of the document, not only the ones being processed.
// One convolution per item, never one batched over items: a batch can take another convolution algorithm
// and round differently, and a layer processed alone must equal its slice of all layers bit for bit.
torch::Tensor blur_items(const torch::Tensor& x, const std::vector<double>& stds,
                         const std::vector<double>& all_stds, BlurWindow window) {
  const bool any_blur = std::any_of(stds.begin(), stds.end(), [](double s) { return s > 0; });
  if (!any_blur) return x;
  int64_t shared_radius = 0;
  for (double s : all_stds) shared_radius = std::max(shared_radius, kernel_radius(effective_std(s)));
  std::vector<torch::Tensor> items;
  for (size_t n = 0; n < stds.size(); ++n) {
    const auto item = x.narrow(0, static_cast<int64_t>(n), 1);
    // σ <= 0 stands for the reference's 1e-5, whose kernel is an exact identity: skip the work.
    if (stds[n] <= 0) {
      items.push_back(item);
      continue;
    }
    const auto radius = window == BlurWindow::LargestStd ? shared_radius : kernel_radius(stds[n]);
    items.push_back(separable_blur(item, gaussian_kernel(stds[n], radius, x.options())));
  }
  return torch::cat(items, 0);
}

torch::Dtype compute_dtype(const torch::Tensor& masks) {
  return masks.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

// Masks as values in [0, 1] of the compute dtype.
torch::Tensor unit_masks(const torch::Tensor& masks) {
  const auto dtype = compute_dtype(masks);
  if (masks.scalar_type() == torch::kUInt8) return masks.to(dtype) / 255.0;
  if (masks.scalar_type() == torch::kBool) return masks.to(dtype);
  return masks.to(dtype).clamp(0.0, 1.0);
}

void check_masks(const torch::Tensor& masks) {
  if (!masks.defined()) throw Error("process_masks: masks is an undefined tensor");
  if (masks.dim() != 4 || masks.size(0) < 1 || masks.size(1) != 1 || masks.size(2) < 1 || masks.size(3) < 1) {
    throw Error("process_masks: masks must be (layers >= 1, 1, height, width), got " + shape_of(masks));
  }
  const auto dtype = masks.scalar_type();
  if (!masks.is_floating_point() && dtype != torch::kUInt8 && dtype != torch::kBool) {
    throw Error(std::string("process_masks: masks must be floating, uint8 or bool, got ") +
                c10::toString(dtype));
  }
}

void check_noise_levels(const std::vector<float>& levels) {
  if (levels.empty()) throw Error("process_masks: no noise levels (one per denoising step is needed)");
  for (size_t k = 0; k < levels.size(); ++k) {
    const bool decreasing = k == 0 || levels[k] < levels[k - 1];
    if (!std::isfinite(levels[k]) || levels[k] <= 0 || !decreasing) {
      throw Error("process_masks: noise levels must be finite, > 0 and strictly decreasing; level " +
                  std::to_string(k) + " is " + std::to_string(levels[k]));
    }
  }
}

std::vector<int64_t> requested_layers(const std::vector<int64_t>& layers, int64_t count) {
  if (layers.empty()) {
    std::vector<int64_t> all(count);
    for (int64_t i = 0; i < count; ++i) all[i] = i;
    return all;
  }
  for (int64_t i : layers) {
    if (i < 0 || i >= count) {
      throw Error("process_masks: layer " + std::to_string(i) + " does not exist (there are " +
                  std::to_string(count) + ")");
    }
  }
  return layers;
}

// Which pixels of each layer from `first` on lie under a later layer's mask: (n, 1, H, W) bool, n = p −
// first.
torch::Tensor covered_by_later(const torch::Tensor& resized) {
  const auto painted = (resized > 0).to(torch::kInt32);
  const auto at_or_above = painted.flip({0}).cumsum(0).flip({0});
  return (at_or_above - painted) > 0;
}

// One value per latent cell of (k, 1, H, W) masks: (k, 1, h, w). The decoder draws cell i over pixels
// s·i … s·i + s − 1, so the weight of a cell is the mask where that cell shows, at its centre.
torch::Tensor cell_samples(const torch::Tensor& m, int64_t latent_h, int64_t latent_w, const MaskOptions& options) {
  if (options.cell_sampling == CellSampling::ReferenceCorner)
    return F::interpolate(
        m, F::InterpolateFuncOptions().size(std::vector<int64_t>{latent_h, latent_w}).mode(torch::kNearest));
  const int64_t s = options.latent_scale, o = s / 2;
  return m.slice(2, o, o + (latent_h - 1) * s + 1, s).slice(3, o, o + (latent_w - 1) * s + 1, s);
}

// The step weights from strength-scaled masks already at latent size: (k, 1, h, w) → (k, T, 1, h, w).
// Quantizing commutes with sampling one pixel per cell, so doing it after touches 64× fewer values.
torch::Tensor quantize(const torch::Tensor& m, const std::vector<float>& levels, RegionMaskType type) {
  const auto steps = static_cast<int64_t>(levels.size());
  std::vector<float> next(levels.begin() + 1, levels.end());
  next.push_back(0.0f);
  const auto as_steps = [&](const std::vector<float>& v) {
    return device_values(v, torch::kFloat32, m.options()).view({1, steps, 1, 1, 1});
  };
  const auto sigma = as_steps(levels), sigma_next = as_steps(next);
  const auto x = m.unsqueeze(1);  // (k, 1, 1, h, w) against (1, T, 1, 1, 1)
  const auto discrete = [&] { return (x > sigma).to(m.scalar_type()); };
  // The reference's expression as written (subtract, then divide) so rounding matches it.
  const auto continuous = [&] { return ((x - sigma_next) / (sigma - sigma_next)).clamp(0.0, 1.0); };
  switch (type) {
    case RegionMaskType::Discrete:
      return discrete();
    case RegionMaskType::Continuous:
      return continuous();
    case RegionMaskType::SemiContinuous: {
      const auto d = discrete(), c = continuous();
      return torch::cat({d.narrow(1, 0, steps - 1), c.narrow(1, steps - 1, 1)}, 1);
    }
  }
  throw Error("process_masks: unknown mask type");
}

}  // namespace

std::vector<float> mask_noise_levels(const torch::Tensor& alphas_cumprod,
                                     const std::vector<int64_t>& timesteps) {
  if (!alphas_cumprod.defined() || alphas_cumprod.dim() != 1) {
    throw Error("mask_noise_levels: alphas_cumprod must be a 1-D tensor");
  }
  if (timesteps.empty()) throw Error("mask_noise_levels: no timesteps");
  const auto table = alphas_cumprod.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  const auto* a = table.data_ptr<float>();
  std::vector<float> levels;
  for (int64_t t : timesteps) {
    if (t < 0 || t >= table.size(0)) {
      throw Error("mask_noise_levels: timestep " + std::to_string(t) + " is outside [0, " +
                  std::to_string(table.size(0)) + ")");
    }
    levels.push_back(std::sqrt(1.0f - a[t]));  // float32 throughout, as the reference's tensor maths
  }
  return levels;
}

torch::Tensor gaussian_blur(const torch::Tensor& x, const std::vector<double>& std, BlurWindow window) {
  if (!x.defined() || x.dim() != 4 || x.size(0) < 1 || x.size(1) < 1) {
    throw Error("gaussian_blur: x must be (n >= 1, channels >= 1, height, width), got " +
                (x.defined() ? shape_of(x) : std::string("an undefined tensor")));
  }
  if (!x.is_floating_point()) {
    throw Error(std::string("gaussian_blur: x must be floating, got ") + c10::toString(x.scalar_type()));
  }
  const auto stds = per_layer(std, x.size(0), "blur std");
  return blur_items(x, stds, stds, window);
}

ProcessedMasks process_masks(const torch::Tensor& masks, const std::vector<float>& noise_levels,
                             const MaskOptions& options, const std::vector<int64_t>& layers) {
  check_masks(masks);
  check_noise_levels(noise_levels);
  const int64_t count = masks.size(0);
  const auto wanted = requested_layers(layers, count);
  const auto stds = per_layer(options.blur_std, count, "blur_std");
  const auto strengths = per_layer(options.strength, count, "strength");
  if (options.latent_scale < 1) throw Error("mask options: latent_scale must be >= 1");
  const int64_t height = options.height, width = options.width;
  const int64_t latent_h = height / options.latent_scale, latent_w = width / options.latent_scale;
  if (latent_h < 1 || latent_w < 1) {
    throw Error("mask options: image size " + std::to_string(height) + "x" + std::to_string(width) +
                " gives an empty latent at scale 1/" + std::to_string(options.latent_scale));
  }

  // Layers below the lowest requested one cover nothing of interest: leave them untouched.
  const int64_t first = *std::min_element(wanted.begin(), wanted.end());
  auto resized = unit_masks(masks.narrow(0, first, count - first));
  if (resized.size(2) != height || resized.size(3) != width) {
    resized = F::interpolate(resized, F::InterpolateFuncOptions()
                                          .size(std::vector<int64_t>{height, width})
                                          .mode(torch::kBilinear)
                                          .align_corners(false));
  }

  std::vector<int64_t> rows;
  std::vector<double> layer_stds, layer_strengths;
  for (int64_t i : wanted) {
    rows.push_back(i - first);
    layer_stds.push_back(stds[i]);
    layer_strengths.push_back(strengths[i]);
  }
  const auto index = device_values(rows, torch::kInt64, resized.options().dtype(torch::kInt64));
  auto m = resized.index_select(0, index);
  if (options.cover_alpha > 0) {
    const auto covered = covered_by_later(resized).index_select(0, index);
    m = torch::where(covered, m * options.cover_alpha, m);
  }
  auto blurred = blur_items(m, layer_stds, stds, options.blur_window);

  const auto k = static_cast<int64_t>(wanted.size());
  const auto strength = device_values(layer_strengths, torch::kFloat64, m.options()).view({k, 1, 1, 1});
  const auto latent = cell_samples(blurred * strength, latent_h, latent_w, options);
  return {quantize(latent, noise_levels, options.mask_type), blurred};
}

}  // namespace palette

// Bounding boxes and shifts as whole-tensor operations: the reference reads every box back to the host
// and rolls layer by layer; here the boxes stay on the device and one gather per axis moves all layers.
#include "regions/bbox_shift.h"

#include <torch/torch.h>

#include <sstream>
#include <string>

#include "palette/error.h"

namespace palette {
namespace {

std::string shape_of(const torch::Tensor& t) {
  if (!t.defined()) return "an undefined tensor";
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

void check_masks(const char* where, const torch::Tensor& masks) {
  if (!masks.defined() || masks.dim() != 4 || masks.size(0) < 1 || masks.size(1) != 1 || masks.size(2) < 1 ||
      masks.size(3) < 1) {
    throw Error(std::string(where) + ": masks must be (layers >= 1, 1, height, width), got " +
                shape_of(masks));
  }
}

// Per layer, how far the box centre along one axis must move to reach size/2: `painted` is (p, size) bool.
torch::Tensor centre_shift(const torch::Tensor& painted, int64_t size) {
  const auto pos = torch::arange(size, painted.options().dtype(torch::kInt64)).view({1, size});
  const auto occupied = painted.to(torch::kInt64);
  // Weights that peak at the first and at the last painted index, so no reliance on argmax tie-breaking.
  const auto first = size - (occupied * (size - pos)).amax(1);
  const auto last = (occupied * pos).amax(1);
  const auto centre = (first + last + 1).div(2, "floor");
  const auto shift = size / 2 - centre;
  // Nothing painted: no box to centre, so no move.
  return torch::where(painted.any(1), shift, torch::zeros_like(shift));
}

// Source indices along one axis for every layer: (p, size) int64, and whether each lies on the canvas.
std::pair<torch::Tensor, torch::Tensor> source_indices(const torch::Tensor& shift, int64_t size,
                                                       ShiftEdges edges) {
  const auto pos = torch::arange(size, shift.options()).view({1, size});
  const auto src = pos - shift.view({-1, 1});
  if (edges == ShiftEdges::Wrap) return {torch::remainder(src, size), torch::Tensor()};
  return {src.clamp(0, size - 1), (src >= 0).logical_and(src < size)};
}

}  // namespace

torch::Tensor mask_bbox_center_shifts(const torch::Tensor& masks) {
  check_masks("mask_bbox_center_shifts", masks);
  const auto painted = masks.squeeze(1) > 0;  // (p, h, w)
  const auto rows = painted.any(2), cols = painted.any(1);
  return torch::stack({centre_shift(rows, masks.size(2)), centre_shift(cols, masks.size(3))}, 1);
}

torch::Tensor shift_latents(const torch::Tensor& latents, const torch::Tensor& shifts,
                            const ShiftOptions& options) {
  if (!latents.defined() || latents.dim() != 4 || latents.size(0) < 1) {
    throw Error("shift_latents: latents must be (layers >= 1, channels, height, width), got " +
                shape_of(latents));
  }
  const int64_t p = latents.size(0), c = latents.size(1), h = latents.size(2), w = latents.size(3);
  if (!shifts.defined() || shifts.dim() != 2 || shifts.size(0) != p || shifts.size(1) != 2 ||
      shifts.is_floating_point() || shifts.device() != latents.device()) {
    throw Error("shift_latents: shifts must be integral (" + std::to_string(p) +
                ", 2) on the latents' device, got " + shape_of(shifts));
  }
  const auto s = shifts.to(torch::kInt64);
  const auto [ys, y_ok] = source_indices(s.select(1, 0), h, options.edges);
  const auto [xs, x_ok] = source_indices(s.select(1, 1), w, options.edges);
  auto out = latents.gather(2, ys.view({p, 1, h, 1}).expand({p, c, h, w}))
                 .gather(3, xs.view({p, 1, 1, w}).expand({p, c, h, w}));
  if (options.edges == ShiftEdges::Wrap) return out;

  const auto on_canvas = y_ok.view({p, 1, h, 1}).logical_and(x_ok.view({p, 1, 1, w}));
  if (!options.fill.defined()) return out.masked_fill(on_canvas.logical_not(), 0);
  torch::Tensor fill;
  try {
    fill = options.fill.to(latents.options()).expand_as(latents);
  } catch (const c10::Error&) {
    throw Error("shift_latents: fill of shape " + shape_of(options.fill) +
                " does not broadcast to the latents " + shape_of(latents));
  }
  return torch::where(on_canvas, out, fill);
}

namespace {

torch::Tensor checked_shifts(const char* where, const torch::Tensor& latents, const torch::Tensor& masks) {
  check_masks(where, masks);
  if (!latents.defined() || latents.dim() != 4 || latents.size(0) != masks.size(0) ||
      latents.size(2) != masks.size(2) || latents.size(3) != masks.size(3)) {
    throw Error(std::string(where) + ": latents " + shape_of(latents) + " and masks " + shape_of(masks) +
                " differ in layers or size");
  }
  return mask_bbox_center_shifts(masks.to(latents.device()));
}

}  // namespace

torch::Tensor shift_to_mask_bbox_center(const torch::Tensor& latents, const torch::Tensor& masks,
                                        const ShiftOptions& options) {
  return shift_latents(latents, checked_shifts("shift_to_mask_bbox_center", latents, masks), options);
}

torch::Tensor shift_back_from_mask_bbox_center(const torch::Tensor& latents, const torch::Tensor& masks,
                                               const ShiftOptions& options) {
  return shift_latents(latents, -checked_shifts("shift_back_from_mask_bbox_center", latents, masks), options);
}

}  // namespace palette

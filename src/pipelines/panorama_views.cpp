#include "pipelines/panorama_views.h"

#include <torch/torch.h>

#include <string>

#include "palette/error.h"

namespace palette::panorama {
namespace {

// Where the views sit along one side of the canvas.
struct Axis {
  int64_t size = 0;             // the views' extent along this side
  std::vector<int64_t> starts;  // ascending
  bool wrap = false;            // views run past the end and continue at the start
};

Axis axis_views(int64_t side, int64_t window, int64_t stride, bool wrap) {
  if (side <= window) return {side, {0}, false};
  Axis axis{window, {}, wrap};
  if (wrap) {
    // Rounded up (diffusers rounds down) so that a width that is not a multiple of the stride is still
    // covered all around.
    for (int64_t s = 0; s < side; s += stride) axis.starts.push_back(s);
  } else {
    for (int64_t s = 0; s + window < side; s += stride) axis.starts.push_back(s);
    axis.starts.push_back(side - window);
  }
  return axis;
}

void check_sizes(const char* what, int64_t height, int64_t width, int64_t window, int64_t stride) {
  if (height < 1 || width < 1 || window < 1 || stride < 1 || stride > window) {
    throw Error(std::string(what) + ": bad view grid (latent size " + std::to_string(height) + "x" +
                std::to_string(width) + ", window " + std::to_string(window) + ", stride " +
                std::to_string(stride) + "); sizes, window and stride must be positive and stride <= window");
  }
}

// The reference's triangle: 0 at both ends, rising to 1 in the middle.
torch::Tensor triangle(int64_t size) {
  const auto up = torch::linspace(0.0, 1.0, (size + 1) / 2, torch::kFloat32);
  auto down = up.flip(0);
  if (size % 2 == 1) down = down.slice(0, 1);
  return torch::cat({up, down});
}

// Σ of `profiles` placed at the axis' starts along a side of length `side`.
torch::Tensor axis_total(const Axis& axis, const std::vector<torch::Tensor>& profiles, int64_t side) {
  auto total = torch::zeros({side}, torch::kFloat32);
  for (size_t j = 0; j < profiles.size(); ++j) {
    const auto index =
        torch::arange(axis.starts[j], axis.starts[j] + axis.size, torch::kInt64).remainder(side);
    total.index_add_(0, index, profiles[j]);
  }
  return total;
}

// One weight profile per view along a side, normalised to sum to 1 at every position. Flat (1)
// towards the canvas borders, so the border pixels that only one view covers keep full weight.
std::vector<torch::Tensor> triangular_profiles(const Axis& axis, int64_t side) {
  const auto n = int64_t(axis.starts.size());
  if (n == 1) return {torch::ones({axis.size}, torch::kFloat32)};
  const auto c = triangle(axis.size);
  const int64_t half = axis.size / 2;
  std::vector<torch::Tensor> profiles;
  for (int64_t j = 0; j < n; ++j) {
    auto p = c.clone();
    if (!axis.wrap && j == 0) p.slice(0, 0, half).fill_(1.0f);
    if (!axis.wrap && j == n - 1) p.slice(0, axis.size - half).fill_(1.0f);
    profiles.push_back(p);
  }
  // Aligned grids already sum to 1 (up to rounding); a last view moved flush with the edge overlaps
  // its neighbour more, and the division evens that out.
  const auto total = axis_total(axis, profiles, side);
  if (total.min().item<float>() <= 0.0f) {
    throw Error("tiled panorama: window " + std::to_string(axis.size) + " is too small to blend views");
  }
  for (int64_t j = 0; j < n; ++j) {
    const auto index =
        torch::arange(axis.starts[j], axis.starts[j] + axis.size, torch::kInt64).remainder(side);
    profiles[j] = profiles[j] / total.index_select(0, index);
  }
  return profiles;
}

ViewGrid make_grid(int64_t height, int64_t width, const Axis& rows, const Axis& cols) {
  ViewGrid grid;
  grid.height = height;
  grid.width = width;
  grid.circular = cols.wrap;
  grid.view_height = rows.size;
  grid.view_width = cols.size;
  for (const auto h0 : rows.starts) {
    for (const auto w0 : cols.starts) grid.views.push_back({h0, h0 + rows.size, w0, w0 + cols.size});
  }
  return grid;
}

void set_total(ViewGrid& grid) {
  auto total = torch::zeros({grid.height, grid.width}, torch::kFloat32);
  for (size_t i = 0; i < grid.views.size(); ++i) accumulate(total, grid.views[i], grid.weights[int64_t(i)]);
  grid.total = total;
}

torch::Tensor wrapped_columns(const View& view, int64_t width, const torch::Device& device) {
  return torch::arange(view.w0, view.w1, torch::dtype(torch::kInt64).device(device)).remainder(width);
}

}  // namespace

ViewGrid multidiffusion_grid(int64_t height, int64_t width, int64_t window, int64_t stride, bool circular) {
  check_sizes("multidiffusion panorama", height, width, window, stride);
  auto grid = make_grid(height, width, axis_views(height, window, stride, false),
                        axis_views(width, window, stride, circular));
  grid.weights =
      torch::ones({int64_t(grid.views.size()), grid.view_height, grid.view_width}, torch::kFloat32);
  set_total(grid);
  return grid;
}

ViewGrid tiled_grid(int64_t height, int64_t width, int64_t window, bool circular) {
  check_sizes("tiled panorama", height, width, window, std::max<int64_t>(window / 2, 1));
  const auto rows = axis_views(height, window, window / 2, false);
  const auto cols = axis_views(width, window, window / 2, circular);
  auto grid = make_grid(height, width, rows, cols);
  const auto row_profiles = triangular_profiles(rows, height);
  const auto col_profiles = triangular_profiles(cols, width);
  std::vector<torch::Tensor> weights;
  for (const auto& r : row_profiles) {
    for (const auto& c : col_profiles) weights.push_back(r.unsqueeze(1) * c.unsqueeze(0));
  }
  grid.weights = torch::stack(weights);
  set_total(grid);
  return grid;
}

torch::Tensor canvas_weights(const ViewGrid& grid) {
  const auto n = int64_t(grid.views.size());
  auto planes = torch::zeros({n, grid.height, grid.width}, torch::kFloat32);
  for (int64_t i = 0; i < n; ++i) {
    auto plane = planes[i];
    accumulate(plane, grid.views[size_t(i)], grid.weights[i]);
  }
  return planes;
}

torch::Tensor crop(const torch::Tensor& latent, const View& view) {
  const auto rows = latent.narrow(-2, view.h0, view.h1 - view.h0);
  const auto width = latent.size(-1);
  if (view.w1 <= width) return rows.narrow(-1, view.w0, view.w1 - view.w0);
  return rows.index_select(-1, wrapped_columns(view, width, latent.device()));
}

void accumulate(torch::Tensor& canvas, const View& view, const torch::Tensor& x) {
  auto rows = canvas.narrow(-2, view.h0, view.h1 - view.h0);
  const auto width = canvas.size(-1);
  if (view.w1 <= width) {
    rows.narrow(-1, view.w0, view.w1 - view.w0).add_(x);
    return;
  }
  auto sizes = rows.sizes().vec();
  sizes.back() = view.w1 - view.w0;
  const auto source = x.to(canvas.scalar_type()).expand(sizes).contiguous();
  rows.index_add_(-1, wrapped_columns(view, width, canvas.device()), source);
}

}  // namespace palette::panorama

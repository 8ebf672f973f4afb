#include "models/lpips/lpips.h"

#include <string>

#include "models/module_weights.h"
#include "palette/error.h"
#include "palette/safetensors.h"

namespace palette {

namespace {

using Conv = LpipsSliceImpl::Conv;

struct SliceSpec {
  int64_t pool_kernel;  // 0: none
  std::vector<Conv> convs;
};

// torchvision's alexnet().features and vgg16().features, cut where LPIPS taps them.
std::vector<SliceSpec> trunk_spec(LpipsNet net) {
  if (net == LpipsNet::Alex)
    return {{0, {{0, 3, 64, 11, 4, 2}}},
            {3, {{3, 64, 192, 5, 1, 2}}},
            {3, {{6, 192, 384, 3, 1, 1}}},
            {0, {{8, 384, 256, 3, 1, 1}}},
            {0, {{10, 256, 256, 3, 1, 1}}}};
  return {{0, {{0, 3, 64, 3, 1, 1}, {2, 64, 64, 3, 1, 1}}},
          {2, {{5, 64, 128, 3, 1, 1}, {7, 128, 128, 3, 1, 1}}},
          {2, {{10, 128, 256, 3, 1, 1}, {12, 256, 256, 3, 1, 1}, {14, 256, 256, 3, 1, 1}}},
          {2, {{17, 256, 512, 3, 1, 1}, {19, 512, 512, 3, 1, 1}, {21, 512, 512, 3, 1, 1}}},
          {2, {{24, 512, 512, 3, 1, 1}, {26, 512, 512, 3, 1, 1}, {28, 512, 512, 3, 1, 1}}}};
}

// f / (‖f‖₂ over channels + 1e-10), the package's normalize_tensor (same form, so the same gradient).
torch::Tensor unit_normalise(const torch::Tensor& f) {
  return f / (f.pow(2).sum(1, /*keepdim=*/true).sqrt() + 1e-10);
}

void check_image(const torch::Tensor& x, const torch::TensorOptions& model) {
  if (x.dim() != 4 || x.size(1) != 3)
    throw Error("LPIPS: images must be (B,3,H,W), got " + std::to_string(x.dim()) + " dimensions" +
                (x.dim() >= 2 ? " with " + std::to_string(x.size(1)) + " channels" : std::string()));
  if (!x.is_floating_point()) throw Error("LPIPS: images must be floating point");
  if (x.size(2) < 32 || x.size(3) < 32)
    throw Error("LPIPS: images must be at least 32×32, got " + std::to_string(x.size(2)) + "×" +
                std::to_string(x.size(3)));
  if (x.scalar_type() != model.dtype() || x.device() != model.device())
    throw Error("LPIPS: images must have the model's dtype and device");
}

}  // namespace

LpipsSliceImpl::LpipsSliceImpl(int64_t pool_kernel, const std::vector<Conv>& specs)
    : pool_kernel_(pool_kernel) {
  for (const auto& c : specs)
    convs.push_back(register_module(
        std::to_string(c.index),
        torch::nn::Conv2d(
            torch::nn::Conv2dOptions(c.in, c.out, c.kernel).stride(c.stride).padding(c.padding))));
}

torch::Tensor LpipsSliceImpl::forward(torch::Tensor x) {
  if (pool_kernel_ > 0) x = torch::max_pool2d(x, pool_kernel_, /*stride=*/2);
  for (auto& conv : convs) x = torch::relu(conv->forward(x));
  return x;
}

LpipsTrunkImpl::LpipsTrunkImpl(LpipsNet net) {
  const auto spec = trunk_spec(net);
  for (size_t i = 0; i < spec.size(); ++i)
    slices.push_back(
        register_module("slice" + std::to_string(i + 1), LpipsSlice(spec[i].pool_kernel, spec[i].convs)));
}

std::vector<torch::Tensor> LpipsTrunkImpl::forward(torch::Tensor x) {
  std::vector<torch::Tensor> taps;
  for (auto& slice : slices) {
    x = slice->forward(x);
    taps.push_back(x);
  }
  return taps;
}

LpipsHeadImpl::LpipsHeadImpl(int64_t channels) {
  model = register_module(
      "model",
      torch::nn::Sequential(torch::nn::Identity(),
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 1, 1).bias(false))));
}

std::vector<int64_t> LpipsImpl::channels(LpipsNet net) {
  if (net == LpipsNet::Alex) return {64, 192, 384, 256, 256};
  return {64, 128, 256, 512, 512};
}

LpipsImpl::LpipsImpl(LpipsNet net) : net_kind_(net) {
  this->net = register_module("net", LpipsTrunk(net));
  const auto widths = channels(net);
  for (size_t k = 0; k < widths.size(); ++k)
    lins.push_back(register_module("lin" + std::to_string(k), LpipsHead(widths[k])));
}

std::vector<torch::Tensor> LpipsImpl::features(const torch::Tensor& images) {
  check_image(images, input_options());
  // The package's ScalingLayer: ImageNet mean/std re-expressed for [-1,1] inputs.
  const auto shift = torch::tensor({-0.030, -0.088, -0.188}, images.options()).view({1, 3, 1, 1});
  const auto scale = torch::tensor({0.458, 0.448, 0.450}, images.options()).view({1, 3, 1, 1});
  auto taps = net->forward((images - shift) / scale);
  for (auto& t : taps) t = unit_normalise(t);
  return taps;
}

torch::Tensor LpipsImpl::distance(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != lins.size() || b.size() != lins.size())
    throw Error("LPIPS: feature sets must hold " + std::to_string(lins.size()) + " layers");
  torch::Tensor total;
  for (size_t k = 0; k < lins.size(); ++k) {
    const auto layer = lins[k]->forward((a[k] - b[k]).pow(2)).mean({2, 3}).flatten();  // (B,)
    total = total.defined() ? total + layer : layer;
  }
  return total;
}

torch::Tensor LpipsImpl::distance(const torch::Tensor& x, const torch::Tensor& y) {
  return distance(features(x), features(y));
}

Lpips load_lpips(const std::filesystem::path& path, const torch::TensorOptions& options) {
  const auto file = SafetensorsFile::open(path);
  const std::string probe = "net.slice1.0.weight";
  if (!file.contains(probe)) throw Error("'" + path.string() + "': missing tensor '" + probe + "'");
  const auto& shape = file.entry(probe).shape;
  LpipsNet net;
  if (shape.size() == 4 && shape[3] == 11)
    net = LpipsNet::Alex;
  else if (shape.size() == 4 && shape[3] == 3)
    net = LpipsNet::Vgg16;
  else
    throw Error("'" + path.string() + "': tensor '" + probe + "'" +
                " is neither AlexNet's (64,3,11,11) nor VGG16's (64,3,3,3) first convolution");
  Lpips model(net);
  WeightLoadOptions load_options;
  load_options.ignore = [](const std::string& name) {
    return name.rfind("lins.", 0) == 0 || name.rfind("scaling_layer.", 0) == 0;
  };
  load_weights(*model, file.load_all(), path.string(), load_options);
  model->to(options.device(), options.dtype().toScalarType());
  model->eval();
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  return model;
}

}  // namespace palette

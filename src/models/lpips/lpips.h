// LPIPS v0.1 (Zhang et al., "The Unreasonable Effectiveness of Deep Features as a Perceptual
// Metric"), the perceptual distance SyncDiffusion descends on: a frozen ImageNet trunk (AlexNet or
// VGG16), per-layer channel-unit-normalised features, squared differences weighted by the learned
// 1×1 linear heads, averaged over space and summed over the five layers.
//
//   auto lpips = palette::load_lpips("lpips_alex.safetensors");   // trunk + heads in one file
//   torch::Tensor d = lpips->distance(a, b);                       // (B,3,H,W) in [-1,1] -> (B,)
//   auto anchor = lpips->features(anchor_image);                   // compute once ...
//   torch::Tensor g = lpips->distance(lpips->features(x), anchor); // ... compare many times
//
// The file holds the LPIPS package's state-dict names (see README.md, "LPIPS weights"):
//   net.slice{1..5}.<i>.weight/bias  the trunk's convolutions, i = torchvision's `features.<i>` index
//                                    (AlexNet: 0, 3, 6, 8, 10; VGG16: 0, 2, 5, 7, 10, 12, 14, 17,
//                                    19, 21, 24, 26, 28)
//   lin{0..4}.model.1.weight         the v0.1 linear heads, (1, C, 1, 1), no bias
// `lins.<k>.*` (the package's aliases of lin<k>) and `scaling_layer.*` (fixed constants) may be
// present and are ignored; any other extra tensor is an error. The trunk is told from the kernel size
// of net.slice1.0.weight (11: AlexNet, 3: VGG16).
// Gradients: distance() and features() are ordinary autograd graphs, differentiable w.r.t. the
// images; the model's own parameters are frozen (requires_grad false).
// Failures: a missing, unexpected or misshaped tensor, or an image that is not (B,3,H,W) floating
// with H, W >= 32, throws palette::Error naming the file, tensor or problem.
// Thread safety: a loaded model holds no per-call state; features/distance may run from several
// threads at once. Loading and to() must not overlap with anything else.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <vector>

namespace palette {

enum class LpipsNet { Alex, Vgg16 };

// One of the five LPIPS taps: an optional max-pool, then convolutions each followed by a ReLU.
// Convolutions are registered under torchvision's `features` index so the names match the checkpoint.
class LpipsSliceImpl : public torch::nn::Module {
 public:
  struct Conv {
    int64_t index, in, out, kernel, stride, padding;
  };
  LpipsSliceImpl(int64_t pool_kernel, const std::vector<Conv>& convs);  // pool_kernel 0: no pool
  torch::Tensor forward(torch::Tensor x);

  std::vector<torch::nn::Conv2d> convs;

 private:
  int64_t pool_kernel_ = 0;
};
TORCH_MODULE(LpipsSlice);

// The trunk ("net"): slice1..slice5, returning the five ReLU outputs LPIPS taps.
class LpipsTrunkImpl : public torch::nn::Module {
 public:
  explicit LpipsTrunkImpl(LpipsNet net);
  std::vector<torch::Tensor> forward(torch::Tensor x);

  std::vector<LpipsSlice> slices;  // registered as slice1..slice5
};
TORCH_MODULE(LpipsTrunk);

// A linear head ("lin<k>"): model.0 is the package's dropout (an identity at inference), model.1 the
// 1×1 convolution to one channel, without bias.
class LpipsHeadImpl : public torch::nn::Module {
 public:
  explicit LpipsHeadImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x) { return model->forward(x); }

  torch::nn::Sequential model{nullptr};
};
TORCH_MODULE(LpipsHead);

class LpipsImpl : public torch::nn::Module {
 public:
  explicit LpipsImpl(LpipsNet net);

  // images: (B,3,H,W) in [-1,1], H and W >= 32, the model's dtype and device. Returns the five
  // channel-unit-normalised feature maps, differentiable w.r.t. `images`.
  std::vector<torch::Tensor> features(const torch::Tensor& images);
  // Distance between two feature sets from features(); batches broadcast (B or 1 each). Returns (B,).
  torch::Tensor distance(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b);
  // LPIPS(x, y) for two image batches as in features(). Returns (B,).
  torch::Tensor distance(const torch::Tensor& x, const torch::Tensor& y);

  LpipsNet net_kind() const { return net_kind_; }
  // The dtype and device features() takes its images in: those of the trunk's weights.
  torch::TensorOptions input_options() const { return net->slices.front()->convs.front()->weight.options(); }
  static std::vector<int64_t> channels(LpipsNet net);  // the five tapped layers' widths

  LpipsTrunk net{nullptr};
  std::vector<LpipsHead> lins;  // registered as lin0..lin4

 private:
  LpipsNet net_kind_;
};
TORCH_MODULE(Lpips);

// Reads trunk and heads from one safetensors file (names above) and returns a frozen model in eval
// mode converted to `options`' dtype and device (float32 / CPU where unset). The caller owns the
// result. Throws palette::Error naming the file and the tensor at fault, before anything is copied.
Lpips load_lpips(const std::filesystem::path& file, const torch::TensorOptions& options = {});

}  // namespace palette

// palette::panorama_coherence (the SyncDiffusion authors' eval_intra_lpips.py with stride = crop) and
// the LPIPS loader the CLI and benchmarks share with render_panorama.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "models/lpips/lpips.h"
#include "palette/error.h"
#include "palette/panorama.h"

namespace palette {

std::shared_ptr<LpipsImpl> load_panorama_lpips(const std::string& file, torch::Device device) {
  return load_lpips(file, torch::dtype(torch::kFloat32).device(device)).ptr();
}

double panorama_coherence(const Image& image, LpipsImpl& lpips, int crop) {
  if (image.channels < 3 || image.pixels.size() != size_t(image.width) * image.height * image.channels)
    throw Error("panorama coherence: the image must be RGB or RGBA with width·height·channels bytes");
  if (crop < 32) throw Error("panorama coherence: crop " + std::to_string(crop) + " must be at least 32");
  const int rows = image.height / crop, cols = image.width / crop;
  if (rows * cols < 2)
    throw Error("panorama coherence: a " + std::to_string(image.width) + "×" + std::to_string(image.height) +
                " picture holds fewer than two " + std::to_string(crop) + "×" + std::to_string(crop) +
                " tiles");
  torch::NoGradGuard no_grad;
  // As the evaluation script reads a PNG: 8-bit values / 255, then to [-1, 1].
  const auto picture = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()),
                                        {image.height, image.width, image.channels}, torch::kUInt8)
                           .narrow(2, 0, 3)
                           .permute({2, 0, 1})
                           .to(torch::kFloat32)
                           .div(255)
                           .mul(2)
                           .sub(1);
  std::vector<torch::Tensor> tiles;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      tiles.push_back(picture.narrow(1, int64_t(r) * crop, crop).narrow(2, int64_t(c) * crop, crop));
  const auto features = lpips.features(torch::stack(tiles).to(lpips.input_options()));
  double total = 0;
  int pairs = 0;
  for (size_t i = 0; i < tiles.size(); ++i) {
    for (size_t j = i + 1; j < tiles.size(); ++j) {
      std::vector<torch::Tensor> a, b;
      for (const auto& f : features) {
        a.push_back(f.narrow(0, int64_t(i), 1));
        b.push_back(f.narrow(0, int64_t(j), 1));
      }
      total += lpips.distance(a, b).item<double>();
      ++pairs;
    }
  }
  return total / pairs;
}

}  // namespace palette

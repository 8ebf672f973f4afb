// Region rendering (StreamMultiDiffusion's one-shot pipeline, docs/algorithms.md §4): one picture from a
// background prompt and ordered layers, each a prompt painted into a mask.
//
//   palette::RegionRequest request;
//   request.width = 768;
//   request.height = 512;
//   request.seed = 7;
//   request.background.prompt = "a sunny meadow";
//   palette::RegionLayer house;
//   house.prompt = "a red house";
//   house.mask = torch::zeros({512, 768});                      // 1 where the house goes
//   house.mask.slice(0, 200, 400).slice(1, 100, 300).fill_(1);
//   request.layers.push_back(house);
//   palette::RegionResult r = palette::render_regions(model, request);
//   palette::write_png("meadow.png", r.image);
//
// Painting over a photo: request.background.image = std::make_shared<const palette::Image>(
// palette::read_background_image("photo.jpg")); the layers then replace only their blurred masks.
//
// Failures: palette::Error naming the field (e.g. "layers[2].mask: …") for an invalid request, thrown
// before any network runs; palette::Cancelled when *request.cancel becomes true.
// Thread safety: render_regions keeps all per-run state to itself; several renders may share one
// Model from several threads at once. The progress callback runs on the rendering thread.
#pragma once

#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "palette/background_image.h"
#include "palette/error.h"
#include "palette/image.h"
#include "palette/region_mask_type.h"
#include "palette/render.h"

namespace palette {

class Model;

// The layer under all others: its prompt covers the whole canvas (an all-ones mask, as the Semantic
// Palette app does) and is what the layers' prompts are interpolated towards.
// With an image (the reference's inpainting mode) there is no such layer: the image is VAE-encoded
// once (a posterior sample) into the background latent, which the unpainted pixels keep at every step
// and which bootstrapping mixes with white; the decoded picture is then blended into the image through
// the union of the layers' blurred masks (the reference's do_blend), so pixels beyond every blurred
// mask are the image's own. The prompt then only steers the layers' prompt_strength and may be "".
// A mask blur σ of 8–32 pixels gives soft seams in this mode.
struct RegionBackground {
  std::string prompt;
  std::string negative_prompt;  // only used when guidance > 1
  // A picture to paint over, or null: 1, 3 or 4 channels (gray spread, alpha dropped), any size up to
  // kMaxBackgroundPixels (resized bicubically to the canvas). Shared, never modified.
  std::shared_ptr<const Image> image;
};

struct RegionLayer {
  std::string prompt;
  std::string negative_prompt;  // only used when guidance > 1
  torch::Tensor mask;           // (H', W') or (1, H', W'), any size (resized bilinearly), values in [0, 1]
  Image mask_image;             // used when `mask` is undefined: 1 channel (gray) or 4 (alpha), 255 = painted
  double prompt_strength = 1.0;  // in [0, 1]: embedding = lerp(background, layer, strength)
  double mask_strength = 1.0;    // ≥ 0: the mask is multiplied by it after the blur (< ~0.96 fades it)
  double mask_blur_std = 0.0;    // ≥ 0: Gaussian σ in image pixels (the app's default is 0)
};

struct RegionSampling {
  std::vector<int> t_index_list = {0, 4, 12, 25, 37};  // indices into the LCM grid of `index_steps`
  int index_steps = 50;   // that grid: LCM set_timesteps(50) → [999, 979, …, 19]
  double guidance = 1.0;  // CFG scale; ≤ 1 runs the UNet on the prompts alone
  RegionMaskType mask_type = RegionMaskType::Discrete;
  double cover_alpha = 0.3;          // a layer's mask × this where a later layer is painted; ≤ 0: off
  int bootstrap_steps = 1;           // first steps with bootstrapping (≥ 0)
  double bootstrap_mix_steps = 1.0;  // white/background mix of the bootstrap latent: clip(mix − k, 0, 1)
  double leak_sensitivity = 0.2;     // > 0: leak removal's scale
  // Pixels, a multiple of 8: larger canvases are tiled (stride tile/2). 0: the authors' for the model's
  // family, 768 (SD 1.x/2.x) or 1024 (SDXL, their SDXL pipeline's).
  int tile_size = 0;
  // Bootstrapping's shift of each layer to its mask's bounding-box centre wraps around the edges as
  // the reference's torch.roll does (a reference bug, docs/algorithms.md §4; the smd_region_* fixtures
  // depend on it). false = the vacated pixels are the bootstrap background instead.
  bool reference_wrapping_shift = false;
  // Masks come to latent size read at each cell's centre. true = at its top-left pixel, as the reference's
  // nearest resize, which moves every region 3.5 px right and down (docs/algorithms.md §4; the smd_*
  // fixtures record it).
  bool reference_corner_cells = false;
};

struct RegionRequest {
  int width = 512;  // pixels: a multiple of 8, 64 … kMaxImageSide
  int height = 512;
  std::optional<uint64_t> seed;  // PyTorch CPU-generator seed; empty = a random one (see RegionResult)
  RegionBackground background;
  std::vector<RegionLayer> layers;  // bottom to top: a later layer covers the earlier ones
  RegionSampling sampling;
  std::function<void(int step, int total)> progress;  // after each denoising step; may be empty
  const std::atomic<bool>* cancel = nullptr;          // set *cancel to true from any thread to stop
};

struct RegionResult {
  Image image;        // width × height RGB8, owned by the result
  uint64_t seed = 0;  // the seed used (the random one when none was given)
  // How the steps ran: lcm for SD 1.x/2.x models; euler for SDXL (the authors' SDXL pipeline: Euler on a
  // trailing grid at the same indices, whatever lcm schedule the settings name).
  Sampler sampler = Sampler::lcm;
  RenderTimings timings;
};

// Checks everything that needs no model: sizes, masks, strengths, the sampling settings. Throws
// palette::Error naming the field, e.g. "layers[1].mask: 0 × 5 is empty". render_regions calls it first.
void validate_region_request(const RegionRequest& request);

// Renders the request with `model` (on its device, in its dtype): LCM, or for SDXL models Euler steps on
// the trailing grid (RegionResult::sampler). Throws as above,
// plus palette::Error for settings the model rejects (an index_steps the sampler cannot do).
// On a GPU, live streams on other threads record no new CUDA graphs while it runs (they run new shapes
// eagerly and record them afterwards), and it waits for a recording in progress to end.
RegionResult render_regions(const Model& model, const RegionRequest& request);

}  // namespace palette

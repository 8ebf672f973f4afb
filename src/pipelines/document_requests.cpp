// Snapshot → RegionRequest. The only file of the document that sees LibTorch (through regions.h).
#include "palette/document_requests.h"

#include <algorithm>
#include <string>
#include <tuple>

#include "palette/error.h"
#include "palette/model.h"
#include "pipelines/document_regions.h"

namespace palette {

namespace {

constexpr int kLcmGrid = 50;  // LCM's original_inference_steps: the grid t_index_list indexes

}  // namespace

RegionSampling region_sampling(const GenerationSettings& settings) {
  RegionSampling s;
  s.index_steps = kLcmGrid;
  s.guidance = settings.guidance;
  s.bootstrap_steps = settings.bootstrap_steps;
  switch (settings.sampler) {
    case Sampler::lcm:
      if (settings.steps < 1 || settings.steps > kLcmGrid)
        throw Error("settings.steps " + std::to_string(settings.steps) + " must be in [1, " +
                    std::to_string(kLcmGrid) + "] for the sampler 'lcm'");
      // diffusers' LCMScheduler.set_timesteps: every (50 // steps)-th entry of the 50-step grid.
      s.t_index_list.clear();
      for (int i = 0; i < settings.steps; ++i) s.t_index_list.push_back(i * (kLcmGrid / settings.steps));
      return s;
    case Sampler::lcm_stream:
      if (settings.steps != kLcmStreamSteps)
        throw Error("settings.steps " + std::to_string(settings.steps) + " must be " +
                    std::to_string(kLcmStreamSteps) + " for the sampler 'lcm_stream'");
      s.t_index_list = {0, 4, 12, 25, 37};
      return s;
    case Sampler::ddim:
    case Sampler::euler:
    case Sampler::euler_a:
      break;
  }
  // The region pipeline is StreamMultiDiffusion's stream batch, which only LCM's one-step
  // denoising fits.
  throw Error("settings.sampler: '" + std::string(sampler_name(settings.sampler)) +
              "' is not a region-rendering sampler (layouts use lcm or lcm_stream)");
}

namespace {

// What the live picture samples with of a layout's steps and guidance. Guidance doubles every frame's UNet
// batch: with the built-in model's 1.25 a stroke settled in 2.6 s instead of 1.5 s on two cores, for 56 %
// of regions right instead of 50 % (bench/RESULTS.md).
bool on_cpu(const Model& model) { return model.info().device == "cpu"; }
int live_steps(const Model& model, const GenerationSettings& s) {
  return on_cpu(model) && s.sampler == Sampler::lcm ? std::min(s.steps, kCpuLiveSteps) : s.steps;
}
double live_guidance(const Model& model, const GenerationSettings& s) {
  return on_cpu(model) ? std::min(s.guidance, 1.0) : s.guidance;
}

}  // namespace

bool same_live_batch(const Model& model, const GenerationSettings& running, const GenerationSettings& wanted) {
  // Called every UI frame: compares the capped values without copying the settings.
  return running.sampler == wanted.sampler && running.bootstrap_steps == wanted.bootstrap_steps &&
         live_steps(model, running) == live_steps(model, wanted) &&
         live_guidance(model, running) == live_guidance(model, wanted);
}

StreamSettings live_picture_settings(const Model& model, const GenerationSettings& settings) {
  GenerationSettings live = settings;
  live.steps = live_steps(model, settings);
  live.guidance = live_guidance(model, settings);
  StreamSettings s;
  s.sampling = region_sampling(live);
  s.sampling.mask_type = RegionMaskType::Continuous;
  return live_stream_settings(model, s);
}

int live_picture_halvings(bool on_cpu, int native_side, int width, int height) {
  const int largest = on_cpu ? kCpuLiveSide : int(kGpuLiveSideOverNative * std::max(native_side, 64));
  int n = 0;
  for (; std::max(width, height) > largest && n < 4; ++n) std::tie(width, height) = halved_canvas(width, height, 1);
  return n;
}

int live_picture_halvings(const Model& model, int width, int height) {
  return live_picture_halvings(on_cpu(model), model.info().native.side, width, height);
}

RegionRequest region_request(const DocumentContent& snapshot, std::vector<LayerId>* layer_ids) {
  RegionRequest request;
  request.width = snapshot.width;
  request.height = snapshot.height;
  request.seed = snapshot.settings.seed;
  request.sampling = region_sampling(snapshot.settings);
  request.background = region_background_of(snapshot.background);  // shared: the picture is not copied
  if (layer_ids != nullptr) layer_ids->clear();
  for (const Layer& layer : snapshot.layers) {
    // An empty mask would cost a UNet slot per step and change nothing.
    if (!layer.properties.enabled || layer.mask.empty()) continue;
    RegionLayer r = region_layer_of(layer.properties);
    r.mask_image = layer.mask.to_image();
    request.layers.push_back(std::move(r));
    if (layer_ids != nullptr) layer_ids->push_back(layer.id);
  }
  return request;
}

}  // namespace palette

// From a document snapshot to the region pipeline's request, so a layout renders with
// palette::render_regions (palette/regions.h).
//
//   std::shared_ptr<const palette::Snapshot> s = doc.snapshot();
//   palette::RegionRequest request = palette::region_request(*s);
//   palette::RegionResult r = palette::render_regions(model, request);
//   palette::export_png("out.png", r.image, *s, {.seed = r.seed});
//
//   palette::StreamSnapshotMaker to_stream;               // live painting, one per LiveStream
//   live.publish(to_stream(*doc.snapshot()));             // after every stroke segment
//
// Samplers (GenerationSettings::sampler, palette/sampler.h): the region pipeline runs LCM, on one of
// two schedules:
//   lcm:        diffusers' LCMScheduler schedule for `steps` steps: indices 0, k, 2k, … with
//               k = 50 / steps on its grid of 50 (steps in [1, 50]);
//   lcm_stream: StreamMultiDiffusion's schedule, indices {0, 4, 12, 25, 37} of 50 (steps must be 5);
//               older layouts call it "smd".
// Failures: palette::Error naming the field ("settings.sampler: 'ddim' …") for settings the region
// pipeline cannot run.
// Thread safety: region_request and region_sampling are pure functions; a StreamSnapshotMaker
// belongs to one thread (the UI's), the snapshots it makes may go to any.
#pragma once

#include <torch/types.h>

#include <memory>
#include <unordered_map>
#include <vector>

#include "palette/document_data.h"
#include "palette/regions.h"
#include "palette/stream.h"

namespace palette {

// The request for `snapshot`: its canvas size, seed (empty = random), guidance, background prompts
// and, bottom to top, every enabled layer whose mask is not empty, with the mask as a 1-channel
// `mask_image`. `layer_ids`, when given, receives the id of each layer in the request's order.
// The request owns copies of everything; the snapshot may be released afterwards.
RegionRequest region_request(const DocumentContent& snapshot, std::vector<LayerId>* layer_ids = nullptr);

// The sampling part alone (t_index_list, index_steps, guidance). Throws as above.
RegionSampling region_sampling(const GenerationSettings& settings);

// The live picture as the app shows it while painting a layout with `settings` on `model`'s device. On
// a GPU: the layout's own sampler and steps, at the canvas size up to kGpuLiveSideOverNative times the model's
// native side (a larger canvas is halved: SD 1.5 painted live at 2048² made a frame in 5 s on an H100, issue 23's
// large-canvas session). On a CPU it is made the fast way and
// shown upscaled: regional attention (live_stream_settings), at most kCpuLiveSteps steps of `lcm`
// (lcm_stream keeps its five), no classifier-free guidance, and a canvas halved (halved_canvas) until its
// longer side is at most kCpuLiveSide. Exports always render the layout in full. The app and `palette eval-default --live` use it.
// Measured with the built-in model on 2 cores, landscape example, one frame: 512² MultiDiffusion 28 s, 512²
// regional 7.9 s, 256² regional 1.2 s; with three steps 0.84 s and settled after 3 frames instead of 5, the
// picture alike (bench/RESULTS.md). Throws as region_sampling.
constexpr int kCpuLiveSide = 256;
constexpr int kCpuLiveSteps = 3;
constexpr double kGpuLiveSideOverNative = 1.5;
StreamSettings live_picture_settings(const Model& model, const GenerationSettings& settings);
// Whether the live picture's stream batch made for `running` also serves `wanted` on `model`'s device: the
// sampler, steps, guidance and bootstrapping that picture uses (after the CPU caps above) are the same.
// Prompts, masks, seed and canvas size never need a new batch. Never throws.
bool same_live_batch(const Model& model, const GenerationSettings& running, const GenerationSettings& wanted);
int live_picture_halvings(const Model& model, int width, int height);  // for halved_canvas
// The same rule for a device and a model's native side (ModelInfo::native.side).
int live_picture_halvings(bool on_cpu, int native_side, int width, int height);

// Turns document snapshots into the stream engine's (palette/stream.h). A layer's mask becomes a
// float tensor once per mask revision: while the revision stays, the same tensor is handed over, which
// the engine recognises as unchanged without comparing pixels. Layer ids carry over; every layer is
// passed, disabled ones with enabled = false. An empty seed gets one random seed per document, so the
// stream does not restart with every snapshot.
class StreamSnapshotMaker {
 public:
  // Never fails for a valid snapshot (the engine's apply() reports what it rejects). The result owns
  // its data and shares mask tensors with earlier results and this maker's cache.
  std::shared_ptr<const StreamSnapshot> operator()(const Snapshot& snapshot);

 private:
  struct CachedMask {
    uint64_t revision = 0;
    torch::Tensor mask;  // (H, W) float32 in [0, 1], CPU
  };
  uint64_t document_id_ = 0;
  uint64_t random_seed_ = 0;
  std::unordered_map<LayerId, CachedMask> masks_;
};

}  // namespace palette

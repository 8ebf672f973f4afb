// The stream engine's state (palette::StreamEngine::State): what apply() keeps between snapshots so
// it can redo only what changed, and the batch constants and latents step() runs on. Internal to
// src/pipelines; the engine's tests read it to prove what was (not) recomputed.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "palette/stream.h"
#include "models/model_parts.h"
#include "models/unet/unet_graph.h"
#include "pipelines/pipeline_common.h"
#include "pipelines/prompt_cache.h"
#include "pipelines/region_parts.h"
#include "pipelines/stream_frame.h"

namespace palette {

// One layer as the engine last saw it, with what was derived from it.
struct StreamLayerState {
  RegionLayer source;         // the snapshot's layer (the mask tensor is shared, not copied)
  uint64_t mask_revision = 0;  // the snapshot's, 0 = none given
  uint64_t revision_scope = 0;  // the snapshot's revision_scope with it
  torch::Tensor mask;         // (1, 1, H, W) float32 CPU, resized to the canvas
  torch::Tensor painted;      // mask > 0: what covers the layers beneath
  uint64_t painted_revision = 0;  // changes whenever `painted` does
  bool empty = true;              // nothing painted: the layer takes no part
  // The (id, painted_revision) of every active layer above this one when `quantized` was made: the
  // cover this layer's weights were computed under.
  std::vector<std::pair<uint64_t, uint64_t>> cover;
  torch::Tensor quantized;  // (1, T, 1, h, w) model dtype and device; undefined = to be processed
  torch::Tensor blurred;    // (1, 1, H, W) float32, model device: after cover and blur (pixel blend)
  torch::Tensor cond;       // (1, 77, hidden) after the lerp towards the background
  torch::Tensor uncond;     // with CFG only
  torch::Tensor pooled_cond, pooled_uncond;  // SDXL: (1, projection_dim), lerped alike; undefined otherwise
};

// The canvas: noise and latents fixed per size and seed, and the background picture with its latent.
struct StreamCanvas {
  torch::Tensor background_draw;    // (1, 4, h, w): the noise of background_latent's posterior sample
  torch::Tensor white_background;   // (1, 4, h, w): the white image's posterior sample with that noise
  torch::Tensor background_latent;  // (1, 4, h, w): white_background, or the photo's latent
  torch::Tensor white_latent;       // (1, 4, h, w): the bootstrap white, a second posterior sample
  torch::Tensor init_noise;         // (T, 4, h, w): slot k's noise (Euler: slot 0's is the run's one draw)
  torch::Tensor time_ids;           // SDXL: (1, 6), the canvas as original and target size; undefined otherwise
  // The background picture (stream_background.h); with one, the table's `background` layer takes no part.
  std::shared_ptr<const Image> photo;  // the picture background_latent encodes; null = the white image
  torch::Tensor photo_pixels;          // (1, 3, H, W) float32 in [0, 1], model device
};

// The layer table: every enabled layer as last seen, and the stack of those in the batch with what any
// stream mode builds from it. Rebuilt (the stack's part) when the layer set, a mask or an embedding changes.
struct StreamLayerTable {
  std::map<uint64_t, StreamLayerState> layers;  // by id: every enabled layer of the snapshot
  StreamLayerState background;                  // the all-ones layer under the others (none with a photo)
  std::vector<uint64_t> active;                 // ids of the layers in the batch, bottom to top
  torch::Tensor masks;           // (p, T, 1, h, w), the stack's quantized weights, bottom first
  bool has_background = false;   // some pixel is left uncovered at some step
  torch::Tensor slot0;           // (1, 4, h, w): slot 0's input
  // What each slot's blend shows where the layers leave the canvas uncovered: the background latent
  // (1, 4, h, w), or with an Euler schedule that latent at each slot's next σ, (T, 4, h, w).
  torch::Tensor uncovered_background;
  torch::Tensor photo_cover;     // (1, 1, H, W) float32: the active layers' blurred masks, summed
  bool photo_blend = false;      // frames are blended into the canvas's photo_pixels through photo_cover
};

class StreamBatch;  // one stream mode's batch (stream_batch.h)
struct StackEmbeddings;

// Everything derived from the current snapshot. apply() builds the next one on a copy (tensors are
// shared handles and a batch is immutable, so the copy is cheap) and swaps it in only when the whole
// snapshot went through.
struct StreamDerived {
  StreamCanvas canvas;
  StreamLayerTable table;
  std::shared_ptr<const StreamBatch> batch;  // null: nothing painted over a background picture
};

struct StreamEngine::State {
  const ModelParts* parts = nullptr;
  StreamSettings settings;
  RegionSchedule schedule;
  std::vector<float> noise_levels;  // σ of each step, for the masks
  torch::Tensor next_timesteps;     // (T−1,) int64 CPU: slots 1..T−1, what the buffer is noised to
  bool cfg = false;
  bool use_taesd = false;
  int64_t slots = 0;   // T
  int64_t factor = 8;  // pixels per latent pixel

  std::optional<StreamSnapshot> snapshot;  // the current one
  std::unique_ptr<PromptCache> prompts;
  std::unique_ptr<UNetGraphRunner> unet;  // the stream batch's UNet calls (CUDA graphs when enabled)
  std::unique_ptr<UNetGraphRunner> slot_unet;  // settle()'s single-slot calls, eager; made on first use
  std::unique_ptr<StreamFrameStage> frames;  // decode, picture blend and bytes (a CUDA graph too)
  // The mode's batch maker, chosen once at construction (stream_batch.h).
  std::shared_ptr<const StreamBatch> (*make_batch)(const State&, const StreamDerived&, const StackEmbeddings&) = nullptr;
  StreamDerived derived;
  torch::Tensor buffer;  // (T−1, 4, h, w): slots 1..T−1's inputs
  torch::Tensor last_latent;  // (1, 4, h, w): the newest frame's latent (slot T−1's blended x0)

  StreamStats stats;
  uint64_t version = 0;         // of the snapshot applied last
  int64_t calls_since_change = 0;
  std::optional<Image> settled_picture;  // settled_with_vae: the VAE's picture of the current change
  StreamTimings pending;        // apply()'s work, reported with the next frame
};

// Milliseconds since `start` when profile_stages is on (with a device synchronisation), else 0, so
// an unprofiled frame never waits for the device between stages.
inline double stream_stage_ms(const StreamEngine::State& s, pipeline::Clock::time_point start) {
  return s.settings.profile_stages ? pipeline::elapsed_ms(start, s.parts->device) : 0.0;
}

// Latent-space work of one stream call (stream_step.cpp): returns slot T−1's blended x0, (1, 4, h, w),
// and advances the buffer. Adds the UNet and blend time to `timings` when profiling.
torch::Tensor stream_call(StreamEngine::State& s, StreamTimings& timings);

// Slot k alone along the diagonal (StreamEngine::settle): its input is slot k−1's result of this change
// (the buffer's, or slot 0's fixed input), its result goes into the buffer as slot k+1's input, or for the
// last slot into last_latent. Sets calls_since_change to k + 1; returns the slot's blend.
torch::Tensor stream_settle_slot(StreamEngine::State& s, int64_t k, StreamTimings& timings);

// The frame of a latent: TAESD or VAE decode over the background picture, then RGBA8 on the host
// (stream_frame.h). Adds the decode (with the bytes on the device) and copy times when profiling.
// `with_vae`: the full VAE whatever the frames use (settled_with_vae), eagerly.
Image stream_decode(StreamEngine::State& s, const torch::Tensor& latent, StreamTimings& timings, bool with_vae = false);

// The state of `engine`, for the engine's own tests (and nothing outside src/pipelines).
struct StreamEngineInternals {
  static const StreamEngine::State& state(const StreamEngine& engine) { return *engine.state_; }
};
inline const StreamEngine::State& stream_state(const StreamEngine& engine) {
  return StreamEngineInternals::state(engine);
}

}  // namespace palette

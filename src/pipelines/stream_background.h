// The stream engine's background image (StreamSnapshot::background.image), as the one-shot render
// treats it (palette/regions.h): no all-ones background layer, the image's latent kept wherever nothing
// is painted, and each frame blended into the image through the layers' blurred masks. A new image is
// encoded once, on apply(), without restarting the stream: its latent replaces the white image's in
// the next calls, which is how the stream takes up any edit.
// Internal to the stream engine (stream_engine.cpp). Thread safety: as StreamEngine.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "pipelines/stream_state.h"

namespace palette {

// Brings `canvas`'s background latent up to date with the snapshot's image. A new or changed image (pixels
// compared when the pointer differs) is resized to the canvas and encoded: by TAESD's encoder when the
// frames are decoded with TAESD (as the reference stream), else as the VAE posterior sample with
// canvas.background_draw (so a steady frame equals the one-shot render with the same draws). No image: the
// white image's latent. Counts encodes in s.stats. Returns whether the background latent changed.
bool update_stream_background(StreamEngine::State& s, StreamCanvas& canvas, const StreamSnapshot& snapshot);

// The layers of the batch, bottom to top: the all-ones background layer (unless there is a background
// image), then the active layers.
std::vector<StreamLayerState*> stream_stack(StreamDerived& d, const std::vector<uint64_t>& active);

// The table's photo_cover for the layers of `stack` (the union of their blurred masks; zero for an empty stack).
// Leaves it undefined without a background image.
void update_photo_cover(StreamDerived& d, const std::vector<StreamLayerState*>& stack);

}  // namespace palette

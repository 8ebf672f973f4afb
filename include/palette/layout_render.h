// From a document snapshot to the region pipeline's request, so a layout renders with
// palette::render_regions (palette/regions.h).
//
//   std::shared_ptr<const palette::Snapshot> s = doc.snapshot();
//   palette::RegionRequest request = palette::region_request(*s);
//   palette::RegionResult r = palette::render_regions(model, request);
//   palette::export_png("out.png", r.image, *s, {.seed = r.seed});
//
// Sampler presets (GenerationSettings::sampler), both the LCM sampler the region pipeline runs:
//   "lcm": diffusers' LCMScheduler schedule for `steps` steps: indices 0, k, 2k, … with
//          k = 50 / steps on its grid of 50 (steps in [1, 50]);
//   "smd": StreamMultiDiffusion's schedule, indices {0, 4, 12, 25, 37} of 50 (steps must be 5).
// Failures: palette::Error naming the field ("settings.sampler: 'ddim' …") for settings the region
// pipeline cannot run.
// Thread safety: a pure function of the snapshot.
#pragma once

#include <vector>

#include "palette/document_data.h"
#include "palette/regions.h"

namespace palette {

// The request for `snapshot`: its canvas size, seed (empty = random), guidance, background prompts
// and, bottom to top, every enabled layer whose mask is not empty, with the mask as a 1-channel
// `mask_image`. `layer_ids`, when given, receives the id of each layer in the request's order.
// The request owns copies of everything; the snapshot may be released afterwards.
RegionRequest region_request(const DocumentContent& snapshot, std::vector<LayerId>* layer_ids = nullptr);

// The sampling part alone (t_index_list, index_steps, guidance). Throws as above.
RegionSampling region_sampling(const GenerationSettings& settings);

}  // namespace palette

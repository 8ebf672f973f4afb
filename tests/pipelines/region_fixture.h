// The layout of an smd_region_* fixture case as a palette::RegionRequest, shared by the one-shot and
// the stream engine's tests.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "palette/regions.h"
#include "palette/safetensors.h"

namespace palette::test {

// masks[0] of the case is the background's all-ones mask (the app's layout), masks[1..] the layers';
// prompts, blur, strengths, steps, the reference's wrapping bbox shift and its corner reading of latent
// cells as the case records them.
// Fails the calling test when the case is not laid out that way.
RegionRequest region_fixture_request(const SafetensorsFile& file);

// The noise draws the reference made, in order (noise_000, noise_001, …), as float32 tensors.
std::vector<torch::Tensor> region_fixture_draws(const SafetensorsFile& file);

}  // namespace palette::test

// Plausible ranges for the structural fields of model configs (config.json). They are checked before
// any network is built: a layer count of 100000 would otherwise allocate gigabytes, or hang, before
// the weights could show that the config is wrong. The ranges hold every Stable Diffusion 1.x/2.x/XL
// model and their tiny test versions with room to spare.
#pragma once

#include <cstdint>
#include <string>

#include "palette/error.h"

namespace palette::config_limits {

struct Range {
  int64_t low, high;
};

constexpr Range kBlocks{1, 8};              // resolution levels of a UNet, VAE or TAESD
constexpr Range kChannels{1, 8192};         // any width: block channels, hidden sizes, context
constexpr Range kImageChannels{1, 64};      // in/out/latent channels
constexpr Range kLayersPerBlock{1, 8};      // resnets per UNet/VAE block
constexpr Range kTransformerLayers{1, 16};  // SDXL uses 10
constexpr Range kHeads{1, 128};
constexpr Range kTextLayers{1, 64};          // CLIP-L 12, OpenCLIP-H 24, bigG 32
constexpr Range kTextWidth{1, 32768};        // intermediate (MLP) width
constexpr Range kPositions{1, 4096};         // CLIP: 77
constexpr Range kVocabulary{1, 1 << 20};     // CLIP: 49408
constexpr Range kTaesdBlocks{1, 16};        // blocks per TAESD stage (3 in the published models)

// Throws palette::Error "'<where>': \"<key>\" is <value>, expected <low>…<high>".
inline void check(const std::string& where, const std::string& key, int64_t value, Range range) {
  if (value < range.low || value > range.high)
    throw Error("'" + where + "': \"" + key + "\" is " + std::to_string(value) + ", expected " +
                std::to_string(range.low) + "…" + std::to_string(range.high));
}

}  // namespace palette::config_limits

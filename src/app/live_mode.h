// How the live picture mixes the brushes (the stream engine's StreamMode, palette/stream.h), as the
// Generation panel and a script's set_settings {"live_mode"} choose it.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace palette::app {

enum class LiveMode {
  Auto,               // the device's choice: regional attention on a CPU, MultiDiffusion on a GPU
  MultiDiffusion,     // one UNet item per brush and step, blended by the masks (the papers' exact method)
  RegionalAttention,  // one UNet item per step, brushes mixed in cross-attention (fewer items, faster)
};

inline std::string_view live_mode_name(LiveMode mode) {
  switch (mode) {
    case LiveMode::MultiDiffusion:
      return "multidiffusion";
    case LiveMode::RegionalAttention:
      return "regional";
    case LiveMode::Auto:
      break;
  }
  return "auto";
}

inline std::optional<LiveMode> live_mode_named(std::string_view name) {
  for (LiveMode m : {LiveMode::Auto, LiveMode::MultiDiffusion, LiveMode::RegionalAttention})
    if (live_mode_name(m) == name) return m;
  return std::nullopt;
}

}  // namespace palette::app
